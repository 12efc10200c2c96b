// The real Syscalls, over glibc through koffi (loaded by ./koffi.ts);
// callers get errors as SyscallError with the call, its key argument and
// the errno name.
import { writeSync } from 'node:fs';
import koffi from './koffi';
import * as C from './constants';
import { SyscallError } from './errors';
import type { Syscalls } from './syscalls';

export const libc = koffi.load('libc.so.6');

// Declared on first use: parsing every prototype up front costs more than
// most commands.
const declarations = {
  setns: () => libc.func('int setns(int fd, int nstype)'),
  unshare: () => libc.func('int unshare(int flags)'),
  fcntl: () => libc.func('int fcntl(int fd, int cmd, int arg)'),
  mkfifo: () => libc.func('int mkfifo(const char *path, uint32_t mode)'),
  socketpair: () => libc.func('int socketpair(int domain, int type, int protocol, _Out_ int *sv)'),
  kill: () => libc.func('int kill(int pid, int sig)'),
  pipe2: () => libc.func('int pipe2(_Out_ int *fds, int flags)'),
  waitpid: () => libc.func('int waitpid(int pid, _Out_ int *status, int options)'),
  poll: () => libc.func('int poll(void *fds, unsigned long nfds, int timeout)'),
  socket: () => libc.func('int socket(int domain, int type, int protocol)'),
  bind: () => libc.func('int bind(int fd, const void *addr, uint32_t len)'),
  recv: () => libc.func('long recv(int fd, void *buf, size_t len, int flags)'),
  sendto: () => libc.func('long sendto(int fd, const void *buf, size_t len, int flags, const void *addr, uint32_t alen)'),
  close: () => libc.func('int close(int fd)'),
  connect: () => libc.func('int connect(int fd, const void *addr, uint32_t len)'),
  sendmsg: () => libc.func('long sendmsg(int fd, const void *msg, int flags)'),
  recvmsg: () => libc.func('long recvmsg(int fd, void *msg, int flags)'),
  sysPtr: () => libc.func('syscall', 'long', ['long', 'long', 'void *', 'long']),
  // glibc's syscall() is assembly that ignores the variadic convention, so
  // fixed prototypes per use are safe on x86_64.
  sysInt: () => libc.func('syscall', 'long', ['long', 'long', 'long', 'long', 'long']),
  sysOpenat2: () => libc.func('syscall', 'long', ['long', 'int', 'str', 'void *', 'size_t']),
  sysOpenTree: () => libc.func('syscall', 'long', ['long', 'int', 'str', 'uint']),
  sysMountSetattr: () => libc.func('syscall', 'long', ['long', 'int', 'str', 'uint', 'void *', 'size_t']),
  memfdCreate: () => libc.func('int memfd_create(const char *name, unsigned int flags)'),
};

type Declared = { [K in keyof typeof declarations]: ReturnType<(typeof declarations)[K]> };
const declared: Partial<Declared> = {};
const f = new Proxy(declared as Declared, {
  get(target, name: keyof Declared) {
    return (target[name] ??= declarations[name]() as never);
  },
});

function fail(call: string, arg: string): never {
  throw new SyscallError(call, arg, koffi.errno());
}

/** A NULL-terminated array of C strings; the Buffers must outlive the call. */
export function cStringArray(strings: string[]): { ptr: Buffer; keep: Buffer[] } {
  const keep = strings.map((s) => Buffer.from(s + '\0'));
  const ptr = Buffer.alloc((strings.length + 1) * 8);
  keep.forEach((b, i) => ptr.writeBigUInt64LE(BigInt(koffi.address(b)), i * 8));
  return { ptr, keep };
}

/** struct sockaddr_un for a path, or an abstract name written as "@name". */
function sockaddrUn(path: string): Buffer {
  const name = Buffer.from(path.startsWith('@') ? '\0' + path.slice(1) : path);
  if (name.length >= 108) throw new SyscallError('socket', `${path}: name longer than 107 bytes`, 36 /* ENAMETOOLONG */);
  const addr = Buffer.alloc(2 + name.length + (path.startsWith('@') ? 0 : 1));
  addr.writeUInt16LE(C.AF_UNIX, 0);
  name.copy(addr, 2);
  return addr;
}

/** struct msghdr (x86_64) with one iovec and a control buffer; the Buffers must outlive the call. */
function msghdr(data: Buffer, control: Buffer): { msg: Buffer; iov: Buffer } {
  const iov = Buffer.alloc(16);
  iov.writeBigUInt64LE(BigInt(koffi.address(data)), 0);
  iov.writeBigUInt64LE(BigInt(data.length), 8);
  const msg = Buffer.alloc(56);
  msg.writeBigUInt64LE(BigInt(koffi.address(iov)), 16);
  msg.writeBigUInt64LE(1n, 24);
  msg.writeBigUInt64LE(BigInt(koffi.address(control)), 32);
  msg.writeBigUInt64LE(BigInt(control.length), 40);
  return { msg, iov };
}

