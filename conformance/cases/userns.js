'use strict';
// User namespaces and id mappings (config-linux.md "User namespace mappings").
const A = require('../lib/assert');
const P = require('../lib/proc');

const HOST = 200000;
const userns = (c, uids, gids) => {
  c.linux.namespaces.push({ type: 'user' });
  c.linux.uidMappings = uids || [{ containerID: 0, hostID: HOST, size: 65536 }];
  c.linux.gidMappings = gids || [{ containerID: 0, hostID: HOST, size: 65536 }];
  // sysfs and cgroupfs cannot be mounted without owning the namespaces they
  // belong to; the user namespace here owns a new network namespace, so only
  // the cgroup mount (host cgroup namespace owned by the host) is dropped
  c.mounts = c.mounts.filter((m) => m.type !== 'cgroup');
};
const mapLines = (t) => (t || '').trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number));

module.exports = [
  {
    id: 'userns/new',
    spec: 'config-linux.md namespaces user: the runtime MUST create a new user namespace',
    run: async (ctx) => {
      const b = await ctx.startLong((c) => userns(c));
      A.ok(P.nsLink(b.pid, 'user') !== ctx.hostNs('user'), 'user namespace of the container is the host\'s');
    },
  },
  {
    id: 'userns/uid-map',
    spec: 'config-linux.md uidMappings: containerID, hostID and size appear in /proc/self/uid_map',
    run: async (ctx) => {
      const out = await ctx.inside('cat /proc/self/uid_map', (c) => userns(c));
      A.deepEq(mapLines(out), [[0, HOST, 65536]], 'uid_map inside');
    },
  },
  {
    id: 'userns/gid-map',
    spec: 'config-linux.md gidMappings: containerID, hostID and size appear in /proc/self/gid_map',
    run: async (ctx) => {
      const out = await ctx.inside('cat /proc/self/gid_map', (c) => userns(c, null, [{ containerID: 0, hostID: HOST + 1000, size: 65536 }]));
      A.deepEq(mapLines(out), [[0, HOST + 1000, 65536]], 'gid_map inside');
    },
  },
  {
    id: 'userns/multiple-ranges',
    spec: 'config-linux.md uidMappings: every mapping entry is applied',
    run: async (ctx) => {
      const out = await ctx.inside('cat /proc/self/uid_map', (c) => userns(c, [
        { containerID: 0, hostID: HOST, size: 1000 },
        { containerID: 1000, hostID: HOST + 5000, size: 1000 },
      ]));
      A.deepEq(mapLines(out).sort((a, b) => a[0] - b[0]), [[0, HOST, 1000], [1000, HOST + 5000, 1000]], 'uid_map inside');
    },
  },
  {
    id: 'userns/root-host-uid',
    spec: 'config-linux.md uidMappings: container uid 0 is host uid hostID (seen from the host in /proc/PID/status)',
    run: async (ctx) => {
      const b = await ctx.startLong((c) => userns(c));
      const st = P.parseStatus(P.readText(`/proc/${b.pid}/status`));
      A.eq((st.Uid || '').split('\t')[0], String(HOST), 'host uid of the container process');
      A.eq((st.Gid || '').split('\t')[0], String(HOST), 'host gid of the container process');
    },
  },
  {
    id: 'userns/user-host-uid',
    spec: 'config.md process.user.uid is in the container namespace: uid 1000 maps to host hostID+1000',
    run: async (ctx) => {
      const b = await ctx.startLong((c) => { userns(c); c.process.user = { uid: 1000, gid: 1000 }; });
      const st = P.parseStatus(P.readText(`/proc/${b.pid}/status`));
      A.eq((st.Uid || '').split('\t')[0], String(HOST + 1000), 'host uid of the container process');
      A.eq((st.Gid || '').split('\t')[0], String(HOST + 1000), 'host gid of the container process');
    },
  },
  {
    id: 'userns/id-inside',
    spec: 'config.md process.user: uid/gid are those of the container namespace (id inside shows 0:0)',
    run: async (ctx) => {
      const out = await ctx.inside('id -u; id -g', (c) => userns(c));
      A.eq(out, '0\n0\n', 'id -u / id -g inside');
    },
  },
];
