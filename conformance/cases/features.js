'use strict';
// The `features` command (features.md, runtime-spec 1.1).
const A = require('../lib/assert');

const HOOKS = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'];
const NS = ['pid', 'network', 'mount', 'ipc', 'uts', 'user', 'cgroup', 'time'];

async function features(ctx) {
  const r = await ctx.rt(['features']);
  A.succeeded(r, 'features');
  try { return JSON.parse(r.stdout); } catch (e) { return A.fail(`features: expected JSON on stdout, got ${A.show(r.stdout)}`); }
}
const semver = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
const cmp = (a, b) => {
  const x = a.split('-')[0].split('.').map(Number); const y = b.split('-')[0].split('.').map(Number);
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
};

module.exports = [
  {
    id: 'features/valid-json',
    spec: 'features.md: `features` prints the runtime features as a JSON object',
    run: async (ctx) => {
      const f = await features(ctx);
      A.ok(f && typeof f === 'object' && !Array.isArray(f), `features: expected a JSON object, got ${A.show(f)}`);
    },
  },
  {
    id: 'features/oci-version-range',
    spec: 'features.md: ociVersionMin and ociVersionMax (REQUIRED) are SemVer versions, min <= max',
    run: async (ctx) => {
      const f = await features(ctx);
      A.match(f.ociVersionMin, semver, 'ociVersionMin');
      A.match(f.ociVersionMax, semver, 'ociVersionMax');
      A.ok(cmp(f.ociVersionMin, f.ociVersionMax) <= 0, `ociVersionMin ${f.ociVersionMin} > ociVersionMax ${f.ociVersionMax}`);
    },
  },
  {
    id: 'features/hooks',
    spec: 'features.md hooks: the list of recognized hook names',
    run: async (ctx) => {
      const f = await features(ctx);
      A.ok(Array.isArray(f.hooks) && f.hooks.length > 0, `hooks: expected a non-empty array, got ${A.show(f.hooks)}`);
      for (const h of f.hooks) A.ok(HOOKS.includes(h), `hooks: unknown hook name ${A.show(h)}`);
      for (const h of HOOKS.slice(1)) A.ok(f.hooks.includes(h), `hooks: expected ${h} to be listed, got ${A.show(f.hooks)}`);
    },
  },
  {
    id: 'features/mount-options',
    spec: 'features.md mountOptions: the recognized mount options (at least the common ones this suite uses)',
    run: async (ctx) => {
      const f = await features(ctx);
      A.ok(Array.isArray(f.mountOptions), `mountOptions: expected an array, got ${A.show(f.mountOptions)}`);
      for (const o of ['ro', 'rw', 'nosuid', 'nodev', 'noexec', 'bind', 'rbind', 'rprivate', 'rslave', 'rshared', 'strictatime']) {
        A.ok(f.mountOptions.includes(o), `mountOptions: expected ${o} to be listed`);
      }
    },
  },
  {
    id: 'features/linux-namespaces',
    spec: 'features.md linux.namespaces: the recognized namespace types',
    run: async (ctx) => {
      const f = await features(ctx);
      const ns = f.linux && f.linux.namespaces;
      A.ok(Array.isArray(ns), `linux.namespaces: expected an array, got ${A.show(ns)}`);
      for (const n of ns) A.ok(NS.includes(n), `linux.namespaces: unknown type ${A.show(n)}`);
      for (const n of ['pid', 'network', 'mount', 'ipc', 'uts', 'cgroup']) A.ok(ns.includes(n), `linux.namespaces: expected ${n}`);
    },
  },
  {
    id: 'features/linux-capabilities',
    spec: 'features.md linux.capabilities: the recognized capability names',
    run: async (ctx) => {
      const f = await features(ctx);
      const caps = f.linux && f.linux.capabilities;
      A.ok(Array.isArray(caps) && caps.length > 0, `linux.capabilities: expected a non-empty array, got ${A.show(caps)}`);
      for (const c of caps) A.match(c, /^CAP_[A-Z_]+$/, 'linux.capabilities entry');
      for (const c of ['CAP_CHOWN', 'CAP_KILL', 'CAP_SYS_ADMIN']) A.ok(caps.includes(c), `linux.capabilities: expected ${c}`);
    },
  },
  {
    id: 'features/linux-cgroup',
    spec: 'features.md linux.cgroup: v1/v2/systemd/systemdUser/rdma are booleans; v1 is true when cgroup v1 is supported',
    run: async (ctx) => {
      const f = await features(ctx);
      const cg = f.linux && f.linux.cgroup;
      A.ok(cg && typeof cg === 'object', `linux.cgroup: expected an object, got ${A.show(cg)}`);
      for (const k of ['v1', 'v2', 'systemd', 'systemdUser', 'rdma']) {
        if (cg[k] !== undefined) A.eq(typeof cg[k], 'boolean', `typeof linux.cgroup.${k}`);
      }
      A.eq(cg.v1, true, 'linux.cgroup.v1 (this suite runs on a cgroup v1 host)');
    },
  },
];
