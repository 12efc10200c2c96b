// config.json validation: the JSON schema (compiled at build time by
// scripts/build-validators.js), then the checks a schema cannot express.
// Every problem becomes one line naming the JSON pointer and the rule.
import { readlinkSync, statSync } from 'node:fs';
import { nsLink } from '../linux/proc';
import { isAbsolute, resolve } from 'node:path';
import type { Spec } from './types';
import { CAPABILITIES } from './capabilities';
import { parseMountOptions } from './mount-options';
import { RLIMITS } from './rlimits';

interface SchemaError { instancePath: string; message?: string; params?: Record<string, unknown>; keyword: string }
type ValidateFn = ((data: unknown) => boolean) & { errors?: SchemaError[] | null };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

function describe(e: SchemaError): string {
  const where = e.instancePath || '/';
  let rule = e.message ?? e.keyword;
  if (e.keyword === 'enum' && Array.isArray(e.params?.allowedValues)) {
    rule += ': ' + (e.params!.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ');
  }
  if (e.keyword === 'additionalProperties' && e.params?.additionalProperty) rule += `: ${String(e.params.additionalProperty)}`;
  return `${where}: ${rule}`;
}

let configValidator: ValidateFn | undefined;

/** Schema problems of a parsed config.json, one string per violation. */
export function schemaProblems(spec: unknown): string[] {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  configValidator ??= require('./config-validator.js') as ValidateFn;
  if (configValidator(spec)) return [];
  const seen = new Set<string>();
  for (const e of configValidator.errors ?? []) seen.add(describe(e));
  return [...seen];
}

const IPC_SYSCTLS = new Set(['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax',
  'kernel.shmmni', 'kernel.shm_rmid_forced']);

const hostNs = (type: string): string | null => nsLink('self', type);

/**
 * A sysctl is allowed only when the container owns the namespace the key
 * belongs to (runc's rules); others would change the host.
 */
export function sysctlProblem(key: string, namespaces: { type: string; path?: string }[], host: (t: string) => string | null): string | null {
  const ns = (type: string) => namespaces.find((n) => n.type === type);
  const owns = (type: string, proc: string): boolean => {
    const n = ns(type);
    if (!n) return false;
    if (n.path === undefined) return true;
    try { return readlinkSync(n.path) !== host(proc); } catch { return true; }
  };
  if (IPC_SYSCTLS.has(key) || key.startsWith('fs.mqueue.')) {
    return owns('ipc', 'ipc') ? null : `sysctl ${JSON.stringify(key)} is not allowed in the host's ipc namespace`;
  }
  if (key.startsWith('net.')) {
    return owns('network', 'net') ? null : `sysctl ${JSON.stringify(key)} is not allowed in the host's network namespace`;
  }
  if (key === 'kernel.hostname' || key === 'kernel.domainname') {
    return owns('uts', 'uts') ? null : `sysctl ${JSON.stringify(key)} is not allowed in the host's uts namespace`;
  }
  return `sysctl ${JSON.stringify(key)} is not in a separate kernel namespace`;
}

/** Checks beyond the schema, as runc's configs/validate does. */
export function semanticProblems(spec: Spec, bundle: string): string[] {
  const out: string[] = [];
  if (!spec.root) {
    out.push('/root: must have required property \'path\'');
  } else {
    const rootfs = resolve(bundle, spec.root.path);
    try {
      if (!statSync(rootfs).isDirectory()) out.push(`/root/path: rootfs ${rootfs} is not a directory`);
    } catch {
      out.push(`/root/path: rootfs ${rootfs} does not exist`);
    }
  }
  (spec.mounts ?? []).forEach((m, i) => {
    if (!isAbsolute(m.destination)) out.push(`/mounts/${i}/destination: must be an absolute path: ${m.destination}`);
    const idmapped = parseMountOptions(m.options).idmap !== null;
    if ((m.uidMappings || m.gidMappings) && !idmapped) out.push(`/mounts/${i}: uidMappings and gidMappings need the idmap or ridmap option`);
  });
  for (const [name, hooks] of Object.entries(spec.hooks ?? {})) {
    (hooks ?? []).forEach((h, i) => {
      if (!isAbsolute(h.path)) out.push(`/hooks/${name}/${i}/path: must be an absolute path: ${h.path}`);
    });
  }
  const seen = new Map<string, number>();
  const namespaces = spec.linux?.namespaces ?? [];
  namespaces.forEach((ns, i) => {
    if (seen.has(ns.type)) out.push(`/linux/namespaces/${i}: duplicate namespace type ${ns.type}`);
    seen.set(ns.type, i);
    if (ns.path !== undefined) {
      if (!isAbsolute(ns.path)) out.push(`/linux/namespaces/${i}/path: must be an absolute path: ${ns.path}`);
      else {
        try { statSync(ns.path); } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          out.push(`/linux/namespaces/${i}/path: ${ns.path} ${code === 'ENOENT' ? 'does not exist' : `cannot be used: ${code}`}`);
        }
      }
    }
  });
  const newNs = (t: string) => seen.has(t) && namespaces[seen.get(t)!].path === undefined;
  if (spec.hostname && !seen.has('uts')) out.push('/hostname: unable to set hostname without a private UTS namespace');
  if (spec.domainname && !seen.has('uts')) out.push('/domainname: unable to set domainname without a private UTS namespace');
  if (!seen.has('mount')) {
    // The container then shares the runtime's mount namespace (config-linux.md)
    // and runs chrooted into its rootfs, as with runc and crun. What would
    // mount something would mount it on the host, and outlive the container.
    const onHost = 'needs a mount namespace of the container\'s own ({"type": "mount"} in /linux/namespaces): without one it would change the host\'s mounts';
    if (spec.mounts?.length) out.push(`/mounts: ${onHost}`);
    if (spec.linux?.maskedPaths?.length) out.push(`/linux/maskedPaths: ${onHost}`);
    if (spec.linux?.readonlyPaths?.length) out.push(`/linux/readonlyPaths: ${onHost}`);
    if (spec.linux?.rootfsPropagation) out.push(`/linux/rootfsPropagation: ${onHost}`);
    if (spec.root?.readonly) out.push(`/root/readonly: ${onHost}`);
    if (spec.linux?.devices?.length) out.push(`/linux/devices: ${onHost}`);
  }
  if (seen.has('user') && !newNs('user')) {
    out.push(`/linux/namespaces/${seen.get('user')}/path: joining a user namespace at create is not supported by this version of tsrun`);
  }
  if (newNs('user')) {
    if (!spec.linux?.uidMappings?.length) out.push('/linux/uidMappings: a new user namespace needs uid mappings');
    if (!spec.linux?.gidMappings?.length) out.push('/linux/gidMappings: a new user namespace needs gid mappings');
  } else if (spec.linux?.uidMappings?.length || spec.linux?.gidMappings?.length) {
    out.push('/linux/uidMappings: mappings need a new user namespace in /linux/namespaces');
  }
  if (spec.linux?.timeOffsets && !newNs('time')) out.push('/linux/timeOffsets: requires a new time namespace');
  const personality = spec.linux?.personality;
  if (personality) {
    if (!['LINUX', 'LINUX32'].includes(personality.domain)) out.push(`/linux/personality/domain: unknown personality domain ${JSON.stringify(personality.domain)}`);
    if (personality.flags?.length) out.push('/linux/personality/flags: no personality flags are defined');
  }
  Object.keys(spec.linux?.sysctl ?? {}).forEach((key) => {
    const problem = sysctlProblem(key, namespaces, hostNs);
    if (problem) out.push(`/linux/sysctl/${key.replace(/~/g, '~0').replace(/\//g, '~1')}: ${problem}`);
  });
  if (spec.linux?.seccomp) {
    const { seccompProblems } = require('../seccomp/profile') as typeof import('../seccomp/profile');
    out.push(...seccompProblems(spec.linux.seccomp));
  }
  const p = spec.process;
  if (p) {
    if (!isAbsolute(p.cwd)) out.push(`/process/cwd: must be an absolute path: ${p.cwd}`);
    if (!p.args || p.args.length === 0) out.push('/process/args: must not be empty');
    for (const set of ['bounding', 'effective', 'inheritable', 'permitted', 'ambient'] as const) {
      (p.capabilities?.[set] ?? []).forEach((name, i) => {
        if (!(name in CAPABILITIES)) out.push(`/process/capabilities/${set}/${i}: unknown capability ${JSON.stringify(name)}`);
      });
    }
    const types = new Set<string>();
    (p.rlimits ?? []).forEach((r, i) => {
      if (!(r.type in RLIMITS)) out.push(`/process/rlimits/${i}/type: unknown rlimit ${JSON.stringify(r.type)}`);
      if (types.has(r.type)) out.push(`/process/rlimits/${i}/type: duplicate rlimit ${r.type}`);
      if (r.soft > r.hard) out.push(`/process/rlimits/${i}: soft limit ${r.soft} is above hard limit ${r.hard}`);
      types.add(r.type);
    });
  }
  return out;
}
