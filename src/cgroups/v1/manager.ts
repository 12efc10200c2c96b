// The cgroup v1 manager: one directory per mounted hierarchy (controllers,
// plus join-only ones such as name=systemd), and on a hybrid host one in the
// cgroup2 mount too, which also serves the controllers only cgroup2 has
// (hugetlb, rdma) when v1 lacks them.
import path = require('node:path');
import { CgroupError, exists, mkdirs, readPidsRecursive, removeCgroupDir, removeCreated, writeProc } from '../fs';
import { signalFrozen } from '../signal';
import { emptyStats } from '../types';
import type { ApplyContext, CgroupManager, LinuxResources, Resources, V1Controller, V2Controller } from '../types';
import { createCgroupV2, controllersOf } from '../v2/create';
import { hugetlb as hugetlbV2 } from '../v2/hugetlb';
import { rdma as rdmaV2 } from '../v2/rdma';
import { blkio } from './blkio';
import { cpu } from './cpu';
import { cpuacct } from './cpuacct';
import { cpuset } from './cpuset';
import { devices } from './devices';
import { freezeV1, freezer, isFrozenV1, thawV1 } from './freezer';
import { hugetlb } from './hugetlb';
import { memory } from './memory';
import { netCls } from './net_cls';
import { netPrio } from './net_prio';
import { pids } from './pids';
import { rdma } from './rdma';

/** runc's order: cpuset first (tasks cannot join without cpus/mems), devices early. */
export const V1_CONTROLLERS: readonly V1Controller[] = [cpuset, devices, memory, cpu, cpuacct, pids, blkio, hugetlb, netCls, netPrio, freezer, rdma];

/** Every v1 hierarchy tsrun creates a cgroup in, when mounted: the controllers and the join-only ones. */
export const V1_HIERARCHIES: readonly string[] = [...V1_CONTROLLERS.map((c) => c.hierarchy), 'perf_event', 'misc', 'name=systemd'];

/** Controllers a hybrid host may have on cgroup2 only. */
const V2_FALLBACKS: Record<string, V2Controller> = { hugetlb: hugetlbV2, rdma: rdmaV2 };

export const ERR_V1_UNIFIED = 'invalid configuration: cannot use unified on cgroup v1';

export interface V1Options {
  /** Per hierarchy ("memory", "name=systemd", ...; "" for the hybrid cgroup2): its mount point. */
  mounts: Record<string, string>;
  /** Per hierarchy: the cgroup path relative to the mount ("/a/b"). */
  inners: Record<string, string>;
  enabled: boolean;
}

export class V1Manager implements CgroupManager {
  readonly version = 1 as const;
  readonly enabled: boolean;
  private readonly mounts: Record<string, string>;
  private readonly inners: Record<string, string>;
  private readonly dirs: Record<string, string>;

  constructor(o: V1Options) {
    this.enabled = o.enabled;
    this.mounts = o.mounts;
    this.inners = o.inners;
    this.dirs = {};
    for (const [h, mount] of Object.entries(o.mounts)) this.dirs[h] = path.join(mount, o.inners[h]);
  }

  /**
   * The hierarchies r needs that v1 does not mount and the hybrid cgroup2
   * serves instead (V2_FALLBACKS); throws for one that neither has.
   */
  private check(r: Resources): string[] {
    if (r.unified && Object.keys(r.unified).length > 0) throw new CgroupError(ERR_V1_UNIFIED);
    const v2: string[] = [];
    let unified: Set<string> | undefined;
    for (const c of V1_CONTROLLERS) {
      if (!c.wanted?.(r) || this.dirs[c.hierarchy]) continue;
      const servedByV2 = V2_FALLBACKS[c.hierarchy] !== undefined && this.mounts[''] !== undefined &&
        (unified ??= controllersOf(this.mounts[''])).has(c.hierarchy);
      if (servedByV2) v2.push(c.hierarchy);
      else throw new CgroupError(`cannot set ${c.hierarchy} limits: the ${c.hierarchy} cgroup hierarchy is not mounted`);
    }
    return v2;
  }

