'use strict';
// maskedPaths and readonlyPaths (config-linux.md).
const fs = require('fs');
const A = require('../lib/assert');
const P = require('../lib/proc');

const only = (c, masked, ro) => { c.linux.maskedPaths = masked; c.linux.readonlyPaths = ro; };
const topAt = (text, mp) => P.parseMountinfo(text).filter((m) => m.mountPoint === mp).pop() || null;

module.exports = [
  {
    id: 'paths/masked-file',
    spec: 'config-linux.md maskedPaths: the runtime masks the paths so they cannot be read (/proc/version reads empty)',
    run: async (ctx) => {
      const out = await ctx.inside('cat /proc/version 2>/dev/null | wc -c', (c) => only(c, ['/proc/version'], []));
      A.eq(out.trim(), '0', 'bytes readable from masked /proc/version');
    },
  },
  {
    id: 'paths/masked-directory',
    spec: 'config-linux.md maskedPaths: a masked directory shows no content',
    run: async (ctx) => {
      const host = fs.readdirSync('/proc/bus');
      A.ok(host.length > 0, 'host /proc/bus is empty: cannot test');
      const out = await ctx.inside('ls -A /proc/bus | wc -l', (c) => only(c, ['/proc/bus'], []));
      A.eq(out.trim(), '0', 'entries in masked /proc/bus');
    },
  },
  {
    id: 'paths/masked-rootfs-file',
    spec: 'config-linux.md maskedPaths: a file of the rootfs is masked too',
    run: async (ctx) => {
      const out = await ctx.inside('cat /etc/conf-secret 2>/dev/null | wc -c', (c) => only(c, ['/etc/conf-secret'], []),
        { rootfsFiles: { 'etc/conf-secret': 'secret-data' } });
      A.eq(out.trim(), '0', 'bytes readable from masked /etc/conf-secret');
    },
  },
  {
    id: 'paths/masked-nonexistent',
    spec: 'config-linux.md maskedPaths: a path that does not exist is no reason to fail (nothing to mask)',
    run: async (ctx) => {
      const out = await ctx.inside('echo started', (c) => only(c, ['/proc/conformance-none', '/conformance/none'], []));
      A.eq(out, 'started\n', 'container output');
    },
  },
  {
    id: 'paths/readonly-directory',
    spec: 'config-linux.md readonlyPaths: the runtime sets the paths read-only (a writable bind mount becomes read-only)',
    run: async (ctx) => {
      const src = ctx.hostDir('src', { f: 'x' });
      const out = await ctx.inside('echo y > /home/new 2>/dev/null && echo writable || echo readonly', (c) => { only(c, [], ['/home']); ctx.bind(c, src, '/home', ['rw']); });
      A.eq(out.trim(), 'readonly', 'writing into /home listed in readonlyPaths');
      A.ok(!fs.existsSync(ctx.path('src', 'new')), 'file written through a read-only path');
    },
  },
  {
    id: 'paths/readonly-proc-sys',
    spec: 'config-linux.md readonlyPaths: /proc/sys is mounted read-only',
    run: async (ctx) => {
      const out = await ctx.inside('cat /proc/self/mountinfo', (c) => only(c, [], ['/proc/sys']));
      const m = topAt(out, '/proc/sys');
      A.ok(m && m.options.includes('ro'), `mount at /proc/sys: expected read-only, got ${A.show(m && m.options)}`);
    },
  },
  {
    id: 'paths/readonly-file',
    spec: 'config-linux.md readonlyPaths: a single file is made read-only (writes fail, the mount is ro)',
    run: async (ctx) => {
      const out = await ctx.inside('echo changed > /etc/conf-rw 2>/dev/null && echo writable || echo readonly; cat /proc/self/mountinfo',
        (c) => { only(c, [], ['/etc/conf-rw']); c.root.readonly = false; }, { rootfsFiles: { 'etc/conf-rw': 'original\n' } });
      A.eq(out.split('\n')[0], 'readonly', 'writing /etc/conf-rw listed in readonlyPaths');
      const m = topAt(out, '/etc/conf-rw');
      A.ok(m && m.options.includes('ro'), `mount at /etc/conf-rw: expected read-only, got ${A.show(m && m.options)}`);
      A.eq(P.readText(ctx.path('rootfs', 'etc', 'conf-rw')), 'original\n', 'the file on the host');
    },
  },
  {
    id: 'paths/readonly-nonexistent',
    spec: 'config-linux.md readonlyPaths: a path that does not exist is no reason to fail',
    run: async (ctx) => {
      const out = await ctx.inside('echo started', (c) => only(c, [], ['/proc/conformance-none']));
      A.eq(out, 'started\n', 'container output');
    },
  },
];
