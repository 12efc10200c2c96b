// process.terminal: the pty is created inside the container, from its own
// devpts (after pivot_root), and its master handed to the caller over the
// console socket exactly as runc does (SCM_RIGHTS, the payload a name);
// the slave becomes the process's controlling terminal and stdio.
import { closeSync, existsSync, writeFileSync } from 'node:fs';
import * as C from '../linux/constants';
import type { Syscalls } from '../linux/syscalls';

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
    if (cfg.height || cfg.width) sys.setWinsize(slave, cfg.height ?? 0, cfg.width ?? 0);
    sys.sendFd(cfg.socketFd, master, '/dev/ptmx');
  } finally {
    closeSync(master);
    closeSync(cfg.socketFd);
  }
  if (bindDevConsole) {
    if (!existsSync('/dev/console')) writeFileSync('/dev/console', '', { mode: 0o666 });
    sys.mount(`/dev/pts/${index}`, '/dev/console', null, C.MS_BIND, null);
  }
  return slave;
}

/** Right before exec: a new session with the pty as controlling terminal and stdio. */
export function attachConsole(sys: Syscalls, slave: number): void {
  sys.setsid();
  sys.setControllingTerminal(slave);
  for (const fd of [0, 1, 2]) sys.dup2(slave, fd);
  if (slave > 2) closeSync(slave);
}
