// Classic BPF as seccomp runs it: the instructions a filter is made of, an
// assembler with labels that turns jumps too long for a conditional's 8-bit
// offsets into `ja`, and an interpreter, which the tests use to check a
// filter's verdicts and tsrun uses to tell whether a failed syscall was
// refused by the container's filter.

// Instruction classes, sizes, modes, operations and sources (linux/bpf_common.h).
export const BPF_LD = 0x00, BPF_LDX = 0x01, BPF_ST = 0x02, BPF_STX = 0x03, BPF_ALU = 0x04, BPF_JMP = 0x05, BPF_RET = 0x06, BPF_MISC = 0x07;
export const BPF_W = 0x00, BPF_IMM = 0x00, BPF_ABS = 0x20, BPF_MEM = 0x60, BPF_LEN = 0x80;
export const BPF_ADD = 0x00, BPF_SUB = 0x10, BPF_MUL = 0x20, BPF_DIV = 0x30, BPF_OR = 0x40, BPF_AND = 0x50, BPF_LSH = 0x60, BPF_RSH = 0x70,
  BPF_NEG = 0x80, BPF_MOD = 0x90, BPF_XOR = 0xa0;
export const BPF_JA = 0x00, BPF_JEQ = 0x10, BPF_JGT = 0x20, BPF_JGE = 0x30, BPF_JSET = 0x40;
export const BPF_K = 0x00, BPF_X = 0x08, BPF_A = 0x10;
export const BPF_TAX = 0x00, BPF_TXA = 0x80;

/** Kernel limit on a filter's length (BPF_MAXINSNS). */
export const BPF_MAXINSNS = 4096;

/** struct seccomp_data offsets. */
export const SECCOMP_DATA = { nr: 0, arch: 4, ip: 8, argLo: (i: number) => 16 + 8 * i, argHi: (i: number) => 20 + 8 * i, size: 64 };

export interface Insn { code: number; jt: number; jf: number; k: number }

export type Cond = 'jeq' | 'jgt' | 'jge' | 'jset';
const COND_OP: Record<Cond, number> = { jeq: BPF_JEQ, jgt: BPF_JGT, jge: BPF_JGE, jset: BPF_JSET };

/** A jump target: a label, resolved when the program is assembled. */
export type Label = { readonly id: number };

type Item =
  | { kind: 'insn'; insn: Insn }
  | { kind: 'label'; label: Label }
  | { kind: 'jcond'; cond: Cond; k: number; jt: Label; jf: Label }
  | { kind: 'ja'; to: Label };

/**
 * Builds a program from instructions and labels. Conditional jumps name
 * both targets by label; `assemble` lays them out, and where a target is
 * more than 255 instructions ahead, routes that branch through a `ja`
 * (32-bit offset) placed right after the conditional.
 */
export class Assembler {
  private items: Item[] = [];
  private next = 0;

  label(): Label {
    return { id: this.next++ };
  }

  place(label: Label): void {
    this.items.push({ kind: 'label', label });
  }

  /** A = 32-bit word of seccomp_data at offset. */
  load(offset: number): void {
    this.items.push({ kind: 'insn', insn: { code: BPF_LD | BPF_W | BPF_ABS, jt: 0, jf: 0, k: offset } });
  }

  /** A &= k. */
  and(k: number): void {
    this.items.push({ kind: 'insn', insn: { code: BPF_ALU | BPF_AND | BPF_K, jt: 0, jf: 0, k: k >>> 0 } });
  }

  ret(k: number): void {
    this.items.push({ kind: 'insn', insn: { code: BPF_RET | BPF_K, jt: 0, jf: 0, k: k >>> 0 } });
  }

  jump(cond: Cond, k: number, jt: Label, jf: Label): void {
    this.items.push({ kind: 'jcond', cond, k: k >>> 0, jt, jf });
  }

  goto(to: Label): void {
    this.items.push({ kind: 'ja', to });
  }

