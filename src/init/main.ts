// The container's init: started by `create` through clone(2) in the new
// namespaces (see linux/clone.ts), it receives the normalized config on the
// sync channel, builds the rootfs and the process, reports ready, then
// blocks on the exec fifo until `start` and execs the container process.
// Only synchronous calls on the main thread: setns and the capability and
// signal state are per-thread, and the final execve keeps the caller's.
import { openSync, writeFileSync, writeSync } from 'node:fs';
import * as C from '../linux/constants';
import { describeFsError } from '../linux/errors';
import { linux as sys } from '../linux/libc';
import { SyncChannel, type RuntimeMessage } from '../sync';
import type { InitConfig } from './config';
import type { ExecConfig } from './exec';
import { joinNamespace } from './paths';
import { applyPaths, enterRootWithoutMountNs, finalizeRootfs, prepareRootfs } from './rootfs';
import { adoptStdio, applyLateRlimits, execProcess, prepareProcess, type PreparedProcess } from './process';
import type { ContainerFilter } from './seccomp';

/** The container's seccomp filter, once the config names one: errors after its installation may be its doing. */
let filter: ContainerFilter | null = null;

const explain = (e: unknown): Error => (filter ? filter.explain(e) : e) as Error;

function writeSysctls(sysctl: Record<string, string>): void {
  for (const [key, value] of Object.entries(sysctl)) {
    const path = '/proc/sys/' + key.replace(/\./g, '/');
    try {
      writeFileSync(path, value);
    } catch (e) {
      throw describeFsError(e, `write sysctl ${key}=${value} (${path})`);
    }
  }
}

/** Stage hooks: the runtime's (prestart, createRuntime), then createContainer here. */
function hooksBeforePivot(ch: SyncChannel, cfg: InitConfig): void {
  if (cfg.runtimeHooks) {
    ch.send({ type: 'hooks', name: 'createRuntime' });
    ch.expect('hooks-done');
  }
  if (cfg.hooks.createContainer.length) {
    // "created", as for prestart and createRuntime (see container/create.ts).
    hooks().runHooks('createContainer', cfg.hooks.createContainer, { ...cfg.hookState, status: 'created' });
  }
}

let hooksModule: typeof import('../hooks') | undefined;
// Loaded before pivot_root when needed: afterwards tsrun's files are out of reach.
const hooks = (): typeof import('../hooks') => (hooksModule ??= require('../hooks') as typeof import('../hooks'));

/**
 * We enter the container's cgroup as late as we can: the memory Node
 * touched so far stays charged where it was, and no thread or process is
 * created after, so tight limits (pids.max 1, a few MiB of memory) still
 * let the container start. The runtime makes the cgroup meanwhile; its
 * reply names the directories, moves us into some, and lists the v1 ones
 * we enter ourselves, main thread only (see placeInit in
 * container/create.ts). The cgroup namespace follows.
 */
function joinCgroup(ch: SyncChannel, cfg: InitConfig): Record<string, string> | null {
  ch.send({ type: 'cgroup' });
  const reply = ch.expect('cgroup-done');
  for (const dir of reply.threadJoin) {
    try {
      writeFileSync(`${dir}/tasks`, '0');
    } catch (e) {
      throw describeFsError(e, `join cgroup ${dir}: write tasks`);
    }
  }
  if (cfg.newCgroupNs) sys.unshare(C.CLONE_NEWCGROUP);
  return reply.paths;
}

/** Idmapped mounts are made by the runtime in our mount namespace and sent here as fds. */
function receiveIdmappedMounts(ch: SyncChannel, cfg: InitConfig): void {
  if (!cfg.idmappedMounts.length) return;
  ch.send({ type: 'idmap' });
  for (let k = 0; k < cfg.idmappedMounts.length; k++) {
    // In the order of cfg.idmappedMounts (the name repeats the index).
    cfg.mounts[cfg.idmappedMounts[k]].mountFd = sys.recvFd(ch.fd).fd;
  }
}

function newTimeNamespace(offsets: string): void {
  sys.unshare(C.CLONE_NEWTIME);
  try {
    writeFileSync('/proc/self/timens_offsets', offsets);
  } catch (e) {
    throw describeFsError(e, 'write /proc/self/timens_offsets (linux.timeOffsets)');
  }
}

