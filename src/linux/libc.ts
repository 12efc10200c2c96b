// The real Syscalls, over glibc through koffi (loaded by ./koffi.ts);
// callers get errors as SyscallError with the call, its key argument and
// the errno name.
import koffi from './koffi';
import * as C from './constants';
import { SyscallError } from './errors';
import type { Syscalls } from './syscalls';
import { filteredExecveAddress } from './trampoline';

export const libc = koffi.load('libc.so.6');

// Declared on first use: parsing every prototype up front costs more than
// most commands.
const declarations = {
  mount: () => libc.func('int mount(const char *src, const char *target, const char *fstype, unsigned long flags, const char *data)'),
  umount2: () => libc.func('int umount2(const char *target, int flags)'),
  chroot: () => libc.func('int chroot(const char *path)'),
  fchdir: () => libc.func('int fchdir(int fd)'),
  setns: () => libc.func('int setns(int fd, int nstype)'),
  unshare: () => libc.func('int unshare(int flags)'),
  sethostname: () => libc.func('int sethostname(const char *name, size_t len)'),
  setdomainname: () => libc.func('int setdomainname(const char *name, size_t len)'),
  mknod: () => libc.func('int mknod(const char *path, uint32_t mode, uint64_t dev)'),
  lchown: () => libc.func('int lchown(const char *path, uint32_t uid, uint32_t gid)'),
  symlink: () => libc.func('int symlink(const char *target, const char *path)'),
  mkdirat: () => libc.func('int mkdirat(int dirfd, const char *path, uint32_t mode)'),
  sysSetgroups: () => libc.func('syscall', 'long', ['long', 'size_t', 'void *']),
  prctl: () => libc.func('int prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)'),
  prlimit: () => libc.func('int prlimit(int pid, int resource, const void *newlim, void *oldlim)'),
  fcntl: () => libc.func('int fcntl(int fd, int cmd, int arg)'),
  signal: () => libc.func('void *signal(int sig, void *handler)'),
  sigprocmask: () => libc.func('int sigprocmask(int how, const void *set, void *old)'),
  execve: () => libc.func('int execve(const char *path, const void *argv, const void *envp)'),
  mkfifo: () => libc.func('int mkfifo(const char *path, uint32_t mode)'),
  socketpair: () => libc.func('int socketpair(int domain, int type, int protocol, _Out_ int *sv)'),
  kill: () => libc.func('int kill(int pid, int sig)'),
  pipe2: () => libc.func('int pipe2(_Out_ int *fds, int flags)'),
  waitpid: () => libc.func('int waitpid(int pid, _Out_ int *status, int options)'),
  poll: () => libc.func('int poll(void *fds, unsigned long nfds, int timeout)'),
  personality: () => libc.func('int personality(unsigned long persona)'),
  socket: () => libc.func('int socket(int domain, int type, int protocol)'),
  bind: () => libc.func('int bind(int fd, const void *addr, uint32_t len)'),
  recv: () => libc.func('long recv(int fd, void *buf, size_t len, int flags)'),
  sendto: () => libc.func('long sendto(int fd, const void *buf, size_t len, int flags, const void *addr, uint32_t alen)'),
  close: () => libc.func('int close(int fd)'),
  connect: () => libc.func('int connect(int fd, const void *addr, uint32_t len)'),
  sendmsg: () => libc.func('long sendmsg(int fd, const void *msg, int flags)'),
  recvmsg: () => libc.func('long recvmsg(int fd, void *msg, int flags)'),
  openFd: () => libc.func('int open(const char *path, int flags, uint32_t mode)'),
  ioctlInt: () => libc.func('ioctl', 'int', ['int', 'unsigned long', 'long']),
  ioctlPtr: () => libc.func('ioctl', 'int', ['int', 'unsigned long', 'void *']),
  setsid: () => libc.func('int setsid()'),
  dup2: () => libc.func('int dup2(int oldfd, int newfd)'),
  sysPtr: () => libc.func('syscall', 'long', ['long', 'long', 'void *', 'long']),
  // glibc's syscall() is assembly that ignores the variadic convention, so
  // fixed prototypes per use are safe on x86_64.
  sysPivotRoot: () => libc.func('syscall', 'long', ['long', 'str', 'str']),
  sysInt: () => libc.func('syscall', 'long', ['long', 'long', 'long', 'long', 'long']),
  sysSeccomp: () => libc.func('syscall', 'long', ['long', 'uint', 'uint', 'void *']),
  sysOpenat2: () => libc.func('syscall', 'long', ['long', 'int', 'str', 'void *', 'size_t']),
  sysCap: () => libc.func('syscall', 'long', ['long', 'void *', 'void *']),
  sysOpenTree: () => libc.func('syscall', 'long', ['long', 'int', 'str', 'uint']),
  sysMountSetattr: () => libc.func('syscall', 'long', ['long', 'int', 'str', 'uint', 'void *', 'size_t']),
  sysMoveMount: () => libc.func('syscall', 'long', ['long', 'int', 'str', 'int', 'str', 'uint']),
  sysFsopen: () => libc.func('syscall', 'long', ['long', 'str', 'uint']),
  sysFsconfig: () => libc.func('syscall', 'long', ['long', 'int', 'uint', 'void *', 'void *', 'int']),
  sysFsmount: () => libc.func('syscall', 'long', ['long', 'int', 'uint', 'uint']),
  sysFstatfs: () => libc.func('syscall', 'long', ['long', 'int', 'void *']),
  memfdCreate: () => libc.func('int memfd_create(const char *name, unsigned int flags)'),
  write: () => libc.func('long write(int fd, const void *buf, size_t len)'),
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

/** struct sock_fprog for a filter (struct sock_filter[]); both Buffers must outlive the call. */
function sockFprog(filter: Buffer): { fprog: Buffer; filter: Buffer } {
  const fprog = Buffer.alloc(16);
  fprog.writeUInt16LE(filter.length / 8, 0);
  fprog.writeBigUInt64LE(BigInt(koffi.address(filter)), 8);
  return { fprog, filter };
}

let filteredExecve: ReturnType<typeof koffi.proto> | undefined;
const filteredExecveProto = () => (filteredExecve ??= koffi.proto('long tsrun_filtered_execve(void *params)'));

function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major);
  const mi = BigInt(minor);
  return ((ma & 0xfffn) << 8n) | ((ma & ~0xfffn) << 32n) | (mi & 0xffn) | ((mi & ~0xffn) << 12n);
}

