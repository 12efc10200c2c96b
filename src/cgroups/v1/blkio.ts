// v1 blkio: weights (CFQ's blkio.weight or BFQ's blkio.bfq.weight, whichever
// the kernel has), per-device weights and throttles; stats from the CFQ,
// BFQ or throttle counters.
import { exists, parseU64, readOptional, writeFile } from '../fs';
import type { BlkioEntry, BlockIOSpec, Stats, ThrottleDevice, V1Controller } from '../types';

export const THROTTLES: [keyof BlockIOSpec, string][] = [
  ['throttleReadBpsDevice', 'read_bps_device'],
  ['throttleWriteBpsDevice', 'write_bps_device'],
  ['throttleReadIOPSDevice', 'read_iops_device'],
  ['throttleWriteIOPSDevice', 'write_iops_device'],
];

function weightFiles(dir: string): { weight: string; device: string } {
  return exists(dir, 'blkio.bfq.weight')
    ? { weight: 'blkio.bfq.weight', device: 'blkio.bfq.weight_device' }
    : { weight: 'blkio.weight', device: 'blkio.weight_device' };
}

/** "major:minor Op value" lines ("Total" lines skipped; time/sectors files have no Op). */
export function parseBlkioFile(dir: string, file: string): BlkioEntry[] {
  const text = readOptional(dir, file);
  if (!text) return [];
  const out: BlkioEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    const dev = /^(\d+):(\d+)$/.exec(f[0] ?? '');
    if (!dev) continue;
    const [op, value] = f.length >= 3 ? [f[1], f[2]] : ['', f[1]];
    if (value === undefined) continue;
    out.push({ major: Number(dev[1]), minor: Number(dev[2]), op, value: parseU64(value, `${dir}/${file}`) });
  }
  return out;
}

const STAT_FILES: [keyof Stats['blkio'], string[]][] = [
  ['ioServiceBytesRecursive', ['blkio.io_service_bytes_recursive', 'blkio.bfq.io_service_bytes_recursive', 'blkio.throttle.io_service_bytes_recursive']],
  ['ioServicedRecursive', ['blkio.io_serviced_recursive', 'blkio.bfq.io_serviced_recursive', 'blkio.throttle.io_serviced_recursive']],
  ['ioQueueRecursive', ['blkio.io_queued_recursive', 'blkio.bfq.io_queued_recursive']],
  ['ioServiceTimeRecursive', ['blkio.io_service_time_recursive']],
  ['ioWaitTimeRecursive', ['blkio.io_wait_time_recursive', 'blkio.bfq.io_wait_time_recursive']],
  ['ioMergedRecursive', ['blkio.io_merged_recursive', 'blkio.bfq.io_merged_recursive']],
  ['ioTimeRecursive', ['blkio.time_recursive', 'blkio.bfq.time_recursive']],
  ['sectorsRecursive', ['blkio.sectors_recursive', 'blkio.bfq.sectors_recursive']],
];

export const blkio: V1Controller = {
  hierarchy: 'blkio',
  wanted: (r) => r.blockIO !== undefined && Object.values(r.blockIO).some((v) => v !== undefined && !(Array.isArray(v) && v.length === 0)),
  apply(dir, r) {
    const b = r.blockIO;
    if (!b) return;
    const files = weightFiles(dir);
    if (b.weight) writeFile(dir, files.weight, b.weight);
    if (b.leafWeight) writeFile(dir, 'blkio.leaf_weight', b.leafWeight);
    for (const d of b.weightDevice ?? []) {
      if (d.weight) writeFile(dir, files.device, `${d.major}:${d.minor} ${d.weight}`);
      if (d.leafWeight) writeFile(dir, 'blkio.leaf_weight_device', `${d.major}:${d.minor} ${d.leafWeight}`);
    }
    for (const [key, suffix] of THROTTLES) {
      for (const d of (b[key] as ThrottleDevice[] | undefined) ?? []) {
        writeFile(dir, `blkio.throttle.${suffix}`, `${d.major}:${d.minor} ${d.rate}`);
      }
    }
  },
  stats(dir, out: Stats) {
    for (const [field, files] of STAT_FILES) {
      for (const f of files) {
        const entries = parseBlkioFile(dir, f);
        if (entries.length) {
          out.blkio[field] = entries;
          break;
        }
      }
    }
  },
};
