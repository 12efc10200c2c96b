'use strict';
// The six OCI hooks: when each runs, in which namespaces, what it gets on
// stdin, and what its failure or timeout does.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const h = require('../helpers');

const skip = !h.isRoot && 'integration tests run real containers and need root';

/** A host hook script that records its name, stdin, namespaces, args and env. */
function recorder(dir) {
  const script = path.join(dir, 'record.sh');
  fs.writeFileSync(script, `#!/bin/sh
name=$1
echo "$name" >> ${dir}/order
cat > ${dir}/$name.json
readlink /proc/self/ns/mnt > ${dir}/$name.mnt
echo "$*" > ${dir}/$name.args
env > ${dir}/$name.env
`, { mode: 0o755 });
  return script;
}

test('all six hooks run in order, in their namespaces, with the state on stdin', { skip }, async (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const log = h.tmpdir('hooks');
  const script = recorder(log);
  const hook = (name) => [{ path: script, args: ['record.sh', name], env: ['HOOK_ENV=yes'] }];
  const bundle = h.makeBundle((c) => {
    c.process.args = ['sh', '-c', 'echo process >> /hooklog/order; sleep 300'];
    c.mounts.push({ destination: '/hooklog', type: 'bind', source: log, options: ['rbind'] });
    c.annotations = { 'org.example.key': 'value' };
    c.hooks = {
      prestart: hook('prestart'),
      createRuntime: hook('createRuntime'),
      createContainer: hook('createContainer'),
      // After pivot_root: the path resolves in the container.
      startContainer: [{ path: '/bin/sh', args: ['sh', '-c', 'echo startContainer >> /hooklog/order; cat > /hooklog/startContainer.json; readlink /proc/self/ns/mnt > /hooklog/startContainer.mnt'] }],
      poststart: hook('poststart'),
      poststop: hook('poststop'),
    };
  }, { copyRootfs: true });
  const id = h.uniqueId();
  const order = () => fs.readFileSync(path.join(log, 'order'), 'utf8').trim().split('\n');
  assert.equal(rt(['create', '--bundle', bundle, id]).status, 0);
  assert.deepEqual(order(), ['prestart', 'createRuntime', 'createContainer']);
  const pid = rt.state(id).pid;
  const r = rt(['start', id]);
  assert.equal(r.status, 0, r.stderr);
  await h.until(() => order().length >= 6);
  const started = order();
  assert.deepEqual(started.slice(0, 4), ['prestart', 'createRuntime', 'createContainer', 'startContainer']);
  assert.deepEqual(started.slice(4).sort(), ['poststart', 'process'], 'the process runs after startContainer');
  assert.equal(rt(['kill', id, 'KILL']).status, 0);
  await h.until(() => rt.state(id).status === 'stopped');
  assert.equal(rt(['delete', id]).status, 0);
  assert.equal(order().at(-1), 'poststop');

  const state = (name) => JSON.parse(fs.readFileSync(path.join(log, `${name}.json`), 'utf8'));
  // The create-phase hooks follow lifecycle step 2: "created" (runtime.md; runtime-tools' hooks_stdin).
  const statuses = { prestart: 'created', createRuntime: 'created', createContainer: 'created', startContainer: 'created', poststart: 'running', poststop: 'stopped' };
  for (const [name, status] of Object.entries(statuses)) {
    const s = state(name);
    assert.equal(s.status, status, `${name} status`);
    assert.equal(s.id, id);
    assert.equal(s.bundle, bundle);
    assert.deepEqual(s.annotations, { 'org.example.key': 'value' });
    assert.ok(s.ociVersion);
    if (status !== 'stopped') assert.equal(s.pid, pid, `${name} pid`);
  }
  const hostMnt = fs.readlinkSync('/proc/self/ns/mnt');
  const mnt = (name) => fs.readFileSync(path.join(log, `${name}.mnt`), 'utf8').trim();
  for (const name of ['prestart', 'createRuntime', 'poststart', 'poststop']) assert.equal(mnt(name), hostMnt, `${name} runs in the runtime namespace`);
  for (const name of ['createContainer', 'startContainer']) assert.notEqual(mnt(name), hostMnt, `${name} runs in the container namespace`);
  assert.equal(mnt('createContainer'), mnt('startContainer'));
  assert.equal(fs.readFileSync(path.join(log, 'prestart.args'), 'utf8').trim(), 'prestart');
  const env = fs.readFileSync(path.join(log, 'createRuntime.env'), 'utf8');
  assert.match(env, /^HOOK_ENV=yes$/m);
  assert.doesNotMatch(env, /^HOME=/m, 'a hook gets exactly the env of its config');
});