function run(ch: SyncChannel): never {
  const msg = ch.recv<RuntimeMessage>();
  // No config at all: the runtime is gone, there is no one to tell.
  if (!msg) process.exit(1);
  if (msg.type !== 'config') throw new Error(`sync: expected config, got ${msg.type}`);
  if ((msg.payload as ExecConfig).mode === 'exec') return (require('./exec') as typeof import('./exec')).runExec(ch, msg.payload as ExecConfig);
  const cfg = msg.payload as InitConfig;
  if (cfg.stdio) adoptStdio(sys, cfg.stdio);
  // Our fd directory, for the exec fifo's reopening (see below): from the
  // /proc we started with, before joining any namespace.
  const fdDir = openSync('/proc/self/fd', C.O_RDONLY | C.O_DIRECTORY | C.O_CLOEXEC);
  // Loaded now: tsrun's files are out of reach after pivot_root.
  filter = cfg.seccomp ? (require('./seccomp') as typeof import('./seccomp')).reportingTo(ch, cfg.seccomp) : null;
  // Loaded now when needed: after pivot_root tsrun's files are out of reach.
  const setupConsole = cfg.console ? (require('./console') as typeof import('./console')).setupConsole : null;
  for (const ns of cfg.join) joinNamespace(sys, ns.path, ns.flag, `${ns.type} namespace ${ns.path}`);
  if (cfg.timeOffsets !== null) newTimeNamespace(cfg.timeOffsets);
  if (cfg.hooks.createContainer.length || cfg.hooks.startContainer.length) hooks();
  // Inherited as O_PATH (the state dir may be out of reach of a user
  // namespace's root), kept across pivot_root, reopened through our fd
  // directory: opened now, from the /proc we started with, so that neither
  // a config mount over the container's /proc/self nor a root without
  // /proc (no mount namespace) can stand in its way.
  const fifo = cfg.fifoFd;
  sys.fcntlSetCloexec(fifo, true);
  receiveIdmappedMounts(ch, cfg);
  if (cfg.hostname !== null) sys.sethostname(cfg.hostname);
  if (cfg.domainname !== null) sys.setdomainname(cfg.domainname);
  // Before the root switch, through the /proc we started with: a sysctl
  // belongs to the namespace of the process that writes it, and no config
  // mount or image symlink in the container's /proc can redirect the write.
  writeSysctls(cfg.sysctl);
  prepareRootfs(sys, cfg, { joinCgroup: () => joinCgroup(ch, cfg), beforePivot: () => hooksBeforePivot(ch, cfg) });
  finalizeRootfs(sys, cfg);
  applyPaths(sys, cfg);
  if (cfg.personality !== null) sys.personality(cfg.personality);
  const consoleSlave = cfg.console && setupConsole ? setupConsole(sys, cfg.console, true) : null;
  let prepared: PreparedProcess | null = null;
  const enterRoot = cfg.mountNs ? null : () => enterRootWithoutMountNs(sys, cfg);
  if (cfg.process) prepared = prepareProcess(sys, cfg.process, filter, enterRoot);
  else enterRoot?.();
  ch.send({ type: 'ready' });
  // Blocks until `start` opens the fifo for reading. `start` then reads to
  // the end: the fifo closes on our execve (it is close-on-exec), and any
  // text before that is an error that stopped the container.
  let w = -1;
  try {
    w = sys.openat2(fdDir, String(fifo), C.O_WRONLY | C.O_CLOEXEC, 0, 0);
    writeSync(w, '0');
    // `start` refuses a config without process: nothing to run.
    if (!prepared) process.exit(1);
    if (cfg.hooks.startContainer.length) {
      hooks().runHooks('startContainer', cfg.hooks.startContainer, { ...cfg.hookState, status: 'created' });
    }
    applyLateRlimits(sys, cfg.process!);
    return execProcess(sys, prepared, cfg.preserveFds, consoleSlave);
  } catch (e) {
    const message = explain(e).message;
    try { writeSync(w >= 0 ? w : 2, message); } catch { writeSync(2, `tsrun: ${message}\n`); }
    process.exit(127);
  }
}

function main(): void {
  process.title = 'tsrun init';
  const fd = Number(process.env._TSRUN_SYNC_FD);
  delete process.env._TSRUN_SYNC_FD;
  if (!Number.isInteger(fd) || fd < 3) {
    writeSync(2, 'tsrun init: must be started by tsrun create\n');
    process.exit(1);
  }
  sys.fcntlSetCloexec(fd, true);
  // Keep /proc/1/exe (the node binary) and our memory out of reach of
  // processes in the container until the final execve.
  sys.prctl(C.PR_SET_DUMPABLE, 0, 0, 'PR_SET_DUMPABLE');
  const ch = new SyncChannel(fd);
  try {
    run(ch);
  } catch (e) {
    try { ch.send({ type: 'error', msg: explain(e).message }); } catch { /* the runtime is gone */ }
    process.exit(1);
  }
}

main();
