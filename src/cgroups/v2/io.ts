// v2 io: the blkio weight goes to io.bfq.weight as is when BFQ is there,
// else to io.weight converted to [1, 10000]; throttles to io.max. leafWeight
// has no v2 counterpart and is ignored, as by runc. Stats from io.stat in
// v1's layout.
import { blkioWeightToIoWeight } from '../convert';
import { exists, parseU64, readOptional, writeFile } from '../fs';
import type { BlkioEntry, Stats, ThrottleDevice, V2Controller } from '../types';

const THROTTLES: [string, string][] = [
  ['throttleReadBpsDevice', 'rbps'],
  ['throttleWriteBpsDevice', 'wbps'],
  ['throttleReadIOPSDevice', 'riops'],
  ['throttleWriteIOPSDevice', 'wiops'],
];

const STAT_KEYS: Record<string, [keyof Stats['blkio'], string]> = {
  rbytes: ['ioServiceBytesRecursive', 'Read'],
  wbytes: ['ioServiceBytesRecursive', 'Write'],
  rios: ['ioServicedRecursive', 'Read'],
  wios: ['ioServicedRecursive', 'Write'],
};

export const io: V2Controller = {
  controller: 'io',
  wanted: (r) => !!r.blockIO && (!!r.blockIO.weight || (r.blockIO.weightDevice?.length ?? 0) > 0 ||
    THROTTLES.some(([k]) => ((r.blockIO as Record<string, unknown[] | undefined>)[k]?.length ?? 0) > 0)),
  apply(dir, r) {
    const b = r.blockIO;
    if (!b) return;
    const bfq = exists(dir, 'io.bfq.weight');
    const weight = (prefix: string, w: number): void => {
      if (bfq) writeFile(dir, 'io.bfq.weight', `${prefix}${w}`);
      else writeFile(dir, 'io.weight', `${prefix}${blkioWeightToIoWeight(w)}`);
    };
    if (b.weight) weight('', b.weight);
    for (const d of b.weightDevice ?? []) if (d.weight) weight(`${d.major}:${d.minor} `, d.weight);
    for (const [key, name] of THROTTLES) {
      for (const d of ((b as Record<string, unknown>)[key] as ThrottleDevice[] | undefined) ?? []) {
        writeFile(dir, 'io.max', `${d.major}:${d.minor} ${name}=${d.rate}`);
      }
    }
  },
  stats(dir, out: Stats) {
    const text = readOptional(dir, 'io.stat');
    if (!text) return;
    for (const line of text.split('\n')) {
      const [dev, ...fields] = line.trim().split(/\s+/);
      const m = /^(\d+):(\d+)$/.exec(dev ?? '');
      if (!m) continue;
      for (const f of fields) {
        const [k, v] = f.split('=');
        const target = STAT_KEYS[k];
        if (!target || v === undefined) continue;
        const entry: BlkioEntry = { major: Number(m[1]), minor: Number(m[2]), op: target[1], value: parseU64(v, `${dir}/io.stat`) };
        out.blkio[target[0]].push(entry);
      }
    }
  },
};
