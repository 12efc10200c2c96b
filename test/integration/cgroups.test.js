'use strict';
// The cgroup library on this machine's kernel, as root: v1 hierarchies
// (limits written and read back, processes added, frozen, counted, signalled,
// removed), the hybrid host's cgroup2 for hugetlb, the systemd path form on
// cgroupfs, and a real cgroup2 (the unified mount) for the core files,
// hugetlb and the eBPF device filter. Every cgroup created here is removed
// again, and a controller enabled at the cgroup2 root is disabled again.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const cg = require('../../dist/cgroups');

const ROOT = '/sys/fs/cgroup';
const isRoot = process.getuid && process.getuid() === 0;
const layout = fs.existsSync(ROOT) ? cg.detectLayout(ROOT) : 'none';
const V2_ROOT = layout === 'unified' ? ROOT : layout === 'hybrid' ? path.join(ROOT, 'unified') : undefined;
const skipV1 = !isRoot ? 'needs root' : layout === 'unified' || layout === 'none' ? 'no cgroup v1 on this host' : false;
const skipV2 = !isRoot ? 'needs root' : !V2_ROOT ? 'no cgroup2 mount on this host' : false;
const PREFIX = `tsrun-cgtest-${process.pid}-`;
let seq = 0;
const newId = () => `${PREFIX}${seq++}`;

const read = (dir, file) => fs.readFileSync(path.join(dir, file), 'utf8').trim();
const has = (dir, file) => fs.existsSync(path.join(dir, file));
const hugePages2M = fs.existsSync('/sys/kernel/mm/hugepages/hugepages-2048kB');

function sleeper() {
  return spawn('sleep', ['300'], { stdio: 'ignore' });
}

function exited(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', resolve));
}

/** A whole-disk block device (major, minor) for the throttle files. */
function blockDevice() {
  let names = [];
  try {
    names = fs.readdirSync('/sys/block');
  } catch {
    return undefined;
  }
  names.sort((a, b) => Number(/^(loop|ram|zram)/.test(a)) - Number(/^(loop|ram|zram)/.test(b)));
  for (const n of names) {
    const m = /^(\d+):(\d+)$/.exec(fs.readFileSync(`/sys/block/${n}/dev`, 'utf8').trim());
    if (m) return { major: Number(m[1]), minor: Number(m[2]) };
  }
  return undefined;
}

/** Enables nothing for good: whatever tsrun turns on at a cgroup2 root is turned off again. */
function keepSubtreeControl(t, dir) {
  const before = new Set(read(dir, 'cgroup.subtree_control').split(/\s+/).filter(Boolean));
  t.after(() => {
    const now = read(dir, 'cgroup.subtree_control').split(/\s+/).filter(Boolean);
    for (const c of now) if (!before.has(c)) fs.writeFileSync(path.join(dir, 'cgroup.subtree_control'), `-${c}`);
  });
}

function cleanup(t, m, children = []) {
  t.after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all(children.map(exited));
    try { if (m.isFrozen()) m.thaw(); } catch { /* gone */ }
    m.remove();
  });
}

