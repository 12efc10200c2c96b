// linux.seccomp compiled to a classic BPF program for seccomp(2), with the
// verdicts runc gives the same profile (runc 1.1 with libseccomp 2.5):
// - each name is resolved in each ABI the filter covers: x86_64 always
//   (the native one), x32 and i386 when listed; a name unknown to an ABI is
//   skipped there. A syscall of an ABI the filter does not cover kills the
//   thread, as libseccomp's "bad arch" action does.
// - rules whose action is the default action are dropped, as runc does.
// - for one syscall, the first unconditional rule decides; without one,
//   the conditional rules are tried in the profile's order and the first
//   whose conditions all hold decides; none: the default action.
// - several conditions on distinct arguments are ANDed; when an entry
//   names the same argument twice, runc and crun make each of its
//   conditions a rule of its own (they are ORed), and so does tsrun.
// - 64-bit arguments are compared on both 32-bit halves on x86_64; on x32
//   and i386, as by libseccomp, on the low half only.
// - i386's socketcall(2) and ipc(2) multiplexers get a rule for each socket
//   or SysV IPC call a rule names, as libseccomp makes them: its first
//   argument must be the call's number, in place of any condition on the
//   first argument; the conditions on the others stay, although they then
//   test the multiplexer's arguments (a pointer), not the call's.
// - unless the default action is ALLOW, LOG or TRACE, a syscall numbered
//   above every syscall the profile names (in its ABI) fails with ENOSYS,
//   as runc's patched filter does: programs then fall back from syscalls
//   newer than the profile (clone3, say) instead of failing on EPERM.
// Where libseccomp tests syscalls one after the other, this program finds
// the syscall's number by a binary search over ranges of numbers with the
// same verdict: a handful of instructions for any syscall.
import { Assembler, BPF_MAXINSNS, encode, SECCOMP_DATA, type Label } from './bpf';
import { actionValue, AUDIT_ARCH_I386, AUDIT_ARCH_X86_64, ENOSYS, FILTER_FLAG, FLAGS, RET, RET_ACTION_FULL, type Operator, usesNotify } from './profile';
import { X32_SYSCALL_BIT, X86, X86_64, X32 } from './tables';
import type { Seccomp } from '../spec/types';


type AbiName = 'x86_64' | 'x32' | 'x86';
interface Abi { name: AbiName; table: Readonly<Record<string, number>>; bit: number; wide: boolean }
const ABIS: Record<AbiName, Abi> = {
  x86_64: { name: 'x86_64', table: X86_64, bit: 0, wide: true },
  x32: { name: 'x32', table: X32, bit: X32_SYSCALL_BIT, wide: false },
  x86: { name: 'x86', table: X86, bit: 0, wide: false },
};
const ARCH_ABI: Record<string, AbiName> = { SCMP_ARCH_X86_64: 'x86_64', SCMP_ARCH_X32: 'x32', SCMP_ARCH_X86: 'x86' };

// i386 multiplexes the socket calls through socketcall(2) and SysV IPC
// through ipc(2), the call being their first argument (linux/net.h, linux/ipc.h).
const SOCKETCALLS: Record<string, number> = {
  socket: 1, bind: 2, connect: 3, listen: 4, accept: 5, getsockname: 6, getpeername: 7, socketpair: 8, send: 9, recv: 10,
  sendto: 11, recvfrom: 12, shutdown: 13, setsockopt: 14, getsockopt: 15, sendmsg: 16, recvmsg: 17, accept4: 18,
  recvmmsg: 19, sendmmsg: 20,
};
const IPC_CALLS: Record<string, number> = {
  semop: 1, semget: 2, semctl: 3, semtimedop: 4, msgsnd: 11, msgrcv: 12, msgget: 13, msgctl: 14,
  shmat: 21, shmdt: 22, shmget: 23, shmctl: 24,
};

export interface Condition { index: number; op: Operator; value: bigint; valueTwo: bigint }
interface Rule { action: number; conds: Condition[] }

export interface CompiledSeccomp {
  /** struct sock_filter[], as seccomp(2) takes it. */
  filter: Buffer;
  instructions: number;
  /** seccomp(2) flags, NEW_LISTENER included when a rule notifies. */
  flags: number;
  /** Names the profile gives that an ABI of the filter does not have (skipped there). */
  unknown: { abi: AbiName; name: string }[];
}

/** The exact value of a JSON number a double cannot hold, by JSON pointer (see spec/json-integers.ts). */
export type ExactIntegers = (pointer: string) => bigint | undefined;

const MASK32 = 0xffffffffn;
const hi = (v: bigint): number => Number((v >> 32n) & MASK32);
const lo = (v: bigint): number => Number(v & MASK32);

