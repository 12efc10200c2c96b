'use strict';
// POSIX-platform hooks (config.md "Hooks", runtime.md "Lifecycle"): when each
// of the six hooks runs, in which namespace, with which state on stdin, and
// what a failing or hanging hook does.
//
// Every hook is one shell script in the case's host directory hk/. That
// directory is bind-mounted at the same absolute path inside the container,
// so the script path resolves both in the runtime and in the container
// namespace (startContainer hooks resolve their path in the container).
const fs = require('fs');
const A = require('../lib/assert');
const P = require('../lib/proc');

const HOOKS = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'];
const RUNTIME_NS = ['prestart', 'createRuntime', 'poststart', 'poststop'];
// Create-phase hooks run while create is under way, after the environment was
// created (lifecycle step 2): runtime.md defines "creating" as step 2 and
// "created" as after step 2, so both are accepted there, except for
// prestart, where the runtime-tools validation (hooks_stdin) requires "created".
const STATUS = {
  prestart: ['created'], createRuntime: ['creating', 'created'], createContainer: ['creating', 'created'],
  startContainer: ['created'], poststart: ['running'], poststop: ['stopped'],
};

const SCRIPT = `#!/bin/sh
# args: <dir> <name> [ok|fail|sleep]
d=$1; n=$2
cat > "$d/$n.state.json"
for t in mnt net uts ipc pid; do echo "$t $(readlink /proc/self/ns/$t)"; done > "$d/$n.ns"
shift 2
echo "$*" > "$d/$n.args"
env > "$d/$n.env"
echo "$n" >> "$d/order.log"
case "$1" in
  fail) exit 3 ;;
  sleep) exec sleep 30 ;;
esac
exit 0
`;

function setup(ctx) {
  const hk = ctx.hostDir('hk', { 'hook.sh': { content: SCRIPT, mode: 0o755 } });
  const h = {
    hk,
    hook: (name, action, extra = {}) => Object.assign({
      path: `${hk}/hook.sh`, args: ['hook.sh', hk, name].concat(action ? [action] : []),
      env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', ctx.envEntry],
    }, extra),
    order: () => (P.readText(`${hk}/order.log`) || '').split('\n').filter(Boolean),
    ran: (name) => fs.existsSync(`${hk}/${name}.ns`),
    state: (name) => {
      const t = P.readText(`${hk}/${name}.state.json`);
      if (t === null) A.fail(`${name} hook did not run (no state recorded)`);
      try { return JSON.parse(t); } catch (e) { return A.fail(`${name} hook stdin: expected the state JSON, got ${A.show(t)}`); }
    },
    ns: (name) => {
      const t = P.readText(`${hk}/${name}.ns`);
      if (t === null) A.fail(`${name} hook did not run`);
      return Object.fromEntries(t.trim().split('\n').map((l) => l.split(' ')));
    },
  };
  // the container's program logs "process" to the same order log
  h.config = (hooks, args) => (c) => {
    c.hooks = hooks;
    c.mounts.push({ destination: hk, type: 'bind', source: hk, options: ['rbind'] });
    c.process.args = ['sh', '-c', args || `echo process >> ${hk}/order.log; sleep 60`];
  };
  return h;
}

// a bundle with one hook of type `name`; returns {h, b}
function oneHook(ctx, name, action, extra, args) {
  const h = setup(ctx);
  const b = ctx.bundle(h.config({ [name]: [h.hook(name, action, extra)] }, args), { copyRootfs: true });
  return { h, b };
}

// drive the whole lifecycle: create, start, (program exits), delete
async function fullLifecycle(ctx, name) {
  const { h, b } = oneHook(ctx, name, null, {}, `echo process >> ${setupDir(ctx)}/order.log; sleep 0.3`);
  await ctx.mustCreate(b);
  await ctx.mustStart(b);
  A.ok(await ctx.waitExit(b), 'container did not exit');
  await ctx.waitStatus(b, 'stopped');
  A.succeeded(await ctx.delete(b), 'delete');
  return { h, b };
}
const setupDir = (ctx) => ctx.path('hk');

