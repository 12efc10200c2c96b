// v2 cpu: cpu.weight (from OCI shares), cpu.max ("quota period"),
// cpu.max.burst, cpu.idle; usage and throttling from cpu.stat. v2 has no
// realtime group scheduling: asking for it is an error.
import { cpuSharesToWeight } from '../convert';
import { CgroupError, mulU64, readKeyValues, readOptional, writeFile } from '../fs';
import type { Stats, V2Controller } from '../types';

export const cpu: V2Controller = {
  controller: 'cpu',
  wanted: (r) => !!(r.cpu && (r.cpu.shares || r.cpu.quota || r.cpu.period || r.cpu.burst !== undefined || r.cpu.idle !== undefined)),
  apply(dir, r) {
    const c = r.cpu;
    if (!c) return;
    if (c.realtimeRuntime || c.realtimePeriod) {
      throw new CgroupError(`cpu.realtimeRuntime (${c.realtimeRuntime ?? 0}) and cpu.realtimePeriod (${c.realtimePeriod ?? 0}) are not supported on cgroup v2`);
    }
    if (c.shares) writeFile(dir, 'cpu.weight', cpuSharesToWeight(c.shares));
    if (c.quota || c.period) {
      // Keep whichever half is not given (runc update semantics).
      const [curQuota = 'max', curPeriod = '100000'] = (readOptional(dir, 'cpu.max') ?? '').trim().split(/\s+/).filter(Boolean);
      const quota = c.quota ? (c.quota > 0 ? String(c.quota) : 'max') : curQuota;
      const period = c.period ? String(c.period) : curPeriod;
      writeFile(dir, 'cpu.max', `${quota} ${period}`);
    }
    if (c.burst !== undefined) writeFile(dir, 'cpu.max.burst', c.burst);
    if (c.idle !== undefined) writeFile(dir, 'cpu.idle', c.idle);
  },
  stats(dir, out: Stats) {
    const s = readKeyValues(dir, 'cpu.stat');
    const us = (k: string) => mulU64(s[k] ?? 0, 1000);
    out.cpu.usage.total = us('usage_usec');
    out.cpu.usage.user = us('user_usec');
    out.cpu.usage.kernel = us('system_usec');
    out.cpu.throttling.periods = s.nr_periods ?? 0;
    out.cpu.throttling.throttledPeriods = s.nr_throttled ?? 0;
    out.cpu.throttling.throttledTime = us('throttled_usec');
  },
};
