// v2 cpuset: cpuset.cpus and cpuset.mems (empty means the parent's, so
// nothing needs copying as on v1).
import { writeFile } from '../fs';
import type { V2Controller } from '../types';

export const cpuset: V2Controller = {
  controller: 'cpuset',
  wanted: (r) => !!(r.cpu?.cpus || r.cpu?.mems),
  apply(dir, r) {
    if (r.cpu?.cpus) writeFile(dir, 'cpuset.cpus', r.cpu.cpus);
    if (r.cpu?.mems) writeFile(dir, 'cpuset.mems', r.cpu.mems);
  },
};
