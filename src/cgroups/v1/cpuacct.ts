// v1 cpuacct: CPU usage stats only (no resources to set).
import { mulU64, parseU64, readKeyValues, readOptional, readOptionalU64, readU64 } from '../fs';
import type { Stats, U64, V1Controller } from '../types';

const USER_HZ_TO_NS = 1e9 / 100;

function readList(dir: string, file: string): U64[] {
  const text = readOptional(dir, file);
  if (text === undefined) return [];
  return text.trim().split(/\s+/).filter(Boolean).map((v) => parseU64(v, `${dir}/${file}`));
}

export const cpuacct: V1Controller = {
  hierarchy: 'cpuacct',
  stats(dir, out: Stats) {
    const u = out.cpu.usage;
    u.total = readU64(dir, 'cpuacct.usage');
    u.percpu = readList(dir, 'cpuacct.usage_percpu');
    u.percpu_kernel = readList(dir, 'cpuacct.usage_percpu_sys');
    u.percpu_user = readList(dir, 'cpuacct.usage_percpu_user');
    const user = readOptionalU64(dir, 'cpuacct.usage_user');
    if (user !== undefined) {
      u.user = user;
      u.kernel = readU64(dir, 'cpuacct.usage_sys');
    } else {
      const s = readKeyValues(dir, 'cpuacct.stat');
      u.user = mulU64(s.user ?? 0, USER_HZ_TO_NS);
      u.kernel = mulU64(s.system ?? 0, USER_HZ_TO_NS);
    }
  },
};
