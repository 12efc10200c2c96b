// The child side of clone(2): a few instructions of x86_64 machine code that
// run in the new process before it execs. Node cannot run JavaScript in a
// child of clone, and glibc's functions cannot be trusted there either
// (with CLONE_VM the child shares the parent's memory, so glibc's set*id
// would signal the parent's threads). The child is single-threaded, which
// is exactly what joining a user namespace needs, so this code also does
// that. It uses raw syscalls only:
//
//   1. if params.waitFd >= 0: read one byte from it (the runtime writes it
//      once the child's uid/gid maps are in place);
//   2. setns(fd, 0) for each of params.nsFds, in order;
//   3. setresgid(gid) and setresuid(uid) unless -1;
//   4. if params.forkFd >= 0: fork with CLONE_PARENT (so the new process is
//      in a pid namespace joined in step 2 and still the runtime's child),
//      write its pid to forkFd and exit; the new process goes on to
//   5. execve(path, argv, envp);
//   on any failure: exit_group(errno).
//
// Assembled from (GNU as, AT&T syntax):
//   tramp:
//       mov %rdi, %r12
//       mov 0(%r12), %rdi
//       cmp $-1, %rdi
//       je 1f
//       sub $16, %rsp
//       mov %rsp, %rsi
//       mov $1, %edx
//       xor %eax, %eax          # SYS_read
//       syscall
//       add $16, %rsp
//       cmp $1, %rax
//       jne 9f
//   1:
//       mov 8(%r12), %r13
//       lea 16(%r12), %r14
//   2:
//       test %r13, %r13
//       jz 3f
//       mov (%r14), %rdi
//       xor %esi, %esi
//       mov $308, %eax          # SYS_setns
//       syscall
//       test %rax, %rax
//       jnz 9f
//       add $8, %r14
//       dec %r13
//       jmp 2b
//   3:
//       mov 80(%r12), %rdi
//       cmp $-1, %rdi
//       je 4f
//       mov %rdi, %rsi
//       mov %rdi, %rdx
//       mov $119, %eax          # SYS_setresgid
//       syscall
//       test %rax, %rax
//       jnz 9f
//   4:
//       mov 88(%r12), %rdi
//       cmp $-1, %rdi
//       je 5f
//       mov %rdi, %rsi
//       mov %rdi, %rdx
//       mov $117, %eax          # SYS_setresuid
//       syscall
//       test %rax, %rax
//       jnz 9f
//   5:
//       mov 120(%r12), %rdi
//       cmp $-1, %rdi
//       je 6f
//       mov $0x8011, %edi       # CLONE_PARENT | SIGCHLD: a sibling of ours, in the joined pid namespace
//       xor %esi, %esi
//       xor %edx, %edx
//       xor %r10d, %r10d
//       xor %r8d, %r8d
//       mov $56, %eax           # SYS_clone
//       syscall
//       test %rax, %rax
//       js 9f
//       jz 6f
//       sub $16, %rsp           # the parent reports the new pid and is done
//       mov %eax, (%rsp)
//       mov 120(%r12), %rdi
//       mov %rsp, %rsi
//       mov $4, %edx
//       mov $1, %eax            # SYS_write
//       syscall
//       xor %edi, %edi
//       mov $231, %eax          # SYS_exit_group
//       syscall
//   6:
//       mov 96(%r12), %rdi
//       mov 104(%r12), %rsi
//       mov 112(%r12), %rdx
//       mov $59, %eax           # SYS_execve
//       syscall
//   9:
//       neg %rax
//       mov %rax, %rdi
//       mov $231, %eax          # SYS_exit_group
//       syscall
//       hlt
//
// A second routine in the same page, filtered_execve(params), installs a
// seccomp filter and execs with nothing in between: no JavaScript, no
// allocation, no other syscall runs under the container's filter before
// its program. Called from the init (a plain function call, returning only
// on failure): negative -errno if seccomp(2) failed, positive errno if
// execve(2) did (the filter is then in place).
//
//   filtered_execve:
//       mov %rdi, %r8           # params; syscall keeps r8 (it clobbers rcx, r11)
//       mov $1, %edi            # SECCOMP_SET_MODE_FILTER
//       mov 8(%r8), %rsi        # flags
//       mov 0(%r8), %rdx        # struct sock_fprog *
//       mov $317, %eax          # SYS_seccomp
//       syscall
//       test %rax, %rax
//       js 1f
//       mov 16(%r8), %rdi
//       mov 24(%r8), %rsi
//       mov 32(%r8), %rdx
//       mov $59, %eax           # SYS_execve
//       syscall
//       neg %rax
//   1:
//       ret
import koffi from './koffi';
import { SyscallError } from './errors';

