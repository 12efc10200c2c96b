// `events`: runc's JSON event stream: with --stats one {"type":"stats"}
// record from the cgroup's stat files; otherwise one every --interval.
import { writeSync } from 'node:fs';
import { RuntimeError, notRunning } from '../errors';
import { loadCgroup } from './cgroup';
import { loadContainer } from './load';

function statsEvent(root: string, id: string): string {
  const { state, status } = loadContainer(root, id);
  if (status === 'stopped') throw notRunning();
  const cgroup = loadCgroup(state);
  if (!cgroup) throw new RuntimeError('no cgroup stats: the container has no cgroup tsrun manages');
  const { statsJSON } = require('../cgroups') as typeof import('../cgroups');
  return statsJSON({ type: 'stats', id, data: cgroup.stats() });
}

/** Parses runc's --interval (a Go duration such as 5s, 500ms, 1m). */
export function parseInterval(raw: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(raw);
  if (!m) throw new RuntimeError(`invalid --interval ${JSON.stringify(raw)}: a duration such as 5s`);
  const ms = Number(m[1]) * { ms: 1, s: 1000, m: 60000, h: 3600000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  if (ms <= 0) throw new RuntimeError('duration interval must be greater than 0');
  return ms;
}

export async function events(root: string, id: string, stats: boolean, interval: string): Promise<void> {
  if (stats) {
    writeSync(1, statsEvent(root, id) + '\n');
    return;
  }
  const ms = parseInterval(interval);
  for (;;) {
    let line: string;
    try {
      line = statsEvent(root, id);
    } catch (e) {
      // The container went away: the stream ends, as runc's does.
      if ((e as Error).message === 'container not running') return;
      throw e;
    }
    writeSync(1, line + '\n');
    await new Promise((r) => setTimeout(r, ms));
  }
}
