// `create`: the runtime side of the two-stage init. Prepares the state
// directory and exec fifo, starts the init in its namespaces, feeds it the
// normalized config over the sync channel and returns once it is ready, or
// removes every trace of the container when anything fails.
import { chmodSync, closeSync, openSync, writeSync } from 'node:fs';
import { O_CLOEXEC, O_PATH } from '../linux/constants';
import { resolve } from 'node:path';
import { RuntimeError } from '../errors';
import { linux as sys } from '../linux/libc';
import { debug, warn } from '../log';
import { Store, type CreateProgress, type StoredState } from '../state/store';
import type { InitMessage } from '../sync';
import type { Normalized } from './config';
import { earlyCloneFlags, readSpec, specText } from './spec-file';
import { connectConsole, killChild, spawnInit, writeIdMaps, writePidFile } from './spawn';
import { SPEC_VERSION } from '../version';
import type { CgroupManager } from '../cgroups';

// Only what starting the init needs is loaded up front; the rest loads after
// the clone, while the init's Node starts up.
function later() {
  const { normalize, validateSpec } = require('./config') as typeof import('./config');
  const { setupNotifySocket } = require('./notify') as typeof import('./notify');
  const { destroyCgroup, newCgroup, recordCgroup } = require('./cgroup') as typeof import('./cgroup');
  const { SyncChannel } = require('../sync') as typeof import('../sync');
  const { processStartTime } = require('../state/status') as typeof import('../state/status');
  return { normalize, validateSpec, setupNotifySocket, newCgroup, recordCgroup, destroyCgroup, SyncChannel, processStartTime };
}

const SIGSYS = 31;

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


/** Why the init ended before it was ready; `filtered`: it had a seccomp filter to install. */
function initDied(status: number | null, filtered: boolean): string {
  if (status === null) return 'container init exited before it was ready (still running)';
  const { waitOutcome } = require('../linux/signals') as typeof import('../linux/signals');
  const o = waitOutcome(status);
  if (filtered && o.signal === SIGSYS) {
    return 'container init was killed by SIGSYS: a syscall it made after installing linux.seccomp is refused by the profile';
  }
  return `container init exited before it was ready (${o.code !== null ? `exit status ${o.code}` : `signal ${o.signal}`})`;
}

/** fds handed over by socket activation (systemd's LISTEN_FDS), passed on as runc does. */
function socketActivationFds(): number {
  const n = Number(process.env.LISTEN_FDS);
  if (!Number.isInteger(n) || n <= 0 || Number(process.env.LISTEN_PID) !== process.pid) return 0;
  return n;
}

/**
 * Who moves the init into which hierarchy of its cgroup. Moving a process
 * takes a global lock whose first writer waits for an RCU grace period
 * (10-20 ms measured here), on the init's critical path. Two ways around it:
 * - v1: the init moves its own main thread by writing 0 to `tasks`, which
 *   the kernel (6.x) does without that lock. Its other threads, Node's, stay
 *   behind and die at its execve; only the main thread counts against the
 *   container's pids.max, and memory is charged to the main thread's cgroup.
 *   Not in a user namespace (the init cannot write the host's cgroupfs) nor
 *   in a joined mount or cgroup namespace (its paths and view are not ours).
 * - the cgroup2 tree of a hybrid host, when it limits neither memory nor
 *   pids: the runtime moves the init there now, while the init works.
 * The rest the runtime moves the init into when it asks, just before its
 * cgroup mounts: a Node start-up would fail under a small pids.max, and be
 * charged to the container's memory.
 */
function placeInit(cgroup: CgroupManager, n: Normalized, pid: number): { threadJoin: string[]; onRequest: string[] } {
  const paths = cgroup.paths();
  let rest = Object.keys(paths);
  let threadJoin: string[] = [];
  if (cgroup.version === 1 && !n.userns && !n.init.join.some((j) => j.type === 'mount' || j.type === 'cgroup')) {
    threadJoin = rest.filter((h) => h !== '').map((h) => paths[h]);
    rest = rest.filter((h) => h === '');
  }
  if (cgroup.version === 1 && rest.length === 1 && rest[0] === '' && !limitsStartup(paths[''])) {
    cgroup.addProcess(pid, ['']);
    rest = [];
  }
  return { threadJoin, onRequest: rest };
}

