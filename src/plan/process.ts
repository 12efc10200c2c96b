// The container process as steps of the init's program: everything applied
// before the init waits on the exec fifo, in runc's order, and the steps
// between `start` and the final execve.
import { closeSync, readFileSync, readSync } from 'node:fs';
import * as C from '../linux/constants';
import { CAP_LAST } from '../spec/capabilities';
import { AluOp, type Label, type Reg, type Ref } from '../init/program';
import type { InitMount, InitProcess, InitSeccomp } from '../init/config';
import { linux as sys } from '../linux/libc';
import { AT_FDCWD, EACCES, EBADF, EINVAL, ENOENT, EPERM, request, Request, resetSignals, STAT_MODE, STAT_SIZE, type Ctx } from './steps';

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function envValue(env: string[], key: string): string | undefined {
  const hit = env.find((e) => e.startsWith(key + '='));
  return hit === undefined ? undefined : hit.slice(key.length + 1);
}

/**
 * The container's /etc/passwd as the process will see it: the image's,
 * opened inside the rootfs without leaving it, or a config mount's source
 * where one covers /etc/passwd or /etc.
 */
function readPasswd(rootfs: string, mounts: InitMount[]): string {
  const norm = (p: string) => '/' + p.split('/').filter(Boolean).join('/');
  for (let i = mounts.length - 1; i >= 0; i--) {
    const m = mounts[i];
    const dest = norm(m.destination);
    if (!m.bind || !m.source) continue;
    if (dest === '/etc/passwd') return readOr(m.source);
    if (dest === '/etc') return readOr(`${m.source}/passwd`);
  }
  let root = -1;
  let fd = -1;
  try {
    root = sys.openat2(AT_FDCWD, rootfs, C.O_PATH | C.O_DIRECTORY | C.O_CLOEXEC, 0, 0);
    fd = sys.openat2(root, 'etc/passwd', C.O_RDONLY | C.O_CLOEXEC, 0, C.RESOLVE_IN_ROOT | C.RESOLVE_NO_MAGICLINKS);
    const buf = Buffer.alloc(1 << 20);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.toString('utf8', 0, n);
  } catch {
    return '';
  } finally {
    if (fd >= 0) closeSync(fd);
    if (root >= 0) closeSync(root);
  }
}

function readOr(path: string): string {
  try { return readFileSync(path, 'utf8'); } catch { return ''; }
}

/** HOME from the container's /etc/passwd when the config does not set it ("/" without one, as runc). */
export function withHome(env: string[], uid: number, rootfs: string, mounts: InitMount[]): string[] {
  if (envValue(env, 'HOME') !== undefined) return env;
  let home = '/';
  for (const line of readPasswd(rootfs, mounts).split('\n')) {
    const f = line.split(':');
    if (f.length >= 6 && Number(f[2]) === uid && f[2] !== '') { home = f[5] || '/'; break; }
  }
  return [...env, `HOME=${home}`];
}

/**
 * Finds args[0] as Go's exec.LookPath does, with runc's error strings, as
 * steps run by the container's user in the container's root: dst = the
 * path to exec.
 */