function argValue(v: number | undefined, pointer: string, exact?: ExactIntegers): bigint {
  if (v === undefined) return 0n;
  if (Number.isSafeInteger(v)) return BigInt(v);
  const e = exact?.(pointer);
  if (e === undefined) throw new Error(`${pointer}: ${v} is too large to be read exactly`);
  return BigInt.asUintN(64, e);
}

/** The profile's entries as rules, one list per syscall name, in the profile's order. */
function rulesByName(profile: Seccomp, defaultAction: number, at: string, exact?: ExactIntegers): Map<string, Rule[]> {
  const byName = new Map<string, Rule[]>();
  (profile.syscalls ?? []).forEach((entry, i) => {
    const action = actionValue(entry.action, entry.errnoRet);
    if (action === defaultAction) return;
    const conds: Condition[] = (entry.args ?? []).map((a, j) => ({
      index: a.index,
      op: a.op as Operator,
      value: argValue(a.value, `${at}/syscalls/${i}/args/${j}/value`, exact),
      valueTwo: argValue(a.valueTwo, `${at}/syscalls/${i}/args/${j}/valueTwo`, exact),
    }));
    const repeated = new Set(conds.map((c) => c.index)).size !== conds.length;
    const rules = repeated ? conds.map((c) => ({ action, conds: [c] })) : [{ action, conds }];
    for (const name of entry.names) {
      if (!byName.has(name)) byName.set(name, []);
      byName.get(name)!.push(...rules);
    }
  });
  return byName;
}

/** What one ABI's rules come to: the rules per syscall number and the ENOSYS cutoff. */
interface AbiRules { byNr: Map<number, Rule[]>; max: number | null }

function abiRules(abi: Abi, profile: Seccomp, byName: Map<string, Rule[]>, unknown: CompiledSeccomp['unknown']): AbiRules {
  const byNr = new Map<number, Rule[]>();
  const add = (nr: number, rules: Rule[]) => {
    if (!byNr.has(nr)) byNr.set(nr, []);
    byNr.get(nr)!.push(...rules);
  };
  for (const [name, rules] of byName) {
    const nr = abi.table[name];
    if (nr !== undefined) add(nr | abi.bit, rules);
    const mux = abi.name === 'x86' ? (name in SOCKETCALLS ? ['socketcall', SOCKETCALLS[name]] as const : name in IPC_CALLS ? ['ipc', IPC_CALLS[name]] as const : null) : null;
    if (mux) {
      const call: Condition = { index: 0, op: 'SCMP_CMP_EQ', value: BigInt(mux[1]), valueTwo: 0n };
      add(abi.table[mux[0]], rules.map((r) => ({ action: r.action, conds: [call, ...r.conds.filter((c) => c.index !== 0)] })));
    }
    if (nr === undefined && !mux) unknown.push({ abi: abi.name, name });
  }
  // The cutoff counts every name of the profile, also those whose rules were dropped.
  let max: number | null = null;
  for (const entry of profile.syscalls ?? []) {
    for (const name of entry.names) {
      const nr = abi.table[name];
      if (nr !== undefined && (max === null || (nr | abi.bit) >>> 0 > max)) max = (nr | abi.bit) >>> 0;
    }
  }
  return { byNr, max };
}

/** A leaf of the dispatch: a verdict, or the rules of one syscall (with 64-bit arguments or not). */
type Leaf = { ret: number } | { rules: Rule[]; wide: boolean; key: string };

interface Segment { start: number; leaf: Leaf }

/**
 * The verdict of every syscall number of one arch token, as segments of
 * [0, 2^32) each with one leaf: a syscall with rules is a segment of its
 * own; the numbers between get the default action, ENOSYS above the
 * cutoff, or the bad-arch kill for x32 numbers in a filter without x32.
 * The x86_64 token carries x32's syscalls too: x32 is given or null.
 */
