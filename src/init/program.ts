// Syscall programs for tsrun-init (src/native/interp.c): an assembler that
// lays out the data (strings, buffers, argv arrays, structs) and the steps,
// and the encoding the interpreter reads. The builders in ./plan/ write
// programs with it; `create` and `exec` send the encoded program, and
// `tsrun plan` prints the same object. docs/design.md has the format.
import { X86_64 } from '../seccomp/tables';

export const MAGIC_PROGRAM = 0x50525354; // "TSRP"
export const MAGIC_ERROR = 0x45525354; // "TSRE"
const VERSION = 1;
const HEADER_SIZE = 32;
export const INSN_SIZE = 80;
const ANY_ERRNO = 0xffffffff;
const NO_MSG = 0xffffffff;
const NO_REG = 0xffff;
const NREG = 1024;

export enum Op { Syscall = 1, Jump, Jeq, Jne, Jset, Jlt, Load, Store, Mov, Alu, Itoa, Fail, Exit, Call, Ret }
export enum AluOp { Add = 0, Sub, And, Or, Shl, Shr }
const enum Kind { Imm = 0, Data = 1, Reg = 2 }

/** A pointer into the program's data. */
export class Ref {
  constructor(readonly off: number, readonly size: number, readonly show: string) {}
  /** A pointer `delta` bytes further. */
  at(delta: number, show = `${this.show}+${delta}`): Ref { return new Ref(this.off + delta, this.size - delta, show); }
}

/** One of the interpreter's 1024 registers, by the name the plan shows. */
export class Reg {
  constructor(readonly n: number, readonly name: string) {}
}

/** An immediate the plan shows by name (an inherited fd, say): its value is known only at create. */
export class Named {
  constructor(readonly value: number | bigint, readonly name: string) {}
}

export type Arg = number | bigint | Ref | Reg | Named;

export class Label {
  index = -1;
  constructor(readonly name: string) {}
}

/** The registers every program starts with (see interp.c). */
export const R_REPORT = new Reg(0, 'report');
export const R_FAILCODE = new Reg(1, 'failcode');
export const R_TRACE = new Reg(2, 'trace');
/** Subroutines take their arguments in A0-A3 and return in RV (a second value in RV2). */
export const A0 = new Reg(3, 'a0');
export const A1 = new Reg(4, 'a1');
export const A2 = new Reg(5, 'a2');
export const A3 = new Reg(6, 'a3');
export const RV = new Reg(7, 'rv');
export const RV2 = new Reg(8, 'rv2');
const FIRST_FREE_REG = 9;

export interface StepOptions {
  /** Register for the result. */
  dst?: Reg;
  /** Failing with this errno (or any: 'any') goes to `goto` instead of ending the container's creation. */
  unless?: { errno: number | 'any'; goto: Label };
  /** Why the step is there: the config field it comes from, or the runtime's reason. */
  why?: string;
  /** What the step does, as an error names it (`mount proc on /proc`): the description of a failure. */
  msg?: string;
  /** A failure attaches the string this argument points to; `{text}` in msg stands for it. */
  textArg?: number;
}

export interface Insn {
  op: Op;
  nr: number;
  name: string;
  dst: Reg | null;
  args: Arg[];
  altErrno: number | null;
  target: Label | null;
  msg: string | null;
  why: string | null;
  /** Emitted after the container's seccomp filter is installed: a failure may be the filter's doing. */
  filtered: boolean;
  textArg: number | null;
}

/** Ends the description of a step that runs under the container's seccomp filter (see describeRecord). */
export const FILTERED_MARK = '\x1f';

const SYSCALL_NAMES: Record<number, string> = {};
for (const [name, nr] of Object.entries(X86_64)) SYSCALL_NAMES[nr] ??= name;
export const syscallName = (nr: number): string => SYSCALL_NAMES[nr] ?? `syscall ${nr}`;

