// The container's root filesystem as steps of the init's program, in
// runc's order: propagation, the rootfs bind, config mounts in order,
// /dev, pivot_root, then the read-only root and the read-only and masked
// paths. What the runtime can tell from the host before the init starts
// (the host's mount table, whether a bind source is a file, the image's
// symlinks) is decided here; what only the init can see is checked by its
// steps, and every path in the rootfs is opened by the kernel with
// openat2(RESOLVE_IN_ROOT), never resolved by us.
import { existsSync, lstatSync, readlinkSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import * as C from '../linux/constants';
import { A0, A1, AluOp, type Label, type Ref, type Reg } from '../init/program';
import type { InitConfig, InitMount } from '../init/config';
import type { Device } from '../spec/types';
import { mountHolding, mountinfo, type MountInfo } from '../linux/proc';
import { AT_FDCWD, close, EEXIST, ENOENT, EPERM, ensureInRoot, fdPath, fileType, openInRoot, request, Request, STAT_MODE, STAT_RDEV, STAT_SIZE, type Ctx } from './steps';

/** The container's cgroup directories per hierarchy ("" for cgroup2); null without a managed cgroup. */
export type CgroupPaths = Record<string, string> | null;

export interface RootfsInput {
  cfg: InitConfig;
  /** The container's cgroup directories, for cgroup mounts without a cgroup namespace. */
  cgroupPaths: CgroupPaths;
  /** Registers holding the idmapped mounts' fds, by mount index. */
  idmapped: Map<number, Reg>;
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

// Kernel filesystems the runtime and the kernel's own checks rely on, and
// anything mounted in /dev, /proc or /sys, never go through a symlink of
// the image (CVE-2019-19921's and the 2025 advisories' class): procfs
// elsewhere than /proc could go unmasked, a bind could land on a procfs
// file. Elsewhere a destination follows symlinks, inside the rootfs.
const NO_SYMLINKS = new Set(['proc', 'sysfs', 'devpts', 'mqueue', 'cgroup', 'cgroup2']);
const IN_KERNEL_DIRS = /^\/+(dev|proc|sys)(\/|$)/;
const strictDestination = (m: InitMount): boolean =>
  (m.type !== null && NO_SYMLINKS.has(m.type)) || IN_KERNEL_DIRS.test(m.destination);

/**
 * Where a destination lands, following the image's symlinks as the kernel
 * would inside the rootfs, so that a dangling one (a symlink to a
 * directory the image lacks) is created at its target, as runc does. Only
 * the image as it is on disk is read: below an earlier mount the path is
 * left as written. The result is still opened with RESOLVE_IN_ROOT: this
 * only picks which missing directories to create.
 */
export function resolveInImage(rootfs: string, dest: string, covered: string[]): string {
  let parts = dest.split('/').filter(Boolean);
  for (let hops = 0, i = 0; i < parts.length && hops < 40; i++) {
    const sofar = '/' + parts.slice(0, i + 1).join('/');
    if (covered.some((c) => sofar === c || sofar.startsWith(c + '/'))) break;
    let target: string;
    try {
      if (!lstatSync(rootfs + sofar).isSymbolicLink()) continue;
      target = readlinkSync(rootfs + sofar);
    } catch {
      break; // missing: created as written
    }
    hops++;
    const base = target.startsWith('/') ? target : posix.join('/' + parts.slice(0, i).join('/'), target);
    parts = posix.normalize(`${base}/${parts.slice(i + 1).join('/')}`).split('/').filter((s) => s && s !== '..');
    i = -1;
  }
  return '/' + parts.join('/');
}

function mountCgroup(ctx: Ctx, root: Reg, m: InitMount, input: RootfsInput, mounts: MountInfo[], why: string): void {
  const { p } = ctx;
  const { cfg, cgroupPaths } = input;
  const flags = m.flags & ~(C.MS_BIND | C.MS_REC | C.MS_REMOUNT);
  const own = cfg.newCgroupNs ? null : cgroupPaths;
  const fd = p.reg('cgroup mount point');
  const t = p.reg('cgroup target');
  /** key: the hierarchy in cgroupPaths ("" for cgroup2). */
  const mountAt = (dest: string, fstype: 'cgroup' | 'cgroup2', options: string | null, key: string) => {
    ensureInRoot(ctx, root, dest, 'dir', fd, { strict: true });
    const bindDir = (hostDir: string) => {
      p.sys('mount', [p.str(hostDir), fdPath(ctx, fd), 0, C.MS_BIND, 0], { msg: `mount bind ${hostDir} on ${dest}`, why });
      openInRoot(ctx, root, dest, t, { strict: true });
      p.sys('mount', [0, fdPath(ctx, t), 0, C.MS_BIND | C.MS_REMOUNT | flags, 0], { msg: `mount bind ${hostDir} on ${dest}` });
      close(ctx, t);
    };
    const hostDir = own?.[key];
    if (hostDir) {
      // No cgroup namespace of its own: the host's directories of its cgroup, never the host's whole tree (runc).
      bindDir(hostDir);
    } else {
      const fallback = cgroupPaths?.[key];
      const done = p.label(`${dest} mounted`);
      const denied = p.label(`${dest} refused`);
      p.sys('mount', [p.str(fstype), fdPath(ctx, fd), p.str(fstype), flags, options ? p.str(options) : 0],
        { msg: `mount ${fstype}${options ? ` (${options})` : ''} on ${dest}`, why, unless: fallback ? { errno: EPERM, goto: denied } : undefined });
      if (fallback) {
        p.jump(done);
        // In a user namespace cgroup v1 cannot be mounted: bind the container's own directories.
        p.bind(denied);
        bindDir(fallback);
      }
      p.bind(done);
    }
    close(ctx, fd);
  };
  if (!mounts.some((mi) => mi.fstype === 'cgroup')) {
    mountAt(m.destination, 'cgroup2', null, '');
    return;
  }
  ensureInRoot(ctx, root, m.destination, 'dir', fd, { strict: true });
  p.sys('mount', [p.str('tmpfs'), fdPath(ctx, fd), p.str('tmpfs'), flags & ~C.MS_RDONLY, p.str('mode=755')], { msg: `mount tmpfs on ${m.destination}`, why: `${why}: cgroup v1, one mount per hierarchy in a tmpfs` });
  close(ctx, fd);
  for (const h of cgroupV1Hierarchies(mounts)) {
    const key = h.options.split(',').find((o) => o.startsWith('name=')) ?? h.name.split(',')[0];
    mountAt(`${m.destination}/${h.name}`, 'cgroup', h.options, key);
    // cpu,cpuacct co-mounted: the usual per-controller links.
    if (h.name.includes(',')) {
      openInRoot(ctx, root, m.destination, fd, { strict: true });
      for (const ctrl of h.name.split(',')) {
        const next = p.label('next link');
        p.sys('symlinkat', [p.str(h.name), fd, p.str(ctrl)], { msg: `symlink ${m.destination}/${ctrl}`, unless: { errno: EEXIST, goto: next } });
        p.bind(next);
      }
      close(ctx, fd);
    }
  }
  if (m.flags & C.MS_RDONLY) {
    openInRoot(ctx, root, m.destination, fd, { strict: true });
    p.sys('mount', [0, fdPath(ctx, fd), 0, C.MS_REMOUNT | flags, p.str('mode=755')], { msg: `mount remount ${m.destination} read-only` });
    close(ctx, fd);
  }
}

/** Returns where the mount went in the rootfs: its destination, after the image's symlinks. */
function mountOne(ctx: Ctx, root: Reg, m: InitMount, index: number, input: RootfsInput, mounts: MountInfo[], earlier: string[]): string {
  const { p } = ctx;
  const why = `mounts[${index}]`;
  p.section(`mounts[${index}]: ${m.type ?? (m.bind ? 'bind' : 'none')} on ${m.destination}`);
  if (m.type === 'cgroup') {
    mountCgroup(ctx, root, m, input, mounts, why);
    return m.destination;
  }
  const fileTarget = m.bind && m.source !== null && !isDirectory(m.source);
  const strict = strictDestination(m);
  const dest = strict ? m.destination : resolveInImage(input.cfg.rootfs, m.destination, earlier);
  const fd = p.reg(`${m.destination}`);
  ensureInRoot(ctx, root, dest, fileTarget ? 'file' : 'dir', fd, { strict });
  const label = `${m.source ?? m.type ?? 'none'} on ${m.destination}`;
  // tmpcopyup: this fd still reaches the covered directory once the tmpfs is on top.
  const covered = m.copyUp ? p.reg(`covered ${m.destination}`) : null;
  if (covered) p.sys('openat', [fd, p.str('.'), C.O_PATH | C.O_DIRECTORY | C.O_CLOEXEC], { dst: covered, msg: `open ${m.destination} in the rootfs`, why: `${why}: tmpcopyup` });
  const idmapped = input.idmapped.get(index);
  if (idmapped) {
    p.sys('move_mount', [idmapped, p.str(''), fd, p.str(''), C.MOVE_MOUNT_F_EMPTY_PATH | C.MOVE_MOUNT_T_EMPTY_PATH],
      { msg: `move_mount idmapped ${m.source} on ${m.destination}`, why: `${why}: idmapped (made by the runtime)` });
    close(ctx, idmapped);
  } else if (m.bind) {
    if (m.source === null || !existsSync(m.source)) {
      p.fail(`mount bind ${m.source ?? '(no source)'} on ${m.destination}`, ENOENT, 0, 0, 0, `${why}: the source does not exist`);
    } else {
      p.sys('mount', [p.str(m.source), fdPath(ctx, fd), 0, C.MS_BIND | (m.flags & C.MS_REC), 0], { msg: `mount bind ${label}`, why });
    }
  } else {
    p.sys('mount', [p.str(m.source ?? m.type ?? 'none'), fdPath(ctx, fd), m.type ? p.str(m.type) : 0, m.flags & ~C.MS_REMOUNT, m.data ? p.str(m.data) : 0],
      { msg: `mount ${label}`, why });
  }
  close(ctx, fd);
  // A bind mount takes its other flags only from a remount of the new mount.
  const extra = m.flags & ~(C.MS_BIND | C.MS_REC | C.MS_REMOUNT);
  const isProc = m.type === 'proc' && !m.bind;
  if (!isProc && !covered && !(m.bind && extra) && !m.propagation.length) return dest;
  // What is mounted now, opened once as the mount was: the same path, as strictly.
  const t = p.reg(`${m.destination} (mounted)`);
  openInRoot(ctx, root, dest, t, { strict });
  if (isProc) {
    // What is at the destination now must be the procfs just mounted.
    const statfs = p.buf(120, 'struct statfs');
    p.sys('fstatfs', [t, statfs], { msg: `fstatfs ${m.destination}` });
    const type = p.reg('f_type');
    p.load(type, statfs, 8, 0);
    const ok = p.label('procfs');
    p.jeq(type, C.PROC_SUPER_MAGIC, ok, `${why}: procfs, checked to be there`);
    p.fail(`mount proc on ${m.destination}: what is there afterwards is not procfs`);
    p.bind(ok);
  }
  if (covered) {
    request(ctx, Request.CopyUp, { fds: [covered, t], arg: index, ack: true, why: `${why}: tmpcopyup, copied by the runtime` });
    close(ctx, covered);
  }
  if (m.bind && extra) {
    p.sys('mount', [0, fdPath(ctx, t), 0, C.MS_BIND | C.MS_REMOUNT | extra, 0], { msg: `mount remount ${m.destination}`, why: `${why}: options of a bind mount` });
  }
  for (const flag of m.propagation) {
    p.sys('mount', [0, fdPath(ctx, t), 0, flag, 0], { msg: `mount propagation of ${m.destination}`, why: `${why}: propagation` });
  }
  close(ctx, t);
  return dest;
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

export function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major);
  const mi = BigInt(minor);
  return ((ma & 0xfffn) << 8n) | ((ma & ~0xfffn) << 32n) | (mi & 0xffn) | ((mi & ~0xffn) << 12n);
}

/**
 * Fails with `message` unless the file type in `type` is `want` and (for a
 * device) st_rdev in the stat buffer is `rdev`. {node} in the message is
 * what was found there (the record's value: st_rdev, the type in the top
 * bits). The refusal is out of line.
 */
export function checkNode(ctx: Ctx, type: Reg, stat: Ref, want: number, rdev: bigint | null, message: string): void {
  const { p } = ctx;
  const bad = p.label('wrong node');
  p.jne(type, want, bad);
  if (rdev !== null) {
    const dev = p.reg('st_rdev');
    p.load(dev, stat, 8, STAT_RDEV);
    p.jne(dev, rdev, bad);
  }
  p.later(() => {
    p.bind(bad);
    const found = p.reg('found');
    const t = p.reg('found type');
    p.load(found, stat, 8, STAT_RDEV);
    p.alu(t, AluOp.Shl, type, 48);
    p.alu(found, AluOp.Or, found, t);
    p.fail(message, 0, found);
  });
}

/** dst = an O_PATH fd of d.path in the rootfs, opened through no symlink and checked to be the device d describes. */
export function openDevice(ctx: Ctx, root: Reg, d: Device, dst: Reg, stat: Ref): void {
  openInRoot(ctx, root, d.path, dst, { strict: true });
  const type = ctx.p.reg('file type');
  fileType(ctx, dst, stat, type, d.path);
  checkNode(ctx, type, stat, DEVICE_TYPES[d.type], d.type === 'p' ? null : makedev(d.major ?? 0, d.minor ?? 0),
    `device ${d.path}: the rootfs has {node} there, not the ${d.type === 'p' ? 'fifo' : `device ${d.major ?? 0}:${d.minor ?? 0}`} (refused)`);
}

/**
 * A device node in the rootfs. Outside a user namespace: mknod, then the
 * spec's owner and mode (mknod honours the umask); a node the image
 * already has is used only if it is that very device. In a user namespace
 * mknod is not allowed: the host's node is bound over an empty file, as
 * runc does.
 */
function createDevice(ctx: Ctx, root: Reg, dirFd: Reg, d: Device, why: string, userns: boolean): void {
  const { p } = ctx;
  const name = d.path.slice(d.path.lastIndexOf('/') + 1);
  if (userns && d.type !== 'p') {
    const file = p.reg(d.path);
    ensureInRoot(ctx, root, d.path, 'file', file, { strict: IN_KERNEL_DIRS.test(d.path) });
    p.sys('mount', [p.str(d.path), fdPath(ctx, file), 0, C.MS_BIND, 0], { msg: `mount bind ${d.path} on ${d.path}`, why: `${why}: bound from the host (no mknod in a user namespace)` });
    close(ctx, file);
    return;
  }
  const exists = p.label(`${d.path} exists`);
  const done = p.label(`${d.path} done`);
  const mode = DEVICE_TYPES[d.type] | ((d.fileMode ?? 0o666) & 0o7777);
  p.sys('mknodat', [dirFd, p.str(name), mode, makedev(d.major ?? 0, d.minor ?? 0)], { msg: `mknod ${d.path}`, why, unless: { errno: EEXIST, goto: exists } });
  p.sys('fchownat', [dirFd, p.str(name), d.uid ?? 0, d.gid ?? 0, C.AT_SYMLINK_NOFOLLOW], { msg: `lchown ${d.path}` });
  p.sys('fchmodat', [dirFd, p.str(name), (d.fileMode ?? 0o666) & 0o7777], { msg: `chmod ${d.path}` });
  p.bind(done);
  p.later(() => {
    p.bind(exists);
    const fd = p.reg(`existing ${d.path}`);
    openDevice(ctx, root, d, fd, p.buf(STAT_SIZE, 'struct stat'));
    close(ctx, fd);
    p.jump(done);
  });
}

function setupDev(ctx: Ctx, root: Reg, cfg: InitConfig): void {
  const { p } = ctx;
  p.section('/dev: devices and links');
  const devBound = cfg.mounts.some((m) => m.destination.replace(/\/+$/, '') === '/dev' && m.bind);
  const wanted: [Device, string][] = [];
  if (!devBound) {
    const userPaths = new Set(cfg.devices.map((d) => d.path));
    for (const d of DEFAULT_DEVICES) if (!userPaths.has(d.path)) wanted.push([d, 'default device (runtime-spec)']);
  }
  cfg.devices.forEach((d, i) => wanted.push([d, `linux.devices[${i}]`]));
  // One open of each directory, for the devices in it.
  const dirOf = (d: Device) => d.path.slice(0, d.path.lastIndexOf('/')) || '/';
  for (const dir of [...new Set(wanted.map(([d]) => dirOf(d)))]) {
    const dirFd = p.reg(dir);
    // In /dev (the usual place) through no symlink, as mounts there.
    ensureInRoot(ctx, root, dir, 'dir', dirFd, { strict: IN_KERNEL_DIRS.test(dir) });
    for (const [d, why] of wanted.filter(([x]) => dirOf(x) === dir)) createDevice(ctx, root, dirFd, d, why, cfg.userns);
    close(ctx, dirFd);
  }
  const links: [string, string][] = [
    ['/proc/self/fd', 'fd'], ['/proc/self/fd/0', 'stdin'], ['/proc/self/fd/1', 'stdout'], ['/proc/self/fd/2', 'stderr'],
  ];
  if (existsSync('/proc/kcore')) links.push(['/proc/kcore', 'core']);
  if (cfg.mounts.some((m) => m.destination.replace(/\/+$/, '') === '/dev/pts')) links.push(['pts/ptmx', 'ptmx']);
  const dev = p.reg('/dev');
  ensureInRoot(ctx, root, '/dev', 'dir', dev, { strict: true });
  for (const [target, name] of links) {
    const next = p.label('next link');
    p.sys('symlinkat', [p.str(target), dev, p.str(name)], { msg: `symlink /dev/${name} -> ${target}`, why: 'default /dev link (runtime-spec)', unless: { errno: EEXIST, goto: next } });
    p.bind(next);
  }
  close(ctx, dev);
}

/** runc creates a missing cwd, before the root can turn read-only. */
function ensureCwd(ctx: Ctx, cfg: InitConfig, root: Reg): void {
  if (!cfg.process) return;
  const fd = ctx.p.reg('cwd');
  ensureInRoot(ctx, root, cfg.process.cwd, 'dir', fd, { msg: `mkdir cwd ${cfg.process.cwd}` });
  close(ctx, fd);
}

export interface RootfsHooks {
  /** prestart, createRuntime and createContainer hooks, before the root switch. */
  beforePivot(): void;
}

/** Everything up to and including the switch into the rootfs. */
export function prepareRootfs(ctx: Ctx, input: RootfsInput, hooks: RootfsHooks): void {
  const { p } = ctx;
  const { cfg } = input;
  const root = p.reg('rootfs');
  if (!cfg.mountNs) {
    // The runtime's mount namespace: nothing is mounted (validation saw to
    // it); the init chroots into the rootfs later (enterRootWithoutMountNs).
    p.section('rootfs (no mount namespace: chroot later)');
    p.sys('openat', [AT_FDCWD, p.str(cfg.rootfs), C.O_PATH | C.O_DIRECTORY | C.O_CLOEXEC], { dst: root, msg: `open ${cfg.rootfs}`, why: 'root.path' });
    ensureCwd(ctx, cfg, root);
    close(ctx, root);
    hooks.beforePivot();
    return;
  }
  p.section('rootfs: propagation and the rootfs bind');
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
  p.sys('mount', [0, p.str('/'), 0, C.MS_REC | initial, 0], { msg: 'mount propagation of /', why: 'linux.rootfsPropagation, or slave: nothing reaches the host' });
  // The host's mount table, as the init's copy of it is: the same mounts,
  // all shared after a shared root propagation, none after slave or private.
  const mounts = mountinfo();
  // pivot_root refuses a new root whose parent mount is shared.
  const parent = mountHolding(cfg.rootfs, mounts);
  if (parent && initial === C.MS_SHARED) {
    p.sys('mount', [0, p.str(parent.mountPoint), 0, C.MS_PRIVATE, 0], { msg: `mount propagation of ${parent.mountPoint}`, why: 'pivot_root refuses a root whose parent mount is shared' });
  }
  p.sys('mount', [p.str(cfg.rootfs), p.str(cfg.rootfs), 0, C.MS_BIND | C.MS_REC, 0], { msg: `mount bind rootfs ${cfg.rootfs}`, why: 'root.path: a mount of its own, to pivot to' });
  p.sys('openat', [AT_FDCWD, p.str(cfg.rootfs), C.O_PATH | C.O_DIRECTORY | C.O_CLOEXEC], { dst: root, msg: `open ${cfg.rootfs}` });
  const earlier: string[] = [];
  cfg.mounts.forEach((m, i) => {
    const at = mountOne(ctx, root, m, i, input, mounts, earlier);
    earlier.push(at.replace(/\/+$/, '') || '/');
  });
  setupDev(ctx, root, cfg);
  ensureCwd(ctx, cfg, root);
  close(ctx, root);
  hooks.beforePivot();
  p.section(cfg.noPivot ? 'the root switch (--no-pivot: move and chroot)' : 'the root switch: pivot_root');
  if (cfg.noPivot) {
    p.sys('chdir', [p.str(cfg.rootfs)], { msg: `chdir ${cfg.rootfs}` });
    p.sys('mount', [p.str(cfg.rootfs), p.str('/'), 0, C.MS_MOVE, 0], { msg: `mount move ${cfg.rootfs} to /` });
    p.sys('chroot', [p.str('.')], { msg: 'chroot .' });
    p.sys('chdir', [p.str('/')], { msg: 'chdir /' });
  } else {
    const oldRoot = p.reg('old root');
    p.sys('openat', [AT_FDCWD, p.str('/'), C.O_DIRECTORY | C.O_RDONLY | C.O_CLOEXEC], { dst: oldRoot, msg: 'open /' });
    p.sys('chdir', [p.str(cfg.rootfs)], { msg: `chdir ${cfg.rootfs}` });
    p.sys('pivot_root', [p.str('.'), p.str('.')], { msg: `pivot_root ${cfg.rootfs}` });
    // The old root is now stacked on "."; detach it without letting the
    // unmount propagate back to the host.
    p.sys('fchdir', [oldRoot], { msg: 'fchdir old root' });
    p.sys('mount', [0, p.str('.'), 0, C.MS_SLAVE | C.MS_REC, 0], { msg: 'mount propagation of the old root' });
    p.sys('umount2', [p.str('.'), C.MNT_DETACH], { msg: 'umount2 the old root' });
    p.sys('chdir', [p.str('/')], { msg: 'chdir /' });
    close(ctx, oldRoot);
  }
  p.sys('mount', [0, p.str('/'), 0, requested, 0], { msg: 'mount propagation of /', why: 'linux.rootfsPropagation' });
}

/** Without a mount namespace of its own, the container's root is its rootfs by chroot (as runc and crun do). */
export function enterRootWithoutMountNs(ctx: Ctx, cfg: InitConfig): void {
  ctx.p.sys('chroot', [ctx.p.str(cfg.rootfs)], { msg: `chroot ${cfg.rootfs}`, why: 'no mount namespace: the rootfs by chroot' });
  ctx.p.sys('chdir', [ctx.p.str('/')], { msg: 'chdir /' });
}

/**
 * After the switch: the read-only root, then the read-only and masked
 * paths, by fd only: each target is opened through no symlink (a symlink
 * is refused, a missing path skipped) and the mounts are made with
 * open_tree, fsmount and move_mount on fds, never through a path /proc or
 * the image could redirect. Files are masked with the container's
 * /dev/null, verified to be the null device.
 */
export function finalizeRootfs(ctx: Ctx, cfg: InitConfig): void {
  const { p } = ctx;
  if (cfg.readonly) {
    p.section('read-only root');
    p.sys('mount', [0, p.str('/'), 0, C.MS_BIND | C.MS_REMOUNT | C.MS_RDONLY, 0], { msg: 'mount remount / read-only', why: 'root.readonly' });
  }
  if (!cfg.readonlyPaths.length && !cfg.maskedPaths.length) return;
  p.section('read-only and masked paths');
  const root = p.reg('/');
  p.sys('openat', [AT_FDCWD, p.str('/'), C.O_PATH | C.O_DIRECTORY | C.O_CLOEXEC], { dst: root, msg: 'open /' });
  const fd = p.reg('path');
  const each = (paths: string[], what: string, field: string, routine: Label) => paths.forEach((path, i) => {
    const skip = p.label(`${path} missing`);
    openInRoot(ctx, root, path, fd, { strict: true, missing: skip, what });
    p.mov(A0, fd);
    p.mov(A1, p.str(path));
    p.call(routine, `${field}[${i}]`);
    close(ctx, fd);
    p.bind(skip);
  });
  if (cfg.readonlyPaths.length) {
    const attr = p.slots([C.MOUNT_ATTR_RDONLY, 0, 0, 0], 'mount_attr{MOUNT_ATTR_RDONLY}');
    const routine = p.subroutine('make_read_only', () => {
      // a0: the path's fd; a1: its name, for messages (an argument the kernel ignores).
      const mnt = p.reg('read-only bind');
      p.sys('open_tree', [A0, p.str(''), C.OPEN_TREE_CLONE | C.O_CLOEXEC | C.AT_EMPTY_PATH | C.AT_RECURSIVE, A1], { dst: mnt, msg: 'open_tree read-only {text}', textArg: 3 });
      p.sys('mount_setattr', [mnt, p.str(''), C.AT_EMPTY_PATH | C.AT_RECURSIVE, attr, 32, A1], { msg: 'mount_setattr read-only {text}', textArg: 5 });
      p.sys('move_mount', [mnt, p.str(''), A0, p.str(''), C.MOVE_MOUNT_F_EMPTY_PATH | C.MOVE_MOUNT_T_EMPTY_PATH, A1], { msg: 'move_mount read-only {text}', textArg: 5 });
      p.sys('close', [mnt]);
      p.ret();
    });
    each(cfg.readonlyPaths, 'read-only path', 'linux.readonlyPaths', routine);
  }
  if (cfg.maskedPaths.length) {
    const nullDev = p.reg('/dev/null');
    p.mov(nullDev, -1);
    const routine = p.subroutine('mask', () => {
      // a0: the path's fd; a1: its name. A directory goes under an empty
      // read-only tmpfs, a file under the container's /dev/null.
      const stat = p.buf(STAT_SIZE, 'struct stat');
      const type = p.reg('file type');
      const fs = p.reg('fs context');
      const mnt = p.reg('mask');
      const file = p.label('a file');
      const verified = p.label('/dev/null verified');
      p.sys('fstat', [A0, stat, 0, A1], { msg: 'fstat {text}', textArg: 3 });
      p.load(type, stat, 4, STAT_MODE);
      p.alu(type, AluOp.And, type, C.S_IFMT);
      p.jne(type, C.S_IFDIR, file);
      p.sys('fsopen', [p.str('tmpfs'), C.FSOPEN_CLOEXEC, A1], { dst: fs, msg: 'fsopen tmpfs to mask {text}', textArg: 2 });
      // The source a mount(2) of it would show (runc masks with "tmpfs").
      p.sys('fsconfig', [fs, C.FSCONFIG_SET_STRING, p.str('source'), p.str('tmpfs'), 0, A1], { msg: 'fsconfig tmpfs source to mask {text}', textArg: 5 });
      p.sys('fsconfig', [fs, C.FSCONFIG_CMD_CREATE, 0, 0, 0, A1], { msg: 'fsconfig tmpfs create to mask {text}', textArg: 5 });
      p.sys('fsmount', [fs, C.FSMOUNT_CLOEXEC, C.MOUNT_ATTR_RDONLY, A1], { dst: mnt, msg: 'fsmount mask {text}', textArg: 3 });
      p.sys('close', [fs]);
      p.sys('move_mount', [mnt, p.str(''), A0, p.str(''), C.MOVE_MOUNT_F_EMPTY_PATH | C.MOVE_MOUNT_T_EMPTY_PATH, A1], { msg: 'move_mount mask {text}', textArg: 5 });
      p.sys('close', [mnt]);
      p.ret();
      p.bind(file);
      p.jne(nullDev, -1, verified);
      openDevice(ctx, root, { path: '/dev/null', type: 'c', major: 1, minor: 3 }, nullDev, stat);
      p.bind(verified);
      p.sys('open_tree', [nullDev, p.str(''), C.OPEN_TREE_CLONE | C.O_CLOEXEC | C.AT_EMPTY_PATH, A1], { dst: mnt, msg: 'open_tree mask {text} with /dev/null', textArg: 3 });
      p.sys('move_mount', [mnt, p.str(''), A0, p.str(''), C.MOVE_MOUNT_F_EMPTY_PATH | C.MOVE_MOUNT_T_EMPTY_PATH, A1], { msg: 'move_mount mask {text} with /dev/null', textArg: 5 });
      p.sys('close', [mnt]);
      p.ret();
    });
    each(cfg.maskedPaths, 'masked path', 'linux.maskedPaths', routine);
    const unused = p.label('/dev/null not opened');
    p.jeq(nullDev, -1, unused);
    close(ctx, nullDev);
    p.bind(unused);
  }
  close(ctx, root);
}
