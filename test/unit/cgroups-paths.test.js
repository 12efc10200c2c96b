'use strict';
// cgroup library, pure parts: runc's v1 -> v2 conversions, cgroupsPath
// resolution (cgroupfs and systemd forms, relative to the runtime's own
// cgroup), layout detection and stats JSON.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const convert = require('../../dist/cgroups/convert');
const paths = require('../../dist/cgroups/paths');
const cg = require('../../dist/cgroups');

function tree(files) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-cgtree-'));
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), content);
  }
  return root;
}

test('cpu shares to weight: runc\'s current formula keeps the defaults and the range', () => {
  assert.equal(convert.cpuSharesToWeight(0), 0);
  assert.equal(convert.cpuSharesToWeight(1), 1);
  assert.equal(convert.cpuSharesToWeight(2), 1);
  assert.equal(convert.cpuSharesToWeight(1024), 100);
  assert.equal(convert.cpuSharesToWeight(262144), 10000);
  assert.equal(convert.cpuSharesToWeight(300000), 10000);
  // The rest of opencontainers/cgroups' test table.
  assert.equal(convert.cpuSharesToWeight(3), 2);
  assert.equal(convert.cpuSharesToWeight(262143), 10000);
  assert.equal(convert.cpuSharesToWeight(262145), 10000);
  let prev = 0;
  for (let s = 2; s <= 262144; s += 97) {
    const w = convert.cpuSharesToWeight(s);
    assert.ok(w >= prev && w >= 1 && w <= 10000, `monotonic at ${s}`);
    prev = w;
  }
  // The older linear mapping, for comparison.
  assert.equal(convert.cpuSharesToWeightLinear(1024), 39);
  assert.equal(convert.cpuSharesToWeightLinear(262144), 10000);
});

test('blkio weight to io.weight: linear [10, 1000] -> [1, 10000]', () => {
  assert.equal(convert.blkioWeightToIoWeight(0), 0);
  assert.equal(convert.blkioWeightToIoWeight(10), 1);
  assert.equal(convert.blkioWeightToIoWeight(500), 4950);
  assert.equal(convert.blkioWeightToIoWeight(1000), 10000);
});

test('memory swap: v1 memsw (memory+swap) to v2 swap.max', () => {
  assert.equal(convert.memorySwapToV2(0, -1), -1); // unlimited memory, swap unset: unlimited swap
  assert.equal(convert.memorySwapToV2(-1, 100), -1);
  assert.equal(convert.memorySwapToV2(0, 100), 0);
  assert.equal(convert.memorySwapToV2(300, 100), 200);
  assert.equal(convert.memorySwapToV2(100, 100), 0); // no swap at all
  assert.equal(convert.memorySwapToV2(300, -1), 300);
  assert.throws(() => convert.memorySwapToV2(300, 0), /unable to set swap limit without memory limit/);
  assert.throws(() => convert.memorySwapToV2(50, 100), /memory\+swap limit \(50\) should be >= memory limit \(100\)/);
  assert.throws(() => convert.memorySwapToV2(300, -5), /invalid memory value: -5/);
});

test('systemd slices expand as systemd lays them out', () => {
  assert.equal(paths.expandSlice('machine.slice'), '/machine.slice');
  assert.equal(paths.expandSlice('a-b.slice'), '/a.slice/a-b.slice');
  assert.equal(paths.expandSlice('a-b-c.slice'), '/a.slice/a-b.slice/a-b-c.slice');
  assert.equal(paths.expandSlice('-.slice'), '/');
  for (const bad of ['.slice', 'a', 'a--b.slice', '-a.slice', 'a/b.slice', 'a-.slice']) {
    assert.throws(() => paths.expandSlice(bad), /invalid slice name/, bad);
  }
});

