// tmpcopyup: what the mount destination held, copied into the new tmpfs,
// by the runtime (the init sends it both directories as fds, and
// /proc/self/fd/N reaches them from here whatever the mount namespace).
import { chmodSync, copyFileSync, lchownSync, lstatSync, mkdirSync, readdirSync, readlinkSync, statSync, symlinkSync } from 'node:fs';

/** Copies a directory tree with modes, owners and symlinks. */
export function copyTree(from: string, to: string): void {
  const st = statSync(from);
  chmodSync(to, st.mode & 0o7777);
  lchownSync(to, st.uid, st.gid);
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const src = `${from}/${entry.name}`;
    const dst = `${to}/${entry.name}`;
    const est = lstatSync(src);
    if (entry.isDirectory()) {
      mkdirSync(dst);
      copyTree(src, dst);
      continue;
    }
    if (entry.isSymbolicLink()) symlinkSync(readlinkSync(src), dst);
    else if (entry.isFile()) copyFileSync(src, dst);
    else continue; // sockets, fifos and devices are not copied up
    lchownSync(dst, est.uid, est.gid);
    if (!entry.isSymbolicLink()) chmodSync(dst, est.mode & 0o7777);
  }
}
