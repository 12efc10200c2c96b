// The container process: everything applied to the init before it waits on
// the exec fifo, in runc's order, and the final execve.
import { accessSync, closeSync, constants as fsc, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as C from '../linux/constants';
import { CAP_LAST } from '../spec/capabilities';
import { describeFsError, SyscallError } from '../linux/errors';
import type { Syscalls } from '../linux/syscalls';
import { schedAttr, type InitProcess } from './config';
import { attachConsole } from './console';
import type { ContainerFilter } from './seccomp';

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function envValue(env: string[], key: string): string | undefined {
  const hit = env.find((e) => e.startsWith(key + '='));
  return hit === undefined ? undefined : hit.slice(key.length + 1);
}

/** Finds args[0] as Go's exec.LookPath does, with runc's error strings. */
export function lookPath(args0: string, env: string[]): string {
  const check = (p: string): string | null => {
    try {
      const st = statSync(p);
      if (st.isDirectory()) return `is a directory`;
      accessSync(p, fsc.X_OK);
      return null;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return code === 'EACCES' ? 'permission denied' : code === 'ENOENT' ? 'no such file or directory' : String(code);
    }
  };
  if (args0.includes('/')) {
    const problem = check(args0);
    // execve refuses a directory with EACCES: runc's words, which callers map to 126.
    if (problem === 'permission denied' || problem === 'is a directory') throw new Error(`exec: ${JSON.stringify(args0)}: permission denied`);
    if (problem) throw new Error(`exec: ${JSON.stringify(args0)}: stat ${args0}: ${problem}`);
    return args0;
  }
  let denied = false;
  for (const dir of (envValue(env, 'PATH') ?? DEFAULT_PATH).split(':')) {
    const p = `${dir || '.'}/${args0}`;
    const problem = check(p);
    if (!problem) return p;
    if (problem === 'permission denied') denied = true;
  }
  if (denied) throw new Error(`exec: ${JSON.stringify(args0)}: permission denied`);
  throw new Error(`exec: ${JSON.stringify(args0)}: executable file not found in $PATH`);
}

/** HOME from the container's /etc/passwd when the config does not set it. */
function withHome(env: string[], uid: number): string[] {
  if (envValue(env, 'HOME') !== undefined) return env;
  let home = '/';
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length >= 6 && Number(f[2]) === uid && f[2] !== '') { home = f[5] || '/'; break; }
    }
  } catch { /* no passwd file: "/" as runc */ }
  return [...env, `HOME=${home}`];
}

function setgroupsDenied(): boolean {
  try { return readFileSync('/proc/self/setgroups', 'utf8').trim() === 'deny'; } catch { return false; }
}

export interface PreparedProcess {
  path: string;
  args: string[];
  env: string[];
  /** A seccomp filter to install with the final execve. */
  filter: ContainerFilter | null;
}

/**
 * Applies the process settings that must fail `create` when wrong: rlimits,
 * oom_score_adj, cwd, user and capabilities, no_new_privs. Returns what the
 * final exec needs. The soft RLIMIT_NOFILE waits for applyLateRlimits: the
 * init still opens the exec fifo after this.
 *
 * The seccomp filter goes in as late as it can, in runc's order. Without
 * no_new_privs, loading a filter needs CAP_SYS_ADMIN: before the
 * capabilities change. With it, together with the final execve (see
 * execProcess), so that nothing of the runtime's runs under the filter;
 * or, when the filter has a listener for an agent, here at the end, so
 * that the runtime can still hand the listener over before `create` returns.
 */
