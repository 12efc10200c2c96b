// v2 freezer: write cgroup.freeze, then poll cgroup.events (short backoff,
// no fixed sleeps) until its "frozen" key agrees. A failed freeze is thawed
// back so the cgroup is not left half frozen.
import { CgroupError, pollUntil, readKeyValues, readOptional, writeFile } from '../fs';

const TIMEOUT_MS = 10_000;

const frozenEvent = (dir: string): number => Number(readKeyValues(dir, 'cgroup.events').frozen ?? -1);

function set(dir: string, on: boolean): void {
  if (readOptional(dir, 'cgroup.freeze') === undefined) {
    if (!on) return; // nothing was frozen
    throw new CgroupError(`freezer not supported: ${dir}/cgroup.freeze does not exist`);
  }
  writeFile(dir, 'cgroup.freeze', on ? '1' : '0');
  try {
    if (!pollUntil(() => frozenEvent(dir) === (on ? 1 : 0), TIMEOUT_MS)) {
      throw new CgroupError(`timeout waiting for ${dir}/cgroup.events to report frozen ${on ? 1 : 0}`);
    }
  } catch (e) {
    // A failed freeze, timed out or not, is thawed back.
    if (on) {
      try { writeFile(dir, 'cgroup.freeze', '0'); } catch { /* best effort */ }
    }
    throw e;
  }
}

export const freezeV2 = (dir: string): void => set(dir, true);
export const thawV2 = (dir: string): void => set(dir, false);

/** What the cgroup was asked to be (cgroup.freeze), as runc reports paused. */
export function isFrozenV2(dir: string): boolean {
  return readOptional(dir, 'cgroup.freeze')?.trim() === '1';
}
