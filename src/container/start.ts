// `start`: releases the init blocked on the exec fifo, then reads the fifo
// to its end: '0' and end-of-file mean the init exec'd the process; any
// other text is the reason it could not.
import { closeSync, openSync, unlinkSync } from 'node:fs';
import { RuntimeError } from '../errors';
import { O_CLOEXEC, O_NONBLOCK, O_RDONLY } from '../linux/constants';
import { initAlive } from '../state/status';
import type { StoredState } from '../state/store';
import { warn } from '../log';
import { hookState, loadContainer } from './load';

export async function start(root: string, id: string): Promise<void> {
  const { store, state, status } = loadContainer(root, id);
  if (status === 'stopped') throw new RuntimeError('cannot start a container that has stopped');
  if (status !== 'created') throw new RuntimeError('cannot start an already running container');
  if (!state.hasProcess) throw new RuntimeError('config.json: /process: must be set to start the container (it is optional only at create)');
  const fifoPath = store.fifo(id);
  // Only a container with NOTIFY_SOCKET needs the syscall layer: its pidfd
  // (opened before the release, so the pid cannot be reused meanwhile) ends
  // the wait for READY=1 if the process exits first.
  const notify = state.notifySocket ? await import('./notify') : null;
  const { linux: sys } = notify ? await import('../linux/libc') : { linux: null };
  const pidfd = sys ? sys.pidfdOpen(state.pid) : -1;
  try {
    if (!initAlive(state)) throw new RuntimeError('cannot start a container that has stopped');
    const sock = notify ? notify.bindNotifySocket(store.dir(id)) : -1;
    let received: string;
    try {
      received = await readUntilExec(openSync(fifoPath, O_RDONLY | O_NONBLOCK | O_CLOEXEC), state);
    } finally {
      unlinkSync(fifoPath);
    }
    if (received !== '0') {
      if (sock >= 0) closeSync(sock);
      if (received === '') throw new RuntimeError('cannot start a container that has stopped');
      throw new RuntimeError(received.slice(1) || 'container process exited before it started');
    }
    if (notify) notify.relayReady(sock, pidfd, state.pid, state.notifySocket!);
  } finally {
    if (pidfd >= 0) closeSync(pidfd);
  }
  if (state.hooks?.poststart?.length) {
    const { runHooksWarnOnly } = require('../hooks') as typeof import('../hooks');
    runHooksWarnOnly('poststart', state.hooks.poststart, hookState(state, 'running'), warn);
  }
}

/**
 * Reads the fifo on the event loop (epoll): it reports the init's writes,
 * then the hang-up when the init's end closes on its execve or exit. The
 * kernel reports no hang-up on a fifo no writer has opened yet, so an init
 * that dies before it opens its end would leave us waiting: a pidfd would
 * say so at once, but it needs koffi, whose loading is most of what `start`
 * costs. The init was alive a moment ago and blocked in that open, which our
 * open releases; it can miss it only if it is killed in between, and a
 * liveness check every 100 ms covers that.
 */
function readUntilExec(fd: number, state: StoredState): Promise<string> {
  const { Socket } = require('node:net') as typeof import('node:net');
  return new Promise((resolve, reject) => {
    const fifo = new Socket({ fd, readable: true, writable: false });
    let got = '';
    const done = (err?: Error) => {
      clearInterval(watch);
      fifo.destroy();
      if (err) reject(err);
      else resolve(got);
    };
    const watch = setInterval(() => { if (!initAlive(state)) done(); }, 100);
    fifo.setEncoding('utf8');
    fifo.on('data', (chunk: string) => { got += chunk; });
    fifo.on('end', () => done());
    fifo.on('error', done);
  });
}
