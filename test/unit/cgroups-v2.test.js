'use strict';
// The cgroup v2 manager against a directory laid out like a cgroup2 tree
// (cgroup.controllers, cgroup.subtree_control and the controller files as
// plain files): what is written where, in which order, and how update,
// unified, freeze and stats read and write them. The device filter goes to a
// recording loader; the kernel side is in test/integration/cgroups.test.js.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const cg = require('../../dist/cgroups');
const cgfs = require('../../dist/cgroups/fs');
const { innerPath } = require('../../dist/cgroups/paths');

const CONTROLLERS = 'cpuset cpu io memory hugetlb pids rdma';

const LEAF_FILES = {
  'cgroup.controllers': CONTROLLERS,
  'cgroup.subtree_control': '',
  'cgroup.procs': '',
  'cgroup.type': 'domain\n',
  'cgroup.freeze': '0\n',
  'cgroup.events': 'populated 0\nfrozen 0\n',
  'cgroup.kill': '',
  'memory.max': 'max\n',
  'memory.swap.max': 'max\n',
  'memory.low': '0\n',
  'memory.high': 'max\n',
  'cgroup.max.depth': 'max\n',
  'memory.current': '4096\n',
  'memory.swap.current': '0\n',
  'memory.peak': '8192\n',
  'memory.events': 'low 0\nhigh 0\nmax 3\noom 0\noom_kill 0\n',
  'memory.stat': 'anon 1024\nfile 2048\nkernel 512\n',
  'cpu.weight': '100\n',
  'cpu.max': 'max 100000\n',
  'cpu.max.burst': '0\n',
  'cpu.idle': '0\n',
  'cpu.stat': 'usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 7\nnr_throttled 2\nthrottled_usec 30\n',
  'cpuset.cpus': '\n',
  'cpuset.mems': '\n',
  'io.weight': 'default 100\n',
  'io.max': '',
  'io.stat': '8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n',
  'pids.max': 'max\n',
  'pids.current': '3\n',
  'hugetlb.2MB.max': 'max\n',
  'hugetlb.2MB.rsvd.max': 'max\n',
  'hugetlb.2MB.current': '2097152\n',
  'hugetlb.2MB.events': 'max 1\n',
  'rdma.max': '',
};

/** root (controllers available, none enabled) / tsrun (intermediate) / c1 (the leaf, pre-populated as the kernel would). */
function fakeTree({ leafFiles = LEAF_FILES, intermediate = true } = {}) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-cg2-'));
  const write = (rel, content) => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), content);
  };
  write('cgroup.controllers', CONTROLLERS + '\n');
  write('cgroup.subtree_control', '\n');
  write('cgroup.procs', '');
  if (intermediate) {
    write('tsrun/cgroup.controllers', CONTROLLERS + '\n');
    write('tsrun/cgroup.subtree_control', '\n');
    write('tsrun/cgroup.type', 'domain\n');
    for (const [f, c] of Object.entries(leafFiles)) write(`tsrun/c1/${f}`, c);
  }
  return root;
}

function manager(root, cgroupsPath = '/tsrun/c1') {
  const loads = [];
  const env = { privileged: true, deviceLoader: { attach: (dir, prog) => loads.push({ dir, prog }) } };
  const m = cg.buildManager({ id: 'c1', cgroupsPath, systemd: false, root }, innerPath({ id: 'c1', cgroupsPath, systemd: false }), env);
  return { m, loads };
}

function recordWrites(fn) {
  const writes = [];
  const prev = cgfs.traceWrites((file, value) => writes.push([file, value]));
  try {
    fn();
  } finally {
    cgfs.traceWrites(prev);
  }
  return writes;
}

const rel = (root, writes) => writes.map(([f, v]) => [path.relative(root, f), v]);
const read = (root, f) => fs.readFileSync(path.join(root, f), 'utf8');

