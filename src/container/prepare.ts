// The init's configuration from a validated config.json, made by one
// function for `create`, which sends it, and `plan`, which prints it: the
// two cannot drift. What create opens as it goes (the exec fifo, the
// console socket, the relay's pipes) comes in as fds; plan passes
// placeholders it shows by name.
import type { Spec } from '../spec/types';
import type { IdmappedMount } from './idmap';
import type { StoredSeccomp } from './seccomp';
import { normalize, type Normalized } from './config';

export interface PrepareOptions {
  id: string;
  bundle: string;
  /** config.json's text, for seccomp values a double cannot hold. */
  text: string | undefined;
  noPivot: boolean;
  /** --preserve-fds. */
  preserveFds: number;
  fifoFd: number;
  /** The state directory: the notify socket's directory goes there. */
  stateDir: string;
  /** fds to become the process's stdio (the relay's); none: the init's. */
  stdio: number[];
  /** Connects the console socket (create) or names it (plan); called only with process.terminal. */
  console: () => number;
}

export interface Prepared {
  n: Normalized;
  seccomp?: StoredSeccomp;
  idmapped: IdmappedMount[];
  /** The host's NOTIFY_SOCKET, relayed through <stateDir>/notify, or null. */
  notifySocket: string | null;
  /** fds of systemd's socket activation, passed on before the preserved ones. */
  listenFds: number;
}

/** fds handed over by socket activation (systemd's LISTEN_FDS), passed on as runc does. */
function socketActivationFds(): number {
  const n = Number(process.env.LISTEN_FDS);
  if (!Number.isInteger(n) || n <= 0 || Number(process.env.LISTEN_PID) !== process.pid) return 0;
  return n;
}

export function prepareInit(spec: Spec, o: PrepareOptions): Prepared {
  const listenFds = socketActivationFds();
  const n = normalize(spec, o.bundle, o.fifoFd, { id: o.id, noPivot: o.noPivot, preserveFds: listenFds + o.preserveFds });
  const seccomp = spec.linux?.seccomp ? (require('./seccomp') as typeof import('./seccomp')).compileForContainer(spec.linux.seccomp, o.text) : undefined;
  if (seccomp) n.init.seccomp = seccomp;
  // With a terminal the pty is the process's stdio: the init gets none of
  // ours (a caller waiting for the end of our stdout would wait for the
  // container's).
  const terminal = Boolean(spec.process?.terminal);
  if (!terminal && o.stdio.length) n.init.stdio = o.stdio;
  if (listenFds && n.init.process) n.init.process.env.push(`LISTEN_FDS=${listenFds}`, 'LISTEN_PID=1');
  const notifySocket = (require('./notify') as typeof import('./notify')).notifySocketMount(n.init, o.stateDir);
  const idmapped = (require('./idmap') as typeof import('./idmap')).idmappedMounts(spec, n.init);
  n.init.idmappedMounts = idmapped.map((w) => w.index);
  if (n.init.process && terminal) {
    n.init.console = { socketFd: o.console(), height: spec.process?.consoleSize?.height, width: spec.process?.consoleSize?.width };
  }
  return { n, seccomp, idmapped, notifySocket, listenFds };
}
