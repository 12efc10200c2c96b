// Device cgroup rules shared by v1 (devices.allow/deny) and v2 (an eBPF
// program): validation of the OCI rules, runc's default allowed devices, and
// the last-match-wins reading both backends implement.
import { CgroupError } from './fs';
import type { DeviceCgroupSpec } from './types';

export interface DeviceRule {
  allow: boolean;
  /** 'a' (any type), 'c' or 'b'. */
  type: 'a' | 'c' | 'b';
  /** -1 for any. */
  major: number;
  minor: number;
  /** A non-empty subset of "rwm", in that order. */
  access: string;
}

const rule = (type: 'c' | 'b', major: number, minor: number, access = 'rwm'): DeviceRule =>
  ({ allow: true, type, major, minor, access });

/**
 * runc's AllowedDevices (libcontainer/specconv), appended after the spec's
 * own rules: mknod of anything, the standard character devices, /dev/pts/*,
 * /dev/ptmx and /dev/net/tun.
 */
export const DEFAULT_ALLOWED_DEVICES: readonly DeviceRule[] = Object.freeze([
  rule('c', -1, -1, 'm'),
  rule('b', -1, -1, 'm'),
  rule('c', 1, 3), // /dev/null
  rule('c', 1, 8), // /dev/random
  rule('c', 1, 7), // /dev/full
  rule('c', 5, 0), // /dev/tty
  rule('c', 1, 5), // /dev/zero
  rule('c', 1, 9), // /dev/urandom
  rule('c', 136, -1), // /dev/pts/*
  rule('c', 5, 2), // /dev/ptmx
  rule('c', 10, 200), // /dev/net/tun
]);

function number(v: unknown, what: string, i: number): number {
  if (v === undefined || v === null || v === -1) return -1;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new CgroupError(`linux.resources.devices[${i}]: invalid ${what} ${JSON.stringify(v)}`);
  }
  return v;
}

/** Validates and normalizes the OCI rules (type "a"/absent = any, access absent = "rwm"). */
export function normalizeDeviceRules(specs: unknown): DeviceRule[] {
  if (specs === undefined || specs === null) return [];
  if (!Array.isArray(specs)) throw new CgroupError('linux.resources.devices must be an array');
  return specs.map((s: DeviceCgroupSpec, i) => {
    if (typeof s !== 'object' || s === null || typeof s.allow !== 'boolean') {
      throw new CgroupError(`linux.resources.devices[${i}]: "allow" must be a boolean`);
    }
    const type = s.type === undefined || s.type === '' ? 'a' : s.type;
    if (type !== 'a' && type !== 'c' && type !== 'b') {
      throw new CgroupError(`linux.resources.devices[${i}]: invalid type ${JSON.stringify(s.type)}`);
    }
    const access = s.access === undefined || s.access === '' ? 'rwm' : s.access;
    if (typeof access !== 'string' || !/^[rwm]+$/.test(access)) {
      throw new CgroupError(`linux.resources.devices[${i}]: invalid access ${JSON.stringify(s.access)}`);
    }
    const canonical = ['r', 'w', 'm'].filter((c) => access.includes(c)).join('');
    return { allow: s.allow, type, major: number(s.major, 'major', i), minor: number(s.minor, 'minor', i), access: canonical };
  });
}

/** A rule that resets the whole list: any type, any number, all access ("a" in v1 terms). */
export function isReset(r: DeviceRule): boolean {
  return r.type === 'a' && r.major === -1 && r.minor === -1 && r.access === 'rwm';
}

/**
 * The rules the kernel should enforce, in order: the default (deny), the
 * spec's rules, then runc's default allowed devices. A type "a" rule that is
 * not a reset is split into its "c" and "b" halves.
 */
export function effectiveDeviceRules(specs: unknown): { defaultAllow: boolean; rules: DeviceRule[] } {
  const spec = normalizeDeviceRules(specs);
  const all = [...spec, ...defaultsAfter(spec)];
  let defaultAllow = false;
  let rules: DeviceRule[] = [];
  for (const r of all) {
    if (isReset(r)) {
      defaultAllow = r.allow;
      rules = [];
    } else if (r.type === 'a') {
      rules.push({ ...r, type: 'c' }, { ...r, type: 'b' });
    } else {
      rules.push(r);
    }
  }
  return { defaultAllow, rules };
}

/**
 * runc's default allowed devices, less the access the spec explicitly denies
 * for that very device (type, major and minor given): appended after the
 * spec's rules they would otherwise undo a deliberate "no writes to
 * /dev/null". A deny-all reset does not count as explicit.
 */
function defaultsAfter(spec: DeviceRule[]): DeviceRule[] {
  return DEFAULT_ALLOWED_DEVICES.flatMap((d) => {
    const denied = spec.filter((r) => !r.allow && r.type === d.type && r.major === d.major && r.minor === d.minor && r.major !== -1 && r.minor !== -1)
      .map((r) => r.access).join('');
    const access = [...d.access].filter((c) => !denied.includes(c)).join('');
    return access ? [{ ...d, access }] : [];
  });
}

/**
 * Whether a rule decides an access request: an allow rule when it grants all
 * of the requested access (as the kernel's v1 allow list), a deny rule when it
 * names any of it.
 */
export function ruleMatches(r: DeviceRule, type: 'c' | 'b', major: number, minor: number, access: string): boolean {
  if (r.type !== 'a' && r.type !== type) return false;
  if (r.major !== -1 && r.major !== major) return false;
  if (r.minor !== -1 && r.minor !== minor) return false;
  const asked = [...access];
  return r.allow ? asked.every((c) => r.access.includes(c)) : asked.some((c) => r.access.includes(c));
}

/** The reference decision: the last matching rule wins, else the default. */
export function deviceAllowed(policy: { defaultAllow: boolean; rules: DeviceRule[] }, type: 'c' | 'b', major: number, minor: number, access: string): boolean {
  for (let i = policy.rules.length - 1; i >= 0; i--) {
    if (ruleMatches(policy.rules[i], type, major, minor, access)) return policy.rules[i].allow;
  }
  return policy.defaultAllow;
}

/** The v1 devices.allow / devices.deny line: "c 1:3 rwm", "b *:* m". */
export function v1RuleString(r: DeviceRule): string {
  const n = (v: number): string => (v === -1 ? '*' : String(v));
  return `${r.type} ${n(r.major)}:${n(r.minor)} ${r.access}`;
}