test('create: controllers enabled down the path, then each controller\'s files, in runc\'s order', () => {
  const root = fakeTree();
  try {
    const { m, loads } = manager(root);
    assert.equal(m.version, 2);
    assert.equal(m.path(), '/tsrun/c1');
    const writes = recordWrites(() => m.create({
      pids: { limit: 99 },
      memory: { limit: 100 << 20, swap: 300 << 20, reservation: 50 << 20, swappiness: 30, disableOOMKiller: true },
      blockIO: { weight: 500, weightDevice: [{ major: 8, minor: 0, weight: 10 }], throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }], throttleWriteIOPSDevice: [{ major: 8, minor: 16, rate: 100 }] },
      cpu: { shares: 1024, quota: 50000, period: 200000, burst: 1000, idle: 1, cpus: '0-1', mems: '0' },
      hugepageLimits: [{ pageSize: '2MB', limit: 4194304 }],
      rdma: { mlx4_0: { hcaHandles: 2, hcaObjects: 2000 } },
      unified: { 'memory.high': '209715200', 'cgroup.max.depth': '3' },
    }));
    const all = CONTROLLERS.split(' ').map((c) => `+${c}`).join(' ');
    assert.deepEqual(rel(root, writes), [
      ['cgroup.subtree_control', all],
      ['tsrun/cgroup.subtree_control', all],
      ['tsrun/c1/pids.max', '99'],
      ['tsrun/c1/memory.swap.max', String(200 << 20)], // memsw 300M - memory 100M
      ['tsrun/c1/memory.max', String(100 << 20)],
      ['tsrun/c1/memory.low', String(50 << 20)],
      ['tsrun/c1/io.weight', '4950'], // no io.bfq.weight: converted
      ['tsrun/c1/io.weight', '8:0 1'],
      ['tsrun/c1/io.max', '8:0 rbps=1048576'],
      ['tsrun/c1/io.max', '8:16 wiops=100'],
      ['tsrun/c1/cpu.weight', '100'],
      ['tsrun/c1/cpu.max', '50000 200000'],
      ['tsrun/c1/cpu.max.burst', '1000'],
      ['tsrun/c1/cpu.idle', '1'],
      ['tsrun/c1/cpuset.cpus', '0-1'],
      ['tsrun/c1/cpuset.mems', '0'],
      ['tsrun/c1/hugetlb.2MB.max', '4194304'],
      ['tsrun/c1/hugetlb.2MB.rsvd.max', '4194304'],
      ['tsrun/c1/rdma.max', 'mlx4_0 hca_handle=2 hca_object=2000'],
      ['tsrun/c1/memory.high', '209715200'],
      ['tsrun/c1/cgroup.max.depth', '3'],
    ]);
    // The device filter: default deny plus runc's defaults, for the leaf.
    assert.equal(loads.length, 1);
    assert.equal(loads[0].dir, path.join(root, 'tsrun/c1'));
    assert.equal(loads[0].prog.length % 8, 0);
  } finally {
    fs.rmSync(root, { recursive: true });
  }
});

test('create makes missing directories and removes them again when a write fails', () => {
  const root = fakeTree({ intermediate: false });
  try {
    const { m } = manager(root, '/a/b');
    // A fresh plain directory has no controller files: the pids write fails (ENOENT) ...
    assert.throws(() => m.create({ pids: { limit: 5 } }), /controller is not available in .*\/a\/b\/cgroup.controllers/);
    // ... and the levels create() made are gone again.
    assert.equal(fs.existsSync(path.join(root, 'a')), false);
    const { m: m2 } = manager(root, '/a/b');
    m2.create(undefined);
    assert.equal(fs.statSync(path.join(root, 'a/b')).isDirectory(), true);
    fs.rmSync(path.join(root, 'a'), { recursive: true });
  } finally {
    fs.rmSync(root, { recursive: true });
  }
});

test('errors name the file and the value; v1-only resources and bad unified keys are refused', () => {
  const root = fakeTree();
  try {
    const { m } = manager(root);
    fs.rmSync(path.join(root, 'tsrun/c1/memory.swap.max'));
    assert.throws(() => m.create({ memory: { limit: 100, swap: 200 } }),
      (e) => e.message === `write ${path.join(root, 'tsrun/c1/memory.swap.max')} 100: ENOENT: no such file or directory` && e.code === 'ENOENT');
    assert.throws(() => m.create({ network: { classID: 5 } }), /not supported on cgroup v2/);
    assert.throws(() => m.create({ cpu: { realtimeRuntime: 950000 } }), /realtimeRuntime \(950000\).*not supported on cgroup v2/);
    assert.throws(() => m.create({ memory: { swap: 200 } }), /unable to set swap limit without memory limit/);
    assert.throws(() => m.create({ unified: { '../memory.max': '1' } }), /must be a file name/);
    assert.throws(() => m.create({ unified: { 'a/memory.max': '1' } }), /must be a file name/);
    assert.throws(() => m.create({ unified: { memorymax: '1' } }), /CONTROLLER.PARAMETER/);
    assert.throws(() => m.create({ unified: { 'memory.max': 5 } }), /value must be a string/);
    assert.throws(() => m.create({ unified: { 'misc.max': 'x 1' } }), /controller "misc" is not available/);
    assert.throws(() => m.create({ hugepageLimits: [{ pageSize: '1GB', limit: 1 }] }), /hugepage size 1GB is not supported: no hugetlb.1GB.max .*\(sizes: 2MB\)/);
  } finally {
    fs.rmSync(root, { recursive: true });
  }
});

