// The runtime's side of linux.seccomp: the profile compiled once, at
// create, for the init and for every later exec; and, for a profile with
// SCMP_ACT_NOTIFY rules, the listener fd handed to the agent at
// listenerPath with the container's process state (runtime-spec
// "Container process state").
import { closeSync } from 'node:fs';
import { RuntimeError } from '../errors';
import type { HookState } from '../hooks';
import type { InitSeccomp } from '../init/config';
import { linux as sys } from '../linux/libc';
import { debug } from '../log';
import { compileSeccomp } from '../seccomp/compile';
import { unsafeIntegers } from '../spec/json-integers';
import type { Seccomp } from '../spec/types';
import { SPEC_VERSION } from '../version';

/** What state.json keeps of the profile, for exec. */
export interface StoredSeccomp extends InitSeccomp {
  listenerPath?: string;
  listenerMetadata?: string;
}

/** Compiles config.json's linux.seccomp; rawText is config.json's text, for integers a double cannot hold. */
export function compileForContainer(profile: Seccomp, rawText: string | undefined): StoredSeccomp {
  let exact: Map<string, bigint> | undefined;
  let compiled: ReturnType<typeof compileSeccomp>;
  try {
    compiled = compileSeccomp(profile, { exact: (pointer) => (exact ??= rawText ? unsafeIntegers(rawText) : new Map()).get(pointer) });
  } catch (e) {
    throw new RuntimeError(`config.json: ${(e as Error).message}`);
  }
  // Skipped where unknown, as runc does; one debug line per ABI (podman's
  // profile names some ninety i386-only syscalls).
  const byAbi = new Map<string, string[]>();
  for (const u of compiled.unknown) byAbi.set(u.abi, [...(byAbi.get(u.abi) ?? []), u.name]);
  for (const [abi, names] of byAbi) debug(`seccomp: not ${abi} syscalls, their rules skipped there: ${names.join(', ')}`);
  debug(`seccomp: ${compiled.instructions} BPF instructions, flags 0x${compiled.flags.toString(16)}`);
  return {
    filter: compiled.filter.toString('base64'),
    flags: compiled.flags,
    ...(profile.listenerPath !== undefined ? { listenerPath: profile.listenerPath } : {}),
    ...(profile.listenerMetadata !== undefined ? { listenerMetadata: profile.listenerMetadata } : {}),
  };
}

/**
 * Sends the listener (received from the init, which has just installed the
 * filter) to the agent: one message on a new connection to listenerPath,
 * the process state as JSON with the fd in SCM_RIGHTS; then closes the
 * connection, as the spec asks.
 */
export function sendListenerToAgent(s: StoredSeccomp, pid: number, listener: number, state: HookState): void {
  const path = s.listenerPath!;
  let sock = -1;
  try {
    try {
      sock = sys.unixConnect(path);
    } catch (e) {
      throw new RuntimeError(`linux.seccomp.listenerPath: cannot reach the seccomp agent: ${(e as Error).message}`);
    }
    const message = {
      ociVersion: SPEC_VERSION,
      fds: ['seccompFd'],
      pid,
      ...(s.listenerMetadata ? { metadata: s.listenerMetadata } : {}),
      state,
    };
    try {
      sys.sendFd(sock, listener, JSON.stringify(message));
    } catch (e) {
      throw new RuntimeError(`linux.seccomp.listenerPath: sending the listener to the seccomp agent at ${path}: ${(e as Error).message}`);
    }
  } finally {
    if (sock >= 0) closeSync(sock);
  }
}