/** A close-on-exec AF_UNIX socket bound or connected to path; closed again if that fails. */
function unixSocket(type: number, op: 'bind' | 'connect', path: string): number {
  const fd = f.socket(C.AF_UNIX, type | C.SOCK_CLOEXEC, 0);
  if (fd < 0) fail('socket', `AF_UNIX ${type === C.SOCK_DGRAM ? 'SOCK_DGRAM' : 'SOCK_STREAM'}`);
  const addr = sockaddrUn(path);
  if (f[op](fd, addr, addr.length) !== 0) {
    const errno = koffi.errno();
    f.close(fd);
    throw new SyscallError(op, path, errno);
  }
  return fd;
}


export const linux: Syscalls = {
  setns(fd, nstype, what) { if (f.setns(fd, nstype) !== 0) fail('setns', what); },
  unshare(flags) { if (f.unshare(flags) !== 0) fail('unshare', '0x' + flags.toString(16)); },
  openat2(dirfd, path, flags, mode, resolve) {
    const how = Buffer.alloc(24);
    how.writeBigUInt64LE(BigInt(flags), 0);
    how.writeBigUInt64LE(BigInt(mode), 8);
    how.writeBigUInt64LE(BigInt(resolve), 16);
    const fd = Number(f.sysOpenat2(C.SYS_openat2, dirfd, path, how, 24));
    if (fd < 0) fail('openat2', path);
    return fd;
  },
  fcntlSetCloexec(fd, cloexec) {
    if (f.fcntl(fd, C.F_SETFD, cloexec ? C.FD_CLOEXEC : 0) !== 0) fail('fcntl', `fd ${fd}`);
  },
  closeRangeCloexec(first) {
    if (Number(f.sysInt(C.SYS_close_range, first, 0xffffffff, C.CLOSE_RANGE_CLOEXEC, 0)) !== 0) fail('close_range', String(first));
  },
  mkfifo(path, mode) { if (f.mkfifo(path, mode) !== 0) fail('mkfifo', path); },
  socketpair() {
    const sv = [0, 0];
    if (f.socketpair(C.AF_UNIX, C.SOCK_STREAM | C.SOCK_CLOEXEC, 0, sv) !== 0) fail('socketpair', 'AF_UNIX');
    return [sv[0], sv[1]];
  },
  pipe() {
    const fds = [0, 0];
    if (f.pipe2(fds, C.O_CLOEXEC) !== 0) fail('pipe2', 'O_CLOEXEC');
    return [fds[0], fds[1]];
  },
  memfd(name) {
    const fd = f.memfdCreate(name, C.MFD_CLOEXEC);
    if (fd < 0) fail('memfd_create', name);
    return fd;
  },
  sealedMemfd(name, data, exec) {
    // MFD_EXEC says so explicitly where vm.memfd_noexec is known (Linux 6.3+).
    let fd = f.memfdCreate(name, C.MFD_CLOEXEC | C.MFD_ALLOW_SEALING | (exec ? C.MFD_EXEC : 0));
    if (fd < 0 && exec && koffi.errno() === 22 /* EINVAL: an older kernel */) fd = f.memfdCreate(name, C.MFD_CLOEXEC | C.MFD_ALLOW_SEALING);
    if (fd < 0) fail('memfd_create', name);
    try {
      for (let off = 0; off < data.length;) off += writeSync(fd, data, off);
      if (f.fcntl(fd, C.F_ADD_SEALS, C.F_SEAL_SEAL | C.F_SEAL_SHRINK | C.F_SEAL_GROW | C.F_SEAL_WRITE) !== 0) fail('fcntl', `F_ADD_SEALS memfd ${name}`);
    } catch (e) {
      f.close(fd);
      throw e;
    }
    return fd;
  },
  pidfdOpen(pid) {
    const fd = Number(f.sysInt(C.SYS_pidfd_open, pid, 0, 0, 0));
    if (fd < 0) fail('pidfd_open', String(pid));
    return fd;
  },
  pidfdSendSignal(pidfd, signal) {
    if (Number(f.sysInt(C.SYS_pidfd_send_signal, pidfd, signal, 0, 0)) !== 0) fail('pidfd_send_signal', `signal ${signal}`);
  },
  kill(pid, signal) { if (f.kill(pid, signal) !== 0) fail('kill', String(pid)); },
  waitpid(pid, nohang) {
    const status = [0];
    const r = f.waitpid(pid, status, nohang ? C.WNOHANG : 0);
    if (r < 0) fail('waitpid', String(pid));
    return r === 0 ? null : status[0];
  },
  poll(fds, timeoutMs) {
    const buf = Buffer.alloc(fds.length * 8);
    fds.forEach((fd, i) => { buf.writeInt32LE(fd, i * 8); buf.writeInt16LE(C.POLLIN, i * 8 + 4); });
    for (;;) {
      const r = f.poll(buf, fds.length, timeoutMs);
      if (r >= 0) break;
      if (koffi.errno() !== 4 /* EINTR */) fail('poll', fds.join(','));
    }
    return fds.map((_, i) => buf.readInt16LE(i * 8 + 6));
  },
  watchReadable(fd, onReadable) {
    const handle = koffi.node.poll(fd, { readable: true }, () => onReadable());
    return { close() { handle.stop(); handle.close(); } };
  },
  openTreeClone(path, recursive) {
    const fd = Number(f.sysOpenTree(C.SYS_open_tree, C.AT_FDCWD, path, C.OPEN_TREE_CLONE | C.O_CLOEXEC | (recursive ? C.AT_RECURSIVE : 0)));
    if (fd < 0) fail('open_tree', path);
    return fd;
  },
  idmapMount(mountFd, usernsFd, recursive, what) {
    const attr = Buffer.alloc(32);
    attr.writeBigUInt64LE(BigInt(C.MOUNT_ATTR_IDMAP), 0);
    attr.writeBigUInt64LE(BigInt(usernsFd), 24);
    if (Number(f.sysMountSetattr(C.SYS_mount_setattr, mountFd, '', C.AT_EMPTY_PATH | (recursive ? C.AT_RECURSIVE : 0), attr, 32)) !== 0) fail('mount_setattr', `idmap ${what}`);
  },
  unixDgramBind(path) { return unixSocket(C.SOCK_DGRAM, 'bind', path); },
  recvDatagram(fd) {
    const buf = Buffer.alloc(4096);
    const n = Number(f.recv(fd, buf, buf.length, C.MSG_DONTWAIT));
    if (n < 0) {
      if (koffi.errno() === 11 /* EAGAIN */) return null;
      fail('recv', `fd ${fd}`);
    }
    return buf.subarray(0, n);
  },
  unixConnect(path) { return unixSocket(C.SOCK_STREAM, 'connect', path); },
  sendFd(sock, fd, name) {
    const data = Buffer.from(name);
    // CMSG_SPACE(sizeof(int)) = 24: cmsg_len, cmsg_level, cmsg_type, the fd.
    const control = Buffer.alloc(24);
    control.writeBigUInt64LE(20n, 0);
    control.writeInt32LE(C.SOL_SOCKET, 8);
    control.writeInt32LE(C.SCM_RIGHTS, 12);
    control.writeInt32LE(fd, 16);
    const { msg, iov } = msghdr(data, control);
    if (Number(f.sendmsg(sock, msg, 0)) < 0) fail('sendmsg', `SCM_RIGHTS fd ${fd}`);
    void iov.length;
  },
  recvWithFds(sock, buf) {
    const control = Buffer.alloc(16 + 8 * 4);
    const { msg, iov } = msghdr(buf, control);
    let n: number;
    for (;;) {
      n = Number(f.recvmsg(sock, msg, 0x40000000 /* MSG_CMSG_CLOEXEC */));
      if (n >= 0 || koffi.errno() !== 4 /* EINTR */) break;
    }
    if (n < 0) {
      // The peer died with data unread: its end reset the connection.
      if (koffi.errno() === 104 /* ECONNRESET */) return { n: 0, fds: [] };
      fail('recvmsg', `fd ${sock}`);
    }
    void iov.length;
    const fds: number[] = [];
    const len = Number(control.readBigUInt64LE(0));
    if (len > 16 && control.readInt32LE(8) === C.SOL_SOCKET && control.readInt32LE(12) === C.SCM_RIGHTS) {
      for (let off = 16; off + 4 <= len; off += 4) fds.push(control.readInt32LE(off));
    }
    return { n, fds };
  },
  unixDgramSend(path, data) {
    const fd = f.socket(C.AF_UNIX, C.SOCK_DGRAM | C.SOCK_CLOEXEC, 0);
    if (fd < 0) fail('socket', 'AF_UNIX SOCK_DGRAM');
    try {
      const addr = sockaddrUn(path);
      if (Number(f.sendto(fd, data, data.length, 0, addr, addr.length)) < 0) fail('sendto', path);
    } finally {
      f.close(fd);
    }
  },
  bpf(cmd, attr, what) {
    const r = Number(f.sysPtr(C.SYS_bpf, cmd, attr, attr.length));
    if (r < 0) fail('bpf', what);
    return r;
  },
  address(buf) {
    return BigInt(koffi.address(buf));
  },
};
