// Loading a bundle's config.json: parse, schema, semantic checks, then the
// normalization into what the init needs (runc's specconv step).
import { realpathSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { RuntimeError } from '../errors';
import type { InitConfig, InitMount, InitProcess } from '../init/config';
import { capMask } from '../spec/capabilities';
import { parseMountOptions, rootfsPropagationFlags } from '../spec/mount-options';
import { RLIMITS } from '../spec/rlimits';
import type { Spec } from '../spec/types';
import { schemaProblems, semanticProblems } from '../spec/validate';
import { SPEC_VERSION } from '../version';
import { namespacePlan } from './spec-file';

export function validateSpec(spec: unknown, bundle: string): Spec {
  const problems = schemaProblems(spec);
  if (!problems.length) problems.push(...semanticProblems(spec as Spec, bundle));
  if (problems.length) throw new RuntimeError(problems.map((p) => `config.json: ${p}`).join('\n'));
  return spec as Spec;
}


export function normalizeProcess(p: Spec['process']): InitProcess | null {
  if (!p) return null;
  const caps = p.capabilities;
  return {
    args: p.args ?? [],
    env: p.env ?? [],
    cwd: p.cwd,
    uid: p.user?.uid ?? 0,
    gid: p.user?.gid ?? 0,
    additionalGids: p.user?.additionalGids ?? [],
    umask: p.user?.umask ?? null,
    rlimits: (p.rlimits ?? []).map((r) => ({ resource: RLIMITS[r.type], name: r.type, soft: String(r.soft), hard: String(r.hard) })),
    capabilities: caps
      ? {
          bounding: capMask(caps.bounding).toString(),
          effective: capMask(caps.effective).toString(),
          permitted: capMask(caps.permitted).toString(),
          inheritable: capMask(caps.inheritable).toString(),
          ambient: capMask(caps.ambient).toString(),
        }
      : null,
    noNewPrivileges: Boolean(p.noNewPrivileges),
    oomScoreAdj: p.oomScoreAdj ?? null,
    ioPriority: p.ioPriority ? (IOPRIO_CLASSES[p.ioPriority.class] << 13) | (p.ioPriority.priority ?? 0) : null,
    scheduler: p.scheduler
      ? {
          policy: SCHED_POLICIES[p.scheduler.policy],
          flags: String((p.scheduler.flags ?? []).reduce((m, f) => m | SCHED_FLAGS[f], 0)),
          nice: p.scheduler.nice ?? 0,
          priority: p.scheduler.priority ?? 0,
          runtime: String(p.scheduler.runtime ?? 0),
          deadline: String(p.scheduler.deadline ?? 0),
          period: String(p.scheduler.period ?? 0),
        }
      : null,
  };
}

const IOPRIO_CLASSES: Record<string, number> = { IOPRIO_CLASS_RT: 1, IOPRIO_CLASS_BE: 2, IOPRIO_CLASS_IDLE: 3 };
export const SCHED_POLICIES: Record<string, number> = {
  SCHED_OTHER: 0, SCHED_FIFO: 1, SCHED_RR: 2, SCHED_BATCH: 3, SCHED_ISO: 4, SCHED_IDLE: 5, SCHED_DEADLINE: 6,
};
export const SCHED_FLAGS: Record<string, number> = {
  SCHED_FLAG_RESET_ON_FORK: 0x01, SCHED_FLAG_RECLAIM: 0x02, SCHED_FLAG_DL_OVERRUN: 0x04, SCHED_FLAG_KEEP_POLICY: 0x08,
  SCHED_FLAG_KEEP_PARAMS: 0x10, SCHED_FLAG_UTIL_CLAMP_MIN: 0x20, SCHED_FLAG_UTIL_CLAMP_MAX: 0x40,
};
export const PERSONALITY_DOMAINS: Record<string, number> = { LINUX: 0x0000, LINUX32: 0x0008 };

/** timens_offsets lines for linux.timeOffsets (monotonic and boottime clocks). */
function timeOffsets(offsets: Record<string, { secs?: number; nanosecs?: number }> | undefined): string {
  return Object.entries(offsets ?? {}).map(([clock, o]) => `${clock} ${o.secs ?? 0} ${o.nanosecs ?? 0}\n`).join('');
}

function normalizeMounts(spec: Spec, bundle: string): InitMount[] {
  return (spec.mounts ?? []).map((m) => {
    const o = parseMountOptions(m.options);
    const bind = m.type === 'bind' || (o.flags & 0x1000) !== 0;
    let source = m.source ?? null;
    // Bind sources are host paths, relative to the bundle as runc reads them.
    if (bind && source !== null && !isAbsolute(source)) source = resolve(bundle, source);
    return {
      source,
      destination: m.destination,
      type: bind ? null : m.type ?? null,
      flags: bind ? o.flags | 0x1000 : o.flags,
      propagation: o.propagation,
      data: o.data || null,
      bind,
      copyUp: o.copyUp && m.type === 'tmpfs',
    };
  });
}

/** uid_map / gid_map text of a new user namespace. */
export function idMap(mappings: unknown[] | undefined): string {
  return ((mappings ?? []) as { containerID: number; hostID: number; size: number }[])
    .map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('');
}

export interface Normalized {
  /** A new user namespace: the maps the runtime writes before the init may run. */
  userns: { uidMap: string; gidMap: string } | null;
  init: InitConfig;
  /** Clone flags of the namespaces to create. */
  cloneFlags: number;
  /** A pid namespace to join (setns before clone, as it applies to children). */
  joinPid: string | null;
  rootfs: string;
}

export function normalize(spec: Spec, bundle: string, fifoFd: number, opts: { id: string; noPivot: boolean; preserveFds: number }): Normalized {
  let rootfs = resolve(bundle, spec.root!.path);
  try { rootfs = realpathSync(rootfs); } catch { /* validated already */ }
  const { cloneFlags, joinPid, join, newTime, newCgroupNs } = namespacePlan(spec.linux?.namespaces ?? []);
  const init: InitConfig = {
    rootfs,
    readonly: Boolean(spec.root!.readonly),
    noPivot: opts.noPivot,
    rootfsPropagation: rootfsPropagationFlags(spec.linux?.rootfsPropagation),
    mounts: normalizeMounts(spec, bundle),
    hostname: spec.hostname ?? null,
    domainname: spec.domainname ?? null,
    mountNs: (spec.linux?.namespaces ?? []).some((ns) => ns.type === 'mount'),
    userns: (spec.linux?.namespaces ?? []).some((ns) => ns.type === 'user'),
    join,
    devices: spec.linux?.devices ?? [],
    maskedPaths: spec.linux?.maskedPaths ?? [],
    readonlyPaths: spec.linux?.readonlyPaths ?? [],
    sysctl: spec.linux?.sysctl ?? {},
    process: normalizeProcess(spec.process),
    fifoFd,
    preserveFds: opts.preserveFds,
    console: null,
    stdio: null,
    idmappedMounts: [],
    newCgroupNs,
    personality: spec.linux?.personality ? PERSONALITY_DOMAINS[spec.linux.personality.domain] : null,
    timeOffsets: newTime ? timeOffsets(spec.linux?.timeOffsets) : null,
    runtimeHooks: Boolean(spec.hooks?.prestart?.length || spec.hooks?.createRuntime?.length),
    hooks: { createContainer: spec.hooks?.createContainer ?? [], startContainer: spec.hooks?.startContainer ?? [] },
    hookState: { ociVersion: SPEC_VERSION, id: opts.id, status: 'creating', bundle, annotations: spec.annotations ?? {} },
    seccomp: null,
  };
  const newUser = (spec.linux?.namespaces ?? []).some((ns) => ns.type === 'user' && ns.path === undefined);
  const userns = newUser ? { uidMap: idMap(spec.linux?.uidMappings), gidMap: idMap(spec.linux?.gidMappings) } : null;
  return { init, cloneFlags, joinPid, rootfs, userns };
}
