// Shapes shared by the cgroup managers: the public interfaces (re-exported by
// index.ts), the typed view of the OCI linux.resources object the
// controller modules read, and the controller seams of v1 and v2.

/** The OCI linux.resources object, as found in config.json. */
export interface LinuxResources { [k: string]: unknown }

export interface CgroupOptions {
  /** Container id. */
  id: string;
  /** linux.cgroupsPath from config.json. */
  cgroupsPath?: string;
  /** --systemd-cgroup given: cgroupsPath is "slice:prefix:name". */
  systemd: boolean;
  /** For tests: the cgroupfs mount root to use instead of /sys/fs/cgroup. */
  root?: string;
}

export interface CgroupManager {
  readonly version: 1 | 2;
  /** Creates the cgroup (all hierarchies) and writes the resources. */
  create(resources: LinuxResources | undefined): void;
  /** Moves a process (whole thread group) into the cgroup: every hierarchy, or those named in `only` ("" is cgroup2). */
  addProcess(pid: number, only?: readonly string[]): void;
  /** Freezes / thaws, returning once the kernel reports FROZEN / THAWED. */
  freeze(): void;
  thaw(): void;
  isFrozen(): boolean;
  /** Pids in the cgroup, recursively. */
  pids(): number[];
  /** Signals every process in the cgroup (v2: cgroup.kill for SIGKILL when available). */
  signalAll(signal: number): void;
  /** runc's `events --stats` "data" object; counters beyond 2^53 are bigints (see statsJSON). */
  stats(): Record<string, unknown>;
  /** Applies new resources to an existing cgroup (runc update semantics: only the fields given). */
  update(resources: LinuxResources): void;
  /** Removes the cgroup directories (all hierarchies), retrying briefly on EBUSY. */
  remove(): void;
  /**
   * The cgroup path relative to the hierarchy root: the value to record at
   * create and hand back to loadCgroupManager. When v1 hierarchies resolve a
   * relative cgroupsPath to different places, a JSON object
   * {"<hierarchy>": "<path>"} (it starts with "{").
   */
  path(): string;
  /** Absolute directory per hierarchy: v1 "memory", "cpu", ..., "name=systemd", "" (hybrid cgroup2); v2 "". */
  paths(): Record<string, string>;
  /** True when this process may manage cgroups here; false makes every other call a no-op. */
  readonly enabled: boolean;
}

// ---- typed view of linux.resources (runtime-spec config-linux.md) ----

export interface DeviceCgroupSpec {
  allow: boolean;
  type?: string;
  major?: number | null;
  minor?: number | null;
  access?: string;
}

export interface MemorySpec {
  limit?: number;
  reservation?: number;
  swap?: number;
  kernel?: number;
  kernelTCP?: number;
  swappiness?: number;
  disableOOMKiller?: boolean;
  useHierarchy?: boolean;
  checkBeforeUpdate?: boolean;
}

export interface CpuSpec {
  shares?: number;
  quota?: number;
  burst?: number;
  period?: number;
  realtimeRuntime?: number;
  realtimePeriod?: number;
  cpus?: string;
  mems?: string;
  idle?: number;
}

export interface WeightDevice { major: number; minor: number; weight?: number; leafWeight?: number }
export interface ThrottleDevice { major: number; minor: number; rate: number }

export interface BlockIOSpec {
  weight?: number;
  leafWeight?: number;
  weightDevice?: WeightDevice[];
  throttleReadBpsDevice?: ThrottleDevice[];
  throttleWriteBpsDevice?: ThrottleDevice[];
  throttleReadIOPSDevice?: ThrottleDevice[];
  throttleWriteIOPSDevice?: ThrottleDevice[];
}

export interface HugepageLimit { pageSize: string; limit: number }
export interface NetworkSpec { classID?: number; priorities?: { name: string; priority: number }[] }
export interface RdmaLimit { hcaHandles?: number; hcaObjects?: number }

export interface Resources {
  devices?: DeviceCgroupSpec[];
  memory?: MemorySpec;
  cpu?: CpuSpec;
  pids?: { limit?: number };
  blockIO?: BlockIOSpec;
  hugepageLimits?: HugepageLimit[];
  network?: NetworkSpec;
  rdma?: Record<string, RdmaLimit>;
  unified?: Record<string, string>;
}

/** Why a controller's apply() runs: creating a cgroup, or runc update on a live one. */
export interface ApplyContext {
  update: boolean;
}

/** A 64-bit kernel counter: a number while exact, a bigint beyond 2^53. */
export type U64 = number | bigint;

export interface MemoryEntry { limit: U64; usage: U64; max: U64; failcnt: U64 }
export interface BlkioEntry { major: number; minor: number; op: string; value: U64 }

/** runc's types.Stats (types/events.go), the `events --stats` data object. */
export interface Stats {
  cpu: {
    usage: { total: U64; percpu: U64[]; percpu_kernel: U64[]; percpu_user: U64[]; kernel: U64; user: U64 };
    throttling: { periods: U64; throttledPeriods: U64; throttledTime: U64 };
  };
  memory: {
    cache: U64;
    usage: MemoryEntry;
    swap: MemoryEntry;
    kernel: MemoryEntry;
    kernelTCP: MemoryEntry;
    raw: Record<string, U64>;
  };
  pids: { current: U64; limit: U64 };
  blkio: {
    ioServiceBytesRecursive: BlkioEntry[];
    ioServicedRecursive: BlkioEntry[];
    ioQueueRecursive: BlkioEntry[];
    ioServiceTimeRecursive: BlkioEntry[];
    ioWaitTimeRecursive: BlkioEntry[];
    ioMergedRecursive: BlkioEntry[];
    ioTimeRecursive: BlkioEntry[];
    sectorsRecursive: BlkioEntry[];
  };
  hugetlb: Record<string, { usage: U64; max: U64; failcnt: U64 }>;
}

export function emptyStats(): Stats {
  const entry = (): MemoryEntry => ({ limit: 0, usage: 0, max: 0, failcnt: 0 });
  return {
    cpu: {
      usage: { total: 0, percpu: [], percpu_kernel: [], percpu_user: [], kernel: 0, user: 0 },
      throttling: { periods: 0, throttledPeriods: 0, throttledTime: 0 },
    },
    memory: { cache: 0, usage: entry(), swap: entry(), kernel: entry(), kernelTCP: entry(), raw: {} },
    pids: { current: 0, limit: 0 },
    blkio: {
      ioServiceBytesRecursive: [], ioServicedRecursive: [], ioQueueRecursive: [], ioServiceTimeRecursive: [],
      ioWaitTimeRecursive: [], ioMergedRecursive: [], ioTimeRecursive: [], sectorsRecursive: [],
    },
    hugetlb: {},
  };
}

/**
 * One v1 controller module. `hierarchy` is the name in /proc/cgroups (and
 * the directory under the cgroupfs root).
 */
export interface V1Controller {
  readonly hierarchy: string;
  /** Whether these resources ask something of this controller (an error if it is not mounted). */
  wanted?(r: Resources): boolean;
  /** Creates the directory; default mkdir -p. cpuset overrides it to seed cpus/mems. */
  mkdir?(dir: string, mount: string): string[];
  apply?(dir: string, r: Resources, ctx: ApplyContext): void;
  stats?(dir: string, out: Stats): void;
}

/** One v2 controller module; `controller` is its name in cgroup.controllers (or a pseudo one). */
export interface V2Controller {
  readonly controller: string;
  wanted?(r: Resources): boolean;
  apply?(dir: string, r: Resources, ctx: ApplyContext): void;
  stats?(dir: string, out: Stats): void;
}
