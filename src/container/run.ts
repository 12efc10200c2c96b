// `run`: create + start, then (unless --detach) wait for the container
// process, forwarding signals to it, and exit with its status.
import { create, type CreateOptions } from './create';
import { remove } from './delete';
import { start } from './start';
import { waitForChild } from './wait';

export async function run(opts: CreateOptions & { detach?: boolean; keep?: boolean }): Promise<number> {
  const state = create(opts);
  try {
    await start(opts.root, opts.id);
  } catch (e) {
    await remove(opts.root, opts.id, true);
    throw e;
  }
  if (opts.detach) return 0;
  const code = await waitForChild(state.pid);
  if (!opts.keep) await remove(opts.root, opts.id, true);
  return code;
}
