// The runtime's end of the sync socket to tsrun-init: the program goes out,
// and requests (with the fds they carry), "ready" and error records come
// back. Blocking calls: create waits for the init at every step.
import { writeSync } from 'node:fs';
import { decodeErrorRecord, ERROR_RECORD_SIZE, MAGIC_ERROR, type ErrorRecord } from '../init/program';
import { linux as sys } from '../linux/libc';
import { MAGIC_REQUEST, REQUEST_SIZE, Request } from '../plan/steps';

export type InitMessage =
  | { kind: 'request'; code: Request; arg: bigint; fds: number[] }
  | { kind: 'error'; record: ErrorRecord }
  | { kind: 'eof' };

export class InitChannel {
  constructor(readonly fd: number) {}

  send(data: Buffer): void {
    for (let off = 0; off < data.length;) off += writeSync(this.fd, data, off);
  }

  /** The reply a request with `ack` waits for. */
  ack(): void {
    this.send(Buffer.from([1]));
  }

  next(): InitMessage {
    const fds: number[] = [];
    const head = this.read(REQUEST_SIZE, fds);
    if (!head) return { kind: 'eof' };
    const magic = head.readUInt32LE(0);
    if (magic === MAGIC_REQUEST) return { kind: 'request', code: head.readUInt32LE(4), arg: head.readBigInt64LE(8), fds };
    if (magic !== MAGIC_ERROR) throw new Error(`sync: unexpected data from the init (0x${magic.toString(16)})`);
    const rest = this.read(ERROR_RECORD_SIZE - REQUEST_SIZE, fds);
    if (!rest) return { kind: 'eof' };
    const header = Buffer.concat([head, rest]);
    const body = this.read(header.readUInt32LE(12) + header.readUInt32LE(16), fds) ?? Buffer.alloc(0);
    const record = decodeErrorRecord(Buffer.concat([header, body]));
    if (!record) throw new Error('sync: a truncated error record from the init');
    return { kind: 'error', record };
  }

  /** Exactly n bytes, or null at end of stream; fds that arrive with them are added to `fds`. */
  private read(n: number, fds: number[]): Buffer | null {
    const buf = Buffer.alloc(n);
    let got = 0;
    while (got < n) {
      const r = sys.recvWithFds(this.fd, buf.subarray(got));
      fds.push(...r.fds);
      if (r.n === 0) return null;
      got += r.n;
    }
    return buf;
  }
}