const CODE = Buffer.from([
  0x49, 0x89, 0xfc, 0x49, 0x8b, 0x3c, 0x24, 0x48, 0x83, 0xff, 0xff, 0x74, 0x1e, 0x48, 0x83, 0xec,
  0x10, 0x48, 0x89, 0xe6, 0xba, 0x01, 0x00, 0x00, 0x00, 0x31, 0xc0, 0x0f, 0x05, 0x48, 0x83, 0xc4,
  0x10, 0x48, 0x83, 0xf8, 0x01, 0x0f, 0x85, 0xc9, 0x00, 0x00, 0x00, 0x4d, 0x8b, 0x6c, 0x24, 0x08,
  0x4d, 0x8d, 0x74, 0x24, 0x10, 0x4d, 0x85, 0xed, 0x74, 0x1e, 0x49, 0x8b, 0x3e, 0x31, 0xf6, 0xb8,
  0x34, 0x01, 0x00, 0x00, 0x0f, 0x05, 0x48, 0x85, 0xc0, 0x0f, 0x85, 0xa5, 0x00, 0x00, 0x00, 0x49,
  0x83, 0xc6, 0x08, 0x49, 0xff, 0xcd, 0xeb, 0xdd, 0x49, 0x8b, 0x7c, 0x24, 0x50, 0x48, 0x83, 0xff,
  0xff, 0x74, 0x12, 0x48, 0x89, 0xfe, 0x48, 0x89, 0xfa, 0xb8, 0x77, 0x00, 0x00, 0x00, 0x0f, 0x05,
  0x48, 0x85, 0xc0, 0x75, 0x7f, 0x49, 0x8b, 0x7c, 0x24, 0x58, 0x48, 0x83, 0xff, 0xff, 0x74, 0x12,
  0x48, 0x89, 0xfe, 0x48, 0x89, 0xfa, 0xb8, 0x75, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x48, 0x85, 0xc0,
  0x75, 0x62, 0x49, 0x8b, 0x7c, 0x24, 0x78, 0x48, 0x83, 0xff, 0xff, 0x74, 0x41, 0xbf, 0x11, 0x80,
  0x00, 0x00, 0x31, 0xf6, 0x31, 0xd2, 0x45, 0x31, 0xd2, 0x45, 0x31, 0xc0, 0xb8, 0x38, 0x00, 0x00,
  0x00, 0x0f, 0x05, 0x48, 0x85, 0xc0, 0x78, 0x3c, 0x74, 0x24, 0x48, 0x83, 0xec, 0x10, 0x89, 0x04,
  0x24, 0x49, 0x8b, 0x7c, 0x24, 0x78, 0x48, 0x89, 0xe6, 0xba, 0x04, 0x00, 0x00, 0x00, 0xb8, 0x01,
  0x00, 0x00, 0x00, 0x0f, 0x05, 0x31, 0xff, 0xb8, 0xe7, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x49, 0x8b,
  0x7c, 0x24, 0x60, 0x49, 0x8b, 0x74, 0x24, 0x68, 0x49, 0x8b, 0x54, 0x24, 0x70, 0xb8, 0x3b, 0x00,
  0x00, 0x00, 0x0f, 0x05, 0x48, 0xf7, 0xd8, 0x48, 0x89, 0xc7, 0xb8, 0xe7, 0x00, 0x00, 0x00, 0x0f,
  0x05, 0xf4,
]);

