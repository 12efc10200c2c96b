// v1 cpu: shares, CFS quota/period/burst, idle, realtime runtime/period;
// throttling stats from cpu.stat.
import { CgroupError, readKeyValues, readU64, writeFile, writePair } from '../fs';
import type { CpuSpec, Stats, V1Controller } from '../types';

function setShares(dir: string, shares: number): void {
  writeFile(dir, 'cpu.shares', shares);
  // The kernel clamps silently: read it back, as runc does.
  const got = Number(readU64(dir, 'cpu.shares'));
  if (shares > got) throw new CgroupError(`write ${dir}/cpu.shares ${shares}: the maximum allowed cpu-shares is ${got}`);
  if (shares < got) throw new CgroupError(`write ${dir}/cpu.shares ${shares}: the minimum allowed cpu-shares is ${got}`);
}

function setRealtime(dir: string, c: CpuSpec): void {
  const period = (): void => { if (c.realtimePeriod) writeFile(dir, 'cpu.rt_period_us', c.realtimePeriod); };
  const runtime = (): void => { if (c.realtimeRuntime) writeFile(dir, 'cpu.rt_runtime_us', c.realtimeRuntime); };
  writePair(period, runtime);
}

export const cpu: V1Controller = {
  hierarchy: 'cpu',
  wanted: (r) => r.cpu !== undefined &&
    ['shares', 'quota', 'period', 'burst', 'idle', 'realtimeRuntime', 'realtimePeriod'].some((k) => (r.cpu as Record<string, unknown>)[k] !== undefined),
  apply(dir, r) {
    const c = r.cpu;
    if (!c) return;
    // Realtime first: a SCHED_RR/FIFO task cannot join a cgroup without RT budget.
    setRealtime(dir, c);
    if (c.shares) setShares(dir, c.shares);
    // A shorter period can be refused while the old quota would exceed the
    // parent's; a smaller quota while the old period is long: either order.
    const period = (): void => { if (c.period) writeFile(dir, 'cpu.cfs_period_us', c.period); };
    const quota = (): void => { if (c.quota) writeFile(dir, 'cpu.cfs_quota_us', c.quota); };
    writePair(period, quota);
    if (c.burst !== undefined) writeFile(dir, 'cpu.cfs_burst_us', c.burst);
    if (c.idle !== undefined) writeFile(dir, 'cpu.idle', c.idle);
  },
  stats(dir, out: Stats) {
    const s = readKeyValues(dir, 'cpu.stat');
    out.cpu.throttling.periods = s.nr_periods ?? 0;
    out.cpu.throttling.throttledPeriods = s.nr_throttled ?? 0;
    out.cpu.throttling.throttledTime = s.throttled_time ?? 0;
  },
};
