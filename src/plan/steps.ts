// Building blocks of the init's programs: opening paths inside the rootfs
// without leaving it, mounting on an fd, talking to the runtime, resetting
// signals. Each emits steps into a Program (../init/program.ts); none runs
// anything.
import * as C from '../linux/constants';
import { A0, A1, AluOp, Label, Named, Program, R_FAILCODE, R_REPORT, Ref, Reg, RV, RV2, type Arg } from '../init/program';

// The errnos the programs test for (x86_64 Linux).
export const EPERM = 1;
export const ENOENT = 2;
export const EBADF = 9;
export const EACCES = 13;
export const EEXIST = 17;
export const EINVAL = 22;
export const ELOOP = 40;
export const AT_FDCWD = C.AT_FDCWD;

export const RESOLVE = C.RESOLVE_IN_ROOT | C.RESOLVE_NO_MAGICLINKS;
// For the paths the runtime itself relies on (where procfs, sysfs and
// devpts go, /dev/null and /dev/console, masked and read-only paths): no
// symlink at all, so that an image cannot steer them anywhere.
export const STRICT = C.RESOLVE_IN_ROOT | C.RESOLVE_NO_SYMLINKS;

/** What a program is built with: the program, and the fds it inherits from the runtime. */
export interface Ctx {
  p: Program;
  /** The sync socket to the runtime. */
  sync: Named;
  /** Scratch registers, reused by the helpers (never held across helpers). */
  tmp: Reg;
  err: Reg;
  /** open_how structs by flags and resolve, shared. */
  hows: Map<string, Ref>;
}

export function newCtx(p: Program, sync: Named): Ctx {
  return { p, sync, tmp: p.reg('tmp'), err: p.reg('errno'), hows: new Map() };
}

export function openHow(ctx: Ctx, flags: number, mode: number, resolve: number): Ref {
  const key = `${flags}/${mode}/${resolve}`;
  let r = ctx.hows.get(key);
  if (!r) ctx.hows.set(key, r = ctx.p.slots([flags, mode, resolve], `open_how{flags 0x${flags.toString(16)}, resolve 0x${resolve.toString(16)}}`));
  return r;
}

/** "/proc/self/fd/N" for the fd in reg: how mount(2) reaches an fd (before the root switch, through the /proc the init started with). */
export function fdPath(ctx: Ctx, fd: Reg): Ref {
  const prefix = '/proc/self/fd/';
  const buf = ctx.p.bytes(Buffer.concat([Buffer.from(prefix), Buffer.alloc(24)]), `"/proc/self/fd/<${fd.name}>"`);
  ctx.p.itoa(fd, buf.at(prefix.length));
  return buf;
}

export function close(ctx: Ctx, fd: Reg | Named, why?: string): void {
  ctx.p.sys('close', [fd], { msg: `close ${fd.name}`, why });
}

/** Fails with msg and the errno held (negated) in reg. */
export function failWith(ctx: Ctx, msg: string, result: Reg): void {
  ctx.p.alu(ctx.err, AluOp.Sub, 0, result);
  ctx.p.fail(msg, ctx.err);
}

/** The refusal of a path that goes through a symlink where the runtime follows none. */
export const symlinkRefused = (path: string, what: string): string =>
  `${what}: ${path} in the container is, or goes through, a symbolic link: refused (tsrun follows none there)`;

const rel = (path: string): string => path.split('/').filter(Boolean).join('/') || '.';

export interface OpenInRoot {
  /** Through no symlink at all. */
  strict?: boolean;
  /** Where to go when the path does not exist (else: fail). */
  missing?: Label;
  /** What the path is, for a strict refusal's message. */
  what?: string;
  /** The description of a failure (default: `open PATH in the rootfs`). */
  msg?: string;
}

/**
 * The failure branch of an open in the rootfs (dst holds -errno), out of
 * line: a missing path goes to `missing`, a symlink where none is followed
 * is refused, anything else fails with the path in the message.
 */