const FILTERED_EXECVE = Buffer.from([
  0x49, 0x89, 0xf8, 0xbf, 0x01, 0x00, 0x00, 0x00, 0x49, 0x8b, 0x70, 0x08, 0x49, 0x8b, 0x10, 0xb8,
  0x3d, 0x01, 0x00, 0x00, 0x0f, 0x05, 0x48, 0x85, 0xc0, 0x78, 0x16, 0x49, 0x8b, 0x78, 0x10, 0x49,
  0x8b, 0x70, 0x18, 0x49, 0x8b, 0x50, 0x20, 0xb8, 0x3b, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x48, 0xf7,
  0xd8, 0xc3,
]);
/** Where filtered_execve starts in the page. */
const FILTERED_EXECVE_OFFSET = 512;

export const MAX_NS_FDS = 8;
/** Size of the parameter block the code reads (see the offsets above). */
export const PARAMS_SIZE = 128;

export interface TrampolineParams {
  waitFd: number;
  nsFds: number[];
  gid: number;
  uid: number;
  path: bigint;
  argv: bigint;
  envp: bigint;
  forkFd: number;
}

export function encodeParams(p: TrampolineParams): Buffer {
  if (p.nsFds.length > MAX_NS_FDS) throw new Error(`clone trampoline: at most ${MAX_NS_FDS} namespaces to join`);
  const b = Buffer.alloc(PARAMS_SIZE);
  b.writeBigInt64LE(BigInt(p.waitFd), 0);
  b.writeBigUInt64LE(BigInt(p.nsFds.length), 8);
  p.nsFds.forEach((fd, i) => b.writeBigInt64LE(BigInt(fd), 16 + i * 8));
  b.writeBigInt64LE(BigInt(p.gid), 80);
  b.writeBigInt64LE(BigInt(p.uid), 88);
  b.writeBigUInt64LE(p.path, 96);
  b.writeBigUInt64LE(p.argv, 104);
  b.writeBigUInt64LE(p.envp, 112);
  b.writeBigInt64LE(BigInt(p.forkFd), 120);
  return b;
}

let entry: bigint | undefined;

/** The address of the clone trampoline, in a page mapped read-only and executable (never writable and executable at once). */
export function trampolineAddress(): bigint {
  entry ??= mapCode();
  return entry;
}

/** The address of filtered_execve(params), in the same page. */
export function filteredExecveAddress(): bigint {
  entry ??= mapCode();
  return entry + BigInt(FILTERED_EXECVE_OFFSET);
}

function mapCode(): bigint {
  // dlopen of a library already loaded: the same handle libc.ts has.
  const libc = koffi.load('libc.so.6');
  const mmap = libc.func('void *mmap(void *addr, size_t len, int prot, int flags, int fd, long off)');
  const mprotect = libc.func('int mprotect(void *addr, size_t len, int prot)');
  const PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20;
  const page = mmap(null, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  const addr = BigInt(koffi.address(page));
  if (addr === 0xffffffffffffffffn) throw new SyscallError('mmap', 'clone trampoline', koffi.errno());
  const view = new Uint8Array(koffi.view(page, 4096));
  view.set(CODE);
  view.set(FILTERED_EXECVE, FILTERED_EXECVE_OFFSET);
  if (mprotect(page, 4096, PROT_READ | PROT_EXEC) !== 0) {
    const errno = koffi.errno();
    libc.func('int munmap(void *addr, size_t len)')(page, 4096);
    throw new SyscallError('mprotect', 'clone trampoline', errno);
  }
  return addr;
}
