// The spec normalized by `create` (paths resolved, options parsed, names
// mapped to numbers): what the init's program is built from (../plan/).
import type { HookState } from '../hooks';
import type { Device, Hook } from '../spec/types';

export interface InitMount {
  source: string | null;
  destination: string;
  type: string | null;
  flags: number;
  propagation: number[];
  data: string | null;
  bind: boolean;
  /** tmpcopyup: copy what the destination held into the new tmpfs. */
  copyUp?: boolean;
  /** An idmapped mount prepared by the runtime: a detached mount fd, inherited, to move into place. */
  mountFd?: number;
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
  /** ioprio_set value: class << 13 | priority. */
  ioPriority: number | null;
  /** sched_setattr fields, 64-bit ones as decimal strings. */
  scheduler: { policy: number; flags: string; nice: number; priority: number; runtime: string; deadline: string; period: string } | null;
}

/** The compiled seccomp filter (state.json keeps it for exec). */
export interface InitSeccomp {
  /** struct sock_filter[], base64. */
  filter: string;
  /** seccomp(2) flags; NEW_LISTENER when a rule notifies. */
  flags: number;
}

/** process.terminal: the connected console socket and the size. */
export interface ConsoleConfig {
  socketFd: number;
  height?: number;
  width?: number;
}

export interface InitConfig {
  rootfs: string;
  readonly: boolean;
  noPivot: boolean;
  rootfsPropagation: number;
  mounts: InitMount[];
  hostname: string | null;
  domainname: string | null;
  /** The container is in a user namespace (new or joined): device nodes are bound from the host, not made. */
  userns: boolean;
  /** The container has a mount namespace (new or joined); without one it shares ours and is chrooted into its rootfs. */
  mountNs: boolean;
  /** Namespaces joined by path from inside the init (all but pid). */
  join: { type: string; flag: number; path: string }[];
  devices: Device[];
  maskedPaths: string[];
  readonlyPaths: string[];
  sysctl: Record<string, string>;
  process: InitProcess | null;
  /** The exec fifo, opened O_PATH by the runtime and inherited. */
  fifoFd: number;
  preserveFds: number;
  /** Indexes of mounts the runtime sends as idmapped mount fds when asked. */
  idmappedMounts: number[];
  /** A new cgroup namespace: unshared by the init once it is in its cgroup. */
  newCgroupNs: boolean;
  /** process.terminal: where to send the pty master. */
  console: ConsoleConfig | null;
  /** Inherited fds that become the process's 0, 1 and 2 (the runtime's relay pipes), or null to keep the runtime's stdio. */
  stdio: number[] | null;
  /** personality(2) value, or null. */
  personality: number | null;
  /** A new time namespace: unshared by the init, with these timens_offsets. */
  timeOffsets: string | null;
  /** The runtime runs prestart/createRuntime hooks: pause before pivot_root. */
  runtimeHooks: boolean;
  hooks: { createContainer: Hook[]; startContainer: Hook[] };
  /** The state passed to hooks the init runs (status set per hook). */
  hookState: HookState;
  /** linux.seccomp, compiled by the runtime. */
  seccomp: InitSeccomp | null;
}
