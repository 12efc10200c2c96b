'use strict';
// The OCI lifecycle on bundles/busybox: create, state, start, kill, delete
// and run, with runc's statuses, state JSON, exit codes and error strings.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const h = require('../helpers');

const skip = !h.isRoot && 'integration tests run real containers and need root';

test('create, state, start, kill, delete', { skip }, async (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const bundle = h.makeBundle();
  const id = h.uniqueId();
  const pidFile = path.join(bundle, 'init.pid');
  const r = rt(['create', '--bundle', bundle, '--pid-file', pidFile, id]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');

  const created = rt.state(id);
  assert.equal(created.status, 'created');
  assert.equal(created.id, id);
  assert.equal(created.bundle, bundle);
  assert.equal(created.rootfs, h.ROOTFS);
  assert.ok(created.pid > 0);
  assert.equal(fs.readFileSync(pidFile, 'utf8'), String(created.pid));
  assert.match(created.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/);
  assert.deepEqual(Object.keys(created), ['ociVersion', 'id', 'pid', 'status', 'bundle', 'rootfs', 'created', 'owner']);
  // The init waits in its own pid namespace, as pid 1 there.
  assert.match(fs.readFileSync(`/proc/${created.pid}/status`, 'utf8'), /NSpid:\s+\d+\s+1\n/);
  assert.ok(fs.existsSync(path.join(rt.root, id, 'exec.fifo')));

  assert.equal(rt(['start', id]).status, 0);
  const running = rt.state(id);
  assert.equal(running.status, 'running');
  assert.equal(running.pid, created.pid, 'the container process replaces the init in place');
  assert.equal(fs.readFileSync(`/proc/${running.pid}/comm`, 'utf8').trim(), 'sleep');

  const k = rt(['kill', id, 'KILL']);
  assert.equal(k.status, 0, k.stderr);
  await h.until(() => rt.state(id).status === 'stopped');
  const stopped = rt.state(id);
  assert.equal(stopped.status, 'stopped');
  assert.equal(stopped.pid, 0);

  assert.equal(rt(['delete', id]).status, 0);
  const gone = rt(['state', id]);
  assert.equal(gone.status, 1);
  assert.match(gone.stderr, /container does not exist/);
  h.assertNothingLeft(assert, rt, id, bundle);
});

test('run waits for the process and exits with its status', { skip }, () => {
  const rt = h.runtime();
  const bundle = h.makeBundle((c) => { c.process.args = ['sh', '-c', 'echo out; echo err >&2; exit 3']; });
  const id = h.uniqueId();
  const r = rt(['run', '--bundle', bundle, id]);
  rt.cleanup();
  assert.equal(r.status, 3);
  assert.equal(r.stdout, 'out\n');
  assert.equal(r.stderr, 'err\n');
  assert.equal(fs.existsSync(path.join(rt.root, id)), false, 'run deletes the container after it exits');
});

test('run of the default bundle prints its hostname, pid 1 and its mounts', { skip }, () => {
  const rt = h.runtime();
  const r = h.cli('tsrun', rt.root, ['run', '--bundle', h.BUSYBOX, h.uniqueId()]);
  rt.cleanup();
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^hostname: tsrun\npid: 1\nmounts:\n/);
  assert.match(r.stdout, /\nproc \/proc proc /);
  assert.match(r.stdout, /\ntmpfs \/dev tmpfs rw,nosuid/);
  assert.match(r.stdout, /\ndevpts \/dev\/pts devpts rw,nosuid,noexec,relatime,gid=5,mode=620,ptmxmode=666 /);
  assert.match(r.stdout, /\nshm \/dev\/shm tmpfs rw,nosuid,nodev,noexec,relatime,size=65536k /);
  assert.match(r.stdout, /\nmqueue \/dev\/mqueue mqueue rw,nosuid,nodev,noexec,relatime /);
  assert.match(r.stdout, /\nsysfs \/sys sysfs ro,nosuid,nodev,noexec,relatime /);
  assert.match(r.stdout, /\ncgroup \/sys\/fs\/cgroup\/\S+ cgroup ro,nosuid,nodev,noexec,relatime,/);
  assert.match(r.stdout, /\nproc \/proc\/sys proc ro,/, 'readonlyPaths');
  assert.match(r.stdout, /\ntmpfs \/proc\/acpi tmpfs ro,/, 'maskedPaths');
});

