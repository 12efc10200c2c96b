// The state store: <root>/<id>/ (0700) holds state.json (written atomically)
// and, while the container is created but not started, exec.fifo.
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { alreadyExists, invalidId, notExist, RuntimeError } from '../errors';
import type { Hook, Process } from '../spec/types';
import type { StoredCgroup } from '../container/cgroup';
import type { StoredSeccomp } from '../container/seccomp';

// runc's id rule, range included: word characters and '+' to '.'.
const ID_RE = /^[\w+-.]+$/;

export function isValidId(id: string): boolean {
  return ID_RE.test(id) && id !== '.' && id !== '..' && id.length <= 1024;
}

export function validateId(id: string): void {
  if (!isValidId(id)) throw invalidId();
}

export interface StoredState {
  ociVersion: string;
  id: string;
  /** Host pid of the init (later the container process). */
  pid: number;
  /** starttime of that pid in /proc/PID/stat: guards against pid reuse. */
  startTime: string;
  bundle: string;
  rootfs: string;
  created: string;
  annotations?: Record<string, string>;
  owner: string;
  /** False when config.json had no process: `start` must then refuse. */
  hasProcess: boolean;
  /** config.json's process: `exec` without --process starts from it, as runc. */
  process?: Process;
  /** The container's cgroup, when tsrun manages one. */
  cgroup?: StoredCgroup;
  /** The host's NOTIFY_SOCKET at create: `start` relays READY=1 there. */
  notifySocket?: string;
  /** linux.seccomp, compiled: every exec'd process gets it too. */
  seccomp?: StoredSeccomp;
  /** Hooks the runtime runs after create. */
  hooks?: { poststart?: Hook[]; poststop?: Hook[] };
}

/**
 * What a create in progress has made on the host so far: its init and its
 * cgroup, recorded before they exist where it can be (the cgroup) and as
 * soon as they do otherwise (the init). A create killed half-way leaves
 * this instead of state.json, and `delete --force` removes what it names.
 */
export interface CreateProgress {
  pid?: number;
  startTime?: string;
  cgroup?: StoredCgroup;
}

export class Store {
  constructor(readonly root: string) {}

  dir(id: string): string {
    validateId(id);
    return join(this.root, id);
  }

  fifo(id: string): string {
    return join(this.dir(id), 'exec.fifo');
  }

  /** Creates the container's directory; fails if the id is taken. */
  create(id: string): string {
    const dir = this.dir(id);
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw alreadyExists();
      throw e;
    }
    return dir;
  }

  /**
   * Writes state.json atomically (a rename), as runc does, without fsync:
   * the state root is a tmpfs (/run), whose state does not outlive a boot
   * anyway, and an fsync costs milliseconds where it is not.
   */
  write(state: StoredState): void {
    const dir = this.dir(state.id);
    const tmp = join(dir, `.state.json.${process.pid}`);
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify(state));
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, join(dir, 'state.json'));
    rmSync(join(dir, 'creating.json'), { force: true });
  }

  /** Records a create's progress (creating.json), atomically; no fsync: the state root is a tmpfs, and this matters only while tsrun runs. */
  progress(id: string, progress: CreateProgress): void {
    const dir = this.dir(id);
    const tmp = join(dir, '.creating.json');
    writeFileSync(tmp, JSON.stringify(progress), { mode: 0o600 });
    renameSync(tmp, join(dir, 'creating.json'));
  }

  /** A create's progress, or null if it recorded none (or finished: state.json took its place). */
  readProgress(id: string): CreateProgress | null {
    try {
      return JSON.parse(readFileSync(join(this.dir(id), 'creating.json'), 'utf8')) as CreateProgress;
    } catch {
      return null;
    }
  }

  read(id: string): StoredState {
    let raw: string;
    try {
      raw = readFileSync(join(this.dir(id), 'state.json'), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') throw notExist();
      throw e;
    }
    try {
      return JSON.parse(raw) as StoredState;
    } catch (e) {
      throw new RuntimeError(`${join(this.dir(id), 'state.json')}: invalid JSON: ${(e as Error).message}`);
    }
  }

  remove(id: string): void {
    rmSync(this.dir(id), { recursive: true, force: true });
  }

  ids(): string[] {
    try {
      return readdirSync(this.root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    } catch {
      return [];
    }
  }
}
