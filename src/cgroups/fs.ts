// Reading and writing cgroup files. Every failure becomes a CgroupError whose
// message names the file and the value the kernel refused, e.g.
//   write /sys/fs/cgroup/memory/x/memory.limit_in_bytes 100: EINVAL: invalid argument
// and whose .code keeps the errno name for callers that retry (EINVAL, EBUSY).
import fs = require('node:fs');
import path = require('node:path');
import { constants } from 'node:os';
import { errnoDescription } from '../linux/errors';
import type { U64 } from './types';

export class CgroupError extends Error {
  /** errno name (EINVAL, ENOENT, ...) when the error came from the kernel. */
  readonly code?: string;
  constructor(message: string, code?: string) {
    super(message);
    this.name = 'CgroupError';
    this.code = code;
  }
}

function fsError(what: string, err: unknown): CgroupError {
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e.code === 'string') {
    const n = constants.errno[e.code as keyof typeof constants.errno];
    return new CgroupError(`${what}: ${e.code}: ${n !== undefined ? errnoDescription(n) : e.message}`, e.code);
  }
  return new CgroupError(`${what}: ${err instanceof Error ? err.message : String(err)}`);
}

export function hasCode(err: unknown, ...codes: string[]): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && codes.includes(code);
}

// A recording hook for tests: every write attempt, in order, before it is made.
type WriteTrace = (file: string, value: string) => void;
let trace: WriteTrace | undefined;

/** Installs (or, with undefined, removes) a hook that sees every write attempt; returns the previous one. */
export function traceWrites(fn: WriteTrace | undefined): WriteTrace | undefined {
  const prev = trace;
  trace = fn;
  return prev;
}

/**
 * Writes value to dir/file with one write(2). No O_CREAT: a missing file is
 * ENOENT, as a missing controller file should be. O_TRUNC is a no-op on
 * cgroupfs and keeps plain-file test trees exact.
 */
