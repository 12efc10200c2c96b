// v2 devices: no files, an eBPF program instead (bpf/program.ts), installed
// through a loader seam so the manager's logic can run against a plain
// directory tree in tests.
import { effectiveDeviceRules } from '../devices';
import { deviceFilterInsns, encodeInsns } from './bpf/program';
import type { Resources } from '../types';

export interface DeviceFilterLoader {
  /** Replaces tsrun's device filter on the cgroup at dir with this program (struct bpf_insn[]). */
  attach(dir: string, program: Buffer): void;
}

// bpf(2) through koffi is loaded only when a v2 device filter is really attached.
export const kernelDeviceLoader: DeviceFilterLoader = {
  attach: (...args: Parameters<typeof import('./bpf/syscall').attachDeviceFilter>) =>
    (require('./bpf/syscall') as typeof import('./bpf/syscall')).attachDeviceFilter(...args),
};

/** The encoded program for these resources (spec rules, then runc's default allowed devices). */
export function deviceProgram(r: Resources): Buffer {
  return encodeInsns(deviceFilterInsns(effectiveDeviceRules(r.devices)));
}
