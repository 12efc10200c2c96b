// v2 memory: memory.max, memory.swap.max (OCI swap is memory+swap, see
// convert.ts), memory.low for the reservation, and runc's checkBeforeUpdate.
// swappiness and disableOOMKiller have no v2 file and are ignored, as by runc.
import { memorySwapToV2 } from '../convert';
import { addU64, CgroupError, exists, MAX_U64, readKeyValues, readOptionalU64, readU64, writeFile } from '../fs';
import type { MemorySpec, Stats, U64, V2Controller } from '../types';

/** -1 is "max" (the v1 way to say unlimited). */
const v2Value = (n: number): string => (n === -1 ? 'max' : String(n));

/** The current memory.max as an OCI value (-1 for "max"), for a swap-only update. */
function currentLimit(dir: string): number {
  const v = readU64(dir, 'memory.max');
  return v === MAX_U64 ? -1 : Number(v);
}

function checkBeforeUpdate(dir: string, m: MemorySpec): void {
  const usage = readU64(dir, 'memory.current');
  if (m.limit !== undefined && m.limit > 0 && BigInt(usage) >= BigInt(m.limit)) {
    throw new CgroupError(`rejecting memory limit ${m.limit} below current usage ${usage} of ${dir}`);
  }
  if (m.swap !== undefined && m.swap > 0) {
    const total = addU64(usage, readU64(dir, 'memory.swap.current'));
    if (BigInt(total) >= BigInt(m.swap)) throw new CgroupError(`rejecting memory+swap limit ${m.swap} below current usage ${total} of ${dir}`);
  }
}

export const memory: V2Controller = {
  controller: 'memory',
  wanted: (r) => !!(r.memory && (r.memory.limit || r.memory.swap || r.memory.reservation)),
  apply(dir, r, ctx) {
    const m = r.memory;
    if (!m) return;
    if (ctx.update && m.checkBeforeUpdate) checkBeforeUpdate(dir, m);
    const limit = m.limit ?? 0;
    if (m.swap !== undefined && m.swap !== 0) {
      const memoryForSwap = limit === 0 && ctx.update ? currentLimit(dir) : limit;
      const swap = memorySwapToV2(m.swap, memoryForSwap);
      // swap == memory: no swap at all ("0"); never write "" (which also means 0).
      writeFile(dir, 'memory.swap.max', v2Value(swap));
    } else if (limit === -1 && exists(dir, 'memory.swap.max')) {
      // Unlimited memory with swap unset: unlimited swap too (v1 compatibility).
      writeFile(dir, 'memory.swap.max', 'max');
    }
    if (limit !== 0) writeFile(dir, 'memory.max', v2Value(limit));
    if (m.reservation) writeFile(dir, 'memory.low', v2Value(m.reservation));
  },
  stats(dir, out: Stats) {
    const usage = readOptionalU64(dir, 'memory.current');
    if (usage === undefined) return;
    const raw = readKeyValues(dir, 'memory.stat');
    out.memory.raw = raw;
    out.memory.cache = raw.file ?? 0;
    const limit = readU64(dir, 'memory.max');
    out.memory.usage = { usage, limit, max: readU64(dir, 'memory.peak'), failcnt: readKeyValues(dir, 'memory.events').max ?? 0 };
    const swapUsage = readOptionalU64(dir, 'memory.swap.current');
    if (swapUsage !== undefined) {
      // As runc: report swap as v1's memory+swap.
      const swapLimit: U64 = readU64(dir, 'memory.swap.max');
      const sum = swapLimit === MAX_U64 || limit === MAX_U64 ? MAX_U64 : addU64(swapLimit, limit);
      out.memory.swap = {
        usage: addU64(swapUsage, usage),
        limit: typeof sum === 'bigint' && sum > MAX_U64 ? MAX_U64 : sum,
        max: readU64(dir, 'memory.swap.peak'),
        failcnt: readKeyValues(dir, 'memory.swap.events').fail ?? 0,
      };
    }
  },
};
