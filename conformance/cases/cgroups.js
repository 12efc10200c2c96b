'use strict';
// Control groups (config-linux.md "Control groups"), checked in the cgroup v1
// files of the container's cgroup, found through /proc/PID/cgroup.
const fs = require('fs');
const path = require('path');
const A = require('../lib/assert');
const P = require('../lib/proc');

const MB = 1024 * 1024;

function cgFile(b, ctrl, file) {
  const d = P.cgroupDir(b.pid, ctrl);
  if (!d) A.fail(`no ${ctrl} line in /proc/${b.pid}/cgroup (controller not mounted on this host?)`);
  // the values must be those of the container's own cgroup (cgroupsPath /conformance/<id>)
  if (!d.includes(b.id)) A.fail(`${ctrl} cgroup of the container process: expected the configured cgroupsPath /conformance/${b.id}, got ${d}`);
  const t = P.readText(path.join(d, file));
  if (t === null) A.fail(`${ctrl} file ${path.join(d, file)} does not exist`);
  return t.trim();
}

// start a container with linux.resources[key] = value, check one file
function resCase(id, spec, set, ctrl, file, want) {
  return {
    id: `cgroups/${id}`, spec,
    run: async (ctx) => {
      const b = await ctx.startLong((c) => set(c.linux.resources, c));
      const got = cgFile(b, ctrl, file);
      if (want instanceof RegExp) A.match(got, want, `${ctrl}/${file}`);
      else A.eq(got, String(want), `${ctrl}/${file}`);
    },
  };
}

// the block device holding the root filesystem, as major:minor
function rootDisk() {
  for (const d of P.safeReaddir('/sys/block')) {
    if (/^(loop|ram|zram)/.test(d)) continue;
    const mm = (P.readText(`/sys/block/${d}/dev`) || '').trim();
    if (mm) return mm.split(':').map(Number);
  }
  return [8, 0];
}

