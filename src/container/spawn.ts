// Starting tsrun's init (dist/init-entry) as a child in namespaces: new
// ones by clone flags, a pid namespace to join by setns around the clone
// (it applies to children only).
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { cloneExec, type CloneOptions } from '../linux/clone';
import { CLONE_NEWPID, O_CLOEXEC, O_RDONLY } from '../linux/constants';
import { linux as sys } from '../linux/libc';

const INIT_ENTRY = join(__dirname, '..', 'init-entry');

/** Makes stdio, the preserved fds and the sync fd survive into the init. */
export function passFds(syncFd: number, preserveFds: number, ...more: number[]): void {
  // Node marks inherited fds close-on-exec at start-up.
  for (let fd = 0; fd < 3 + preserveFds; fd++) {
    try { sys.fcntlSetCloexec(fd, false); } catch { /* not open */ }
  }
  sys.fcntlSetCloexec(syncFd, false);
  for (const fd of more) if (fd >= 0) sys.fcntlSetCloexec(fd, false);
}

export function cloneInit(syncFd: number, cloneFlags: number, opts: CloneOptions = {}): number {
  return cloneExec(INIT_ENTRY, [`_TSRUN_SYNC_FD=${syncFd}`], cloneFlags, opts);
}

/** Starts the init, joining a pid namespace by path first if asked. */
export function spawnInit(syncFd: number, cloneFlags: number, joinPid: string | null, preserveFds: number, extraFds: number[], opts: CloneOptions = {}): number {
  passFds(syncFd, preserveFds, ...extraFds);
  if (!joinPid) return cloneInit(syncFd, cloneFlags, opts);
  const own = openSync('/proc/self/ns/pid', O_RDONLY | O_CLOEXEC);
  const target = openSync(joinPid, O_RDONLY | O_CLOEXEC);
  try {
    sys.setns(target, CLONE_NEWPID, `pid namespace ${joinPid}`);
    try {
      return cloneInit(syncFd, cloneFlags, opts);
    } finally {
      sys.setns(own, CLONE_NEWPID, 'own pid namespace');
    }
  } finally {
    closeSync(own);
    closeSync(target);
  }
}

