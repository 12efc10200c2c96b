// Starts a program in new namespaces with clone(2), then execve(2).
//
// Node cannot run JavaScript in a forked child (V8 marks its heap
// MADV_DONTFORK), so the child runs a few instructions of machine code
// (trampoline.ts) that may wait for the runtime, join namespaces (a user
// namespace needs a single-threaded caller, which the child is), switch
// uid/gid, and exec. glibc's clone(fn, stack, flags, arg) calls fn(arg) on
// the new stack; fn is the trampoline and arg its parameter block. The
// parameter block and the strings it points to live in Buffers kept alive
// until the child has exec'd (CLONE_VFORK) or, without CLONE_VM, in the
// child's own copy of our memory. x86_64 only, hence the guard.
import koffi from './koffi';
import { libc, cStringArray } from './libc';
import { AT_EMPTY_PATH, AT_FDCWD, CLONE_VFORK, CLONE_VM, SIGCHLD } from './constants';
import { SyscallError } from './errors';
import { clone3EnterAddress, encodeParams, trampolineAddress } from './trampoline';

const STACK_SIZE = 64 * 1024;
let cloneFn: ((fn: bigint, stack: bigint, flags: number, arg: Buffer, ptid: null) => number) | undefined;

export interface CloneOptions {
  /** The child reads one byte from this fd before anything else (it must not exec until told). */
  waitFd?: number;
  /** Namespace fds the child joins with setns, in order, before exec. */
  joinFds?: number[];
  /** uid and gid the child switches to (in its final user namespace) before exec. */
  uid?: number;
  gid?: number;
  /** Fork once more after joining (for a joined pid namespace); the new pid is written to this fd. */
  forkFd?: number;
  /** Exec the image this fd holds (a sealed memfd) instead of `program`, which is then only argv[0]. */
  imageFd?: number;
  /** More arguments after argv[0]. */
  args?: string[];
  /**
   * A cgroup2 directory's fd: the child starts there (clone3 with
   * CLONE_INTO_CGROUP), never migrated. Where the kernel lacks clone3
   * (ENOSYS), a plain clone: check `placed` in the result.
   */
  cgroupFd?: number;
}

const CLONE_INTO_CGROUP = 0x200000000n;
const CLONE_ARGS_SIZE = 88;
let clone3Fn: ReturnType<typeof koffi.proto> | undefined;


/**
 * Runs `program` (argv [program]) as a child in the namespaces named by
 * `nsFlags`, with exactly `env` as its environment. Without a waitFd the
 * parent is suspended (CLONE_VFORK) until the child has exec'd; with one,
 * the child gets a copy of our memory and waits for its byte. Returns the
 * child's pid.
 */
export function cloneExec(program: string, env: string[], nsFlags: number, opts: CloneOptions = {}): number {
  return cloneExecPlaced(program, env, nsFlags, opts).pid;
}

/** cloneExec, saying whether the child started in opts.cgroupFd's cgroup. */
export function cloneExecPlaced(program: string, env: string[], nsFlags: number, opts: CloneOptions = {}): { pid: number; placed: boolean } {
  if (process.arch !== 'x64') {
    throw new Error(`cloneExec: unsupported architecture ${process.arch} (the clone trampoline is x86_64 machine code)`);
  }
  cloneFn ??= libc.func('int clone(void *fn, void *stack, int flags, void *arg, void *ptid)') as never;
  const stack = Buffer.alloc(STACK_SIZE);
  const top = (BigInt(koffi.address(stack)) + BigInt(STACK_SIZE) - 64n) & ~15n;
  const image = opts.imageFd !== undefined;
  const path = Buffer.from(image ? '\0' : program + '\0');
  const argv = cStringArray([program, ...(opts.args ?? [])]);
  const envp = cStringArray(env);
  const params = encodeParams({
    waitFd: opts.waitFd ?? -1,
    nsFds: opts.joinFds ?? [],
    gid: opts.gid ?? -1,
    uid: opts.uid ?? -1,
    path: BigInt(koffi.address(path)),
    argv: BigInt(koffi.address(argv.ptr)),
    envp: BigInt(koffi.address(envp.ptr)),
    forkFd: opts.forkFd ?? -1,
    execFd: image ? opts.imageFd! : AT_FDCWD,
    execFlags: image ? AT_EMPTY_PATH : 0,
  });
  const share = opts.waitFd === undefined ? CLONE_VM | CLONE_VFORK : 0;
  let pid = -1;
  let placed = false;
  if (opts.cgroupFd !== undefined) {
    const base = (BigInt(koffi.address(stack)) + 15n) & ~15n;
    const args = Buffer.alloc(CLONE_ARGS_SIZE);
    args.writeBigUInt64LE(BigInt(nsFlags | share) | CLONE_INTO_CGROUP, 0);
    args.writeBigUInt64LE(BigInt(SIGCHLD), 32); // exit_signal
    args.writeBigUInt64LE(base, 40); // stack: its lowest address; the child starts at stack + stack_size
    args.writeBigUInt64LE(BigInt(STACK_SIZE - 64) & ~15n, 48);
    args.writeBigUInt64LE(BigInt(opts.cgroupFd), 80);
    clone3Fn ??= koffi.proto('long tsrun_clone3_enter(void *args, size_t size, uint64_t fn, void *arg)');
    const r = Number(koffi.call(clone3EnterAddress(), clone3Fn, args, CLONE_ARGS_SIZE, trampolineAddress(), params));
    if (r >= 0) {
      pid = r;
      placed = true;
    } else if (r !== -38 /* ENOSYS: a kernel before 5.3 */) {
      throw new SyscallError('clone3', `${program} into its cgroup`, -r);
    }
  }
  if (!placed) {
    pid = cloneFn!(trampolineAddress(), top, nsFlags | share | SIGCHLD, params, null);
    if (pid < 0) throw new SyscallError('clone', program, koffi.errno());
  }
  // Keep everything the child reads reachable until this point.
  void [stack.length, path.length, argv.keep.length, envp.keep.length, params.length];
  return { pid, placed };
}
