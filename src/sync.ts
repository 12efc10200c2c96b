// The sync channel between `create` (the runtime side) and the container's
// init: newline-delimited JSON over a unix socketpair. Reads and writes are
// blocking on purpose: both sides wait for each other at every step, and the
// init must not start libuv's thread pool (threads created after it entered
// its namespaces would not matter, but ones in flight during setns would).
import { readSync, writeSync } from 'node:fs';

export type RuntimeMessage =
  | { type: 'config'; payload: unknown }
  | { type: 'hooks-done' }
  /** The runtime has handed the seccomp listener to the agent. */
  | { type: 'seccomp-done' }
  /** The container's cgroup directories per hierarchy (null: none), and the v1 ones the init enters itself. */
  | { type: 'cgroup-done'; paths: Record<string, string> | null; threadJoin: string[] }
  | { type: 'abort'; msg: string };

export type InitMessage =
  | { type: 'hooks'; name: 'prestart' | 'createRuntime' }
  | { type: 'exec' }
  | { type: 'cgroup' }
  | { type: 'idmap' }
  | { type: 'ready' }
  /** The filter is installed; fd is its listener, which the runtime takes with pidfd_getfd. */
  | { type: 'seccomp'; fd: number }
  | { type: 'error'; msg: string };

export class SyncChannel {
  private buffered = Buffer.alloc(0);
  constructor(readonly fd: number) {}

  send(msg: RuntimeMessage | InitMessage): void {
    const data = Buffer.from(JSON.stringify(msg) + '\n');
    let off = 0;
    while (off < data.length) off += writeSync(this.fd, data, off);
  }

  /** The peer's next message, which must be of this type: anything else is an error. */
  expect<T extends RuntimeMessage['type']>(type: T): Extract<RuntimeMessage, { type: T }> {
    const reply = this.recv<RuntimeMessage>();
    if (reply?.type !== type) throw new Error(`sync: expected ${type}, got ${reply?.type ?? 'EOF'}`);
    return reply as Extract<RuntimeMessage, { type: T }>;
  }

  /** The next message, or null at end of stream (the peer exited). */
  recv<T>(): T | null {
    const chunk = Buffer.alloc(65536);
    for (;;) {
      const nl = this.buffered.indexOf(0x0a);
      if (nl >= 0) {
        const line = this.buffered.subarray(0, nl).toString('utf8');
        this.buffered = this.buffered.subarray(nl + 1);
        return JSON.parse(line) as T;
      }
      let n: number;
      try {
        n = readSync(this.fd, chunk, 0, chunk.length, null);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN' || (err as NodeJS.ErrnoException).code === 'EINTR') continue;
        if ((err as NodeJS.ErrnoException).code === 'ECONNRESET') return null;
        throw err;
      }
      if (n === 0) return null;
      this.buffered = Buffer.concat([this.buffered, chunk.subarray(0, n)]);
    }
  }
}
