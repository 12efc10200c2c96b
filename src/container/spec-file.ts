// config.json as read before validation: the text parsed, and the
// namespaces it asks for. Kept apart from config.ts, which the commands
// that only read a bundle's text need not load.
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
