// linux.resources.unified: raw cgroup v2 "file": "value" pairs, written last
// so they override the converted values. A key must be a plain file name of
// the form <controller>.<parameter> whose controller is enabled for the
// cgroup (or "cgroup." core files).
import { CgroupError, writeFile } from '../fs';

const KEY = /^([a-z0-9_]+)\.([A-Za-z0-9_.-]+)$/;

/** Checks the keys' form; no cgroup needed. */
export function validateUnified(unified: unknown): Record<string, string> {
  if (unified === undefined || unified === null) return {};
  if (typeof unified !== 'object' || Array.isArray(unified)) throw new CgroupError('linux.resources.unified must be an object');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(unified as Record<string, unknown>)) {
    if (k.includes('/') || k.includes('..') || k.includes('\0')) {
      throw new CgroupError(`unified resource ${JSON.stringify(k)} must be a file name (no "/" or "..")`);
    }
    if (!KEY.test(k)) throw new CgroupError(`unified resource ${JSON.stringify(k)} must be in the form CONTROLLER.PARAMETER`);
    if (typeof v !== 'string') throw new CgroupError(`unified resource ${JSON.stringify(k)}: the value must be a string`);
    out[k] = v;
  }
  return out;
}

export function applyUnified(dir: string, unified: unknown, available: Set<string>): void {
  for (const [k, v] of Object.entries(validateUnified(unified))) {
    const controller = (KEY.exec(k) as RegExpExecArray)[1];
    if (controller !== 'cgroup' && !available.has(controller)) {
      throw new CgroupError(`unified resource ${JSON.stringify(k)} can't be set: controller "${controller}" is not available in ${dir}/cgroup.controllers`);
    }
    writeFile(dir, k, v);
  }
}
