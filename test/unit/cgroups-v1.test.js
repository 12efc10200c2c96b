'use strict';
// The cgroup v1 manager's logic against a directory laid out like a hybrid
// host (v1 hierarchies plus a cgroup2 "unified" offering hugetlb): write
// order, the EINVAL retry of dependent pairs (the kernel's refusal injected
// through the write hook), cpuset seeding, the cgroup2 fallback for hugetlb,
// and the errors. The kernel side is in test/integration/cgroups.test.js.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const cg = require('../../dist/cgroups');
const cgfs = require('../../dist/cgroups/fs');
const { innerPath } = require('../../dist/cgroups/paths');

const UNLIMITED = '9223372036854771712\n';
const FILES = {
  memory: {
    'memory.limit_in_bytes': UNLIMITED, 'memory.memsw.limit_in_bytes': UNLIMITED, 'memory.soft_limit_in_bytes': UNLIMITED,
    'memory.swappiness': '60\n', 'memory.oom_control': 'oom_kill_disable 0\n', 'memory.usage_in_bytes': '0\n', 'memory.max_usage_in_bytes': '0\n',
  },
  cpu: { 'cpu.shares': '1024\n', 'cpu.cfs_period_us': '100000\n', 'cpu.cfs_quota_us': '-1\n', 'cpu.rt_period_us': '1000000\n', 'cpu.rt_runtime_us': '0\n' },
  cpuacct: {},
  cpuset: { 'cpuset.cpus': '\n', 'cpuset.mems': '\n' },
  devices: { 'devices.allow': '', 'devices.deny': '' },
  freezer: { 'freezer.state': 'THAWED\n' },
  pids: { 'pids.max': 'max\n' },
  blkio: { 'blkio.weight': '500\n', 'blkio.throttle.read_bps_device': '' },
  systemd: {},
};

/** root/<hierarchy>/c1 pre-populated (plain files do not appear on mkdir as cgroupfs files do). */
function fakeHybrid() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-cg1-'));
  const write = (rel, content) => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), content);
  };
  for (const [h, files] of Object.entries(FILES)) {
    write(`${h}/cgroup.procs`, '');
    write(`${h}/c1/cgroup.procs`, '');
    for (const [f, c] of Object.entries(files)) write(`${h}/c1/${f}`, c);
  }
  write('cpuset/cpuset.cpus', '0-3\n');
  write('cpuset/cpuset.mems', '0\n');
  write('unified/cgroup.controllers', 'hugetlb\n');
  write('unified/cgroup.subtree_control', '\n');
  write('unified/cgroup.procs', '');
  write('unified/c1/cgroup.procs', '');
  write('unified/c1/cgroup.controllers', 'hugetlb\n');
  write('unified/c1/hugetlb.2MB.max', 'max\n');
  return root;
}

function manager(root) {
  return cg.buildManager({ id: 'c1', cgroupsPath: '/c1', systemd: false, root }, innerPath({ id: 'c1', cgroupsPath: '/c1', systemd: false }), { privileged: true });
}

/** Records writes; `refuse(file, value)` may return an errno name to fail that write with. */
function recordWrites(fn, refuse = () => undefined) {
  const writes = [];
  const prev = cgfs.traceWrites((file, value) => {
    writes.push([file, value]);
    const code = refuse(file, value);
    if (code) throw Object.assign(new Error(`write ${file} ${value}: ${code}`), { code });
  });
  try {
    fn();
  } finally {
    cgfs.traceWrites(prev);
  }
  return writes;
}

const rel = (root, writes) => writes.map(([f, v]) => [path.relative(root, f), v]);
const only = (root, writes, hierarchy) => rel(root, writes).filter(([f]) => f.startsWith(hierarchy + '/'));

test('create: one cgroup per hierarchy, cpuset seeded from the parent, devices reset first, hugetlb through cgroup2', () => {
  const root = fakeHybrid();
  try {
    const m = manager(root);
    assert.equal(m.version, 1);
    assert.deepEqual(Object.keys(m.paths()).sort(), ['', 'blkio', 'cpu', 'cpuacct', 'cpuset', 'devices', 'freezer', 'memory', 'name=systemd', 'pids']);
    assert.equal(m.path(), '/c1');
    const writes = recordWrites(() => m.create({
      memory: { limit: 64 << 20, swap: 128 << 20, reservation: 32 << 20, swappiness: 10, disableOOMKiller: true },
      cpu: { shares: 512, quota: 50000, period: 100000, realtimeRuntime: 1000, realtimePeriod: 500000, mems: '0' },
      pids: { limit: 10 },
      blockIO: { weight: 300, throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1000 }] },
      hugepageLimits: [{ pageSize: '2MB', limit: 2097152 }],
    }));
    assert.deepEqual(only(root, writes, 'cpuset'), [['cpuset/c1/cpuset.mems', '0'], ['cpuset/c1/cpuset.cpus', '0-3']]);
    assert.deepEqual(only(root, writes, 'devices').slice(0, 2), [['devices/c1/devices.deny', 'a'], ['devices/c1/devices.allow', 'c *:* m']]);
    // Unlimited now, so the memsw limit may not go first: memory, then memsw.
    assert.deepEqual(only(root, writes, 'memory'), [
      ['memory/c1/memory.limit_in_bytes', String(64 << 20)],
      ['memory/c1/memory.memsw.limit_in_bytes', String(128 << 20)],
      ['memory/c1/memory.soft_limit_in_bytes', String(32 << 20)],
      ['memory/c1/memory.oom_control', '1'],
      ['memory/c1/memory.swappiness', '10'],
    ]);
    assert.deepEqual(only(root, writes, 'cpu'), [
      ['cpu/c1/cpu.rt_period_us', '500000'],
      ['cpu/c1/cpu.rt_runtime_us', '1000'],
      ['cpu/c1/cpu.shares', '512'],
      ['cpu/c1/cpu.cfs_period_us', '100000'],
      ['cpu/c1/cpu.cfs_quota_us', '50000'],
    ]);
    assert.deepEqual(only(root, writes, 'pids'), [['pids/c1/pids.max', '10']]);
    assert.deepEqual(only(root, writes, 'blkio'), [['blkio/c1/blkio.weight', '300'], ['blkio/c1/blkio.throttle.read_bps_device', '8:0 1000']]);
    // hugetlb exists only on cgroup2 here: enabled at the cgroup2 root, limit in the cgroup2 dir.
    assert.deepEqual(only(root, writes, 'unified'), [['unified/cgroup.subtree_control', '+hugetlb'], ['unified/c1/hugetlb.2MB.max', '2097152']]);

    const procs = rel(root, recordWrites(() => m.addProcess(77)));
    assert.equal(procs.length, 10);
    assert.ok(procs.every(([f, v]) => f.endsWith('/c1/cgroup.procs') && v === '77'));
  } finally {
    fs.rmSync(root, { recursive: true });
  }
});

