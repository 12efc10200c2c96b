// bpf(2) for the device filter: load a BPF_PROG_TYPE_CGROUP_DEVICE program,
// attach it to a cgroup with BPF_F_ALLOW_MULTI, and detach the filters tsrun
// attached before (found with BPF_PROG_QUERY and recognised by name). union
// bpf_attr is laid out by hand in a zeroed Buffer.
import fs = require('node:fs');
import type { SyscallError } from '../../../linux/errors';
import { linux as sys } from '../../../linux/libc';
import { CgroupError } from '../../fs';

const BPF_PROG_LOAD = 5;
const BPF_PROG_ATTACH = 8;
const BPF_PROG_DETACH = 9;
const BPF_PROG_GET_FD_BY_ID = 13;
const BPF_OBJ_GET_INFO_BY_FD = 15;
const BPF_PROG_QUERY = 16;
const BPF_PROG_TYPE_CGROUP_DEVICE = 15;
const BPF_CGROUP_DEVICE = 6;
const BPF_F_ALLOW_MULTI = 2;

/** The program name (BPF_OBJ_NAME_LEN 16, [A-Za-z0-9_.]) that marks tsrun's filters. */
export const PROG_NAME = 'tsrun_devices';
const LICENSE = 'Apache';
const ATTR_SIZE = 128;


/** Loads the program; returns its fd. On a verifier refusal the error carries the verifier log. */
export function loadDeviceProgram(insns: Buffer): number {
  const license = Buffer.from(LICENSE + '\0');
  const attempt = (log?: Buffer): number => {
    const attr = Buffer.alloc(ATTR_SIZE);
    attr.writeUInt32LE(BPF_PROG_TYPE_CGROUP_DEVICE, 0);
    attr.writeUInt32LE(insns.length / 8, 4);
    attr.writeBigUInt64LE(sys.address(insns), 8);
    attr.writeBigUInt64LE(sys.address(license), 16);
    if (log) {
      attr.writeUInt32LE(1, 24); // log_level
      attr.writeUInt32LE(log.length, 28);
      attr.writeBigUInt64LE(sys.address(log), 32);
    }
    attr.write(PROG_NAME, 48, 'latin1'); // prog_name[16], NUL-padded
    attr.writeUInt32LE(BPF_CGROUP_DEVICE, 68); // expected_attach_type
    return sys.bpf(BPF_PROG_LOAD, attr, 'BPF_PROG_LOAD cgroup device filter');
  };
  try {
    return attempt();
  } catch (err) {
    const log = Buffer.alloc(65536);
    try {
      return attempt(log);
    } catch {
      const text = log.toString('utf8', 0, Math.max(0, log.indexOf(0))).trim();
      throw new CgroupError(`${(err as Error).message}${text ? `: ${text}` : ''}`, (err as SyscallError).code);
    }
  }
}

/** Ids of the device programs attached to the cgroup. */
export function queryDevicePrograms(cgroupFd: number): number[] {
  const ids = Buffer.alloc(64 * 4);
  const attr = Buffer.alloc(ATTR_SIZE);
  attr.writeUInt32LE(cgroupFd, 0);
  attr.writeUInt32LE(BPF_CGROUP_DEVICE, 4);
  attr.writeBigUInt64LE(sys.address(ids), 16);
  attr.writeUInt32LE(64, 24);
  sys.bpf(BPF_PROG_QUERY, attr, 'BPF_PROG_QUERY');
  const n = attr.readUInt32LE(24);
  return Array.from({ length: n }, (_, i) => ids.readUInt32LE(i * 4));
}

function progFdById(id: number): number {
  const attr = Buffer.alloc(ATTR_SIZE);
  attr.writeUInt32LE(id, 0);
  return sys.bpf(BPF_PROG_GET_FD_BY_ID, attr, `BPF_PROG_GET_FD_BY_ID ${id}`);
}

/** struct bpf_prog_info.name (offset 64). */
function progName(fd: number): string {
  const info = Buffer.alloc(256);
  const attr = Buffer.alloc(ATTR_SIZE);
  attr.writeUInt32LE(fd, 0);
  attr.writeUInt32LE(info.length, 4);
  attr.writeBigUInt64LE(sys.address(info), 8);
  sys.bpf(BPF_OBJ_GET_INFO_BY_FD, attr, 'BPF_OBJ_GET_INFO_BY_FD');
  const name = info.subarray(64, 80);
  return name.toString('latin1', 0, name.indexOf(0) < 0 ? 16 : name.indexOf(0));
}

function attachCmd(cmd: number, cgroupFd: number, progFd: number, flags: number, what: string): void {
  const attr = Buffer.alloc(ATTR_SIZE);
  attr.writeUInt32LE(cgroupFd, 0);
  attr.writeUInt32LE(progFd, 4);
  attr.writeUInt32LE(BPF_CGROUP_DEVICE, 8);
  attr.writeUInt32LE(flags, 12);
  sys.bpf(cmd, attr, what);
}

/** Names of the device programs attached to a cgroup directory (for tests and diagnostics). */
export function attachedDevicePrograms(dir: string): string[] {
  const cg = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  try {
    return queryDevicePrograms(cg).map((id) => {
      const fd = progFdById(id);
      try { return progName(fd); } finally { fs.closeSync(fd); }
    });
  } finally {
    fs.closeSync(cg);
  }
}

/**
 * Installs the program on the cgroup at dir: the new filter is attached
 * before the old ones are detached, so there is no moment without a filter.
 * Programs attached by others (another name) are left alone.
 */
export function attachDeviceFilter(dir: string, insns: Buffer): void {
  const cg = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  try {
    const before = queryDevicePrograms(cg);
    const prog = loadDeviceProgram(insns);
    try {
      attachCmd(BPF_PROG_ATTACH, cg, prog, BPF_F_ALLOW_MULTI, `BPF_PROG_ATTACH ${dir}`);
    } finally {
      fs.closeSync(prog);
    }
    for (const id of before) {
      const fd = progFdById(id);
      try {
        if (progName(fd) === PROG_NAME) attachCmd(BPF_PROG_DETACH, cg, fd, 0, `BPF_PROG_DETACH ${dir} program ${id}`);
      } finally {
        fs.closeSync(fd);
      }
    }
  } finally {
    fs.closeSync(cg);
  }
}
