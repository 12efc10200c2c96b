// v2 pids: the same pids.max / pids.current files as v1.
import { applyPids, statPids } from '../v1/pids';
import type { V2Controller } from '../types';

export const pids: V2Controller = {
  controller: 'pids',
  wanted: (r) => r.pids?.limit !== undefined,
  apply: (dir, r) => applyPids(dir, r),
  stats: statPids,
};