function openFailure(ctx: Ctx, dst: Reg, path: string, o: OpenInRoot & { mkdirMsg?: string; kind?: Reg }): Label {
  const { p } = ctx;
  const failed = p.label(`${path}: open failed`);
  p.later(() => {
    p.bind(failed);
    if (o.kind && o.mkdirMsg) {
      const opened = p.label('open, not mkdir');
      p.jne(o.kind, 2, opened);
      failWith(ctx, o.mkdirMsg, dst);
      p.bind(opened);
    }
    if (o.missing) p.jeq(dst, -ENOENT, o.missing);
    if (o.strict) {
      const other = p.label('not a symlink');
      p.jne(dst, -ELOOP, other);
      p.fail(symlinkRefused(path, o.what ?? `open ${path}`));
      p.bind(other);
    }
    failWith(ctx, o.msg ?? `open ${path} in the rootfs`, dst);
  });
  return failed;
}

/** dst = an O_PATH fd of `path` (as seen in the container) under rootFd, resolved inside it by the kernel. */
export function openInRoot(ctx: Ctx, rootFd: Reg, path: string, dst: Reg, o: OpenInRoot = {}): void {
  const how = openHow(ctx, C.O_PATH | C.O_CLOEXEC, 0, o.strict ? STRICT : RESOLVE);
  ctx.p.sys('openat2', [rootFd, ctx.p.str(rel(path)), how, 24], { dst, unless: { errno: 'any', goto: openFailure(ctx, dst, path, o) } });
}

/**
 * dst = an O_PATH fd of `path` under rootFd, creating what is missing:
 * directories along the way, and the last component as a directory or an
 * empty file (subroutine ensure_in_root).
 */
export function ensureInRoot(ctx: Ctx, rootFd: Reg, path: string, last: 'dir' | 'file', dst: Reg, o: { strict?: boolean; what?: string; msg?: string } = {}): void {
  const { p } = ctx;
  const parts = path.split('/').filter(Boolean);
  const table = parts.length ? parts.flatMap((name, i) => [p.str(parts.slice(0, i + 1).join('/')), p.str(name)]) : [p.str('.'), p.str('.')];
  const how = openHow(ctx, C.O_PATH | C.O_CLOEXEC, 0, o.strict ? STRICT : RESOLVE);
  const args = p.slots([p.slots(table, `[${parts.map((x) => JSON.stringify(x)).join(', ')}]`), Math.max(parts.length, 1), how, last === 'file' ? 1 : 0],
    `{${JSON.stringify(path)}, ${last}${o.strict ? ', no symlinks' : ''}}`);
  p.mov(A0, rootFd);
  p.mov(A1, args);
  p.call(ensureInRootRoutine(ctx));
  p.mov(dst, RV);
  const failed = openFailure(ctx, dst, path, { ...o, mkdirMsg: o.msg ?? `mkdir ${path}`, kind: RV2 });
  p.jlt(dst, 0, failed);
}

/**
 * ensure_in_root(a0 = root fd, a1 = {components, count, open_how, last
 * is a file}): rv = the fd, or -errno with rv2 = 1 (an open failed) or 2
 * (a mkdir or create did). The whole path is tried first; if it is
 * missing, each component is opened in turn and created where missing.
 * Another process may create the same entry between our open and our
 * mkdir (containers sharing one rootfs, as runc allows): EEXIST then
 * means it is there, and the open after it resolves it safely.
 */
