// v1 net_prio: one "interface priority" line per write to net_prio.ifpriomap.
import type { V1Controller } from '../types';
import { writeFile } from '../fs';

export const netPrio: V1Controller = {
  hierarchy: 'net_prio',
  wanted: (r) => (r.network?.priorities?.length ?? 0) > 0,
  apply(dir, r) {
    for (const p of r.network?.priorities ?? []) writeFile(dir, 'net_prio.ifpriomap', `${p.name} ${p.priority}`);
  },
};
