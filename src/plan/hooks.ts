// The hooks the init runs in the container's namespaces (createContainer,
// startContainer) as steps of its program: each hook is forked and exec'd
// with its args and env, the state JSON on its stdin, its output in a
// memfd (read back for the error message), and killed at its timeout.
import * as C from '../linux/constants';
import { AluOp } from '../init/program';
import type { Hook } from '../spec/types';
import { EACCES, ENOENT, resetSignals, type Ctx } from './steps';

const CLONE_PIDFD = 0x1000;
const CLD_EXITED = 1;
const SIGKILL = 9;
const SEEK_END = 2;
/** How much of a failed hook's stderr comes back for the message. */
const TAIL = 2048;

/** The placeholders the runtime fills in when it words a hook's failure (see plan/errors.ts). */
export const HOOK_STDERR = '{stderr}';

export function runHook(ctx: Ctx, kind: string, index: number, hook: Hook, stateJson: string): void {
  const { p } = ctx;
  const what = `${kind} hook #${index} (${hook.path})`;
  const why = `hooks.${kind}[${index}]`;
  p.section(`${kind} hook #${index}: ${hook.path}`);
  const args = hook.args?.length ? hook.args : [hook.path];
  const output = p.reg('hook stderr');
  const discard = p.reg('hook stdout');
  const pipes = p.buf(16, 'int[2] stdin, int[2] exec error');
  const stdinR = p.reg('stdin read end');
  const stdinW = p.reg('stdin write end');
  const errR = p.reg('exec error read end');
  const errW = p.reg('exec error write end');
  const pidfdBuf = p.buf(8, 'pidfd');
  const pid = p.reg('hook pid');
  const pidfd = p.reg('hook pidfd');
  p.sys('memfd_create', [p.str('hook-stderr'), C.MFD_CLOEXEC], { dst: output, msg: `${what}: memfd_create`, why });
  p.sys('memfd_create', [p.str('hook-stdout'), C.MFD_CLOEXEC], { dst: discard, msg: `${what}: memfd_create` });
  p.sys('pipe2', [pipes, C.O_CLOEXEC], { msg: `${what}: pipe2` });
  p.load(stdinR, pipes, 4, 0);
  p.load(stdinW, pipes, 4, 4);
  p.sys('pipe2', [pipes.at(8), C.O_CLOEXEC], { msg: `${what}: pipe2` });
  p.load(errR, pipes, 4, 8);
  p.load(errW, pipes, 4, 12);
  const child = p.label('hook child');
  p.sys('clone', [CLONE_PIDFD | C.SIGCHLD, 0, pidfdBuf, 0, 0], { dst: pid, msg: `${what}: fork` });
  p.jeq(pid, 0, child);
  // The runtime's side.
  p.load(pidfd, pidfdBuf, 4, 0);
  p.sys('close', [stdinR]);
  p.sys('close', [errW]);
  // A hook may exit without reading its stdin: EPIPE is not its failure (SIGPIPE is ignored here).
  const written = p.label('state written');
  p.sys('write', [stdinW, p.str(stateJson), Buffer.byteLength(stateJson)], { unless: { errno: 'any', goto: written }, why: 'the container\'s state on stdin' });
  p.bind(written);
  p.sys('close', [stdinW]);
  // Four bytes on the exec error pipe: the errno of a failed execve; end of file: it ran.
  const errno = p.buf(8, 'exec errno');
  const n = p.reg('exec error bytes');
  p.sys('read', [errR, errno, 4], { dst: n, msg: `${what}: read` });
  p.sys('close', [errR]);
  const ran = p.label('hook ran');
  p.jne(n, 4, ran);
  const e = p.reg('exec errno');
  p.load(e, errno, 4);
  p.sys('waitid', [C.P_PIDFD, pidfd, p.buf(128, 'siginfo'), C.WEXITED, 0]);
  const notEnoent = p.label('not ENOENT');
  p.jne(e, ENOENT, notEnoent);
  p.fail(`${what}: no such file or directory`);
  p.bind(notEnoent);
  const notEacces = p.label('not EACCES');
  p.jne(e, EACCES, notEacces);
  p.fail(`${what}: permission denied`);
  p.bind(notEacces);
  p.fail(`${what}: exec`, e);
  p.bind(ran);
  if (hook.timeout) {
    const exited = p.label('hook exited');
    const pollfd = p.buf(8, 'pollfd');
    p.store(pollfd, 4, 0, pidfd);
    p.store(pollfd, 2, 4, C.POLLIN);
    const ready = p.reg('poll');
    p.sys('poll', [pollfd, 1, hook.timeout * 1000], { dst: ready, msg: `${what}: poll`, why: `${why}.timeout` });
    p.jne(ready, 0, exited);
    p.sys('kill', [pid, SIGKILL], { msg: `${what}: kill` });
    p.sys('waitid', [C.P_PIDFD, pidfd, p.buf(128, 'siginfo'), C.WEXITED, 0], { msg: `${what}: waitid` });
    p.fail(`${what}: timed out after ${hook.timeout}s, killed`);
    p.bind(exited);
  }
  const siginfo = p.buf(128, 'siginfo');
  p.sys('waitid', [C.P_PIDFD, pidfd, siginfo, C.WEXITED, 0], { msg: `${what}: waitid` });
  p.sys('close', [pidfd]);
  const code = p.reg('si_code');
  const status = p.reg('si_status');
  p.load(code, siginfo, 4, 8);
  p.load(status, siginfo, 4, 24);
  const failed = p.label('hook failed');
  const ok = p.label('hook ok');
  p.jne(code, CLD_EXITED, failed);
  p.jeq(status, 0, ok);
  p.bind(failed);
  // The tail of its stderr, for the message.
  const size = p.reg('stderr size');
  const off = p.reg('tail offset');
  const tail = p.buf(TAIL, 'stderr tail');
  const got = p.reg('tail bytes');
  p.sys('lseek', [output, 0, SEEK_END], { dst: size });
  p.mov(off, 0);
  const small = p.label('small stderr');
  p.jlt(size, TAIL + 1, small);
  p.alu(off, AluOp.Sub, size, TAIL);
  p.bind(small);
  p.sys('pread64', [output, tail, TAIL, off], { dst: got });
  const signaled = p.label('killed');
  p.jne(code, CLD_EXITED, signaled);
  p.fail(`${what}: exit status {value}${HOOK_STDERR}`, 0, status, tail, got);
  p.bind(signaled);
  p.fail(`${what}: killed by signal {signal}${HOOK_STDERR}`, 0, status, tail, got);
  p.bind(ok);
  p.sys('close', [output]);
  p.sys('close', [discard]);
  // The hook's process: stdin from the pipe, output to the memfds, default signals, its program.
  const after = p.label('after hook');
  p.jump(after);
  p.bind(child);
  p.sys('dup2', [stdinR, 0]);
  p.sys('dup2', [discard, 1]);
  p.sys('dup2', [output, 2]);
  resetSignals(ctx, 'the hook starts with default signals');
  const execFailed = p.label('hook exec failed');
  const r = p.reg('exec result');
  p.sys('execve', [p.str(hook.path), p.strv(args), p.strv(hook.env ?? [])], { dst: r, unless: { errno: 'any', goto: execFailed }, why: `${why}: path, args, env` });
  p.bind(execFailed);
  p.alu(r, AluOp.Sub, 0, r);
  p.store(errno, 4, 0, r);
  const reported = p.label('exec error reported');
  p.sys('write', [errW, errno, 4], { unless: { errno: 'any', goto: reported } });
  p.bind(reported);
  p.exit(127);
  p.bind(after);
}