export class Program {
  readonly insns: Insn[] = [];
  /** The data, laid out as the interpreter gets it (zeroed where nothing was written). */
  private data = Buffer.alloc(16384);
  private dataLen = 0;
  private readonly relocs: number[] = [];
  private readonly strings = new Map<string, Ref>();
  private nextReg = FIRST_FREE_REG;
  /** Named sections of the plan, by the index of their first step. */
  readonly sections: { at: number; title: string }[] = [];
  /** Set once the steps emitted so far have installed the container's seccomp filter. */
  filtered = false;
  /** Out-of-line code (failure branches, subroutines), emitted after the main flow by finish(). */
  private deferred: (() => void)[] = [];
  private subroutines = new Map<string, Label>();
  private finished = false;

  /** Starts a section of the plan: what the next steps are for. */
  section(title: string): void {
    this.sections.push({ at: this.insns.length, title });
  }

  reg(name: string): Reg {
    if (this.nextReg >= NREG) throw new Error('program: out of registers');
    return new Reg(this.nextReg++, name);
  }

  label(name: string): Label {
    return new Label(name);
  }

  bind(l: Label): void {
    if (l.index >= 0) throw new Error(`program: label ${l.name} bound twice`);
    l.index = this.insns.length;
  }

  // ---------- data ----------

  /** Room for size bytes at the next multiple of align: their offset. */
  private reserve(size: number, align = 8): number {
    const off = this.dataLen + ((align - (this.dataLen % align)) % align);
    if (off + size > this.data.length) {
      const grown = Buffer.alloc(Math.max(this.data.length * 2, off + size));
      this.data.copy(grown, 0, 0, this.dataLen);
      this.data = grown;
    }
    this.dataLen = off + size;
    return off;
  }

  private append(bytes: Buffer, align = 8): number {
    const off = this.reserve(bytes.length, align);
    bytes.copy(this.data, off);
    return off;
  }

  /** A NUL-terminated string (shared between steps that use the same text). */
  str(s: string): Ref {
    let r = this.strings.get(s);
    if (!r) {
      const b = Buffer.from(s + '\0');
      r = new Ref(this.append(b, 1), b.length, JSON.stringify(s));
      this.strings.set(s, r);
    }
    return r;
  }

  /** A zeroed buffer the steps write into. */
  buf(size: number, show = `buf[${size}]`): Ref {
    return new Ref(this.reserve(size), size, show);
  }

  /** Bytes, as given (a struct, a BPF program). */
  bytes(b: Buffer, show = `bytes[${b.length}]`): Ref {
    return new Ref(this.append(Buffer.from(b)), b.length, show);
  }

  /**
   * A struct of 64-bit slots: numbers, or pointers into the data (which
   * the interpreter relocates when it loads the program).
   */
  slots(values: (number | bigint | Ref | null)[], show = 'struct'): Ref {
    const off = this.reserve(values.length * 8);
    values.forEach((v, i) => {
      if (v instanceof Ref) {
        write64(this.data, off + i * 8, v.off);
        this.relocs.push(off + i * 8);
      } else if (v !== null) {
        write64(this.data, off + i * 8, v);
      }
    });
    return new Ref(off, values.length * 8, show);
  }

  /** A NULL-terminated array of strings (argv, envp). */
  strv(list: string[], show = `[${list.map((s) => JSON.stringify(s)).join(', ')}]`): Ref {
    return this.slots([...list.map((s) => this.str(s)), null], show);
  }

  // ---------- steps ----------

  private emit(op: Op, nr: number, name: string, args: Arg[], o: StepOptions & { target?: Label } = {}): void {
    if (args.length > 6) throw new Error(`program: ${name}: at most 6 arguments`);
    this.insns.push({
      op, nr, name, args, dst: o.dst ?? null,
      altErrno: o.unless ? (o.unless.errno === 'any' ? ANY_ERRNO : o.unless.errno) : null,
      target: o.unless?.goto ?? o.target ?? null,
      msg: o.msg ?? null,
      why: o.why ?? null,
      filtered: this.filtered,
      textArg: o.textArg ?? null,
    });
  }

  /** A syscall by name; a failure ends the program with `msg` and the errno, unless `unless` says otherwise. */
  sys(name: string, args: Arg[], o: StepOptions = {}): void {
    const nr = X86_64[name];
    if (nr === undefined) throw new Error(`program: unknown syscall ${name}`);
    this.emit(Op.Syscall, nr, name, args, o);
  }