test('memory and memsw: the order follows the current limit, and an EINVAL tries the other order', () => {
  const root = fakeHybrid();
  try {
    const m = manager(root);
    m.create(undefined);
    fs.writeFileSync(path.join(root, 'memory/c1/memory.limit_in_bytes'), String(10 << 20));
    // Growing past the current limit: memsw first.
    let writes = recordWrites(() => m.update({ memory: { limit: 64 << 20, swap: 128 << 20 } }));
    assert.deepEqual(only(root, writes, 'memory').map(([f]) => path.basename(f)), ['memory.memsw.limit_in_bytes', 'memory.limit_in_bytes']);
    // The kernel refuses memsw first (it would drop below the current memory limit): the other order.
    fs.writeFileSync(path.join(root, 'memory/c1/memory.limit_in_bytes'), String(1 << 20));
    let refused = false;
    writes = recordWrites(() => m.update({ memory: { limit: 2 << 20, swap: 3 << 20 } }),
      (f) => (f.endsWith('memsw.limit_in_bytes') && !refused ? ((refused = true), 'EINVAL') : undefined));
    assert.deepEqual(only(root, writes, 'memory').map(([f, v]) => `${path.basename(f)}=${v}`), [
      `memory.memsw.limit_in_bytes=${3 << 20}`, `memory.limit_in_bytes=${2 << 20}`, `memory.memsw.limit_in_bytes=${3 << 20}`,
    ]);
    // -1 with swap unset makes memsw unlimited too.
    writes = recordWrites(() => m.update({ memory: { limit: -1 } }));
    assert.deepEqual(only(root, writes, 'memory'), [['memory/c1/memory.memsw.limit_in_bytes', '-1'], ['memory/c1/memory.limit_in_bytes', '-1']]);
    // Anything but EINVAL is reported as is.
    assert.throws(() => recordWrites(() => m.update({ memory: { limit: 5, swap: 6 } }), () => 'EPERM'), /EPERM/);
  } finally {
    fs.rmSync(root, { recursive: true });
  }
});

test('cpu: a period the kernel refuses is written again after the quota', () => {
  const root = fakeHybrid();
  try {
    const m = manager(root);
    m.create(undefined);
    let refused = false;
    const writes = recordWrites(() => m.update({ cpu: { quota: 10000, period: 20000 } }),
      (f) => (f.endsWith('cfs_period_us') && !refused ? ((refused = true), 'EINVAL') : undefined));
    assert.deepEqual(only(root, writes, 'cpu').map(([f, v]) => `${path.basename(f)}=${v}`), ['cpu.cfs_period_us=20000', 'cpu.cfs_quota_us=10000', 'cpu.cfs_period_us=20000']);
  } finally {
    fs.rmSync(root, { recursive: true });
  }
});

test('v1 refusals: unified, unmounted controllers, bad swappiness, and freezing without a freezer hierarchy', () => {
  const root = fakeHybrid();
  try {
    const m = manager(root);
    assert.throws(() => m.create({ unified: { 'memory.max': '1' } }), /^CgroupError: invalid configuration: cannot use unified on cgroup v1$/);
    assert.throws(() => m.create({ network: { classID: 1 } }), /cannot set net_cls limits: the net_cls cgroup hierarchy is not mounted/);
    assert.throws(() => m.create({ rdma: { mlx5_0: { hcaHandles: 1 } } }), /cannot set rdma limits: the rdma cgroup hierarchy is not mounted/);
    assert.throws(() => m.create({ memory: { swappiness: 101 } }), /invalid memory swappiness 101/);
    m.create({ unified: {} });
    fs.rmSync(path.join(root, 'freezer'), { recursive: true });
    const m2 = manager(root);
    assert.equal(m2.paths().freezer, undefined);
    assert.throws(() => m2.freeze(), /freezer cgroup hierarchy is not mounted/);
    assert.equal(m2.isFrozen(), false);
  } finally {
    fs.rmSync(root, { recursive: true });
  }
});