test('run --keep keeps the stopped container; run --detach returns at once', { skip }, async (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const bundle = h.makeBundle((c) => { c.process.args = ['true']; });
  const kept = h.uniqueId();
  assert.equal(rt(['run', '--keep', '--bundle', bundle, kept]).status, 0);
  assert.equal(rt.state(kept).status, 'stopped');
  const detached = h.uniqueId();
  const sleeper = h.makeBundle();
  const r = rt(['run', '--detach', '--bundle', sleeper, detached]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(rt.state(detached).status, 'running');
});

test('run forwards signals to the container process', { skip }, async (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const bundle = h.makeBundle((c) => { c.process.args = ['sh', '-c', 'trap "exit 42" TERM; echo ready; while :; do sleep 0.1; done']; });
  const child = h.spawn(h.TSRUN, ['--root', rt.root, 'run', '--bundle', bundle, h.uniqueId()], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  await h.until(() => out.includes('ready'));
  child.kill('SIGTERM');
  const code = await new Promise((resolve) => child.on('exit', (c) => resolve(c)));
  assert.equal(code, 42);
});

test('start does not hang when the init dies before it opens its end of the exec fifo', { skip, timeout: 20000 }, async (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const id = h.uniqueId();
  assert.equal(rt(['create', '--bundle', h.makeBundle(), id]).status, 0);
  const { pid } = rt.state(id);
  // Stopped, the init cannot open the fifo when start opens it; killed
  // meanwhile, it never will.
  process.kill(pid, 'SIGSTOP');
  const child = h.spawn(h.TSRUN, ['--root', rt.root, 'start', id], { stdio: ['ignore', 'ignore', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  const exited = new Promise((resolve) => child.on('exit', (c) => resolve(c)));
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  // Until one of start's threads waits in the fifo's open for the init.
  const inFifoOpen = () => {
    try {
      return fs.readdirSync(`/proc/${child.pid}/task`).some((tid) => fs.readFileSync(`/proc/${child.pid}/task/${tid}/wchan`, 'utf8') === 'wait_for_partner');
    } catch { return false; }
  };
  assert.ok(await h.until(inFifoOpen), 'start never blocked in the fifo open');
  process.kill(pid, 'SIGKILL');
  const code = await exited;
  assert.equal(code, 1);
  assert.match(err, /cannot start a container that has stopped/);
  assert.equal(rt.state(id).status, 'stopped');
});

test('errors of the lifecycle use runc\'s words and exit 1', { skip }, async (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const bundle = h.makeBundle();
  const id = h.uniqueId();
  for (const args of [['state', 'nope'], ['start', 'nope'], ['kill', 'nope'], ['delete', 'nope']]) {
    const r = rt(args);
    assert.equal(r.status, 1, args.join(' '));
    assert.match(r.stderr, /msg="container does not exist"/, args.join(' '));
  }
  assert.equal(rt(['delete', '--force', 'nope']).status, 0, 'delete --force of a missing container succeeds');
  assert.match(rt(['create', '--bundle', bundle, '../x']).stderr, /invalid container ID format/);
  assert.equal(rt(['create', '--bundle', bundle, id]).status, 0);
  const dup = rt(['create', '--bundle', bundle, id]);
  assert.equal(dup.status, 1);
  assert.match(dup.stderr, /container with given ID already exists/);
  assert.equal(rt.state(id).status, 'created', 'a duplicate create leaves the first container alone');
  assert.match(rt(['kill', id, 'FOO']).stderr, /unknown signal \\"FOO\\"/);
  assert.equal(rt(['start', id]).status, 0);
  const again = rt(['start', id]);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /cannot start an already running container/);
  const del = rt(['delete', id]);
  assert.equal(del.status, 1);
  assert.match(del.stderr, new RegExp(`cannot delete container ${id} that is not stopped: running`));
  assert.equal(rt(['kill', id, '9']).status, 0);
  await h.until(() => rt.state(id).status === 'stopped');
  const k = rt(['kill', id, 'TERM']);
  assert.equal(k.status, 1);
  assert.match(k.stderr, /container not running/);
  assert.equal(rt(['kill', '--all', id, 'TERM']).status, 0, 'kill --all of a stopped container succeeds');
  assert.match(rt(['start', id]).stderr, /cannot start a container that has stopped/);
  assert.equal(rt(['delete', id]).status, 0);
});

test('delete of a created container kills its init; delete --force of a running one', { skip }, async (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const bundle = h.makeBundle();
  const a = h.uniqueId();
  assert.equal(rt(['create', '--bundle', bundle, a]).status, 0);
  const pid = rt.state(a).pid;
  assert.equal(rt(['delete', a]).status, 0);
  assert.equal(fs.existsSync(`/proc/${pid}/stat`) && !/\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')), false);
  const b = h.uniqueId();
  assert.equal(rt(['run', '--detach', '--bundle', bundle, b]).status, 0);
  const pidB = rt.state(b).pid;
  assert.equal(rt(['delete', '--force', b]).status, 0);
  assert.equal(fs.existsSync(path.join(rt.root, b)), false);
  await h.until(() => !fs.existsSync(`/proc/${pidB}`) || /\) Z/.test(fs.readFileSync(`/proc/${pidB}/stat`, 'utf8')));
});

test('kill --all signals every process of the container', { skip }, async (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const bundle = h.makeBundle((c) => { c.process.args = ['sh', '-c', 'sleep 300 & sleep 300 & wait']; });
  const id = h.uniqueId();
  assert.equal(rt(['run', '--detach', '--bundle', bundle, id]).status, 0);
  const pid = rt.state(id).pid;
  const pidns = fs.readlinkSync(`/proc/${pid}/ns/pid`);
  const members = () => fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try { return fs.readlinkSync(`/proc/${p}/ns/pid`) === pidns && !/\) Z/.test(fs.readFileSync(`/proc/${p}/stat`, 'utf8')); } catch { return false; }
  });
  await h.until(() => members().length === 3);
  assert.equal(members().length, 3);
  assert.equal(rt(['kill', '--all', id, 'KILL']).status, 0);
  await h.until(() => members().length === 0);
  assert.equal(members().length, 0);
});

test('a config without process: create succeeds, start fails, the container stays created', { skip }, (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const bundle = h.makeBundle((c) => { delete c.process; });
  const id = h.uniqueId();
  const r = rt(['create', '--bundle', bundle, id]);
  assert.equal(r.status, 0, r.stderr);
  const s = rt(['start', id]);
  assert.equal(s.status, 1);
  assert.match(s.stderr, /\/process: must be set/);
  assert.equal(rt.state(id).status, 'created');
});

test('list shows containers in table, json and quiet formats', { skip }, (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const bundle = h.makeBundle();
  const id = h.uniqueId();
  assert.equal(rt(['create', '--bundle', bundle, id]).status, 0);
  const table = rt(['list']).stdout.split('\n');
  assert.match(table[0], /^ID\s+PID\s+STATUS\s+BUNDLE\s+CREATED\s+OWNER$/);
  assert.match(table[1], new RegExp(`^${id}\\s+\\d+\\s+created\\s+${bundle}\\s`));
  const json = JSON.parse(rt(['list', '--format', 'json']).stdout);
  assert.equal(json.length, 1);
  assert.equal(json[0].id, id);
  assert.equal(json[0].status, 'created');
  assert.equal(rt(['list', '-q']).stdout, `${id}\n`);
});

test('--log with --log-format json gets the error as a JSON record', { skip }, () => {
  const rt = h.runtime();
  const log = path.join(h.tmpdir('log'), 'log.json');
  const r = rt(['--log', log, '--log-format', 'json', 'state', 'nope']);
  rt.cleanup();
  assert.equal(r.status, 1);
  assert.equal(r.stderr, 'container does not exist\n');
  const rec = JSON.parse(fs.readFileSync(log, 'utf8').trim());
  assert.equal(rec.level, 'error');
  assert.equal(rec.msg, 'container does not exist');
  assert.match(rec.time, /^\d{4}-\d\d-\d\dT/);
});

test('usage errors: unknown command or flag exit non-zero', { skip: false }, () => {
  const bad = h.cli('tsrun', '/tmp/tsrun-none', ['nosuchcommand']);
  assert.notEqual(bad.status, 0);
  const flag = h.cli('tsrun', '/tmp/tsrun-none', ['state', 'x', '--nosuchflag']);
  assert.notEqual(flag.status, 0);
  assert.match(flag.stderr, /nosuchflag/);
});

test('--version is runc\'s format', () => {
  const r = h.cli('tsrun', '/tmp/tsrun-none', ['--version']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^tsrun version \d+\.\d+\.\d+\n(?:.*\n)*spec: 1\.2\.\d+\n/);
});

test('features lists what tsrun does and claims nothing it does not', () => {
  const r = h.cli('tsrun', '/tmp/tsrun-none', ['features']);
  assert.equal(r.status, 0, r.stderr);
  const f = JSON.parse(r.stdout);
  assert.equal(f.ociVersionMin, '1.0.0');
  assert.match(f.ociVersionMax, /^1\.2\.\d+$/);
  assert.deepEqual(f.hooks, ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop']);
  for (const opt of ['ro', 'rbind', 'nosuid', 'rprivate', 'relatime']) assert.ok(f.mountOptions.includes(opt), opt);
  assert.ok(f.mountOptions.includes('idmap') && f.mountOptions.includes('ridmap'));
  assert.ok(f.linux.namespaces.includes('user'));
  assert.equal(f.linux.seccomp.enabled, true);
  assert.deepEqual(f.linux.seccomp.archs, ['SCMP_ARCH_X32', 'SCMP_ARCH_X86', 'SCMP_ARCH_X86_64']);
  assert.equal(f.linux.seccomp.actions.length, 9);
  assert.equal(f.linux.seccomp.operators.length, 7);
  assert.ok(f.linux.seccomp.knownFlags.includes('SECCOMP_FILTER_FLAG_LOG'));
  assert.equal(f.linux.mountExtensions.idmap.enabled, true);
  assert.ok(f.linux.capabilities.includes('CAP_SYS_ADMIN'));
});

test('a seccomp profile is applied, and create writes nothing on the stdio it hands the container', { skip }, async (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const bundle = h.makeBundle((c) => {
    c.process.args = ['sh', '-c', 'grep Seccomp: /proc/self/status; sleep 300'];
    c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getpriority'], action: 'SCMP_ACT_ERRNO' }] };
  });
  const log = path.join(h.tmpdir('log'), 'log.json');
  const out = path.join(h.tmpdir('out'), 'out');
  const id = h.uniqueId();
  const fd = fs.openSync(out, 'w');
  const r = rt(['--log', log, '--log-format', 'json', 'create', '--bundle', bundle, id], { stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(fs.readFileSync(out, 'utf8'), '', 'nothing of tsrun\'s on the container\'s stdout and stderr');
  assert.equal(fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '', '', 'podman reads the log file as one JSON object');
  assert.equal(rt(['start', id]).status, 0);
  await h.until(() => fs.readFileSync(out, 'utf8').includes('\n'));
  assert.equal(fs.readFileSync(out, 'utf8'), 'Seccomp:\t2\n');
});
