// `ps`: the container's processes. --format json prints their host pids
// (what containerd reads); the table runs ps(1) with the given options and
// keeps the lines of the container's processes, as runc does.
import { spawnSync } from 'node:child_process';
import { writeSync } from 'node:fs';
import { RuntimeError } from '../errors';
import { containerPids } from './kill';
import { loadContainer } from './load';
import { loadCgroup } from './cgroup';

export function ps(root: string, id: string, format: string, psArgs: string[]): void {
  const { state, status } = loadContainer(root, id);
  const cgroup = loadCgroup(state);
  const pids = cgroup ? cgroup.pids() : status === 'stopped' ? [] : containerPids(state.pid);
  if (format === 'json') {
    writeSync(1, JSON.stringify(pids) + '\n');
    return;
  }
  const r = spawnSync('ps', psArgs.length ? psArgs : ['-ef'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new RuntimeError(`ps ${psArgs.join(' ')}: ${r.error?.message ?? r.stderr.trim()}`);
  const lines = r.stdout.split('\n');
  const col = lines[0].trim().split(/\s+/).indexOf('PID');
  if (col < 0) throw new RuntimeError('couldn\'t find PID field in ps output');
  const wanted = new Set(pids.map(String));
  const out = [lines[0], ...lines.slice(1).filter((l) => wanted.has(l.trim().split(/\s+/)[col]))];
  writeSync(1, out.join('\n') + '\n');
}
