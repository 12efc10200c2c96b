// Readers of /proc that several operations share: namespace links and the
// mount table. Plain fs reads; no koffi.
import { readFileSync, readlinkSync } from 'node:fs';

/** The namespace link of pid (e.g. "net:[4026531840]"), or null if it cannot be read. */
export function nsLink(pid: number | 'self', type: string): string | null {
  try { return readlinkSync(`/proc/${pid}/ns/${type}`); } catch { return null; }
}

/** pid has a namespace of this type of its own, not ours. */
export function ownNamespace(pid: number, type: string): boolean {
  const link = nsLink(pid, type);
  return link !== null && link !== nsLink('self', type);
}

export interface MountInfo {
  mountPoint: string;
  /** Root of the mount within its filesystem (field 4; "/" unless a bind of a subtree). */
  root: string;
  /** Per-mount options (field 6: rw, nosuid, ...). */
  options: string[];
  /** Optional fields (shared:N, master:N, ...). */
  optional: string[];
  fstype: string;
  superOptions: string[];
}

/** /proc/self/mountinfo, parsed. */
export function mountinfo(): MountInfo[] {
  const out: MountInfo[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const f = line.slice(0, sep).split(' ');
    const [fstype, , superOpts = ''] = line.slice(sep + 3).split(' ');
    out.push({
      mountPoint: unescapeMountinfo(f[4]),
      root: unescapeMountinfo(f[3]),
      options: f[5].split(','),
      optional: f.slice(6),
      fstype,
      superOptions: superOpts.split(','),
    });
  }
  return out;
}

/** mountinfo's octal escapes (\\040 for a space, ...) decoded. */
function unescapeMountinfo(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** The mount that holds path: the longest mount point it is under (the last one mounted wins). */
export function mountHolding(path: string, mounts: MountInfo[]): MountInfo | undefined {
  let best: MountInfo | undefined;
  for (const m of mounts) {
    const under = path === m.mountPoint || path.startsWith(m.mountPoint === '/' ? '/' : m.mountPoint + '/');
    if (under && (!best || m.mountPoint.length >= best.mountPoint.length)) best = m;
  }
  return best;
}