export const linux: Syscalls = {
  mount(source, target, fstype, flags, data) {
    if (f.mount(source, target, fstype, flags, data) !== 0) {
      const what = flags & C.MS_REMOUNT ? `remount ${target}` : flags & C.MS_BIND ? `bind ${source} on ${target}` :
        flags & C.MS_PROPAGATION && !fstype && !source ? `propagation of ${target}` : `${source ?? fstype} on ${target}`;
      fail('mount', what);
    }
  },
  umount2(target, flags) { if (f.umount2(target, flags) !== 0) fail('umount2', target); },
  pivotRoot(newRoot, putOld) { if (Number(f.sysPivotRoot(C.SYS_pivot_root, newRoot, putOld)) !== 0) fail('pivot_root', newRoot); },
  chroot(path) { if (f.chroot(path) !== 0) fail('chroot', path); },
  fchdir(fd, what) { if (f.fchdir(fd) !== 0) fail('fchdir', what); },
  setns(fd, nstype, what) { if (f.setns(fd, nstype) !== 0) fail('setns', what); },
  unshare(flags) { if (f.unshare(flags) !== 0) fail('unshare', '0x' + flags.toString(16)); },
  sethostname(name) { if (f.sethostname(name, Buffer.byteLength(name)) !== 0) fail('sethostname', name); },
  setdomainname(name) { if (f.setdomainname(name, Buffer.byteLength(name)) !== 0) fail('setdomainname', name); },
  mknod(path, mode, major, minor) { if (f.mknod(path, mode, makedev(major, minor)) !== 0) fail('mknod', path); },
  lchown(path, uid, gid) { if (f.lchown(path, uid, gid) !== 0) fail('lchown', path); },
  symlink(target, path) { if (f.symlink(target, path) !== 0) fail('symlink', `${path} -> ${target}`); },
  mkdirat(dirfd, name, mode) { if (f.mkdirat(dirfd, name, mode) !== 0) fail('mkdir', name); },
  openat2(dirfd, path, flags, mode, resolve) {
    const how = Buffer.alloc(24);
    how.writeBigUInt64LE(BigInt(flags), 0);
    how.writeBigUInt64LE(BigInt(mode), 8);
    how.writeBigUInt64LE(BigInt(resolve), 16);
    const fd = Number(f.sysOpenat2(C.SYS_openat2, dirfd, path, how, 24));
    if (fd < 0) fail('openat2', path);
    return fd;
  },
  // Raw syscalls: they change the calling thread only. glibc's wrappers
  // make every thread repeat the call and abort the process when one
  // thread's result differs, which the container's seccomp filter (on the
  // main thread only) makes happen. Node's other threads end at execve.
  setgroups(gids) {
    if (Number(f.sysSetgroups(C.SYS_setgroups, gids.length, gids.length ? Uint32Array.from(gids) : null)) !== 0) fail('setgroups', gids.join(','));
  },
  setresgid(gid) { if (Number(f.sysInt(C.SYS_setresgid, gid, gid, gid, 0)) !== 0) fail('setresgid', String(gid)); },
  setresuid(uid) { if (Number(f.sysInt(C.SYS_setresuid, uid, uid, uid, 0)) !== 0) fail('setresuid', String(uid)); },
  prctl(option, arg2, arg3 = 0, what = `option ${option}`) {
    const r = f.prctl(option, arg2, arg3, 0, 0);
    if (r < 0) fail('prctl', what);
    return r;
  },
  capset(effective, permitted, inheritable) {
    const hdr = Buffer.alloc(8);
    hdr.writeUInt32LE(C.LINUX_CAPABILITY_VERSION_3, 0);
    const data = Buffer.alloc(24);
    const lo = (v: bigint) => Number(v & 0xffffffffn);
    const hi = (v: bigint) => Number((v >> 32n) & 0xffffffffn);
    data.writeUInt32LE(lo(effective), 0); data.writeUInt32LE(lo(permitted), 4); data.writeUInt32LE(lo(inheritable), 8);
    data.writeUInt32LE(hi(effective), 12); data.writeUInt32LE(hi(permitted), 16); data.writeUInt32LE(hi(inheritable), 20);
    if (Number(f.sysCap(C.SYS_capset, hdr, data)) !== 0) fail('capset', '');
  },
  setrlimit(resource, name, soft, hard) {
    const lim = Buffer.alloc(16);
    lim.writeBigUInt64LE(soft, 0);
    lim.writeBigUInt64LE(hard, 8);
    if (f.prlimit(0, resource, lim, null) !== 0) fail('setrlimit', name);
  },
  fcntlSetCloexec(fd, cloexec) {
    if (f.fcntl(fd, C.F_SETFD, cloexec ? C.FD_CLOEXEC : 0) !== 0) fail('fcntl', `fd ${fd}`);
  },
  closeRangeCloexec(first) {
    if (Number(f.sysInt(C.SYS_close_range, first, 0xffffffff, C.CLOSE_RANGE_CLOEXEC, 0)) !== 0) fail('close_range', String(first));
  },
  resetSignals() {
    // Node ignores SIGPIPE and SIGXFSZ, and execve keeps ignored signals and
    // the mask: give the container process a clean slate.
    for (let sig = 1; sig < C.NSIG; sig++) {
      if (sig === 9 || sig === 19 || sig === 32 || sig === 33) continue;
      f.signal(sig, null);
    }
    if (f.sigprocmask(C.SIG_SETMASK, Buffer.alloc(128), null) !== 0) fail('sigprocmask', 'SIG_SETMASK');
  },
  execve(path, argv, envp) {
    const a = cStringArray(argv);
    const e = cStringArray(envp);
    f.execve(path, a.ptr, e.ptr);
    fail('exec', path);
  },
  seccompSetFilter(filter, flags) {
    const prog = sockFprog(filter);
    const r = Number(f.sysSeccomp(C.SYS_seccomp, C.SECCOMP_SET_MODE_FILTER, flags, prog.fprog));
    void prog.filter.length;
    if (r < 0) fail('seccomp', 'SECCOMP_SET_MODE_FILTER');
    return flags & C.SECCOMP_FILTER_FLAG_NEW_LISTENER ? r : -1;
  },
  execveFiltered(path, argv, envp, filter, flags) {
    const prog = sockFprog(filter);
    const file = Buffer.from(path + '\0');
    const a = cStringArray(argv);
    const e = cStringArray(envp);
    const params = Buffer.alloc(40);
    params.writeBigUInt64LE(BigInt(koffi.address(prog.fprog)), 0);
    params.writeBigUInt64LE(BigInt(flags), 8);
    params.writeBigUInt64LE(BigInt(koffi.address(file)), 16);
    params.writeBigUInt64LE(BigInt(koffi.address(a.ptr)), 24);
    params.writeBigUInt64LE(BigInt(koffi.address(e.ptr)), 32);
    const r = Number(koffi.call(filteredExecveAddress(), filteredExecveProto(), params));
    void [prog.filter.length, a.keep.length, e.keep.length];
    if (r < 0) throw new SyscallError('seccomp', 'SECCOMP_SET_MODE_FILTER', -r);
    throw new SyscallError('exec', path, r);
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
  sealedMemfd(name, data, exec) {
    // MFD_EXEC says so explicitly where vm.memfd_noexec is known (Linux 6.3+).
    let fd = f.memfdCreate(name, C.MFD_CLOEXEC | C.MFD_ALLOW_SEALING | (exec ? C.MFD_EXEC : 0));
    if (fd < 0 && exec && koffi.errno() === 22 /* EINVAL: an older kernel */) fd = f.memfdCreate(name, C.MFD_CLOEXEC | C.MFD_ALLOW_SEALING);
    if (fd < 0) fail('memfd_create', name);
    try {
      for (let off = 0; off < data.length;) {
        const n = Number(f.write(fd, data.subarray(off), data.length - off));
        if (n <= 0) fail('write', `memfd ${name}`);
        off += n;
      }
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
  pidfdGetfd(pidfd, fd) {
    const r = Number(f.sysInt(C.SYS_pidfd_getfd, pidfd, fd, 0, 0));
    if (r < 0) fail('pidfd_getfd', `fd ${fd}`);
    return r;
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
  openTreeCloneFd(fd, recursive, what) {
    const r = Number(f.sysOpenTree(C.SYS_open_tree, fd, '', C.OPEN_TREE_CLONE | C.O_CLOEXEC | C.AT_EMPTY_PATH | (recursive ? C.AT_RECURSIVE : 0)));
    if (r < 0) fail('open_tree', what);
    return r;
  },
  mountSetattr(mountFd, attrSet, recursive, what) {
    const attr = Buffer.alloc(32);
    attr.writeBigUInt64LE(BigInt(attrSet), 0);
    if (Number(f.sysMountSetattr(C.SYS_mount_setattr, mountFd, '', C.AT_EMPTY_PATH | (recursive ? C.AT_RECURSIVE : 0), attr, 32)) !== 0) fail('mount_setattr', what);
  },
  fsmountNew(fstype, attrs, what) {
    const fs = Number(f.sysFsopen(C.SYS_fsopen, fstype, C.FSOPEN_CLOEXEC));
    if (fs < 0) fail('fsopen', fstype);
    try {
      // The source a mount(2) of it would show (runc masks with "tmpfs").
      if (Number(f.sysFsconfig(C.SYS_fsconfig, fs, C.FSCONFIG_SET_STRING, Buffer.from('source\0'), Buffer.from(`${fstype}\0`), 0)) !== 0) fail('fsconfig', `${fstype} source`);
      if (Number(f.sysFsconfig(C.SYS_fsconfig, fs, C.FSCONFIG_CMD_CREATE, null, null, 0)) !== 0) fail('fsconfig', `${fstype} create`);
      const mnt = Number(f.sysFsmount(C.SYS_fsmount, fs, C.FSMOUNT_CLOEXEC, attrs));
      if (mnt < 0) fail('fsmount', what);
      return mnt;
    } finally {
      f.close(fs);
    }
  },
  fstatfsType(fd) {
    const buf = Buffer.alloc(120);
    if (Number(f.sysFstatfs(C.SYS_fstatfs, fd, buf)) !== 0) fail('fstatfs', `fd ${fd}`);
    return Number(buf.readBigInt64LE(0));
  },
  moveMount(mountFd, targetFd, what) {
    if (Number(f.sysMoveMount(C.SYS_move_mount, mountFd, '', targetFd, '', C.MOVE_MOUNT_F_EMPTY_PATH | C.MOVE_MOUNT_T_EMPTY_PATH)) !== 0) fail('move_mount', what);
  },
  personality(persona) { if (f.personality(persona) < 0) fail('personality', '0x' + persona.toString(16)); },
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
  recvFd(sock) {
    const data = Buffer.alloc(4096);
    const control = Buffer.alloc(24);
    const { msg, iov } = msghdr(data, control);
    const n = Number(f.recvmsg(sock, msg, 0x40000000 /* MSG_CMSG_CLOEXEC */));
    if (n < 0) fail('recvmsg', `fd ${sock}`);
    void iov.length;
    if (control.readInt32LE(12) !== C.SCM_RIGHTS) throw new Error('recvmsg: no file descriptor received');
    return { fd: control.readInt32LE(16), name: data.subarray(0, n).toString() };
  },
  openPty(ptmx) {
    const master = f.openFd(ptmx, C.O_RDWR | C.O_NOCTTY | C.O_CLOEXEC, 0);
    if (master < 0) fail('open', ptmx);
    try {
      const unlock = Buffer.alloc(4);
      if (f.ioctlPtr(master, C.TIOCSPTLCK, unlock) !== 0) fail('ioctl', 'TIOCSPTLCK');
      const index = Buffer.alloc(4);
      if (f.ioctlPtr(master, C.TIOCGPTN, index) !== 0) fail('ioctl', 'TIOCGPTN');
      const slave = f.ioctlInt(master, C.TIOCGPTPEER, C.O_RDWR | C.O_NOCTTY | C.O_CLOEXEC);
      if (slave < 0) fail('ioctl', 'TIOCGPTPEER');
      return { master, slave, index: index.readInt32LE(0) };
    } catch (e) {
      f.close(master);
      throw e;
    }
  },
  setWinsize(fd, rows, cols) {
    const ws = Buffer.alloc(8);
    ws.writeUInt16LE(rows, 0);
    ws.writeUInt16LE(cols, 2);
    if (f.ioctlPtr(fd, C.TIOCSWINSZ, ws) !== 0) fail('ioctl', 'TIOCSWINSZ');
  },
  setsid() { if (f.setsid() < 0) fail('setsid', ''); },
  setControllingTerminal(fd) { if (f.ioctlInt(fd, C.TIOCSCTTY, 0) !== 0) fail('ioctl', 'TIOCSCTTY'); },
  dup2(oldFd, newFd) { if (f.dup2(oldFd, newFd) < 0) fail('dup2', `${oldFd} to ${newFd}`); },
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
  ioprioSet(value) {
    // IOPRIO_WHO_PROCESS, 0 = the calling thread's process.
    if (Number(f.sysInt(C.SYS_ioprio_set, 1, 0, value, 0)) !== 0) fail('ioprio_set', String(value));
  },
  schedSetattr(a) {
    const attr = Buffer.alloc(56);
    attr.writeUInt32LE(56, 0);
    attr.writeUInt32LE(a.policy, 4);
    attr.writeBigUInt64LE(a.flags, 8);
    attr.writeInt32LE(a.nice, 16);
    attr.writeUInt32LE(a.priority, 20);
    attr.writeBigUInt64LE(a.runtime, 24);
    attr.writeBigUInt64LE(a.deadline, 32);
    attr.writeBigUInt64LE(a.period, 40);
    if (Number(f.sysPtr(C.SYS_sched_setattr, 0, attr, 0)) !== 0) fail('sched_setattr', `policy ${a.policy}`);
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
