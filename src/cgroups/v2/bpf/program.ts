// The cgroup v2 device filter: a BPF_PROG_TYPE_CGROUP_DEVICE program built
// from the device rules. The program sees struct bpf_cgroup_dev_ctx
//   u32 access_type  (access << 16 | type)
//   u32 major
//   u32 minor
// and returns 1 to allow, 0 to deny. The rules are tested last to first and
// the first match decides, which is "the last matching rule wins"; when none
// matches, the default (deny, unless the last reset rule allowed all).
import type { DeviceRule } from '../../devices';

export const BPF_DEVCG_DEV_BLOCK = 1;
export const BPF_DEVCG_DEV_CHAR = 2;
export const BPF_DEVCG_ACC_MKNOD = 1;
export const BPF_DEVCG_ACC_READ = 2;
export const BPF_DEVCG_ACC_WRITE = 4;

// Opcodes (linux/bpf_common.h, linux/bpf.h).
const BPF_LDX_MEM_W = 0x61; // BPF_LDX | BPF_MEM | BPF_W
const BPF_ALU_AND_K = 0x54; // BPF_ALU | BPF_AND | BPF_K (32-bit)
const BPF_ALU_RSH_K = 0x74; // BPF_ALU | BPF_RSH | BPF_K
const BPF_ALU_MOV_K = 0xb4; // BPF_ALU | BPF_MOV | BPF_K
const BPF_ALU_MOV_X = 0xbc; // BPF_ALU | BPF_MOV | BPF_X
const BPF_JMP_JNE_K = 0x55; // BPF_JMP | BPF_JNE | BPF_K
const BPF_JMP_JNE_X = 0x5d; // BPF_JMP | BPF_JNE | BPF_X
const BPF_JMP_JEQ_K = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
const BPF_JMP_EXIT = 0x95; // BPF_JMP | BPF_EXIT

export interface Insn {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

const insn = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({ code, dst, src, off, imm });
/** A jump whose offset is patched to the start of the next block. */
const NEXT = Symbol('next');
type Pending = Insn & { [NEXT]?: true };
const jumpNext = (code: number, dst: number, src: number, imm: number): Pending => ({ ...insn(code, dst, src, 0, imm), [NEXT]: true });

export function accessMask(access: string): number {
  let m = 0;
  if (access.includes('r')) m |= BPF_DEVCG_ACC_READ;
  if (access.includes('w')) m |= BPF_DEVCG_ACC_WRITE;
  if (access.includes('m')) m |= BPF_DEVCG_ACC_MKNOD;
  return m;
}

const ALL_ACCESS = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;

/** One rule: jumps to the next block unless the request matches, then returns the rule's verdict. */
function ruleBlock(r: DeviceRule): Pending[] {
  const out: Pending[] = [];
  if (r.type !== 'a') out.push(jumpNext(BPF_JMP_JNE_K, 2, 0, r.type === 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK));
  const acc = accessMask(r.access);
  if (acc !== ALL_ACCESS) {
    out.push(insn(BPF_ALU_MOV_X, 1, 3, 0, 0), insn(BPF_ALU_AND_K, 1, 0, 0, acc));
    // allow: every requested bit granted (r1 == r3); deny: any requested bit named (r1 != 0).
    out.push(r.allow ? jumpNext(BPF_JMP_JNE_X, 1, 3, 0) : jumpNext(BPF_JMP_JEQ_K, 1, 0, 0));
  }
  if (r.major !== -1) out.push(jumpNext(BPF_JMP_JNE_K, 4, 0, r.major | 0));
  if (r.minor !== -1) out.push(jumpNext(BPF_JMP_JNE_K, 5, 0, r.minor | 0));
  out.push(insn(BPF_ALU_MOV_K, 0, 0, 0, r.allow ? 1 : 0), insn(BPF_JMP_EXIT, 0, 0, 0, 0));
  return out;
}

/** The program's instructions for a policy from effectiveDeviceRules(). */
export function deviceFilterInsns(policy: { defaultAllow: boolean; rules: DeviceRule[] }): Insn[] {
  const prologue = [
    insn(BPF_LDX_MEM_W, 2, 1, 0, 0), // r2 = ctx->access_type
    insn(BPF_ALU_AND_K, 2, 0, 0, 0xffff), // r2 = type
    insn(BPF_LDX_MEM_W, 3, 1, 0, 0), // r3 = ctx->access_type
    insn(BPF_ALU_RSH_K, 3, 0, 0, 16), // r3 = access
    insn(BPF_LDX_MEM_W, 4, 1, 4, 0), // r4 = ctx->major
    insn(BPF_LDX_MEM_W, 5, 1, 8, 0), // r5 = ctx->minor
  ];
  // Last rule first. The earliest rules that agree with the default change
  // nothing: falling through to the default gives the same answer.
  const ordered = [...policy.rules].reverse();
  while (ordered.length && ordered[ordered.length - 1].allow === policy.defaultAllow) ordered.pop();
  const out: Insn[] = [...prologue];
  for (const r of ordered) {
    const block = ruleBlock(r);
    const start = out.length;
    const nextStart = start + block.length;
    block.forEach((ins, i) => {
      const at = start + i;
      out.push(ins[NEXT] ? insn(ins.code, ins.dst, ins.src, nextStart - (at + 1), ins.imm) : insn(ins.code, ins.dst, ins.src, ins.off, ins.imm));
    });
  }
  out.push(insn(BPF_ALU_MOV_K, 0, 0, 0, policy.defaultAllow ? 1 : 0), insn(BPF_JMP_EXIT, 0, 0, 0, 0));
  return out;
}

/** struct bpf_insn[]: u8 code, u8 dst:4 src:4, s16 off, s32 imm (little-endian). */
export function encodeInsns(insns: Insn[]): Buffer {
  const buf = Buffer.alloc(insns.length * 8);
  insns.forEach((ins, i) => {
    buf.writeUInt8(ins.code, i * 8);
    buf.writeUInt8(((ins.src & 0xf) << 4) | (ins.dst & 0xf), i * 8 + 1);
    buf.writeInt16LE(ins.off, i * 8 + 2);
    buf.writeInt32LE(ins.imm, i * 8 + 4);
  });
  return buf;
}