test('systemd cgroupsPath "slice:prefix:name" maps onto cgroupfs', () => {
  assert.equal(paths.systemdPath('machine.slice:libpod:abc', 'x'), '/machine.slice/libpod-abc.scope');
  assert.equal(paths.systemdPath('a-b.slice:docker:abc', 'x'), '/a.slice/a-b.slice/docker-abc.scope');
  assert.equal(paths.systemdPath(':cri:abc', 'x'), '/system.slice/cri-abc.scope');
  assert.equal(paths.systemdPath('user.slice::abc', 'x'), '/user.slice/abc.scope');
  assert.equal(paths.systemdPath('a.slice:p:a-b.slice', 'x'), '/a.slice/a-b.slice');
  assert.equal(paths.systemdPath(undefined, 'myid'), '/system.slice/tsrun-myid.scope');
  for (const bad of ['/a/b', 'a:b', 'a:b:c:d', 'a.slice:p:', 'nota-slice:p:n']) {
    assert.throws(() => paths.systemdPath(bad, 'x'), /slice:prefix:name|invalid slice name/, bad);
  }
  assert.throws(() => paths.systemdPath('a.slice:p:../x', 'x'), /invalid systemd unit name/);
});

test('cgroupsPath: absolute as is, relative cleaned, absent = the id (relative, runc\'s default)', () => {
  assert.deepEqual(paths.innerPath({ id: 'c1', systemd: false }), { path: 'c1', relative: true });
  assert.deepEqual(paths.innerPath({ id: 'c1', cgroupsPath: '', systemd: false }), { path: 'c1', relative: true });
  assert.deepEqual(paths.innerPath({ id: 'c1', cgroupsPath: '/a/b/', systemd: false }), { path: '/a/b', relative: false });
  assert.deepEqual(paths.innerPath({ id: 'c1', cgroupsPath: '/a/../../b', systemd: false }), { path: '/b', relative: false });
  assert.deepEqual(paths.innerPath({ id: 'c1', cgroupsPath: '../../x/y', systemd: false }), { path: 'x/y', relative: true });
  assert.deepEqual(paths.innerPath({ id: 'c1', cgroupsPath: 'm.slice:p:n', systemd: true }), { path: '/m.slice/p-n.scope', relative: false });
  assert.throws(() => paths.innerPath({ id: 'c1', cgroupsPath: '/', systemd: false }), /invalid cgroup path/);
  assert.throws(() => paths.innerPath({ id: 'c1', cgroupsPath: '/a/b', systemd: true }), /slice:prefix:name/);
});

test('/proc/self/cgroup parsing and mount-relative paths', () => {
  const m = paths.parseProcCgroup('12:cpu,cpuacct:/a\n1:name=systemd:/init.scope\n0::/user.slice/x.scope\n');
  assert.equal(m.get('cpu'), '/a');
  assert.equal(m.get('cpuacct'), '/a');
  assert.equal(m.get('name=systemd'), '/init.scope');
  assert.equal(m.get(''), '/user.slice/x.scope');
  assert.throws(() => paths.parseProcCgroup('bogus\n'), /at least two colons/);
  assert.equal(paths.relativeToMount('/a/b', '/'), '/a/b');
  assert.equal(paths.relativeToMount('/docker/c1/x', '/docker/c1'), '/x');
  assert.equal(paths.relativeToMount('/docker/c1', '/docker/c1'), '/');
});

test('detectLayout: unified, hybrid and legacy trees', () => {
  const unified = tree({ 'cgroup.controllers': 'cpu memory', 'cgroup.procs': '' });
  const hybrid = tree({ 'memory/cgroup.procs': '', 'unified/cgroup.controllers': '', 'unified/cgroup.procs': '' });
  const legacy = tree({ 'memory/cgroup.procs': '', 'cpu/cgroup.procs': '' });
  try {
    assert.equal(cg.detectLayout(unified), 'unified');
    assert.equal(cg.detectLayout(hybrid), 'hybrid');
    assert.equal(cg.detectLayout(legacy), 'legacy');
  } finally {
    for (const d of [unified, hybrid, legacy]) fs.rmSync(d, { recursive: true });
  }
});

