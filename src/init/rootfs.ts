// Builds the container's root filesystem inside the init's mount namespace,
// in runc's order: propagation, the rootfs bind, config mounts in order,
// /dev, pivot_root, then the read-only and masked paths.
import { chmodSync, closeSync, copyFileSync, existsSync, fstatSync, lchownSync, lstatSync, mkdirSync, openSync, readdirSync, readlinkSync, statSync, symlinkSync } from 'node:fs';
import * as C from '../linux/constants';
import { rethrowAs, SyscallError } from '../linux/errors';
import type { Syscalls } from '../linux/syscalls';
import type { Device } from '../spec/types';
import type { InitConfig, InitMount } from './config';
import { ensureInRoot, fdPath, openInRoot, SymlinkRefused } from './paths';
import { mountHolding, mountinfo, type MountInfo } from '../linux/proc';

/** The container's cgroup directories per hierarchy ("" for cgroup2), from the runtime; null without a managed cgroup. */
type CgroupPaths = Record<string, string> | null;

/** Runs fn with an O_PATH fd of `dest` under the rootfs, closing it after. */
function withTarget<T>(sys: Syscalls, rootFd: number, dest: string, fn: (fd: number) => T, strict = false): T {
  const fd = openInRoot(sys, rootFd, dest, strict);
  try { return fn(fd); } finally { closeSync(fd); }
}

function isDirectory(path: string): boolean {
  try { return statSync(path).isDirectory(); } catch { return true; }
}

/** The host's cgroup v1 hierarchies (mount options naming their controllers). */
function cgroupV1Hierarchies(mounts: MountInfo[]): { name: string; options: string }[] {
  const out: { name: string; options: string }[] = [];
  for (const m of mounts) {
    if (m.fstype !== 'cgroup') continue;
    const opts = m.superOptions.filter((o) => o !== 'rw' && o !== 'ro' && !o.startsWith('release_agent') && o !== 'clone_children');
    const name = opts.find((o) => o.startsWith('name='))?.slice(5) ?? opts.join(',');
    if (!out.some((h) => h.name === name)) out.push({ name, options: opts.join(',') });
  }
  return out;
}

/**
 * A cgroup mount. In a cgroup namespace of its own the container mounts
 * cgroupfs, which shows its cgroup as the root; without one, the host's
 * directories of its cgroup are bound in (runc), so it never sees the
 * host's whole tree. cgroup v1 (and hybrid) get a tmpfs holding one mount
 * per hierarchy, read-only at the end if the config asks for ro.
 */
