// `create`: the runtime side of the two-stage init. Prepares the state
// directory and exec fifo, starts the init in its namespaces, feeds it the
// normalized config over the sync channel and returns once it is ready, or
// removes every trace of the container when anything fails.
import { chmodSync, closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { O_CLOEXEC, O_PATH } from '../linux/constants';
import { resolve } from 'node:path';
import { RuntimeError } from '../errors';
import { errnoName } from '../linux/errors';
import { linux as sys } from '../linux/libc';
import type { CloneOptions } from '../linux/clone';
import { debug, debugging, warn } from '../log';
import { Request } from '../plan/steps';
import { Store, type CreateProgress, type StoredState } from '../state/store';
import { InitChannel, logTrace } from './init-channel';
import { readSpec, specText } from './spec-file';
import { prepareInit } from './prepare';
import { connectConsole, initImage, killChild, placeInit, spawnInit, writeIdMaps, writePidFile } from './spawn';
import { SPEC_VERSION } from '../version';
import type { CgroupManager } from '../cgroups';

export interface CreateOptions {
  root: string;
  id: string;
  systemdCgroup?: boolean;
  bundle?: string;
  pidFile?: string;
  consoleSocket?: string;
  noPivot?: boolean;
  preserveFds?: number;
  /** fds to become the process's stdin, stdout and stderr (StdioRelay.child); default: ours. */
  stdio?: number[];
}

/**
 * Why the init ended before it was ready; `filtered`: it had a seccomp
 * filter to install. Before its program runs, the clone trampoline exits
 * with the errno of what failed (joining a namespace, exec of the image).
 */
function initDied(status: number, filtered: boolean): string {
  const { SIGSYS, signalName, waitOutcome } = require('../linux/signals') as typeof import('../linux/signals');
  const o = waitOutcome(status);
  if (filtered && o.signal === SIGSYS) {
    return 'container init was killed by SIGSYS: a syscall it made after installing linux.seccomp is refused by the profile';
  }
  return `container init exited before it was ready (${o.code !== null ? `exit status ${o.code}${o.code ? `: ${errnoName(o.code)}` : ''}` : signalName(o.signal) ?? `signal ${o.signal}`})`;
}

/**
 * With --debug, where a create's time went, in one record: Node's own
 * start-up (to the end of its bootstrap), loading and parsing up to
 * create(), then each phase. test/bench/bench.js reads it for
 * BENCHMARKS.md. The clock is Node's, from the process's start.
 */
class Timeline {
  private readonly perf = (require('node:perf_hooks') as typeof import('node:perf_hooks')).performance;
  private last = this.perf.now();
  private readonly parts: string[] = [];

  constructor() {
    const booted = this.perf.nodeTiming.bootstrapComplete;
    this.parts.push(`node ${booted.toFixed(2)}`, `load ${(this.last - booted).toFixed(2)}`);
  }

  mark(phase: string): void {
    const now = this.perf.now();
    this.parts.push(`${phase} ${(now - this.last).toFixed(2)}`);
    this.last = now;
  }

  toString(): string {
    return `create timing (ms): ${this.parts.join(', ')}`;
  }
}

export function create(opts: CreateOptions): StoredState {
  const timeline = debugging() ? new Timeline() : null;
  const store = new Store(opts.root);
  store.dir(opts.id); // validates the id before anything else
  const bundle = resolve(opts.bundle ?? '.');
  const raw = readSpec(bundle);
  const { validateSpec } = require('./config') as typeof import('./config');
  // runc reports a bad config before a taken id.
  const spec = validateSpec(raw, bundle);
  timeline?.mark('validate');
  store.create(opts.id);
  let pid = 0;
  let child = -1;
  let parent = -1;
  let consoleFd = -1;
  let fifoFd = -1;
  let traceFd = -1;
  let tasks: { fd: number; dir: string }[] = [];
  let intoFd = -1;
  let cgroup: CgroupManager | null = null;
  const received: number[] = [];
  let program: import('../init/program').Program | null = null;
  const { notifyDir } = require('./notify') as typeof import('./notify');
  const { destroyCgroup, newCgroup, recordCgroup } = require('./cgroup') as typeof import('./cgroup');
  const { processStartTime } = require('../state/status') as typeof import('../state/status');
  try {
    const fifo = store.fifo(opts.id);
    sys.mkfifo(fifo, 0o622);
    // Not subject to the umask: the init may open it as the container's user.
    chmodSync(fifo, 0o622);
    fifoFd = openSync(fifo, O_PATH | O_CLOEXEC);
    // From here on, what exists on the host is recorded first (see CreateProgress).
    const progress: CreateProgress = {};
    const { n, seccomp, idmapped, notifySocket, listenFds } = prepareInit(spec, {
      id: opts.id, bundle, text: specText(raw), noPivot: Boolean(opts.noPivot), preserveFds: opts.preserveFds ?? 0, fifoFd,
      stateDir: store.dir(opts.id), stdio: opts.stdio ?? [], console: () => (consoleFd = connectConsole(opts.consoleSocket)),
    });
    const preserveFds = listenFds + (opts.preserveFds ?? 0);
    const stdio = n.init.stdio ?? [];
    const terminal = Boolean(spec.process?.terminal);
    if (notifySocket) mkdirSync(notifyDir(store.dir(opts.id)), { mode: 0o755 });
    timeline?.mark('prepare');
    // The cgroup first: the init writes itself into its v1 hierarchies.
    cgroup = newCgroup(opts.id, spec.linux?.cgroupsPath, Boolean(opts.systemdCgroup));
    if (cgroup.enabled) {
      progress.cgroup = recordCgroup(cgroup, spec.linux?.cgroupsPath, Boolean(opts.systemdCgroup));
      store.progress(opts.id, progress);
      cgroup.create(spec.linux?.resources);
    } else {
      debug(`no permission to manage cgroups here: ${cgroup.path()} skipped`);
      cgroup = null;
    }
    const placement = cgroup ? placeInit(cgroup) : { tasks: [], into: -1, byRuntime: [] };
    tasks = placement.tasks;
    intoFd = placement.into;
    timeline?.mark('cgroup');
    if (debugging()) traceFd = sys.memfd('tsrun-init-trace');
    [parent, child] = sys.socketpair();
    const passed = [consoleFd, fifoFd, traceFd, ...stdio, ...tasks.map((t) => t.fd)];
    const image = initImage();
    let placed = false;
    const clone = (o: CloneOptions = {}) => {
      const r = spawnInit(child, image, n.cloneFlags, n.joinPid, preserveFds, passed, intoFd >= 0 ? { ...o, cgroupFd: intoFd } : o, !terminal);
      placed = r.placed;
      return r.pid;
    };
    if (n.userns) {
      // The init waits in the trampoline until its maps are written: only
      // then does it exec as root of its user namespace, with capabilities.
      const [waitR, waitW] = sys.pipe();
      try {
        pid = clone({ waitFd: waitR, uid: 0, gid: 0 });
        writeIdMaps(pid, n.userns);
        writeSync(waitW, '1');
      } finally {
        closeSync(waitR);
        closeSync(waitW);
      }
    } else {
      pid = clone();
    }
    progress.pid = pid;
    progress.startTime = processStartTime(pid) ?? undefined;
    store.progress(opts.id, progress);
    const syncFd = child;
    closeSync(child);
    child = -1;
    debug(`init started as pid ${pid}`);
    if (intoFd >= 0) closeSync(intoFd);
    intoFd = -1;
    const byRuntime = placement.byRuntime.slice(placed ? 1 : 0);
    if (cgroup && byRuntime.length) cgroup.addProcess(pid, byRuntime);
    n.init.hookState.pid = pid;
    timeline?.mark('clone');
    const { initPlan } = require('../plan/init') as typeof import('../plan/init');
    const plan = initPlan({
      cfg: n.init,
      fds: { sync: syncFd, fifo: fifoFd, console: consoleFd, stdio: stdio.length ? stdio : null, tasks, trace: traceFd },
      cgroupPaths: cgroup ? cgroup.paths() : null,
      hookState: n.init.hookState,
    });
    program = plan.program;
    const encoded = program.encode();
    debug(`init program: ${program.insns.length} steps, ${encoded.length} bytes`);
    const ch = new InitChannel(parent);
    ch.send(encoded);
    for (const fd of [consoleFd, fifoFd, ...tasks.map((t) => t.fd)]) if (fd >= 0) closeSync(fd);
    consoleFd = fifoFd = -1;
    tasks = [];
    if (idmapped.length) (require('./idmap') as typeof import('./idmap')).sendIdmappedMounts(idmapped, n.init, pid, parent);
    timeline?.mark('program');
    for (;;) {
      const msg = ch.next();
      if (msg.kind === 'eof') {
        // Blocking: a status, never null.
        const status = sys.waitpid(pid, false) ?? 0;
        pid = 0;
        throw new RuntimeError(initDied(status, Boolean(seccomp)));
      }
      if (msg.kind === 'error') {
        const { describeRecord, filterExplainer } = require('../plan/errors') as typeof import('../plan/errors');
        throw new RuntimeError(describeRecord(msg.record, seccomp ? filterExplainer(seccomp.filter) : null));
      }
      received.push(...msg.fds);
      if (msg.code === Request.Ready) break;
      if (msg.code === Request.Hooks) {
        // The namespaces exist, pivot_root has not happened: prestart and
        // createRuntime run here, in the runtime's namespaces.
        const { runHooks } = require('../hooks') as typeof import('../hooks');
        // "created": runtime.md's status after lifecycle step 2, the
        // environment's creation, which these hooks follow (and what the
        // runtime-tools validation, hooks_stdin, expects of prestart).
        const hookState = { ...n.init.hookState, status: 'created' as const };
        runHooks('prestart', spec.hooks?.prestart, hookState);
        runHooks('createRuntime', spec.hooks?.createRuntime, hookState);
      } else if (msg.code === Request.CopyUp) {
        const [from, to] = msg.fds;
        const m = n.init.mounts[Number(msg.arg)];
        try {
          (require('./copyup') as typeof import('./copyup')).copyTree(`/proc/self/fd/${from}`, `/proc/self/fd/${to}`);
        } catch (e) {
          throw new RuntimeError(`tmpcopyup of ${m?.destination}: ${(e as Error).message}`);
        }
      } else if (msg.code === Request.SeccompListener) {
        const agent = require('./seccomp') as typeof import('./seccomp');
        agent.sendListenerToAgent(seccomp!, pid, msg.fds[0], { ...n.init.hookState, status: 'creating' });
      } else {
        throw new RuntimeError(`sync: unknown request ${msg.code} from the init`);
      }
      for (const fd of received.splice(0)) closeSync(fd);
      ch.ack();
    }
    timeline?.mark('init');
    if (traceFd >= 0) {
      logTrace(traceFd, program);
      closeSync(traceFd);
      traceFd = -1;
    }
    timeline?.mark('trace');
    closeSync(parent);
    parent = -1;
    // Read right after the clone: the init is our child, not reaped, so it is still this process.
    const startTime = progress.startTime;
    if (startTime === undefined) throw new RuntimeError('container init exited before it was ready');
    const state: StoredState = {
      ociVersion: SPEC_VERSION,
      id: opts.id,
      pid,
      startTime,
      bundle,
      rootfs: n.rootfs,
      created: rfc3339Nano(),
      annotations: spec.annotations,
      owner: '',
      hasProcess: Boolean(spec.process),
      process: spec.process,
      notifySocket: notifySocket ?? undefined,
      cgroup: progress.cgroup,
      hooks: spec.hooks?.poststart || spec.hooks?.poststop ? { poststart: spec.hooks.poststart, poststop: spec.hooks.poststop } : undefined,
      seccomp,
    };
    store.write(state);
    if (opts.pidFile) writePidFile(opts.pidFile, pid);
    if (timeline) {
      timeline.mark('state');
      debug(String(timeline));
    }
    return state;
  } catch (err) {
    if (traceFd >= 0 && program) logTrace(traceFd, program);
    for (const fd of [child, parent, consoleFd, fifoFd, traceFd, intoFd, ...tasks.map((t) => t.fd), ...received]) if (fd >= 0) closeSync(fd);
    if (pid > 0) killChild(pid);
    try {
      // A hook the init started may still be in the cgroup.
      if (cgroup) destroyCgroup(cgroup);
    } catch (e) { warn(`remove cgroup: ${(e as Error).message}`); }
    store.remove(opts.id);
    throw err;
  }
}

/** RFC 3339 with nine fraction digits, as Go prints time.Time in JSON. */
export function rfc3339Nano(): string {
  return new Date().toISOString().replace(/Z$/, '000000Z');
}
