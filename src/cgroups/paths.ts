// Where a container's cgroup goes: linux.cgroupsPath (cgroupfs form or
// systemd's "slice:prefix:name"), the default, and the cgroup of the runtime
// process that relative paths hang from.
import fs = require('node:fs');
import path = require('node:path');
import { mountinfo, type MountInfo } from '../linux/proc';
import { CgroupError } from './fs';

/** runc's prefix for a systemd scope when cgroupsPath is absent is "runc"; tsrun uses its own name. */
export const DEFAULT_SCOPE_PREFIX = 'tsrun';
export const DEFAULT_SLICE = 'system.slice';

export interface InnerPath {
  /** The cgroup path: absolute ("/a/b") or relative ("id"). */
  path: string;
  /** Relative paths hang from the cgroup of the runtime process (per hierarchy on v1). */
  relative: boolean;
}

/**
 * runc's CleanPath: an absolute path is normalized; a relative one is
 * normalized as if rooted, so ".." cannot climb out of the parent.
 */
export function cleanPath(p: string): string {
  if (p === '') return '';
  if (path.posix.isAbsolute(p)) return path.posix.normalize(p).replace(/(.)\/+$/, '$1');
  const rooted = path.posix.normalize('/' + p).replace(/(.)\/+$/, '$1');
  return rooted === '/' ? '' : rooted.slice(1);
}

/**
 * systemd's slice naming: "a-b-c.slice" lives at /a.slice/a-b.slice/a-b-c.slice
 * and "-.slice" is the root.
 */
export function expandSlice(slice: string): string {
  const suffix = '.slice';
  if (slice.length <= suffix.length || !slice.endsWith(suffix) || slice.includes('/')) {
    throw new CgroupError(`invalid slice name: ${slice}`);
  }
  const name = slice.slice(0, -suffix.length);
  if (name === '-') return '/';
  let out = '';
  let prefix = '';
  for (const part of name.split('-')) {
    if (part === '') throw new CgroupError(`invalid slice name: ${slice}`);
    out += `/${prefix}${part}${suffix}`;
    prefix += `${part}-`;
  }
  return out;
}

/**
 * "slice:prefix:name" on cgroupfs, as runc's systemd driver lays it out:
 * <expanded slice>/<prefix>-<name>.scope, or <expanded slice>/<name> when
 * name is itself a slice. An empty slice is system.slice; an absent
 * cgroupsPath is system.slice:tsrun:<id>.
 */
export function systemdPath(cgroupsPath: string | undefined, id: string): string {
  let slice = DEFAULT_SLICE;
  let prefix = DEFAULT_SCOPE_PREFIX;
  let name = id;
  if (cgroupsPath) {
    const parts = cgroupsPath.split(':');
    if (parts.length !== 3 || parts[2] === '') {
      throw new CgroupError(`expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "${cgroupsPath}" instead`);
    }
    [slice, prefix, name] = parts;
    if (slice === '') slice = DEFAULT_SLICE;
  }
  if (name.includes('/') || name === '.' || name === '..') {
    throw new CgroupError(`invalid systemd unit name in cgroupsPath "${cgroupsPath}": ${name}`);
  }
  const unit = name.endsWith('.slice') ? name : prefix ? `${prefix}-${name}.scope` : `${name}.scope`;
  return path.posix.join(expandSlice(slice), unit);
}

/**
 * The container's cgroup path. Absolute cgroupsPath: as is (relative to each
 * hierarchy root). Relative: below the runtime's own cgroup. Absent: runc's
 * default, the container id as a relative path, i.e. "<own cgroup>/<id>"
 * ("/<id>" for a runtime started from the root cgroup).
 */
export function innerPath(opts: { id: string; cgroupsPath?: string; systemd: boolean }): InnerPath {
  if (opts.systemd) return { path: systemdPath(opts.cgroupsPath, opts.id), relative: false };
  const p = cleanPath(opts.cgroupsPath ?? '') || cleanPath(opts.id);
  if (p === '' || p === '/') throw new CgroupError(`invalid cgroup path "${opts.cgroupsPath ?? opts.id}"`);
  return { path: p, relative: !p.startsWith('/') };
}

/**
 * /proc/<pid>/cgroup as a map: each v1 controller (and "name=systemd") to its
 * path, and "" to the cgroup2 path.
 */
export function parseProcCgroup(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) throw new CgroupError(`invalid cgroup entry: must contain at least two colons: ${line}`);
    const controllers = line.slice(first + 1, second);
    const p = line.slice(second + 1);
    for (const c of controllers.split(',')) out.set(c, p);
  }
  return out;
}

export function ownCgroups(): Map<string, string> {
  return parseProcCgroup(fs.readFileSync('/proc/self/cgroup', 'utf8'));
}

/** The root of each cgroup mount (mountinfo field 4), by mount point. */
export function cgroupMountRoots(): Map<string, string> {
  const out = new Map<string, string>();
  let mounts: MountInfo[];
  try {
    mounts = mountinfo();
  } catch {
    return out;
  }
  for (const m of mounts) if (m.fstype === 'cgroup' || m.fstype === 'cgroup2') out.set(m.mountPoint, m.root);
  return out;
}

/**
 * The path of a cgroup of this process relative to a mount: its
 * /proc/self/cgroup path minus the mount's root (non-"/" when the mount is a
 * bind of a subtree).
 */
export function relativeToMount(own: string, mountRoot: string): string {
  if (mountRoot === '/' || mountRoot === '') return own;
  const rel = path.posix.relative(mountRoot, own);
  return rel.startsWith('..') ? own : '/' + rel;
}

/** Joins a cgroup path below a hierarchy mount, refusing anything that climbs out. */
export function joinUnder(mount: string, ...parts: string[]): string {
  const dir = path.join(mount, ...parts);
  if (dir !== mount && !dir.startsWith(mount.endsWith('/') ? mount : mount + '/')) {
    throw new CgroupError(`cgroup path ${path.posix.join(...parts)} is outside ${mount}`);
  }
  return dir;
}
