// The OCI resources are cgroup v1 values; these are runc's conversions to
// their cgroup v2 counterparts (opencontainers/cgroups utils.go).
import { CgroupError } from './fs';

/**
 * cpu.shares [2, 262144] (default 1024) to cpu.weight [1, 10000] (default
 * 100). runc's current formula (opencontainers/cgroups#20, runc >= 1.3.2):
 * a quadratic in log2(shares) through the minimum, the default and the
 * maximum, so 1024 shares become weight 100 (the old linear formula gave 39).
 * 0 means unset.
 */
export function cpuSharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  if (shares <= 2) return 1;
  if (shares >= 262144) return 10000;
  const l = Math.log2(shares);
  const exponent = (l * l + 125 * l) / 612 - 7 / 34;
  return Math.ceil(Math.pow(10, exponent));
}

/** runc's earlier linear mapping of [2, 262144] onto [1, 10000] (kept for reference and comparison). */
export function cpuSharesToWeightLinear(shares: number): number {
  if (shares === 0) return 0;
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

/** blkio.weight [10, 1000] to io.weight [1, 10000], linearly; 0 means unset. */
export function blkioWeightToIoWeight(weight: number): number {
  if (weight === 0) return 0;
  return 1 + Math.floor(((weight - 10) * 9999) / 990);
}

/**
 * OCI memory.swap is the v1 memsw limit (memory + swap); v2 memory.swap.max
 * is swap alone. Returns the v2 value: -1 for "max", 0 for unset (or, when
 * swap equals the memory limit, no swap at all), else swap - memory.
 */
export function memorySwapToV2(swap: number, memory: number): number {
  if (memory === -1 && swap === 0) return -1;
  if (swap === -1 || swap === 0) return swap;
  if (memory === -1) return swap;
  if (memory === 0) throw new CgroupError('unable to set swap limit without memory limit');
  if (memory < 0) throw new CgroupError(`invalid memory value: ${memory}`);
  if (swap < memory) throw new CgroupError(`memory+swap limit (${swap}) should be >= memory limit (${memory})`);
  return swap - memory;
}
