// Resolving paths inside the container's rootfs without ever leaving it:
// openat2(RESOLVE_IN_ROOT) treats the rootfs as "/" for every symlink and
// "..", so a destination like /etc/evil -> /host stays under the rootfs.
// Callers get O_PATH fds and act on /proc/self/fd/N, never on a path that
// could be swapped between the check and the use.
import { closeSync, openSync, readlinkSync } from 'node:fs';
import { posix } from 'node:path';
import * as C from '../linux/constants';
import { rethrowAs, SyscallError } from '../linux/errors';
import type { Syscalls } from '../linux/syscalls';

export const fdPath = (fd: number): string => `/proc/self/fd/${fd}`;

const RESOLVE = C.RESOLVE_IN_ROOT | C.RESOLVE_NO_MAGICLINKS;
// For the paths the runtime itself relies on (where procfs, sysfs and
// devpts go, /dev/null and /dev/console, masked and read-only paths): no
// symlink at all, so that an image cannot steer them anywhere.
const STRICT = C.RESOLVE_IN_ROOT | C.RESOLVE_NO_SYMLINKS;

/** The refusal of a path that goes through a symlink where the runtime follows none. */
export class SymlinkRefused extends Error {
  constructor(readonly path: string, what: string) {
    super(`${what}: ${path} in the container is, or goes through, a symbolic link: refused (tsrun follows none there)`);
    this.name = 'SymlinkRefused';
  }
}

/** Opens `path` (absolute, as seen in the container) under rootFd as O_PATH; `strict`: through no symlink. */
export function openInRoot(sys: Syscalls, rootFd: number, path: string, strict = false): number {
  const rel = path.split('/').filter(Boolean).join('/') || '.';
  try {
    return sys.openat2(rootFd, rel, C.O_PATH | C.O_CLOEXEC, 0, strict ? STRICT : RESOLVE);
  } catch (e) {
    if (strict && e instanceof SyscallError && e.code === 'ELOOP') throw new SymlinkRefused(path, `open ${path}`);
    rethrowAs(e, 'open', `${path} in the rootfs`);
  }
}

/**
 * Opens `path` under rootFd, creating what is missing: directories along
 * the way, and the last component as a directory or an empty file.
 */
export function ensureInRoot(sys: Syscalls, rootFd: number, path: string, last: 'dir' | 'file', depth = 0, strict = false): number {
  try {
    return openInRoot(sys, rootFd, path, strict);
  } catch (err) {
    if (!(err instanceof SyscallError) || err.code !== 'ENOENT') throw err;
  }
  const parts = path.split('/').filter(Boolean);
  let parent = openInRoot(sys, rootFd, '/');
  try {
    for (let i = 0; i < parts.length; i++) {
      const sofar = '/' + parts.slice(0, i + 1).join('/');
      let fd: number;
      try {
        fd = openInRoot(sys, rootFd, sofar, strict);
      } catch (err) {
        if (!(err instanceof SyscallError) || err.code !== 'ENOENT') throw err;
        // A dangling symlink: create what it points to, inside the root.
        let target: string | null = null;
        try { target = readlinkSync(`${fdPath(parent)}/${parts[i]}`); } catch { /* not a symlink */ }
        if (target !== null && strict) throw new SymlinkRefused(sofar, `open ${path}`);
        if (target !== null) {
          if (depth >= 40) throw new SyscallError('mkdir', path, 40 /* ELOOP */);
          const base = target.startsWith('/') ? target : posix.join('/' + parts.slice(0, i).join('/'), target);
          closeSync(parent);
          parent = -1;
          return ensureInRoot(sys, rootFd, posix.normalize(`${base}/${parts.slice(i + 1).join('/')}`), last, depth + 1, strict);
        }
        // Another process may create the same entry between our open and
        // our mkdir (containers sharing one rootfs, as runc allows): EEXIST
        // then means it is there, and the open below resolves it safely.
        const isLast = i === parts.length - 1;
        try {
          if (isLast && last === 'file') {
            closeSync(sys.openat2(parent, parts[i], C.O_CREAT | C.O_EXCL | C.O_WRONLY | C.O_CLOEXEC, 0o644,
              C.RESOLVE_BENEATH | C.RESOLVE_NO_SYMLINKS));
          } else {
            sys.mkdirat(parent, parts[i], 0o755);
          }
        } catch (e) {
          if (!(e instanceof SyscallError && e.code === 'EEXIST')) rethrowAs(e, isLast && last === 'file' ? 'create' : 'mkdir', sofar);
        }
        fd = openInRoot(sys, rootFd, sofar, strict);
      }
      closeSync(parent);
      parent = fd;
    }
    return parent;
  } catch (err) {
    if (parent >= 0) closeSync(parent);
    throw err;
  }
}

/** Joins the namespace at path (a /proc/PID/ns link or a bind of one). */
export function joinNamespace(sys: Syscalls, path: string, flag: number, what: string): void {
  const fd = openSync(path, C.O_RDONLY | C.O_CLOEXEC);
  try {
    // setns(CLONE_NEWNS) refuses a thread that shares its fs_struct.
    if (flag === C.CLONE_NEWNS) sys.unshare(C.CLONE_FS);
    sys.setns(fd, flag, what);
  } finally {
    closeSync(fd);
  }
}
