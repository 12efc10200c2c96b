// linux.seccomp as the runtime-spec defines it: the names it uses, what
// they mean to the kernel, and the checks a JSON schema cannot express.
import { SECCOMP_FILTER_FLAG_NEW_LISTENER } from '../linux/constants';
import type { Seccomp } from '../spec/types';

// SECCOMP_RET_* (linux/seccomp.h): the action in the high 16 bits, its data in the low 16.
export const RET = {
  KILL_PROCESS: 0x80000000,
  KILL_THREAD: 0x00000000,
  TRAP: 0x00030000,
  ERRNO: 0x00050000,
  USER_NOTIF: 0x7fc00000,
  TRACE: 0x7ff00000,
  LOG: 0x7ffc0000,
  ALLOW: 0x7fff0000,
} as const;
export const RET_ACTION_FULL = 0xffff0000;
export const RET_DATA = 0x0000ffff;

// seccomp_data.arch of the ABIs an x86_64 kernel runs (linux/audit.h); x32 shares x86_64's.
export const AUDIT_ARCH_X86_64 = 0xc000003e;
export const AUDIT_ARCH_I386 = 0x40000003;

/** The profile's action names; SCMP_ACT_KILL is libseccomp's old name for KILL_THREAD. */
export const ACTIONS: Record<string, number> = {
  SCMP_ACT_KILL: RET.KILL_THREAD,
  SCMP_ACT_KILL_THREAD: RET.KILL_THREAD,
  SCMP_ACT_KILL_PROCESS: RET.KILL_PROCESS,
  SCMP_ACT_TRAP: RET.TRAP,
  SCMP_ACT_ERRNO: RET.ERRNO,
  SCMP_ACT_TRACE: RET.TRACE,
  SCMP_ACT_ALLOW: RET.ALLOW,
  SCMP_ACT_LOG: RET.LOG,
  SCMP_ACT_NOTIFY: RET.USER_NOTIF,
};

/** The architectures whose syscalls an x86_64 kernel runs; a profile's others never match here and are ignored. */
export const ARCHES = ['SCMP_ARCH_X86', 'SCMP_ARCH_X86_64', 'SCMP_ARCH_X32'];

export const OPERATORS = ['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ'] as const;
export type Operator = (typeof OPERATORS)[number];

// seccomp(2) flags (linux/seccomp.h).
export const FILTER_FLAG = {
  TSYNC: 1,
  LOG: 2,
  SPEC_ALLOW: 4,
  NEW_LISTENER: SECCOMP_FILTER_FLAG_NEW_LISTENER,
  TSYNC_ESRCH: 16,
  WAIT_KILLABLE_RECV: 32,
} as const;

/**
 * The profile's flags, as seccomp(2) flags. TSYNC maps to nothing: it
 * would put the filter on every thread of the init, but only the thread
 * that execs matters (execve ends the others), as in runc, which ignores
 * it too.
 */
export const FLAGS: Record<string, number> = {
  SECCOMP_FILTER_FLAG_TSYNC: 0,
  SECCOMP_FILTER_FLAG_LOG: FILTER_FLAG.LOG,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: FILTER_FLAG.SPEC_ALLOW,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: FILTER_FLAG.WAIT_KILLABLE_RECV,
};

/** The kernel release that brought each flag (Documentation/userspace-api/seccomp_filter.rst). */
const FLAG_SINCE: Record<string, [number, number]> = {
  SECCOMP_FILTER_FLAG_TSYNC: [3, 17],
  SECCOMP_FILTER_FLAG_LOG: [4, 14],
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: [4, 17],
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: [5, 19],
};

/** The flags the running kernel takes, from its release (`uname -r`). */
export function supportedFlags(release: string): string[] {
  const m = /^(\d+)\.(\d+)/.exec(release);
  const [major, minor] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
  return Object.keys(FLAG_SINCE).filter((f) => major > FLAG_SINCE[f][0] || (major === FLAG_SINCE[f][0] && minor >= FLAG_SINCE[f][1]));
}