function mountCgroup(sys: Syscalls, rootFd: number, m: InitMount, cfg: InitConfig, mounts: MountInfo[], cgroupPaths: CgroupPaths): void {
  const flags = m.flags & ~(C.MS_BIND | C.MS_REC | C.MS_REMOUNT);
  const own = cfg.newCgroupNs ? null : cgroupPaths;
  /** key: the hierarchy in cgroupPaths ("" for cgroup2). */
  const mountAt = (dest: string, fstype: 'cgroup' | 'cgroup2', options: string | null, key: string) => {
    const fd = ensureInRoot(sys, rootFd, dest, 'dir');
    let hostDir = own?.[key];
    try {
      if (!hostDir) {
        try {
          sys.mount(fstype, fdPath(fd), fstype, flags, options);
          return;
        } catch (e) {
          // In a user namespace cgroup v1 cannot be mounted: bind the container's own directories.
          const fallback = cgroupPaths?.[key];
          if (!(e instanceof SyscallError && e.code === 'EPERM') || !fallback) throw e;
          hostDir = fallback;
        }
      }
      sys.mount(hostDir, fdPath(fd), null, C.MS_BIND, null);
      withTarget(sys, rootFd, dest, (t) => sys.mount(null, fdPath(t), null, C.MS_BIND | C.MS_REMOUNT | flags, null));
    } catch (e) {
      rethrowAs(e, 'mount', `${hostDir ? `bind ${hostDir}` : `${fstype}${options ? ` (${options})` : ''}`} on ${dest}`);
    } finally {
      closeSync(fd);
    }
  };
  if (!mounts.some((mi) => mi.fstype === 'cgroup')) {
    mountAt(m.destination, 'cgroup2', null, '');
    return;
  }
  withTarget(sys, rootFd, m.destination, (fd) => {
    try { sys.mount('tmpfs', fdPath(fd), 'tmpfs', flags & ~C.MS_RDONLY, 'mode=755'); } catch (e) { rethrowAs(e, 'mount', `tmpfs on ${m.destination}`); }
  });
  for (const h of cgroupV1Hierarchies(mounts)) {
    const key = h.options.split(',').find((o) => o.startsWith('name=')) ?? h.name.split(',')[0];
    mountAt(`${m.destination}/${h.name}`, 'cgroup', h.options, key);
    // cpu,cpuacct co-mounted: the usual per-controller links.
    if (h.name.includes(',')) {
      for (const ctrl of h.name.split(',')) {
        withTarget(sys, rootFd, m.destination, (dir) => {
          try { sys.symlink(h.name, `${fdPath(dir)}/${ctrl}`); } catch (e) {
            if (!(e instanceof SyscallError && e.code === 'EEXIST')) rethrowAs(e, 'symlink', `${m.destination}/${ctrl}`);
          }
        });
      }
    }
  }
  if (m.flags & C.MS_RDONLY) {
    withTarget(sys, rootFd, m.destination, (fd) => {
      try { sys.mount(null, fdPath(fd), null, C.MS_REMOUNT | flags, 'mode=755'); } catch (e) { rethrowAs(e, 'mount', `remount ${m.destination} read-only`); }
    });
  }
}

// Kernel filesystems the runtime and the kernel's own checks rely on, and
// anything mounted in /dev, /proc or /sys, never go through a symlink of
// the image (CVE-2019-19921's and the 2025 advisories' class): procfs
// elsewhere than /proc could go unmasked, a bind could land on a procfs
// file. Elsewhere a destination follows symlinks, inside the rootfs.
const NO_SYMLINKS = new Set(['proc', 'sysfs', 'devpts', 'mqueue', 'cgroup', 'cgroup2']);
const strictDestination = (m: InitMount): boolean =>
  (m.type !== null && NO_SYMLINKS.has(m.type)) || /^\/+(dev|proc|sys)(\/|$)/.test(m.destination);