export function writeFile(dir: string, file: string, value: string | number): void {
  const p = path.join(dir, file);
  const v = String(value);
  trace?.(p, v);
  try {
    const fd = fs.openSync(p, fs.constants.O_WRONLY | fs.constants.O_TRUNC);
    try {
      fs.writeSync(fd, v);
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    throw fsError(`write ${p} ${v}`, err);
  }
}

/** Writes two files whose valid values depend on each other: a then b, or b then a on EINVAL. */
export function writePair(first: () => void, second: () => void): void {
  try {
    first();
  } catch (err) {
    if (!hasCode(err, 'EINVAL')) throw err;
    second();
    first();
    return;
  }
  second();
}

export function readFile(dir: string, file: string): string {
  const p = path.join(dir, file);
  try {
    return fs.readFileSync(p, 'utf8');
  } catch (err) {
    throw fsError(`read ${p}`, err);
  }
}

/** The file's text, or undefined when it (or its cgroup) does not exist. */
export function readOptional(dir: string, file: string): string | undefined {
  try {
    return readFile(dir, file);
  } catch (err) {
    if (hasCode(err, 'ENOENT', 'ENODEV', 'ENOTDIR')) return undefined;
    throw err;
  }
}

export function exists(dir: string, file = ''): boolean {
  return fs.existsSync(path.join(dir, file));
}

export const MAX_U64 = (1n << 64n) - 1n;

/** Parses a kernel counter: "max" is 2^64-1 and negatives are 0 (as runc's ParseUint). */
export function parseU64(text: string, where = 'value'): U64 {
  const s = text.trim();
  if (s === 'max') return MAX_U64;
  if (/^-\d+$/.test(s)) return 0;
  if (!/^\d+$/.test(s)) throw new CgroupError(`parse ${where}: ${JSON.stringify(s)} is not a number`);
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : BigInt(s);
}

/** A one-number file, or undefined when it does not exist. */
export function readOptionalU64(dir: string, file: string): U64 | undefined {
  const text = readOptional(dir, file);
  return text === undefined ? undefined : parseU64(text, path.join(dir, file));
}

/** A one-number file, or 0 when it does not exist. */
export function readU64(dir: string, file: string): U64 {
  return readOptionalU64(dir, file) ?? 0;
}

/** "key value" lines (memory.stat, cpu.stat, pids events) as a map, or undefined when the file does not exist. */
export function readOptionalKeyValues(dir: string, file: string): Record<string, U64> | undefined {
  const text = readOptional(dir, file);
  if (text === undefined) return undefined;
  const out: Record<string, U64> = {};
  for (const line of text.split('\n')) {
    const [k, v, extra] = line.trim().split(/\s+/);
    if (!k || v === undefined || extra !== undefined) continue;
    out[k] = parseU64(v, `${path.join(dir, file)} ${k}`);
  }
  return out;
}

/** "key value" lines as a map, empty when the file does not exist. */
export function readKeyValues(dir: string, file: string): Record<string, U64> {
  return readOptionalKeyValues(dir, file) ?? {};
}

export function addU64(a: U64, b: U64): U64 {
  if (typeof a === 'number' && typeof b === 'number' && Number.isSafeInteger(a + b)) return a + b;
  const s = BigInt(a) + BigInt(b);
  return s <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(s) : s;
}

export function mulU64(a: U64, k: number): U64 {
  if (typeof a === 'number' && Number.isSafeInteger(a * k)) return a * k;
  const s = BigInt(a) * BigInt(k);
  return s <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(s) : s;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks this thread for ms milliseconds (for short backoff between polls only). */
export function sleepMs(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/**
 * Calls check until it returns true, backing off 1, 2, 4 ... 16 ms between
 * tries, for at most timeoutMs. Returns whether check succeeded.
 */
export function pollUntil(check: () => boolean, timeoutMs: number): boolean {
  const deadline = Date.now() + timeoutMs;
  let delay = 1;
  for (;;) {
    if (check()) return true;
    if (Date.now() >= deadline) return false;
    sleepMs(delay);
    delay = Math.min(delay * 2, 16);
  }
}

/** mkdir of one directory; false when it already existed. */
export function mkdirOne(dir: string): boolean {
  try {
    fs.mkdirSync(dir, 0o755);
    return true;
  } catch (err) {
    if (hasCode(err, 'EEXIST')) return false;
    throw fsError(`mkdir ${dir}`, err);
  }
}

/** mkdir -p; returns the directories it created, outermost first. */
export function mkdirs(dir: string): string[] {
  const created: string[] = [];
  const missing: string[] = [];
  for (let d = dir; !fs.existsSync(d); d = path.dirname(d)) {
    missing.unshift(d);
    if (d === path.dirname(d)) break;
  }
  try {
    for (const d of missing) if (mkdirOne(d)) created.push(d);
  } catch (err) {
    // The caller never sees the list on a throw, so it could not undo these.
    removeCreated(created);
    throw err;
  }
  return created;
}

/**
 * Undoes a failed create: removes dirs (in the order they were made, parents
 * before children) deepest first. Best effort, so that the error which
 * caused the rollback is the one reported.
 */
export function removeCreated(dirs: readonly string[]): void {
  // Deepest first, each on its own: a level we made may meanwhile hold
  // another container's cgroup (a shared parent), which must stay.
  for (const d of [...dirs].reverse()) {
    try { fs.rmdirSync(d); } catch { /* busy, or already gone */ }
  }
}

/** Pids listed in dir/cgroup.procs and in every sub-cgroup below it. */
export function readPidsRecursive(dir: string): number[] {
  const pids: number[] = [];
  const walk = (d: string): void => {
    const text = readOptional(d, 'cgroup.procs');
    if (text === undefined) return;
    for (const line of text.split('\n')) if (line.trim()) pids.push(Number(line.trim()));
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch (err) {
      if (hasCode(err, 'ENOENT')) return;
      throw fsError(`readdir ${d}`, err);
    }
    for (const e of entries) if (e.isDirectory()) walk(path.join(d, e.name));
  };
  walk(dir);
  return [...new Set(pids)];
}

/**
 * rmdir of a cgroup and every sub-cgroup below it, deepest first. A missing
 * directory is fine; EBUSY (processes still exiting) is retried with backoff
 * for about a second, as runc does.
 */
export function removeCgroupDir(dir: string): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if (hasCode(err, 'ENOENT')) return;
    throw fsError(`readdir ${dir}`, err);
  }
  for (const e of entries) if (e.isDirectory()) removeCgroupDir(path.join(dir, e.name));
  let delay = 1;
  for (let tries = 0; ; tries++) {
    try {
      fs.rmdirSync(dir);
      return;
    } catch (err) {
      if (hasCode(err, 'ENOENT')) return;
      if (!hasCode(err, 'EBUSY') || tries >= 10) throw fsError(`rmdir ${dir}`, err);
      sleepMs(delay);
      delay *= 2;
    }
  }
}

/** Writes pid to dir/cgroup.procs, retrying EINVAL a few times (a task still in TASK_NEW), as runc does. */
export function writeProc(dir: string, pid: number): void {
  for (let tries = 0; ; tries++) {
    try {
      writeFile(dir, 'cgroup.procs', pid);
      return;
    } catch (err) {
      if (!hasCode(err, 'EINVAL') || tries >= 5) throw err;
      sleepMs(1 << tries);
    }
  }
}
