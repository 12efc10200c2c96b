// The container's init as one program, in order: what `create` sends
// tsrun-init and what `tsrun plan` prints. Each step names the config
// field it comes from. The runtime's own part (cgroups, the user
// namespace's maps, idmapped mounts, prestart and createRuntime hooks, the
// seccomp agent) stays in the CLI; see docs/design.md.
import * as C from '../linux/constants';
import { AluOp, Named, Program, R_TRACE, type Reg } from '../init/program';
import type { InitConfig } from '../init/config';
import type { HookState } from '../hooks';
import { setupConsole } from './console';
import { runHook } from './hooks';
import { enterRootWithoutMountNs, finalizeRootfs, prepareRootfs, type CgroupPaths } from './rootfs';
import { execProcess, lateRlimits, prepareProcess, withHome, type ProcessPlan } from './process';
import { AT_FDCWD, close, EBADF, newCtx, receiveFd, reportTo, request, Request, type Ctx } from './steps';

/** The fds the init inherits from `create`, by number (for `tsrun plan`, placeholders). */
export interface InitFds {
  sync: number;
  fifo: number;
  /** The connected console socket, or -1. */
  console: number;
  /** The relay pipes that become stdio, or null. */
  stdio: number[] | null;
  /** cgroup v1 `tasks` files the init writes "0" to (its own move, cheap for one thread). */
  tasks: { fd: number; dir: string }[];
  /** A memfd collecting the trace of each syscall step, or -1. */
  trace: number;
}

export interface InitPlanInput {
  cfg: InitConfig;
  fds: InitFds;
  cgroupPaths: CgroupPaths;
  /** The state hooks get (status set per hook), pid included. */
  hookState: HookState;
}

const SIGPIPE = 13;

export interface InitPlan {
  program: Program;
}

