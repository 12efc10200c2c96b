// Idmapped mounts (options idmap / ridmap): the runtime, still privileged in
// the host's user namespace, makes a detached copy of the bind source with
// open_tree(OPEN_TREE_CLONE), sets its idmapping with mount_setattr, and
// hands the mount's fd to the init, which moves it into place.
import { closeSync, openSync } from 'node:fs';
import { RuntimeError } from '../errors';
import type { InitConfig } from '../init/config';
import { cloneExec } from '../linux/clone';
import { CLONE_FS, CLONE_NEWNS, CLONE_NEWUSER, MS_REC, O_CLOEXEC, O_RDONLY } from '../linux/constants';
import { linux as sys } from '../linux/libc';
import { parseMountOptions } from '../spec/mount-options';
import type { IdMapping, Spec } from '../spec/types';
import { idMap } from './config';
import { killChild, writeIdMaps } from './spawn';


/** A user namespace with these maps, held by an fd (its short-lived holder process is gone). */
function usernsWithMaps(uid: IdMapping[], gid: IdMapping[]): number {
  const [r, w] = sys.pipe();
  let pid = 0;
  try {
    // The child waits in the trampoline and never execs (it holds a copy
    // of w, so only a signal ends it).
    pid = cloneExec('/bin/true', [], CLONE_NEWUSER, { waitFd: r });
    writeIdMaps(pid, { uidMap: idMap(uid), gidMap: idMap(gid) });
    return openSync(`/proc/${pid}/ns/user`, O_RDONLY | O_CLOEXEC);
  } finally {
    closeSync(r);
    closeSync(w);
    if (pid > 0) killChild(pid);
  }
}

/** An idmapped mount of the spec: its index in mounts, its mappings, and whether it is recursive. */
export interface IdmappedMount { index: number; uid: IdMapping[]; gid: IdMapping[]; recursive: boolean }

export function idmappedMounts(spec: Spec, init: InitConfig): IdmappedMount[] {
  const out: IdmappedMount[] = [];
  (spec.mounts ?? []).forEach((m, i) => {
    const idmap = parseMountOptions(m.options).idmap;
    if (!idmap) return;
    const im = init.mounts[i];
    if (!im.bind || !im.source) throw new RuntimeError(`config.json: /mounts/${i}: ${idmap} is only supported on bind mounts`);
    if (process.geteuid?.() !== 0) throw new RuntimeError(`config.json: /mounts/${i}: idmapped mounts need root in the host's user namespace`);
    const uid = m.uidMappings ?? (spec.linux?.uidMappings as IdMapping[] | undefined);
    const gid = m.gidMappings ?? (spec.linux?.gidMappings as IdMapping[] | undefined);
    if (!uid?.length || !gid?.length) throw new RuntimeError(`config.json: /mounts/${i}: ${idmap} needs uidMappings and gidMappings (on the mount or the container)`);
    out.push({ index: i, uid, gid, recursive: idmap === 'ridmap' || (im.flags & MS_REC) !== 0 });
  });
  return out;
}

/**
 * Makes the idmapped mounts from inside the init's mount namespace (a
 * detached mount can only be attached in the namespace it was cloned in),
 * with the runtime's privilege in the host's user namespace, and sends each
 * to the init over the sync socket.
 */
export function sendIdmappedMounts(wanted: IdmappedMount[], init: InitConfig, initPid: number, sock: number): void {
  const fds: number[] = [];
  // One user namespace per distinct mapping (usually the container's, for all).
  const userns = new Map<string, number>();
  let own = -1;
  let theirs = -1;
  try {
    own = openSync('/proc/self/ns/mnt', O_RDONLY | O_CLOEXEC);
    theirs = openSync(`/proc/${initPid}/ns/mnt`, O_RDONLY | O_CLOEXEC);
    const usernsFds = wanted.map((w) => {
      const key = JSON.stringify([w.uid, w.gid]);
      let fd = userns.get(key);
      if (fd === undefined) userns.set(key, fd = usernsWithMaps(w.uid, w.gid));
      return fd;
    });
    // setns(CLONE_NEWNS) needs a thread with its own fs_struct.
    sys.unshare(CLONE_FS);
    sys.setns(theirs, CLONE_NEWNS, 'mount namespace of the container init');
    try {
      wanted.forEach((w, k) => {
        const im = init.mounts[w.index];
        const fd = sys.openTreeClone(im.source!, w.recursive);
        fds.push(fd);
        sys.idmapMount(fd, usernsFds[k], w.recursive, `${im.source} for ${im.destination}`);
      });
    } finally {
      sys.setns(own, CLONE_NEWNS, 'own mount namespace');
    }
    wanted.forEach((w, k) => sys.sendFd(sock, fds[k], `${w.index}\n`));
  } finally {
    for (const fd of [own, theirs, ...fds, ...userns.values()]) if (fd >= 0) closeSync(fd);
  }
}
