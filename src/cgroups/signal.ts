// Signalling every process of a cgroup without cgroup.kill: freeze it so no
// process can fork past the list, signal each pid, then thaw it again (unless
// it was frozen to begin with, i.e. the container is paused, and the signal
// is not SIGKILL: a v1-frozen task only dies once thawed).
import { CgroupError } from './fs';

export interface Freezable {
  pids(): number[];
  freeze(): void;
  thaw(): void;
  isFrozen(): boolean;
}

export function signalEach(pids: number[], signal: number): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') {
        throw new CgroupError(`kill ${pid} signal ${signal}: ${(err as NodeJS.ErrnoException).code}`, (err as NodeJS.ErrnoException).code);
      }
    }
  }
}

export function signalFrozen(cg: Freezable, signal: number, canFreeze: boolean): void {
  const wasFrozen = canFreeze && cg.isFrozen();
  let froze = false;
  if (canFreeze && !wasFrozen) {
    try {
      cg.freeze();
      froze = true;
    } catch {
      // Could not freeze: signal anyway, racing new forks, rather than not at all.
    }
  }
  try {
    signalEach(cg.pids(), signal);
  } finally {
    if (froze || (wasFrozen && signal === 9)) cg.thaw();
  }
}
