'use strict';
// Mount propagation: linux.rootfsPropagation and the propagation options of
// mounts (config-linux.md "Rootfs Mount Propagation", mount(8) options).
// To make propagation observable, the case's rootfs copy (or bind source) is
// itself a shared mount on the host.
const fs = require('fs');
const A = require('../lib/assert');
const P = require('../lib/proc');

async function sharedHostDir(ctx, dir) {
  await ctx.hostMount(['--bind', dir, dir], dir);
  const r = await ctx.host('mount', ['--make-shared', dir]);
  if (r.code !== 0) A.fail(`mount --make-shared ${dir}: ${r.stderr.trim()}`);
}

const top = (pid, mp) => P.parseMountinfo(P.readText(`/proc/${pid}/mountinfo`)).filter((m) => m.mountPoint === mp).pop() || null;

async function rootfsContainer(ctx, prop) {
  const b = ctx.bundle((c) => { c.linux.rootfsPropagation = prop; }, { rootfsFiles: { 'mntprop/.keep': '' } });
  await sharedHostDir(ctx, b.rootfs);
  await ctx.mustCreate(b);
  await ctx.mustStart(b);
  return b;
}

function rootfsCase(prop, want) {
  return {
    id: `propagation/rootfs-${prop}`,
    spec: `config-linux.md rootfsPropagation "${prop}": the rootfs mount is ${want === 'private' ? 'private' : want}`,
    run: async (ctx) => {
      const b = await rootfsContainer(ctx, prop);
      const m = top(b.pid, '/');
      A.ok(m, 'no / mount in the container\'s mountinfo');
      const got = P.propagationOf(m);
      A.ok(Array.isArray(want) ? want.includes(got) : got === want, `propagation of / in the container: expected ${want}, got ${got} (${m.optional.join(' ')})`);
    },
  };
}

async function hostMountAppears(ctx, prop) {
  const b = await rootfsContainer(ctx, prop);
  const target = `${b.rootfs}/mntprop`;
  await ctx.hostMount(['-t', 'tmpfs', 'conf-prop', target], target);
  await P.sleep(50);
  return !!top(b.pid, '/mntprop');
}

function optionCase(opt, want) {
  return {
    id: `propagation/mount-${opt}`,
    spec: `config.md mounts.options: the propagation option "${opt}" is applied to the mount`,
    run: async (ctx) => {
      const src = ctx.hostDir('src', { f: 'x' });
      await sharedHostDir(ctx, src);
      const b = await ctx.startLong((c) => { c.mounts.push({ destination: '/home', type: 'bind', source: src, options: ['rbind', opt] }); });
      const m = top(b.pid, '/home');
      A.ok(m, 'no /home mount in the container');
      const got = P.propagationOf(m);
      A.ok(want.includes(got), `propagation of /home: expected ${want.join(' or ')}, got ${got} (${m.optional.join(' ')})`);
    },
  };
}

module.exports = [
  rootfsCase('shared', ['shared', 'shared+slave']),
  rootfsCase('slave', 'slave'),
  rootfsCase('private', 'private'),
  rootfsCase('unbindable', 'unbindable'),
  {
    id: 'propagation/rootfs-slave-receives',
    spec: 'config-linux.md rootfsPropagation "slave": the rootfs receives mount events from the host',
    run: async (ctx) => { A.ok(await hostMountAppears(ctx, 'slave'), 'a mount made on the host under the rootfs did not appear in the container'); },
  },
  {
    id: 'propagation/rootfs-private-isolated',
    spec: 'config-linux.md rootfsPropagation "private": the rootfs does not receive mount events from the host',
    run: async (ctx) => { A.ok(!(await hostMountAppears(ctx, 'private')), 'a mount made on the host under the rootfs appeared in the container'); },
  },
  optionCase('rprivate', ['private']),
  optionCase('rslave', ['slave']),
  optionCase('rshared', ['shared', 'shared+slave']),
  optionCase('runbindable', ['unbindable']),
];
void fs;
