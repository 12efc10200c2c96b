// `tsrun plan`: the plan of a bundle as text or JSON, without running
// anything. The container's program printed is the object `create` would
// send tsrun-init (plan/init.ts builds both); the runtime's own steps are
// listed from the same normalized config.
import { Named, Op, Ref, Reg, type Arg, type Insn, type Program } from '../init/program';

export function showArg(a: Arg): string {
  if (a instanceof Ref) return a.show;
  if (a instanceof Reg) return a.name;
  if (a instanceof Named) return `${a.name}`;
  const n = BigInt(a);
  return n >= 0x1000n || n < -0x1000n ? `0x${BigInt.asUintN(64, n).toString(16)}` : String(n);
}

function showInsn(insn: Insn): string {
  const target = insn.target ? insn.target.index : -1;
  const to = ` -> ${target}`;
  switch (insn.op) {
    case Op.Syscall: {
      let s = `${insn.name}(${insn.args.map(showArg).join(', ')})`;
      if (insn.dst) s = `${insn.dst.name} = ${s}`;
      if (insn.altErrno !== null) s += `, on ${insn.altErrno === 0xffffffff ? 'any error' : errnoName(insn.altErrno)}${to}`;
      return s;
    }
    case Op.Jump: return `goto ${target}`;
    case Op.Jeq: return `if ${showArg(insn.args[0])} == ${showArg(insn.args[1])}${to}`;
    case Op.Jne: return `if ${showArg(insn.args[0])} != ${showArg(insn.args[1])}${to}`;
    case Op.Jset: return `if ${showArg(insn.args[0])} & ${showArg(insn.args[1])}${to}`;
    case Op.Jlt: return `if ${showArg(insn.args[0])} < ${showArg(insn.args[1])}${to}`;
    case Op.Load: return `${insn.dst!.name} = u${Number(insn.args[1]) * 8} at ${showArg(insn.args[0])}+${showArg(insn.args[2])}`;
    case Op.Store: return `u${Number(insn.args[1]) * 8} at ${showArg(insn.args[0])}+${showArg(insn.args[2])} = ${showArg(insn.args[3])}`;
    case Op.Mov: return `${insn.dst!.name} = ${showArg(insn.args[0])}`;
    case Op.Alu: return `${insn.dst!.name} = ${insn.name}(${showArg(insn.args[0])}, ${showArg(insn.args[1])})`;
    case Op.Itoa: return `${showArg(insn.args[1])} = decimal ${showArg(insn.args[0])}`;
    case Op.Fail: return `fail ${JSON.stringify(insn.msg)}`;
    case Op.Exit: return `exit ${showArg(insn.args[0])}`;
  }
  return insn.name;
}

function errnoName(n: number): string {
  return (require('../linux/errors') as typeof import('../linux/errors')).errnoName(n);
}

export interface HostStep { what: string; why: string }

export interface PlanDoc {
  bundle: string;
  runtime: HostStep[];
  init: Program;
}

export function planText(doc: PlanDoc): string {
  const lines: string[] = [`Plan for the bundle ${doc.bundle}`, '', 'tsrun create, in the runtime (the host\'s namespaces):'];
  doc.runtime.forEach((s, i) => lines.push(`  ${String(i + 1).padStart(2)}. ${s.what}${s.why ? `    # ${s.why}` : ''}`));
  const p = doc.init;
  lines.push('', `tsrun-init, in the container (${p.insns.length} steps; "-> N": where a step goes on that outcome):`);
  let section = 0;
  const width = String(p.insns.length).length;
  p.insns.forEach((insn, i) => {
    while (section < p.sections.length && p.sections[section].at === i) lines.push(`  == ${p.sections[section++].title} ==`);
    const why = insn.why ? `    # ${insn.why}` : '';
    lines.push(`  ${String(i).padStart(width)}  ${showInsn(insn)}${why}`);
  });
  return lines.join('\n') + '\n';
}

export function planJson(doc: PlanDoc): string {
  const p = doc.init;
  const sections = [...p.sections];
  const steps = p.insns.map((insn, i) => {
    const s = sections.filter((x) => x.at <= i).pop();
    return {
      step: i,
      section: s?.title,
      op: Op[insn.op].toLowerCase(),
      ...(insn.op === Op.Syscall ? { syscall: insn.name } : {}),
      ...(insn.op === Op.Alu ? { alu: insn.name } : {}),
      args: insn.args.map(showArg),
      ...(insn.dst ? { result: insn.dst.name } : {}),
      ...(insn.target ? { goto: insn.target.index } : {}),
      ...(insn.altErrno !== null ? { on: insn.altErrno === 0xffffffff ? 'any error' : errnoName(insn.altErrno) } : {}),
      ...(insn.msg ? { error: insn.msg } : {}),
      ...(insn.why ? { why: insn.why } : {}),
    };
  });
  return JSON.stringify({ bundle: doc.bundle, runtime: doc.runtime, init: steps }, null, 2) + '\n';
}
