'use strict';
// Mounts (config.md "Mounts"): types, options, bind mounts, order, safety.
const fs = require('fs');
const A = require('../lib/assert');
const P = require('../lib/proc');

const MI = 'cat /proc/self/mountinfo';
const mountAt = (text, mp) => {
  const all = P.parseMountinfo(text).filter((m) => m.mountPoint === mp);
  return all[all.length - 1] || null; // the top-most mount at mp
};
const need = (m, what) => { if (!m) A.fail(`${what}: no mount there in /proc/self/mountinfo`); return m; };

function flagCase(flag) {
  return {
    id: `mounts/bind-${flag}`,
    spec: `config.md mounts.options: the mount(8) option "${flag}" on a bind mount is applied`,
    run: async (ctx) => {
      const src = ctx.hostDir('src', { f: 'x' });
      const out = await ctx.inside(MI, (c) => { ctx.bind(c, src, '/home', [flag]); });
      const m = need(mountAt(out, '/home'), '/home');
      A.ok(m.options.includes(flag), `options of /home: expected ${flag}, got ${m.options.join(',')}`);
    },
  };
}

module.exports = [
  {
    id: 'mounts/proc',
    spec: 'config.md mounts: a "proc" mount at /proc',
    run: async (ctx) => {
      const out = await ctx.inside(MI);
      A.eq(need(mountAt(out, '/proc'), '/proc').fstype, 'proc', 'fstype at /proc');
    },
  },
  {
    id: 'mounts/sysfs',
    spec: 'config.md mounts: a "sysfs" mount at /sys',
    run: async (ctx) => {
      const out = await ctx.inside(MI);
      A.eq(need(mountAt(out, '/sys'), '/sys').fstype, 'sysfs', 'fstype at /sys');
    },
  },
  {
    id: 'mounts/sysfs-ro',
    spec: 'config.md mounts.options: "ro" on the sysfs mount makes it read-only',
    run: async (ctx) => {
      const out = await ctx.inside(MI);
      const m = need(mountAt(out, '/sys'), '/sys');
      A.ok(m.options.includes('ro'), `options of /sys: expected ro, got ${m.options.join(',')}`);
    },
  },
  {
    id: 'mounts/devpts',
    spec: 'config.md mounts: devpts at /dev/pts with its filesystem options (newinstance, ptmxmode=0666, mode=0620, gid=5)',
    run: async (ctx) => {
      const out = await ctx.inside(MI);
      const m = need(mountAt(out, '/dev/pts'), '/dev/pts');
      A.eq(m.fstype, 'devpts', 'fstype at /dev/pts');
      for (const o of ['ptmxmode=666', 'mode=620', 'gid=5']) A.ok(m.superOptions.includes(o), `super options of /dev/pts: expected ${o}, got ${m.superOptions.join(',')}`);
    },
  },
  {
    id: 'mounts/mqueue',
    spec: 'config.md mounts: an mqueue mount at /dev/mqueue with nosuid,noexec,nodev',
    run: async (ctx) => {
      const out = await ctx.inside(MI);
      const m = need(mountAt(out, '/dev/mqueue'), '/dev/mqueue');
      A.eq(m.fstype, 'mqueue', 'fstype at /dev/mqueue');
      for (const o of ['nosuid', 'noexec', 'nodev']) A.ok(m.options.includes(o), `options of /dev/mqueue: expected ${o}, got ${m.options.join(',')}`);
    },
  },
  {
    id: 'mounts/tmpfs-flags',
    spec: 'config.md mounts.options: mount flags nosuid,nodev,noexec,ro on a tmpfs are applied',
    run: async (ctx) => {
      const out = await ctx.inside(MI, (c) => { c.mounts.push({ destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'noexec', 'ro'] }); });
      const m = need(mountAt(out, '/run'), '/run');
      A.eq(m.fstype, 'tmpfs', 'fstype at /run');
      for (const o of ['nosuid', 'nodev', 'noexec', 'ro']) A.ok(m.options.includes(o), `options of /run: expected ${o}, got ${m.options.join(',')}`);
    },
  },
  {
    id: 'mounts/tmpfs-data-options',
    spec: 'config.md mounts.options: filesystem-specific options (size=, mode=) are passed to the filesystem',
    run: async (ctx) => {
      const out = await ctx.inside(`stat -c %a /run; ${MI}`, (c) => { c.mounts.push({ destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['size=1m', 'mode=710'] }); });
      A.eq(out.split('\n')[0], '710', 'mode of /run');
      const m = need(mountAt(out, '/run'), '/run');
      A.ok(m.superOptions.includes('size=1024k'), `super options of /run: expected size=1024k, got ${m.superOptions.join(',')}`);
    },
  },
  {
    id: 'mounts/tmpfs-uid-gid',
    spec: 'config.md mounts.options: tmpfs uid= and gid= options set the owner of the mount root',
    run: async (ctx) => {
      const out = await ctx.inside('stat -c %u:%g /run', (c) => { c.mounts.push({ destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['uid=1000', 'gid=1001'] }); });
      A.eq(out.trim(), '1000:1001', 'owner of /run');
    },
  },
  {
    id: 'mounts/bind',
    spec: 'config.md mounts: a bind mount makes the host source visible at the destination',
    run: async (ctx) => {
      const src = ctx.hostDir('src', { 'bound-file': `bound-${ctx.tag}` });
      const out = await ctx.inside('cat /home/bound-file', (c) => { ctx.bind(c, src, '/home'); });
      A.eq(out, `bound-${ctx.tag}`, 'content of /home/bound-file');
    },
  },
  {
    id: 'mounts/bind-rw-shared-with-host',
    spec: 'config.md mounts: a read-write bind mount shares its files with the host',
    run: async (ctx) => {
      const src = ctx.hostDir('src');
      await ctx.inside('echo from-container > /home/written', (c) => { ctx.bind(c, src, '/home', ['rw']); });
      A.eq(P.readText(ctx.path('src', 'written')), 'from-container\n', 'file written through the bind mount, on the host');
    },
  },
  {
    id: 'mounts/bind-ro',
    spec: 'config.md mounts.options: "ro" makes a bind mount read-only',
    run: async (ctx) => {
      const src = ctx.hostDir('src', { f: 'x' });
      const out = await ctx.inside(`echo y > /home/new 2>/dev/null && echo writable || echo readonly; ${MI}`, (c) => { ctx.bind(c, src, '/home', ['ro']); });
      A.eq(out.split('\n')[0], 'readonly', 'writing into the ro bind mount');
      const m = need(mountAt(out, '/home'), '/home');
      A.ok(m.options.includes('ro'), `options of /home: expected ro, got ${m.options.join(',')}`);
      A.ok(!fs.existsSync(ctx.path('src', 'new')), 'file created on the host through a ro bind mount');
    },
  },
  {
    id: 'mounts/bind-file',
    spec: 'config.md mounts: a regular file can be bind-mounted; a missing destination file is created for it',
    run: async (ctx) => {
      ctx.hostDir('src', { 'one-file': `file-${ctx.tag}` });
      const out = await ctx.inside('cat /etc/conf-file', (c) => { ctx.bind(c, ctx.path('src', 'one-file'), '/etc/conf-file'); }, { copyRootfs: true });
      A.eq(out, `file-${ctx.tag}`, 'content of /etc/conf-file');
    },
  },
  {
    id: 'mounts/missing-destination-created',
    spec: 'config.md mounts.destination: the mount point is created inside the rootfs when it does not exist',
    run: async (ctx) => {
      const src = ctx.hostDir('src', { f: 'deep' });
      const out = await ctx.inside('cat /conf/deep/dir/f', (c) => { ctx.bind(c, src, '/conf/deep/dir'); }, { copyRootfs: true });
      A.eq(out, 'deep', 'content of /conf/deep/dir/f');
      A.ok(fs.existsSync(ctx.path('rootfs', 'conf', 'deep', 'dir')), 'mount point not created inside the rootfs');
    },
  },
  {
    id: 'mounts/bind-not-recursive',
    spec: 'config.md mounts.options: "bind" (not rbind) does not carry the source\'s submounts (mount(2) MS_BIND)',
    run: async (ctx) => {
      const src = ctx.hostDir('src', { 'sub/.keep': '' });
      await ctx.hostMount(['-t', 'tmpfs', 'tmpfs', ctx.path('src', 'sub')], ctx.path('src', 'sub'));
      fs.writeFileSync(ctx.path('src', 'sub', 'in-submount'), 'x');
      const out = await ctx.inside('ls /home/sub', (c) => { c.mounts.push({ destination: '/home', type: 'bind', source: src, options: ['bind'] }); });
      A.eq(out.trim(), '.keep'.replace('.keep', ''), 'ls /home/sub (submount must not be visible)');
    },
  },
  {
    id: 'mounts/rbind-recursive',
    spec: 'config.md mounts.options: "rbind" carries the source\'s submounts (MS_BIND|MS_REC)',
    run: async (ctx) => {
      const src = ctx.hostDir('src', { 'sub/.keep': '' });
      await ctx.hostMount(['-t', 'tmpfs', 'tmpfs', ctx.path('src', 'sub')], ctx.path('src', 'sub'));
      fs.writeFileSync(ctx.path('src', 'sub', 'in-submount'), 'x');
      const out = await ctx.inside('ls /home/sub', (c) => { c.mounts.push({ destination: '/home', type: 'bind', source: src, options: ['rbind'] }); });
      A.eq(out.trim(), 'in-submount', 'ls /home/sub (submount must be visible)');
    },
  },
  flagCase('nosuid'),
  flagCase('nodev'),
  flagCase('noexec'),
  {
    id: 'mounts/noexec-enforced',
    spec: 'config.md mounts.options: on a "noexec" mount programs cannot be executed',
    run: async (ctx) => {
      const src = ctx.hostDir('src', { 'prog.sh': { content: '#!/bin/sh\necho executed\n', mode: 0o755 } });
      const out = await ctx.inside('/home/prog.sh 2>/dev/null || echo denied', (c) => { ctx.bind(c, src, '/home', ['noexec']); });
      A.eq(out.trim(), 'denied', 'running /home/prog.sh from a noexec mount');
    },
  },
  {
    id: 'mounts/order-later-wins',
    spec: 'config.md mounts: the runtime MUST mount entries in the listed order (the later mount at a destination is on top)',
    run: async (ctx) => {
      const a = ctx.hostDir('a', { 'from-a': 'a' });
      const b = ctx.hostDir('b', { 'from-b': 'b' });
      const out = await ctx.inside('ls /home', (c) => { ctx.bind(c, a, '/home'); ctx.bind(c, b, '/home'); });
      A.eq(out.trim(), 'from-b', 'ls /home');
    },
  },
  {
    id: 'mounts/order-nested',
    spec: 'config.md mounts: the runtime MUST mount entries in the listed order (a bind inside an earlier tmpfs stays visible)',
    run: async (ctx) => {
      const src = ctx.hostDir('src', { inner: 'inner' });
      const out = await ctx.inside('cat /run/sub/inner', (c) => {
        c.mounts.push({ destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['mode=755'] });
        ctx.bind(c, src, '/run/sub');
      });
      A.eq(out, 'inner', 'content of /run/sub/inner');
    },
  },
  {
    id: 'mounts/symlink-destination-stays-in-rootfs',
    spec: 'config.md mounts.destination is a path inside the container: a symlink in the rootfs pointing outside it is resolved within the rootfs',
    run: async (ctx) => {
      const victim = ctx.hostDir('victim');
      const src = ctx.hostDir('payload', { 'payload-file': 'payload' });
      const out = await ctx.inside(`cat /escape/payload-file 2>&1; echo; grep -c " ${victim} " /proc/self/mountinfo`, (c) => { ctx.bind(c, src, '/escape'); },
        // the symlink target also exists inside the rootfs, where it must be resolved
        { rootfsFiles: { escape: { symlink: victim }, [victim.slice(1) + '/.in-rootfs']: '' } });
      A.deepEq(fs.readdirSync(victim), [], `host directory ${victim} (symlink target outside the rootfs)`);
      A.eq(out.split('\n')[0], 'payload', 'content of /escape/payload-file (mount placed at the symlink target inside the rootfs)');
    },
  },
  {
    id: 'mounts/strictatime',
    spec: 'config.md mounts.options: "strictatime" (on /dev in the base config) disables relatime/noatime',
    run: async (ctx) => {
      const out = await ctx.inside(MI);
      const m = need(mountAt(out, '/dev'), '/dev');
      A.ok(!m.options.includes('relatime') && !m.options.includes('noatime'), `options of /dev: expected neither relatime nor noatime, got ${m.options.join(',')}`);
    },
  },
];
