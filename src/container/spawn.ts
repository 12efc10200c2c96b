// Starting tsrun's init (dist/init-entry) as a child in namespaces: new
// ones by clone flags, a pid namespace to join by setns around the clone
// (it applies to children only).
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { cloneExec } from '../linux/clone';
import { CLONE_NEWPID, O_CLOEXEC, O_RDONLY } from '../linux/constants';
import { linux as sys } from '../linux/libc';

const INIT_ENTRY = join(__dirname, '..', 'init-entry');

/** Makes stdio, the preserved fds and the sync fd survive into the init. */
export function passFds(syncFd: number, preserveFds: number, consoleFd = -1): void {
  // Node marks inherited fds close-on-exec at start-up.
  for (let fd = 0; fd < 3 + preserveFds; fd++) {
    try { sys.fcntlSetCloexec(fd, false); } catch { /* not open */ }
  }
  sys.fcntlSetCloexec(syncFd, false);
  if (consoleFd >= 0) sys.fcntlSetCloexec(consoleFd, false);
}

export function cloneInit(syncFd: number, cloneFlags: number): number {
  return cloneExec(INIT_ENTRY, [`_TSRUN_SYNC_FD=${syncFd}`], cloneFlags);
}

/** Starts the init, joining a pid namespace by path first if asked. */
export function spawnInit(syncFd: number, cloneFlags: number, joinPid: string | null, preserveFds: number, consoleFd = -1): number {
  passFds(syncFd, preserveFds, consoleFd);
  if (!joinPid) return cloneInit(syncFd, cloneFlags);
  const own = openSync('/proc/self/ns/pid', O_RDONLY | O_CLOEXEC);
  const target = openSync(joinPid, O_RDONLY | O_CLOEXEC);
  try {
    sys.setns(target, CLONE_NEWPID, `pid namespace ${joinPid}`);
    try {
      return cloneInit(syncFd, cloneFlags);
    } finally {
      sys.setns(own, CLONE_NEWPID, 'own pid namespace');
    }
  } finally {
    closeSync(own);
    closeSync(target);
  }
}

