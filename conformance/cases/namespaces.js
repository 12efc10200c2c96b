'use strict';
// Namespaces (config-linux.md "Namespaces"): new, inherited, joined by path.
const A = require('../lib/assert');
const P = require('../lib/proc');

// spec type -> /proc/PID/ns name and unshare(1) flag
const NS = {
  pid: { file: 'pid', flag: '--pid' },
  network: { file: 'net', flag: '--net' },
  ipc: { file: 'ipc', flag: '--ipc' },
  uts: { file: 'uts', flag: '--uts' },
  mount: { file: 'mnt', flag: '--mount' },
  cgroup: { file: 'cgroup', flag: '--cgroup' },
  time: { file: 'time', flag: '--time' },
};

const withNs = (c, type, entry) => {
  c.linux.namespaces = c.linux.namespaces.filter((n) => n.type !== type);
  if (entry) c.linux.namespaces.push(entry);
};

function newCase(type) {
  return {
    id: `namespaces/new-${type}`,
    spec: `config-linux.md namespaces: without path the runtime MUST create a new ${type} namespace`,
    run: async (ctx) => {
      const b = await ctx.startLong((c) => withNs(c, type, { type }));
      const ns = P.nsLink(b.pid, NS[type].file);
      const host = ctx.hostNs(NS[type].file);
      A.ok(ns, `no /proc/${b.pid}/ns/${NS[type].file}`);
      A.ok(ns !== host, `${NS[type].file} namespace of the container: expected a new one, got the host's ${host}`);
    },
  };
}

function inheritCase(type) {
  return {
    id: `namespaces/inherit-${type}`,
    spec: `config-linux.md namespaces: a type not listed MUST inherit the runtime's ${type} namespace`,
    run: async (ctx) => {
      const b = await ctx.startLong((c) => {
        withNs(c, type, null);
        if (type === 'uts') delete c.hostname;
        if (type === 'network') c.mounts = c.mounts.filter((m) => m.type !== 'sysfs');
        if (type === 'cgroup') c.mounts = c.mounts.filter((m) => m.type !== 'cgroup');
      });
      A.eq(P.nsLink(b.pid, NS[type].file), ctx.hostNs(NS[type].file), `${NS[type].file} namespace of the container vs the runtime's`);
    },
  };
}

function joinCase(type) {
  return {
    id: `namespaces/join-${type}`,
    spec: `config-linux.md namespaces.path: the runtime MUST place the container process in the ${type} namespace of that path`,
    run: async (ctx) => {
      const h = await ctx.holder([NS[type].flag], { fork: type === 'pid' });
      const want = P.nsLink(h.pid, NS[type].file);
      A.ok(want && want !== ctx.hostNs(NS[type].file), `holder did not get its own ${type} namespace`);
      const b = await ctx.startLong((c) => withNs(c, type, { type, path: h.ns(NS[type].file) }));
      A.eq(P.nsLink(b.pid, NS[type].file), want, `${NS[type].file} namespace of the container vs the holder's`);
    },
  };
}

// Without a mount namespace of its own a container cannot mount anything
// without changing the runtime's (the host's) mounts: the config asks for
// no mount, masked or read-only path, and no read-only root.
function noMounts(c) {
  c.mounts = [];
  delete c.linux.maskedPaths;
  delete c.linux.readonlyPaths;
  c.root.readonly = false;
}

