'use strict';
// linux.resources on real containers: limits hold, tight limits still let
// the container start, and nothing of the cgroup is left after delete.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const h = require('../helpers');

const skip = !h.isRoot && 'integration tests run real containers and need root';

/** The container process's cgroup directory in a v1 hierarchy (or cgroup2 with ''). */
function cgroupDir(pid, controller) {
  const line = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => l.split(':')[1].split(',').includes(controller));
  const rel = line.split(':')[2];
  return path.join('/sys/fs/cgroup', controller, rel);
}

function runIn(t, mutate, args = []) {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const bundle = h.makeBundle(mutate);
  const id = h.uniqueId();
  const r = rt([...args, 'run', '--bundle', bundle, id]);
  return { rt, id, r };
}

for (const [what, resources] of [
  ['pids.max = 1', { pids: { limit: 1 } }],
  ['a 4 MiB memory limit', { memory: { limit: 4 * 1024 * 1024 } }],
  ['pids.max = 1 and 4 MiB together', { pids: { limit: 1 }, memory: { limit: 4 * 1024 * 1024 } }],
]) {
  test(`a container with ${what} starts and runs /bin/true`, { skip }, (t) => {
    const { r } = runIn(t, (c) => { c.process.args = ['/bin/true']; c.linux.resources = resources; });
    assert.equal(r.status, 0, r.stderr);
  });
}

test('the init is in the container\'s cgroup when create returns', { skip }, (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const id = h.uniqueId();
  const bundle = h.makeBundle((c) => { c.linux.cgroupsPath = `/tsrun-test/${id}`; });
  assert.equal(rt(['create', '--bundle', bundle, id]).status, 0);
  const pid = rt.state(id).pid;
  for (const ctrl of ['memory', 'pids', 'cpu', 'freezer', 'devices']) {
    assert.equal(cgroupDir(pid, ctrl), `/sys/fs/cgroup/${ctrl}/tsrun-test/${id}`, ctrl);
  }
  // The init (tsrun-init, single-threaded) moved itself by writing 0 to
  // tasks: its one thread is the cgroup's one task, and pids.max counts it.
  const dir = cgroupDir(pid, 'pids');
  assert.equal(fs.readFileSync(path.join(dir, 'pids.current'), 'utf8').trim(), '1');
  assert.deepEqual(fs.readFileSync(path.join(dir, 'tasks'), 'utf8').trim().split('\n'), [String(pid)]);
  assert.deepEqual(fs.readdirSync(`/proc/${pid}/task`), [String(pid)], 'the init has one thread');
  assert.equal(fs.readFileSync(`/proc/${pid}/comm`, 'utf8'), 'tsrun-init\n');
});

test('a memory hog is OOM-killed at its limit and the container stops', { skip }, async (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const id = h.uniqueId();
  const bundle = h.makeBundle((c) => {
    c.process.args = ['sh', '-c', 'x=a; while :; do x="$x$x"; done'];
    c.linux.cgroupsPath = `/tsrun-test/${id}`;
    c.linux.resources = { memory: { limit: 32 * 1024 * 1024, swap: 32 * 1024 * 1024 } };
  });
  const r = rt(['run', '--keep', '--bundle', bundle, id]);
  assert.equal(r.status, 137, `killed by SIGKILL (the OOM killer): ${r.stderr}`);
  assert.equal(rt.state(id).status, 'stopped');
  const oom = fs.readFileSync(`/sys/fs/cgroup/memory/tsrun-test/${id}/memory.oom_control`, 'utf8');
  assert.match(oom, /oom_kill [1-9]/, 'the kernel counted an OOM kill in the container\'s cgroup');
});

test('a fork bomb stops at pids.max', { skip }, async (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const id = h.uniqueId();
  const bundle = h.makeBundle((c) => { c.linux.resources = { pids: { limit: 10 } }; });
  assert.equal(rt(['run', '--detach', '--bundle', bundle, id]).status, 0);
  const pid = rt.state(id).pid;
  // The shell that forks gives up at the first refused fork: run it beside the init.
  rt(['exec', id, 'sh', '-c', 'for i in $(seq 50); do sleep 300 & done']);
  const dir = cgroupDir(pid, 'pids');
  const current = Number(fs.readFileSync(path.join(dir, 'pids.current'), 'utf8'));
  assert.ok(current >= 9 && current <= 10, `pids.current ${current}: the init and the sleeps that could start`);
  assert.ok(Number(fs.readFileSync(path.join(dir, 'pids.events'), 'utf8').split(' ')[1]) > 0, 'forks were refused');
});

