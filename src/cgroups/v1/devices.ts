// v1 devices: deny everything ("a" to devices.deny), then each rule in order
// to devices.allow or devices.deny, runc's default allowed devices last.
import { effectiveDeviceRules, v1RuleString } from '../devices';
import { writeFile } from '../fs';
import type { Resources, V1Controller } from '../types';

/** The writes, in order, as [file, line] pairs. */
export function v1DeviceWrites(r: Resources): [string, string][] {
  const { defaultAllow, rules } = effectiveDeviceRules(r.devices);
  const writes: [string, string][] = [[defaultAllow ? 'devices.allow' : 'devices.deny', 'a']];
  for (const rule of rules) writes.push([rule.allow ? 'devices.allow' : 'devices.deny', v1RuleString(rule)]);
  return writes;
}

export const devices: V1Controller = {
  hierarchy: 'devices',
  apply(dir, r, ctx) {
    // On update, rules are rewritten only when the update names devices.
    if (ctx.update && r.devices === undefined) return;
    for (const [file, line] of v1DeviceWrites(r)) writeFile(dir, file, line);
  },
};
