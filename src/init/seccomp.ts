// The container's seccomp filter in the process that execs: installed as
// late as it can be (see prepareProcess), its listener fd reported to the
// runtime, and errors explained when the filter is what refused a step the
// runtime takes after installing it.
import { decode, run, type Insn } from '../seccomp/bpf';
import { AUDIT_ARCH_X86_64, describeAction, FILTER_FLAG, RET, RET_ACTION_FULL, RET_DATA } from '../seccomp/profile';
import { X86_64 } from '../seccomp/tables';
import { closeSync } from 'node:fs';
import type { Syscalls } from '../linux/syscalls';
import type { SyncChannel } from '../sync';

/** The compiled filter, as create sends it to the init (and state.json keeps it for exec). */
export interface InitSeccomp {
  /** struct sock_filter[], base64. */
  filter: string;
  /** seccomp(2) flags; NEW_LISTENER when a rule notifies. */
  flags: number;
}

// The syscalls behind the names our errors give a failed call.
const CALLS: Record<string, string[]> = {
  exec: ['execve', 'execveat'],
  open: ['open', 'openat', 'openat2'],
  stat: ['stat', 'lstat', 'fstat', 'newfstatat', 'statx'],
  access: ['access', 'faccessat', 'faccessat2'],
  setrlimit: ['prlimit64', 'setrlimit'],
  sigprocmask: ['rt_sigprocmask'],
  fcntl: ['fcntl'],
  chdir: ['chdir'],
  write: ['write', 'pwrite64', 'writev'],
  read: ['read', 'pread64', 'readv'],
  sendmsg: ['sendmsg'],
  recvmsg: ['recvmsg'],
};

export class ContainerFilter {
  private readonly program: Buffer;
  private insns: Insn[] | null = null;
  installed = false;

  constructor(readonly cfg: InitSeccomp, private readonly report: (listenerFd: number) => void) {
    this.program = Buffer.from(cfg.filter, 'base64');
  }

  get notifies(): boolean {
    return (this.cfg.flags & FILTER_FLAG.NEW_LISTENER) !== 0;
  }

  install(sys: Syscalls): void {
    const fd = sys.seccompSetFilter(this.program, this.cfg.flags);
    this.installed = true;
    if (fd >= 0) this.report(fd);
  }

  /** Installs the filter and execs the process, with nothing in between. */
  execve(sys: Syscalls, path: string, argv: string[], envp: string[]): never {
    this.installed = true;
    return sys.execveFiltered(path, argv, envp, this.program, this.cfg.flags);
  }

  /**
   * An error from a step after installation, with the reason added when
   * the filter returns that very errno for the call (with all-zero and
   * all-ones arguments alike, so an argument rule is not guessed at).
   */
  explain(err: unknown): unknown {
    if (!this.installed || !(err instanceof Error)) return err;
    const { call, errno } = err as Error & { call?: string; syscall?: string; errno?: number };
    const name = call ?? (err as { syscall?: string }).syscall;
    if (!name || typeof errno !== 'number') return err;
    this.insns ??= decode(this.program);
    for (const candidate of CALLS[name] ?? [name]) {
      const nr = X86_64[candidate];
      if (nr === undefined) continue;
      const verdicts = [0n, 0xffffffffffffffffn].map((v) => run(this.insns!, { arch: AUDIT_ARCH_X86_64, nr, args: Array(6).fill(v) }).verdict);
      const expected = (RET.ERRNO | (Math.abs(errno) & RET_DATA)) >>> 0;
      if (verdicts.every((v) => v === expected) && ((verdicts[0] & RET_ACTION_FULL) >>> 0) === RET.ERRNO) {
        err.message += ` (${candidate} is refused by the container's seccomp profile, linux.seccomp: ${describeAction(expected)})`;
        return err;
      }
    }
    return err;
  }
}

/**
 * The filter of an init talking to the runtime on ch: a listener goes to
 * the runtime, which hands it to the agent; the init waits until it has,
 * so that no notification is left without an agent to answer it.
 */
export function reportingTo(ch: SyncChannel, cfg: InitSeccomp): ContainerFilter {
  return new ContainerFilter(cfg, (fd) => {
    ch.send({ type: 'seccomp', fd });
    ch.expect('seccomp-done');
    closeSync(fd);
  });
}