  /**
   * Lays the program out. Jumps go forward only (the kernel requires it),
   * so a label must be placed after every jump to it. Each pass widens the
   * conditionals that do not reach; widening only moves code further
   * apart, so the passes end when nothing more needs it.
   */
  assemble(): Insn[] {
    const far = new Map<number, { t: boolean; f: boolean }>();
    for (;;) {
      const at = new Map<number, number>();
      let pc = 0;
      this.items.forEach((it, i) => {
        if (it.kind === 'label') at.set(it.label.id, pc);
        else if (it.kind === 'jcond') pc += 1 + (far.get(i)?.t ? 1 : 0) + (far.get(i)?.f ? 1 : 0);
        else pc += 1;
      });
      const out: Insn[] = [];
      let widened = false;
      this.items.forEach((it, i) => {
        if (it.kind === 'label') return;
        if (it.kind === 'insn') { out.push(it.insn); return; }
        const target = (l: Label): number => {
          const t = at.get(l.id);
          if (t === undefined) throw new Error(`bpf: label ${l.id} is never placed`);
          return t;
        };
        if (it.kind === 'ja') {
          const off = target(it.to) - out.length - 1;
          if (off < 0) throw new Error('bpf: backward jump');
          out.push({ code: BPF_JMP | BPF_JA, jt: 0, jf: 0, k: off });
          return;
        }
        const w = far.get(i) ?? { t: false, f: false };
        const here = out.length;
        const extra = (w.t ? 1 : 0) + (w.f ? 1 : 0);
        const dt = target(it.jt) - here - 1;
        const df = target(it.jf) - here - 1;
        if (dt < 0 || df < 0) throw new Error('bpf: backward jump');
        if ((!w.t && dt > 255) || (!w.f && df > 255)) {
          far.set(i, { t: w.t || dt > 255, f: w.f || df > 255 });
          widened = true;
        }
        // Widened branches land on their own `ja`, just after the conditional.
        const jt = w.t ? 0 : dt;
        const jf = w.f ? (w.t ? 1 : 0) : df;
        out.push({ code: BPF_JMP | COND_OP[it.cond] | BPF_K, jt: Math.min(jt, 255), jf: Math.min(jf, 255), k: it.k });
        if (w.t) out.push({ code: BPF_JMP | BPF_JA, jt: 0, jf: 0, k: target(it.jt) - here - 2 });
        if (w.f) out.push({ code: BPF_JMP | BPF_JA, jt: 0, jf: 0, k: target(it.jf) - here - 1 - extra });
      });
      if (!widened) return out;
    }
  }
}

/** struct sock_filter[] as the kernel reads it. */
export function encode(prog: Insn[]): Buffer {
  const b = Buffer.alloc(prog.length * 8);
  prog.forEach((p, i) => {
    b.writeUInt16LE(p.code, i * 8);
    b.writeUInt8(p.jt, i * 8 + 2);
    b.writeUInt8(p.jf, i * 8 + 3);
    b.writeUInt32LE(p.k >>> 0, i * 8 + 4);
  });
  return b;
}

export function decode(buf: Buffer): Insn[] {
  if (buf.length % 8) throw new Error(`bpf: ${buf.length} bytes is not a whole number of instructions`);
  const out: Insn[] = [];
  for (let o = 0; o < buf.length; o += 8) out.push({ code: buf.readUInt16LE(o), jt: buf[o + 2], jf: buf[o + 3], k: buf.readUInt32LE(o + 4) });
  return out;
}

/** The input of a seccomp filter: one syscall as the kernel describes it. */
export interface SeccompData { nr: number; arch: number; ip?: bigint; args?: bigint[] }

export function seccompData(d: SeccompData): Buffer {
  const b = Buffer.alloc(SECCOMP_DATA.size);
  b.writeUInt32LE(d.nr >>> 0, SECCOMP_DATA.nr);
  b.writeUInt32LE(d.arch >>> 0, SECCOMP_DATA.arch);
  b.writeBigUInt64LE(d.ip ?? 0n, SECCOMP_DATA.ip);
  (d.args ?? []).forEach((a, i) => b.writeBigUInt64LE(BigInt.asUintN(64, a), 16 + 8 * i));
  return b;
}

