// Starts a program in new namespaces with clone(2) straight into execve(2).
//
// Node cannot run JavaScript in a forked child (V8 marks its heap
// MADV_DONTFORK), so the child must exec at once without returning to JS.
// glibc's clone(fn, stack, flags, arg, ptid) calls fn(arg) in the child; with
// fn = libc's execve the child runs execve(arg, rsi, rdx). On x86_64, glibc's
// clone wrapper leaves rsi pointing at the child stack it built ([fn, arg],
// then whatever lies above) and rdx = ptid. So argv is [fn, <return address>,
// the pointers we place at the stack top..., NULL] and envp is ptid. argv[0]
// and argv[1] are junk: the program must be a `#!` script (the kernel puts
// the interpreter and the script path first) that ignores its first argument
// and takes everything it needs from the environment and inherited fds.
// This depends on the x86_64 glibc wrapper, hence the guard.
import koffi from 'koffi';
import { libc, cStringArray } from './libc';
import { CLONE_VFORK, CLONE_VM, SIGCHLD } from './constants';
import { SyscallError } from './errors';

const STACK_SIZE = 64 * 1024;
let cloneFn: ((fn: unknown, stack: bigint, flags: number, arg: Buffer, ptid: Buffer) => number) | undefined;

/**
 * Runs `script` (a `#!` script) as a child in the namespaces named by
 * `nsFlags`, with exactly `env` as its environment. The parent is suspended
 * (CLONE_VFORK) until the child has exec'd. Returns the child's pid.
 */
export function cloneExec(script: string, env: string[], nsFlags: number): number {
  if (process.arch !== 'x64') {
    throw new Error(`cloneExec: unsupported architecture ${process.arch} (the clone-to-execve trampoline is x86_64 only)`);
  }
  cloneFn ??= libc.func('int clone(void *fn, void *stack, int flags, void *arg, void *ptid)') as never;
  const execve = libc.symbol('execve');
  const stack = Buffer.alloc(STACK_SIZE);
  // Leave room above the top for the NULL that ends argv.
  const base = BigInt(koffi.address(stack));
  const top = (base + BigInt(STACK_SIZE) - 64n) & ~15n;
  stack.writeBigUInt64LE(0n, Number(top - base));
  const path = Buffer.from(script + '\0');
  const envp = cStringArray(env);
  const pid = cloneFn!(execve, top, nsFlags | CLONE_VM | CLONE_VFORK | SIGCHLD, path, envp.ptr);
  if (pid < 0) throw new SyscallError('clone', script, koffi.errno());
  // Keep the buffers reachable until the child has exec'd (CLONE_VFORK).
  void envp.keep.length; void stack.length; void path.length;
  return pid;
}