function whenCase(name) {
  const check = {
    prestart: 'MUST be called as part of create, before the user program (after create returns it has run, the program has not)',
    createRuntime: 'MUST be called as part of create, before pivot_root and before the user program',
    createContainer: 'MUST be called as part of create, after createRuntime, before the user program',
    startContainer: 'MUST be called as part of start, before the user-specified process is executed',
    poststart: 'MUST be called after the user-specified process is executed but before start returns',
    poststop: 'MUST be called after the container is deleted but before delete returns',
  }[name];
  return {
    id: `hooks/${name}-when`,
    spec: `config.md hooks ${name}: ${check}`,
    run: async (ctx) => {
      const args = name === 'poststop' ? `echo process >> ${ctx.path('hk')}/order.log; sleep 0.3` : undefined;
      const { h, b } = oneHook(ctx, name, null, {}, args);
      await ctx.mustCreate(b);
      const afterCreate = h.order();
      if (['prestart', 'createRuntime', 'createContainer'].includes(name)) {
        A.deepEq(afterCreate, [name], 'order log when create returned');
        return;
      }
      A.deepEq(afterCreate, [], 'order log when create returned (hook must not have run yet)');
      await ctx.mustStart(b);
      if (name === 'startContainer') {
        await P.waitFor(() => h.order().includes('process'), 5000);
        A.deepEq(h.order(), ['startContainer', 'process'], 'order log after start');
      } else if (name === 'poststart') {
        A.ok(h.order().includes('poststart'), `poststart hook had not run when start returned: ${A.show(h.order())}`);
      } else {
        A.ok(await ctx.waitExit(b), 'container did not exit');
        await ctx.waitStatus(b, 'stopped');
        A.deepEq(h.order(), ['process'], 'order log before delete');
        A.succeeded(await ctx.delete(b), 'delete');
        A.deepEq(h.order(), ['process', 'poststop'], 'order log when delete returned');
      }
    },
  };
}

function nsCase(name) {
  const rt = RUNTIME_NS.includes(name);
  return {
    id: `hooks/${name}-namespace`,
    spec: `config.md hooks ${name}: MUST be executed in the ${rt ? 'runtime' : 'container'} namespace`,
    run: async (ctx) => {
      const { h, b } = oneHook(ctx, name, null, {}, name === 'poststop' ? `echo process >> ${ctx.path('hk')}/order.log; sleep 0.5` : undefined);
      await ctx.mustCreate(b);
      const containerNs = {};
      for (const t of ['mnt', 'net', 'uts', 'ipc', 'pid']) containerNs[t] = P.nsLink(b.pid, t);
      if (name !== 'prestart' && name !== 'createRuntime' && name !== 'createContainer') await ctx.mustStart(b);
      if (name === 'poststop') {
        A.ok(await ctx.waitExit(b), 'container did not exit');
        await ctx.waitStatus(b, 'stopped');
        A.succeeded(await ctx.delete(b), 'delete');
      }
      await P.waitFor(() => h.ran(name), 3000);
      const got = h.ns(name);
      // the runtime namespace is checked through net/uts/ipc/pid: the mount
      // namespace of a runtime may legitimately be a private one of its own
      const types = rt ? ['net', 'uts', 'ipc', 'pid'] : ['mnt', 'net', 'uts', 'ipc'];
      for (const t of types) {
        const want = rt ? ctx.hostNs(t) : containerNs[t];
        A.eq(got[t], want, `${t} namespace of the ${name} hook (${rt ? 'runtime' : 'container'}'s)`);
      }
    },
  };
}