test('a device rule denies writes to /dev/null', { skip }, (t) => {
  const { r } = runIn(t, (c) => {
    c.process.args = ['sh', '-c', 'cat /dev/null && echo read-allowed; echo x > /dev/null && echo allowed || echo denied'];
    // An explicit deny of a default device wins over the defaults runc appends.
    c.linux.resources = { devices: [{ allow: false, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'w' }] };
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'read-allowed\ndenied\n');
});

test('pause and resume freeze the container; state says paused', { skip }, async (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const id = h.uniqueId();
  const bundle = h.makeBundle();
  assert.equal(rt(['run', '--detach', '--bundle', bundle, id]).status, 0);
  const pid = rt.state(id).pid;
  assert.equal(rt(['pause', id]).status, 0);
  assert.equal(rt.state(id).status, 'paused');
  assert.equal(fs.readFileSync(path.join(cgroupDir(pid, 'freezer'), 'freezer.state'), 'utf8').trim(), 'FROZEN');
  assert.match(fs.readFileSync(`/proc/${pid}/status`, 'utf8'), /State:\s+[SD]/);
  const again = rt(['pause', id]);
  assert.equal(again.status, 1);
  assert.equal(rt(['resume', id]).status, 0);
  assert.equal(rt.state(id).status, 'running');
  assert.match(rt(['resume', id]).stderr, /container not paused/);
  // delete --force of a paused container works too.
  assert.equal(rt(['pause', id]).status, 0);
  assert.equal(rt(['delete', '--force', id]).status, 0);
  await h.until(() => !fs.existsSync(`/proc/${pid}`));
});

test('update changes the limits of a running container; events --stats reports usage', { skip }, (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const id = h.uniqueId();
  const bundle = h.makeBundle((c) => { c.linux.resources = { memory: { limit: 64 * 1024 * 1024 }, pids: { limit: 50 } }; });
  assert.equal(rt(['run', '--detach', '--bundle', bundle, id]).status, 0);
  const pid = rt.state(id).pid;
  const u = rt(['update', '--memory', '32m', '--pids-limit', '20', id]);
  assert.equal(u.status, 0, u.stderr);
  assert.equal(fs.readFileSync(path.join(cgroupDir(pid, 'memory'), 'memory.limit_in_bytes'), 'utf8').trim(), String(32 * 1024 * 1024));
  assert.equal(fs.readFileSync(path.join(cgroupDir(pid, 'pids'), 'pids.max'), 'utf8').trim(), '20');
  const viaStdin = rt(['update', '--resources', '-', id], { input: JSON.stringify({ pids: { limit: 30 } }) });
  assert.equal(viaStdin.status, 0, viaStdin.stderr);
  assert.equal(fs.readFileSync(path.join(cgroupDir(pid, 'pids'), 'pids.max'), 'utf8').trim(), '30');
  const ev = rt(['events', '--stats', id]);
  assert.equal(ev.status, 0, ev.stderr);
  const rec = JSON.parse(ev.stdout);
  assert.equal(rec.type, 'stats');
  assert.equal(rec.id, id);
  assert.equal(rec.data.pids.current, 1);
  assert.equal(rec.data.pids.limit, 30);
  assert.equal(rec.data.memory.usage.limit, 32 * 1024 * 1024);
  assert.ok(rec.data.memory.usage.usage > 0);
});

test('a value the kernel refuses fails create naming the file and value, leaving nothing', { skip }, (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const id = h.uniqueId();
  const bundle = h.makeBundle((c) => { c.linux.cgroupsPath = `/tsrun-test/${id}`; c.linux.resources = { cpu: { cpus: '0-4096' } }; });
  const r = rt(['create', '--bundle', bundle, id]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /cpuset\.cpus.*0-4096/);
  h.assertNothingLeft(assert, rt, id, bundle);
  for (const ctrl of ['memory', 'cpuset', 'pids']) assert.equal(fs.existsSync(`/sys/fs/cgroup/${ctrl}/tsrun-test/${id}`), false, `${ctrl} cgroup left`);
});

test('after delete no cgroup directory of the container is left', { skip }, (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const id = h.uniqueId();
  const bundle = h.makeBundle((c) => { c.linux.cgroupsPath = `/tsrun-test/${id}`; });
  assert.equal(rt(['run', '--detach', '--bundle', bundle, id]).status, 0);
  assert.equal(rt(['exec', '--detach', id, 'sleep', '300']).status, 0);
  assert.equal(rt(['delete', '--force', id]).status, 0);
  const left = fs.readdirSync('/sys/fs/cgroup').filter((c) => fs.existsSync(`/sys/fs/cgroup/${c}/tsrun-test/${id}`));
  assert.deepEqual(left, []);
});