function mountOne(sys: Syscalls, rootFd: number, m: InitMount, cfg: InitConfig, mounts: MountInfo[], cgroupPaths: CgroupPaths): void {
  if (m.type === 'cgroup') {
    closeSync(ensureInRoot(sys, rootFd, m.destination, 'dir', 0, true));
    mountCgroup(sys, rootFd, m, cfg, mounts, cgroupPaths);
    return;
  }
  const fileTarget = m.bind && m.source !== null && !isDirectory(m.source);
  const strict = strictDestination(m);
  const fd = ensureInRoot(sys, rootFd, m.destination, fileTarget ? 'file' : 'dir', 0, strict);
  const label = `${m.source ?? m.type ?? 'none'} on ${m.destination}`;
  // tmpcopyup: the fd still reaches the covered directory once the tmpfs is on top.
  const covered = m.copyUp ? openSync(fdPath(fd), C.O_PATH | C.O_DIRECTORY | C.O_CLOEXEC) : -1;
  try {
    if (m.mountFd !== undefined) {
      // move_mount's own error names it; it is not reported as mount.
      try {
        sys.moveMount(m.mountFd, fd, `idmapped ${m.source} on ${m.destination}`);
      } finally {
        closeSync(m.mountFd);
      }
    } else if (m.bind) {
      if (m.source === null || !existsSync(m.source)) {
        throw new SyscallError('mount', `bind ${m.source ?? '(no source)'} on ${m.destination}`, C_ENOENT);
      }
      sys.mount(m.source, fdPath(fd), null, C.MS_BIND | (m.flags & C.MS_REC), null);
    } else {
      sys.mount(m.source ?? m.type ?? 'none', fdPath(fd), m.type, m.flags & ~C.MS_REMOUNT, m.data || null);
    }
  } catch (e) {
    if (covered >= 0) closeSync(covered);
    if (m.mountFd !== undefined) throw e;
    rethrowAs(e, 'mount', label);
  } finally {
    closeSync(fd);
  }
  if (m.type === 'proc' && !m.bind) {
    // What is at the destination now must be the procfs just mounted.
    withTarget(sys, rootFd, m.destination, (t) => {
      if (sys.fstatfsType(t) !== C.PROC_SUPER_MAGIC) throw new Error(`mount proc on ${m.destination}: what is there afterwards is not procfs`);
    }, true);
  }
  if (covered >= 0) {
    try {
      withTarget(sys, rootFd, m.destination, (t) => copyTree(fdPath(covered), fdPath(t)));
    } catch (e) {
      throw new Error(`tmpcopyup of ${m.destination}: ${(e as Error).message}`);
    } finally {
      closeSync(covered);
    }
  }
  // A bind mount takes its other flags only from a remount of the new mount.
  const extra = m.flags & ~(C.MS_BIND | C.MS_REC | C.MS_REMOUNT);
  if (m.bind && extra) {
    withTarget(sys, rootFd, m.destination, (t) => {
      try { sys.mount(null, fdPath(t), null, C.MS_BIND | C.MS_REMOUNT | extra, null); } catch (e) { rethrowAs(e, 'mount', `remount ${m.destination}`); }
    });
  }
  for (const p of m.propagation) {
    withTarget(sys, rootFd, m.destination, (t) => {
      try { sys.mount(null, fdPath(t), null, p, null); } catch (e) { rethrowAs(e, 'mount', `propagation of ${m.destination}`); }
    });
  }
}
const C_ENOENT = 2;

/** Copies a directory tree with modes, owners and symlinks (for tmpcopyup). */
function copyTree(from: string, to: string): void {
  const st = statSync(from);
  chmodSync(to, st.mode & 0o7777);
  lchownSync(to, st.uid, st.gid);
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const src = `${from}/${entry.name}`;
    const dst = `${to}/${entry.name}`;
    const est = lstatSync(src);
    if (entry.isDirectory()) {
      mkdirSync(dst);
      copyTree(src, dst);
      continue;
    }
    if (entry.isSymbolicLink()) symlinkSync(readlinkSync(src), dst);
    else if (entry.isFile()) copyFileSync(src, dst);
    else continue; // sockets, fifos and devices are not copied up
    lchownSync(dst, est.uid, est.gid);
    if (!entry.isSymbolicLink()) chmodSync(dst, est.mode & 0o7777);
  }
}

