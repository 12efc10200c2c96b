// v1 freezer: write FROZEN/THAWED to freezer.state and poll it (short
// backoff, no fixed sleeps) until the kernel reports the state. A cgroup that
// keeps gaining tasks can stick in FREEZING; FROZEN is written again on every
// poll (as runc does), and on failure the cgroup is thawed back.
import { CgroupError, pollUntil, readFile, readOptional, writeFile } from '../fs';
import type { V1Controller } from '../types';

const TIMEOUT_MS = 10_000;

function state(dir: string): string {
  return readFile(dir, 'freezer.state').trim();
}

export function freezeV1(dir: string): void {
  let last = '';
  try {
    const frozen = pollUntil(() => {
      writeFile(dir, 'freezer.state', 'FROZEN');
      last = state(dir);
      if (last !== 'FROZEN' && last !== 'FREEZING') throw new CgroupError(`unexpected freezer state ${last} in ${dir} while freezing`);
      return last === 'FROZEN';
    }, TIMEOUT_MS);
    if (!frozen) throw new CgroupError(`unable to freeze ${dir}: freezer.state stayed ${last}`);
  } catch (e) {
    // Whatever failed, a half-frozen (FREEZING) cgroup is not left behind.
    try { writeFile(dir, 'freezer.state', 'THAWED'); } catch { /* best effort */ }
    throw e;
  }
}

/** Thawed: THAWED, or FROZEN only through a frozen ancestor (self_freezing 0). */
export function thawV1(dir: string): void {
  writeFile(dir, 'freezer.state', 'THAWED');
  const thawed = (): boolean => state(dir) === 'THAWED' || readOptional(dir, 'freezer.self_freezing')?.trim() === '0';
  if (!pollUntil(thawed, TIMEOUT_MS)) {
    throw new CgroupError(`unable to thaw ${dir}: freezer.state is ${state(dir)}`);
  }
}

/** Frozen by its own freezer.state (not only through an ancestor); FREEZING is waited out. */
export function isFrozenV1(dir: string): boolean {
  let s = readOptional(dir, 'freezer.state')?.trim();
  if (s === undefined) return false;
  if (s === 'FREEZING') {
    pollUntil(() => (s = state(dir)) !== 'FREEZING', TIMEOUT_MS);
  }
  if (s !== 'FROZEN') return false;
  const self = readOptional(dir, 'freezer.self_freezing');
  return self === undefined || self.trim() === '1';
}

export const freezer: V1Controller = { hierarchy: 'freezer' };