test('update: only the given fields, the other half of cpu.max kept, swap from the current limit, checkBeforeUpdate', () => {
  const root = fakeTree();
  try {
    const { m, loads } = manager(root);
    m.create({ cpu: { quota: 20000 }, memory: { limit: 1 << 20 } });
    assert.equal(read(root, 'tsrun/c1/cpu.max'), '20000 100000');
    loads.length = 0;
    let writes = recordWrites(() => m.update({ cpu: { period: 50000 } }));
    assert.deepEqual(rel(root, writes), [['tsrun/c1/cpu.max', '20000 50000']]);
    writes = recordWrites(() => m.update({ cpu: { quota: -1 } }));
    assert.deepEqual(rel(root, writes), [['tsrun/c1/cpu.max', 'max 50000']]);
    writes = recordWrites(() => m.update({ memory: { swap: 3 << 20 } }));
    assert.deepEqual(rel(root, writes), [['tsrun/c1/memory.swap.max', String(2 << 20)]]);
    writes = recordWrites(() => m.update({ memory: { limit: -1 } }));
    assert.deepEqual(rel(root, writes), [['tsrun/c1/memory.swap.max', 'max'], ['tsrun/c1/memory.max', 'max']]);
    writes = recordWrites(() => m.update({ pids: { limit: 0 } }));
    assert.deepEqual(rel(root, writes), [['tsrun/c1/pids.max', 'max']]);
    // No devices in the update: the filter is left alone; with devices: replaced.
    assert.equal(loads.length, 0);
    m.update({ devices: [{ allow: true, type: 'c', major: 4, minor: 1, access: 'rw' }] });
    assert.equal(loads.length, 1);
    // memory.current is 4096 in the tree.
    assert.throws(() => m.update({ memory: { limit: 4096, checkBeforeUpdate: true } }), /rejecting memory limit 4096 below current usage 4096/);
    assert.throws(() => m.update({ memory: { limit: 8192, swap: 4096, checkBeforeUpdate: true } }), /rejecting memory\+swap limit 4096/);
    m.update({ memory: { limit: 8192, checkBeforeUpdate: true } });
    assert.equal(read(root, 'tsrun/c1/memory.max'), '8192');
  } finally {
    fs.rmSync(root, { recursive: true });
  }
});

test('swap equal to the memory limit disables swap ("0"), and io.bfq.weight takes the v1 weight as is', () => {
  const root = fakeTree({ leafFiles: { ...LEAF_FILES, 'io.bfq.weight': 'default 100\n' } });
  try {
    const { m } = manager(root);
    const writes = recordWrites(() => m.create({ memory: { limit: 1000, swap: 1000 }, blockIO: { weight: 300, weightDevice: [{ major: 8, minor: 0, weight: 20 }] } }));
    assert.deepEqual(rel(root, writes).filter(([f]) => !f.endsWith('subtree_control')), [
      ['tsrun/c1/memory.swap.max', '0'],
      ['tsrun/c1/memory.max', '1000'],
      ['tsrun/c1/io.bfq.weight', '300'],
      ['tsrun/c1/io.bfq.weight', '8:0 20'],
    ]);
  } finally {
    fs.rmSync(root, { recursive: true });
  }
});

test('a controller missing from cgroup.controllers is a clear error; a threaded level refuses domain controllers', () => {
  const root = fakeTree({ leafFiles: { ...LEAF_FILES, 'cgroup.controllers': 'hugetlb\n' } });
  try {
    const { m } = manager(root);
    assert.throws(() => m.create({ memory: { limit: 1 } }), new RegExp(`cannot set memory limits: the memory controller is not available in ${path.join(root, 'tsrun/c1')}/cgroup.controllers`));
    m.create({ hugepageLimits: [{ pageSize: '2MB', limit: 2097152 }] });
    fs.writeFileSync(path.join(root, 'tsrun/cgroup.type'), 'threaded\n');
    assert.throws(() => manager(root).m.create({ memory: { limit: 1 } }), /with domain controllers: it is in threaded mode/);
  } finally {
    fs.rmSync(root, { recursive: true });
  }
});

