// config.json mount options to mount(2) flags, as runc parses them: flags
// that set or clear bits, propagation flags applied in a separate call,
// and everything else passed on as filesystem data.
import * as C from '../linux/constants';

const FLAGS: Record<string, { clear: boolean; flag: number }> = {
  async: { clear: true, flag: C.MS_SYNCHRONOUS },
  atime: { clear: true, flag: C.MS_NOATIME },
  bind: { clear: false, flag: C.MS_BIND },
  defaults: { clear: false, flag: 0 },
  dev: { clear: true, flag: C.MS_NODEV },
  diratime: { clear: true, flag: C.MS_NODIRATIME },
  dirsync: { clear: false, flag: C.MS_DIRSYNC },
  exec: { clear: true, flag: C.MS_NOEXEC },
  iversion: { clear: false, flag: 0x800000 },
  lazytime: { clear: false, flag: C.MS_LAZYTIME },
  loud: { clear: true, flag: C.MS_SILENT },
  mand: { clear: false, flag: C.MS_MANDLOCK },
  noatime: { clear: false, flag: C.MS_NOATIME },
  nodev: { clear: false, flag: C.MS_NODEV },
  nodiratime: { clear: false, flag: C.MS_NODIRATIME },
  noexec: { clear: false, flag: C.MS_NOEXEC },
  noiversion: { clear: true, flag: 0x800000 },
  nolazytime: { clear: true, flag: C.MS_LAZYTIME },
  nomand: { clear: true, flag: C.MS_MANDLOCK },
  norelatime: { clear: true, flag: C.MS_RELATIME },
  nostrictatime: { clear: true, flag: C.MS_STRICTATIME },
  nosuid: { clear: false, flag: C.MS_NOSUID },
  nosymfollow: { clear: false, flag: C.MS_NOSYMFOLLOW },
  rbind: { clear: false, flag: C.MS_BIND | C.MS_REC },
  relatime: { clear: false, flag: C.MS_RELATIME },
  remount: { clear: false, flag: C.MS_REMOUNT },
  ro: { clear: false, flag: C.MS_RDONLY },
  rw: { clear: true, flag: C.MS_RDONLY },
  silent: { clear: false, flag: C.MS_SILENT },
  strictatime: { clear: false, flag: C.MS_STRICTATIME },
  suid: { clear: true, flag: C.MS_NOSUID },
  sync: { clear: false, flag: C.MS_SYNCHRONOUS },
  symfollow: { clear: true, flag: C.MS_NOSYMFOLLOW },
};

const PROPAGATION: Record<string, number> = {
  private: C.MS_PRIVATE,
  rprivate: C.MS_PRIVATE | C.MS_REC,
  shared: C.MS_SHARED,
  rshared: C.MS_SHARED | C.MS_REC,
  slave: C.MS_SLAVE,
  rslave: C.MS_SLAVE | C.MS_REC,
  unbindable: C.MS_UNBINDABLE,
  runbindable: C.MS_UNBINDABLE | C.MS_REC,
};

export interface ParsedOptions {
  flags: number;
  propagation: number[];
  data: string;
  /** runc's tmpcopyup: a tmpfs starts with the files of the directory it covers. */
  copyUp: boolean;
  /** An idmapped bind mount: idmap (this mount) or ridmap (recursively). */
  idmap: 'idmap' | 'ridmap' | null;
}

export function parseMountOptions(options: string[] | undefined): ParsedOptions {
  let flags = 0;
  const propagation: number[] = [];
  const data: string[] = [];
  let copyUp = false;
  let idmap: ParsedOptions['idmap'] = null;
  for (const opt of options ?? []) {
    const f = FLAGS[opt];
    if (opt === 'idmap' || opt === 'ridmap') {
      idmap = opt;
    } else if (opt === 'tmpcopyup') {
      copyUp = true;
    } else if (f) {
      flags = f.clear ? flags & ~f.flag : flags | f.flag;
    } else if (opt in PROPAGATION) {
      propagation.push(PROPAGATION[opt]);
    } else {
      data.push(opt);
    }
  }
  return { flags, propagation, data: data.join(','), copyUp, idmap };
}

/** The propagation flag of linux.rootfsPropagation (default: rslave, as runc). */
export function rootfsPropagationFlags(value: string | undefined): number {
  if (!value) return C.MS_SLAVE | C.MS_REC;
  return PROPAGATION[value];
}

export const MOUNT_OPTION_NAMES = [...Object.keys(FLAGS), ...Object.keys(PROPAGATION), 'tmpcopyup', 'idmap', 'ridmap'].sort();