function stateCase(name) {
  return {
    id: `hooks/${name}-state`,
    spec: `config.md hooks: the container state MUST be passed to hooks over stdin (${name}: status ${STATUS[name].join(' or ')}, id, bundle, pid as seen by the host)`,
    run: async (ctx) => {
      let b; let h;
      if (name === 'poststop') ({ h, b } = await fullLifecycle(ctx, name));
      else {
        ({ h, b } = oneHook(ctx, name));
        await ctx.mustCreate(b);
        if (!['prestart', 'createRuntime', 'createContainer'].includes(name)) await ctx.mustStart(b);
        await P.waitFor(() => h.ran(name), 3000);
      }
      const st = h.state(name);
      A.eq(st.id, b.id, `${name} state.id`);
      A.eq(st.bundle, b.dir, `${name} state.bundle`);
      A.eq(typeof st.ociVersion, 'string', `${name} typeof state.ociVersion`);
      A.ok(STATUS[name].includes(st.status), `${name} state.status: expected ${STATUS[name].join(' or ')}, got ${A.show(st.status)}`);
      // runtime.md state.pid: "the ID of the container process, as seen by
      // the host", whichever namespace the hook runs in.
      if (name !== 'poststop') A.eq(st.pid, b.pid, `${name} state.pid (the container process as seen by the host)`);
    },
  };
}

function failCase(name) {
  const early = ['prestart', 'createRuntime', 'createContainer'].includes(name);
  const spec = {
    prestart: 'if any prestart hook fails, the runtime MUST generate an error and stop the container (program never runs)',
    createRuntime: 'if any createRuntime hook fails, the runtime MUST generate an error and stop the container',
    createContainer: 'if any createContainer hook fails, the runtime MUST generate an error and stop the container',
    startContainer: 'if any startContainer hook fails, the runtime MUST generate an error and stop the container (the program never runs; how the error is reported is not mandated, so start may exit 0)',
    poststart: 'if any poststart hook fails, the runtime MUST log a warning; the lifecycle continues as if it succeeded',
    poststop: 'if any poststop hook fails, the runtime MUST log a warning; the lifecycle continues as if it succeeded',
  }[name];
  return {
    id: `hooks/${name}-fails`,
    spec: `runtime.md lifecycle: ${spec}`,
    run: async (ctx) => {
      const { h, b } = oneHook(ctx, name, 'fail', {}, name === 'poststop' ? `echo process >> ${ctx.path('hk')}/order.log; sleep 0.3` : undefined);
      if (early) {
        A.failed(await ctx.create(b), `create with a failing ${name} hook`);
        A.ok(h.ran(name), `the ${name} hook did not run`);
        await P.sleep(200);
        A.ok(!h.order().includes('process'), 'the user program ran');
        A.deepEq(P.pidsWithEnv(ctx.envEntry), [], 'container processes left after the failed create');
        const st = await ctx.rt(['state', b.id]);
        if (st.code === 0) A.eq(JSON.parse(st.stdout).status, 'stopped', 'status after a failed create');
        return;
      }
      await ctx.mustCreate(b);
      if (name === 'startContainer') {
        await ctx.start(b);
        A.ok(await P.waitFor(() => h.ran(name), 3000), 'the startContainer hook did not run');
        await P.sleep(300);
        A.ok(!h.order().includes('process'), 'the user program ran despite the failing startContainer hook');
        A.ok(await P.waitFor(() => !P.alive(b.pid), 3000), 'container process still alive (the container must be stopped)');
        const st = await ctx.rt(['state', b.id]);
        if (st.code === 0) A.eq(JSON.parse(st.stdout).status, 'stopped', 'status after a failing startContainer hook');
      } else if (name === 'poststart') {
        A.succeeded(await ctx.start(b), 'start with a failing poststart hook');
        await P.waitFor(() => h.order().includes('process'), 3000);
        A.ok(h.order().includes('process'), 'the user program did not run');
        A.ok(P.alive(b.pid), 'container process killed after a failing poststart hook');
        A.eq((await ctx.state(b)).status, 'running', 'status after a failing poststart hook');
      } else {
        await ctx.mustStart(b);
        A.ok(await ctx.waitExit(b), 'container did not exit');
        await ctx.waitStatus(b, 'stopped');
        A.succeeded(await ctx.delete(b), 'delete with a failing poststop hook');
        A.ok(h.ran('poststop'), 'the poststop hook did not run');
        A.failed(await ctx.rt(['state', b.id]), 'state after delete (container must be gone)');
      }
    },
  };
}