function segments(main: AbiRules, wide: boolean, x32: AbiRules | null | undefined, defaultAction: number, enosysStub: boolean): Segment[] {
  const byNr = new Map<number, { rules: Rule[]; wide: boolean }>();
  for (const [nr, r] of main.byNr) byNr.set(nr, { rules: r, wide });
  for (const [nr, r] of x32?.byNr ?? []) byNr.set(nr, { rules: r, wide: false });
  const enosys = (max: number | null, nr: number) => enosysStub && max !== null && nr > max;
  const simple = (nr: number): number => {
    const bit30 = (nr & X32_SYSCALL_BIT) !== 0;
    if (x32 === undefined) return enosys(main.max, nr) ? RET.ERRNO | ENOSYS : defaultAction;
    if (x32) return enosys(bit30 ? x32.max : main.max, nr) ? RET.ERRNO | ENOSYS : defaultAction;
    if (!bit30 && enosys(main.max, nr)) return RET.ERRNO | ENOSYS;
    // No x32 in the filter: x32 numbers are a bad arch; -1 is not a syscall number of either.
    if (nr >= X32_SYSCALL_BIT && nr !== 0xffffffff) return RET.KILL_THREAD;
    return defaultAction;
  };
  const points = new Set<number>([0, X32_SYSCALL_BIT, 0x80000000, 0xc0000000, 0xffffffff]);
  for (const m of [main.max, x32?.max]) if (m !== null && m !== undefined && m < 0xffffffff) points.add(m + 1);
  for (const nr of byNr.keys()) {
    points.add(nr);
    if (nr < 0xffffffff) points.add(nr + 1);
  }
  const out: Segment[] = [];
  for (const start of [...points].sort((a, b) => a - b)) {
    const r = byNr.get(start);
    const leaf: Leaf = r ? decide(r.rules, r.wide) : { ret: simple(start) };
    const prev = out[out.length - 1];
    if (prev && 'ret' in prev.leaf && 'ret' in leaf && prev.leaf.ret === leaf.ret) continue;
    out.push({ start, leaf });
  }
  return out;
}

/** The rules of one syscall, reduced: an unconditional rule decides alone; repeated conditions go. */
function decide(rules: Rule[], wide: boolean): Leaf {
  const first = rules.find((r) => r.conds.length === 0);
  if (first) return { ret: first.action };
  const kept: Rule[] = [];
  const seen = new Set<string>();
  for (const r of rules) {
    const key = JSON.stringify(r.conds, big);
    if (!seen.has(key)) kept.push(r);
    seen.add(key);
  }
  return { rules: kept, wide, key: `${wide}:${JSON.stringify(kept, big)}` };
}

function big(_: string, v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}

/** Emits a test of one condition: jumps to yes when it holds, to no otherwise. */
function condition(asm: Assembler, c: Condition, wide: boolean, yes: Label, no: Label): void {
  const check = (half: (v: bigint) => number, offset: number, then: Label, op: Operator) => {
    const v = half(c.value);
    asm.load(offset);
    switch (op) {
      case 'SCMP_CMP_EQ': asm.jump('jeq', v, then, no); break;
      case 'SCMP_CMP_NE': asm.jump('jeq', v, no, then); break;
      case 'SCMP_CMP_GT': asm.jump('jgt', v, then, no); break;
      case 'SCMP_CMP_GE': asm.jump('jge', v, then, no); break;
      case 'SCMP_CMP_LT': asm.jump('jge', v, no, then); break;
      case 'SCMP_CMP_LE': asm.jump('jgt', v, no, then); break;
      case 'SCMP_CMP_MASKED_EQ': {
        // value is the mask, valueTwo the value: (arg & mask) == (valueTwo & mask).
        const mask = half(c.value);
        asm.and(mask);
        asm.jump('jeq', (half(c.valueTwo) & mask) >>> 0, then, no);
        break;
      }
    }
  };
  const loOff = SECCOMP_DATA.argLo(c.index);
  if (!wide) { check(lo, loOff, yes, c.op); return; }
  const hiOff = SECCOMP_DATA.argHi(c.index);
  const next = asm.label();
  const v = hi(c.value);
  switch (c.op) {
    case 'SCMP_CMP_EQ':
    case 'SCMP_CMP_NE': {
      // Both halves equal: EQ holds, NE does not.
      const [eq, ne] = c.op === 'SCMP_CMP_EQ' ? [yes, no] : [no, yes];
      asm.load(hiOff);
      asm.jump('jeq', v, next, ne);
      asm.place(next);
      asm.load(loOff);
      asm.jump('jeq', lo(c.value), eq, ne);
      return;
    }
    case 'SCMP_CMP_GT':
    case 'SCMP_CMP_GE':
    case 'SCMP_CMP_LT':
    case 'SCMP_CMP_LE': {
      // Decided by the high half unless it is equal; then by the low half.
      const above = c.op === 'SCMP_CMP_GT' || c.op === 'SCMP_CMP_GE' ? yes : no;
      const below = above === yes ? no : yes;
      const tie = asm.label();
      asm.load(hiOff);
      asm.jump('jgt', v, above, tie);
      asm.place(tie);
      asm.jump('jeq', v, next, below);
      asm.place(next);
      const low = lo(c.value);
      asm.load(loOff);
      if (c.op === 'SCMP_CMP_GT') asm.jump('jgt', low, yes, no);
      else if (c.op === 'SCMP_CMP_GE') asm.jump('jge', low, yes, no);
      else if (c.op === 'SCMP_CMP_LT') asm.jump('jge', low, no, yes);
      else asm.jump('jgt', low, no, yes);
      return;
    }
    case 'SCMP_CMP_MASKED_EQ': {
      const mask = hi(c.value);
      if (mask !== 0) {
        asm.load(hiOff);
        asm.and(mask);
        asm.jump('jeq', (hi(c.valueTwo) & mask) >>> 0, next, no);
      }
      asm.place(next);
      check(lo, loOff, yes, c.op);
      return;
    }
  }
}