/**
 * Runs a filter on one input, as the kernel's seccomp would; returns the
 * verdict (SECCOMP_RET_*) and how many instructions ran. Throws on what the
 * kernel's checker would refuse at load time.
 */
export function run(prog: Insn[], data: SeccompData | Buffer): { verdict: number; steps: number } {
  const mem = Buffer.isBuffer(data) ? data : seccompData(data);
  const scratch = new Uint32Array(16);
  let A = 0, X = 0, pc = 0, steps = 0;
  const word = (k: number): number => {
    if (k % 4 || k + 4 > mem.length) throw new Error(`bpf: load of offset ${k} at ${pc}`);
    return mem.readUInt32LE(k);
  };
  while (pc < prog.length) {
    const { code, jt, jf, k } = prog[pc];
    steps++;
    const cls = code & 0x07;
    const src = code & BPF_X ? X : k;
    switch (cls) {
      case BPF_LD:
        if ((code & 0xe0) === BPF_ABS) A = word(k);
        else if ((code & 0xe0) === BPF_IMM) A = k;
        else if ((code & 0xe0) === BPF_MEM) A = scratch[k];
        else if ((code & 0xe0) === BPF_LEN) A = mem.length;
        else throw new Error(`bpf: load mode 0x${code.toString(16)} at ${pc}`);
        break;
      case BPF_LDX:
        if ((code & 0xe0) === BPF_IMM) X = k;
        else if ((code & 0xe0) === BPF_MEM) X = scratch[k];
        else if ((code & 0xe0) === BPF_LEN) X = mem.length;
        else throw new Error(`bpf: ldx mode 0x${code.toString(16)} at ${pc}`);
        break;
      case BPF_ST: scratch[k] = A; break;
      case BPF_STX: scratch[k] = X; break;
      case BPF_ALU: {
        const op = code & 0xf0;
        const v = src >>> 0;
        switch (op) {
          case BPF_ADD: A = (A + v) >>> 0; break;
          case BPF_SUB: A = (A - v) >>> 0; break;
          case BPF_MUL: A = Math.imul(A, v) >>> 0; break;
          // Division by zero ends the program with 0, as the kernel's interpreter does.
          case BPF_DIV: if (!v) return { verdict: 0, steps }; A = Math.floor(A / v) >>> 0; break;
          case BPF_MOD: if (!v) return { verdict: 0, steps }; A = (A % v) >>> 0; break;
          case BPF_OR: A = (A | v) >>> 0; break;
          case BPF_AND: A = (A & v) >>> 0; break;
          case BPF_XOR: A = (A ^ v) >>> 0; break;
          case BPF_LSH: A = v >= 32 ? 0 : (A << v) >>> 0; break;
          case BPF_RSH: A = v >= 32 ? 0 : A >>> v; break;
          case BPF_NEG: A = (-A) >>> 0; break;
          default: throw new Error(`bpf: alu op 0x${op.toString(16)} at ${pc}`);
        }
        break;
      }
      case BPF_JMP: {
        const op = code & 0xf0;
        if (op === BPF_JA) { pc += 1 + k; continue; }
        const v = src >>> 0;
        const taken = op === BPF_JEQ ? A === v : op === BPF_JGT ? A > v : op === BPF_JGE ? A >= v : op === BPF_JSET ? (A & v) !== 0 : null;
        if (taken === null) throw new Error(`bpf: jump op 0x${op.toString(16)} at ${pc}`);
        pc += 1 + (taken ? jt : jf);
        continue;
      }
      case BPF_RET:
        return { verdict: ((code & 0x18) === BPF_A ? A : k) >>> 0, steps };
      case BPF_MISC:
        if ((code & 0xf8) === BPF_TAX) X = A;
        else A = X;
        break;
    }
    pc++;
  }
  throw new Error('bpf: the program ran past its end');
}
