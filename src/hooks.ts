// OCI hooks: each runs with its path, args and env, the container state JSON
// on stdin, and is killed when its timeout expires. The runtime side runs
// prestart, createRuntime, poststart and poststop; the init runs
// createContainer and startContainer in the container's namespaces.
import { spawnSync } from 'node:child_process';
import type { Hook, HookName } from './spec/types';

export interface HookState {
  ociVersion: string;
  id: string;
  status: 'creating' | 'created' | 'running' | 'stopped';
  pid?: number;
  bundle: string;
  annotations?: Record<string, string>;
}

function envObject(env: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of env ?? []) {
    const eq = e.indexOf('=');
    if (eq > 0) out[e.slice(0, eq)] = e.slice(eq + 1);
  }
  return out;
}

/** Runs one hook; throws an Error naming the hook and why it failed. */
/** The last lines of a failed hook's stderr, as a suffix of its error (whoever ran it: the runtime or the init). */
export function stderrTail(stderr: string): string {
  const text = stderr.trim();
  return text ? `: ${text.split('\n').slice(-3).join('; ')}` : '';
}

export function runHook(name: HookName, index: number, hook: Hook, state: HookState): void {
  const args = hook.args?.length ? hook.args : [hook.path];
  const r = spawnSync(hook.path, args.slice(1), {
    argv0: args[0],
    env: envObject(hook.env),
    input: JSON.stringify(state),
    stdio: ['pipe', 'pipe', 'pipe'],
    timeout: hook.timeout ? hook.timeout * 1000 : undefined,
    killSignal: 'SIGKILL',
    maxBuffer: 1 << 20,
  });
  const what = `${name} hook #${index} (${hook.path})`;
  const detail = (): string => stderrTail(r.stderr?.toString() ?? '');
  // A hook may exit without reading its stdin: EPIPE is not its failure.
  if (r.error && !((r.error as NodeJS.ErrnoException).code === 'EPIPE' && (r.status !== null || r.signal))) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === 'ETIMEDOUT') throw new Error(`${what}: timed out after ${hook.timeout}s, killed`);
    if (code === 'ENOENT') throw new Error(`${what}: no such file or directory`);
    if (code === 'EACCES') throw new Error(`${what}: permission denied`);
    throw new Error(`${what}: ${r.error.message}`);
  }
  if (r.signal) throw new Error(`${what}: killed by signal ${r.signal}${detail()}`);
  if (r.status !== 0) throw new Error(`${what}: exit status ${r.status}${detail()}`);
}

/** Runs the hooks of one kind in order, stopping at the first failure. */
export function runHooks(name: HookName, hooks: Hook[] | undefined, state: HookState): void {
  (hooks ?? []).forEach((hook, i) => runHook(name, i, hook, state));
}

/** Runs hooks whose failure is only a warning (poststart, poststop). */
export function runHooksWarnOnly(name: HookName, hooks: Hook[] | undefined, state: HookState, warn: (msg: string) => void): void {
  (hooks ?? []).forEach((hook, i) => {
    try {
      runHook(name, i, hook, state);
    } catch (e) {
      warn((e as Error).message);
    }
  });
}