export function lookPath(ctx: Ctx, args0: string, env: string[], dst: Reg): void {
  const { p } = ctx;
  const quoted = JSON.stringify(args0);
  const stat = p.buf(STAT_SIZE, 'struct stat');
  const r = p.reg('lookup');
  const mode = p.reg('st_mode');
  const found = p.label('found');
  /**
   * A candidate that exists, is no directory and is executable goes to
   * `found` with dst set; a directory goes to `dir`; a failed stat or
   * access goes to `failed` with r = -errno.
   */
  const tryCandidate = (candidate: string, dir: Label, failed: Label, why: string) => {
    const path = p.str(candidate);
    p.sys('newfstatat', [AT_FDCWD, path, stat, 0], { dst: r, unless: { errno: 'any', goto: failed }, why });
    p.load(mode, stat, 4, STAT_MODE);
    p.alu(mode, AluOp.And, mode, C.S_IFMT);
    p.jeq(mode, C.S_IFDIR, dir);
    p.sys('faccessat', [AT_FDCWD, path, 1 /* X_OK */], { dst: r, unless: { errno: 'any', goto: failed } });
    p.mov(dst, path);
    p.jump(found);
  };
  p.section(`the program: ${args0}`);
  if (args0.includes('/')) {
    const statFailed = p.label('stat failed');
    const denied = p.label('denied');
    // execve refuses a directory with EACCES: runc's words, which callers map to 126.
    tryCandidate(args0, denied, statFailed, 'process.args[0]');
    p.bind(statFailed);
    p.jeq(r, -EACCES, denied);
    const other = p.label('other error');
    p.jne(r, -ENOENT, other);
    p.fail(`exec: ${quoted}: stat ${args0}: no such file or directory`);
    p.bind(other);
    p.alu(ctx.err, AluOp.Sub, 0, r);
    p.fail(`exec: ${quoted}: stat ${args0}`, ctx.err);
    p.bind(denied);
    p.fail(`exec: ${quoted}: permission denied`);
    p.bind(found);
    return;
  }
  const deniedSeen = p.reg('permission denied seen');
  p.mov(deniedSeen, 0);
  for (const dir of (envValue(env, 'PATH') ?? DEFAULT_PATH).split(':')) {
    const next = p.label('next candidate');
    const failed = p.label('candidate failed');
    tryCandidate(`${dir || '.'}/${args0}`, next, failed, `process.args[0] in ${dir || '.'} (PATH)`);
    p.bind(failed);
    p.jne(r, -EACCES, next);
    p.mov(deniedSeen, 1);
    p.bind(next);
  }
  const notFound = p.label('not found');
  p.jeq(deniedSeen, 0, notFound);
  p.fail(`exec: ${quoted}: permission denied`);
  p.bind(notFound);
  p.fail(`exec: ${quoted}: executable file not found in $PATH`);
  p.bind(found);
}

/** The container's seccomp filter as data: struct sock_fprog and its instructions. */
export function filterData(ctx: Ctx, seccomp: InitSeccomp): Ref {
  const filter = Buffer.from(seccomp.filter, 'base64');
  const insns = ctx.p.bytes(filter, `sock_filter[${filter.length / 8}] (linux.seccomp)`);
  return ctx.p.slots([filter.length / 8, insns], 'sock_fprog');
}

/** seccomp(SECCOMP_SET_MODE_FILTER); a listener goes to the runtime, which hands it to the agent before the init goes on. */
function installFilter(ctx: Ctx, seccomp: InitSeccomp, fprog: Ref, why: string): void {
  const { p } = ctx;
  const listener = (seccomp.flags & C.SECCOMP_FILTER_FLAG_NEW_LISTENER) !== 0 ? p.reg('seccomp listener') : undefined;
  p.sys('seccomp', [C.SECCOMP_SET_MODE_FILTER, seccomp.flags, fprog], { dst: listener, msg: 'seccomp SECCOMP_SET_MODE_FILTER', why });
  p.filtered = true;
  if (listener) {
    request(ctx, Request.SeccompListener, { fds: [listener], ack: true, why: 'linux.seccomp.listenerPath: the listener, handed to the agent by the runtime' });
    p.sys('close', [listener]);
  }
}

export interface ProcessPlan {
  /** The path of the program, found by lookPath. */
  path: Reg;
  env: string[];
  /** The filter still to install with the final execve (no_new_privs without a listener). */
  filter: Ref | null;
  seccomp: InitSeccomp | null;
}

/**
 * The process settings that must fail `create` when wrong: rlimits,
 * oom_score_adj, cwd, user and capabilities, no_new_privs. The soft
 * RLIMIT_NOFILE waits for lateSteps: the init still opens the exec fifo
 * after this.
 *
 * The seccomp filter goes in as late as it can, in runc's order. Without
 * no_new_privs, loading a filter needs CAP_SYS_ADMIN: before the
 * capabilities change. With it, right before the final execve, so that
 * nothing of the runtime's but the interpreter's own loop runs under the
 * filter; or, when the filter has a listener for an agent, here at the
 * end, so that the runtime can still hand the listener over before
 * `create` returns.
 */
