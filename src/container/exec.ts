// `exec`: a new process in a running container. The clone trampoline joins
// the container's user, ipc, uts, net, cgroup, time and pid namespaces and
// forks into its pid namespace; tsrun-init then runs exec's program (see
// plan/exec.ts): the mount namespace, the process, execve. The CLI returns
// the process's status, 0 once it started with --detach, and 255 when it
// failed itself.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { ownNamespace } from '../linux/proc';
import { errnoName } from '../linux/errors';
import { waitOutcome } from '../linux/signals';
import { EXEC_FAILED, RuntimeError } from '../errors';
import * as C from '../linux/constants';
import { linux as sys } from '../linux/libc';
import type { Process } from '../spec/types';
import { CAPABILITIES } from '../spec/capabilities';
import { debugging } from '../log';
import { Request } from '../plan/steps';
import { InitChannel, logTrace } from './init-channel';
import { normalizeProcess } from './config';
import { hookState, loadContainer } from './load';
import { loadCgroup } from './cgroup';
import { cloneInit, connectConsole, initImage, killChild, placeInit, withFdsPassed, writePidFile } from './spawn';
import { StdioRelay } from './relay';
import { waitForChild } from './wait';

export interface ExecOptions {
  root: string;
  id: string;
  processFile?: string;
  args: string[];
  cwd?: string;
  env: string[];
  tty: boolean;
  user?: string;
  additionalGids: number[];
  caps: string[];
  noNewPrivs: boolean;
  detach: boolean;
  pidFile?: string;
  consoleSocket?: string;
  preserveFds: number;
  ignorePaused: boolean;
}

const fail = (msg: string): RuntimeError => new RuntimeError(msg, EXEC_FAILED);

/** The process to run: --process FILE, or the container's process with the flags applied (runc). */
export function execProcessSpec(opts: ExecOptions, base: Process | undefined): Process {
  if (opts.processFile) {
    let spec: unknown;
    try {
      spec = JSON.parse(opts.processFile === '-' ? readFileSync(0, 'utf8') : readFileSync(opts.processFile, 'utf8'));
    } catch (e) {
      throw fail(`process ${opts.processFile}: ${(e as Error).message}`);
    }
    const validate = require('../spec/process-validator.js') as ((d: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] };
    if (!validate(spec)) {
      throw fail(validate.errors!.map((e) => `process.json: ${e.instancePath || '/'}: ${e.message}`).join('\n'));
    }
    return spec as Process;
  }
  if (!opts.args.length) throw fail('exec: no command given (args or --process are required)');
  const p: Process = JSON.parse(JSON.stringify(base ?? { cwd: '/', user: { uid: 0, gid: 0 }, env: [] }));
  p.args = opts.args;
  p.terminal = opts.tty;
  if (opts.cwd) p.cwd = opts.cwd;
  p.env = [...(p.env ?? []), ...opts.env];
  if (opts.user) {
    const m = /^(\d+)(?::(\d+))?$/.exec(opts.user);
    if (!m) throw fail(`--user ${JSON.stringify(opts.user)}: must be UID[:GID]`);
    p.user = { ...p.user, uid: Number(m[1]), gid: m[2] !== undefined ? Number(m[2]) : p.user?.gid ?? 0 };
  }
  if (opts.additionalGids.length) p.user = { ...p.user, additionalGids: opts.additionalGids };
  if (opts.noNewPrivs) p.noNewPrivileges = true;
  for (const cap of opts.caps) {
    const name = cap.toUpperCase().startsWith('CAP_') ? cap.toUpperCase() : `CAP_${cap.toUpperCase()}`;
    if (!(name in CAPABILITIES)) throw fail(`--cap ${JSON.stringify(cap)}: unknown capability`);
    p.capabilities ??= {};
    for (const set of ['bounding', 'effective', 'permitted', 'ambient', 'inheritable'] as const) {
      if (set === 'inheritable' && !p.capabilities.inheritable) continue;
      p.capabilities[set] = [...new Set([...(p.capabilities[set] ?? []), name])];
    }
  }
  return p;
}

// The user namespace first: joining it gives the capabilities that joining
// the others (owned by it) needs. pid last: it applies to the fork after.
const JOINED = ['user', 'ipc', 'uts', 'net', 'cgroup', 'time', 'pid'];

/**
 * Starts the exec init inside the container's namespaces; returns its pid.
 * The clone trampoline joins them (a single-threaded child can join a user
 * namespace, which Node cannot), then forks once more so the process is a
 * member of the container's pid namespace, still our child (CLONE_PARENT).
 */
function cloneInContainer(initPid: number, syncFd: number, image: number, preserveFds: number, passed: number[], terminal: boolean, cgroupFd: number): { pid: number; placed: boolean } {
  const types = JOINED.filter((t) => ownNamespace(initPid, t));
  const fds = types.map((t) => openSync(`/proc/${initPid}/ns/${t}`, C.O_RDONLY | C.O_CLOEXEC));
  const inUserns = types.includes('user');
  const [r, w] = sys.pipe();
  try {
    const forks = types.includes('pid');
    const first = withFdsPassed(syncFd, preserveFds, passed, () => cloneInit(syncFd, image, 0, {
      joinFds: fds,
      ...(inUserns ? { uid: 0, gid: 0 } : {}),
      ...(forks ? { forkFd: w } : {}),
      ...(cgroupFd >= 0 ? { cgroupFd } : {}),
    }), { stdio: !terminal });
    if (!forks) return first;
    // The first child only joined, forked and reported; it is done.
    const status = sys.waitpid(first.pid, false) ?? 0;
    // The trampoline exits with the errno of the call that failed.
    const { code } = waitOutcome(status);
    if (status !== 0) throw fail(`joining the container's namespaces (${types.join(', ')}): ${code ? errnoName(code) : `status ${status}`}`);
    const buf = Buffer.alloc(4);
    if (readSync(r, buf, 0, 4, null) !== 4) throw fail('joining the container\'s namespaces: no pid reported');
    // Forked by a child that started in the cgroup: there too.
    return { pid: buf.readInt32LE(0), placed: first.placed };
  } finally {
    for (const fd of [...fds, r, w]) closeSync(fd);
  }
}

