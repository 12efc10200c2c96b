// The child side of clone(2), and clone3(2)'s entry: x86_64 machine code
// assembled from src/native/trampoline.S (see there for what it does and
// why), mapped read-only and executable in a page of its own.
import koffi from './koffi';
import { SyscallError } from './errors';

import { TRAMPOLINE } from '../native/images.generated';

export const MAX_NS_FDS = 8;
/** Size of the parameter block the code reads (see the offsets above). */
export const PARAMS_SIZE = 144;

export interface TrampolineParams {
  waitFd: number;
  nsFds: number[];
  gid: number;
  uid: number;
  path: bigint;
  argv: bigint;
  envp: bigint;
  forkFd: number;
  /** execveat's dirfd: AT_FDCWD with a path, or an image's fd with AT_EMPTY_PATH in execFlags. */
  execFd: number;
  execFlags: number;
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
  b.writeBigInt64LE(BigInt(p.execFd), 128);
  b.writeBigInt64LE(BigInt(p.execFlags), 136);
  return b;
}

let entry: bigint | undefined;

/** The address of the clone trampoline, in a page mapped read-only and executable (never writable and executable at once). */
export function trampolineAddress(): bigint {
  entry ??= mapCode();
  return entry;
}

/** The address of clone3_enter(args, size, fn, arg), in the same page (.org 512). */
export function clone3EnterAddress(): bigint {
  entry ??= mapCode();
  return entry + 512n;
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
  view.set(Buffer.from(TRAMPOLINE, 'base64'));
  if (mprotect(page, 4096, PROT_READ | PROT_EXEC) !== 0) {
    const errno = koffi.errno();
    libc.func('int munmap(void *addr, size_t len)')(page, 4096);
    throw new SyscallError('mprotect', 'clone trampoline', errno);
  }
  return addr;
}
