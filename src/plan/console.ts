// process.terminal as steps of the init's program: the pty is created
// inside the container, from its own devpts (after pivot_root), and its
// master handed to the caller over the console socket exactly as runc does
// (SCM_RIGHTS, the payload a name); the slave becomes the process's
// controlling terminal and stdio (attachConsole in ./process.ts).
import * as C from '../linux/constants';
import { AluOp, type Named, type Ref, type Reg } from '../init/program';
import { checkNode } from './rootfs';
import { AT_FDCWD, close, ensureInRoot, fileType, openHow, RESOLVE, STAT_RDEV, STAT_SIZE, STRICT, type Ctx } from './steps';

export interface ConsoleInput {
  /** The connected console socket, inherited from the runtime. */
  socket: Named;
  height?: number;
  width?: number;
}

// linux/major.h: the pty multiplexer is 5:2; Unix98 pty slaves 136 to 143.
const PTMX = (5n << 8n) | 2n;
const PTS_MAJOR_FIRST = 136;
const PTS_MAJOR_LAST = 143;

/** Creates the pty and sends its master; with `bindDevConsole` (the init), binds the slave on /dev/console. Returns the slave's register. */
export function setupConsole(ctx: Ctx, c: ConsoleInput, bindDevConsole: boolean): Reg {
  const { p } = ctx;
  p.section('the terminal (process.terminal)');
  const master = p.reg('pty master');
  const slave = p.reg('pty slave');
  const stat = p.buf(STAT_SIZE, 'struct stat');
  const type = p.reg('file type');
  const root = p.reg('/');
  p.sys('openat', [AT_FDCWD, p.str('/'), C.O_PATH | C.O_DIRECTORY | C.O_CLOEXEC], { dst: root, msg: 'open /' });
  // Often a symlink to pts/ptmx: followed, but inside the root and through
  // no magic link (/proc/self/fd/N would reach the init's own fds).
  p.sys('openat2', [root, p.str('dev/ptmx'), openHow(ctx, C.O_RDWR | C.O_NOCTTY | C.O_CLOEXEC, 0, RESOLVE), 24], { dst: master, msg: 'open /dev/ptmx', why: 'process.terminal' });
  // /dev/ptmx is the image's path: what it opened must be a pty master.
  fileType(ctx, master, stat, type, '/dev/ptmx');
  checkNode(ctx, type, stat, C.S_IFCHR, PTMX, 'open /dev/ptmx: it is {node}, not the pty multiplexer (5:2) (refused)');
  const unlock = p.buf(8, 'int 0');
  p.sys('ioctl', [master, C.TIOCSPTLCK, unlock], { msg: 'ioctl TIOCSPTLCK' });
  const indexBuf = p.buf(8, 'int index');
  const index = p.reg('pty index');
  p.sys('ioctl', [master, C.TIOCGPTN, indexBuf], { msg: 'ioctl TIOCGPTN' });
  p.load(index, indexBuf, 4);
  p.sys('ioctl', [master, C.TIOCGPTPEER, C.O_RDWR | C.O_NOCTTY | C.O_CLOEXEC], { dst: slave, msg: 'ioctl TIOCGPTPEER' });
  if (c.height || c.width) {
    const ws = Buffer.alloc(8);
    ws.writeUInt16LE(c.height ?? 0, 0);
    ws.writeUInt16LE(c.width ?? 0, 2);
    p.sys('ioctl', [slave, C.TIOCSWINSZ, p.bytes(ws, 'winsize')], { msg: 'ioctl TIOCSWINSZ', why: 'process.consoleSize' });
  }
  const name = p.str('/dev/ptmx');
  const control = p.buf(24, 'cmsg');
  p.store(control, 8, 0, 20);
  p.store(control, 4, 8, C.SOL_SOCKET);
  p.store(control, 4, 12, C.SCM_RIGHTS);
  p.store(control, 4, 16, master);
  const iov = p.slots([name, '/dev/ptmx'.length], 'iovec');
  const hdr = p.slots([0, 0, iov, 1, control, 24, 0], 'msghdr');
  p.sys('sendmsg', [c.socket, hdr, 0], { msg: 'sendmsg SCM_RIGHTS pty master', why: '--console-socket: the master, to the caller' });
  close(ctx, master);
  close(ctx, c.socket);
  if (bindDevConsole) bindConsole(ctx, root, index, stat, type);
  close(ctx, root);
  return slave;
}

/**
 * Binds /dev/pts/N on /dev/console by fd: the pts node and /dev/console
 * (created as an empty file if missing) opened through no symlink and
 * checked, so an image cannot point either anywhere else.
 */
function bindConsole(ctx: Ctx, root: Reg, index: Reg, stat: Ref, type: Reg): void {
  const { p } = ctx;
  const pts = p.reg('/dev/pts/N');
  const target = p.reg('/dev/console');
  const bind = p.reg('bind of the pty');
  const path = p.bytes(Buffer.concat([Buffer.from('dev/pts/'), Buffer.alloc(24)]), '"dev/pts/<index>"');
  p.itoa(index, path.at(8));
  p.sys('openat2', [root, path, openHow(ctx, C.O_PATH | C.O_CLOEXEC, 0, STRICT), 24], { dst: pts, msg: 'open /dev/pts/N in the rootfs', why: 'process.terminal: /dev/console is the pty' });
  fileType(ctx, pts, stat, type, '/dev/pts/N');
  const bad = p.label('not a pty');
  const ok = p.label('a pty');
  const major = p.reg('major');
  const rdev = p.reg('st_rdev');
  p.jne(type, C.S_IFCHR, bad);
  p.load(rdev, stat, 8, STAT_RDEV);
  // major = ((rdev >> 8) & 0xfff) | ((rdev >> 32) & ~0xfff): the pty
  // majors are below 4096, so the high part must be 0.
  p.alu(major, AluOp.Shr, rdev, 32);
  p.jne(major, 0, bad);
  p.alu(major, AluOp.Shr, rdev, 8);
  p.alu(major, AluOp.And, major, 0xfff);
  p.jlt(major, PTS_MAJOR_FIRST, bad);
  p.jlt(major, PTS_MAJOR_LAST + 1, ok);
  p.bind(bad);
  p.fail('/dev/pts/N: it is not a pty (refused)');
  p.bind(ok);
  ensureInRoot(ctx, root, '/dev/console', 'file', target, { strict: true });
  fileType(ctx, target, stat, type, '/dev/console');
  const fine = p.label('/dev/console is a file or a device');
  p.jeq(type, C.S_IFREG, fine);
  p.jeq(type, C.S_IFCHR, fine);
  p.fail('/dev/console: it is not a file or a device (refused)');
  p.bind(fine);
  p.sys('open_tree', [pts, p.str(''), C.OPEN_TREE_CLONE | C.O_CLOEXEC | C.AT_EMPTY_PATH], { dst: bind, msg: 'open_tree /dev/pts/N for /dev/console' });
  p.sys('move_mount', [bind, p.str(''), target, p.str(''), C.MOVE_MOUNT_F_EMPTY_PATH | C.MOVE_MOUNT_T_EMPTY_PATH], { msg: 'move_mount /dev/pts/N on /dev/console' });
  for (const fd of [bind, pts, target]) close(ctx, fd);
}