/** Whether a cgroup2 directory has the controllers that would break or be charged for a Node start-up. */
function limitsStartup(dir: string): boolean {
  const { controllersOf } = require('../cgroups/v2/create') as typeof import('../cgroups/v2/create');
  const controllers = controllersOf(dir);
  return controllers.has('memory') || controllers.has('pids');
}

export function create(opts: CreateOptions): StoredState {
  const store = new Store(opts.root);
  store.dir(opts.id); // validates the id before anything else
  const bundle = resolve(opts.bundle ?? '.');
  const raw = readSpec(bundle);
  const earlyFlags = earlyCloneFlags(raw);
  const validated = earlyFlags === null ? later().validateSpec(raw, bundle) : null;
  try {
    store.create(opts.id);
  } catch (e) {
    // runc reports a bad config before a taken id.
    if (!validated) later().validateSpec(raw, bundle);
    throw e;
  }
  let pid = 0;
  let child = -1;
  let parent = -1;
  let consoleFd = -1;
  let fifoFd = -1;
  let cgroup: CgroupManager | null = null;
  try {
    const fifo = store.fifo(opts.id);
    sys.mkfifo(fifo, 0o622);
    // Not subject to the umask: the init may open it as the container's user.
    chmodSync(fifo, 0o622);
    fifoFd = openSync(fifo, O_PATH | O_CLOEXEC);
    const listenFds = socketActivationFds();
    const preserveFds = listenFds + (opts.preserveFds ?? 0);
    // Not with a terminal: the pty is the process's stdio (and such a
    // config never takes the early clone below).
    let stdio = opts.stdio ?? [];
    if (earlyFlags !== null) {
      [parent, child] = sys.socketpair();
      pid = spawnInit(child, earlyFlags, null, preserveFds, [fifoFd, ...stdio]);
    }
    const { normalize, validateSpec, setupNotifySocket, newCgroup, recordCgroup, SyncChannel, processStartTime } = later();
    // From here on, what exists on the host is recorded first (see CreateProgress).
    const progress: CreateProgress = {};
    const recordInit = () => {
      progress.pid = pid;
      progress.startTime = processStartTime(pid) ?? undefined;
      store.progress(opts.id, progress);
    };
    if (pid > 0) recordInit();
    const spec = validated ?? validateSpec(raw, bundle);
    const n = normalize(spec, bundle, fifoFd, { id: opts.id, noPivot: Boolean(opts.noPivot), preserveFds });
    // Compiled here, while the early init's Node starts up.
    const seccomp = spec.linux?.seccomp ? (require('./seccomp') as typeof import('./seccomp')).compileForContainer(spec.linux.seccomp, specText(raw)) : undefined;
    if (seccomp) n.init.seccomp = { filter: seccomp.filter, flags: seccomp.flags };
    // With a terminal the pty is the process's stdio: the init gets none of
    // ours (a caller waiting for the end of our stdout would wait for the
    // container's), and neither does the early clone (earlyCloneFlags).
    const terminal = Boolean(spec.process?.terminal);
    if (terminal) stdio = [];
    if (stdio.length) n.init.stdio = stdio;
    if (listenFds && n.init.process) n.init.process.env.push(`LISTEN_FDS=${listenFds}`, 'LISTEN_PID=1');
    const notifySocket = setupNotifySocket(n.init, store.dir(opts.id));
    // Loaded after the clone, off the init's critical path.
    const idmap = require('./idmap') as typeof import('./idmap');
    const idmapped = idmap.idmappedMounts(spec, n.init);
    n.init.idmappedMounts = idmapped.map((w) => w.index);
    if (n.init.process && spec.process?.terminal) {
      consoleFd = connectConsole(opts.consoleSocket);
      n.init.console = { socketFd: consoleFd, height: spec.process.consoleSize?.height, width: spec.process.consoleSize?.width };
    }
    if (earlyFlags === null) {
      [parent, child] = sys.socketpair();
      if (n.userns) {
        // The init waits in the trampoline until its maps are written: only
        // then does it exec as root of its user namespace, with capabilities.
        const [waitR, waitW] = sys.pipe();
        try {
          pid = spawnInit(child, n.cloneFlags, n.joinPid, preserveFds, [consoleFd, fifoFd, ...stdio], { waitFd: waitR, uid: 0, gid: 0 }, !terminal);
          writeIdMaps(pid, n.userns);
          writeSync(waitW, '1');
        } finally {
          closeSync(waitR);
          closeSync(waitW);
        }
      } else {
        pid = spawnInit(child, n.cloneFlags, n.joinPid, preserveFds, [consoleFd, fifoFd, ...stdio], {}, !terminal);
      }
    }
    if (earlyFlags === null) recordInit();
    closeSync(child);
    child = -1;
    for (const fd of [consoleFd, fifoFd]) if (fd >= 0) closeSync(fd);
    consoleFd = fifoFd = -1;
    debug(`init started as pid ${pid}`);
    n.init.hookState.pid = pid;
    const ch = new SyncChannel(parent);
    ch.send({ type: 'config', payload: n.init });
    // The cgroup is made while the init starts up and builds its rootfs: it
    // waits for it only where it must be in it (joinCgroup in init/main.ts).
    cgroup = newCgroup(opts.id, spec.linux?.cgroupsPath, Boolean(opts.systemdCgroup));
    if (cgroup.enabled) {
      progress.cgroup = recordCgroup(cgroup, spec.linux?.cgroupsPath, Boolean(opts.systemdCgroup));
      store.progress(opts.id, progress);
      cgroup.create(spec.linux?.resources);
    } else {
      debug(`no permission to manage cgroups here: ${cgroup.path()} skipped`);
      cgroup = null;
    }
    const placement = cgroup ? placeInit(cgroup, n, pid) : { threadJoin: [], onRequest: [] };
    for (;;) {
      const msg = ch.recv<InitMessage>();
      if (msg === null) {
        const status = sys.waitpid(pid, false);
        pid = 0;
        throw new RuntimeError(initDied(status, Boolean(seccomp)));
      }
      if (msg.type === 'error') throw new RuntimeError(msg.msg);
      if (msg.type === 'ready') break;
      if (msg.type === 'idmap') {
        idmap.sendIdmappedMounts(idmapped, n.init, pid, parent);
        continue;
      }
      if (msg.type === 'cgroup') {
        if (placement.onRequest.length) cgroup?.addProcess(pid, placement.onRequest);
        ch.send({ type: 'cgroup-done', paths: cgroup ? cgroup.paths() : null, threadJoin: placement.threadJoin });
        continue;
      }
      if (msg.type === 'seccomp') {
        const agent = require('./seccomp') as typeof import('./seccomp');
        agent.sendListenerToAgent(seccomp!, pid, msg.fd, { ...n.init.hookState, status: 'creating' });
        ch.send({ type: 'seccomp-done' });
        continue;
      }
      if (msg.type === 'hooks') {
        // The namespaces exist, pivot_root has not happened: prestart and
        // createRuntime run here, in the runtime's namespaces.
        const { runHooks } = require('../hooks') as typeof import('../hooks');
        // "created": runtime.md's status after lifecycle step 2, the
        // environment's creation, which these hooks follow (and what the
        // runtime-tools validation, hooks_stdin, expects of prestart).
        const hookState = { ...n.init.hookState, status: 'created' as const };
        runHooks('prestart', spec.hooks?.prestart, hookState);
        runHooks('createRuntime', spec.hooks?.createRuntime, hookState);
        ch.send({ type: 'hooks-done' });
      }
    }
    closeSync(parent);
    parent = -1;
    const startTime = processStartTime(pid);
    if (startTime === null) throw new RuntimeError('container init exited before it was ready');
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
      cgroup: cgroup ? recordCgroup(cgroup, spec.linux?.cgroupsPath, Boolean(opts.systemdCgroup)) : undefined,
      hooks: spec.hooks?.poststart || spec.hooks?.poststop ? { poststart: spec.hooks.poststart, poststop: spec.hooks.poststop } : undefined,
      seccomp,
    };
    store.write(state);
    if (opts.pidFile) writePidFile(opts.pidFile, pid);
    return state;
  } catch (err) {
    if (child >= 0) closeSync(child);
    if (parent >= 0) closeSync(parent);
    if (consoleFd >= 0) closeSync(consoleFd);
    if (fifoFd >= 0) closeSync(fifoFd);
    if (pid > 0) killChild(pid);
    try {
      // A hook the init started may still be in the cgroup.
      if (cgroup) later().destroyCgroup(cgroup);
    } catch (e) { warn(`remove cgroup: ${(e as Error).message}`); }
    store.remove(opts.id);
    throw err;
  }
}

/** RFC 3339 with nine fraction digits, as Go prints time.Time in JSON. */
export function rfc3339Nano(): string {
  return new Date().toISOString().replace(/Z$/, '000000Z');
}