export function initPlan(input: InitPlanInput): InitPlan {
  const { cfg, fds } = input;
  const p = new Program();
  const ctx = newCtx(p, new Named(fds.sync, 'sync'));
  programStart(ctx, fds.trace, fds.stdio, cfg.preserveFds, 'no fd of the runtime\'s reaches a hook or the process');
  p.sys('rt_sigaction', [SIGPIPE, p.slots([1 /* SIG_IGN */, 0, 0, 0], 'sigaction{SIG_IGN}'), 0, 8], { msg: 'rt_sigaction SIGPIPE', why: 'a hook that does not read its stdin is no error' });
  // Our fd directory, for the exec fifo's reopening: from the /proc we
  // started with, before joining any namespace, so that neither a config
  // mount over the container's /proc/self nor a root without /proc (no
  // mount namespace) can stand in its way.
  const fdDir = p.reg('/proc/self/fd');
  p.sys('openat', [AT_FDCWD, p.str('/proc/self/fd'), C.O_RDONLY | C.O_DIRECTORY | C.O_CLOEXEC], { dst: fdDir, msg: 'open /proc/self/fd', why: 'to reopen the exec fifo later' });

  if (cfg.join.length || cfg.timeOffsets !== null) p.section('namespaces');
  const nsFd = p.reg('namespace');
  for (const ns of cfg.join) {
    const why = `linux.namespaces: ${ns.type} ${ns.path}`;
    p.sys('openat', [AT_FDCWD, p.str(ns.path), C.O_RDONLY | C.O_CLOEXEC], { dst: nsFd, msg: `open ${ns.path}`, why });
    p.sys('setns', [nsFd, ns.flag], { msg: `setns ${ns.type} namespace ${ns.path}`, why });
    close(ctx, nsFd);
  }
  if (cfg.timeOffsets !== null) {
    p.sys('unshare', [C.CLONE_NEWTIME], { msg: `unshare 0x${C.CLONE_NEWTIME.toString(16)}`, why: 'linux.namespaces: time (new; its children enter it)' });
    if (cfg.timeOffsets) {
      const msg = 'write /proc/self/timens_offsets (linux.timeOffsets)';
      p.sys('openat', [AT_FDCWD, p.str('/proc/self/timens_offsets'), C.O_WRONLY | C.O_CLOEXEC], { dst: nsFd, msg, why: 'linux.timeOffsets' });
      p.sys('write', [nsFd, p.str(cfg.timeOffsets), Buffer.byteLength(cfg.timeOffsets)], { msg });
      close(ctx, nsFd);
    }
  }
  // Idmapped mounts are made by the runtime in our mount namespace and sent here as fds.
  const idmapped = new Map<number, Reg>();
  for (const index of cfg.idmappedMounts) {
    const r = p.reg(`idmapped mounts[${index}]`);
    receiveFd(ctx, r, `mounts[${index}]: idmapped, made by the runtime`);
    idmapped.set(index, r);
  }
  if (cfg.hostname !== null || cfg.domainname !== null || Object.keys(cfg.sysctl).length) p.section('hostname and sysctl');
  if (cfg.hostname !== null) p.sys('sethostname', [p.str(cfg.hostname), Buffer.byteLength(cfg.hostname)], { msg: `sethostname ${cfg.hostname}`, why: 'hostname' });
  if (cfg.domainname !== null) p.sys('setdomainname', [p.str(cfg.domainname), Buffer.byteLength(cfg.domainname)], { msg: `setdomainname ${cfg.domainname}`, why: 'domainname' });
  // Before the root switch, through the /proc we started with: a sysctl
  // belongs to the namespace of the process that writes it, and no config
  // mount or image symlink in the container's /proc can redirect the write.
  for (const [key, value] of Object.entries(cfg.sysctl)) {
    const path = '/proc/sys/' + key.replace(/\./g, '/');
    const msg = `write sysctl ${key}=${value} (${path})`;
    p.sys('openat', [AT_FDCWD, p.str(path), C.O_WRONLY | C.O_CLOEXEC], { dst: nsFd, msg, why: `linux.sysctl["${key}"]` });
    p.sys('write', [nsFd, p.str(value), Buffer.byteLength(value)], { msg });
    close(ctx, nsFd);
  }
  if (fds.tasks.length || cfg.newCgroupNs) p.section('cgroup');
  for (const t of fds.tasks) {
    const fd = new Named(t.fd, `${t.dir}/tasks`);
    p.sys('write', [fd, p.str('0'), 1], { msg: `join cgroup ${t.dir}: write tasks`, why: 'linux.cgroupsPath (cgroup v1: the init moves itself)' });
    close(ctx, fd);
  }
  // A new cgroup namespace must be rooted at the container's cgroup.
  if (cfg.newCgroupNs) p.sys('unshare', [C.CLONE_NEWCGROUP], { msg: `unshare 0x${C.CLONE_NEWCGROUP.toString(16)}`, why: 'linux.namespaces: cgroup (new, rooted at the container\'s cgroup)' });

  prepareRootfs(ctx, { cfg, cgroupPaths: input.cgroupPaths, idmapped }, {
    beforePivot: () => {
      if (cfg.runtimeHooks) {
        p.section('prestart and createRuntime hooks (run by the runtime)');
        request(ctx, Request.Hooks, { ack: true, why: 'hooks.prestart, hooks.createRuntime' });
      }
      // "created", as for prestart and createRuntime (see container/create.ts).
      cfg.hooks.createContainer.forEach((h, i) => runHook(ctx, 'createContainer', i, h, JSON.stringify({ ...input.hookState, status: 'created' })));
    },
  });
  finalizeRootfs(ctx, cfg);
  if (cfg.personality !== null) p.sys('personality', [cfg.personality], { msg: `personality 0x${cfg.personality.toString(16)}`, why: 'linux.personality' });
  const slave = cfg.console ? setupConsole(ctx, { socket: new Named(fds.console, 'console socket'), height: cfg.console.height, width: cfg.console.width }, true) : null;
  const enterRoot = cfg.mountNs ? null : () => enterRootWithoutMountNs(ctx, cfg);
  let proc: ProcessPlan | null = null;
  if (cfg.process) {
    const env = withHome(cfg.process.env, cfg.process.uid, cfg.rootfs, cfg.mounts);
    proc = prepareProcess(ctx, cfg.process, { env, seccomp: cfg.seccomp, enterRoot });
  } else {
    enterRoot?.();
  }
  waitForStart(ctx, fdDir, fds.fifo);
  if (!cfg.process || !proc) {
    // `start` refuses a config without process: nothing to run.
    p.exit(1);
    return { program: p.finish() };
  }
  cfg.hooks.startContainer.forEach((h, i) => runHook(ctx, 'startContainer', i, h, JSON.stringify({ ...input.hookState, status: 'created' })));
  lateRlimits(ctx, cfg.process);
  execProcess(ctx, cfg.process, proc, cfg.preserveFds, slave);
  return { program: p.finish() };
}