/** The rules of one syscall: tried in turn, the first whose conditions hold decides. */
function emitRules(asm: Assembler, rules: Rule[], wide: boolean, defaultAction: number): void {
  for (const rule of rules) {
    const matched = asm.label();
    const failed = asm.label();
    rule.conds.forEach((c, i) => {
      const next = i === rule.conds.length - 1 ? matched : asm.label();
      condition(asm, c, wide, next, failed);
      if (next !== matched) asm.place(next);
    });
    asm.place(matched);
    asm.ret(rule.action);
    asm.place(failed);
  }
  asm.ret(defaultAction);
}

/** A binary search on seccomp_data.nr (already in A) over segments, to their leaves. */
function emitDispatch(asm: Assembler, segs: Segment[], block: (leaf: Extract<Leaf, { rules: Rule[] }>) => Label): void {
  const node = (from: number, to: number): void => {
    if (from === to) {
      const leaf = segs[from].leaf;
      if ('ret' in leaf) asm.ret(leaf.ret);
      else asm.goto(block(leaf));
      return;
    }
    const mid = (from + to + 1) >> 1;
    const left = asm.label();
    const right = asm.label();
    asm.jump('jge', segs[mid].start, right, left);
    asm.place(left);
    node(from, mid - 1);
    asm.place(right);
    node(mid, to);
  };
  node(0, segs.length - 1);
}

/** Compiles a validated profile for this machine (x86_64). */
export function compileSeccomp(profile: Seccomp, opts: { at?: string; exact?: ExactIntegers } = {}): CompiledSeccomp {
  const at = opts.at ?? '/linux/seccomp';
  const defaultAction = actionValue(profile.defaultAction, profile.defaultErrnoRet);
  const enosysStub = !([RET.ALLOW, RET.LOG, RET.TRACE] as number[]).includes((defaultAction & RET_ACTION_FULL) >>> 0);
  const byName = rulesByName(profile, defaultAction, at, opts.exact);
  const listed = new Set<AbiName>(['x86_64']);
  for (const a of profile.architectures ?? []) if (a in ARCH_ABI) listed.add(ARCH_ABI[a]);
  const unknown: CompiledSeccomp['unknown'] = [];
  const r64 = abiRules(ABIS.x86_64, profile, byName, unknown);
  const rX32 = listed.has('x32') ? abiRules(ABIS.x32, profile, byName, unknown) : null;
  const r86 = listed.has('x86') ? abiRules(ABIS.x86, profile, byName, unknown) : null;

  const asm = new Assembler();
  const blocks = new Map<string, { label: Label; rules: Rule[]; wide: boolean }>();
  const block = (leaf: Extract<Leaf, { rules: Rule[] }>): Label => {
    if (!blocks.has(leaf.key)) blocks.set(leaf.key, { label: asm.label(), rules: leaf.rules, wide: leaf.wide });
    return blocks.get(leaf.key)!.label;
  };
  const l64 = asm.label();
  const bad = asm.label();
  const l86 = r86 ? asm.label() : bad;
  asm.load(SECCOMP_DATA.arch);
  const notX86_64 = asm.label();
  asm.jump('jeq', AUDIT_ARCH_X86_64, l64, r86 ? notX86_64 : bad);
  if (r86) {
    asm.place(notX86_64);
    asm.jump('jeq', AUDIT_ARCH_I386, l86, bad);
  }
  asm.place(bad);
  asm.ret(RET.KILL_THREAD);
  asm.place(l64);
  asm.load(SECCOMP_DATA.nr);
  emitDispatch(asm, segments(r64, true, rX32, defaultAction, enosysStub), block);
  if (r86) {
    asm.place(l86);
    asm.load(SECCOMP_DATA.nr);
    emitDispatch(asm, segments(r86, false, undefined, defaultAction, enosysStub), block);
  }
  for (const b of blocks.values()) {
    asm.place(b.label);
    emitRules(asm, b.rules, b.wide, defaultAction);
  }
  const program = asm.assemble();
  if (program.length > BPF_MAXINSNS) {
    throw new Error(`${at}: the filter takes ${program.length} instructions, more than the kernel's limit of ${BPF_MAXINSNS}`);
  }
  let flags = 0;
  for (const f of profile.flags ?? []) flags |= FLAGS[f];
  if (usesNotify(profile)) flags |= FILTER_FLAG.NEW_LISTENER;
  return { filter: encode(program), instructions: program.length, flags, unknown };
}
