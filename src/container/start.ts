// `start`: releases the init blocked on the exec fifo. The fifo is opened
// non-blocking and polled together with a pidfd of the init, so an init that
// dies meanwhile cannot leave `start` hanging.
import { closeSync, openSync, readSync, unlinkSync } from 'node:fs';
import { RuntimeError } from '../errors';
import { O_CLOEXEC, O_NONBLOCK, O_RDONLY } from '../linux/constants';
import { linux as sys } from '../linux/libc';
import { initAlive } from '../state/status';
import { loadContainer } from './load';

export function start(root: string, id: string): void {
  const { store, state, status } = loadContainer(root, id);
  if (status === 'stopped') throw new RuntimeError('cannot start a container that has stopped');
  if (status !== 'created') throw new RuntimeError('cannot start an already running container');
  if (!state.hasProcess) throw new RuntimeError('config.json: /process: must be set to start the container (it is optional only at create)');
  const fifoPath = store.fifo(id);
  const pidfd = sys.pidfdOpen(state.pid);
  try {
    if (!initAlive(state)) throw new RuntimeError('cannot start a container that has stopped');
    const fifo = openSync(fifoPath, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    try {
      const buf = Buffer.alloc(1);
      for (;;) {
        const [fifoEv, pidEv] = sys.poll([fifo, pidfd], -1);
        if (fifoEv & 0x1) {
          let n = 0;
          try { n = readSync(fifo, buf, 0, 1, null); } catch (e) {
            if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
            throw e;
          }
          if (n === 1) break;
        }
        if (pidEv) throw new RuntimeError('cannot start a container that has stopped');
        if (fifoEv & 0x10) throw new RuntimeError('container init closed the exec fifo without starting');
      }
    } finally {
      closeSync(fifo);
    }
    unlinkSync(fifoPath);
  } finally {
    closeSync(pidfd);
  }
}