module.exports = [].concat(
  HOOKS.map(whenCase), HOOKS.map(nsCase), HOOKS.map(stateCase), HOOKS.map(failCase),
  [
    {
      id: 'hooks/all-in-lifecycle-order',
      spec: 'runtime.md lifecycle: prestart, createRuntime, createContainer (create), startContainer, program, poststart (start), poststop (delete)',
      run: async (ctx) => {
        const h = setup(ctx);
        const hooks = Object.fromEntries(HOOKS.map((n) => [n, [h.hook(n)]]));
        const b = ctx.bundle(h.config(hooks, `echo process >> ${h.hk}/order.log; sleep 0.3`), { copyRootfs: true });
        await ctx.mustCreate(b);
        A.deepEq(h.order(), ['prestart', 'createRuntime', 'createContainer'], 'order log after create');
        await ctx.mustStart(b);
        A.ok(await ctx.waitExit(b), 'container did not exit');
        await ctx.waitStatus(b, 'stopped');
        const o = h.order();
        A.deepEq(o.slice(0, 4), ['prestart', 'createRuntime', 'createContainer', 'startContainer'], 'order log after start');
        A.deepEq(o.slice(4).sort(), ['poststart', 'process'], 'program and poststart after startContainer');
        A.succeeded(await ctx.delete(b), 'delete');
        A.eq(h.order().pop(), 'poststop', 'last entry after delete');
      },
    },
    {
      id: 'hooks/listed-order',
      spec: 'config.md hooks: hooks MUST be executed in the listed order',
      run: async (ctx) => {
        const h = setup(ctx);
        const b = ctx.bundle(h.config({ createRuntime: ['first', 'second', 'third'].map((n) => h.hook(n)) }), { copyRootfs: true });
        await ctx.mustCreate(b);
        A.deepEq(h.order(), ['first', 'second', 'third'], 'order log of three createRuntime hooks');
      },
    },
    {
      id: 'hooks/args-and-env',
      spec: 'config.md hooks: args and env have execv argv and environ semantics',
      run: async (ctx) => {
        const h = setup(ctx);
        const hook = h.hook('argenv');
        hook.args = hook.args.concat(['x y', 'z']);
        hook.env = hook.env.concat(['CONF_HOOK_VAR=hook value']);
        const b = ctx.bundle(h.config({ createRuntime: [hook] }), { copyRootfs: true });
        await ctx.mustCreate(b);
        A.eq(P.readText(`${h.hk}/argenv.args`), 'x y z\n', 'hook arguments after <dir> <name>');
        const env = (P.readText(`${h.hk}/argenv.env`) || '').split('\n');
        A.ok(env.includes('CONF_HOOK_VAR=hook value'), `hook environment: expected CONF_HOOK_VAR=hook value, got ${A.show(env.join(' '))}`);
        A.ok(!env.some((l) => l.startsWith('CONFORMANCE_HOST_ONLY=')), 'hook environment contains the runtime caller\'s variables');
      },
    },
    {
      id: 'hooks/timeout',
      spec: 'config.md hooks.timeout: the number of seconds before aborting the hook (a hanging createRuntime hook fails create)',
      timeout: 40,
      run: async (ctx) => {
        const h = setup(ctx);
        const b = ctx.bundle(h.config({ createRuntime: [h.hook('slow', 'sleep', { timeout: 1 })] }), { copyRootfs: true });
        const t = Date.now();
        const r = await ctx.create(b);
        const took = Date.now() - t;
        A.ok(h.ran('slow'), 'the hook did not run');
        A.failed(r, 'create with a createRuntime hook that outlives its timeout');
        A.ok(took < 10000, `create took ${took} ms: the 1 s hook timeout was not enforced (the hook sleeps 30 s)`);
      },
    },
  ],
);
