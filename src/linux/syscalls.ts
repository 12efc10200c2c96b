// The typed syscall seam of the runtime's own side (the CLI): everything
// that touches the kernel beyond plain fs calls goes through this
// interface, and the real implementation (libc.ts) is the only module that
// knows koffi. What runs inside the container is a program for tsrun-init
// instead (../plan/), tested as data and on the real kernel.

export interface Syscalls {
  setns(fd: number, nstype: number, what: string): void;
  unshare(flags: number): void;
  /** openat2 with RESOLVE flags; returns the new fd. */
  openat2(dirfd: number, path: string, flags: number, mode: number, resolve: number): number;
  fcntlSetCloexec(fd: number, cloexec: boolean): void;
  closeRangeCloexec(first: number): void;
  mkfifo(path: string, mode: number): void;
  socketpair(): [number, number];
  /** pipe2(O_CLOEXEC): [read end, write end]. */
  pipe(): [number, number];
  /** A new, empty, close-on-exec memfd. */
  memfd(name: string): number;
  /** A close-on-exec memfd holding data, sealed against any change; `exec`: to be executed. */
  sealedMemfd(name: string, data: Buffer, exec: boolean): number;
  pidfdOpen(pid: number): number;
  pidfdSendSignal(pidfd: number, signal: number): void;
  kill(pid: number, signal: number): void;
  /** Waits for pid; returns the raw wait status, or null with WNOHANG and nothing to reap. */
  waitpid(pid: number, nohang: boolean): number | null;
  /** poll(2) on fds for POLLIN; returns the revents of each. */
  poll(fds: number[], timeoutMs: number): number[];
  /** Calls onReadable from the event loop while fd is readable, until close(). */
  watchReadable(fd: number, onReadable: () => void): { close(): void };
  /** open_tree(OPEN_TREE_CLONE): a detached copy of the mount at path (recursive for AT_RECURSIVE). */
  openTreeClone(path: string, recursive: boolean): number;
  /** mount_setattr(MOUNT_ATTR_IDMAP) with the user namespace usernsFd on a detached mount. */
  idmapMount(mountFd: number, usernsFd: number, recursive: boolean, what: string): void;
  /** A bound AF_UNIX datagram socket (close-on-exec); '@' starts an abstract name. */
  unixDgramBind(path: string): number;
  /** One datagram from fd, or null if none is waiting. */
  recvDatagram(fd: number): Buffer | null;
  unixDgramSend(path: string, data: Buffer): void;
  /** Connects an AF_UNIX stream socket (close-on-exec) to path. */
  unixConnect(path: string): number;
  /** sendmsg with one fd in SCM_RIGHTS and `name` as the payload (runc's console protocol). */
  sendFd(sock: number, fd: number, name: string): void;
  /** One recvmsg into buf: the bytes read (0 at end of stream) and the fds that came with them (close-on-exec). */
  recvWithFds(sock: number, buf: Buffer): { n: number; fds: number[] };
  /** bpf(2) with a union bpf_attr laid out in attr; returns the call's result (an fd for some commands). */
  bpf(cmd: number, attr: Buffer, what: string): number;
  /** The address of a Buffer's memory, for the pointers a struct passed to the kernel holds. */
  address(buf: Buffer): bigint;
}