export function prepareProcess(sys: Syscalls, p: InitProcess, filter: ContainerFilter | null = null, enterRoot: (() => void) | null = null): PreparedProcess {
  const groupsDenied = setgroupsDenied();
  for (const r of p.rlimits) {
    // NOFILE: the hard limit now (the kernel checks it while we are still
    // privileged), the soft one after the init has opened the exec fifo.
    const soft = r.name === 'RLIMIT_NOFILE' ? r.hard : r.soft;
    sys.setrlimit(r.resource, r.name, BigInt(soft), BigInt(r.hard));
  }
  // Inherited across execve; set while still privileged.
  if (p.ioPriority !== null) sys.ioprioSet(p.ioPriority);
  if (p.scheduler !== null) sys.schedSetattr(schedAttr(p.scheduler));
  if (p.oomScoreAdj !== null) {
    try { writeFileSync('/proc/self/oom_score_adj', String(p.oomScoreAdj)); } catch (e) {
      throw new Error(`write /proc/self/oom_score_adj ${p.oomScoreAdj}: ${(e as Error).message}`);
    }
  }
  // A container without a mount namespace of its own enters its root here:
  // after the last write to /proc (its root has none mounted), before
  // anything read from the root and while CAP_SYS_CHROOT is still held.
  enterRoot?.();
  const env = withHome(p.env, p.uid);
  if (filter && !p.noNewPrivileges) filter.install(sys);
  const caps = p.capabilities;
  if (caps) {
    const bounding = BigInt(caps.bounding);
    for (let cap = 0; cap <= CAP_LAST; cap++) {
      if (!(bounding & (1n << BigInt(cap)))) {
        try { sys.prctl(C.PR_CAPBSET_DROP, cap, 0, `PR_CAPBSET_DROP ${cap}`); } catch (e) {
          // A capability the running kernel does not know is not in the set.
          if (!(e instanceof SyscallError && e.code === 'EINVAL')) throw e;
        }
      }
    }
    sys.prctl(C.PR_SET_KEEPCAPS, 1, 0, 'PR_SET_KEEPCAPS');
  }
  // Where setgroups is denied (an unprivileged user namespace) the groups cannot change.
  if (p.additionalGids.length || !groupsDenied) sys.setgroups(p.additionalGids);
  sys.setresgid(p.gid);
  sys.setresuid(p.uid);
  if (caps) {
    sys.prctl(C.PR_SET_KEEPCAPS, 0, 0, 'PR_SET_KEEPCAPS');
    sys.capset(BigInt(caps.effective), BigInt(caps.permitted), BigInt(caps.inheritable));
    sys.prctl(C.PR_CAP_AMBIENT, C.PR_CAP_AMBIENT_CLEAR_ALL, 0, 'PR_CAP_AMBIENT_CLEAR_ALL');
    // The kernel only raises ambient capabilities that are both permitted
    // and inheritable; runc skips the others silently, and so do we.
    const ambient = BigInt(caps.ambient) & BigInt(caps.permitted) & BigInt(caps.inheritable);
    for (let cap = 0; cap <= CAP_LAST; cap++) {
      if (ambient & (1n << BigInt(cap))) sys.prctl(C.PR_CAP_AMBIENT, C.PR_CAP_AMBIENT_RAISE, cap, `PR_CAP_AMBIENT_RAISE ${cap}`);
    }
  }
  try {
    process.chdir(p.cwd);
  } catch (e) {
    throw describeFsError(e, `chdir to cwd (${JSON.stringify(p.cwd)}) set in config.json failed`);
  }
  // A path through an fd (/proc/self/fd/N) can lead out of the root; the
  // kernel's getcwd then reports it unreachable, and glibc fails with
  // ENOENT. The process must not start there (CVE-2024-21626).
  let reached: string | null = null;
  try { reached = process.cwd(); } catch { /* unreachable */ }
  if (reached === null || !reached.startsWith('/')) {
    throw new Error(`chdir to cwd (${JSON.stringify(p.cwd)}) set in config.json failed: it leads outside the container's root filesystem`);
  }
  if (p.umask !== null) process.umask(p.umask);
  else process.umask(0o022);
  const path = lookPath(p.args[0], env);
  if (p.noNewPrivileges) sys.prctl(C.PR_SET_NO_NEW_PRIVS, 1, 0, 'PR_SET_NO_NEW_PRIVS');
  if (filter && p.noNewPrivileges && filter.notifies) filter.install(sys);
  return { path, args: p.args, env, filter: filter && !filter.installed ? filter : null };
}

export function applyLateRlimits(sys: Syscalls, p: InitProcess): void {
  for (const r of p.rlimits) {
    if (r.name === 'RLIMIT_NOFILE') sys.setrlimit(r.resource, r.name, BigInt(r.soft), BigInt(r.hard));
  }
}

/**
 * Takes the runtime's relay pipes as stdio, first thing: the runtime's own
 * stdio (a terminal, say) is then not open here any more, and what the
 * init, its hooks and the process write goes through the relay.
 */
export function adoptStdio(sys: Syscalls, fds: number[]): void {
  fds.forEach((fd, i) => { if (fd !== i) sys.dup2(fd, i); });
  for (const fd of new Set(fds)) if (fd > 2) closeSync(fd);
}

/** Hands the process over: only stdio and preserved fds, default signals, execve. */
export function execProcess(sys: Syscalls, prepared: PreparedProcess, preserveFds: number, consoleSlave: number | null = null): never {
  if (consoleSlave !== null) attachConsole(sys, consoleSlave);
  sys.closeRangeCloexec(3 + preserveFds);
  // Node marks every fd it inherits close-on-exec at start-up.
  for (let fd = 0; fd < 3 + preserveFds; fd++) {
    try { sys.fcntlSetCloexec(fd, false); } catch { /* a preserved fd that is not open */ }
  }
  sys.resetSignals();
  if (prepared.filter) return prepared.filter.execve(sys, prepared.path, prepared.args, prepared.env);
  return sys.execve(prepared.path, prepared.args, prepared.env);
}