/** The largest errno the kernel returns as an error (MAX_ERRNO). */
const MAX_ERRNO = 4095;
export const EPERM = 1;
export const ENOSYS = 38;

/** The SECCOMP_RET_* value of an action with its errnoRet (EPERM when unset, as runc). */
export function actionValue(action: string, errnoRet: number | undefined): number {
  const base = ACTIONS[action];
  if (base === RET.ERRNO || base === RET.TRACE) return (base | ((errnoRet ?? EPERM) & RET_DATA)) >>> 0;
  return base;
}

/** How a verdict reads in an error message. */
export function describeAction(ret: number): string {
  const action = (ret & RET_ACTION_FULL) >>> 0;
  const data = ret & RET_DATA;
  for (const [name, value] of Object.entries(RET)) {
    if (value === action) return name === 'ERRNO' || name === 'TRACE' ? `SCMP_ACT_${name}(${data})` : `SCMP_ACT_${name}`;
  }
  return `0x${ret.toString(16)}`;
}

export function usesNotify(s: Seccomp): boolean {
  return (s.syscalls ?? []).some((r) => r.action === 'SCMP_ACT_NOTIFY');
}

/** Checks beyond the schema, one line per problem, each naming its JSON pointer. */
export function seccompProblems(s: Seccomp, at = '/linux/seccomp'): string[] {
  const out: string[] = [];
  const errnoCheck = (action: string, errnoRet: number | undefined, where: string) => {
    if (errnoRet === undefined) return;
    if (action !== 'SCMP_ACT_ERRNO' && action !== 'SCMP_ACT_TRACE') {
      out.push(`${where}: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno, not ${action}`);
    } else if (action === 'SCMP_ACT_ERRNO' && errnoRet > MAX_ERRNO) {
      out.push(`${where}: ${errnoRet} is not an errno (at most ${MAX_ERRNO})`);
    } else if (errnoRet > RET_DATA) {
      out.push(`${where}: ${errnoRet} does not fit the 16 bits of a seccomp return value`);
    }
  };
  if (s.defaultAction === 'SCMP_ACT_NOTIFY') {
    out.push(`${at}/defaultAction: SCMP_ACT_NOTIFY cannot be the default action (the runtime's own syscalls would wait on the agent)`);
  }
  errnoCheck(s.defaultAction, s.defaultErrnoRet, `${at}/defaultErrnoRet`);
  (s.syscalls ?? []).forEach((rule, i) => {
    const where = `${at}/syscalls/${i}`;
    errnoCheck(rule.action, rule.errnoRet, `${where}/errnoRet`);
    rule.names.forEach((name, k) => {
      if (!name) out.push(`${where}/names/${k}: empty string is not a valid syscall`);
      // The init hands the listener to the runtime with sendmsg(2), under
      // the filter: notified, it would wait for an agent that has no
      // listener yet. write: runc's rule (the init writes its error records).
      if ((name === 'write' || name === 'sendmsg') && rule.action === 'SCMP_ACT_NOTIFY') out.push(`${where}/names/${k}: SCMP_ACT_NOTIFY cannot be used for the ${name} syscall`);
    });
    (rule.args ?? []).forEach((arg, j) => {
      if (arg.index > 5) out.push(`${where}/args/${j}/index: a syscall has six arguments (0 to 5), not ${arg.index}`);
    });
  });
  const notify = usesNotify(s);
  if (notify && !s.listenerPath) out.push(`${at}/listenerPath: required when a rule's action is SCMP_ACT_NOTIFY`);
  if (s.listenerMetadata !== undefined && s.listenerPath === undefined) out.push(`${at}/listenerMetadata: must not be set without listenerPath`);
  (s.flags ?? []).forEach((flag, i) => {
    if (flag === 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV' && !notify) {
      out.push(`${at}/flags/${i}: ${flag} applies to notifications only: no rule's action is SCMP_ACT_NOTIFY`);
    }
  });
  return out;
}
