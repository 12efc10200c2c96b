// tsrun's cgroup library: layout detection, where a container's cgroup goes,
// and the factory picking the v1 or v2 manager.
//
// Paths. An absolute linux.cgroupsPath is used as is below each hierarchy
// root. A relative one hangs from the runtime's own cgroup, as with runc: on
// v1 from its cgroup in each hierarchy (/proc/self/cgroup, minus the mount's
// root), on v2 from the parent of its cgroup. With no cgroupsPath, runc's
// default is the container id as a relative path: "<own cgroup>/<id>", which
// is "/<id>" for a runtime started in the root cgroup. With --systemd-cgroup,
// "slice:prefix:name" is laid out on cgroupfs as systemd would
// (paths.ts: systemdPath); tsrun does not talk to systemd over D-Bus.
import fs = require('node:fs');
import path = require('node:path');
import { CgroupError } from './fs';
import { cgroupMountRoots, innerPath, joinUnder, ownCgroups, parseProcCgroup, relativeToMount, type InnerPath } from './paths';
import type { DeviceFilterLoader } from './v2/devices';
import type { CgroupManager, CgroupOptions } from './types';

export type { CgroupManager, CgroupOptions, LinuxResources, Stats, U64 } from './types';
export { CgroupError } from './fs';

export const DEFAULT_ROOT = '/sys/fs/cgroup';

/** Host facts a manager is built from; each defaults to this process's (tests inject them). */
export interface ManagerEnv {
  /** /proc/self/cgroup text (or parsed). */
  ownCgroups?: string | Map<string, string>;
  /** cgroup mount point -> root of the mount (mountinfo field 4). */
  mountRoots?: Map<string, string>;
  /** May manage any cgroup (root in the initial user namespace). */
  privileged?: boolean;
  /** v2 device filter installer (default: bpf(2)). */
  deviceLoader?: DeviceFilterLoader;
}

/** 'unified' (cgroup2 only), 'hybrid' (v1 plus a cgroup2 at <root>/unified) or 'legacy' (v1). */
export function detectLayout(root = DEFAULT_ROOT): 'unified' | 'legacy' | 'hybrid' {
  if (fs.existsSync(path.join(root, 'cgroup.controllers'))) return 'unified';
  if (fs.existsSync(path.join(root, 'unified', 'cgroup.controllers'))) return 'hybrid';
  return 'legacy';
}

/** The mount point of a v1 hierarchy under root (name=systemd lives in "systemd"). */
function v1Mount(root: string, hierarchy: string): string {
  return path.join(root, hierarchy === 'name=systemd' ? 'systemd' : hierarchy);
}

/**
 * Root of the init user namespace with a full identity map: may manage any
 * cgroup. Otherwise (rootless, or root in a user namespace) only a
 * delegated, writable v2 subtree.
 */
function privileged(): boolean {
  if (process.geteuid?.() !== 0) return false;
  try {
    return fs.readFileSync('/proc/self/uid_map', 'utf8').trim().split(/\s+/).join(' ') === '0 0 4294967295';
  } catch {
    return true;
  }
}

function writableAncestor(dir: string): boolean {
  for (let d = dir; ; d = path.dirname(d)) {
    if (fs.existsSync(d)) {
      try {
        fs.accessSync(d, fs.constants.W_OK);
        return true;
      } catch {
        return false;
      }
    }
    if (d === path.dirname(d)) return false;
  }
}

/** Where a relative path hangs from in one hierarchy: the runtime's own cgroup there. */
function ownBase(mount: string, key: string, own: Map<string, string>, roots: Map<string, string>): string {
  const mine = own.get(key);
  if (mine === undefined) return '/';
  let real = mount;
  try {
    real = fs.realpathSync(mount);
  } catch { /* keep */ }
  return relativeToMount(mine, roots.get(real) ?? roots.get(mount) ?? '/');
}

/**
 * A recorded path(): one inner path for every hierarchy, or a JSON map per
 * hierarchy (a hierarchy missing from the map is skipped).
 */
