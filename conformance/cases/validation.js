'use strict';
// Config validation: invalid configs are rejected at create and leave nothing
// behind (runtime.md "Errors": an error MUST leave the environment as if the
// operation were never attempted); valid ones are accepted.
const fs = require('fs');
const A = require('../lib/assert');
const P = require('../lib/proc');

const { rejects } = require('../lib/rejects');

async function accepts(ctx, mutate, opts = {}) {
  const r = await ctx.runToExit((c, b) => {
    c.process.args = ['sh', '-c', 'echo accepted'];
    if (mutate) { const x = mutate(c, b); if (x !== undefined) return x; }
    return c;
  }, opts);
  A.includes(r.stdout, 'accepted', 'output of the container');
}

module.exports = [
  {
    id: 'validation/accepts-base-config',
    spec: 'runtime.md create: a valid config (the base busybox bundle) is accepted and runs',
    run: (ctx) => accepts(ctx),
  },
  {
    id: 'validation/accepts-minimal-config',
    spec: 'config.md: only ociVersion, root.path and process (args, cwd, user) are required; such a config runs',
    run: (ctx) => accepts(ctx, (c) => ({
      ociVersion: c.ociVersion,
      root: { path: c.root.path },
      process: { args: c.process.args, cwd: '/', user: { uid: 0, gid: 0 }, env: [ctx.envEntry, 'PATH=/bin:/sbin:/usr/bin'] },
      mounts: [{ destination: '/proc', type: 'proc', source: 'proc' }],
      linux: { namespaces: [{ type: 'mount' }, { type: 'pid' }], cgroupsPath: c.linux.cgroupsPath },
    })),
  },
  {
    id: 'validation/accepts-ociversion-1.0.0',
    spec: 'config.md ociVersion: the spec keeps compatibility within a major version; a 1.0.0 bundle is accepted',
    run: (ctx) => accepts(ctx, (c) => { c.ociVersion = '1.0.0'; }),
  },
  {
    id: 'validation/accepts-ociversion-1.2.0',
    spec: 'config.md ociVersion: a bundle for the current spec release (1.2.0) is accepted',
    run: (ctx) => accepts(ctx, (c) => { c.ociVersion = '1.2.0'; }),
  },
  {
    id: 'validation/accepts-unknown-properties',
    spec: 'config.md Extensibility: runtimes MUST NOT generate an error on unknown properties; they MUST ignore them',
    run: (ctx) => accepts(ctx, (c) => {
      c.conformanceUnknown = { x: 1 };
      c.process.conformanceUnknown = 'y';
      c.linux.conformanceUnknown = [1, 2];
    }),
  },
  {
    id: 'validation/ociversion-not-string',
    spec: 'config.md ociVersion (string, REQUIRED): a number is an invalid config, rejected at create',
    run: (ctx) => rejects(ctx, (c) => { c.ociVersion = 1; }),
  },
  {
    id: 'validation/ociversion-missing',
    spec: 'config.md ociVersion (string, REQUIRED): a config without it is rejected at create',
    run: (ctx) => rejects(ctx, (c) => { delete c.ociVersion; }),
  },
  {
    id: 'validation/args-not-array',
    spec: 'config.md process.args (array of strings): a string is an invalid config, rejected at create',
    run: (ctx) => rejects(ctx, (c) => { c.process.args = 'sleep 60'; }),
  },
  {
    id: 'validation/args-empty',
    spec: 'config.md process.args: at least one entry is REQUIRED',
    run: (ctx) => rejects(ctx, (c) => { c.process.args = []; }),
  },
  {
    id: 'validation/cwd-relative',
    spec: 'config.md process.cwd: this value MUST be an absolute path',
    run: (ctx) => rejects(ctx, (c) => { c.process.cwd = 'tmp'; }),
  },
  {
    id: 'validation/cwd-missing',
    spec: 'config.md process.cwd (string, REQUIRED)',
    run: (ctx) => rejects(ctx, (c) => { delete c.process.cwd; }),
  },
  {
    id: 'validation/root-missing',
    spec: 'config.md root (object, REQUIRED on Linux): a config without root is rejected',
    run: (ctx) => rejects(ctx, (c) => { delete c.root; }),
  },
  {
    id: 'validation/root-path-nonexistent',
    spec: 'config.md root.path: a directory MUST exist at the path declared by the field',
    run: (ctx) => rejects(ctx, (c) => { c.root.path = ctx.path('no-such-rootfs'); }),
  },
  {
    id: 'validation/root-path-not-directory',
    spec: 'config.md root.path: a directory MUST exist at the path (a regular file is rejected)',
    run: (ctx) => rejects(ctx, (c) => { c.root.path = ctx.hostDir('f') + '/file'; fs.writeFileSync(c.root.path, 'x'); }),
  },
  {
    id: 'validation/mount-relative-destination',
    spec: 'config.md mounts.destination (spec 1.1, the bundles\' ociVersion): this value MUST be an absolute path',
    run: (ctx) => rejects(ctx, (c) => { c.mounts.push({ destination: 'home', type: 'tmpfs', source: 'tmpfs' }); }),
  },
  {
    id: 'validation/namespace-duplicate',
    spec: 'config-linux.md namespaces: duplicated namespaces with the same type MUST generate an error',
    run: (ctx) => rejects(ctx, (c) => { c.linux.namespaces.push({ type: 'pid' }); }),
  },
  {
    id: 'validation/namespace-unknown-type',
    spec: 'config-linux.md namespaces.type: an unknown namespace type cannot be applied: create MUST generate an error',
    run: (ctx) => rejects(ctx, (c) => { c.linux.namespaces.push({ type: 'conformance-bogus' }); }),
  },
  {
    id: 'validation/invalid-json',
    spec: 'bundle.md: config.json MUST be a valid configuration; unparsable JSON is rejected at create',
    run: (ctx) => rejects(ctx, null, { raw: '{"ociVersion": "1.1.0", "process": {' }),
  },
  {
    id: 'validation/missing-config',
    spec: 'bundle.md: the bundle MUST contain config.json; without it create fails',
    run: (ctx) => rejects(ctx, null, { noConfig: true }),
  },
  {
    id: 'validation/rlimit-unknown-type',
    spec: 'config.md process.rlimits.type: the runtime MUST generate an error for values that cannot be mapped to a kernel interface',
    run: (ctx) => rejects(ctx, (c) => { c.process.rlimits.push({ type: 'RLIMIT_CONFORMANCE', soft: 1, hard: 1 }); }),
  },
  {
    id: 'validation/rlimit-duplicate',
    spec: 'config.md process.rlimits: duplicated entries with the same type MUST generate an error',
    run: (ctx) => rejects(ctx, (c) => { c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 100, hard: 100 }, { type: 'RLIMIT_NOFILE', soft: 200, hard: 200 }]; }),
  },
  {
    id: 'validation/hook-path-relative',
    spec: 'config.md hooks.path: this specification extends execv in that path MUST be absolute',
    // bin/true exists relative to the bundle and to the runtime's cwd (the
    // bundle), so only a check of the path, not a failing exec, rejects it.
    run: (ctx) => rejects(ctx, (c) => { c.hooks = { createRuntime: [{ path: 'bin/true' }] }; },
      { files: { 'bin/true': { content: '#!/bin/sh\nexit 0\n', mode: 0o755 } }, cwd: true }),
  },
  {
    id: 'validation/hook-timeout-zero',
    spec: 'config.md hooks.timeout: if set, timeout MUST be greater than zero',
    run: (ctx) => rejects(ctx, (c) => { c.hooks = { createRuntime: [{ path: '/bin/true', timeout: 0 }] }; }),
  },
];