/**
 * The first steps of the init's and of exec's programs: the trace fd,
 * stdio, every other fd close-on-exec, and the preserved fds checked.
 * Each preserved fd (3 to 3 + preserveFds - 1) must be open: where one is
 * not, the init's own next open would take its number (its /proc/self/fd
 * of the host's procfs, say) and execProcess would hand it to the process,
 * so the program fails there, as runc fails such a --preserve-fds.
 */
export function programStart(ctx: Ctx, trace: number, stdio: number[] | null, preserveFds: number, why: string): void {
  const { p } = ctx;
  p.section('start');
  // Always there, -1 without --debug: the program is the same either way.
  p.mov(R_TRACE, new Named(trace, 'trace fd'));
  if (stdio) adoptStdio(ctx, stdio);
  else openStdio(ctx);
  p.sys('close_range', [3, 0xffffffff, C.CLOSE_RANGE_CLOEXEC], { msg: 'close_range 3', why });
  if (!preserveFds) return;
  const fd = p.reg('preserved fd');
  const loop = p.label('next preserved fd');
  const closed = p.label('preserved fd not open');
  p.mov(fd, 3);
  p.bind(loop);
  p.sys('fcntl', [fd, C.F_GETFD, 0], { unless: { errno: EBADF, goto: closed }, why: '--preserve-fds: each must be open' });
  p.alu(fd, AluOp.Add, fd, 1);
  p.jlt(fd, 3 + preserveFds, loop);
  p.later(() => {
    p.bind(closed);
    p.fail(`--preserve-fds ${preserveFds}: fd {value} is not open`, EBADF, fd);
  });
}

/**
 * Where the runtime handed no stdio (a terminal: the pty will be), 0, 1
 * and 2 are /dev/null until then, so that nothing the init opens takes
 * their numbers.
 */
export function openStdio(ctx: Ctx): void {
  const { p } = ctx;
  for (let fd = 0; fd < 3; fd++) {
    const closed = p.label(`fd ${fd} closed`);
    const next = p.label(`fd ${fd} open`);
    p.sys('fcntl', [fd, C.F_GETFD, 0], { unless: { errno: EBADF, goto: closed }, why: fd === 0 ? 'stdio: /dev/null where the runtime handed none' : undefined });
    p.jump(next);
    p.bind(closed);
    p.sys('openat', [AT_FDCWD, p.str('/dev/null'), C.O_RDWR], { msg: 'open /dev/null' });
    p.bind(next);
  }
}

/**
 * Takes the runtime's relay pipes as stdio, first thing: the runtime's own
 * stdio (a terminal, say) is then not open here any more, and what the
 * init, its hooks and the process write goes through the relay.
 */
function adoptStdio(ctx: Ctx, fds: number[]): void {
  fds.forEach((fd, i) => { if (fd !== i) ctx.p.sys('dup2', [new Named(fd, `relay ${i}`), i], { msg: `dup2 ${fd} to ${i}`, why: 'the relay\'s pipes are the process\'s stdio' }); });
  for (const fd of new Set(fds)) if (fd > 2) close(ctx, new Named(fd, 'relay'));
}

/**
 * Ready: the runtime returns from `create`. Then the init blocks until
 * `start` opens the exec fifo for reading; `start` reads to the end: the
 * fifo closes at the execve (it is close-on-exec), and anything written
 * before that is the error record of what stopped the container.
 */
function waitForStart(ctx: Ctx, fdDir: Reg, fifo: number): void {
  const { p } = ctx;
  p.section('ready: wait for start');
  request(ctx, Request.Ready, { why: 'create returns' });
  const w = p.reg('exec fifo');
  // Inherited as O_PATH (the state dir may be out of reach of a user
  // namespace's root), reopened for writing through our fd directory.
  p.sys('openat', [fdDir, p.str(String(fifo)), C.O_WRONLY | C.O_CLOEXEC], { dst: w, msg: 'open exec fifo', why: 'blocks until `start`' });
  close(ctx, fdDir); // the host's procfs: held no longer than needed
  p.sys('write', [w, p.str('0'), 1], { msg: 'write exec fifo' });
  reportTo(ctx, w, 127);
}