function ensureInRootRoutine(ctx: Ctx): Label {
  const { p } = ctx;
  return p.subroutine('ensure_in_root', () => {
    const table = p.reg('components');
    const count = p.reg('count');
    const how = p.reg('open_how');
    const file = p.reg('last is a file');
    const t = p.reg('t');
    const parent = p.reg('parent');
    const i = p.reg('i');
    const prefix = p.reg('prefix');
    const name = p.reg('name');
    const r = p.reg('r');
    const walk = p.label('walk'), loop = p.label('loop'), miss = p.label('missing'), mkdir = p.label('mkdir');
    const reopen = p.label('reopen'), next = p.label('next'), fail1 = p.label('open failed'), fail = p.label('failed'), made = p.label('made'), done = p.label('done');
    p.load(table, A1, 8, 0);
    p.load(count, A1, 8, 8);
    p.load(how, A1, 8, 16);
    p.load(file, A1, 8, 24);
    p.mov(RV2, 1);
    // The whole path: the last component's prefix.
    p.alu(t, AluOp.Sub, count, 1);
    p.alu(t, AluOp.Shl, t, 4);
    p.alu(t, AluOp.Add, table, t);
    p.load(prefix, t, 8, 0);
    p.sys('openat2', [A0, prefix, how, 24], { dst: RV, unless: { errno: 'any', goto: walk } });
    p.ret();
    p.bind(walk);
    p.jne(RV, -ENOENT, done);
    p.sys('openat2', [A0, p.str('.'), openHow(ctx, C.O_PATH | C.O_CLOEXEC, 0, RESOLVE), 24], { dst: parent, msg: 'open / in the rootfs' });
    p.mov(i, 0);
    p.mov(t, table);
    p.bind(loop);
    p.load(prefix, t, 8, 0);
    p.load(name, t, 8, 8);
    p.sys('openat2', [A0, prefix, how, 24], { dst: RV, unless: { errno: 'any', goto: miss } });
    p.jump(next);
    p.bind(miss);
    p.jne(RV, -ENOENT, fail);
    p.alu(r, AluOp.Add, i, 1);
    p.jne(r, count, mkdir);
    p.jeq(file, 0, mkdir);
    p.sys('openat2', [parent, name, openHow(ctx, C.O_CREAT | C.O_EXCL | C.O_WRONLY | C.O_CLOEXEC, 0o644, C.RESOLVE_BENEATH | C.RESOLVE_NO_SYMLINKS), 24],
      { dst: r, unless: { errno: 'any', goto: made } });
    p.sys('close', [r]);
    p.jump(reopen);
    p.bind(mkdir);
    p.sys('mkdirat', [parent, name, 0o755], { dst: r, unless: { errno: 'any', goto: made } });
    p.jump(reopen);
    p.bind(made);
    p.jeq(r, -EEXIST, reopen);
    p.mov(RV, r);
    p.mov(RV2, 2);
    p.jump(fail);
    p.bind(reopen);
    p.sys('openat2', [A0, prefix, how, 24], { dst: RV, unless: { errno: 'any', goto: fail1 } });
    p.bind(next);
    p.sys('close', [parent]);
    p.mov(parent, RV);
    p.alu(i, AluOp.Add, i, 1);
    p.alu(t, AluOp.Add, t, 16);
    p.jlt(i, count, loop);
    p.mov(RV, parent);
    p.ret();
    p.bind(fail1);
    p.mov(RV2, 1);
    p.bind(fail);
    p.sys('close', [parent]);
    p.bind(done);
    p.ret();
  });
}

// ---------- the runtime, over the sync socket ----------

/** Requests to the runtime: 16 bytes, "TSRQ", the code, an argument; fds ride along as SCM_RIGHTS. */
export enum Request { Ready = 1, Hooks = 2, CopyUp = 3, SeccompListener = 4, Exec = 5 }
export const MAGIC_REQUEST = 0x51525354; // "TSRQ"
export const REQUEST_SIZE = 16;

function requestBytes(code: Request, arg: number): Buffer {
  const b = Buffer.alloc(REQUEST_SIZE);
  b.writeUInt32LE(MAGIC_REQUEST, 0);
  b.writeUInt32LE(code, 4);
  b.writeBigInt64LE(BigInt(arg), 8);
  return b;
}

/**
 * Sends a request with these fds (SCM_RIGHTS) and, with `ack`, waits for
 * the runtime's one-byte reply. End of file means the runtime is gone:
 * the init ends without a word.
 */