test('addProcess, pids (recursive), freeze/thaw through cgroup.freeze and cgroup.events, signalAll with cgroup.kill', () => {
  const root = fakeTree();
  try {
    const { m } = manager(root);
    m.create(undefined);
    const leaf = path.join(root, 'tsrun/c1');
    let writes = recordWrites(() => m.addProcess(4242));
    assert.deepEqual(rel(root, writes), [['tsrun/c1/cgroup.procs', '4242']]);
    fs.writeFileSync(path.join(leaf, 'cgroup.procs'), '10\n11\n');
    fs.mkdirSync(path.join(leaf, 'sub'));
    fs.writeFileSync(path.join(leaf, 'sub/cgroup.procs'), '12\n');
    assert.deepEqual(m.pids().sort(), [10, 11, 12]);

    // The fake kernel already reports the target state: freeze returns at once.
    fs.writeFileSync(path.join(leaf, 'cgroup.events'), 'populated 1\nfrozen 1\n');
    writes = recordWrites(() => m.freeze());
    assert.deepEqual(rel(root, writes), [['tsrun/c1/cgroup.freeze', '1']]);
    assert.equal(m.isFrozen(), true);
    fs.writeFileSync(path.join(leaf, 'cgroup.events'), 'populated 1\nfrozen 0\n');
    m.thaw();
    assert.equal(m.isFrozen(), false);

    writes = recordWrites(() => m.signalAll(9));
    assert.deepEqual(rel(root, writes), [['tsrun/c1/cgroup.kill', '1']]);
    fs.rmSync(path.join(leaf, 'sub'), { recursive: true });
  } finally {
    fs.rmSync(root, { recursive: true });
  }
});

test('a controller subtree_control refused names that refusal where it is found missing', () => {
  // As the kernel leaves it: the leaf neither lists memory nor has its files.
  const leafFiles = Object.fromEntries(Object.entries(LEAF_FILES).filter(([f]) => !f.startsWith('memory.')));
  leafFiles['cgroup.controllers'] = CONTROLLERS.replace('memory ', '');
  const root = fakeTree({ leafFiles });
  try {
    // The kernel refuses memory in tsrun/ (EBUSY there: processes in it); a
    // file that reads but cannot be opened for writing, even by root, stands
    // in for the refusal here.
    const sc = path.join(root, 'tsrun/cgroup.subtree_control');
    fs.rmSync(sc);
    fs.symlinkSync('/proc/version', sc);
    const refusedCode = (f) => { try { fs.writeFileSync(f, '+memory'); } catch (e) { return e.code; } return 'none'; };
    const { m } = manager(root);
    assert.throws(() => m.create({ memory: { limit: 1048576 } }),
      { message: `cannot set memory limits: the memory controller is not available in ${path.join(root, 'tsrun/c1')}/cgroup.controllers`
        + ` (enabling it in ${sc} failed: ${refusedCode(sc)})` });
  } finally {
    fs.rmSync(root, { recursive: true });
  }
});

test('a freeze whose check fails is thawed back, not left half frozen', () => {
  const root = fakeTree();
  try {
    const { m } = manager(root);
    m.create(undefined);
    const leaf = path.join(root, 'tsrun/c1');
    // cgroup.events unreadable: the poll throws instead of timing out.
    fs.rmSync(path.join(leaf, 'cgroup.events'));
    fs.mkdirSync(path.join(leaf, 'cgroup.events'));
    assert.throws(() => m.freeze(), /cgroup\.events/);
    assert.equal(fs.readFileSync(path.join(leaf, 'cgroup.freeze'), 'utf8'), '0');
    assert.equal(m.isFrozen(), false);
  } finally {
    fs.rmSync(root, { recursive: true });
  }
});

test('stats: runc\'s field names from cpu.stat, memory.*, io.stat, pids.* and hugetlb.*', () => {
  const root = fakeTree();
  try {
    const { m } = manager(root);
    m.create(undefined);
    const s = m.stats();
    assert.deepEqual(s.cpu, {
      usage: { total: 1500000, percpu: [], percpu_kernel: [], percpu_user: [], kernel: 500000, user: 1000000 },
      throttling: { periods: 7, throttledPeriods: 2, throttledTime: 30000 },
    });
    assert.deepEqual(s.memory.usage, { usage: 4096, limit: (1n << 64n) - 1n, max: 8192, failcnt: 3 });
    assert.deepEqual(s.memory.swap, { usage: 4096, limit: (1n << 64n) - 1n, max: 0, failcnt: 0 });
    assert.equal(s.memory.cache, 2048);
    assert.deepEqual(s.memory.raw, { anon: 1024, file: 2048, kernel: 512 });
    assert.deepEqual(s.pids, { current: 3, limit: 0 });
    assert.deepEqual(s.blkio.ioServiceBytesRecursive, [
      { major: 8, minor: 0, op: 'Read', value: 4096 }, { major: 8, minor: 0, op: 'Write', value: 8192 },
    ]);
    assert.deepEqual(s.blkio.ioServicedRecursive, [
      { major: 8, minor: 0, op: 'Read', value: 1 }, { major: 8, minor: 0, op: 'Write', value: 2 },
    ]);
    assert.deepEqual(s.hugetlb, { '2MB': { usage: 2097152, max: 0, failcnt: 1 } });
    assert.match(cg.statsJSON(s), /"limit":18446744073709551615/);
  } finally {
    fs.rmSync(root, { recursive: true });
  }
});
