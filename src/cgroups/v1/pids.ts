// v1 pids: pids.max ("max" for a limit <= 0), stats from pids.current/max.
import { MAX_U64, readOptionalU64, readU64, writeFile } from '../fs';
import type { Resources, Stats, U64, V1Controller } from '../types';

/** The pids.max value for an OCI limit: a positive limit as is, anything else unlimited. */
export function pidsMax(limit: number): string {
  return limit > 0 ? String(limit) : 'max';
}

export function applyPids(dir: string, r: Resources): void {
  if (r.pids?.limit !== undefined) writeFile(dir, 'pids.max', pidsMax(r.pids.limit));
}

/** runc reports an unlimited pids.max as limit 0. */
export function statPids(dir: string, out: Stats): void {
  const current = readOptionalU64(dir, 'pids.current');
  if (current === undefined) return;
  out.pids.current = current;
  const max: U64 = readU64(dir, 'pids.max');
  out.pids.limit = max === MAX_U64 ? 0 : max;
}

export const pids: V1Controller = {
  hierarchy: 'pids',
  wanted: (r) => r.pids?.limit !== undefined,
  apply: (dir, r) => applyPids(dir, r),
  stats: statPids,
};
