// `delete [--force] ID`: removes a stopped container; a created one is
// killed first (as runc), a running one only with --force. Missing
// containers are fine with --force, so callers can clean up blindly.
import { closeSync, existsSync, type FSWatcher, readFileSync, rmdirSync, watch } from 'node:fs';
import { join } from 'node:path';
import { ownNamespace } from '../linux/proc';
import { RuntimeError } from '../errors';
import { deriveStatus, initAlive } from '../state/status';
import { Store, type StoredState } from '../state/store';
import { destroyCgroup, loadCgroup } from './cgroup';
import type { CgroupManager } from '../cgroups';
import { hookState } from './load';
import { warn } from '../log';

/** SIGKILLs the init and waits, through a pidfd, until it is gone. */
export function killAndWait(state: StoredState, cgroup: CgroupManager | null): void {
  const { linux: sys } = require('../linux/libc') as typeof import('../linux/libc');
  let pidfd: number;
  try {
    pidfd = sys.pidfdOpen(state.pid);
  } catch (e) {
    if ((e as { code?: string }).code === 'ESRCH') return;
    throw e;
  }
  try {
    if (!initAlive(state)) return;
    // signalAll thaws a frozen cgroup for SIGKILL (see cgroups/signal.ts).
    cgroup?.signalAll(9);
    sys.pidfdSendSignal(pidfd, 9);
    sys.poll([pidfd], -1);
  } catch (e) {
    if ((e as { code?: string }).code !== 'ESRCH') throw e;
  } finally {
    closeSync(pidfd);
  }
}

/**
 * SIGKILLs an init alone in its pid namespace and waits for its cgroup2
 * directory to say "populated 0" (inotify on cgroup.events): no koffi,
 * whose loading was the largest part of deleting a created container. The
 * pid is checked against the recorded start time just before, as `kill`
 * does. A liveness check every 100 ms ends the wait if the init is gone
 * but something else keeps the cgroup populated; the caller then finds the
 * cgroup busy and takes the long way. false: no cgroup2 directory recorded,
 * or no inotify watch to be had.
 */
async function killAndWatch(state: StoredState): Promise<boolean> {
  const dir = state.cgroup?.dirs?.find((d) => existsSync(join(d, 'cgroup.events')));
  if (!dir) return false;
  const events = join(dir, 'cgroup.events');
  if (!initAlive(state)) return true;
  let watcher: FSWatcher;
  try {
    watcher = watch(events);
  } catch {
    return false; // no inotify instance or watch left: the pidfd way
  }
  await new Promise<void>((resolve, reject) => {
    const end = (err?: Error) => {
      clearInterval(alive);
      watcher.close();
      if (err) reject(err);
      else resolve();
    };
    const check = () => {
      try {
        if (/^populated 0$/m.test(readFileSync(events, 'utf8'))) end();
      } catch (e) {
        end((e as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : e as Error);
      }
    };
    const alive = setInterval(() => { if (!initAlive(state)) end(); }, 100);
    watcher.on('change', check);
    watcher.on('error', end);
    try {
      process.kill(state.pid, 'SIGKILL');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') return end(e as Error);
    }
    check();
  });
  return true;
}

export async function remove(root: string, id: string, force: boolean): Promise<void> {
  const store = new Store(root);
  store.dir(id);
  let state: StoredState;
  try {
    state = store.read(id);
  } catch (e) {
    // A directory without state.json is a create that died half-way: what
    // it recorded of its progress goes, then the directory.
    if (force && e instanceof RuntimeError) {
      removeInterrupted(store, id);
      return;
    }
    throw e;
  }
  const status = deriveStatus(store, state);
  if (status === 'running' || status === 'paused') {
    if (!force) throw new RuntimeError(`cannot delete container ${id} that is not stopped: ${status}`);
  }
  // The short way, without the cgroup library: a stopped container, or a
  // created or running one whose own pid namespace dies with its init; its
  // cgroup is then empty and its directories just go.
  if (status === 'stopped' || (status !== 'paused' && ownNamespace(state.pid, 'pid'))) {
    if (status !== 'stopped' && !(await killAndWatch(state))) killAndWait(state, null);
    if (removeEmptyCgroup(state)) {
      runPoststop(state);
      store.remove(id);
      return;
    }
  }
  const cgroup = loadCgroup(state);
  if (status !== 'stopped') killAndWait(state, cgroup);
  // Processes left in the cgroup (a shared pid namespace, or none) go too.
  if (cgroup) destroyCgroup(cgroup);
  runPoststop(state);
  store.remove(id);
}

/** Kills the init a dead create recorded, if it is still that process, and removes its cgroup. */
function removeInterrupted(store: Store, id: string): void {
  const progress = store.readProgress(id);
  if (progress) {
    const partial = { id, pid: progress.pid ?? 0, startTime: progress.startTime ?? '', cgroup: progress.cgroup } as StoredState;
    const cgroup = loadCgroup(partial);
    if (partial.pid > 0) killAndWait(partial, cgroup);
    if (cgroup) destroyCgroup(cgroup);
  }
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
