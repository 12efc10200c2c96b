// Starting tsrun-init (src/native/interp.c, from a sealed memfd) as a
// child in namespaces: new ones by clone flags, a pid namespace to join by
// setns around the clone (it applies to children only); and what create
// and exec hand it: user namespace maps, the console socket, the pid file.
import { closeSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { RuntimeError } from '../errors';
import { cloneExecPlaced, type CloneOptions } from '../linux/clone';
import { CLONE_NEWPID, O_CLOEXEC, O_DIRECTORY, O_RDONLY, O_WRONLY } from '../linux/constants';
import type { CgroupManager } from '../cgroups';
import { linux as sys } from '../linux/libc';


/**
 * Runs clone with stdio (unless `stdio` is false), the preserved fds, the
 * sync fd and `more` made to survive into the child, and nothing else of
 * ours: an fd our caller left open (a directory of the host, say) could
 * otherwise reach the container, as its cwd through /proc/self/fd/N. Then
 * marks the sync fd and `more` close-on-exec again: hooks and helpers we
 * spawn later must not hold them (a relay pipe kept open by a hook's
 * leftover process would never reach end of file).
 */
export function withFdsPassed<T>(syncFd: number, preserveFds: number, more: number[], clone: () => T, { stdio = true } = {}): T {
  // Every fd of ours above the preserved ones, whoever opened it (Node,
  // koffi, a library), goes no further than the clone; the init's program
  // does the same again as its first step.
  sys.closeRangeCloexec(3 + preserveFds);
  // Node marks inherited fds close-on-exec at start-up. Without ours as
  // its stdio (a terminal's pty takes their place), the init opens
  // /dev/null for 0, 1 and 2 (openStdio in plan/init.ts).
  for (let fd = stdio ? 0 : 3; fd < 3 + preserveFds; fd++) {
    try { sys.fcntlSetCloexec(fd, false); } catch { /* not open */ }
  }
  const passed = [syncFd, ...more].filter((fd) => fd >= 0);
  for (const fd of passed) sys.fcntlSetCloexec(fd, false);
  try {
    return clone();
  } finally {
    for (const fd of passed) sys.fcntlSetCloexec(fd, true);
  }
}

/** SIGKILL to a child of ours, then reaps it: the clean-up of a failed start. */
export function killChild(pid: number): void {
  try { sys.kill(pid, 9); } catch { /* already gone */ }
  try { sys.waitpid(pid, false); } catch { /* reaped */ }
}

/** tsrun-init from its image fd, with the sync fd's number as its argument; its environment is empty. `placed`: in opts.cgroupFd's cgroup. */
export function cloneInit(syncFd: number, image: number, cloneFlags: number, opts: CloneOptions = {}): { pid: number; placed: boolean } {
  return cloneExecPlaced('tsrun-init', [], cloneFlags, { ...opts, imageFd: image, args: [String(syncFd)] });
}

/** Starts the init, joining a pid namespace by path first if asked; `stdio`: hand it ours. */
export function spawnInit(syncFd: number, image: number, cloneFlags: number, joinPid: string | null, preserveFds: number, extraFds: number[], opts: CloneOptions = {}, stdio = true): { pid: number; placed: boolean } {
  return withFdsPassed(syncFd, preserveFds, extraFds, () => {
    if (!joinPid) return cloneInit(syncFd, image, cloneFlags, opts);
    const own = openSync('/proc/self/ns/pid', O_RDONLY | O_CLOEXEC);
    const target = openSync(joinPid, O_RDONLY | O_CLOEXEC);
    try {
      sys.setns(target, CLONE_NEWPID, `pid namespace ${joinPid}`);
      try {
        return cloneInit(syncFd, image, cloneFlags, opts);
      } finally {
        sys.setns(own, CLONE_NEWPID, 'own pid namespace');
      }
    } finally {
      closeSync(own);
      closeSync(target);
    }
  }, { stdio });
}

/**
 * Writes the user namespace's maps for pid. Root writes them directly; an
 * unprivileged user can map only itself that way (after setgroups "deny"),
 * and needs newuidmap/newgidmap and /etc/subuid, /etc/subgid ranges for more.
 */
export function writeIdMaps(pid: number, maps: { uidMap: string; gidMap: string }): void {
  const rootless = process.geteuid?.() !== 0;
  const write = (file: string, text: string) => {
    try {
      writeFileSync(`/proc/${pid}/${file}`, text);
      return true;
    } catch (e) {
      if (!rootless) throw new RuntimeError(`write /proc/${pid}/${file} ${JSON.stringify(text.trim())}: ${(e as NodeJS.ErrnoException).code}`);
      return false;
    }
  };
  const helper = (tool: string, map: string) => {
    const args = [String(pid), ...map.trim().split(/\s+/)];
    const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
    const r = spawnSync(tool, args, { encoding: 'utf8' });
    if (r.error || r.status !== 0) {
      const user = userInfo().username;
      const db = tool === 'newuidmap' ? '/etc/subuid' : '/etc/subgid';
      throw new RuntimeError(`${tool} ${args.join(' ')}: ${r.error ? `${(r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not installed (Debian package uidmap)' : r.error.message}` : r.stderr.trim()}; ` +
        `mapping more than your own id needs ${tool} and a subordinate range for ${user} in ${db}`);
    }
  };
  if (rootless) {
    // Without setgroups "deny" an unprivileged gid_map write is refused.
    const single = (map: string) => map.trim().split('\n').length === 1;
    if (single(maps.gidMap) && write('setgroups', 'deny') && write('gid_map', maps.gidMap)) { /* done */ } else helper('newgidmap', maps.gidMap);
    if (!(single(maps.uidMap) && write('uid_map', maps.uidMap))) helper('newuidmap', maps.uidMap);
    return;
  }
  write('gid_map', maps.gidMap);
  write('uid_map', maps.uidMap);
}

/** The caller's console socket, connected, for the init to send the pty master to. */
export function connectConsole(path: string | undefined): number {
  if (!path) throw new RuntimeError('cannot allocate tty if tsrun will detach without setting console socket');
  return sys.unixConnect(resolve(path));
}

export function writePidFile(path: string, pid: number): void {
  const abs = resolve(path);
  const tmp = join(dirname(abs), `.${process.pid}.pid`);
  writeFileSync(tmp, String(pid), { mode: 0o644 });
  try {
    renameSync(tmp, abs);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Who moves the init into which hierarchy of its cgroup. Moving a whole
 * process takes a global lock whose first writer waits for an RCU grace
 * period (10-20 ms measured here), so nothing is moved that way:
 * - each cgroup v1 hierarchy: the init writes "0" to `tasks`, through an
 *   fd the runtime opened (a single thread moving itself takes no such
 *   lock; the write is checked against the opener, so this works from a
 *   user namespace too);
 * - the cgroup2 tree (of a v2 or a hybrid host): the init starts there,
 *   cloned with CLONE_INTO_CGROUP on an fd of its directory. Only where
 *   the kernel lacks clone3 does the runtime write its pid to
 *   cgroup.procs after the clone (`byRuntime`).
 */
export function placeInit(cgroup: CgroupManager): { tasks: { fd: number; dir: string }[]; into: number; byRuntime: string[] } {
  const paths = cgroup.paths();
  const tasks: { fd: number; dir: string }[] = [];
  let into = -1;
  const byRuntime: string[] = [];
  let path = '';
  try {
    for (const [h, dir] of Object.entries(paths)) {
      if (cgroup.version === 1 && h !== '') tasks.push({ fd: openSync(path = `${dir}/tasks`, O_WRONLY | O_CLOEXEC), dir });
      else if (into < 0) {
        into = openSync(path = dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        byRuntime.push(h);
      } else byRuntime.push(h);
    }
  } catch (e) {
    for (const fd of [into, ...tasks.map((t) => t.fd)]) if (fd >= 0) closeSync(fd);
    throw new RuntimeError(`join cgroup: open ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return { tasks, into, byRuntime };
}

let imageFd = -1;
/** tsrun-init's image, in a sealed memfd: the container never sees a file of the host's as its init. */
export function initImage(): number {
  if (imageFd < 0) {
    const { INTERP_ELF } = require('../native/images.generated') as typeof import('../native/images.generated');
    imageFd = sys.sealedMemfd('tsrun-init', Buffer.from(INTERP_ELF, 'base64'), true);
  }
  return imageFd;
}
