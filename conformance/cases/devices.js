'use strict';
// Devices (config-linux.md "Devices", "Default Devices") and the /dev
// symlinks of runtime-linux.md "Dev symbolic links".
const A = require('../lib/assert');

// busybox stat: file type, major (hex), minor (hex), permissions, uid, gid
const STAT = "stat -c '%F|%t|%T|%a|%u|%g'";
const parse = (line) => {
  const [type, maj, min, mode, uid, gid] = line.trim().split('|');
  return { type, major: parseInt(maj, 16), minor: parseInt(min, 16), mode, uid, gid };
};

function defaultDev(name, major, minor) {
  return {
    id: `devices/default-${name}`,
    spec: `config-linux.md Default Devices: the runtime MUST supply /dev/${name} (character device ${major}:${minor})`,
    run: async (ctx) => {
      const out = await ctx.inside(`${STAT} /dev/${name}`);
      const d = parse(out);
      A.deepEq([d.type, d.major, d.minor], ['character special file', major, minor], `/dev/${name} type and numbers`);
    },
  };
}

function link(name, target) {
  return {
    id: `devices/link-${name}`,
    spec: `runtime-linux.md Dev symbolic links: the runtime MUST create /dev/${name} -> ${target}`,
    run: async (ctx) => {
      const out = await ctx.inside(`readlink /dev/${name}`);
      A.eq(out.trim(), target, `readlink /dev/${name}`);
    },
  };
}

function custom(id, spec, dev, check, opts) {
  return {
    id: `devices/${id}`, spec,
    run: async (ctx) => {
      const out = await ctx.inside(`${STAT} ${dev.path}`, (c) => {
        c.linux.devices = [dev];
        if (opts && opts.mutate) opts.mutate(c);
      });
      check(parse(out));
    },
  };
}

module.exports = [
  defaultDev('null', 1, 3), defaultDev('zero', 1, 5), defaultDev('full', 1, 7),
  defaultDev('random', 1, 8), defaultDev('urandom', 1, 9), defaultDev('tty', 5, 0),
  {
    id: 'devices/default-usable',
    spec: 'config-linux.md Default Devices: the supplied default devices work (read zero/urandom, write null, full gives ENOSPC)',
    run: async (ctx) => {
      const out = await ctx.inside('head -c 4 /dev/zero | od -An -tx1; head -c 8 /dev/urandom | wc -c; echo x > /dev/null && echo null-ok; echo x > /dev/full 2>/dev/null || echo full-enospc');
      A.eq(out.replace(/[ \t]+/g, ' ').trim(), '00 00 00 00\n8\nnull-ok\nfull-enospc'.replace(/\n/g, '\n'), 'results of using the default devices');
    },
  },
  {
    id: 'devices/default-ptmx',
    spec: 'config-linux.md Default Devices: /dev/ptmx is a bind mount or symlink of the container\'s /dev/pts/ptmx',
    run: async (ctx) => {
      const out = await ctx.inside("stat -L -c '%d:%i' /dev/ptmx /dev/pts/ptmx");
      const [a, b] = out.trim().split('\n');
      A.ok(a && a === b, `/dev/ptmx vs /dev/pts/ptmx (device:inode): expected the same file, got ${A.show(out)}`);
    },
  },
  link('fd', '/proc/self/fd'), link('stdin', '/proc/self/fd/0'), link('stdout', '/proc/self/fd/1'), link('stderr', '/proc/self/fd/2'),
  {
    id: 'devices/no-host-devices',
    spec: 'config-linux.md Devices: containers MAY NOT access device nodes not listed or default (no host block devices in /dev)',
    run: async (ctx) => {
      const out = await ctx.inside('ls /dev');
      const names = out.split(/\s+/).filter(Boolean);
      for (const n of ['vda', 'sda', 'loop0', 'mem', 'kmsg']) A.ok(!names.includes(n), `/dev/${n} present in the container: ${names.join(' ')}`);
    },
  },
  custom('custom-char', 'config-linux.md devices: a "c" entry with major/minor is available at path',
    { path: '/dev/conf-char', type: 'c', major: 1, minor: 3 },
    (d) => A.deepEq([d.type, d.major, d.minor], ['character special file', 1, 3], '/dev/conf-char type and numbers')),
  custom('custom-block', 'config-linux.md devices: a "b" entry with major/minor is available at path',
    { path: '/dev/conf-blk', type: 'b', major: 7, minor: 0 },
    (d) => A.deepEq([d.type, d.major, d.minor], ['block special file', 7, 0], '/dev/conf-blk type and numbers')),
  custom('custom-unbuffered', 'config-linux.md devices: a "u" (unbuffered character) entry is a character device',
    { path: '/dev/conf-u', type: 'u', major: 1, minor: 5 },
    (d) => A.deepEq([d.type, d.major, d.minor], ['character special file', 1, 5], '/dev/conf-u type and numbers')),
  custom('custom-fifo', 'config-linux.md devices: a "p" entry is a FIFO at path (major/minor not required)',
    { path: '/dev/conf-fifo', type: 'p' },
    (d) => A.eq(d.type, 'fifo', '/dev/conf-fifo type')),
  custom('custom-filemode', 'config-linux.md devices.fileMode: the file mode of the device',
    { path: '/dev/conf-mode', type: 'c', major: 1, minor: 3, fileMode: 0o620 },
    (d) => A.eq(d.mode, '620', '/dev/conf-mode permissions')),
  custom('custom-uid-gid', 'config-linux.md devices.uid/gid: the owner and group of the device in the container namespace',
    { path: '/dev/conf-owner', type: 'c', major: 1, minor: 3, uid: 1000, gid: 1001 },
    (d) => A.deepEq([d.uid, d.gid], ['1000', '1001'], '/dev/conf-owner uid and gid')),
  custom('custom-outside-dev', 'config-linux.md devices.path: the path MAY be anywhere in the container filesystem, outside /dev',
    { path: '/run/conf-null', type: 'c', major: 1, minor: 3 },
    (d) => A.deepEq([d.type, d.major, d.minor], ['character special file', 1, 3], '/run/conf-null type and numbers'),
    { mutate: (c) => c.mounts.push({ destination: '/run', type: 'tmpfs', source: 'tmpfs' }) }),
  {
    id: 'devices/existing-file-mismatch',
    spec: 'config-linux.md devices.path: if a file already exists at path that does not match the requested device, the runtime MUST generate an error',
    run: async (ctx) => {
      const b = ctx.bundle((c) => { c.linux.devices = [{ path: '/etc/conf-dev', type: 'c', major: 1, minor: 3 }]; },
        { rootfsFiles: { 'etc/conf-dev': 'a regular file' } });
      A.failed(await ctx.create(b), 'create with a device path occupied by a regular file');
    },
  },
];
