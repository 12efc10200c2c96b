// v2 hugetlb: hugetlb.<size>.max (and .rsvd.max where present); stats from
// .current and the "max" count of .events, as runc reports them.
import { readKeyValues, readU64 } from '../fs';
import { applyHugepages, pageSizes } from '../v1/hugetlb';
import type { Stats, V2Controller } from '../types';

export const hugetlb: V2Controller = {
  controller: 'hugetlb',
  wanted: (r) => (r.hugepageLimits?.length ?? 0) > 0,
  apply: (dir, r) => applyHugepages(dir, r.hugepageLimits, 'max'),
  stats(dir, out: Stats) {
    for (const size of pageSizes(dir, 'max')) {
      out.hugetlb[size] = {
        usage: readU64(dir, `hugetlb.${size}.current`),
        max: 0,
        failcnt: readKeyValues(dir, `hugetlb.${size}.events`).max ?? 0,
      };
    }
  },
};
