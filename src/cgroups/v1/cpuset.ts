// v1 cpuset: a new cpuset cgroup starts with empty cpus and mems, and no
// task can join it until both are set. Every directory created on the way
// gets its parent's values; the leaf gets the spec's, else its parent's.
import path = require('node:path');
import fs = require('node:fs');
import { CgroupError, mkdirOne, readFile, removeCreated, writeFile } from '../fs';
import type { V1Controller } from '../types';

/** "cpuset.cpus", or plain "cpus" on a hierarchy mounted with noprefix. */
function file(dir: string, name: 'cpus' | 'mems'): string {
  return fs.existsSync(path.join(dir, `cpuset.${name}`)) || !fs.existsSync(path.join(dir, name)) ? `cpuset.${name}` : name;
}

function copyIfEmpty(dir: string): void {
  const parent = path.dirname(dir);
  for (const name of ['cpus', 'mems'] as const) {
    if (readFile(dir, file(dir, name)).trim() === '') writeFile(dir, file(dir, name), readFile(parent, file(parent, name)).trim());
  }
}

export const cpuset: V1Controller = {
  hierarchy: 'cpuset',
  wanted: (r) => !!(r.cpu?.cpus || r.cpu?.mems),
  mkdir(dir, mount) {
    if (dir !== mount && !dir.startsWith(mount + '/')) throw new CgroupError(`cgroup ${dir} is outside ${mount}`);
    const created: string[] = [];
    const parts = path.relative(mount, dir).split('/').filter(Boolean);
    let d = mount;
    try {
      for (const part of parts) {
        d = path.join(d, part);
        if (mkdirOne(d)) created.push(d);
        // Ancestors get their parent's values now; the leaf after the spec's are written.
        if (d !== dir) copyIfEmpty(d);
      }
    } catch (err) {
      // The caller never sees the list on a throw, so it could not undo these.
      removeCreated(created);
      throw err;
    }
    return created;
  },
  apply(dir, r, ctx) {
    if (r.cpu?.cpus) writeFile(dir, file(dir, 'cpus'), r.cpu.cpus);
    if (r.cpu?.mems) writeFile(dir, file(dir, 'mems'), r.cpu.mems);
    if (!ctx.update) copyIfEmpty(dir);
  },
};