  jump(to: Label): void { this.emit(Op.Jump, 0, 'jump', [], { target: to }); }
  jeq(a: Arg, b: Arg, to: Label, why?: string): void { this.emit(Op.Jeq, 0, 'jeq', [a, b], { target: to, why }); }
  jne(a: Arg, b: Arg, to: Label, why?: string): void { this.emit(Op.Jne, 0, 'jne', [a, b], { target: to, why }); }
  jset(a: Arg, b: Arg, to: Label, why?: string): void { this.emit(Op.Jset, 0, 'jset', [a, b], { target: to, why }); }
  jlt(a: Arg, b: Arg, to: Label, why?: string): void { this.emit(Op.Jlt, 0, 'jlt', [a, b], { target: to, why }); }

  /** dst = the `size`-byte unsigned value at ptr + off. */
  load(dst: Reg, ptr: Ref | Reg, size: 1 | 2 | 4 | 8, off = 0): void {
    this.emit(Op.Load, 0, 'load', [ptr, size, off], { dst });
  }

  /** The `size` low bytes of value to ptr + off. */
  store(ptr: Ref | Reg, size: 1 | 2 | 4 | 8, off: number, value: Arg): void {
    this.emit(Op.Store, 0, 'store', [ptr, size, off, value]);
  }

  mov(dst: Reg, value: Arg): void { this.emit(Op.Mov, 0, 'mov', [value], { dst }); }

  alu(dst: Reg, op: AluOp, a: Arg, b: Arg): void { this.emit(Op.Alu, op, AluOp[op].toLowerCase(), [a, b], { dst }); }

  /** The decimal text of value, NUL-terminated, at out. */
  itoa(value: Arg, out: Ref, dst?: Reg): void { this.emit(Op.Itoa, 0, 'itoa', [value, out], { dst }); }

  /** Ends the program with msg (and errno, value, extra bytes in the record). */
  fail(msg: string, errno: Arg = 0, value: Arg = 0, extra: Ref | Reg | 0 = 0, extraLen: Arg = 0, why?: string): void {
    this.emit(Op.Fail, 0, 'fail', [errno, value, extra, extraLen], { msg, why });
  }

  exit(code: Arg): void { this.emit(Op.Exit, 0, 'exit', [code]); }

  call(to: Label, why?: string): void { this.emit(Op.Call, 0, `call ${to.name}`, [], { target: to, why }); }
  ret(): void { this.emit(Op.Ret, 0, 'ret', []); }

  /** Code emitted after the main flow (a failure branch): the main flow stays readable and short. */
  later(body: () => void): void {
    if (this.finished) throw new Error('program: finished');
    this.deferred.push(body);
  }

  /** The label of a subroutine, its body emitted once, after the main flow. */
  subroutine(name: string, body: () => void): Label {
    let l = this.subroutines.get(name);
    if (!l) {
      const label = this.label(name);
      this.subroutines.set(name, l = label);
      this.later(() => {
        this.section(`subroutine ${name}`);
        this.bind(label);
        body();
      });
    }
    return l;
  }

  /** Emits the out-of-line code; the main flow must have ended (exec or exit) before. */
  finish(): this {
    if (this.finished) return this;
    if (this.deferred.length) this.section('out of line: failures and subroutines');
    // Bodies may defer more code of their own.
    for (let i = 0; i < this.deferred.length; i++) this.deferred[i]();
    this.finished = true;
    return this;
  }

  // ---------- encoding ----------

