'use strict';
// Every way create can fail: one clear error line, exit 1, and nothing left
// behind (state dir, mounts, processes).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const h = require('../helpers');

const skip = !h.isRoot && 'integration tests run real containers and need root';

/** Creates a container from a broken bundle and checks the failure. */
function expectCreateFailure(t, { mutate, copyRootfs, bundle: given, pattern, lines = 1 }) {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const bundle = given ?? h.makeBundle(mutate, { copyRootfs });
  const id = h.uniqueId();
  const log = path.join(h.tmpdir('log'), 'log.json');
  const r = rt(['--log', log, '--log-format', 'json', 'create', '--bundle', bundle, id]);
  assert.equal(r.status, 1, `create should fail; stderr: ${r.stderr}`);
  assert.match(r.stderr, pattern);
  assert.equal(r.stderr.trim().split('\n').length, lines, `expected ${lines} error line(s): ${r.stderr}`);
  // The --log file holds exactly one JSON error record with the same message.
  const records = fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(records.filter((rec) => rec.level === 'error').length, 1);
  assert.match(records.at(-1).msg, pattern);
  h.assertNothingLeft(assert, rt, id, bundle);
  return r;
}

test('invalid config.json: one line per schema violation naming the pointer and rule', { skip }, (t) => {
  const r = expectCreateFailure(t, {
    mutate: (c) => { c.process.args = 'sh'; c.linux.namespaces.push({ type: 'bogus' }); },
    pattern: /config\.json: \/process\/args: must be array/,
    lines: 2,
  });
  assert.match(r.stderr, /config\.json: \/linux\/namespaces\/\d+\/type: must be equal to one of the allowed values/);
});

test('config.json that is not JSON', { skip }, (t) => {
  const bundle = h.makeBundle();
  fs.writeFileSync(path.join(bundle, 'config.json'), '{"ociVersion": ');
  expectCreateFailure(t, { bundle, pattern: /config\.json: invalid JSON/ });
});

test('missing config.json', { skip }, (t) => {
  const bundle = h.tmpdir('empty');
  expectCreateFailure(t, { bundle, pattern: /config\.json: open .*config\.json: no such file or directory/ });
});

test('missing rootfs', { skip }, (t) => {
  expectCreateFailure(t, { mutate: (c) => { c.root.path = 'no-such-rootfs'; }, pattern: /\/root\/path: rootfs .*no-such-rootfs does not exist/ });
});

test('relative mount destination and duplicate namespace are rejected', { skip }, (t) => {
  expectCreateFailure(t, {
    mutate: (c) => { c.mounts.push({ destination: 'relative', type: 'tmpfs', source: 'tmpfs' }); c.linux.namespaces.push({ type: 'pid' }); },
    pattern: /\/mounts\/\d+\/destination: must be an absolute path: relative/,
    lines: 2,
  });
});

test('missing executable: executable file not found in $PATH', { skip }, (t) => {
  expectCreateFailure(t, { mutate: (c) => { c.process.args = ['no-such-binary']; }, pattern: /exec: "no-such-binary": executable file not found in \$PATH/ });
});

test('missing executable by path: no such file or directory', { skip }, (t) => {
  expectCreateFailure(t, { mutate: (c) => { c.process.args = ['/bin/no-such-binary']; }, pattern: /no such file or directory/ });
});

test('executable without exec permission: permission denied', { skip }, (t) => {
  expectCreateFailure(t, { mutate: (c) => { c.process.args = ['/etc/passwd']; }, pattern: /exec: "\/etc\/passwd": permission denied/ });
});

test('a failing mount names the mount and the errno', { skip }, (t) => {
  expectCreateFailure(t, {
    copyRootfs: true,
    mutate: (c) => { c.mounts.push({ destination: '/mnt/x', type: 'no-such-fs', source: 'none' }); },
    pattern: /mount none on \/mnt\/x: ENODEV: no such device/,
  });
});

test('a bind mount of a missing source', { skip }, (t) => {
  expectCreateFailure(t, {
    copyRootfs: true,
    mutate: (c) => { c.mounts.push({ destination: '/mnt/y', type: 'bind', source: '/no/such/source', options: ['bind'] }); },
    pattern: /mount .*\/no\/such\/source on \/mnt\/y: ENOENT: no such file or directory/,
  });
});

test('an unknown capability is rejected', { skip }, (t) => {
  expectCreateFailure(t, { mutate: (c) => { c.process.capabilities.bounding.push('CAP_BOGUS'); }, pattern: /\/process\/capabilities\/bounding\/\d+: unknown capability "CAP_BOGUS"/ });
});

