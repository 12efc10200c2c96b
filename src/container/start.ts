// `start`: releases the init blocked on the exec fifo. The fifo is opened
// non-blocking and polled together with a pidfd of the init, so an init that
// dies meanwhile cannot leave `start` hanging.
import { closeSync, openSync, readSync, unlinkSync } from 'node:fs';
import { RuntimeError } from '../errors';
import { O_CLOEXEC, O_NONBLOCK, O_RDONLY } from '../linux/constants';
import { linux as sys } from '../linux/libc';
import { initAlive } from '../state/status';
import { warn } from '../log';
import { bindNotifySocket, relayReady } from './notify';
import { hookState, loadContainer } from './load';

export function start(root: string, id: string): void {
  const { store, state, status } = loadContainer(root, id);
  if (status === 'stopped') throw new RuntimeError('cannot start a container that has stopped');
  if (status !== 'created') throw new RuntimeError('cannot start an already running container');
  if (!state.hasProcess) throw new RuntimeError('config.json: /process: must be set to start the container (it is optional only at create)');
  const fifoPath = store.fifo(id);
  const pidfd = sys.pidfdOpen(state.pid);
  try {
    if (!initAlive(state)) throw new RuntimeError('cannot start a container that has stopped');
    const notify = state.notifySocket ? bindNotifySocket(store.dir(id)) : -1;
    const fifo = openSync(fifoPath, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    let received = '';
    try {
      received = readUntilExec(fifo, pidfd);
    } finally {
      closeSync(fifo);
      unlinkSync(fifoPath);
    }
    // '0' then end of file: the init exec'd the process. Anything else is
    // the reason it could not.
    if (received !== '0') {
      if (notify >= 0) closeSync(notify);
      if (received === '') throw new RuntimeError('cannot start a container that has stopped');
      throw new RuntimeError(received.slice(1) || 'container process exited before it started');
    }
    if (notify >= 0) relayReady(notify, pidfd, state.pid, state.notifySocket!);
  } finally {
    closeSync(pidfd);
  }
  if (state.hooks?.poststart?.length) {
    const { runHooksWarnOnly } = require('../hooks') as typeof import('../hooks');
    runHooksWarnOnly('poststart', state.hooks.poststart, hookState(state, 'running'), warn);
  }
}

/** Reads the exec fifo until its writer is gone; stops early if the init dies unheard. */
function readUntilExec(fifo: number, pidfd: number): string {
  const buf = Buffer.alloc(4096);
  let got = '';
  for (;;) {
    const [fifoEv, pidEv] = sys.poll([fifo, pidfd], -1);
    if (fifoEv & 0x1) {
      let n = 0;
      try { n = readSync(fifo, buf, 0, buf.length, null); } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
        throw e;
      }
      if (n > 0) { got += buf.subarray(0, n).toString(); continue; }
      return got;
    }
    // POLLHUP: every writer is gone (exec'd or exited).
    if (fifoEv & 0x10) return got;
    if (pidEv && !(fifoEv & 0x1)) return got;
  }
}
