// `start`: releases the init blocked on the exec fifo, then reads the fifo
// to its end: '0' and end-of-file mean the init exec'd the process; an
// error record after the '0' is the reason it could not.
import { closeSync, open, openSync, read, rmSync } from 'node:fs';
import { RuntimeError } from '../errors';
import { O_NONBLOCK, O_RDONLY, O_WRONLY } from '../linux/constants';
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
    // loadContainer checked it; again now that the pidfd pins the pid.
    if (pidfd >= 0 && !initAlive(state)) throw new RuntimeError('cannot start a container that has stopped');
    const sock = notify ? notify.bindNotifySocket(store.dir(id)) : -1;
    let received: Buffer = Buffer.alloc(0);
    const started = () => received.length === 1 && received[0] === 0x30;
    try {
      received = await readUntilExec(fifoPath, state);
    } finally {
      // force: a concurrent start may have removed it; its error is not ours.
      rmSync(fifoPath, { force: true });
      if (!started() && sock >= 0) closeSync(sock);
    }
    if (!started()) {
      if (received.length === 0) throw new RuntimeError('cannot start a container that has stopped');
      const { decodeErrorRecord } = require('../init/program') as typeof import('../init/program');
      const record = decodeErrorRecord(received.subarray(1));
      if (!record) throw new RuntimeError('container process exited before it started');
      const { describeRecord, filterExplainer } = require('../plan/errors') as typeof import('../plan/errors');
      throw new RuntimeError(describeRecord(record, state.seccomp ? filterExplainer(state.seccomp.filter) : null));
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
 * Reads the fifo with blocking calls in libuv's thread pool: the open
 * returns once the init opens its end (our open releases it), the reads
 * return its writes, then end-of-file when its end closes at its execve or
 * exit. If the init dies before it opens its end, the open would never
 * return: a pidfd would say so at once, but it needs koffi, whose loading
 * is most of what `start` costs. The init was alive a moment ago and
 * blocked in that open, so it can miss it only if killed in between; a
 * liveness check every 100 ms covers that, and releases our open by
 * opening the fifo for writing and closing it.
 */
function readUntilExec(path: string, state: StoredState): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let fd = -1;
    // Kept until done: our open may reach the kernel only after a first release.
    const watch = setInterval(() => {
      if (initAlive(state)) return;
      try { closeSync(openSync(path, O_WRONLY | O_NONBLOCK)); } catch { /* ENXIO: no open pending yet */ }
    }, 100);
    const done = (err: Error | null) => {
      clearInterval(watch);
      if (fd >= 0) closeSync(fd);
      if (err) reject(err);
      else resolve(Buffer.concat(chunks));
    };
    open(path, O_RDONLY, (err, opened) => {
      if (err) return done(err);
      fd = opened;
      const buf = Buffer.alloc(4096);
      const next = (): void => read(fd, buf, 0, buf.length, null, (e, n) => {
        if (e) return done(e);
        if (n === 0) return done(null);
        chunks.push(Buffer.from(buf.subarray(0, n)));
        next();
      });
      next();
    });
  });
}
