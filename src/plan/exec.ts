// `tsrun exec`'s init as one program: the clone trampoline has already
// joined the container's user, ipc, uts, net, cgroup, time and pid
// namespaces; the program joins its mount namespace (or its root, without
// one), sets up the process as create's init does, and execs it.
import * as C from '../linux/constants';
import { Named, Program } from '../init/program';
import type { InitProcess, InitSeccomp } from '../init/config';
import { setupConsole } from './console';
import { execProcess, lateRlimits, prepareProcess, withHome } from './process';
import { close, newCtx, request, Request } from './steps';
import { programStart } from './init';

export interface ExecPlanInput {
  process: InitProcess;
  /** The container's root as the runtime reaches it (/proc/PID/root), for HOME from its /etc/passwd. */
  containerRoot: string;
  /** An fd of the container's mount namespace, when it is not ours. */
  mntNs: number;
  /** Without one: the container's root (its init's, /proc/PID/root), to chroot into. */
  chroot: string | null;
  preserveFds: number;
  seccomp: InitSeccomp | null;
  fds: { sync: number; console: number; stdio: number[] | null; tasks: { fd: number; dir: string }[]; trace: number };
  console: { height?: number; width?: number } | null;
}

export function execPlan(input: ExecPlanInput): Program {
  const { fds } = input;
  const p = new Program();
  const ctx = newCtx(p, new Named(fds.sync, 'sync'));
  programStart(ctx, fds.trace, fds.stdio, input.preserveFds, 'no fd of the runtime\'s reaches the process');
  for (const t of fds.tasks) {
    const fd = new Named(t.fd, `${t.dir}/tasks`);
    p.sys('write', [fd, p.str('0'), 1], { msg: `join cgroup ${t.dir}: write tasks`, why: 'the container\'s cgroup (v1: the process moves itself)' });
    close(ctx, fd);
  }
  if (input.mntNs >= 0) {
    p.section('the container\'s mount namespace');
    const ns = new Named(input.mntNs, 'mount namespace');
    p.sys('setns', [ns, C.CLONE_NEWNS], { msg: 'setns mount namespace of the container', why: 'the container\'s mount namespace' });
    close(ctx, ns);
  }
  const slave = input.console && fds.console >= 0 ? setupConsole(ctx, { socket: new Named(fds.console, 'console socket'), ...input.console }, false) : null;
  const root = input.chroot;
  const env = withHome(input.process.env, input.process.uid, input.containerRoot, []);
  const proc = prepareProcess(ctx, input.process, {
    env,
    seccomp: input.seccomp,
    enterRoot: root ? () => {
      p.sys('chroot', [p.str(root)], { msg: `chroot ${root}`, why: 'no mount namespace: the container\'s root by chroot' });
      p.sys('chdir', [p.str('/')], { msg: 'chdir /' });
    } : null,
  });
  lateRlimits(ctx, input.process);
  // From here, end of file on the sync socket means the process runs.
  request(ctx, Request.Exec, { why: 'the runtime knows the exec is next' });
  execProcess(ctx, input.process, proc, input.preserveFds, slave);
  return p.finish();
}