const DEFAULT_DEVICES: Device[] = [
  { path: '/dev/null', type: 'c', major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/zero', type: 'c', major: 1, minor: 5, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/full', type: 'c', major: 1, minor: 7, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/random', type: 'c', major: 1, minor: 8, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/urandom', type: 'c', major: 1, minor: 9, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/tty', type: 'c', major: 5, minor: 0, fileMode: 0o666, uid: 0, gid: 0 },
];

const DEVICE_TYPES: Record<string, number> = { c: C.S_IFCHR, u: C.S_IFCHR, b: C.S_IFBLK, p: C.S_IFIFO };

function createDevice(sys: Syscalls, rootFd: number, d: Device): void {
  const slash = d.path.lastIndexOf('/');
  const dir = d.path.slice(0, slash) || '/';
  const name = d.path.slice(slash + 1);
  const dirFd = ensureInRoot(sys, rootFd, dir, 'dir');
  const at = `${fdPath(dirFd)}/${name}`;
  try {
    const mode = DEVICE_TYPES[d.type] | ((d.fileMode ?? 0o666) & 0o7777);
    try {
      sys.mknod(at, mode, d.major ?? 0, d.minor ?? 0);
    } catch (e) {
      // The image's own node is used only if it is that very device.
      if (e instanceof SyscallError && e.code === 'EEXIST') return verifyDevice(sys, rootFd, d);
      if (!(e instanceof SyscallError && e.code === 'EPERM') || d.type === 'p') rethrowAs(e, 'mknod', d.path);
      // Where mknod is not allowed, bind the host's node over an empty file.
      const file = ensureInRoot(sys, rootFd, d.path, 'file');
      try { sys.mount(d.path, fdPath(file), null, C.MS_BIND, null); } catch (err) { rethrowAs(err, 'mount', `bind ${d.path} on ${d.path}`); } finally { closeSync(file); }
      return;
    }
    // mknod honours the umask; the spec's fileMode is exact.
    sys.lchown(at, d.uid ?? 0, d.gid ?? 0);
    chmodSync(at, (d.fileMode ?? 0o666) & 0o7777);
  } finally {
    closeSync(dirFd);
  }
}

/** Throws unless `d.path` in the rootfs is, without any symlink, the device d describes. */
function verifyDevice(sys: Syscalls, rootFd: number, d: Device): void {
  closeSync(openDevice(sys, rootFd, d));
}

/** An O_PATH fd of `d.path` in the rootfs, opened through no symlink and checked to be the device d describes. */
export function openDevice(sys: Syscalls, rootFd: number, d: Device): number {
  const fd = openInRoot(sys, rootFd, d.path, true);
  try {
    const st = fstatSync(fd);
    const type = st.mode & C.S_IFMT;
    const want = DEVICE_TYPES[d.type];
    const found = describeNode(st);
    const rdevOk = d.type === 'p' || (major(st.rdev) === (d.major ?? 0) && minor(st.rdev) === (d.minor ?? 0));
    if (type !== want || !rdevOk) {
      throw new Error(`device ${d.path}: the rootfs has ${found} there, not the ${d.type === 'p' ? 'fifo' : `device ${d.major ?? 0}:${d.minor ?? 0}`} (refused)`);
    }
    return fd;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

export const major = (rdev: number): number => ((rdev >>> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
export const minor = (rdev: number): number => (rdev & 0xff) | ((rdev >>> 12) & ~0xff);

/** What a node is, for an error message. */
export function describeNode(st: { mode: number; rdev: number }): string {
  switch (st.mode & C.S_IFMT) {
    case C.S_IFCHR: return `a character device ${major(st.rdev)}:${minor(st.rdev)}`;
    case C.S_IFBLK: return `a block device ${major(st.rdev)}:${minor(st.rdev)}`;
    case C.S_IFDIR: return 'a directory';
    case C.S_IFREG: return 'a regular file';
    case C.S_IFIFO: return 'a fifo';
    case C.S_IFLNK: return 'a symbolic link';
    default: return 'a socket';
  }
}

function setupDev(sys: Syscalls, rootFd: number, cfg: InitConfig): void {
  const devBound = cfg.mounts.some((m) => m.destination.replace(/\/+$/, '') === '/dev' && m.bind);
  if (!devBound) {
    const userPaths = new Set(cfg.devices.map((d) => d.path));
    for (const d of DEFAULT_DEVICES) if (!userPaths.has(d.path)) createDevice(sys, rootFd, d);
  }
  for (const d of cfg.devices) createDevice(sys, rootFd, d);
  const links: [string, string][] = [
    ['/proc/self/fd', 'fd'], ['/proc/self/fd/0', 'stdin'], ['/proc/self/fd/1', 'stdout'], ['/proc/self/fd/2', 'stderr'],
  ];
  if (existsSync('/proc/kcore')) links.push(['/proc/kcore', 'core']);
  if (cfg.mounts.some((m) => m.destination.replace(/\/+$/, '') === '/dev/pts')) links.push(['pts/ptmx', 'ptmx']);
  const devFd = ensureInRoot(sys, rootFd, '/dev', 'dir');
  try {
    for (const [target, name] of links) {
      try {
        sys.symlink(target, `${fdPath(devFd)}/${name}`);
      } catch (e) {
        if (!(e instanceof SyscallError && e.code === 'EEXIST')) rethrowAs(e, 'symlink', `/dev/${name} -> ${target}`);
      }
    }
  } finally {
    closeSync(devFd);
  }
}

function pivot(sys: Syscalls, rootfs: string): void {
  const oldRoot = openSync('/', C.O_DIRECTORY | C.O_RDONLY | C.O_CLOEXEC);
  try {
    process.chdir(rootfs);
    try { sys.pivotRoot('.', '.'); } catch (e) { rethrowAs(e, 'pivot_root', rootfs); }
    // The old root is now stacked on "."; detach it without letting the
    // unmount propagate back to the host.
    sys.fchdir(oldRoot, 'old root');
    sys.mount(null, '.', null, C.MS_SLAVE | C.MS_REC, null);
    sys.umount2('.', C.MNT_DETACH);
    process.chdir('/');
  } finally {
    closeSync(oldRoot);
  }
}

function moveRoot(sys: Syscalls, rootfs: string): void {
  process.chdir(rootfs);
  sys.mount(rootfs, '/', null, C.MS_MOVE, null);
  sys.chroot('.');
  process.chdir('/');
}


/** Everything up to and including the switch into the rootfs. */
export interface RootfsSteps {
  /** Into the container's cgroup (and cgroup namespace): before the first cgroup mount, at the latest before pivot. Returns its directories. */
  joinCgroup(): CgroupPaths;
  /** prestart, createRuntime and createContainer hooks. */
  beforePivot(): void;
}

export function prepareRootfs(sys: Syscalls, cfg: InitConfig, steps: RootfsSteps = { joinCgroup: () => null, beforePivot: () => undefined }): void {
  if (!cfg.mountNs) {
    // The runtime's mount namespace: nothing is mounted (validation saw to
    // it); the init chroots into the rootfs later (enterRootWithoutMountNs).
    steps.joinCgroup();
    ensureCwd(sys, cfg);
    steps.beforePivot();
    return;
  }
  let joined = false;
  let cgroupPaths: CgroupPaths = null;
  const join = () => { if (!joined) { joined = true; cgroupPaths = steps.joinCgroup(); } };
  // Until the switch, nothing may propagate back to the host: everything
  // becomes a slave (or private, if asked), except with a shared root
  // propagation (containerd asks for it when a mount is bidirectional):
  // then the host's mounts keep their peer groups, as with runc, so that a
  // shared bind of one is the host's peer and mounts travel both ways;
  // the rootfs's own mount is made private below, and what is mounted in
  // it stays in the container. The requested propagation of the rootfs
  // itself is set once it is the root (shared and unbindable mounts
  // cannot be pivoted to or bound).
  const requested = cfg.rootfsPropagation & C.MS_PROPAGATION;
  const initial = requested === C.MS_PRIVATE || requested === C.MS_SHARED ? requested : C.MS_SLAVE;
  sys.mount(null, '/', null, C.MS_REC | initial, null);
  // One read of the table serves the whole setup: the mounts made below
  // change neither the parent's propagation nor the set of cgroup hierarchies.
  const mounts = mountinfo();
  // pivot_root refuses a new root whose parent mount is shared.
  const parent = mountHolding(cfg.rootfs, mounts);
  if (parent?.optional.some((o) => o.startsWith('shared:'))) sys.mount(null, parent.mountPoint, null, C.MS_PRIVATE, null);
  try {
    sys.mount(cfg.rootfs, cfg.rootfs, null, C.MS_BIND | C.MS_REC, null);
  } catch (e) {
    rethrowAs(e, 'mount', `bind rootfs ${cfg.rootfs}`);
  }
  const rootFd = openSync(cfg.rootfs, C.O_PATH | C.O_DIRECTORY | C.O_CLOEXEC);
  try {
    for (const m of cfg.mounts) {
      if (m.type === 'cgroup') join();
      mountOne(sys, rootFd, m, cfg, mounts, cgroupPaths);
    }
    join();
    setupDev(sys, rootFd, cfg);
  } finally {
    closeSync(rootFd);
  }
  ensureCwd(sys, cfg);
  steps.beforePivot();
  if (cfg.noPivot) moveRoot(sys, cfg.rootfs);
  else pivot(sys, cfg.rootfs);
  sys.mount(null, '/', null, requested, null);
}

/** runc creates a missing cwd, before the root can turn read-only. */
function ensureCwd(sys: Syscalls, cfg: InitConfig): void {
  if (!cfg.process) return;
  const rootFd = openSync(cfg.rootfs, C.O_PATH | C.O_DIRECTORY | C.O_CLOEXEC);
  try {
    closeSync(ensureInRoot(sys, rootFd, cfg.process.cwd, 'dir'));
  } catch (e) {
    rethrowAs(e, 'mkdir cwd', cfg.process.cwd);
  } finally {
    closeSync(rootFd);
  }
}

/** Without a mount namespace of its own, the container's root is its rootfs by chroot (as runc and crun do). */
export function enterRootWithoutMountNs(sys: Syscalls, cfg: InitConfig): void {
  sys.chroot(cfg.rootfs);
  process.chdir('/');
}

/** After the switch: read-only root, sysctls, read-only and masked paths. */
export function finalizeRootfs(sys: Syscalls, cfg: InitConfig): void {
  if (cfg.readonly) {
    try { sys.mount(null, '/', null, C.MS_BIND | C.MS_REMOUNT | C.MS_RDONLY, null); } catch (e) { rethrowAs(e, 'mount', 'remount / read-only'); }
  }
}

/**
 * Read-only and masked paths, after the switch, by fd only: each target is
 * opened through no symlink (a symlink is refused, a missing path skipped)
 * and the mounts are made with open_tree, fsmount and move_mount on fds,
 * never through a path /proc or the image could redirect. Files are masked
 * with the container's /dev/null, verified to be the null device.
 */
export function applyPaths(sys: Syscalls, cfg: InitConfig): void {
  if (!cfg.readonlyPaths.length && !cfg.maskedPaths.length) return;
  const root = openSync('/', C.O_PATH | C.O_DIRECTORY | C.O_CLOEXEC);
  let nullDev = -1;
  const target = (p: string, what: string): number | null => {
    try {
      return openInRoot(sys, root, p, true);
    } catch (e) {
      if (e instanceof SymlinkRefused) throw new SymlinkRefused(p, what);
      if ((e as { code?: string }).code === 'ENOENT') return null;
      throw e;
    }
  };
  try {
    for (const p of cfg.readonlyPaths) {
      const fd = target(p, 'read-only path');
      if (fd === null) continue;
      try {
        const clone = sys.openTreeCloneFd(fd, true, `read-only ${p}`);
        try {
          sys.mountSetattr(clone, C.MOUNT_ATTR_RDONLY, true, `read-only ${p}`);
          sys.moveMount(clone, fd, `read-only ${p}`);
        } finally {
          closeSync(clone);
        }
      } finally {
        closeSync(fd);
      }
    }
    for (const p of cfg.maskedPaths) {
      const fd = target(p, 'masked path');
      if (fd === null) continue;
      try {
        if (fstatSync(fd).isDirectory()) {
          const tmpfs = sys.fsmountNew('tmpfs', C.MOUNT_ATTR_RDONLY, `mask ${p}`);
          try { sys.moveMount(tmpfs, fd, `mask ${p}`); } finally { closeSync(tmpfs); }
        } else {
          if (nullDev < 0) nullDev = verifiedNull(sys, root);
          const bind = sys.openTreeCloneFd(nullDev, false, `mask ${p} with /dev/null`);
          try { sys.moveMount(bind, fd, `mask ${p} with /dev/null`); } finally { closeSync(bind); }
        }
      } finally {
        closeSync(fd);
      }
    }
  } finally {
    if (nullDev >= 0) closeSync(nullDev);
    closeSync(root);
  }
}

const NULL_DEVICE: Device = { path: '/dev/null', type: 'c', major: 1, minor: 3 };

/** An O_PATH fd of the container's /dev/null, through no symlink, checked to be the null device (1:3). */
function verifiedNull(sys: Syscalls, root: number): number {
  return openDevice(sys, root, NULL_DEVICE);
}
