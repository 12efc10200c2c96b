// `kill [--all] ID [SIGNAL]`: signals the init, checked against its
// recorded start time; with --all, every process of the container.
import { readdirSync } from 'node:fs';
import { nsLink } from '../linux/proc';
import { RuntimeError, notRunning } from '../errors';
import { parseSignal } from '../linux/signals';
import { initAlive } from '../state/status';
import { loadContainer } from './load';
import { loadCgroup } from './cgroup';

/** Pids of the container: those in the init's pid namespace, if it has its own. */
export function containerPids(initPid: number): number[] {
  const pidns = nsLink(initPid, 'pid');
  if (pidns === null || pidns === nsLink('self', 'pid')) return [initPid];
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(name)) continue;
    if (nsLink(Number(name), 'pid') === pidns) out.push(Number(name));
  }
  return out;
}

/**
 * Signals the init after checking it is the process we started (pid and
 * start time), as runc does; the window for a pid to be reused between the
 * two is a few microseconds of a process that has just exited.
 */
function signalInit(pid: number, signal: number, check: () => boolean): void {
  if (!check()) throw notRunning();
  try {
    process.kill(pid, signal);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') throw notRunning();
    throw e;
  }
}

export function kill(root: string, id: string, rawSignal: string | undefined, all: boolean): void {
  const signal = parseSignal(rawSignal ?? 'SIGTERM');
  if (signal === undefined) throw new RuntimeError(`unknown signal ${JSON.stringify(rawSignal)}`);
  const { state, status } = loadContainer(root, id);
  if (status === 'stopped') {
    if (all) return;
    throw notRunning();
  }
  if (all) {
    const cgroup = loadCgroup(state);
    if (cgroup) {
      cgroup.signalAll(signal);
      // A frozen process only sees a SIGKILL once thawed.
      if (signal === 9 && cgroup.isFrozen()) cgroup.thaw();
      return;
    }
    for (const pid of containerPids(state.pid)) {
      try { process.kill(pid, signal); } catch { /* exited meanwhile */ }
    }
    return;
  }
  signalInit(state.pid, signal, () => initAlive(state));
}
