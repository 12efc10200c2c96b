// `delete [--force] ID`: removes a stopped container; a created one is
// killed first (as runc), a running one only with --force. Missing
// containers are fine with --force, so callers can clean up blindly.
import { closeSync, rmdirSync } from 'node:fs';
import { ownNamespace } from '../linux/proc';
import { RuntimeError, notExist } from '../errors';
import { deriveStatus, initAlive } from '../state/status';
import { Store, type StoredState } from '../state/store';
import { containerPids } from './kill';
import { loadCgroup } from './cgroup';
import type { CgroupManager } from '../cgroups';
import { hookState } from './load';
import { warn } from '../log';

/** SIGKILLs the init and waits, through a pidfd, until it is gone. */
export function killAndWait(state: StoredState, cgroup: CgroupManager | null): void {
  const { linux: sys } = require('../linux/libc') as typeof import('../linux/libc');
  let pidfd: number;
  try { pidfd = sys.pidfdOpen(state.pid); } catch { return; }
  try {
    if (!initAlive(state)) return;
    if (cgroup) {
      // A frozen task cannot die: thaw after signalling (runc does the same).
      cgroup.signalAll(9);
      if (cgroup.isFrozen()) cgroup.thaw();
    } else if (!ownNamespace(state.pid, 'pid')) {
      for (const pid of containerPids(state.pid)) {
        try { sys.kill(pid, 9); } catch { /* gone */ }
      }
    }
    sys.pidfdSendSignal(pidfd, 9);
    sys.poll([pidfd], -1);
  } catch (e) {
    if ((e as { code?: string }).code !== 'ESRCH') throw e;
  } finally {
    closeSync(pidfd);
  }
}

export function remove(root: string, id: string, force: boolean): void {
  const store = new Store(root);
  store.dir(id);
  let state: StoredState;
  try {
    state = store.read(id);
  } catch (e) {
    // A directory without state.json is a create that died half-way.
    if (force) { store.remove(id); return; }
    throw e instanceof RuntimeError ? notExist() : e;
  }
  const status = deriveStatus(store, state);
  if (status === 'running' || status === 'paused') {
    if (!force) throw new RuntimeError(`cannot delete container ${id} that is not stopped: ${status}`);
  }
  // The short way, without the cgroup library: a stopped container, or a
  // created or running one whose own pid namespace dies with its init; its
  // cgroup is then empty and its directories just go.
  if (status === 'stopped' || (status !== 'paused' && ownNamespace(state.pid, 'pid'))) {
    if (status !== 'stopped') killAndWait(state, null);
    if (removeEmptyCgroup(state)) {
      runPoststop(state);
      store.remove(id);
      return;
    }
  }
  const cgroup = loadCgroup(state);
  if (status !== 'stopped') killAndWait(state, cgroup);
  if (cgroup) {
    // Processes left in the cgroup (a shared pid namespace, or none) go too.
    if (cgroup.pids().length) {
      cgroup.signalAll(9);
      if (cgroup.isFrozen()) cgroup.thaw();
    }
    cgroup.remove();
  }
  runPoststop(state);
  store.remove(id);
}

function runPoststop(state: StoredState): void {
  if (!state.hooks?.poststop?.length) return;
  const { runHooksWarnOnly } = require('../hooks') as typeof import('../hooks');
  runHooksWarnOnly('poststop', state.hooks.poststop, hookState(state, 'stopped'), warn);
}

/** rmdir of every recorded cgroup directory; false when one is busy (or none is recorded). */
function removeEmptyCgroup(state: StoredState): boolean {
  const dirs = state.cgroup?.dirs;
  if (!state.cgroup) return true;
  if (!dirs) return false;
  for (const dir of dirs) {
    try {
      rmdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return false;
    }
  }
  return true;
}
