// process.terminal: the pty is created inside the container, from its own
// devpts (after pivot_root), and its master handed to the caller over the
// console socket exactly as runc does (SCM_RIGHTS, the payload a name);
// the slave becomes the process's controlling terminal and stdio.
import { closeSync, fstatSync, openSync } from 'node:fs';
import * as C from '../linux/constants';
import type { Syscalls } from '../linux/syscalls';
import { ensureInRoot, openInRoot } from './paths';
import { describeNode, major, minor } from './rootfs';

export interface ConsoleConfig {
  /** The connected console socket, inherited from the runtime. */
  socketFd: number;
  height?: number;
  width?: number;
}

/** Creates the pty, sends its master, and (for the init) binds the slave on /dev/console. Returns the slave. */
export function setupConsole(sys: Syscalls, cfg: ConsoleConfig, bindDevConsole: boolean): number {
  const { master, slave, index } = sys.openPty('/dev/ptmx');
  try {
    // /dev/ptmx is the image's path: what it opened must be a pty master.
    const st = fstatSync(master);
    if (!st.isCharacterDevice() || major(st.rdev) !== TTYAUX_MAJOR || minor(st.rdev) !== PTMX_MINOR) {
      throw new Error(`open /dev/ptmx: it is ${describeNode(st)}, not the pty multiplexer (5:2) (refused)`);
    }
    if (cfg.height || cfg.width) sys.setWinsize(slave, cfg.height ?? 0, cfg.width ?? 0);
    sys.sendFd(cfg.socketFd, master, '/dev/ptmx');
  } catch (e) {
    closeSync(slave);
    throw e;
  } finally {
    closeSync(master);
    closeSync(cfg.socketFd);
  }
  if (bindDevConsole) bindConsole(sys, index);
  return slave;
}

/**
 * Binds /dev/pts/N on /dev/console by fd: the pts node and /dev/console
 * (created as an empty file if missing) opened through no symlink and
 * checked, so an image cannot point either anywhere else.
 */
function bindConsole(sys: Syscalls, index: number): void {
  const root = openSync('/', C.O_PATH | C.O_DIRECTORY | C.O_CLOEXEC);
  let pts = -1;
  let target = -1;
  try {
    pts = openInRoot(sys, root, `/dev/pts/${index}`, true);
    const st = fstatSync(pts);
    if (!st.isCharacterDevice() || major(st.rdev) < PTS_MAJOR_FIRST || major(st.rdev) > PTS_MAJOR_LAST) {
      throw new Error(`/dev/pts/${index}: it is ${describeNode(st)}, not a pty (refused)`);
    }
    target = ensureInRoot(sys, root, '/dev/console', 'file', 0, true);
    const t = fstatSync(target);
    if (!t.isFile() && !t.isCharacterDevice()) throw new Error(`/dev/console: it is ${describeNode(t)} (refused)`);
    const bind = sys.openTreeCloneFd(pts, false, `/dev/pts/${index} for /dev/console`);
    try { sys.moveMount(bind, target, `/dev/pts/${index} on /dev/console`); } finally { closeSync(bind); }
  } finally {
    for (const fd of [pts, target, root]) if (fd >= 0) closeSync(fd);
  }
}

// linux/major.h: the pty multiplexer is 5:2; Unix98 pty slaves 136 to 143.
const TTYAUX_MAJOR = 5;
const PTMX_MINOR = 2;
const PTS_MAJOR_FIRST = 136;
const PTS_MAJOR_LAST = 143;

/** Right before exec: a new session with the pty as controlling terminal and stdio. */
export function attachConsole(sys: Syscalls, slave: number): void {
  sys.setsid();
  sys.setControllingTerminal(slave);
  for (const fd of [0, 1, 2]) sys.dup2(slave, fd);
  if (slave > 2) closeSync(slave);
}
