// rdma (same file format on v1 and v2): one "<device> hca_handle=N
// hca_object=N" line per write to rdma.max; stats are not reported by runc.
import { writeFile } from '../fs';
import type { RdmaLimit, Resources, V1Controller } from '../types';

export function rdmaLines(rdma: Record<string, RdmaLimit> | undefined): string[] {
  return Object.entries(rdma ?? {}).map(([device, l]) => {
    const parts = [device];
    if (l.hcaHandles !== undefined) parts.push(`hca_handle=${l.hcaHandles}`);
    if (l.hcaObjects !== undefined) parts.push(`hca_object=${l.hcaObjects}`);
    return parts.join(' ');
  }).filter((line) => line.includes(' '));
}

export function applyRdma(dir: string, r: Resources): void {
  for (const line of rdmaLines(r.rdma)) writeFile(dir, 'rdma.max', line);
}

export const rdma: V1Controller = {
  hierarchy: 'rdma',
  wanted: (r) => rdmaLines(r.rdma).length > 0,
  apply: applyRdma,
};