export async function exec(opts: ExecOptions): Promise<number> {
  let loaded: ReturnType<typeof loadContainer>;
  try {
    loaded = loadContainer(opts.root, opts.id);
  } catch (e) {
    throw fail((e as Error).message);
  }
  const { state, status } = loaded;
  if (status === 'stopped') throw fail('cannot exec in a stopped container');
  if (status === 'paused' && !opts.ignorePaused) throw fail('cannot exec in a paused container (use --ignore-paused to override)');
  const spec = execProcessSpec(opts, state.process);
  const proc = normalizeProcess(spec)!;
  let parent = -1;
  let child = -1;
  let consoleFd = -1;
  let mntNs = -1;
  let traceFd = -1;
  let traced: import('../init/program').Program | null = null;
  let tasks: { fd: number; dir: string }[] = [];
  let into = -1;
  const received: number[] = [];
  let pid = 0;
  // In the foreground without a terminal, stdio goes through a relay (relay.ts).
  let relay: StdioRelay | null = null;
  try {
    if (spec.terminal) consoleFd = connectConsole(opts.consoleSocket);
    else if (!opts.detach) relay = StdioRelay.open();
    const cgroup = loadCgroup(state);
    const placement = cgroup ? placeInit(cgroup) : { tasks: [], into: -1, byRuntime: [] };
    into = placement.into;
    tasks = placement.tasks;
    if (ownNamespace(state.pid, 'mnt')) mntNs = openSync(`/proc/${state.pid}/ns/mnt`, C.O_RDONLY | C.O_CLOEXEC);
    if (debugging()) traceFd = sys.memfd('tsrun-init-trace');
    [parent, child] = sys.socketpair();
    const syncFd = child;
    const passed = [consoleFd, mntNs, traceFd, ...(relay?.child ?? []), ...tasks.map((t) => t.fd)];
    const cloned = cloneInContainer(state.pid, child, initImage(), opts.preserveFds, passed, Boolean(spec.terminal), into);
    pid = cloned.pid;
    closeSync(child);
    child = -1;
    const byRuntime = placement.byRuntime.slice(cloned.placed ? 1 : 0);
    if (cgroup && byRuntime.length) cgroup.addProcess(pid, byRuntime);
    const { execPlan } = require('../plan/exec') as typeof import('../plan/exec');
    const seccomp = state.seccomp ? { filter: state.seccomp.filter, flags: state.seccomp.flags } : null;
    const program = execPlan({
      process: proc,
      containerRoot: `/proc/${state.pid}/root`,
      mntNs,
      // Without a mount namespace of its own the container is its init's chroot.
      chroot: mntNs >= 0 ? null : `/proc/${state.pid}/root`,
      preserveFds: opts.preserveFds,
      seccomp,
      fds: { sync: syncFd, console: consoleFd, stdio: relay ? relay.child : null, tasks, trace: traceFd },
      console: consoleFd >= 0 ? { height: spec.consoleSize?.height, width: spec.consoleSize?.width } : null,
    });
    const ch = new InitChannel(parent);
    ch.send(program.encode());
    traced = program;
    for (const fd of [consoleFd, mntNs, ...tasks.map((t) => t.fd)]) if (fd >= 0) closeSync(fd);
    consoleFd = mntNs = -1;
    tasks = [];
    let execing = false;
    for (;;) {
      const msg = ch.next();
      if (msg.kind === 'eof') break;
      if (msg.kind === 'error') {
        const { describeRecord, filterExplainer } = require('../plan/errors') as typeof import('../plan/errors');
        throw fail(describeRecord(msg.record, seccomp ? filterExplainer(seccomp.filter) : null));
      }
      received.push(...msg.fds);
      if (msg.code === Request.Exec) {
        execing = true;
        continue;
      }
      if (msg.code === Request.SeccompListener) {
        const { sendListenerToAgent } = require('./seccomp') as typeof import('./seccomp');
        sendListenerToAgent(state.seccomp!, pid, msg.fds[0], hookState(state, 'running'));
      } else {
        throw fail(`sync: unknown request ${msg.code} from the init`);
      }
      for (const fd of received.splice(0)) closeSync(fd);
      ch.ack();
    }
    if (traceFd >= 0) logTrace(traceFd, program);
    traced = null;
    if (!execing) {
      const status = sys.waitpid(pid, false) ?? 0;
      pid = 0;
      const { code } = waitOutcome(status);
      throw fail(`exec: the process failed before it could start${code ? ` (${errnoName(code)})` : ''}`);
    }
  } catch (e) {
    if (traceFd >= 0 && traced) logTrace(traceFd, traced);
    if (pid > 0) killChild(pid);
    relay?.close();
    throw e instanceof RuntimeError ? e : fail((e as Error).message);
  } finally {
    for (const fd of [child, parent, consoleFd, mntNs, traceFd, into, ...tasks.map((t) => t.fd), ...received]) if (fd >= 0) closeSync(fd);
  }
  relay?.giveToRootOf(pid);
  relay?.closeChildEnds();
  const pumping = relay?.pump();
  if (opts.pidFile) writePidFile(opts.pidFile, pid);
  if (opts.detach) return 0;
  const code = await waitForChild(pid);
  await pumping;
  return code;
}
