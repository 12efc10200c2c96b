// sd_notify pass-through (runc's NOTIFY_SOCKET handling): when the runtime
// runs with NOTIFY_SOCKET set, the container gets a socket of its own,
// <state>/notify/notify.sock bind-mounted read-only at /run/notify, and
// `start` relays the container's READY=1 (with MAINPID) to the host socket.
import { chmodSync, closeSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RuntimeError } from '../errors';
import * as C from '../linux/constants';
import { linux as sys } from '../linux/libc';
import type { InitConfig } from '../init/config';

const IN_CONTAINER = '/run/notify/notify.sock';

/** Adds the socket's mount and env to the init config; returns the host socket to relay to. */
export function notifySocketMount(init: InitConfig, stateDir: string): string | null {
  const host = process.env.NOTIFY_SOCKET;
  if (!host || !init.process) return null;
  init.mounts.push({
    source: notifyDir(stateDir), destination: '/run/notify', type: null, data: null, bind: true, propagation: [],
    flags: C.MS_BIND | C.MS_NOSUID | C.MS_NODEV | C.MS_NOEXEC | C.MS_RDONLY,
  });
  init.process.env = init.process.env.filter((e) => !e.startsWith('NOTIFY_SOCKET='));
  init.process.env.push(`NOTIFY_SOCKET=${IN_CONTAINER}`);
  return host;
}

/** The directory notifySocketMount binds into the container: made by create, in the state directory. */
export const notifyDir = (stateDir: string): string => join(stateDir, 'notify');

/** Binds the container's notify socket; call before releasing the container. */
export function bindNotifySocket(stateDir: string): number {
  const dir = openSync(notifyDir(stateDir), C.O_PATH | C.O_DIRECTORY | C.O_CLOEXEC);
  try {
    // Through the directory's fd: the full path may pass sun_path's 108 bytes.
    const path = `/proc/self/fd/${dir}/notify.sock`;
    rmSync(path, { force: true });
    const fd = sys.unixDgramBind(path);
    chmodSync(path, 0o777);
    return fd;
  } finally {
    closeSync(dir);
  }
}

/** Waits for READY= from the container and relays it, then MAINPID, to the host socket. */
export function relayReady(sock: number, pidfd: number, pid: number, host: string): void {
  try {
    for (;;) {
      const [sockEv, pidEv] = sys.poll([sock, pidfd], -1);
      if (sockEv & C.POLLIN) {
        for (let msg = sys.recvDatagram(sock); msg; msg = sys.recvDatagram(sock)) {
          const ready = msg.toString().split('\n').find((l) => l.startsWith('READY='));
          if (ready) {
            sys.unixDgramSend(host, Buffer.from(`${ready}\n`));
            sys.unixDgramSend(host, Buffer.from(`MAINPID=${pid}\n`));
            return;
          }
        }
        continue;
      }
      if (pidEv) throw new RuntimeError('container process exited before it notified READY=1');
    }
  } finally {
    closeSync(sock);
  }
}
