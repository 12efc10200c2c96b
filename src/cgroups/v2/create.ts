// Creating a cgroup v2 directory: every missing level is made, and each
// ancestor enables the controllers its children need in
// cgroup.subtree_control (a child only has the files of controllers its
// parent enabled). As runc: all available ones for a v2 container.
import path = require('node:path');
import { CgroupError, mkdirOne, readOptional, removeCreated, writeFile } from '../fs';

export function controllersOf(dir: string, file = 'cgroup.controllers'): Set<string> {
  return new Set((readOptional(dir, file) ?? '').split(/\s+/).filter(Boolean));
}

// Why a controller is missing below: the subtree_control write that refused
// it, kept for the "not available" error (one operation per CLI process).
const refusals = new Map<string, string>();

/** What refused `controller` during this operation, if anything did. */
export function refusalOf(controller: string): string | undefined {
  return refusals.get(controller);
}

/**
 * Enables controllers for dir's children: `want` ("all" = every controller
 * dir has) minus those already on. Tried all at once, then one by one;
 * a refusal is kept for the error that finds the controller missing.
 */
export function enableControllers(dir: string, want: 'all' | string[]): void {
  const available = controllersOf(dir);
  const on = controllersOf(dir, 'cgroup.subtree_control');
  const missing = [...(want === 'all' ? available : want.filter((c) => available.has(c)))].filter((c) => !on.has(c));
  if (missing.length === 0) return;
  try {
    writeFile(dir, 'cgroup.subtree_control', missing.map((c) => `+${c}`).join(' '));
  } catch {
    for (const c of missing) {
      try {
        writeFile(dir, 'cgroup.subtree_control', `+${c}`);
      } catch (e) {
        refusals.set(c, `enabling it in ${path.join(dir, 'cgroup.subtree_control')} failed: ${(e as CgroupError).code ?? (e as Error).message}`);
      }
    }
  }
}

/**
 * mkdir of dir and its missing parents below root, enabling `want` in every
 * ancestor from root down. A level in "domain invalid" or threaded mode
 * cannot hold domain controllers. Returns the directories created.
 */
export function createCgroupV2(root: string, dir: string, want: 'all' | string[], domain: boolean): string[] {
  const parts = path.relative(root, dir).split('/').filter(Boolean);
  if (parts.includes('..') || path.isAbsolute(path.relative(root, dir))) throw new CgroupError(`cgroup ${dir} is outside ${root}`);
  const created: string[] = [];
  let current = root;
  try {
    for (const part of parts) {
      if (want === 'all' || want.length) enableControllers(current, want);
      current = path.join(current, part);
      if (mkdirOne(current)) created.push(current);
      checkType(current, domain);
    }
  } catch (err) {
    removeCreated(created);
    throw err;
  }
  return created;
}

function checkType(dir: string, domain: boolean): void {
  const type = readOptional(dir, 'cgroup.type')?.trim();
  if (type === 'domain invalid') {
    if (domain) throw new CgroupError(`cannot enter cgroup v2 ${dir} with domain controllers: it is in an invalid state ("domain invalid")`);
    writeFile(dir, 'cgroup.type', 'threaded');
  } else if ((type === 'threaded' || type === 'domain threaded') && domain) {
    throw new CgroupError(`cannot enter cgroup v2 ${dir} with domain controllers: it is in ${type} mode`);
  }
}
