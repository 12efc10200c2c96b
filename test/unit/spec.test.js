'use strict';
// Pure logic of the spec layer: mount options, signals, semantic checks,
// normalization.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseMountOptions, rootfsPropagationFlags } = require('../../dist/spec/mount-options');
const { parseSignal } = require('../../dist/linux/signals');
const { semanticProblems } = require('../../dist/spec/validate');
const { normalize } = require('../../dist/container/config');
const { namespacePlan } = require('../../dist/container/spec-file');
const { validateId } = require('../../dist/state/store');
const C = require('../../dist/linux/constants');

test('mount options: flags set and cleared in order, propagation apart, the rest as data', () => {
  const o = parseMountOptions(['nosuid', 'ro', 'rw', 'nodev', 'rprivate', 'mode=755', 'size=64k', 'noexec', 'exec']);
  assert.equal(o.flags, C.MS_NOSUID | C.MS_NODEV);
  assert.deepEqual(o.propagation, [C.MS_PRIVATE | C.MS_REC]);
  assert.equal(o.data, 'mode=755,size=64k');
  assert.equal(parseMountOptions(['rbind']).flags, C.MS_BIND | C.MS_REC);
  assert.equal(parseMountOptions(undefined).flags, 0);
  assert.equal(rootfsPropagationFlags(undefined), C.MS_SLAVE | C.MS_REC);
  assert.equal(rootfsPropagationFlags('shared'), C.MS_SHARED);
});

test('signals: numbers, names with and without SIG, any case; unknown is undefined', () => {
  assert.equal(parseSignal('9'), 9);
  assert.equal(parseSignal('KILL'), 9);
  assert.equal(parseSignal('SIGTERM'), 15);
  assert.equal(parseSignal('sigusr1'), 10);
  assert.equal(parseSignal('RTMIN+2'), 36);
  assert.equal(parseSignal('FOO'), undefined);
  assert.equal(parseSignal('0'), undefined);
  assert.equal(parseSignal('65'), undefined);
});

test('container ids: runc\'s character set, no path tricks', () => {
  for (const ok of ['abc', 'a-b_c.d', 'A+1', 'x,y']) assert.doesNotThrow(() => validateId(ok), ok);
  for (const bad of ['', '.', '..', 'a/b', '../x', 'a b', 'a\nb', 'é']) assert.throws(() => validateId(bad), /invalid container ID format/, bad);
});

function bundleWith(config) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-unit-'));
  fs.mkdirSync(path.join(dir, 'rootfs'));
  return { dir, config: { ociVersion: '1.2.0', root: { path: 'rootfs' }, linux: { namespaces: [{ type: 'mount' }] }, ...config } };
}

test('semantic checks the schema cannot express', () => {
  const { dir, config } = bundleWith({
    hostname: 'h',
    mounts: [{ destination: 'rel' }],
    linux: { namespaces: [{ type: 'mount' }, { type: 'pid' }, { type: 'pid' }, { type: 'net', path: 'relative' }] },
    process: { cwd: 'x', args: [], user: { uid: 0, gid: 0 }, capabilities: { bounding: ['CAP_NOPE'] }, rlimits: [{ type: 'RLIMIT_FOO', soft: 2, hard: 1 }] },
  });
  const problems = semanticProblems(config, dir);
  for (const want of [
    /^\/mounts\/0\/destination: must be an absolute path: rel$/,
    /^\/linux\/namespaces\/2: duplicate namespace type pid$/,
    /^\/linux\/namespaces\/3\/path: must be an absolute path: relative$/,
    /^\/hostname: unable to set hostname without a private UTS namespace$/,
    /^\/process\/cwd: must be an absolute path: x$/,
    /^\/process\/args: must not be empty$/,
    /^\/process\/capabilities\/bounding\/0: unknown capability "CAP_NOPE"$/,
    /^\/process\/rlimits\/0\/type: unknown rlimit "RLIMIT_FOO"$/,
    /^\/process\/rlimits\/0: soft limit 2 is above hard limit 1$/,
  ]) assert.ok(problems.some((p) => want.test(p)), `missing ${want}: ${problems.join(' | ')}`);
  const missing = semanticProblems({ ociVersion: '1', root: { path: 'nope' }, linux: { namespaces: [{ type: 'mount' }] } }, dir);
  assert.deepEqual(missing, [`/root/path: rootfs ${path.join(dir, 'nope')} does not exist`]);
});

test('normalize: new namespaces become clone flags, joined ones setns (pid before clone)', () => {
  const { dir, config } = bundleWith({
    mounts: [{ destination: '/data', type: 'bind', source: 'vol', options: ['rbind', 'ro'] }, { destination: '/proc', type: 'proc', source: 'proc' }],
    linux: { namespaces: [{ type: 'mount' }, { type: 'uts' }, { type: 'pid', path: '/proc/1/ns/pid' }, { type: 'network', path: '/run/netns/x' }] },
  });
  const n = normalize(config, dir, '/state/exec.fifo', { noPivot: false, preserveFds: 2 });
  assert.equal(n.cloneFlags, C.CLONE_NEWNS | C.CLONE_NEWUTS);
  assert.equal(n.joinPid, '/proc/1/ns/pid');
  assert.deepEqual(n.init.join, [{ type: 'network', flag: C.CLONE_NEWNET, path: '/run/netns/x' }]);
  assert.equal(n.init.mounts[0].source, path.join(dir, 'vol'), 'bind sources are relative to the bundle');
  assert.equal(n.init.mounts[0].flags, C.MS_BIND | C.MS_REC | C.MS_RDONLY);
  assert.equal(n.init.mounts[0].bind, true);
  assert.equal(n.init.mounts[1].bind, false);
  assert.equal(n.init.process, null);
  assert.equal(n.init.preserveFds, 2);
  assert.equal(n.rootfs, fs.realpathSync(path.join(dir, 'rootfs')));
});

test('namespacePlan: clone flags for new namespaces; cgroup and time unshared by the init; the rest joined by path', () => {
  const { dir, config } = bundleWith({
    linux: { namespaces: [{ type: 'mount' }, { type: 'uts' }, { type: 'pid' }, { type: 'cgroup' }, { type: 'time' }, { type: 'network', path: '/run/netns/x' }] },
  });
  const plan = namespacePlan(config.linux.namespaces);
  assert.equal(plan.cloneFlags, C.CLONE_NEWNS | C.CLONE_NEWUTS | C.CLONE_NEWPID);
  assert.equal(plan.cloneFlags, normalize(config, dir, 3, { noPivot: false, preserveFds: 0 }).cloneFlags);
  assert.ok(plan.newCgroupNs && plan.newTime);
  assert.deepEqual(plan.join, [{ type: 'network', flag: C.CLONE_NEWNET, path: '/run/netns/x' }]);
  assert.equal(plan.joinPid, null);
  assert.equal(namespacePlan([{ type: 'pid', path: '/proc/1/ns/pid' }]).joinPid, '/proc/1/ns/pid', 'joined around the clone');
  assert.equal(namespacePlan([]).cloneFlags, 0, 'no namespace at all: a plain clone');
});
