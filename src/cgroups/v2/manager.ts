// The cgroup v2 manager: one directory under the cgroup2 mount (root), the
// controller modules applied in runc's order, the device filter through a
// loader seam, unified keys last.
import { CgroupError, exists, readPidsRecursive, removeCgroupDir, removeCreated, writeFile, writeProc } from '../fs';
import { signalFrozen } from '../signal';
import { emptyStats } from '../types';
import type { ApplyContext, CgroupManager, LinuxResources, Resources, V2Controller } from '../types';
import { controllersOf, createCgroupV2, refusalOf } from './create';
import { cpu } from './cpu';
import { cpuset } from './cpuset';
import { deviceProgram, kernelDeviceLoader, type DeviceFilterLoader } from './devices';
import { freezeV2, isFrozenV2, thawV2 } from './freezer';
import { hugetlb } from './hugetlb';
import { io } from './io';
import { memory } from './memory';
import { pids } from './pids';
import { rdma } from './rdma';
import { applyUnified, validateUnified } from './unified';

export const V2_CONTROLLERS: readonly V2Controller[] = [pids, memory, io, cpu, cpuset, hugetlb, rdma];

/** Controllers that cannot live in a threaded subtree. */
const DOMAIN_CONTROLLERS = [memory, io, hugetlb];

export interface V2Options {
  /** The cgroup2 mount (or a test tree laid out like one). */
  root: string;
  /** The cgroup's path relative to root ("/a/b"). */
  inner: string;
  /** Absolute directory: root + inner. */
  dir: string;
  enabled: boolean;
  /** Not root of the initial user namespace: a device filter that cannot be loaded is skipped (as runc). */
  rootless?: boolean;
  deviceLoader?: DeviceFilterLoader;
}

export function checkV2Only(r: Resources): void {
  if (r.network && (r.network.classID !== undefined || (r.network.priorities?.length ?? 0) > 0)) {
    throw new CgroupError('network resources (classID, priorities) need the v1 net_cls/net_prio controllers and are not supported on cgroup v2');
  }
}

export class V2Manager implements CgroupManager {
  readonly version = 2 as const;
  readonly enabled: boolean;
  private readonly root: string;
  private readonly inner: string;
  private readonly dir: string;
  private readonly loader: DeviceFilterLoader;
  private readonly rootless: boolean;

  constructor(o: V2Options) {
    this.rootless = o.rootless ?? false;
    this.root = o.root;
    this.inner = o.inner;
    this.dir = o.dir;
    this.enabled = o.enabled;
    this.loader = o.deviceLoader ?? kernelDeviceLoader;
  }

  create(resources: LinuxResources | undefined): void {
    if (!this.enabled) return;
    const r = (resources ?? {}) as Resources;
    validateUnified(r.unified);
    checkV2Only(r);
    const domain = DOMAIN_CONTROLLERS.some((c) => c.wanted?.(r));
    const created = createCgroupV2(this.root, this.dir, 'all', domain);
    try {
      this.apply(r, { update: false });
    } catch (err) {
      removeCreated(created);
      throw err;
    }
  }

  update(resources: LinuxResources): void {
    if (!this.enabled) return;
    const r = resources as Resources;
    validateUnified(r.unified);
    checkV2Only(r);
    this.apply(r, { update: true });
  }

  private apply(r: Resources, ctx: ApplyContext): void {
    const available = controllersOf(this.dir);
    for (const c of V2_CONTROLLERS) {
      if (c.wanted?.(r) && !available.has(c.controller)) {
        const why = refusalOf(c.controller);
        throw new CgroupError(`cannot set ${c.controller} limits: the ${c.controller} controller is not available in ${this.dir}/cgroup.controllers${why ? ` (${why})` : ''}`);
      }
      c.apply?.(this.dir, r, ctx);
    }
    if (!ctx.update || r.devices !== undefined) {
      const program = deviceProgram(r); // invalid rules are an error even rootless
      try {
        this.loader.attach(this.dir, program);
      } catch (err) {
        if (!this.rootless) throw err;
      }
    }
    applyUnified(this.dir, r.unified, available);
  }

  addProcess(pid: number, only?: readonly string[]): void {
    if (this.enabled && (!only || only.includes(''))) writeProc(this.dir, pid);
  }

  freeze(): void {
    if (this.enabled) freezeV2(this.dir);
  }

  thaw(): void {
    if (this.enabled) thawV2(this.dir);
  }

  isFrozen(): boolean {
    return this.enabled && isFrozenV2(this.dir);
  }

  pids(): number[] {
    return this.enabled ? readPidsRecursive(this.dir) : [];
  }

  signalAll(signal: number): void {
    if (!this.enabled) return;
    if (signal === 9 && exists(this.dir, 'cgroup.kill')) {
      writeFile(this.dir, 'cgroup.kill', '1');
      return;
    }
    signalFrozen(this, signal, exists(this.dir, 'cgroup.freeze'));
  }

  stats(): Record<string, unknown> {
    const out = emptyStats();
    if (!this.enabled || !exists(this.dir)) return out as unknown as Record<string, unknown>;
    for (const c of V2_CONTROLLERS) c.stats?.(this.dir, out);
    return out as unknown as Record<string, unknown>;
  }

  remove(): void {
    if (this.enabled) removeCgroupDir(this.dir);
  }

  path(): string {
    return this.inner;
  }

  paths(): Record<string, string> {
    return { '': this.dir };
  }
}