test('relative paths hang from the runtime\'s own cgroup: per hierarchy on v1, its parent on v2', () => {
  const v1 = tree({
    'memory/cgroup.procs': '', 'cpu/cgroup.procs': '', 'devices/cgroup.procs': '', 'systemd/cgroup.procs': '',
    'unified/cgroup.controllers': 'hugetlb', 'unified/cgroup.procs': '',
  });
  const v2 = tree({ 'cgroup.controllers': 'memory pids', 'cgroup.procs': '' });
  const own = '9:name=systemd:/s\n4:memory:/process_api/abc\n3:cpu:/\n2:devices:/\n0::/user.slice/sess.scope\n';
  const env = { ownCgroups: own, mountRoots: new Map(), privileged: true };
  try {
    const m1 = cg.buildManager({ id: 'c1', systemd: false, root: v1 }, paths.innerPath({ id: 'c1', systemd: false }), env);
    assert.equal(m1.version, 1);
    assert.deepEqual(m1.paths(), {
      devices: path.join(v1, 'devices/c1'),
      memory: path.join(v1, 'memory/process_api/abc/c1'),
      cpu: path.join(v1, 'cpu/c1'),
      'name=systemd': path.join(v1, 'systemd/s/c1'),
      '': path.join(v1, 'unified/user.slice/sess.scope/c1'),
    });
    // Different places per hierarchy: path() is a JSON map, and it loads back.
    const recorded = m1.path();
    assert.deepEqual(JSON.parse(recorded), { devices: '/c1', memory: '/process_api/abc/c1', cpu: '/c1', 'name=systemd': '/s/c1', '': '/user.slice/sess.scope/c1' });
    const loaded = cg.loadCgroupManager({ id: 'c1', systemd: false, root: v1, path: recorded });
    assert.deepEqual(loaded.paths(), m1.paths());

    // A bind-mounted subtree: the mount's root is cut off the own path.
    const env2 = { ...env, mountRoots: new Map([[path.join(v1, 'memory'), '/process_api']]) };
    const m2 = cg.buildManager({ id: 'c1', systemd: false, root: v1 }, paths.innerPath({ id: 'c1', systemd: false }), env2);
    assert.equal(m2.paths().memory, path.join(v1, 'memory/abc/c1'));

    // Absolute: the same place everywhere, and path() is that path.
    const m3 = cg.buildManager({ id: 'c1', cgroupsPath: '/x/y', systemd: false, root: v1 }, paths.innerPath({ id: 'c1', cgroupsPath: '/x/y', systemd: false }), env);
    assert.equal(m3.path(), '/x/y');
    assert.equal(m3.paths().cpu, path.join(v1, 'cpu/x/y'));
    assert.deepEqual(cg.loadCgroupManager({ id: 'c1', systemd: false, root: v1, path: '/x/y' }).paths(), m3.paths());

    const m4 = cg.buildManager({ id: 'c1', cgroupsPath: 'sub', systemd: false, root: v2 }, paths.innerPath({ id: 'c1', cgroupsPath: 'sub', systemd: false }), env);
    assert.equal(m4.version, 2);
    assert.equal(m4.path(), '/user.slice/sub');
    assert.deepEqual(m4.paths(), { '': path.join(v2, 'user.slice/sub') });

    const m5 = cg.cgroupManager({ id: 'c1', cgroupsPath: 'a-b.slice:pre:c1', systemd: true, root: v2 });
    assert.equal(m5.path(), '/a.slice/a-b.slice/pre-c1.scope');
    assert.throws(() => cg.loadCgroupManager({ id: 'c1', systemd: false, root: v2, path: 'relative' }), /not absolute/);
  } finally {
    fs.rmSync(v1, { recursive: true });
    fs.rmSync(v2, { recursive: true });
  }
});

test('an unprivileged process manages nothing on v1 and only a writable subtree on v2', () => {
  const v1 = tree({ 'memory/cgroup.procs': '' });
  try {
    const m = cg.buildManager({ id: 'c1', systemd: false, root: v1 }, { path: '/c1', relative: false }, { privileged: false });
    assert.equal(m.enabled, false);
    m.create({ memory: { limit: 1 } });
    m.addProcess(1);
    assert.deepEqual(m.pids(), []);
    assert.equal(m.isFrozen(), false);
    m.remove();
    assert.equal(fs.existsSync(path.join(v1, 'memory/c1')), false);
  } finally {
    fs.rmSync(v1, { recursive: true });
  }
});

test('statsJSON writes 64-bit counters exactly', () => {
  const text = cg.statsJSON({ memory: { usage: { limit: (1n << 64n) - 1n, usage: 5 } }, note: 'x' });
  assert.equal(text, '{"memory":{"usage":{"limit":18446744073709551615,"usage":5}},"note":"x"}');
  assert.equal(cg.statsJSON({ a: 9223372036854771712n }, 1), '{\n "a": 9223372036854771712\n}');
});
