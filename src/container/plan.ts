// `tsrun plan --bundle DIR`: what `create` would do with a bundle, without
// doing any of it. The container's program is built by the same functions
// create uses (prepare.ts, then plan/init.ts); only the
// numbers create learns as it goes (fds, the init's pid) are placeholders,
// shown by name.
import { resolve } from 'node:path';
import { NAMESPACES } from '../linux/constants';
import type { HostStep } from '../plan/print';
import { readSpec, specText } from './spec-file';
import { prepareInit } from './prepare';

export interface PlanOptions {
  root: string;
  bundle?: string;
  id?: string;
  format?: string;
  systemdCgroup?: boolean;
  noPivot?: boolean;
  preserveFds?: number;
}

// Placeholders for the fds create opens: the plan shows them by name.
const SYNC = 100, FIFO = 101, CONSOLE = 102, TASKS = 110;

export function plan(opts: PlanOptions): string {
  const bundle = resolve(opts.bundle ?? '.');
  const id = opts.id ?? 'plan';
  const raw = readSpec(bundle);
  const { validateSpec } = require('./config') as typeof import('./config');
  const spec = validateSpec(raw, bundle);
  const stateDir = `${opts.root}/${id}`;
  const { n, seccomp, idmapped, notifySocket } = prepareInit(spec, {
    id, bundle, text: specText(raw), noPivot: Boolean(opts.noPivot), preserveFds: opts.preserveFds ?? 0, fifoFd: FIFO,
    stateDir, stdio: [], console: () => CONSOLE,
  });
  const runtime: HostStep[] = [];
  const step = (what: string, why = '') => runtime.push({ what, why });
  step('validate config.json: the runtime-spec schema, then the checks a schema cannot express', 'config.json');
  step(`create the state directory ${stateDir} (0700) and its exec fifo (0622)`, 'the container id');
  if (seccomp) step(`compile the seccomp profile to BPF: ${Buffer.from(seccomp.filter, 'base64').length / 8} instructions, flags 0x${seccomp.flags.toString(16)}`, 'linux.seccomp');
  if (n.init.console) step('connect to --console-socket; the init sends the pty master there', 'process.terminal');
  if (notifySocket) step(`make ${stateDir}/notify, bound on the container's /run/notify: its notify socket, relayed to ${notifySocket} at start`, 'NOTIFY_SOCKET');
  const { newCgroup } = require('./cgroup') as typeof import('./cgroup');
  const cgroup = newCgroup(id, spec.linux?.cgroupsPath, Boolean(opts.systemdCgroup));
  const paths = cgroup.enabled ? cgroup.paths() : null;
  const tasks: { fd: number; dir: string }[] = [];
  const byRuntime: string[] = [];
  if (paths) {
    const dirs = [...new Set(Object.values(paths))];
    step(`create the cgroup ${cgroup.path()} (cgroup v${cgroup.version}: ${dirs.length} director${dirs.length === 1 ? 'y' : 'ies'}) and apply linux.resources`, 'linux.cgroupsPath, linux.resources');
    for (const [h, dir] of Object.entries(paths)) {
      if (cgroup.version === 1 && h !== '') tasks.push({ fd: TASKS + tasks.length, dir });
      else byRuntime.push(dir);
    }
    if (tasks.length) step(`open ${tasks.length} cgroup v1 tasks files for the init to write itself into`, 'linux.cgroupsPath');
  } else {
    step('no cgroup: no permission to manage cgroups here', 'linux.cgroupsPath');
  }
  step('socketpair: the sync channel to the init', '');
  step('the init\'s image, tsrun-init, in a sealed memfd', '');
  const flags = Object.entries(NAMESPACES).filter(([, v]) => n.cloneFlags & v.flag).map(([k]) => k);
  const joins = [n.joinPid ? `join the pid namespace ${n.joinPid} around the clone` : '', ...(spec.linux?.namespaces ?? []).filter((ns) => ns.type === 'user' && ns.path).map((ns) => `join the user namespace ${ns.path} (trampoline)`)].filter(Boolean);
  step(`clone tsrun-init in new namespaces: ${flags.join(', ') || 'none'}${joins.length ? `; ${joins.join('; ')}` : ''}`, 'linux.namespaces');
  if (n.userns) step(`write the init's uid_map ${JSON.stringify(n.userns.uidMap.trim())} and gid_map ${JSON.stringify(n.userns.gidMap.trim())}, then let it exec`, 'linux.uidMappings, linux.gidMappings');
  if (byRuntime.length) step(`the init starts in ${byRuntime[0]} (clone3 with CLONE_INTO_CGROUP; on a kernel without clone3, its pid is written to cgroup.procs)`, 'linux.cgroupsPath (cgroup2)');
  const send = runtime.length;
  step('send the init its program', '');
  for (const w of idmapped) step(`make mounts[${w.index}] idmapped (open_tree, mount_setattr in the init's mount namespace) and send its fd`, `mounts[${w.index}].options: idmap`);
  if (n.init.runtimeHooks) step('on the init\'s request: run the prestart and createRuntime hooks', 'hooks.prestart, hooks.createRuntime');
  if (n.init.mounts.some((m) => m.copyUp)) step('on the init\'s request: copy what a tmpcopyup mount covers into its tmpfs', 'mounts[].options: tmpcopyup');
  if (seccomp?.listenerPath) step(`on the init's request: send the seccomp listener to ${seccomp.listenerPath}`, 'linux.seccomp.listenerPath');
  step('on "ready": write state.json (and --pid-file) and return; the init waits on the exec fifo for `start`', '');
  n.init.hookState.pid = 0;
  const { initPlan } = require('../plan/init') as typeof import('../plan/init');
  const program = initPlan({
    cfg: n.init,
    fds: { sync: SYNC, fifo: FIFO, console: n.init.console ? CONSOLE : -1, stdio: null, tasks, trace: -1 },
    cgroupPaths: paths,
    hookState: n.init.hookState,
  }).program;
  runtime[send].what = `send the init its program: ${program.insns.length} steps, ${program.encode().length} bytes`;
  const { planJson, planText } = require('../plan/print') as typeof import('../plan/print');
  return (opts.format === 'json' ? planJson : planText)({ bundle, runtime, init: program });
}