  encode(): Buffer {
    if (!this.finished) throw new Error('program: encode before finish');
    for (const i of this.insns) {
      if (i.target && i.target.index < 0) throw new Error(`program: label ${i.target.name} never bound`);
    }
    const msgs = this.insns.map((i) => (i.msg === null && !i.filtered ? NO_MSG : this.str((i.msg ?? '') + (i.filtered ? FILTERED_MARK : '')).off));
    const data = this.data.subarray(0, this.dataLen);
    const insnOff = HEADER_SIZE;
    const relocOff = insnOff + this.insns.length * INSN_SIZE;
    const dataOff = align8(relocOff + this.relocs.length * 4);
    // A 32-bit length first, then the program. Written as 32-bit words
    // through one typed array (x86_64 is little-endian): Buffer's checked
    // writes, some 30 per step, were most of what encoding cost (4-5 ms of
    // a create), run as cold code.
    const whole = Buffer.from(new ArrayBuffer(4 + dataOff + data.length));
    const w = new Uint32Array(whole.buffer, 0, (4 + dataOff) >>> 2);
    w[0] = dataOff + data.length;
    const out = whole.subarray(4);
    w.set([MAGIC_PROGRAM, VERSION, this.insns.length, insnOff, dataOff, data.length, this.relocs.length, relocOff], 1);
    const insns = this.insns;
    for (let k = 0; k < insns.length; k++) {
      const insn = insns[k];
      const o = 4 + insnOff + k * INSN_SIZE; // in `whole`
      const q = o >>> 2;
      const dst = insn.dst ? insn.dst.n : NO_REG;
      w[q] = insn.op | (insn.textArg === null ? 0 : (1 | (insn.textArg << 1)) << 8) | (dst << 16);
      w[q + 1] = insn.altErrno ?? 0;
      w[q + 2] = insn.target ? insn.target.index : 0;
      w[q + 3] = msgs[k];
      w[q + 4] = insn.nr;
      const args = insn.args;
      for (let i = 0; i < args.length; i++) {
        const a = args[i];
        let kind = Kind.Imm;
        let v: number | bigint;
        if (a instanceof Ref) { kind = Kind.Data; v = a.off; }
        else if (a instanceof Reg) { kind = Kind.Reg; v = a.n; }
        else if (a instanceof Named) v = a.value;
        else v = a;
        whole[o + 20 + i] = kind;
        const at = q + 8 + i * 2;
        if (typeof v === 'number' && Number.isSafeInteger(v)) {
          w[at] = v >>> 0;
          w[at + 1] = Math.floor(v / 0x100000000) >>> 0;
        } else {
          whole.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v)), at * 4);
        }
      }
    }
    w.set(this.relocs, (4 + relocOff) >>> 2);
    data.copy(out, dataOff);
    return whole;
  }
}

const align8 = (n: number): number => (n + 7) & ~7;

/** A 64-bit two's complement value; plain numbers without a BigInt on the way. */
function write64(out: Buffer, off: number, v: number | bigint): void {
  if (typeof v === 'number' && Number.isSafeInteger(v)) {
    out.writeUInt32LE(v >>> 0, off);
    out.writeInt32LE(Math.floor(v / 0x100000000) | 0, off + 4);
  } else {
    out.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v)), off);
  }
}

/** A failure the interpreter reported: the step, its errno, its description, and what the step attached. */
export interface ErrorRecord {
  step: number;
  /** The syscall that failed, or null when a check failed. */
  nr: number | null;
  errno: number;
  value: bigint;
  msg: string;
  extra: Buffer;
}

export const ERROR_RECORD_SIZE = 32;

/** The error record at the start of buf, or null if buf does not hold a whole one. */
export function decodeErrorRecord(buf: Buffer): ErrorRecord | null {
  if (buf.length < ERROR_RECORD_SIZE || buf.readUInt32LE(0) !== MAGIC_ERROR) return null;
  const msgLen = buf.readUInt32LE(12);
  const extraLen = buf.readUInt32LE(16);
  if (buf.length < ERROR_RECORD_SIZE + msgLen + extraLen) return null;
  return {
    step: buf.readUInt32LE(4),
    nr: buf.readUInt32LE(20) === 0xffffffff ? null : buf.readUInt32LE(20),
    errno: buf.readInt32LE(8),
    value: buf.readBigInt64LE(24),
    msg: buf.subarray(ERROR_RECORD_SIZE, ERROR_RECORD_SIZE + msgLen).toString('utf8'),
    extra: buf.subarray(ERROR_RECORD_SIZE + msgLen, ERROR_RECORD_SIZE + msgLen + extraLen),
  };
}