module.exports = [
  {
    id: 'namespaces/inherit-mount',
    spec: 'config-linux.md namespaces: a type not listed MUST inherit the runtime\'s mount namespace (the process runs in its rootfs)',
    run: async (ctx) => {
      // A rootfs of its own: a runtime that mounts on the host (runc does) leaves it under the case's directory, which the harness cleans.
      const b = await ctx.startLong((c) => { withNs(c, 'mount', null); noMounts(c); }, { copyRootfs: true });
      A.eq(P.nsLink(b.pid, 'mnt'), ctx.hostNs('mnt'), 'mnt namespace of the container vs the runtime\'s');
      const root = P.readLink(`/proc/${b.pid}/root`);
      A.ok(root && root !== '/', `the process's root is its rootfs, not the host's /: ${A.show(root)}`);
    },
  },
  {
    id: 'namespaces/none',
    spec: 'config-linux.md namespaces: with no namespaces listed, the container inherits every namespace of the runtime',
    run: async (ctx) => {
      const b = await ctx.startLong((c) => { c.linux.namespaces = []; delete c.hostname; noMounts(c); }, { copyRootfs: true });
      for (const t of ['mnt', 'pid', 'net', 'ipc', 'uts']) A.eq(P.nsLink(b.pid, t), ctx.hostNs(t), `${t} namespace of the container vs the runtime's`);
    },
  },
  newCase('pid'), newCase('network'), newCase('ipc'), newCase('uts'), newCase('mount'), newCase('cgroup'), newCase('time'),
  inheritCase('network'), inheritCase('ipc'), inheritCase('uts'), inheritCase('pid'), inheritCase('cgroup'),
  joinCase('network'), joinCase('ipc'), joinCase('uts'), joinCase('pid'), joinCase('mount'), joinCase('cgroup'),
  {
    id: 'namespaces/join-type-mismatch',
    spec: 'config-linux.md namespaces.path: the runtime MUST generate an error if path is not a namespace of type type (net ns given for uts)',
    run: async (ctx) => {
      const h = await ctx.holder(['--net', '--uts']);
      const b = ctx.bundle((c) => withNs(c, 'uts', { type: 'uts', path: h.ns('net') }));
      A.failed(await ctx.create(b), 'create with a network namespace path for type uts');
      A.deepEq(P.pidsWithEnv(ctx.envEntry), [], 'container processes left after the failed create');
    },
  },
  {
    id: 'namespaces/join-not-a-namespace',
    spec: 'config-linux.md namespaces.path: a path that is not a namespace file MUST generate an error',
    run: async (ctx) => {
      ctx.hostDir('x', { 'not-ns': 'x' });
      const b = ctx.bundle((c) => withNs(c, 'network', { type: 'network', path: ctx.path('x', 'not-ns') }));
      A.failed(await ctx.create(b), 'create with a regular file as namespace path');
    },
  },
  {
    id: 'namespaces/join-nonexistent-path',
    spec: 'config-linux.md namespaces.path: the runtime MUST place the process in the namespace of path; a missing path is an error',
    run: async (ctx) => {
      const b = ctx.bundle((c) => withNs(c, 'network', { type: 'network', path: ctx.path('no-such-ns') }));
      A.failed(await ctx.create(b), 'create with a nonexistent namespace path');
    },
  },
  {
    id: 'namespaces/join-relative-path',
    spec: 'config-linux.md namespaces.path: this value MUST be an absolute path in the runtime mount namespace',
    run: async (ctx) => {
      const h = await ctx.holder(['--net']);
      const b = ctx.bundle((c) => withNs(c, 'network', { type: 'network', path: `proc/${h.pid}/ns/net` }),
        { files: {} });
      // relative to / (the runtime's cwd here) it would name a real namespace
      A.failed(await ctx.create(b, { cwd: '/' }), 'create with a relative namespace path');
    },
  },
  {
    id: 'namespaces/pid-init-is-1',
    spec: 'config-linux.md namespaces pid: in a new pid namespace the container process is pid 1',
    run: async (ctx) => {
      const out = await ctx.inside('echo $$');
      A.eq(out.trim(), '1', 'pid of the container process inside its namespace');
    },
  },
  {
    id: 'namespaces/network-only-loopback',
    spec: 'config-linux.md namespaces network: the container has its own network stack (only lo in a new one)',
    run: async (ctx) => {
      const out = await ctx.inside('cat /proc/net/dev');
      const ifs = out.split('\n').slice(2).map((l) => l.split(':')[0].trim()).filter(Boolean);
      A.deepEq(ifs, ['lo'], 'interfaces in /proc/net/dev');
    },
  },
  {
    id: 'namespaces/ipc-isolated',
    spec: 'config-linux.md namespaces ipc: System V IPC objects of the host are not visible in a new ipc namespace',
    run: async (ctx) => {
      const mk = await ctx.host('sh', ['-c', 'ipcmk -Q']);
      const qid = (/(\d+)/.exec(mk.stdout) || [])[1];
      try {
        const out = await ctx.inside('cat /proc/sysvipc/msg');
        const ids = out.split('\n').slice(1).map((l) => l.trim().split(/\s+/)[1]).filter(Boolean);
        A.ok(!qid || !ids.includes(qid), `host message queue ${qid} visible inside: ${A.show(out)}`);
        A.deepEq(ids, [], 'message queues in /proc/sysvipc/msg');
      } finally {
        if (qid) await ctx.host('ipcrm', ['-q', qid]);
      }
    },
  },
  {
    id: 'namespaces/cgroup-root-view',
    spec: 'config-linux.md namespaces cgroup: in a new cgroup namespace the container sees its own cgroup as the root (/)',
    run: async (ctx) => {
      const out = await ctx.inside('cat /proc/self/cgroup');
      const cg = P.parseCgroup(out);
      for (const c of ['memory', 'pids']) if (cg[c] !== undefined) A.eq(cg[c], '/', `${c} cgroup path inside the container`);
    },
  },
];