export function prepareProcess(ctx: Ctx, pr: InitProcess, o: { env: string[]; seccomp: InitSeccomp | null; enterRoot: (() => void) | null }): ProcessPlan {
  const { p } = ctx;
  p.section('the process: limits and scheduling');
  pr.rlimits.forEach((r, i) => {
    // NOFILE: the hard limit now (the kernel checks it while we are still
    // privileged), the soft one after the init has opened the exec fifo.
    const soft = r.name === 'RLIMIT_NOFILE' ? r.hard : r.soft;
    p.sys('prlimit64', [0, r.resource, p.slots([BigInt(soft), BigInt(r.hard)], `rlimit{${soft}, ${r.hard}}`), 0], { msg: `setrlimit ${r.name}`, why: `process.rlimits[${i}]` });
  });
  // Inherited across execve; set while still privileged.
  if (pr.ioPriority !== null) p.sys('ioprio_set', [1 /* IOPRIO_WHO_PROCESS */, 0, pr.ioPriority], { msg: `ioprio_set ${pr.ioPriority}`, why: 'process.ioPriority' });
  if (pr.scheduler !== null) {
    const s = pr.scheduler;
    const attr = Buffer.alloc(56);
    attr.writeUInt32LE(56, 0);
    attr.writeUInt32LE(s.policy, 4);
    attr.writeBigUInt64LE(BigInt(s.flags), 8);
    attr.writeInt32LE(s.nice, 16);
    attr.writeUInt32LE(s.priority, 20);
    attr.writeBigUInt64LE(BigInt(s.runtime), 24);
    attr.writeBigUInt64LE(BigInt(s.deadline), 32);
    attr.writeBigUInt64LE(BigInt(s.period), 40);
    p.sys('sched_setattr', [0, p.bytes(attr, 'sched_attr'), 0], { msg: `sched_setattr policy ${s.policy}`, why: 'process.scheduler' });
  }
  if (pr.oomScoreAdj !== null) {
    const fd = p.reg('oom_score_adj');
    const text = String(pr.oomScoreAdj);
    const msg = `write /proc/self/oom_score_adj ${pr.oomScoreAdj}`;
    p.sys('openat', [AT_FDCWD, p.str('/proc/self/oom_score_adj'), C.O_WRONLY | C.O_CLOEXEC], { dst: fd, msg, why: 'process.oomScoreAdj' });
    p.sys('write', [fd, p.str(text), text.length], { msg });
    p.sys('close', [fd]);
  }
  // A container without a mount namespace of its own enters its root here:
  // after the last write to /proc (its root has none mounted), before
  // anything read from the root and while CAP_SYS_CHROOT is still held.
  o.enterRoot?.();
  const fprog = o.seccomp ? filterData(ctx, o.seccomp) : null;
  if (o.seccomp && fprog && !pr.noNewPrivileges) {
    p.section('seccomp (without no_new_privs: before the capabilities change)');
    installFilter(ctx, o.seccomp, fprog, 'linux.seccomp');
  }
  p.section('the process: capabilities and user');
  const caps = pr.capabilities;
  if (caps) {
    // Each capability not in the bounding set is dropped from it; one the
    // running kernel does not know (EINVAL) is not in it anyway.
    const drop = (~BigInt(caps.bounding)) & ((1n << BigInt(CAP_LAST + 1)) - 1n);
    const cap = p.reg('capability');
    const bit = p.reg('to drop');
    const loop = p.label('next capability');
    const next = p.label('capability done');
    p.mov(cap, 0);
    p.bind(loop);
    p.alu(bit, AluOp.Shr, drop, cap);
    p.alu(bit, AluOp.And, bit, 1);
    p.jeq(bit, 0, next);
    p.sys('prctl', [C.PR_CAPBSET_DROP, cap, 0, 0, 0], { msg: 'prctl PR_CAPBSET_DROP', why: `process.capabilities.bounding: drop 0x${drop.toString(16)}`, unless: { errno: EINVAL, goto: next } });
    p.bind(next);
    p.alu(cap, AluOp.Add, cap, 1);
    p.jlt(cap, CAP_LAST + 1, loop);
    p.sys('prctl', [C.PR_SET_KEEPCAPS, 1, 0, 0, 0], { msg: 'prctl PR_SET_KEEPCAPS', why: 'keep the permitted set across the user change' });
  }
  // Where setgroups is denied (an unprivileged user namespace) the groups cannot change: nothing asked, nothing lost.
  const gids = pr.additionalGids;
  const afterGroups = p.label('groups set');
  const groups = Buffer.alloc(Math.max(4, gids.length * 4));
  gids.forEach((g, i) => groups.writeUInt32LE(g, i * 4));
  p.sys('setgroups', [gids.length, p.bytes(groups, `gid_t[${gids.join(', ')}]`)],
    { msg: `setgroups ${gids.join(',')}`, why: 'process.user.additionalGids', unless: gids.length ? undefined : { errno: EPERM, goto: afterGroups } });
  p.bind(afterGroups);
  // Raw syscalls: the interpreter is single-threaded, nothing to broadcast.
  p.sys('setresgid', [pr.gid, pr.gid, pr.gid], { msg: `setresgid ${pr.gid}`, why: 'process.user.gid' });
  p.sys('setresuid', [pr.uid, pr.uid, pr.uid], { msg: `setresuid ${pr.uid}`, why: 'process.user.uid' });
  if (caps) {
    p.sys('prctl', [C.PR_SET_KEEPCAPS, 0, 0, 0, 0], { msg: 'prctl PR_SET_KEEPCAPS' });
    const lo = (v: string) => Number(BigInt(v) & 0xffffffffn);
    const hi = (v: string) => Number((BigInt(v) >> 32n) & 0xffffffffn);
    const data = Buffer.alloc(24);
    data.writeUInt32LE(lo(caps.effective), 0); data.writeUInt32LE(lo(caps.permitted), 4); data.writeUInt32LE(lo(caps.inheritable), 8);
    data.writeUInt32LE(hi(caps.effective), 12); data.writeUInt32LE(hi(caps.permitted), 16); data.writeUInt32LE(hi(caps.inheritable), 20);
    const hdr = Buffer.alloc(8);
    hdr.writeUInt32LE(C.LINUX_CAPABILITY_VERSION_3, 0);
    p.sys('capset', [p.bytes(hdr, 'cap_user_header{v3}'), p.bytes(data, 'cap_user_data[2]')], { msg: 'capset', why: 'process.capabilities: effective, permitted, inheritable' });
    p.sys('prctl', [C.PR_CAP_AMBIENT, C.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0], { msg: 'prctl PR_CAP_AMBIENT_CLEAR_ALL' });
    // The kernel only raises ambient capabilities that are both permitted
    // and inheritable; runc skips the others silently, and so do we.
    const ambient = BigInt(caps.ambient) & BigInt(caps.permitted) & BigInt(caps.inheritable);
    for (let cap = 0; cap <= CAP_LAST; cap++) {
      if (ambient & (1n << BigInt(cap))) p.sys('prctl', [C.PR_CAP_AMBIENT, C.PR_CAP_AMBIENT_RAISE, cap, 0, 0], { msg: `prctl PR_CAP_AMBIENT_RAISE ${cap}`, why: 'process.capabilities.ambient' });
    }
  }
  p.section('the process: cwd, umask, program');
  const cwdMsg = `chdir to cwd (${JSON.stringify(pr.cwd)}) set in config.json failed`;
  p.sys('chdir', [p.str(pr.cwd)], { msg: cwdMsg, why: 'process.cwd' });
  // A path through an fd (/proc/self/fd/N) can lead out of the root; the
  // kernel's getcwd then reports it unreachable. The process must not start
  // there (CVE-2024-21626).
  const cwd = p.buf(4096, 'getcwd buffer');
  const outside = p.label('cwd outside');
  const inside = p.label('cwd inside');
  const first = p.reg('first byte of cwd');
  p.sys('getcwd', [cwd, 4096], { unless: { errno: 'any', goto: outside }, why: 'process.cwd must be inside the root (CVE-2024-21626)' });
  p.load(first, cwd, 1);
  p.jeq(first, '/'.charCodeAt(0), inside);
  p.bind(outside);
  p.fail(`${cwdMsg}: it leads outside the container's root filesystem`);
  p.bind(inside);
  p.sys('umask', [pr.umask ?? 0o022], { why: pr.umask !== null ? 'process.user.umask' : 'umask 022 (runc\'s default)' });
  const path = p.reg('program path');
  lookPath(ctx, pr.args[0], o.env, path);
  if (pr.noNewPrivileges) p.sys('prctl', [C.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0], { msg: 'prctl PR_SET_NO_NEW_PRIVS', why: 'process.noNewPrivileges' });
  let filter: Ref | null = null;
  if (o.seccomp && fprog && pr.noNewPrivileges) {
    if (o.seccomp.flags & C.SECCOMP_FILTER_FLAG_NEW_LISTENER) {
      p.section('seccomp (with a listener: before the init reports ready)');
      installFilter(ctx, o.seccomp, fprog, 'linux.seccomp');
    } else {
      filter = fprog;
    }
  }
  return { path, env: o.env, filter, seccomp: o.seccomp };
}

