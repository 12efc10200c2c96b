// `run`: create + start, then (unless --detach) wait for the container
// process, forwarding signals to it, and exit with its status. In the
// foreground without a terminal, its stdio goes through a relay (relay.ts).
import { create, type CreateOptions } from './create';
import type { StoredState } from '../state/store';
import { remove } from './delete';
import { StdioRelay } from './relay';
import { start } from './start';
import { waitForChild } from './wait';

export async function run(opts: CreateOptions & { detach?: boolean; keep?: boolean }): Promise<number> {
  const relay = opts.detach ? null : StdioRelay.open();
  let state: StoredState;
  try {
    state = create({ ...opts, stdio: relay?.child });
  } catch (e) {
    relay?.close();
    throw e;
  }
  // With a terminal the pty is the process's stdio: create did not pass the pipes on.
  if (relay && state.process?.terminal) relay.close();
  relay?.giveToRootOf(state.pid);
  relay?.closeChildEnds();
  // Signals are forwarded from now on: the process may say it is ready
  // (through the relay) before `start` has returned here.
  const exited = opts.detach ? null : waitForChild(state.pid);
  // The relay is set up while `start` waits on the exec fifo; until then
  // the pipes hold what the process writes.
  const starting = start(opts.root, opts.id);
  const pumping = relay && !state.process?.terminal ? relay.pump() : null;
  try {
    await starting;
  } catch (e) {
    await remove(opts.root, opts.id, true);
    await Promise.all([pumping, exited]);
    throw e;
  }
  if (!exited) return 0;
  const code = await exited;
  if (!opts.keep) await remove(opts.root, opts.id, true);
  await pumping;
  return code;
}
