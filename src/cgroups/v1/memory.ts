// v1 memory: limit, memsw (OCI swap = memory + swap), soft limit,
// swappiness, OOM killer; stats from the usage/limit files and memory.stat.
import { CgroupError, exists, hasCode, readOptionalKeyValues, readU64, writeFile, writePair } from '../fs';
import type { MemoryEntry, MemorySpec, Resources, Stats, V1Controller } from '../types';

const LIMIT = 'memory.limit_in_bytes';
const MEMSW = 'memory.memsw.limit_in_bytes';

function writeLimit(dir: string, value: number): void {
  try {
    writeFile(dir, LIMIT, value);
  } catch (err) {
    if (!hasCode(err, 'EBUSY')) throw err;
    // The kernel refuses a limit below the current usage.
    const usage = readU64(dir, 'memory.usage_in_bytes');
    const peak = readU64(dir, 'memory.max_usage_in_bytes');
    throw new CgroupError(`${(err as Error).message} (current usage ${usage}, peak usage ${peak})`, 'EBUSY');
  }
}

/**
 * Both limits together. The kernel keeps memory <= memsw at every step, so
 * the order depends on the current values: runc's guess first (memsw first
 * when it grows or becomes unlimited), and on EINVAL the other order.
 */
function setLimits(dir: string, m: MemorySpec): void {
  const limit = m.limit || undefined; // 0 is unset
  let swap = m.swap || undefined;
  if (limit === -1 && swap === undefined && exists(dir, MEMSW)) swap = -1;
  const setLimit = (): void => { if (limit !== undefined) writeLimit(dir, limit); };
  const setSwap = (): void => { if (swap !== undefined) writeFile(dir, MEMSW, swap); };
  if (limit === undefined || swap === undefined) {
    setLimit();
    setSwap();
    return;
  }
  const current = readU64(dir, LIMIT);
  const swapFirst = swap === -1 || BigInt(current) < BigInt(swap);
  const [first, second] = swapFirst ? [setSwap, setLimit] : [setLimit, setSwap];
  writePair(first, second);
}

function memoryEntry(dir: string, prefix: string): MemoryEntry {
  return {
    limit: readU64(dir, `${prefix}.limit_in_bytes`),
    usage: readU64(dir, `${prefix}.usage_in_bytes`),
    max: readU64(dir, `${prefix}.max_usage_in_bytes`),
    failcnt: readU64(dir, `${prefix}.failcnt`),
  };
}

export const memory: V1Controller = {
  hierarchy: 'memory',
  wanted: (r: Resources) => r.memory !== undefined && Object.keys(r.memory).some((k) => k !== 'checkBeforeUpdate' && k !== 'useHierarchy'),
  apply(dir, r, ctx) {
    const m = r.memory;
    if (!m) return;
    setLimits(dir, m);
    if (m.reservation) writeFile(dir, 'memory.soft_limit_in_bytes', m.reservation);
    if (m.disableOOMKiller || (ctx.update && m.disableOOMKiller === false)) {
      writeFile(dir, 'memory.oom_control', m.disableOOMKiller ? 1 : 0);
    }
    if (m.swappiness !== undefined && m.swappiness !== -1) {
      if (!Number.isInteger(m.swappiness) || m.swappiness < 0 || m.swappiness > 100) {
        throw new CgroupError(`invalid memory swappiness ${m.swappiness}: the valid range is 0-100`);
      }
      writeFile(dir, 'memory.swappiness', m.swappiness);
    }
    // kernel and kernelTCP are deprecated and ignored, as by runc.
  },
  stats(dir, out: Stats) {
    const raw = readOptionalKeyValues(dir, 'memory.stat');
    if (raw === undefined) return;
    out.memory.raw = raw;
    out.memory.cache = raw.cache ?? 0;
    out.memory.usage = memoryEntry(dir, 'memory');
    if (exists(dir, MEMSW)) out.memory.swap = memoryEntry(dir, 'memory.memsw');
    if (exists(dir, 'memory.kmem.usage_in_bytes')) out.memory.kernel = memoryEntry(dir, 'memory.kmem');
    if (exists(dir, 'memory.kmem.tcp.usage_in_bytes')) out.memory.kernelTCP = memoryEntry(dir, 'memory.kmem.tcp');
  },
};
