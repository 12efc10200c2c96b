// v1 hugetlb: hugetlb.<size>.limit_in_bytes (and the reservation limit where
// the kernel has one); stats per page size.
import fs = require('node:fs');
import { CgroupError, exists, readU64, writeFile } from '../fs';
import type { HugepageLimit, Stats, V1Controller } from '../types';

/** The page sizes a hugetlb cgroup offers ("2MB", "1GB"), from its file names. */
export function pageSizes(dir: string, suffix: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const re = new RegExp(`^hugetlb\\.([0-9]+[KMG]B)\\.${suffix.replace(/\./g, '\\.')}$`);
  return names.map((n) => re.exec(n)?.[1]).filter((s): s is string => !!s);
}

/** Writes each limit to `hugetlb.<size>.<file>`, and `.rsvd.<file>` too when present. */
export function applyHugepages(dir: string, limits: HugepageLimit[] | undefined, file: string): void {
  for (const l of limits ?? []) {
    if (typeof l?.pageSize !== 'string' || !/^[0-9]+[KMG]B$/.test(l.pageSize)) {
      throw new CgroupError(`invalid hugepage size ${JSON.stringify(l?.pageSize)}`);
    }
    const name = `hugetlb.${l.pageSize}.${file}`;
    if (!exists(dir, name)) {
      throw new CgroupError(`hugepage size ${l.pageSize} is not supported: no ${name} in ${dir} (sizes: ${pageSizes(dir, file).join(', ') || 'none'})`);
    }
    writeFile(dir, name, l.limit);
    const rsvd = `hugetlb.${l.pageSize}.rsvd.${file}`;
    if (exists(dir, rsvd)) writeFile(dir, rsvd, l.limit);
  }
}

export const hugetlb: V1Controller = {
  hierarchy: 'hugetlb',
  wanted: (r) => (r.hugepageLimits?.length ?? 0) > 0,
  apply: (dir, r) => applyHugepages(dir, r.hugepageLimits, 'limit_in_bytes'),
  stats(dir, out: Stats) {
    for (const size of pageSizes(dir, 'limit_in_bytes')) {
      out.hugetlb[size] = {
        usage: readU64(dir, `hugetlb.${size}.usage_in_bytes`),
        max: readU64(dir, `hugetlb.${size}.max_usage_in_bytes`),
        failcnt: readU64(dir, `hugetlb.${size}.failcnt`),
      };
    }
  },
};
