// config.json as read before validation: the text parsed, and what create
// needs to start the init early. Kept apart from config.ts so that create
// loads only this before the clone (see create.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RuntimeError } from '../errors';
import type { InitConfig } from '../init/config';
import { NAMESPACES, type NamespaceType } from '../linux/constants';

const texts = new WeakMap<object, string>();

/** The text a parsed config.json came from: numbers a double cannot hold are read from it exactly. */
export function specText(spec: unknown): string | undefined {
  return typeof spec === 'object' && spec !== null ? texts.get(spec) : undefined;
}

/** config.json parsed, not yet validated. */
export function readSpec(bundle: string): unknown {
  const path = join(bundle, 'config.json');
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new RuntimeError(`config.json: open ${path}: ${code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : String(code)}`);
  }
  try {
    const spec: unknown = JSON.parse(raw);
    if (typeof spec === 'object' && spec !== null) texts.set(spec, raw);
    return spec;
  } catch (e) {
    throw new RuntimeError(`config.json: invalid JSON: ${(e as Error).message}`);
  }
}

export interface NamespacePlan {
  cloneFlags: number;
  joinPid: string | null;
  join: InitConfig['join'];
  newTime: boolean;
  newCgroupNs: boolean;
}

export function namespacePlan(namespaces: { type: string; path?: string }[]): NamespacePlan {
  const plan: NamespacePlan = { cloneFlags: 0, joinPid: null, join: [], newTime: false, newCgroupNs: false };
  for (const ns of namespaces) {
    const info = NAMESPACES[ns.type as NamespaceType];
    // A new time namespace is unshared by the init, which first writes its
    // offsets; its final execve enters it.
    if (ns.type === 'time' && ns.path === undefined) plan.newTime = true;
    // A new cgroup namespace must be rooted at the container's cgroup: the
    // init unshares it once the runtime has moved it there.
    else if (ns.type === 'cgroup' && ns.path === undefined) plan.newCgroupNs = true;
    else if (ns.path === undefined) plan.cloneFlags |= info.flag;
    else if (ns.type === 'pid') plan.joinPid = ns.path;
    else plan.join.push({ type: ns.type, flag: info.flag, path: ns.path });
  }
  return plan;
}

/**
 * The clone flags for an init started before its config is validated, so
 * that its Node start-up overlaps the validation and the cgroup set-up; the
 * init only waits for its config meanwhile, and is killed if validation
 * fails. Namespaces joined by path are joined by the init once it has its
 * config, so they do not matter here, except a pid namespace (joined
 * around the clone) and a user namespace (new: its maps come from the
 * validated config; joined: by the trampoline). Not with a terminal
 * either: the console socket is connected after validation, which keeps
 * runc's order of errors. null: validate first.
 */
export function earlyCloneFlags(raw: unknown): number | null {
  const spec = raw as { process?: { terminal?: unknown }; linux?: { namespaces?: unknown } } | null;
  if (typeof spec !== 'object' || spec === null || spec.process?.terminal === true) return null;
  const namespaces = spec.linux?.namespaces;
  if (!Array.isArray(namespaces)) return null;
  for (const ns of namespaces) {
    if (typeof ns !== 'object' || ns === null || typeof ns.type !== 'string') return null;
    if (ns.type === 'user' || (ns.type === 'pid' && 'path' in ns) || !Object.prototype.hasOwnProperty.call(NAMESPACES, ns.type)) return null;
    if ('path' in ns && typeof ns.path !== 'string') return null;
  }
  return namespacePlan(namespaces as { type: string }[]).cloneFlags;
}

