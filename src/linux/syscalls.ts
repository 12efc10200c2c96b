// The typed syscall seam. Everything that touches the kernel beyond plain
// fs calls goes through this interface, so rootfs and process logic can be
// unit-tested against a recording fake (test/unit/fake-syscalls.js) and the
// real implementation (libc.ts) is the only module that knows koffi.

export interface Syscalls {
  mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null): void;
  umount2(target: string, flags: number): void;
  pivotRoot(newRoot: string, putOld: string): void;
  chroot(path: string): void;
  fchdir(fd: number, what: string): void;
  setns(fd: number, nstype: number, what: string): void;
  unshare(flags: number): void;
  sethostname(name: string): void;
  setdomainname(name: string): void;
  mknod(path: string, mode: number, major: number, minor: number): void;
  lchown(path: string, uid: number, gid: number): void;
  symlink(target: string, path: string): void;
  mkdirat(dirfd: number, name: string, mode: number): void;
  /** openat2 with RESOLVE flags; returns the new fd. */
  openat2(dirfd: number, path: string, flags: number, mode: number, resolve: number): number;
  setgroups(gids: number[]): void;
  setresgid(gid: number): void;
  setresuid(uid: number): void;
  prctl(option: number, arg2: number | bigint, arg3?: number, what?: string): number;
  capset(effective: bigint, permitted: bigint, inheritable: bigint): void;
  setrlimit(resource: number, name: string, soft: bigint, hard: bigint): void;
  fcntlSetCloexec(fd: number, cloexec: boolean): void;
  closeRangeCloexec(first: number): void;
  resetSignals(): void;
  execve(path: string, argv: string[], envp: string[]): never;
  /** seccomp(SECCOMP_SET_MODE_FILTER) on the calling thread; returns the listener fd with SECCOMP_FILTER_FLAG_NEW_LISTENER, else -1. */
  seccompSetFilter(filter: Buffer, flags: number): number;
  /** seccomp(SECCOMP_SET_MODE_FILTER) then execve, with no other code between them (trampoline.ts). */
  execveFiltered(path: string, argv: string[], envp: string[], filter: Buffer, flags: number): never;
  mkfifo(path: string, mode: number): void;
  socketpair(): [number, number];
  /** pipe2(O_CLOEXEC): [read end, write end]. */
  pipe(): [number, number];
  /** A close-on-exec memfd holding data, sealed against any change; `exec`: to be executed. */
  sealedMemfd(name: string, data: Buffer, exec: boolean): number;
  pidfdOpen(pid: number): number;
  pidfdSendSignal(pidfd: number, signal: number): void;
  /** pidfd_getfd(2): a copy of another process's fd (close-on-exec). */
  pidfdGetfd(pidfd: number, fd: number): number;
  kill(pid: number, signal: number): void;
  /** Waits for pid; returns the raw wait status, or null with WNOHANG and nothing to reap. */
  waitpid(pid: number, nohang: boolean): number | null;
  /** poll(2) on fds for POLLIN; returns the revents of each. */
  poll(fds: number[], timeoutMs: number): number[];
  /** Calls onReadable from the event loop while fd is readable, until close(). */
  watchReadable(fd: number, onReadable: () => void): { close(): void };
  personality(persona: number): void;
  /** open_tree(OPEN_TREE_CLONE): a detached copy of the mount at path (recursive for AT_RECURSIVE). */
  openTreeClone(path: string, recursive: boolean): number;
  /** mount_setattr(MOUNT_ATTR_IDMAP) with the user namespace usernsFd on a detached mount. */
  idmapMount(mountFd: number, usernsFd: number, recursive: boolean, what: string): void;
  /** move_mount of a detached mount fd onto the directory or file targetFd refers to. */
  moveMount(mountFd: number, targetFd: number, what: string): void;
  /** open_tree(OPEN_TREE_CLONE) of what fd refers to: a detached bind mount of it, found by fd, not by path. */
  openTreeCloneFd(fd: number, recursive: boolean, what: string): number;
  /** mount_setattr setting MOUNT_ATTR_* flags on a (detached) mount fd. */
  mountSetattr(mountFd: number, attrSet: number, recursive: boolean, what: string): void;
  /** A new, detached mount of fstype (fsopen, FSCONFIG_CMD_CREATE, fsmount) with MOUNT_ATTR_* flags. */
  fsmountNew(fstype: string, attrs: number, what: string): number;
  /** fstatfs(2)'s f_type of what fd refers to. */
  fstatfsType(fd: number): number;
  /** A bound AF_UNIX datagram socket (close-on-exec); '@' starts an abstract name. */
  unixDgramBind(path: string): number;
  /** One datagram from fd, or null if none is waiting. */
  recvDatagram(fd: number): Buffer | null;
  unixDgramSend(path: string, data: Buffer): void;
  /** Connects an AF_UNIX stream socket (close-on-exec) to path. */
  unixConnect(path: string): number;
  /** sendmsg with one fd in SCM_RIGHTS and `name` as the payload (runc's console protocol). */
  sendFd(sock: number, fd: number, name: string): void;
  /** recvmsg of one fd sent by sendFd; returns it with the payload. */
  recvFd(sock: number): { fd: number; name: string };
  /** A new pty from /dev/ptmx: master, and the slave opened with TIOCGPTPEER. */
  openPty(ptmx: string): { master: number; slave: number; index: number };
  setWinsize(fd: number, rows: number, cols: number): void;
  setsid(): void;
  /** Makes fd the controlling terminal (TIOCSCTTY). */
  setControllingTerminal(fd: number): void;
  dup2(oldFd: number, newFd: number): void;
  ioprioSet(value: number): void;
  schedSetattr(attr: SchedAttr): void;
  /** bpf(2) with a union bpf_attr laid out in attr; returns the call's result (an fd for some commands). */
  bpf(cmd: number, attr: Buffer, what: string): number;
  /** The address of a Buffer's memory, for the pointers a struct passed to the kernel holds. */
  address(buf: Buffer): bigint;
}

export interface SchedAttr {
  policy: number;
  flags: bigint;
  nice: number;
  priority: number;
  runtime: bigint;
  deadline: bigint;
  period: bigint;
}