/** After `start`: the soft RLIMIT_NOFILE (the init has opened the exec fifo). */
export function lateRlimits(ctx: Ctx, pr: InitProcess): void {
  pr.rlimits.forEach((r, i) => {
    if (r.name !== 'RLIMIT_NOFILE') return;
    ctx.p.sys('prlimit64', [0, r.resource, ctx.p.slots([BigInt(r.soft), BigInt(r.hard)], `rlimit{${r.soft}, ${r.hard}}`), 0], { msg: `setrlimit ${r.name}`, why: `process.rlimits[${i}]: the soft limit, now that the fifo is open` });
  });
}

/** Right before exec: a new session with the pty as controlling terminal and stdio. */
export function attachConsole(ctx: Ctx, slave: Reg): void {
  const { p } = ctx;
  p.sys('setsid', [], { msg: 'setsid', why: 'process.terminal: a session of its own' });
  p.sys('ioctl', [slave, C.TIOCSCTTY, 0], { msg: 'ioctl TIOCSCTTY', why: 'the pty is its controlling terminal' });
  for (const fd of [0, 1, 2]) p.sys('dup2', [slave, fd], { msg: `dup2 the pty to ${fd}` });
  p.sys('close', [slave]);
}

/** Hands the process over: only stdio and preserved fds, default signals, the filter, execve. */
export function execProcess(ctx: Ctx, pr: InitProcess, plan: ProcessPlan, preserveFds: number, consoleSlave: Reg | null): void {
  const { p } = ctx;
  p.section('exec');
  if (consoleSlave) attachConsole(ctx, consoleSlave);
  p.sys('close_range', [3 + preserveFds, 0xffffffff, C.CLOSE_RANGE_CLOEXEC], { msg: `close_range ${3 + preserveFds}`, why: 'no fd of the runtime\'s reaches the process' });
  // Inherited as they are: stdio and the preserved fds, none close-on-exec.
  const fd = p.reg('fd');
  const loop = p.label('next fd');
  const next = p.label('fd done');
  p.mov(fd, 0);
  p.bind(loop);
  p.sys('fcntl', [fd, C.F_SETFD, 0], { msg: 'fcntl F_SETFD', why: preserveFds ? 'stdio and --preserve-fds' : 'stdio', unless: { errno: EBADF, goto: next } });
  p.bind(next);
  p.alu(fd, AluOp.Add, fd, 1);
  p.jlt(fd, 3 + preserveFds, loop);
  resetSignals(ctx);
  if (plan.filter && plan.seccomp) installFilter(ctx, plan.seccomp, plan.filter, 'linux.seccomp, with no_new_privs: the last step before execve');
  p.sys('execve', [plan.path, p.strv(pr.args), p.strv(plan.env, `env[${plan.env.length}]`)], { msg: 'exec {text}', textArg: 0, why: 'process.args, process.env' });
}

