// v1 net_cls: the class id tagged on the container's packets.
import type { V1Controller } from '../types';
import { writeFile } from '../fs';

export const netCls: V1Controller = {
  hierarchy: 'net_cls',
  wanted: (r) => r.network?.classID !== undefined,
  apply(dir, r) {
    if (r.network?.classID !== undefined) writeFile(dir, 'net_cls.classid', r.network.classID);
  },
};
