// `run`: create + start, then (unless --detach) wait for the container
// process, forwarding signals to it, and exit with its status. Waiting is
// event-driven: a pidfd watched by the event loop, not a blocking waitpid,
// so signal handlers keep running.
import koffi from 'koffi';
import { linux as sys } from '../linux/libc';
import { create, type CreateOptions } from './create';
import { remove } from './delete';
import { start } from './start';

const FORWARDED: NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGCONT'];

export async function run(opts: CreateOptions & { detach?: boolean; keep?: boolean }): Promise<number> {
  const state = create(opts);
  try {
    start(opts.root, opts.id);
  } catch (e) {
    remove(opts.root, opts.id, true);
    throw e;
  }
  if (opts.detach) return 0;
  const pidfd = sys.pidfdOpen(state.pid);
  const forward = (sig: NodeJS.Signals) => {
    try { process.kill(state.pid, sig); } catch { /* exited */ }
  };
  for (const sig of FORWARDED) process.on(sig, forward);
  const status = await new Promise<number>((resolve) => {
    const handle = koffi.node.poll(pidfd, { readable: true }, () => {
      handle.stop();
      handle.close();
      // Our child: reap it for its status.
      resolve(sys.waitpid(state.pid, false) ?? 0);
    });
  });
  for (const sig of FORWARDED) process.off(sig, forward);
  if (!opts.keep) remove(opts.root, opts.id, true);
  if ((status & 0x7f) === 0) return (status >> 8) & 0xff;
  return 128 + (status & 0x7f);
}
