'use strict';
// Lifecycle operations (runtime.md "Operations" and "Lifecycle") and the CLI
// conventions callers rely on (exit codes, the pid file).
const fs = require('fs');
const path = require('path');
const A = require('../lib/assert');
const P = require('../lib/proc');

// A container whose process records that it ran, then traps signals.
function trapScript(ctx) {
  return `echo started >> ${ctx.OUT}/ran; trap 'echo TERM > ${ctx.OUT}/sig; exit 0' TERM; ` +
    `trap 'echo USR1 >> ${ctx.OUT}/sig' USR1; while :; do sleep 0.1; done`;
}

async function trapContainer(ctx) {
  const b = await ctx.startLong((c) => { ctx.withOut(c); c.process.args = ['sh', '-c', trapScript(ctx)]; });
  const ready = await P.waitFor(() => ctx.outFile('ran'), 5000);
  A.ok(ready, 'container process did not start (no output from it after start)');
  return b;
}

module.exports = [
  {
    id: 'lifecycle/create-status-created',
    spec: 'runtime.md create: the container is created; state reports status "created"',
    run: async (ctx) => {
      const b = ctx.bundle();
      await ctx.mustCreate(b);
      const st = await ctx.state(b);
      A.eq(st.status, 'created', 'state.status after create');
    },
  },
  {
    id: 'lifecycle/create-does-not-run-args',
    spec: 'runtime.md create: process.args MUST NOT be applied until triggered by start',
    run: async (ctx) => {
      const b = ctx.bundle((c) => { ctx.withOut(c); c.process.args = ['sh', '-c', `echo ran > ${ctx.OUT}/ran; sleep 60`]; });
      await ctx.mustCreate(b);
      await P.sleep(400);
      A.eq(ctx.outFile('ran'), null, 'user program output after create (before start)');
    },
  },
  {
    id: 'lifecycle/start-runs-args',
    spec: 'runtime.md start: MUST run the user-specified program as specified by process',
    run: async (ctx) => {
      const b = ctx.bundle((c) => { ctx.withOut(c); c.process.args = ['sh', '-c', `echo ran > ${ctx.OUT}/ran; sleep 60`]; });
      await ctx.mustCreate(b);
      await ctx.mustStart(b);
      const got = await P.waitFor(() => ctx.outFile('ran'), 5000);
      A.eq(got, 'ran\n', 'output of the user program after start');
    },
  },
  {
    id: 'lifecycle/start-status-running',
    spec: 'runtime.md state: status "running" after start while the process has not exited',
    run: async (ctx) => {
      const b = await ctx.startLong();
      const st = await ctx.state(b);
      A.eq(st.status, 'running', 'state.status after start');
    },
  },
  {
    id: 'lifecycle/start-returns-while-running',
    spec: 'runtime.md start: start runs the program and returns; it does not wait for the container to exit',
    run: async (ctx) => {
      const b = ctx.bundle((c) => { c.process.args = ['sleep', '30']; });
      await ctx.mustCreate(b);
      const t = Date.now();
      await ctx.mustStart(b);
      A.ok(Date.now() - t < 8000, `start: expected to return while the container runs, took ${Date.now() - t} ms`);
      A.ok(P.alive(b.pid), 'container process not alive after start returned');
    },
  },
  {
    id: 'lifecycle/exit-status-stopped',
    spec: 'runtime.md state: status "stopped" once the container process has exited',
    run: async (ctx) => {
      const b = ctx.bundle((c) => { c.process.args = ['true']; });
      await ctx.mustCreate(b);
      await ctx.mustStart(b);
      A.ok(await ctx.waitExit(b), 'container process did not exit');
      await ctx.waitStatus(b, 'stopped', 5000);
    },
  },
  {
    id: 'lifecycle/stdio-passthrough',
    spec: 'config.md process.terminal false: the container process inherits the stdio of the runtime invocation',
    run: async (ctx) => {
      const r = await ctx.runToExit((c) => { c.process.args = ['sh', '-c', 'echo to-stdout; echo to-stderr >&2']; });
      A.includes(r.stdout, 'to-stdout', 'create stdout');
      A.includes(r.stderr, 'to-stderr', 'create stderr');
    },
  },
  {
    id: 'lifecycle/kill-sigterm',
    spec: 'runtime.md kill: MUST send the specified signal (15, SIGTERM) to the container process',
    run: async (ctx) => {
      const b = await trapContainer(ctx);
      A.succeeded(await ctx.kill(b, '15'), 'kill 15');
      const got = await P.waitFor(() => ctx.outFile('sig'), 5000);
      A.eq(got, 'TERM\n', 'signal seen by the container process');
      A.ok(await ctx.waitExit(b, 5000), 'process did not exit after its TERM handler');
      await ctx.waitStatus(b, 'stopped');
    },
  },
  {
    id: 'lifecycle/kill-usr1-delivered',
    spec: 'runtime.md kill: MUST send the specified signal (10, SIGUSR1) to the container process',
    run: async (ctx) => {
      const b = await trapContainer(ctx);
      A.succeeded(await ctx.kill(b, '10'), 'kill 10');
      const got = await P.waitFor(() => ctx.outFile('sig'), 5000);
      A.eq(got, 'USR1\n', 'signal seen by the container process');
      A.ok(P.alive(b.pid), 'container process died from a handled SIGUSR1');
    },
  },
  {
    id: 'lifecycle/kill-sigkill-numeric',
    spec: 'runtime.md kill: signal 9 kills a running container; status becomes "stopped"',
    run: async (ctx) => {
      const b = await ctx.startLong();
      A.succeeded(await ctx.kill(b, '9'), 'kill 9');
      A.ok(await ctx.waitExit(b, 5000), 'process still alive after kill 9');
      await ctx.waitStatus(b, 'stopped');
    },
  },
  {
    id: 'lifecycle/kill-signal-by-name',
    spec: 'runtime CLI (runtime-tools command-line-interface): kill accepts a signal name (KILL)',
    run: async (ctx) => {
      const b = await ctx.startLong();
      A.succeeded(await ctx.kill(b, 'KILL'), 'kill KILL');
      A.ok(await ctx.waitExit(b, 5000), 'process still alive after kill KILL');
    },
  },
  {
    id: 'lifecycle/kill-created',
    spec: 'runtime.md kill: a signal MAY be sent to a container in the "created" state',
    run: async (ctx) => {
      const b = ctx.bundle();
      await ctx.mustCreate(b);
      A.succeeded(await ctx.kill(b, '9'), 'kill 9 of a created container');
      A.ok(await ctx.waitExit(b, 5000), 'created container process still alive after kill 9');
      await ctx.waitStatus(b, 'stopped');
    },
  },
  {
    id: 'lifecycle/kill-stopped-fails',
    spec: 'runtime.md kill: signalling a container that is neither created nor running MUST generate an error',
    run: async (ctx) => {
      const b = ctx.bundle((c) => { c.process.args = ['true']; });
      await ctx.mustCreate(b);
      await ctx.mustStart(b);
      A.ok(await ctx.waitExit(b), 'container did not exit');
      await ctx.waitStatus(b, 'stopped');
      A.failed(await ctx.kill(b, '9'), 'kill 9 of a stopped container');
      await ctx.waitStatus(b, 'stopped');
    },
  },
  {
    id: 'lifecycle/start-twice-fails',
    spec: 'runtime.md start: starting a container that is not "created" MUST have no effect and MUST generate an error',
    run: async (ctx) => {
      const b = ctx.bundle((c) => { ctx.withOut(c); c.process.args = ['sh', '-c', `echo x >> ${ctx.OUT}/ran; sleep 60`]; });
      await ctx.mustCreate(b);
      await ctx.mustStart(b);
      await P.waitFor(() => ctx.outFile('ran'), 5000);
      A.failed(await ctx.start(b), 'second start');
      await P.sleep(200);
      A.eq(ctx.outFile('ran'), 'x\n', 'the program ran once');
      A.ok(P.alive(b.pid), 'container process must survive the failed start');
      A.eq((await ctx.state(b)).status, 'running', 'status after a failed second start');
    },
  },
  {
    id: 'lifecycle/start-stopped-fails',
    spec: 'runtime.md start: starting a stopped container MUST generate an error',
    run: async (ctx) => {
      const b = ctx.bundle((c) => { c.process.args = ['true']; });
      await ctx.mustCreate(b);
      await ctx.mustStart(b);
      A.ok(await ctx.waitExit(b), 'container did not exit');
      await ctx.waitStatus(b, 'stopped');
      A.failed(await ctx.start(b), 'start of a stopped container');
    },
  },
  {
    id: 'lifecycle/delete-stopped',
    spec: 'runtime.md delete: deleting a stopped container removes it; state then fails',
    run: async (ctx) => {
      const b = ctx.bundle((c) => { c.process.args = ['true']; });
      await ctx.mustCreate(b);
      await ctx.mustStart(b);
      A.ok(await ctx.waitExit(b), 'container did not exit');
      await ctx.waitStatus(b, 'stopped');
      A.succeeded(await ctx.delete(b), 'delete');
      A.failed(await ctx.rt(['state', b.id]), 'state after delete');
      A.ok(!fs.existsSync(path.join(ctx.stateRoot, b.id)), `state directory ${b.id} still in --root after delete`);
    },
  },
  {
    id: 'lifecycle/delete-running-fails',
    spec: 'runtime.md delete: deleting a container that is not stopped MUST have no effect and MUST generate an error',
    run: async (ctx) => {
      const b = await ctx.startLong();
      A.failed(await ctx.delete(b), 'delete of a running container');
      A.ok(P.alive(b.pid), 'running container process killed by a failed delete');
      A.eq((await ctx.state(b)).status, 'running', 'status after a failed delete');
    },
  },
  {
    id: 'lifecycle/delete-created-fails',
    spec: 'runtime.md delete: deleting a container that is not stopped ("created") MUST have no effect and MUST generate an error',
    run: async (ctx) => {
      const b = ctx.bundle();
      await ctx.mustCreate(b);
      A.failed(await ctx.delete(b), 'delete of a created container');
      A.ok(P.alive(b.pid), 'created container process killed by delete');
      A.eq((await ctx.state(b)).status, 'created', 'status after a refused delete');
    },
  },
  {
    id: 'lifecycle/delete-force-running',
    spec: 'runtime CLI (runc-compatible): delete --force kills and deletes a running container',
    run: async (ctx) => {
      const b = await ctx.startLong();
      A.succeeded(await ctx.delete(b, true), 'delete --force');
      A.ok(await P.waitFor(() => !P.alive(b.pid), 5000), 'container process alive after delete --force');
      A.failed(await ctx.rt(['state', b.id]), 'state after delete --force');
    },
  },
  {
    id: 'lifecycle/delete-removes-process',
    spec: 'runtime.md delete: MUST delete the resources created during create (no process left for a created container deleted with --force)',
    run: async (ctx) => {
      const b = ctx.bundle();
      await ctx.mustCreate(b);
      A.succeeded(await ctx.delete(b, true), 'delete --force of a created container');
      A.ok(await P.waitFor(() => !P.alive(b.pid), 5000), `container init ${b.pid} alive after delete`);
      A.ok(!fs.existsSync(path.join(ctx.stateRoot, b.id)), 'state directory left in --root after delete');
    },
  },
  {
    id: 'lifecycle/create-duplicate-id-fails',
    spec: 'runtime.md create: if the ID is not unique the runtime MUST generate an error and MUST NOT create a new container',
    run: async (ctx) => {
      const b = ctx.bundle();
      await ctx.mustCreate(b);
      const b2 = ctx.bundle(null, { name: 'b2', id: b.id });
      const r = await ctx.create(b2);
      A.failed(r, 'second create with the same id');
      const st = await ctx.state(b);
      A.eq(st.pid, b.pid, 'pid of the first container after the duplicate create');
      A.eq(st.bundle, b.dir, 'bundle of the first container after the duplicate create');
      A.ok(P.alive(b.pid), 'first container process killed by the duplicate create');
    },
  },
  {
    id: 'lifecycle/id-reusable-after-delete',
    spec: 'runtime.md delete: once a container is deleted its ID MAY be used by a subsequent container',
    run: async (ctx) => {
      const b = ctx.bundle();
      await ctx.mustCreate(b);
      A.succeeded(await ctx.delete(b, true), 'delete --force');
      const b2 = ctx.bundle(null, { name: 'b2', id: b.id });
      await ctx.mustCreate(b2);
      A.eq((await ctx.state(b2)).status, 'created', 'status of the new container with the reused id');
    },
  },
  {
    id: 'lifecycle/state-unknown-id-fails',
    spec: 'runtime.md state: querying a container that does not exist MUST generate an error',
    run: async (ctx) => { A.failed(await ctx.rt(['state', ctx.id + '-none']), 'state of an unknown id'); },
  },
  {
    id: 'lifecycle/start-unknown-id-fails',
    spec: 'runtime.md start: MUST generate an error if not given the ID of an existing container',
    run: async (ctx) => { A.failed(await ctx.rt(['start', ctx.id + '-none']), 'start of an unknown id'); },
  },
  {
    id: 'lifecycle/kill-unknown-id-fails',
    spec: 'runtime.md kill: MUST generate an error if not given the ID of an existing container',
    run: async (ctx) => { A.failed(await ctx.rt(['kill', ctx.id + '-none', '9']), 'kill of an unknown id'); },
  },
  {
    id: 'lifecycle/delete-unknown-id-fails',
    spec: 'runtime.md delete: MUST generate an error if not given the ID of an existing container',
    run: async (ctx) => { A.failed(await ctx.rt(['delete', ctx.id + '-none']), 'delete of an unknown id'); },
  },
  {
    id: 'lifecycle/delete-force-unknown-ok',
    spec: 'runtime CLI (runc-compatible, relied on by containerd/podman): delete --force of a missing container exits 0',
    run: async (ctx) => { A.succeeded(await ctx.rt(['delete', '--force', ctx.id + '-none']), 'delete --force of an unknown id'); },
  },
  {
    id: 'lifecycle/pid-file',
    spec: 'runtime CLI: create --pid-file writes the container process pid, the same pid that state reports',
    run: async (ctx) => {
      const b = ctx.bundle();
      const r = await ctx.create(b);
      A.succeeded(r, 'create --pid-file');
      const txt = P.readText(b.pidFile);
      A.ok(txt !== null, `pid file ${b.pidFile} not written`);
      A.match(txt.trim(), /^\d+$/, 'pid file content');
      const st = await ctx.state(b);
      A.eq(Number(txt.trim()), st.pid, 'pid file vs state.pid');
      A.ok(P.alive(st.pid), `pid ${st.pid} from the pid file is not a live process`);
    },
  },
  {
    id: 'lifecycle/run-exit-code',
    spec: 'runtime CLI (runc-compatible): run in the foreground exits with the container process exit status',
    run: async (ctx) => {
      const b = ctx.bundle((c) => { c.process.args = ['sh', '-c', 'exit 7']; });
      ctx.ids.add(b.id);
      const r = await ctx.rt(['run', '--bundle', b.dir, b.id], { timeoutMs: 15000 });
      A.eq(r.code, 7, 'exit code of run');
    },
  },
  {
    id: 'lifecycle/unknown-command-fails',
    spec: 'runtime CLI (runtime-tools command-line-interface): an unknown command MUST exit non-zero',
    run: async (ctx) => { A.failed(await ctx.rt(['no-such-command-xyz']), 'unknown command'); },
  },
  {
    id: 'lifecycle/version',
    spec: 'runtime CLI (runc-compatible): --version exits 0 and prints "<name> version X" and the spec version',
    run: async (ctx) => {
      const r = await ctx.rt(['--version']);
      A.succeeded(r, '--version');
      A.match(r.stdout, /^\S+ version \S+/m, '--version output');
      A.match(r.stdout, /^spec: \d+\.\d+\.\d+/m, '--version output spec line');
    },
  },
];
