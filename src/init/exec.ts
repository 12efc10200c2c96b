// The init of `tsrun exec`: cloned by the CLI after it joined the
// container's uts, ipc, net, cgroup and pid namespaces (the pid one applies
// to this child). It joins the mount namespace itself, on its main thread,
// after Node has loaded everything it needs from the host, then sets up
// the process and execs it.
import * as C from '../linux/constants';
import { linux as sys } from '../linux/libc';
import type { SyncChannel } from '../sync';
import type { InitProcess } from './config';
import { setupConsole, type ConsoleConfig } from './console';
import { joinNamespace } from './paths';
import { adoptStdio, applyLateRlimits, execProcess, prepareProcess } from './process';
import type { InitSeccomp } from './seccomp';

export interface ExecConfig {
  mode: 'exec';
  /** The container's mount namespace, when it is not ours. */
  mntNs: string | null;
  /** Without one: the container's root (its init's, /proc/PID/root), to chroot into. */
  root: string | null;
  process: InitProcess;
  preserveFds: number;
  console: ConsoleConfig | null;
  /** As InitConfig.stdio. */
  stdio: number[] | null;
  /** The container's seccomp filter, for this process too. */
  seccomp: InitSeccomp | null;
}

export function runExec(ch: SyncChannel, cfg: ExecConfig): never {
  if (cfg.stdio) adoptStdio(sys, cfg.stdio);
  // Loaded before joining the container's mount namespace.
  const filter = cfg.seccomp ? (require('./seccomp') as typeof import('./seccomp')).reportingTo(ch, cfg.seccomp) : null;
  if (cfg.mntNs) joinNamespace(sys, cfg.mntNs, C.CLONE_NEWNS, `mount namespace ${cfg.mntNs}`);

  const slave = cfg.console ? setupConsole(sys, cfg.console, false) : null;
  try {
    const root = cfg.root;
    const prepared = prepareProcess(sys, cfg.process, filter, root ? () => { sys.chroot(root); process.chdir('/'); } : null);
    applyLateRlimits(sys, cfg.process);
    // The channel is close-on-exec: after this message, end of file means
    // the exec happened; an error message means it did not.
    ch.send({ type: 'exec' });
    return execProcess(sys, prepared, cfg.preserveFds, slave);
  } catch (e) {
    throw filter ? filter.explain(e) : e;
  }
}