module.exports = [
  {
    id: 'cgroups/path-absolute',
    spec: 'config-linux.md cgroupsPath: an absolute path is taken relative to the cgroups mount point',
    run: async (ctx) => {
      const b = await ctx.startLong((c) => { c.linux.cgroupsPath = `/conformance/${ctx.id}-abs`; });
      const cg = P.parseCgroup(P.readText(`/proc/${b.pid}/cgroup`));
      for (const c of ['memory', 'pids', 'cpu', 'devices', 'blkio']) A.eq(cg[c], `/conformance/${ctx.id}-abs`, `${c} cgroup of the container process`);
    },
  },
  {
    id: 'cgroups/path-relative',
    spec: 'config-linux.md cgroupsPath: a relative path MAY be interpreted relative to a runtime-determined location (it ends the cgroup path)',
    run: async (ctx) => {
      const rel = `conformance-rel/${ctx.id}`;
      const b = await ctx.startLong((c) => { c.linux.cgroupsPath = rel; });
      const cg = P.parseCgroup(P.readText(`/proc/${b.pid}/cgroup`));
      for (const c of ['memory', 'pids']) {
        const d = P.cgroupDir(b.pid, c);
        if (d) { ctx.extraCgroups.add(d); ctx.extraCgroups.add(path.dirname(d)); }
      }
      for (const c of ['memory', 'pids', 'devices']) A.ok(cg[c] && cg[c].endsWith('/' + rel), `${c} cgroup of the container process: expected a path ending in /${rel}, got ${A.show(cg[c])}`);
    },
  },
  {
    id: 'cgroups/process-in-cgroup',
    spec: 'config-linux.md cgroupsPath: the container process is attached to the configured cgroup (listed in cgroup.procs)',
    run: async (ctx) => {
      const b = await ctx.startLong();
      const procs = cgFile(b, 'memory', 'cgroup.procs').split('\n').map(Number);
      A.ok(procs.includes(b.pid), `memory cgroup.procs: expected ${b.pid}, got ${A.show(procs)}`);
      A.eq(P.parseCgroup(P.readText(`/proc/${b.pid}/cgroup`)).memory, `/conformance/${b.id}`, 'memory cgroup of the container process');
    },
  },
  {
    id: 'cgroups/removed-on-delete',
    spec: 'runtime.md delete: deleting a container MUST delete the resources created during create (its cgroups)',
    run: async (ctx) => {
      const b = await ctx.startLong();
      const dirs = ['memory', 'pids', 'cpu'].map((c) => P.cgroupDir(b.pid, c)).filter(Boolean);
      A.ok(dirs.length && dirs.every((d) => fs.existsSync(d)), 'container cgroup directories not found');
      await ctx.kill(b, '9');
      A.ok(await ctx.waitExit(b, 5000), 'container did not die');
      await ctx.waitStatus(b, 'stopped');
      A.succeeded(await ctx.delete(b), 'delete');
      for (const d of dirs) A.ok(!fs.existsSync(d), `cgroup ${d} still exists after delete`);
    },
  },
  resCase('memory-limit', 'config-linux.md memory.limit: sets the limit of memory usage (memory.limit_in_bytes)',
    (r) => { r.memory = { limit: 64 * MB }; }, 'memory', 'memory.limit_in_bytes', 64 * MB),
  resCase('memory-reservation', 'config-linux.md memory.reservation: sets the soft limit (memory.soft_limit_in_bytes)',
    (r) => { r.memory = { limit: 64 * MB, reservation: 32 * MB }; }, 'memory', 'memory.soft_limit_in_bytes', 32 * MB),
  resCase('memory-swap', 'config-linux.md memory.swap: sets the limit of memory+swap usage (memory.memsw.limit_in_bytes)',
    (r) => { r.memory = { limit: 64 * MB, swap: 128 * MB }; }, 'memory', 'memory.memsw.limit_in_bytes', 128 * MB),
  resCase('memory-swappiness', 'config-linux.md memory.swappiness: sets the swappiness of the cgroup (memory.swappiness)',
    (r) => { r.memory = { swappiness: 30 }; }, 'memory', 'memory.swappiness', 30),
  resCase('memory-disable-oom-killer', 'config-linux.md memory.disableOOMKiller: true disables the OOM killer (memory.oom_control)',
    (r) => { r.memory = { limit: 64 * MB, disableOOMKiller: true }; }, 'memory', 'memory.oom_control', /oom_kill_disable 1/),
  resCase('cpu-shares', 'config-linux.md cpu.shares: the relative share of CPU time (cpu.shares)',
    (r) => { r.cpu = { shares: 512 }; }, 'cpu', 'cpu.shares', 512),
  resCase('cpu-quota', 'config-linux.md cpu.quota: the total CPU time in a period (cpu.cfs_quota_us)',
    (r) => { r.cpu = { quota: 50000, period: 100000 }; }, 'cpu', 'cpu.cfs_quota_us', 50000),
  resCase('cpu-period', 'config-linux.md cpu.period: the CFS period (cpu.cfs_period_us)',
    (r) => { r.cpu = { quota: 50000, period: 250000 }; }, 'cpu', 'cpu.cfs_period_us', 250000),
  resCase('cpu-cpus', 'config-linux.md cpu.cpus: the CPUs the container may run on (cpuset.cpus)',
    (r) => { r.cpu = { cpus: '0' }; }, 'cpuset', 'cpuset.cpus', '0'),
  resCase('cpu-mems', 'config-linux.md cpu.mems: the memory nodes the container may use (cpuset.mems)',
    (r) => { r.cpu = { mems: '0' }; }, 'cpuset', 'cpuset.mems', '0'),
  resCase('pids-limit', 'config-linux.md pids.limit: the maximum number of tasks (pids.max)',
    (r) => { r.pids = { limit: 64 }; }, 'pids', 'pids.max', 64),
  {
    id: 'cgroups/blkio-weight',
    spec: 'config-linux.md blockIO.weight: the per-cgroup block IO weight (blkio.weight, or blkio.bfq.weight with BFQ)',
    run: async (ctx) => {
      const b = await ctx.startLong((c) => { c.linux.resources.blockIO = { weight: 500 }; });
      const d = P.cgroupDir(b.pid, 'blkio');
      if (!d.includes(b.id)) A.fail(`blkio cgroup of the container process: expected /conformance/${b.id}, got ${d}`);
      const files = ['blkio.weight', 'blkio.bfq.weight'].filter((f) => fs.existsSync(path.join(d, f)));
      A.ok(files.length, `neither blkio.weight nor blkio.bfq.weight exists in ${d}`);
      const vals = files.map((f) => P.readText(path.join(d, f)).trim().split('\n')[0].replace(/^default\s+/, ''));
      A.ok(vals.includes('500'), `blkio weight: expected 500 in ${files.join('/')}, got ${A.show(vals)}`);
    },
  },
  {
    id: 'cgroups/blkio-throttle-read-bps',
    spec: 'config-linux.md blockIO.throttleReadBpsDevice: per-device read rate limit (blkio.throttle.read_bps_device)',
    run: async (ctx) => {
      const [major, minor] = rootDisk();
      const b = await ctx.startLong((c) => { c.linux.resources.blockIO = { throttleReadBpsDevice: [{ major, minor, rate: MB }] }; });
      A.includes(cgFile(b, 'blkio', 'blkio.throttle.read_bps_device'), `${major}:${minor} ${MB}`, 'blkio.throttle.read_bps_device');
    },
  },
  {
    id: 'cgroups/blkio-throttle-write-iops',
    spec: 'config-linux.md blockIO.throttleWriteIOPSDevice: per-device write IO/s limit (blkio.throttle.write_iops_device)',
    run: async (ctx) => {
      const [major, minor] = rootDisk();
      const b = await ctx.startLong((c) => { c.linux.resources.blockIO = { throttleWriteIOPSDevice: [{ major, minor, rate: 300 }] }; });
      A.includes(cgFile(b, 'blkio', 'blkio.throttle.write_iops_device'), `${major}:${minor} 300`, 'blkio.throttle.write_iops_device');
    },
  },
  resCase('hugepage-limit', 'config-linux.md hugepageLimits: the hugetlb limit per page size (hugetlb.2MB.limit_in_bytes)',
    (r) => { r.hugepageLimits = [{ pageSize: '2MB', limit: 4 * MB }]; }, 'hugetlb', 'hugetlb.2MB.limit_in_bytes', 4 * MB),
  resCase('network-classid', 'config-linux.md network.classID: the network class identifier (net_cls.classid)',
    (r) => { r.network = { classID: 1048577 }; }, 'net_cls', 'net_cls.classid', 1048577),
  resCase('network-priorities', 'config-linux.md network.priorities: per-interface priority (net_prio.ifpriomap)',
    (r) => { r.network = { priorities: [{ name: 'lo', priority: 5 }] }; }, 'net_prio', 'net_prio.ifpriomap', /^lo 5$/m),
  {
    id: 'cgroups/devices-rules',
    spec: 'config-linux.md devices: the runtime MUST apply the allowlist entries in order (deny all, then allow c 10:229 rw)',
    run: async (ctx) => {
      const b = await ctx.startLong((c) => { c.linux.resources.devices = [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 229, access: 'rw' }]; });
      const list = cgFile(b, 'devices', 'devices.list').split('\n');
      A.ok(!list.includes('a *:* rwm'), `devices.list: everything still allowed: ${A.show(list)}`);
      A.ok(list.includes('c 10:229 rw'), `devices.list: expected "c 10:229 rw", got ${A.show(list)}`);
    },
  },
  {
    id: 'cgroups/devices-deny-access',
    spec: 'config-linux.md devices: a device not allowed by the allowlist cannot be opened (EPERM)',
    run: async (ctx) => {
      const out = await ctx.inside('head -c1 /dev/conf-loop >/dev/null 2>/tmp/e; cat /tmp/e', (c) => {
        c.linux.devices = [{ path: '/dev/conf-loop', type: 'b', major: 7, minor: 0, fileMode: 0o600 }];
        c.linux.resources.devices = [{ allow: false, access: 'rwm' }];
        c.mounts.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs' });
      });
      A.includes(out, 'Operation not permitted', 'error opening a denied device');
    },
  },
  {
    id: 'cgroups/devices-allow-access',
    spec: 'config-linux.md devices: a device allowed by an allowlist entry can be opened',
    run: async (ctx) => {
      const out = await ctx.inside('head -c1 /dev/conf-loop >/dev/null 2>/tmp/e; echo rc=$?; cat /tmp/e', (c) => {
        c.linux.devices = [{ path: '/dev/conf-loop', type: 'b', major: 7, minor: 0, fileMode: 0o600 }];
        c.linux.resources.devices = [{ allow: false, access: 'rwm' }, { allow: true, type: 'b', major: 7, minor: 0, access: 'r' }];
        c.mounts.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs' });
      });
      A.notIncludes(out, 'Operation not permitted', 'error opening an allowed device');
      A.ok(/^rc=0$/m.test(out), `reading the allowed device: expected success, got ${A.show(out)}`);
    },
  },
];
