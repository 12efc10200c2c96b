'use strict';
// The container's root filesystem (config.md "Root").
const fs = require('fs');
const A = require('../lib/assert');
const P = require('../lib/proc');

module.exports = [
  {
    id: 'root/path-absolute',
    spec: 'config.md root.path: an absolute path to the root filesystem; the container sees its files',
    run: async (ctx) => {
      const out = await ctx.inside('cat /conf-marker', null, { rootfsFiles: { 'conf-marker': `abs-${ctx.tag}\n` } });
      A.eq(out, `abs-${ctx.tag}\n`, '/conf-marker inside the container');
    },
  },
  {
    id: 'root/path-relative',
    spec: 'config.md root.path: a relative path is relative to the bundle',
    run: async (ctx) => {
      const out = await ctx.inside('cat /conf-marker', null, { relativeRoot: true, rootfsFiles: { 'conf-marker': `rel-${ctx.tag}\n` } });
      A.eq(out, `rel-${ctx.tag}\n`, '/conf-marker inside the container');
    },
  },
  {
    id: 'root/readonly-true',
    spec: 'config.md root.readonly: if true the root filesystem MUST be read-only inside the container',
    run: async (ctx) => {
      const out = await ctx.inside('touch /conf-write 2>/dev/null && echo writable || echo readonly; cat /proc/self/mountinfo',
        (c) => { c.root.readonly = true; }, { copyRootfs: true });
      A.eq(out.split('\n')[0], 'readonly', 'writing to / inside the container');
      const root = P.parseMountinfo(out).filter((m) => m.mountPoint === '/').pop();
      A.ok(root && root.options.includes('ro'), `mount options of / : expected ro, got ${A.show(root && root.options)}`);
      A.ok(!fs.existsSync(ctx.path('rootfs', 'conf-write')), 'file written to the read-only rootfs appeared on the host');
    },
  },
  {
    id: 'root/readonly-false',
    spec: 'config.md root.readonly: false (default) leaves the root filesystem writable',
    run: async (ctx) => {
      const out = await ctx.inside('echo data > /conf-write && echo writable || echo readonly',
        (c) => { c.root.readonly = false; }, { copyRootfs: true });
      A.eq(out.trim(), 'writable', 'writing to / inside the container');
      A.eq(P.readText(ctx.path('rootfs', 'conf-write')), 'data\n', 'the written file in the rootfs on the host');
    },
  },
  {
    id: 'root/process-root-is-rootfs',
    spec: 'config.md root.path: the container process\'s root directory (/proc/PID/root) is the bundle\'s rootfs',
    run: async (ctx) => {
      const b = await ctx.startLong(null, { rootfsFiles: { 'conf-marker': ctx.tag } });
      const a = fs.statSync(`/proc/${b.pid}/root/`);
      const r = fs.statSync(b.rootfs);
      A.deepEq([a.dev, a.ino], [r.dev, r.ino], `device and inode of /proc/${b.pid}/root vs the bundle rootfs`);
      A.eq(P.readText(`/proc/${b.pid}/root/conf-marker`), ctx.tag, `/proc/${b.pid}/root/conf-marker`);
    },
  },
  {
    id: 'root/host-files-invisible',
    spec: 'config.md root: the container\'s / is the rootfs, so host files outside it are not reachable',
    run: async (ctx) => {
      const probe = ctx.hostDir('probe', { 'host-only': 'x' });
      const out = await ctx.inside(`[ -e ${probe}/host-only ] && echo visible || echo invisible; ls /`);
      A.eq(out.split('\n')[0], 'invisible', `host file ${probe}/host-only from inside`);
      const top = out.split('\n').slice(1).filter(Boolean).sort();
      const want = fs.readdirSync(ctx.runtime && require('../lib/bundle').BASE_ROOTFS).sort();
      for (const n of top) A.ok(want.includes(n), `ls / inside the container: ${n} is not in the rootfs (${want.join(' ')})`);
    },
  },
];
