import { constants } from 'node:os';

const ERRNO_NAMES: Record<number, string> = {};
for (const [name, num] of Object.entries(constants.errno)) {
  if (!(num in ERRNO_NAMES)) ERRNO_NAMES[num] = name;
}
// Lower-case descriptions for the errors users and callers match on (podman
// maps "permission denied", "operation not permitted" and "no such file or
// directory" to exit codes 126/127).
const DESCRIPTIONS: Record<string, string> = {
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ESRCH: 'no such process',
  EINTR: 'interrupted system call',
  EIO: 'input/output error',
  E2BIG: 'argument list too long',
  ENOEXEC: 'exec format error',
  EBADF: 'bad file descriptor',
  EAGAIN: 'resource temporarily unavailable',
  ENOMEM: 'cannot allocate memory',
  EACCES: 'permission denied',
  EFAULT: 'bad address',
  EBUSY: 'device or resource busy',
  EEXIST: 'file exists',
  EXDEV: 'invalid cross-device link',
  ENODEV: 'no such device',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  EINVAL: 'invalid argument',
  EMFILE: 'too many open files',
  ETXTBSY: 'text file busy',
  ENOSPC: 'no space left on device',
  EROFS: 'read-only file system',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  ENOSYS: 'function not implemented',
  ENOTEMPTY: 'directory not empty',
  EOPNOTSUPP: 'operation not supported',
};

export function errnoName(errno: number): string {
  return ERRNO_NAMES[errno] ?? `errno ${errno}`;
}

export function errnoDescription(errno: number): string {
  const name = errnoName(errno);
  return DESCRIPTIONS[name] ?? name.toLowerCase();
}

/** A failed system call: the call, its key argument and the errno. */
export class SyscallError extends Error {
  readonly errno: number;
  readonly code: string;
  readonly call: string;
  constructor(call: string, arg: string, errno: number) {
    const code = errnoName(errno);
    super(`${call}${arg ? ' ' + arg : ''}: ${code}: ${errnoDescription(errno)}`);
    this.name = 'SyscallError';
    this.errno = errno;
    this.code = code;
    this.call = call;
  }
}