export function request(ctx: Ctx, code: Request, o: { fds?: Reg[]; arg?: number; ack?: boolean; why?: string } = {}): void {
  const { p } = ctx;
  const msg = p.bytes(requestBytes(code, o.arg ?? 0), `request ${Request[code]}`);
  const fds = o.fds ?? [];
  if (fds.length) {
    const control = p.buf(16 + ((4 * fds.length + 7) & ~7), 'cmsg');
    p.store(control, 8, 0, 16 + 4 * fds.length);
    p.store(control, 4, 8, C.SOL_SOCKET);
    p.store(control, 4, 12, C.SCM_RIGHTS);
    fds.forEach((fd, i) => p.store(control, 4, 16 + 4 * i, fd));
    const iov = p.slots([msg, REQUEST_SIZE], 'iovec');
    const hdr = p.slots([0, 0, iov, 1, control, control.size, 0], 'msghdr');
    p.sys('sendmsg', [ctx.sync, hdr, 0], { msg: `sendmsg to the runtime (${Request[code]})`, why: o.why });
  } else {
    p.sys('write', [ctx.sync, msg, REQUEST_SIZE], { msg: `write to the runtime (${Request[code]})`, why: o.why });
  }
  if (!o.ack) return;
  const gone = p.label('runtime gone');
  const ok = p.label('acknowledged');
  const ack = p.buf(8, 'ack');
  p.sys('read', [ctx.sync, ack, 1], { dst: ctx.tmp, unless: { errno: 'any', goto: gone } });
  p.jeq(ctx.tmp, 1, ok);
  p.bind(gone);
  p.exit(1);
  p.bind(ok);
}

/** dst = an fd the runtime sends over the sync socket (one byte of payload, one fd). */
export function receiveFd(ctx: Ctx, dst: Reg, why?: string): void {
  const { p } = ctx;
  const payload = p.buf(8);
  const control = p.buf(24, 'cmsg');
  const iov = p.slots([payload, 1], 'iovec');
  const hdr = p.slots([0, 0, iov, 1, control, 24, 0], 'msghdr');
  p.sys('recvmsg', [ctx.sync, hdr, 0x40000000 /* MSG_CMSG_CLOEXEC */], { msg: 'recvmsg from the runtime', why });
  p.load(dst, control, 4, 16);
}

/** Every signal to its default disposition, none blocked: Node ignores SIGPIPE and SIGXFSZ, and execve keeps that. */
export function resetSignals(ctx: Ctx, why = 'a clean slate of signals for the process: execve keeps ignored ones and the mask'): void {
  const { p } = ctx;
  const dfl = p.slots([0, 0, 0, 0], 'sigaction{SIG_DFL}');
  const empty = p.slots([0], 'sigset{}');
  const sig = p.reg('signal');
  const loop = p.label('next signal');
  const skip = p.label('signal done');
  p.mov(sig, 1);
  p.bind(loop);
  // SIGKILL and SIGSTOP refuse with EINVAL: nothing to reset there.
  p.sys('rt_sigaction', [sig, dfl, 0, 8], { unless: { errno: 'any', goto: skip }, why });
  p.bind(skip);
  p.alu(sig, AluOp.Add, sig, 1);
  p.jlt(sig, C.NSIG, loop);
  p.sys('rt_sigprocmask', [C.SIG_SETMASK, empty, 0, 8], { msg: 'sigprocmask SIG_SETMASK' });
}

/** Where failures go from now on (the exec fifo, once `start` has opened it), and the status the init then exits with. */
export function reportTo(ctx: Ctx, fd: Arg, status: number): void {
  ctx.p.mov(R_REPORT, fd);
  ctx.p.mov(R_FAILCODE, status);
}

/** fstat(fd) into a shared buffer; dst = st_mode & S_IFMT. */
export function fileType(ctx: Ctx, fd: Reg, stat: Ref, dst: Reg, what: string): void {
  ctx.p.sys('fstat', [fd, stat], { msg: `fstat ${what}` });
  ctx.p.load(dst, stat, 4, STAT_MODE);
  ctx.p.alu(dst, AluOp.And, dst, C.S_IFMT);
}

// struct stat on x86_64.
export const STAT_SIZE = 144;
export const STAT_MODE = 24;
export const STAT_RDEV = 40;