test('a namespace path that does not exist', { skip }, (t) => {
  expectCreateFailure(t, {
    mutate: (c) => { c.linux.namespaces = c.linux.namespaces.map((n) => (n.type === 'network' ? { type: 'network', path: '/proc/1/ns/nope' } : n)); },
    pattern: /\/linux\/namespaces\/\d+\/path: \/proc\/1\/ns\/nope does not exist/,
  });
});

test('a namespace path of the wrong type is refused by setns', { skip }, (t) => {
  expectCreateFailure(t, {
    mutate: (c) => { c.linux.namespaces = c.linux.namespaces.map((n) => (n.type === 'uts' ? { type: 'uts', path: `/proc/${process.pid}/ns/net` } : n)); },
    pattern: /setns uts namespace \/proc\/\d+\/ns\/net: EINVAL/,
  });
});

test('a cwd that cannot be created', { skip }, (t) => {
  expectCreateFailure(t, { mutate: (c) => { c.process.cwd = '/etc/passwd/sub'; }, pattern: /cwd .* ENOTDIR/ });
});

test('an rlimit the kernel refuses names the limit and the errno', { skip }, (t) => {
  expectCreateFailure(t, {
    mutate: (c) => { c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 2 ** 40 }]; },
    pattern: /setrlimit RLIMIT_NOFILE: EPERM: operation not permitted/,
  });
});

test('an rlimit with its soft limit above the hard one', { skip }, (t) => {
  expectCreateFailure(t, {
    mutate: (c) => { c.process.rlimits = [{ type: 'RLIMIT_NPROC', soft: 10, hard: 20 }, { type: 'RLIMIT_MEMLOCK', soft: 1, hard: 2 }, { type: 'RLIMIT_CORE', soft: 5, hard: 5 }, { type: 'RLIMIT_NICE', soft: 50, hard: 40 }]; },
    pattern: /\/process\/rlimits\/3: soft limit 50 is above hard limit 40/,
  });
});

test('a hostname without a UTS namespace', { skip }, (t) => {
  expectCreateFailure(t, {
    mutate: (c) => { c.linux.namespaces = c.linux.namespaces.filter((n) => n.type !== 'uts'); },
    pattern: /\/hostname: unable to set hostname without a private UTS namespace/,
  });
});

test('a duplicate id leaves the existing container untouched', { skip }, (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const bundle = h.makeBundle();
  const id = h.uniqueId();
  assert.equal(rt(['create', '--bundle', bundle, id]).status, 0);
  const before = rt.state(id);
  const r = rt(['create', '--bundle', bundle, id]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /container with given ID already exists/);
  assert.deepEqual(rt.state(id), before);
  assert.ok(fs.existsSync(path.join(rt.root, id, 'exec.fifo')));
});

test('a taken id with an invalid config: the config error first, as runc, and the container untouched', { skip }, (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const id = h.uniqueId();
  assert.equal(rt(['create', '--bundle', h.makeBundle(), id]).status, 0);
  const before = rt.state(id);
  const r = rt(['create', '--bundle', h.makeBundle((c) => { c.process.cwd = 'relative'; }), id]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /config\.json: \/process\/cwd/);
  assert.deepEqual(rt.state(id), before);
});

test('a sysctl outside the container\'s namespaces is rejected', { skip }, (t) => {
  expectCreateFailure(t, {
    mutate: (c) => { c.linux.sysctl = { 'kernel.panic': '1' }; },
    pattern: /\/linux\/sysctl\/kernel\.panic: sysctl "kernel\.panic" is not in a separate kernel namespace/,
  });
});

test('a net sysctl without a network namespace of its own is rejected', { skip }, (t) => {
  expectCreateFailure(t, {
    mutate: (c) => { c.linux.namespaces = c.linux.namespaces.filter((n) => n.type !== 'network'); c.linux.sysctl = { 'net.ipv4.ip_forward': '1' }; },
    pattern: /sysctl "net\.ipv4\.ip_forward" is not allowed in the host's network namespace/,
  });
});

test('a sysctl the kernel refuses names the key', { skip }, (t) => {
  expectCreateFailure(t, {
    mutate: (c) => { c.linux.sysctl = { 'net.ipv4.no_such_key': '1' }; },
    pattern: /write sysctl net\.ipv4\.no_such_key=1 \(\/proc\/sys\/net\/ipv4\/no_such_key\): ENOENT/,
  });
});