  create(resources: LinuxResources | undefined): void {
    if (!this.enabled) return;
    const r = (resources ?? {}) as Resources;
    const v2 = this.check(r);
    const created: string[] = [];
    try {
      for (const [h, dir] of Object.entries(this.dirs)) {
        if (h === '') {
          created.push(...createCgroupV2(this.mounts[''], dir, v2, false));
          continue;
        }
        const c = V1_CONTROLLERS.find((x) => x.hierarchy === h);
        created.push(...(c?.mkdir ? c.mkdir(dir, this.mounts[h]) : mkdirs(dir)));
      }
      this.apply(r, { update: false }, v2);
    } catch (err) {
      removeCreated(created);
      throw err;
    }
  }

  update(resources: LinuxResources): void {
    if (!this.enabled) return;
    const r = resources as Resources;
    const v2 = this.check(r);
    if (v2.length) createCgroupV2(this.mounts[''], this.dirs[''], v2, false);
    this.apply(r, { update: true }, v2);
  }

  /** v2: check()'s answer for r, so that apply does not read cgroup.controllers again. */
  private apply(r: Resources, ctx: ApplyContext, v2: readonly string[]): void {
    for (const c of V1_CONTROLLERS) {
      const dir = this.dirs[c.hierarchy];
      if (dir) c.apply?.(dir, r, ctx);
      else if (v2.includes(c.hierarchy)) V2_FALLBACKS[c.hierarchy].apply?.(this.dirs[''], r, ctx);
    }
  }

  addProcess(pid: number, only?: readonly string[]): void {
    if (!this.enabled) return;
    for (const [hierarchy, dir] of Object.entries(this.dirs)) if (!only || only.includes(hierarchy)) writeProc(dir, pid);
  }

  private freezerDir(): string {
    const dir = this.dirs.freezer;
    if (!dir) throw new CgroupError('cannot freeze or thaw: the freezer cgroup hierarchy is not mounted');
    return dir;
  }

  freeze(): void {
    if (this.enabled) freezeV1(this.freezerDir());
  }

  thaw(): void {
    if (this.enabled) thawV1(this.freezerDir());
  }

  isFrozen(): boolean {
    return this.enabled && !!this.dirs.freezer && isFrozenV1(this.dirs.freezer);
  }

  pids(): number[] {
    if (!this.enabled) return [];
    const h = ['devices', 'freezer', 'pids', 'memory', 'cpu', 'name=systemd'].find((x) => this.dirs[x]) ?? Object.keys(this.dirs)[0];
    return h === undefined ? [] : readPidsRecursive(this.dirs[h]);
  }

  signalAll(signal: number): void {
    if (!this.enabled) return;
    signalFrozen(this, signal, !!this.dirs.freezer && exists(this.dirs.freezer, 'freezer.state'));
  }

  stats(): Record<string, unknown> {
    const out = emptyStats();
    if (!this.enabled) return out as unknown as Record<string, unknown>;
    for (const c of V1_CONTROLLERS) {
      const dir = this.dirs[c.hierarchy];
      if (dir && exists(dir)) c.stats?.(dir, out);
      else if (!dir && this.dirs[''] && exists(this.dirs[''])) V2_FALLBACKS[c.hierarchy]?.stats?.(this.dirs[''], out);
    }
    return out as unknown as Record<string, unknown>;
  }

  remove(): void {
    if (!this.enabled) return;
    const errors: string[] = [];
    for (const dir of new Set(Object.values(this.dirs))) {
      try {
        removeCgroupDir(dir);
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    if (errors.length) throw new CgroupError(errors.join('; '));
  }

  path(): string {
    const values = new Set(Object.values(this.inners));
    if (values.size <= 1) return [...values][0] ?? '';
    return JSON.stringify(this.inners);
  }

  paths(): Record<string, string> {
    return { ...this.dirs };
  }
}