export function parseRecorded(recorded: string): (hierarchy: string) => string | undefined {
  if (!recorded.startsWith('{')) {
    if (!recorded.startsWith('/')) throw new CgroupError(`invalid recorded cgroup path "${recorded}": not absolute`);
    return () => recorded;
  }
  let map: Record<string, unknown>;
  try {
    map = JSON.parse(recorded) as Record<string, unknown>;
  } catch {
    throw new CgroupError(`invalid recorded cgroup path "${recorded}"`);
  }
  return (h) => {
    const p = map[h];
    if (p !== undefined && (typeof p !== 'string' || !p.startsWith('/'))) throw new CgroupError(`invalid recorded cgroup path ${JSON.stringify(p)} for ${h || 'cgroup2'}`);
    return p;
  };
}

/**
 * A manager for opts with the cgroup at `inner` (from innerPath, or from a
 * recorded path). cgroupManager and loadCgroupManager are this with the
 * host's own facts; tests pass env.
 */
export function buildManager(opts: CgroupOptions, inner: InnerPath | ((h: string) => string | undefined), env: ManagerEnv = {}): CgroupManager {
  const root = opts.root ?? DEFAULT_ROOT;
  const layout = detectLayout(root);
  let own: Map<string, string> | undefined;
  let roots: Map<string, string> | undefined;
  /** The cgroup path in one hierarchy (key: v1 controller, or "" for cgroup2). */
  const resolve = (mount: string, key: string): string | undefined => {
    if (typeof inner === 'function') return inner(key);
    if (!inner.relative) return inner.path;
    own ??= typeof env.ownCgroups === 'string' ? parseProcCgroup(env.ownCgroups) : env.ownCgroups ?? ownCgroups();
    roots ??= env.mountRoots ?? cgroupMountRoots();
    let base = ownBase(mount, key, own, roots);
    // On v2 the runtime's own cgroup holds processes, so no controller could
    // be enabled below it: runc hangs relative paths from its parent.
    if (layout === 'unified') base = path.posix.dirname(base);
    return path.posix.join(base, inner.path);
  };
  const isPrivileged = env.privileged ?? privileged();

  if (layout === 'unified') {
    // Each manager loads only on the hosts that use it.
    const { V2Manager } = require('./v2/manager') as typeof import('./v2/manager');
    const p = resolve(root, '');
    if (p === undefined) throw new CgroupError('no cgroup v2 path recorded');
    const dir = joinUnder(root, p);
    return new V2Manager({ root, inner: p, dir, enabled: isPrivileged || writableAncestor(dir), rootless: !isPrivileged, deviceLoader: env.deviceLoader });
  }
  const { V1Manager, V1_HIERARCHIES } = require('./v1/manager') as typeof import('./v1/manager');
  const mounts: Record<string, string> = {};
  const inners: Record<string, string> = {};
  const add = (key: string, mount: string): void => {
    const p = resolve(mount, key);
    if (p === undefined) return;
    joinUnder(mount, p);
    mounts[key] = mount;
    inners[key] = p;
  };
  for (const h of V1_HIERARCHIES) {
    const mount = v1Mount(root, h);
    if (fs.existsSync(path.join(mount, 'cgroup.procs'))) add(h, mount);
  }
  if (layout === 'hybrid') add('', path.join(root, 'unified'));
  return new V1Manager({ mounts, inners, enabled: isPrivileged });
}

/** The v1 manager on legacy and hybrid hosts, the v2 manager on unified ones. */
export function cgroupManager(opts: CgroupOptions): CgroupManager {
  return buildManager(opts, innerPath(opts));
}

/** The manager of an existing container, from the path() recorded at create. */
export function loadCgroupManager(opts: CgroupOptions & { path: string }): CgroupManager {
  return buildManager(opts, parseRecorded(opts.path));
}

/**
 * JSON for a stats() object (or an event holding one): counters past 2^53
 * are bigints there, and are written as exact integers here.
 */
export function statsJSON(value: unknown, space?: number): string {
  const marker = '\u0000u64:';
  const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${marker}${v}` : v), space);
  return text.replace(/"\\u0000u64:(\d+)"/g, '$1');
}
