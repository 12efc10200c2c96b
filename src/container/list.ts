// `state ID` and `list`: runc's JSON and table formats.
import { writeSync } from 'node:fs';
import { deriveStatus, publicState } from '../state/status';
import { Store } from '../state/store';
import { loadContainer } from './load';

export function stateJson(root: string, id: string): string {
  const { state, status } = loadContainer(root, id);
  return JSON.stringify(publicState(state, status), null, '  ');
}

function table(rows: string[][]): string {
  // runc's tabwriter: minimum width 12, padding 3.
  const widths = rows[0].map((_, c) => Math.max(12, ...rows.map((r) => r[c].length + 3)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('') + '\n').join('');
}

export function list(root: string, format: string, quiet: boolean): void {
  const store = new Store(root);
  const states = [];
  for (const id of store.ids()) {
    try {
      const state = store.read(id);
      states.push(publicState(state, deriveStatus(store, state)));
    } catch { /* mid-create or removed meanwhile */ }
  }
  let out: string;
  if (quiet) out = states.map((s) => `${s.id}\n`).join('');
  else if (format === 'json') out = JSON.stringify(states) + '\n';
  else {
    out = table([
      ['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'],
      ...states.map((s) => [String(s.id), String(s.pid), String(s.status), String(s.bundle), String(s.created), String(s.owner)]),
    ]);
  }
  writeSync(1, out);
}
