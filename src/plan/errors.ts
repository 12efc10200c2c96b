// The words of a failure the init reported: its error record (the step's
// description, the errno, a value, bytes the step attached) turned into the
// one line a user reads, with the seccomp profile named when it is what
// refused the call.
import { errnoDescription, errnoName } from '../linux/errors';
import { FILTERED_MARK, syscallName, type ErrorRecord } from '../init/program';
import { signalName } from '../linux/signals';
import { stderrTail } from '../hooks';
import { HOOK_STDERR } from './hooks';


const major = (rdev: bigint): bigint => ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
const minor = (rdev: bigint): bigint => (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);

/** What a node is, from st_rdev with its file type in the top bits (checkNode). */
function describeNode(value: bigint): string {
  const v = BigInt.asUintN(64, value);
  const type = Number(v >> 48n) & 0xf000;
  const rdev = v & 0xffffffffffffn;
  const dev = `${major(rdev)}:${minor(rdev)}`;
  switch (type) {
    case 0x2000: return `a character device ${dev}`;
    case 0x6000: return `a block device ${dev}`;
    case 0x4000: return 'a directory';
    case 0x8000: return 'a regular file';
    case 0x1000: return 'a fifo';
    case 0xa000: return 'a symbolic link';
    default: return 'a socket';
  }
}

/** Something that can tell whether the container's filter returns errno for a syscall (filterExplainer below). */
export interface RefusalExplainer {
  refuses(nr: number, errno: number): string | null;
}

export function describeRecord(r: ErrorRecord, filter?: RefusalExplainer | null): string {
  const filtered = r.msg.endsWith(FILTERED_MARK);
  let msg = (filtered ? r.msg.slice(0, -FILTERED_MARK.length) : r.msg)
    .replace('{value}', String(r.value))
    .replace('{node}', () => describeNode(r.value))
    .replace('{signal}', signalName(Number(r.value)) ?? String(r.value))
    .replace(HOOK_STDERR, stderrTail(r.extra.toString('utf8')))
    .replace('{text}', r.extra.toString('utf8'));
  if (!msg) msg = r.nr !== null ? syscallName(r.nr) : `step ${r.step}`;
  if (r.errno) msg += `: ${errnoName(r.errno)}: ${errnoDescription(r.errno)}`;
  if (filtered && filter && r.nr !== null && r.errno) {
    const why = filter.refuses(r.nr, r.errno);
    if (why) msg += ` (${why})`;
  }
  return msg;
}

/** Explains refusals by the container's compiled filter (base64 struct sock_filter[]), run on the call's number with all-zero and all-ones arguments alike, so that an argument rule is not guessed at. */
export function filterExplainer(filterBase64: string): RefusalExplainer {
  return {
    refuses(nr, errno) {
      const { decode, run } = require('../seccomp/bpf') as typeof import('../seccomp/bpf');
      const { AUDIT_ARCH_X86_64, describeAction, RET, RET_ACTION_FULL, RET_DATA } = require('../seccomp/profile') as typeof import('../seccomp/profile');
      const insns = decode(Buffer.from(filterBase64, 'base64'));
      const verdicts = [0n, 0xffffffffffffffffn].map((v) => run(insns, { arch: AUDIT_ARCH_X86_64, nr, args: Array(6).fill(v) }).verdict);
      const expected = (RET.ERRNO | (Math.abs(errno) & RET_DATA)) >>> 0;
      if (verdicts.every((v) => v === expected) && ((verdicts[0] & RET_ACTION_FULL) >>> 0) === RET.ERRNO) {
        return `${syscallName(nr)} is refused by the container's seccomp profile, linux.seccomp: ${describeAction(expected)}`;
      }
      return null;
    },
  };
}
