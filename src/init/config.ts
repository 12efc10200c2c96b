// What `create` sends the init over the sync channel: the spec normalized
// by the runtime side (paths resolved, options parsed, names mapped to
// numbers), so the init repeats none of that work.
import type { Device } from '../spec/types';

export interface InitMount {
  source: string | null;
  destination: string;
  type: string | null;
  flags: number;
  propagation: number[];
  data: string | null;
  bind: boolean;
}

export interface InitProcess {
  args: string[];
  env: string[];
  cwd: string;
  uid: number;
  gid: number;
  additionalGids: number[];
  umask: number | null;
  rlimits: { resource: number; name: string; soft: string; hard: string }[];
  /** Capability sets as decimal strings of bit masks; null leaves them as they are. */
  capabilities: { bounding: string; effective: string; permitted: string; inheritable: string; ambient: string } | null;
  noNewPrivileges: boolean;
  oomScoreAdj: number | null;
}

export interface InitConfig {
  rootfs: string;
  readonly: boolean;
  noPivot: boolean;
  rootfsPropagation: number;
  mounts: InitMount[];
  hostname: string | null;
  domainname: string | null;
  /** Namespaces joined by path from inside the init (all but pid). */
  join: { type: string; flag: number; path: string }[];
  devices: Device[];
  maskedPaths: string[];
  readonlyPaths: string[];
  sysctl: Record<string, string>;
  process: InitProcess | null;
  fifo: string;
  preserveFds: number;
}
