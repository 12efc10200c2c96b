// The runtime's end of the sync socket to tsrun-init: the program goes out,
// and requests (with the fds they carry), "ready" and error records come
// back. Blocking calls: create waits for the init at every step.
import { closeSync, fstatSync, readSync, writeSync } from 'node:fs';
import { decodeErrorRecord, ERROR_RECORD_SIZE, MAGIC_ERROR, type ErrorRecord, type Insn, type Program } from '../init/program';
import { debug } from '../log';
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
    try {
      const msg = this.message(fds);
      if (msg.kind === 'request') return msg;
      // Only a request carries fds for the caller: any that came with something else go.
      for (const fd of fds.splice(0)) closeSync(fd);
      return msg;
    } catch (e) {
      for (const fd of fds) closeSync(fd);
      throw e;
    }
  }

  private message(fds: number[]): InitMessage {
    const head = this.read(REQUEST_SIZE, fds);
    if (!head) return { kind: 'eof' };
    const magic = head.readUInt32LE(0);
    if (magic === MAGIC_REQUEST) return { kind: 'request', code: head.readUInt32LE(4), arg: head.readBigInt64LE(8), fds };
    if (magic !== MAGIC_ERROR) throw new Error(`sync: unexpected data from the init (0x${magic.toString(16)})`);
    const rest = this.read(ERROR_RECORD_SIZE - REQUEST_SIZE, fds);
    if (!rest) return { kind: 'eof' };
    const header = Buffer.concat([head, rest]);
    const length = header.readUInt32LE(12) + header.readUInt32LE(16);
    // The interpreter writes at most a page: anything longer is not its record.
    if (length > 4096) throw new Error(`sync: an error record of ${length} bytes from the init`);
    const body = this.read(length, fds) ?? Buffer.alloc(0);
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

function describeInsn(insn: Insn): string {
  const { showArg } = require('../plan/print') as typeof import('../plan/print');
  return `${insn.name}(${insn.args.map(showArg).join(', ')})`;
}

/** With --debug: each syscall step the init ran, as the plan numbers them, and its result. */
export function logTrace(fd: number, program: Program): void {
  const size = fstatSync(fd).size;
  const buf = Buffer.alloc(size);
  let got = 0;
  while (got < size) {
    const r = readSync(fd, buf, got, size - got, got);
    if (r <= 0) break;
    got += r;
  }
  for (let off = 0; off + 16 <= got; off += 16) {
    const step = buf.readUInt32LE(off);
    const insn = program.insns[step];
    debug(`init step ${step}: ${insn ? describeInsn(insn) : '?'} = ${buf.readBigInt64LE(off + 8)}`);
  }
}