test('v1: create writes every controller\'s limits, the kernel holds them, update reorders, errors name file and value', { skip: skipV1 }, (t) => {
  const id = newId();
  const m = cg.cgroupManager({ id, cgroupsPath: `/${id}`, systemd: false });
  cleanup(t, m);
  assert.equal(m.version, 1);
  assert.equal(m.enabled, true);
  assert.equal(m.path(), `/${id}`);
  const d = m.paths();
  for (const h of ['memory', 'cpu', 'cpuset', 'pids', 'devices', 'freezer']) assert.equal(d[h], path.join(ROOT, h, id), h);
  const memsw = has(path.join(ROOT, 'memory'), 'memory.memsw.limit_in_bytes');
  const dev = blockDevice();
  const cpuRoot = path.join(ROOT, 'cpu');
  m.create({
    memory: { limit: 64 << 20, ...(memsw ? { swap: 128 << 20 } : {}), reservation: 32 << 20, swappiness: 10 },
    cpu: {
      shares: 512, quota: 50000, period: 100000, cpus: '0', mems: '0',
      ...(has(cpuRoot, 'cpu.cfs_burst_us') ? { burst: 1000 } : {}),
      ...(has(cpuRoot, 'cpu.rt_runtime_us') ? { realtimeRuntime: 1000, realtimePeriod: 1000000 } : {}),
    },
    pids: { limit: 50 },
    blockIO: dev ? { throttleReadBpsDevice: [{ ...dev, rate: 1048576 }], throttleWriteIOPSDevice: [{ ...dev, rate: 300 }] } : undefined,
    devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'b', major: 7, minor: 0, access: 'r' }],
  });
  assert.equal(read(d.memory, 'memory.limit_in_bytes'), String(64 << 20));
  if (memsw) assert.equal(read(d.memory, 'memory.memsw.limit_in_bytes'), String(128 << 20));
  assert.equal(read(d.memory, 'memory.soft_limit_in_bytes'), String(32 << 20));
  assert.equal(read(d.memory, 'memory.swappiness'), '10');
  assert.equal(read(d.cpu, 'cpu.shares'), '512');
  assert.equal(read(d.cpu, 'cpu.cfs_quota_us'), '50000');
  assert.equal(read(d.cpu, 'cpu.cfs_period_us'), '100000');
  if (has(cpuRoot, 'cpu.cfs_burst_us')) assert.equal(read(d.cpu, 'cpu.cfs_burst_us'), '1000');
  if (has(cpuRoot, 'cpu.rt_runtime_us')) assert.equal(read(d.cpu, 'cpu.rt_runtime_us'), '1000');
  assert.equal(read(d.cpuset, 'cpuset.cpus'), '0');
  assert.equal(read(d.cpuset, 'cpuset.mems'), '0');
  assert.equal(read(d.pids, 'pids.max'), '50');
  if (dev) {
    assert.equal(read(d.blkio, 'blkio.throttle.read_bps_device'), `${dev.major}:${dev.minor} 1048576`);
    assert.equal(read(d.blkio, 'blkio.throttle.write_iops_device'), `${dev.major}:${dev.minor} 300`);
  }
  assert.deepEqual(read(d.devices, 'devices.list').split('\n'), [
    'b 7:0 r', 'c *:* m', 'b *:* m', 'c 1:3 rwm', 'c 1:8 rwm', 'c 1:7 rwm', 'c 5:0 rwm', 'c 1:5 rwm', 'c 1:9 rwm', 'c 136:* rwm', 'c 5:2 rwm', 'c 10:200 rwm',
  ]);

  // Growing both limits needs memsw first, shrinking needs memory first.
  if (memsw) {
    m.update({ memory: { limit: 256 << 20, swap: 512 << 20 } });
    assert.equal(read(d.memory, 'memory.limit_in_bytes'), String(256 << 20));
    assert.equal(read(d.memory, 'memory.memsw.limit_in_bytes'), String(512 << 20));
    m.update({ memory: { limit: 16 << 20, swap: 16 << 20 } });
    assert.equal(read(d.memory, 'memory.limit_in_bytes'), String(16 << 20));
    assert.equal(read(d.memory, 'memory.memsw.limit_in_bytes'), String(16 << 20));
    // memsw below the memory limit: the kernel's EINVAL, with file and value.
    assert.throws(() => m.update({ memory: { swap: 1 << 20 } }), (e) =>
      e.message === `write ${d.memory}/memory.memsw.limit_in_bytes ${1 << 20}: EINVAL: invalid argument` && e.code === 'EINVAL');
  }
  m.update({ pids: { limit: -1 }, cpu: { quota: -1 } });
  assert.equal(read(d.pids, 'pids.max'), 'max');
  assert.equal(read(d.cpu, 'cpu.cfs_quota_us'), '-1');
  assert.throws(() => m.update({ cpu: { shares: 1 } }), /cpu.shares 1: the minimum allowed cpu-shares is 2/);
  assert.throws(() => m.update({ cpu: { cpus: '4096' } }), new RegExp(`^CgroupError: write ${d.cpuset}/cpuset.cpus 4096: E`));

  const s = m.stats();
  assert.deepEqual(s.pids, { current: 0, limit: 0 });
  assert.equal(s.memory.usage.limit, memsw ? 16 << 20 : 64 << 20);
  assert.equal(typeof s.cpu.usage.total, 'number');
  assert.ok(Array.isArray(s.cpu.usage.percpu));
  assert.ok(Array.isArray(s.blkio.ioServiceBytesRecursive));
  assert.doesNotThrow(() => JSON.parse(cg.statsJSON(s)));

  m.remove();
  for (const dir of Object.values(d)) assert.equal(fs.existsSync(dir), false, dir);
  m.remove(); // missing directories are fine
});

