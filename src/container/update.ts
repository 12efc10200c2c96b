// `update`: new resources for a running container, from --resources FILE
// (or - for stdin, as containerd sends them) and/or runc's flags.
import { readFileSync } from 'node:fs';
import { RuntimeError } from '../errors';
import { loadCgroup } from './cgroup';
import { loadContainer } from './load';

export interface UpdateFlags {
  resources?: string;
  memory?: string; memoryReservation?: string; memorySwap?: string; kernelMemory?: string;
  cpuShares?: string; cpuQuota?: string; cpuPeriod?: string; cpuRtRuntime?: string; cpuRtPeriod?: string;
  cpusetCpus?: string; cpusetMems?: string; pidsLimit?: string; blkioWeight?: string;
}

/** runc's byte sizes: plain numbers or with k/m/g (and kb/mb/gb, any case); -1 is unlimited. */
export function parseBytes(raw: string, flag: string): number {
  if (raw === '-1') return -1;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(raw.trim());
  if (!m) throw new RuntimeError(`invalid value for ${flag}: ${JSON.stringify(raw)}`);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return Math.round(Number(m[1]) * unit);
}

function int(raw: string, flag: string): number {
  if (!/^-?\d+$/.test(raw)) throw new RuntimeError(`invalid value for ${flag}: ${JSON.stringify(raw)}`);
  return Number(raw);
}

export function resourcesFrom(flags: UpdateFlags): Record<string, any> {
  let r: Record<string, any> = {};
  if (flags.resources) {
    try {
      r = JSON.parse(readFileSync(flags.resources === '-' ? 0 : flags.resources, 'utf8'));
    } catch (e) {
      throw new RuntimeError(`--resources ${flags.resources}: ${(e as Error).message}`);
    }
  }
  const memory = { ...(r.memory ?? {}) };
  if (flags.memory !== undefined) memory.limit = parseBytes(flags.memory, '--memory');
  if (flags.memoryReservation !== undefined) memory.reservation = parseBytes(flags.memoryReservation, '--memory-reservation');
  if (flags.memorySwap !== undefined) memory.swap = parseBytes(flags.memorySwap, '--memory-swap');
  if (flags.kernelMemory !== undefined) memory.kernel = parseBytes(flags.kernelMemory, '--kernel-memory');
  if (Object.keys(memory).length) r.memory = memory;
  const cpu = { ...(r.cpu ?? {}) };
  if (flags.cpuShares !== undefined) cpu.shares = int(flags.cpuShares, '--cpu-share');
  if (flags.cpuQuota !== undefined) cpu.quota = int(flags.cpuQuota, '--cpu-quota');
  if (flags.cpuPeriod !== undefined) cpu.period = int(flags.cpuPeriod, '--cpu-period');
  if (flags.cpuRtRuntime !== undefined) cpu.realtimeRuntime = int(flags.cpuRtRuntime, '--cpu-rt-runtime');
  if (flags.cpuRtPeriod !== undefined) cpu.realtimePeriod = int(flags.cpuRtPeriod, '--cpu-rt-period');
  if (flags.cpusetCpus !== undefined) cpu.cpus = flags.cpusetCpus;
  if (flags.cpusetMems !== undefined) cpu.mems = flags.cpusetMems;
  if (Object.keys(cpu).length) r.cpu = cpu;
  if (flags.pidsLimit !== undefined) r.pids = { limit: int(flags.pidsLimit, '--pids-limit') };
  if (flags.blkioWeight !== undefined) r.blockIO = { ...(r.blockIO ?? {}), weight: int(flags.blkioWeight, '--blkio-weight') };
  return r;
}

export function update(root: string, id: string, flags: UpdateFlags): void {
  const { state, status } = loadContainer(root, id);
  if (status === 'stopped') throw new RuntimeError('container not running');
  const cgroup = loadCgroup(state);
  if (!cgroup) throw new RuntimeError('cannot update a container without a cgroup tsrun manages');
  cgroup.update(resourcesFrom(flags));
}
