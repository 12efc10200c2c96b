// The container's cgroup as the CLI operations see it: the manager built at
// create (its path recorded in state.json) and loaded again later, and the
// freezer probe `state` reads without loading the cgroup library.
import type { CgroupManager } from '../cgroups';
import type { StoredState } from '../state/store';

export interface StoredCgroup {
  /** The manager's path(), for loadCgroupManager. */
  path: string;
  cgroupsPath?: string;
  systemd: boolean;
  /** Its directories, one per hierarchy: what delete removes when the cgroup is empty. */
  dirs?: string[];
  /** The file telling whether the cgroup is frozen, and the text that says it is. */
  freezer?: { file: string; frozen: string };
}

export function newCgroup(id: string, cgroupsPath: string | undefined, systemd: boolean): CgroupManager {
  const { cgroupManager } = require('../cgroups') as typeof import('../cgroups');
  return cgroupManager({ id, cgroupsPath, systemd });
}

export function recordCgroup(m: CgroupManager, cgroupsPath: string | undefined, systemd: boolean): StoredCgroup {
  const paths = m.paths();
  const freezer = m.version === 1
    ? paths.freezer ? { file: `${paths.freezer}/freezer.state`, frozen: 'FROZEN' } : undefined
    : paths[''] ? { file: `${paths['']}/cgroup.events`, frozen: 'frozen 1' } : undefined;
  return { path: m.path(), cgroupsPath, systemd, dirs: [...new Set(Object.values(paths))], freezer };
}

/** Kills what is left in the cgroup (a hook's process, a shared pid namespace), then removes it. */
export function destroyCgroup(m: CgroupManager): void {
  if (m.pids().length) m.signalAll(9);
  m.remove();
}

/** The container's cgroup manager, or null when it has none (not managed). */
export function loadCgroup(state: StoredState): CgroupManager | null {
  if (!state.cgroup) return null;
  const { loadCgroupManager } = require('../cgroups') as typeof import('../cgroups');
  const m = loadCgroupManager({ id: state.id, cgroupsPath: state.cgroup.cgroupsPath, systemd: state.cgroup.systemd, path: state.cgroup.path });
  return m.enabled ? m : null;
}