test('v1: processes join every hierarchy, are counted, frozen, signalled, and the cgroup goes once they exit', { skip: skipV1 }, async (t) => {
  const id = newId();
  const [a, b, c] = [sleeper(), sleeper(), sleeper()];
  const m = cg.cgroupManager({ id, cgroupsPath: `/${id}`, systemd: false });
  cleanup(t, m, [a, b, c]);
  m.create({ pids: { limit: 10 } });
  m.addProcess(a.pid);
  m.addProcess(b.pid);
  const own = fs.readFileSync(`/proc/${a.pid}/cgroup`, 'utf8');
  for (const h of ['memory', 'cpu', 'pids', 'devices', 'freezer', 'name=systemd']) {
    if (m.paths()[h]) assert.match(own, new RegExp(`:${h}:/${id}\n`), h);
  }
  if (layout === 'hybrid') assert.match(own, new RegExp(`^0::/${id}$`, 'm'));

  // A sub-cgroup (as a container's own nested cgroups) is counted and removed too.
  const sub = path.join(m.paths().devices, 'sub');
  fs.mkdirSync(sub);
  fs.writeFileSync(path.join(sub, 'cgroup.procs'), String(b.pid));
  assert.deepEqual(m.pids().sort((x, y) => x - y), [a.pid, b.pid].sort((x, y) => x - y));

  m.freeze();
  assert.equal(m.isFrozen(), true);
  assert.equal(read(m.paths().freezer, 'freezer.state'), 'FROZEN');
  m.thaw();
  assert.equal(m.isFrozen(), false);
  assert.equal(read(m.paths().freezer, 'freezer.state'), 'THAWED');

  const s = m.stats();
  assert.deepEqual(s.pids, { current: 2, limit: 10 });

  m.signalAll(15);
  await Promise.all([exited(a), exited(b)]);
  assert.equal(a.signalCode, 'SIGTERM');
  assert.equal(b.signalCode, 'SIGTERM');
  assert.equal(m.isFrozen(), false);

  // A paused container still dies on SIGKILL.
  m.addProcess(c.pid);
  m.freeze();
  m.signalAll(9);
  await exited(c);
  assert.equal(c.signalCode, 'SIGKILL');

  m.remove();
  assert.equal(fs.existsSync(sub), false);
  for (const dir of Object.values(m.paths())) assert.equal(fs.existsSync(dir), false, dir);
});

test('v1 on a hybrid host: hugetlb limits go to the cgroup2 hierarchy when v1 has no hugetlb', {
  skip: skipV1 || (layout !== 'hybrid' ? 'not a hybrid host' : fs.existsSync(path.join(ROOT, 'hugetlb')) ? 'hugetlb is a v1 hierarchy here' :
    !read(V2_ROOT, 'cgroup.controllers').split(/\s+/).includes('hugetlb') || !hugePages2M ? 'no cgroup2 hugetlb with 2MB pages' : false),
}, (t) => {
  keepSubtreeControl(t, V2_ROOT);
  const id = newId();
  const m = cg.cgroupManager({ id, cgroupsPath: `/${id}`, systemd: false });
  cleanup(t, m);
  m.create({ hugepageLimits: [{ pageSize: '2MB', limit: 4 << 20 }] });
  assert.equal(read(m.paths()[''], 'hugetlb.2MB.max'), String(4 << 20));
  m.update({ hugepageLimits: [{ pageSize: '2MB', limit: 2 << 20 }] });
  assert.equal(read(m.paths()[''], 'hugetlb.2MB.max'), String(2 << 20));
  assert.deepEqual(m.stats().hugetlb['2MB'], { usage: 0, max: 0, failcnt: 0 });
  assert.throws(() => m.update({ hugepageLimits: [{ pageSize: '3MB', limit: 1 }] }), /hugepage size 3MB is not supported/);
  m.remove();
  assert.equal(fs.existsSync(m.paths()['']), false);
});

test('systemd cgroupsPath on cgroupfs: slice:prefix:name becomes the expanded slice and a scope', { skip: skipV1 }, (t) => {
  const id = newId();
  const slice = `tsrun-${process.pid}.slice`;
  const m = cg.cgroupManager({ id, cgroupsPath: `${slice}:tsruntest:${id}`, systemd: true });
  t.after(() => {
    m.remove();
    for (const mount of Object.values(m.paths()).map((p) => p.split('/tsrun.slice/')[0])) {
      for (const rel of [`tsrun.slice/${slice}`, 'tsrun.slice']) {
        try { fs.rmdirSync(path.join(mount, rel)); } catch { /* not ours or not empty */ }
      }
    }
  });
  assert.equal(m.path(), `/tsrun.slice/${slice}/tsruntest-${id}.scope`);
  m.create(undefined);
  assert.ok(fs.statSync(path.join(ROOT, 'memory', m.path())).isDirectory());
  assert.throws(() => cg.cgroupManager({ id, cgroupsPath: '/not/systemd', systemd: true }), /slice:prefix:name/);
});

