// Signal names and numbers (x86_64), parsed the way runc's kill does: a
// number, a name with or without the SIG prefix, case-insensitive.

const SIGNALS: Record<string, number> = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, IOT: 6, BUS: 7, FPE: 8, KILL: 9,
  USR1: 10, SEGV: 11, USR2: 12, PIPE: 13, ALRM: 14, TERM: 15, STKFLT: 16, CHLD: 17,
  CONT: 18, STOP: 19, TSTP: 20, TTIN: 21, TTOU: 22, URG: 23, XCPU: 24, XFSZ: 25,
  VTALRM: 26, PROF: 27, WINCH: 28, IO: 29, POLL: 29, PWR: 30, SYS: 31,
};
const SIGRTMIN = 34;
const SIGRTMAX = 64;

/** Parses a signal as runc does; returns undefined for an unknown one. */
export function parseSignal(raw: string): number | undefined {
  if (/^[0-9]+$/.test(raw)) {
    const n = Number(raw);
    return n >= 1 && n <= SIGRTMAX ? n : undefined;
  }
  let name = raw.toUpperCase();
  if (name.startsWith('SIG')) name = name.slice(3);
  if (name in SIGNALS) return SIGNALS[name];
  const rt = /^RTMIN(?:\+([0-9]+))?$/.exec(name) ?? null;
  if (rt) {
    const n = SIGRTMIN + Number(rt[1] ?? 0);
    return n <= SIGRTMAX ? n : undefined;
  }
  const rtmax = /^RTMAX(?:-([0-9]+))?$/.exec(name);
  if (rtmax) {
    const n = SIGRTMAX - Number(rtmax[1] ?? 0);
    return n >= SIGRTMIN ? n : undefined;
  }
  return undefined;
}

const NAMES: string[] = [];
for (const [name, n] of Object.entries(SIGNALS)) NAMES[n] ??= `SIG${name}`;

/** SIGKILL for 9; undefined for a number without a name (a real-time signal). */
export function signalName(n: number): string | undefined {
  return NAMES[n];
}

export const SIGSYS = SIGNALS.SYS;

/** A waitpid(2) status: how the process ended. */
export function waitOutcome(status: number): { code: number; signal: 0 } | { code: null; signal: number } {
  return (status & 0x7f) === 0 ? { code: (status >> 8) & 0xff, signal: 0 } : { code: null, signal: status & 0x7f };
}

/** A waitpid(2) status as a shell reports it: the exit code, or 128 + the signal. */
export function shellExitCode(status: number): number {
  const o = waitOutcome(status);
  return o.code ?? 128 + o.signal;
}
