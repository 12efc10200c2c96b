// Waiting for a child (the container process of `run`, the process of
// `exec`) without blocking the event loop: a pidfd watched by libuv through
// koffi (sys.watchReadable), so the signal handlers that forward signals keep running.
import { closeSync } from 'node:fs';
import { linux as sys } from '../linux/libc';
import { shellExitCode } from '../linux/signals';

const FORWARDED: NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGCONT'];

/** Waits for our child `pid`, forwarding signals to it; returns its exit code (128+N for signal N). */
export async function waitForChild(pid: number): Promise<number> {
  const pidfd = sys.pidfdOpen(pid);
  const forward = (sig: NodeJS.Signals) => {
    try { process.kill(pid, sig); } catch { /* exited */ }
  };
  for (const sig of FORWARDED) process.on(sig, forward);
  try {
    const status = await new Promise<number>((resolve) => {
      const watch = sys.watchReadable(pidfd, () => {
        watch.close();
        resolve(sys.waitpid(pid, false) ?? 0);
      });
    });
    return shellExitCode(status);
  } finally {
    for (const sig of FORWARDED) process.off(sig, forward);
    closeSync(pidfd);
  }
}