test('cgroup2 for real: core files, hugetlb, freeze, kill and the eBPF device filter', { skip: skipV2 }, async (t) => {
  keepSubtreeControl(t, V2_ROOT);
  const { attachedDevicePrograms } = require('../../dist/cgroups/v2/bpf/syscall');
  const id = newId();
  const m = cg.cgroupManager({ id, cgroupsPath: `/${id}`, systemd: false, root: V2_ROOT });
  const a = sleeper();
  const b = sleeper();
  cleanup(t, m, [a, b]);
  assert.equal(m.version, 2);
  const dir = m.paths()[''];
  assert.equal(dir, path.join(V2_ROOT, id));
  const hugetlb = read(V2_ROOT, 'cgroup.controllers').split(/\s+/).includes('hugetlb') && hugePages2M;
  m.create({
    devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 240, minor: 77, access: 'r' }],
    ...(hugetlb ? { hugepageLimits: [{ pageSize: '2MB', limit: 4 << 20 }] } : {}),
  });
  if (hugetlb) {
    assert.equal(read(dir, 'hugetlb.2MB.max'), String(4 << 20));
    assert.deepEqual(m.stats().hugetlb['2MB'], { usage: 0, max: 0, failcnt: 0 });
  }
  assert.deepEqual(attachedDevicePrograms(dir), ['tsrun_devices']);

  // A device number no driver has: ENXIO when the filter lets the open
  // through, EPERM when it does not.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-dev-'));
  t.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const node = path.join(tmp, 'node');
  assert.equal(spawnSync('mknod', [node, 'c', '240', '77']).status, 0);
  const inCgroup = (cmd) => spawnSync('sh', ['-c', `echo $$ > ${dir}/cgroup.procs && exec sh -c '${cmd}'`], { encoding: 'utf8' }).stderr;
  assert.match(inCgroup(`echo x > ${node}`), /Operation not permitted/);
  assert.match(inCgroup(`cat ${node}`), /No such device or address/);
  assert.match(inCgroup('echo x > /dev/null && echo ok >&2'), /^ok$/m);
  m.update({ devices: [{ allow: true, type: 'c', major: 240, minor: 77, access: 'rw' }] });
  assert.deepEqual(attachedDevicePrograms(dir), ['tsrun_devices']); // replaced, not stacked
  assert.match(inCgroup(`echo x > ${node}`), /No such device or address/);
  m.update({ pids: undefined });
  assert.deepEqual(attachedDevicePrograms(dir), ['tsrun_devices']);

  m.addProcess(a.pid);
  assert.match(fs.readFileSync(`/proc/${a.pid}/cgroup`, 'utf8'), new RegExp(`^0::/${id}$`, 'm'));
  assert.deepEqual(m.pids(), [a.pid]);
  m.freeze();
  assert.equal(m.isFrozen(), true);
  assert.match(read(dir, 'cgroup.events'), /^frozen 1$/m);
  m.thaw();
  assert.equal(m.isFrozen(), false);
  assert.match(read(dir, 'cgroup.events'), /^frozen 0$/m);
  const s = m.stats();
  assert.equal(typeof s.cpu.usage.total, 'number');

  m.signalAll(15); // freeze, signal each, thaw
  await exited(a);
  assert.equal(a.signalCode, 'SIGTERM');
  m.addProcess(b.pid);
  m.signalAll(9); // cgroup.kill
  await exited(b);
  assert.equal(b.signalCode, 'SIGKILL');

  // Loading the container back from the recorded path sees the same cgroup.
  const loaded = cg.loadCgroupManager({ id, systemd: false, root: V2_ROOT, path: m.path() });
  assert.deepEqual(loaded.paths(), m.paths());
  loaded.remove();
  assert.equal(fs.existsSync(dir), false);
});

test('no cgroup of these tests is left behind', { skip: !isRoot && 'needs root' }, () => {
  const left = [];
  const walk = (d, depth) => {
    let entries = [];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      if (e.name.startsWith(PREFIX) || e.name === `tsrun-${process.pid}.slice`) left.push(path.join(d, e.name));
      else if (depth < 2) walk(path.join(d, e.name), depth + 1);
    }
  };
  walk(ROOT, 0);
  assert.deepEqual(left, []);
});
