// Status is derived from the process, never trusted from the file (as
// runc's refreshState): the init gone, a zombie, or a reused pid means
// stopped; the exec fifo still there means created; else running.
import { existsSync, readFileSync } from 'node:fs';
import type { Store, StoredState } from './store';

export type Status = 'created' | 'running' | 'paused' | 'stopped';

/** Fields of /proc/PID/stat after the command name: [state, ppid, ...]. */
function statFields(pid: number): string[] | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** starttime (field 22) of pid, or null if there is no such process. */
export function processStartTime(pid: number): string | null {
  const f = statFields(pid);
  return f ? f[19] : null;
}

/** The init is alive and is the process we started (not a reused pid). */
export function initAlive(state: StoredState): boolean {
  if (state.pid <= 0) return false;
  const f = statFields(state.pid);
  if (!f) return false;
  if (f[0] === 'Z' || f[0] === 'X') return false;
  return f[19] === state.startTime;
}

export function deriveStatus(store: Store, state: StoredState): Status {
  if (!initAlive(state)) return 'stopped';
  if (existsSync(store.fifo(state.id))) return 'created';
  const freezer = state.cgroup?.freezer;
  if (freezer) {
    try {
      if (readFileSync(freezer.file, 'utf8').includes(freezer.frozen)) return 'paused';
    } catch { /* no freezer: not paused */ }
  }
  return 'running';
}

/** The state JSON that `state` prints, field for field as runc's. */
export function publicState(state: StoredState, status: Status): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ociVersion: state.ociVersion,
    id: state.id,
    pid: status === 'stopped' ? 0 : state.pid,
    status,
    bundle: state.bundle,
    rootfs: state.rootfs,
    created: state.created,
  };
  if (state.annotations && Object.keys(state.annotations).length) out.annotations = state.annotations;
  out.owner = state.owner;
  return out;
}