for (const name of ['prestart', 'createRuntime', 'createContainer']) {
  test(`a failing ${name} hook fails create and leaves nothing`, { skip }, (t) => {
    const rt = h.runtime();
    t.after(rt.cleanup);
    const bundle = h.makeBundle((c) => { c.hooks = { [name]: [{ path: '/bin/sh', args: ['sh', '-c', 'echo broken >&2; exit 3'] }] }; });
    const id = h.uniqueId();
    const r = rt(['create', '--bundle', bundle, id]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`${name} hook #0 \\(/bin/sh\\): exit status 3: broken`));
    h.assertNothingLeft(assert, rt, id, bundle);
  });
}

test('a hook that outlives its timeout is killed and fails create', { skip }, (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const bundle = h.makeBundle((c) => { c.hooks = { createRuntime: [{ path: '/bin/sleep', args: ['sleep', '30'], timeout: 1 }] }; });
  const id = h.uniqueId();
  const started = Date.now();
  const r = rt(['create', '--bundle', bundle, id]);
  assert.equal(r.status, 1);
  assert.ok(Date.now() - started < 20000, 'the hook was killed long before it would have finished');
  assert.match(r.stderr, /createRuntime hook #0 \(\/bin\/sleep\): timed out after 1s/);
  h.assertNothingLeft(assert, rt, id, bundle);
});

test('a missing hook binary fails create with a clear error', { skip }, (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const bundle = h.makeBundle((c) => { c.hooks = { prestart: [{ path: '/no/such/hook' }] }; });
  const id = h.uniqueId();
  const r = rt(['create', '--bundle', bundle, id]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /prestart hook #0 \(\/no\/such\/hook\): no such file or directory/);
  h.assertNothingLeft(assert, rt, id, bundle);
});

test('a failing startContainer hook fails start and stops the container', { skip }, async (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const bundle = h.makeBundle((c) => { c.hooks = { startContainer: [{ path: '/bin/false' }] }; });
  const id = h.uniqueId();
  assert.equal(rt(['create', '--bundle', bundle, id]).status, 0);
  const r = rt(['start', id]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /startContainer hook #0 \(\/bin\/false\): exit status 1/);
  await h.until(() => rt.state(id).status === 'stopped');
  assert.equal(rt.state(id).status, 'stopped');
});

test('failing poststart and poststop hooks are warnings; the operation goes on', { skip }, async (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const bundle = h.makeBundle((c) => { c.hooks = { poststart: [{ path: '/bin/false' }], poststop: [{ path: '/bin/false' }] }; });
  const id = h.uniqueId();
  assert.equal(rt(['create', '--bundle', bundle, id]).status, 0);
  const s = rt(['start', id]);
  assert.equal(s.status, 0);
  assert.match(s.stderr, /level=warning msg="poststart hook #0 \(\/bin\/false\): exit status 1"/);
  assert.equal(rt.state(id).status, 'running');
  const d = rt(['delete', '--force', id]);
  assert.equal(d.status, 0);
  assert.match(d.stderr, /level=warning msg="poststop hook #0 \(\/bin\/false\): exit status 1"/);
  assert.equal(fs.existsSync(path.join(rt.root, id)), false);
  // With --log, a warning goes to the log file only (as runc's): at create,
  // stderr is the container's, and docker logs would show it.
  const log = path.join(h.tmpdir('log'), 'log.json');
  const id2 = h.uniqueId();
  assert.equal(rt(['create', '--bundle', bundle, id2]).status, 0);
  const s2 = rt(['--log', log, '--log-format', 'json', 'start', id2]);
  assert.equal(s2.status, 0);
  assert.equal(s2.stderr, '');
  const records = fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(records.map((r) => [r.level, r.msg]), [['warning', 'poststart hook #0 (/bin/false): exit status 1']]);
});
