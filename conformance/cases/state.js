'use strict';
// The state of a container (runtime.md "State") as reported by `state <id>`.
const path = require('path');
const A = require('../lib/assert');
const P = require('../lib/proc');

const STATUSES = ['creating', 'created', 'running', 'stopped'];

module.exports = [
  {
    id: 'state/oci-version',
    spec: 'runtime.md state: ociVersion (string, REQUIRED) is the spec version the state complies with',
    run: async (ctx) => {
      const b = ctx.bundle(); await ctx.mustCreate(b);
      const st = await ctx.state(b);
      A.eq(typeof st.ociVersion, 'string', 'typeof state.ociVersion');
      A.match(st.ociVersion, /^\d+\.\d+\.\d+/, 'state.ociVersion (SemVer)');
    },
  },
  {
    id: 'state/id',
    spec: 'runtime.md state: id (string, REQUIRED) is the container\'s ID',
    run: async (ctx) => {
      const b = ctx.bundle(); await ctx.mustCreate(b);
      A.eq((await ctx.state(b)).id, b.id, 'state.id');
    },
  },
  {
    id: 'state/field-types',
    spec: 'runtime.md state: ociVersion, id, status, bundle are strings and pid an int (schema/state-schema.json)',
    run: async (ctx) => {
      const b = ctx.bundle(); await ctx.mustCreate(b);
      const st = await ctx.state(b);
      for (const k of ['ociVersion', 'id', 'status', 'bundle']) A.eq(typeof st[k], 'string', `typeof state.${k}`);
      A.ok(Number.isInteger(st.pid), `state.pid: expected an integer, got ${A.show(st.pid)}`);
      if (st.annotations !== undefined) A.ok(st.annotations && typeof st.annotations === 'object' && !Array.isArray(st.annotations), `state.annotations: expected an object, got ${A.show(st.annotations)}`);
    },
  },
  {
    id: 'state/status-values',
    spec: 'runtime.md state: status is one of creating, created, running, stopped at every point of the lifecycle',
    run: async (ctx) => {
      const b = ctx.bundle((c) => { c.process.args = ['sh', '-c', 'sleep 0.5']; });
      await ctx.mustCreate(b);
      const seen = [(await ctx.state(b)).status];
      await ctx.mustStart(b);
      seen.push((await ctx.state(b)).status);
      A.ok(await ctx.waitExit(b), 'container did not exit');
      await P.sleep(50);
      seen.push((await ctx.state(b)).status);
      for (const s of seen) A.ok(STATUSES.includes(s), `state.status: expected one of ${STATUSES.join('|')}, got ${A.show(s)}`);
      A.deepEq(seen, ['created', 'running', 'stopped'], 'statuses after create, after start, after exit');
    },
  },
  {
    id: 'state/pid-created',
    spec: 'runtime.md state: pid (REQUIRED when status is created or running) is the container process ID, alive',
    run: async (ctx) => {
      const b = ctx.bundle(); await ctx.mustCreate(b);
      const st = await ctx.state(b);
      A.ok(Number.isInteger(st.pid) && st.pid > 0, `state.pid: expected a positive pid, got ${A.show(st.pid)}`);
      A.ok(P.alive(st.pid), `state.pid ${st.pid} is not a live process`);
    },
  },
  {
    id: 'state/pid-running',
    spec: 'runtime.md state: pid of a running container is the process running the user program (process.args)',
    run: async (ctx) => {
      const b = await ctx.startLong((c) => { c.process.args = ['sleep', '61']; });
      const st = await ctx.state(b);
      const cmd = (P.readText(`/proc/${st.pid}/cmdline`) || '').split('\0').filter(Boolean);
      A.deepEq(cmd, ['sleep', '61'], `cmdline of state.pid ${st.pid}`);
    },
  },
  {
    id: 'state/pid-stable-across-start',
    spec: 'runtime.md state: the container process of "created" is the one that runs the program after start (same pid)',
    run: async (ctx) => {
      const b = ctx.bundle(); await ctx.mustCreate(b);
      const p1 = (await ctx.state(b)).pid;
      await ctx.mustStart(b);
      const p2 = (await ctx.state(b)).pid;
      A.eq(p2, p1, 'state.pid after start vs after create');
    },
  },
  {
    id: 'state/pid-in-container-namespaces',
    spec: 'runtime.md state: pid is the container process as seen by the runtime: it lives in the container\'s new pid namespace',
    run: async (ctx) => {
      const b = ctx.bundle(); await ctx.mustCreate(b);
      const st = await ctx.state(b);
      const ns = P.nsLink(st.pid, 'pid');
      A.ok(ns && ns !== ctx.hostNs('pid'), `pid namespace of state.pid: expected a new one, got ${ns} (host ${ctx.hostNs('pid')})`);
    },
  },
  {
    id: 'state/bundle-absolute',
    spec: 'runtime.md state: bundle (string, REQUIRED) is the absolute path to the container\'s bundle directory',
    run: async (ctx) => {
      const b = ctx.bundle(); await ctx.mustCreate(b);
      A.eq((await ctx.state(b)).bundle, b.dir, 'state.bundle');
    },
  },
  {
    id: 'state/bundle-relative-arg',
    spec: 'runtime.md state: bundle is an absolute path even when create was given a relative --bundle',
    run: async (ctx) => {
      const b = ctx.bundle(null, { name: 'rel' });
      await ctx.mustCreate(b, { cwd: ctx.dir, bundleArg: 'rel' });
      const st = await ctx.state(b);
      A.ok(path.isAbsolute(st.bundle), `state.bundle: expected an absolute path, got ${A.show(st.bundle)}`);
      A.eq(st.bundle, b.dir, 'state.bundle');
    },
  },
  {
    id: 'state/stopped-keeps-id-bundle',
    spec: 'runtime.md state: a stopped container still reports id, status "stopped" and bundle until deleted',
    run: async (ctx) => {
      const b = ctx.bundle((c) => { c.process.args = ['true']; });
      await ctx.mustCreate(b); await ctx.mustStart(b);
      A.ok(await ctx.waitExit(b), 'container did not exit');
      await ctx.waitStatus(b, 'stopped');
      const st = await ctx.state(b);
      A.eq(st.id, b.id, 'state.id when stopped');
      A.eq(st.bundle, b.dir, 'state.bundle when stopped');
    },
  },
  {
    id: 'state/annotations-absent-or-empty',
    spec: 'runtime.md state: with no annotations in config, annotations MAY be absent or an empty map (nothing else)',
    run: async (ctx) => {
      const b = ctx.bundle((c) => { delete c.annotations; }); await ctx.mustCreate(b);
      const st = await ctx.state(b);
      if (st.annotations !== undefined) A.deepEq(st.annotations, {}, 'state.annotations');
    },
  },
];
