'use strict';

// Unit tests for the generated config.json / process.json validators
// (schema/config.schema.json compiled by scripts/build-validators.js).
// Run `node scripts/build-validators.js` first.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const validateConfig = require('../../dist/spec/config-validator.js');
const validateProcess = require('../../dist/spec/process-validator.js');

const ROOT = path.resolve(__dirname, '..', '..');

// ---------------------------------------------------------------- helpers

function clone(value) {
  return JSON.parse(JSON.stringify(value));
}

/** A small valid config; each invalid case breaks exactly one thing in it. */
function base() {
  return {
    ociVersion: '1.2.0',
    root: { path: 'rootfs' },
    process: { cwd: '/', args: ['sh'] },
    linux: {},
  };
}

/** base() with `mutate` applied to a fresh copy. */
function cfg(mutate) {
  const doc = base();
  mutate(doc);
  return doc;
}

function describeErrors(errors) {
  return JSON.stringify(errors, null, 2);
}

function assertValid(validate, doc) {
  const ok = validate(doc);
  assert.equal(ok, true, `expected valid, got errors: ${describeErrors(validate.errors)}`);
  assert.equal(validate.errors, null);
}

/**
 * Asserts that `doc` is rejected with exactly the listed errors, compared on
 * instancePath and keyword (and on params where given).
 */
function assertInvalid(validate, doc, expected) {
  const ok = validate(doc);
  assert.equal(ok, false, 'expected the document to be rejected');
  const errors = validate.errors;
  assert.ok(Array.isArray(errors) && errors.length > 0, 'expected errors to be set');
  const key = (e) => `${e.instancePath} ${e.keyword}`;
  assert.deepEqual(
    errors.map(key).sort(),
    expected.map(key).sort(),
    `unexpected errors: ${describeErrors(errors)}`,
  );
  for (const want of expected) {
    if (!want.params) continue;
    const candidates = errors.filter((e) => key(e) === key(want));
    assert.ok(
      candidates.some((e) => JSON.stringify(e.params) === JSON.stringify(want.params)),
      `no ${key(want)} error with params ${JSON.stringify(want.params)}: ${describeErrors(candidates)}`,
    );
  }
}

// ---------------------------------------------------------------- fixtures

/** Output of `runc spec` (runc 1.1.5, spec 1.0.2-dev). */
const RUNC_SPEC = {
  ociVersion: '1.0.2-dev',
  process: {
    terminal: true,
    user: { uid: 0, gid: 0 },
    args: ['sh'],
    env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
    cwd: '/',
    capabilities: {
      bounding: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
      effective: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
      permitted: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
      ambient: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
    },
    rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
    noNewPrivileges: true,
  },
  root: { path: 'rootfs', readonly: true },
  hostname: 'runc',
  mounts: [
    { destination: '/proc', type: 'proc', source: 'proc' },
    {
      destination: '/dev',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
    },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    {
      destination: '/dev/shm',
      type: 'tmpfs',
      source: 'shm',
      options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'],
    },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    {
      destination: '/sys/fs/cgroup',
      type: 'cgroup',
      source: 'cgroup',
      options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'],
    },
  ],
  linux: {
    resources: { devices: [{ allow: false, access: 'rwm' }] },
    namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
    maskedPaths: [
      '/proc/acpi',
      '/proc/asound',
      '/proc/kcore',
      '/proc/keys',
      '/proc/latency_stats',
      '/proc/timer_list',
      '/proc/timer_stats',
      '/proc/sched_debug',
      '/sys/firmware',
      '/proc/scsi',
    ],
    readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
  },
};

/** A config with every section the schema describes filled in. */
const FULL = {
  ociVersion: '1.2.0',
  process: {
    terminal: false,
    consoleSize: { height: 25, width: 80 },
    user: { uid: 1000, gid: 1000, umask: 18, additionalGids: [5, 6, 4294967295], username: 'ignored' },
    args: ['/bin/sh', '-c', 'echo hello'],
    commandLine: 'ignored on linux',
    env: ['PATH=/usr/bin:/bin', 'EMPTY=', 'WITH_EQUALS=a=b', 'MULTI=line1\nline2'],
    cwd: '/home/user',
    capabilities: {
      bounding: ['CAP_CHOWN', 'CAP_KILL'],
      effective: ['CAP_KILL'],
      inheritable: [],
      permitted: ['CAP_CHOWN', 'CAP_KILL'],
      ambient: [],
    },
    rlimits: [
      { type: 'RLIMIT_NOFILE', soft: 1024, hard: 4096 },
      { type: 'RLIMIT_CORE', soft: 0, hard: 0 },
    ],
    noNewPrivileges: true,
    apparmorProfile: 'tsrun-default',
    oomScoreAdj: -500,
    selinuxLabel: 'system_u:system_r:container_t:s0:c1,c2',
    ioPriority: { class: 'IOPRIO_CLASS_BE', priority: 4 },
    scheduler: {
      policy: 'SCHED_DEADLINE',
      nice: -5,
      priority: 0,
      flags: ['SCHED_FLAG_RESET_ON_FORK', 'SCHED_FLAG_RECLAIM'],
      runtime: 42000,
      deadline: 1000000,
      period: 1000000,
    },
    execCPUAffinity: { initial: '0-3,7', final: '4, 5' },
  },
  root: { path: '/var/lib/tsrun/rootfs', readonly: true },
  hostname: 'box',
  domainname: 'example.org',
  mounts: [
    { destination: '/proc', type: 'proc', source: 'proc' },
    {
      destination: '/data',
      type: 'bind',
      source: '/srv/data',
      options: ['rbind', 'ro', 'idmap'],
      uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
      gidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
    },
  ],
  hooks: {
    prestart: [{ path: '/usr/bin/legacy-hook' }],
    createRuntime: [{ path: '/usr/bin/net-setup', args: ['net-setup', 'up'], env: ['MODE=1'], timeout: 5 }],
    createContainer: [{ path: '/usr/bin/true' }],
    startContainer: [{ path: '/bin/echo', args: ['echo', 'starting'] }],
    poststart: [{ path: '/usr/bin/notify', timeout: 1 }],
    poststop: [{ path: '/usr/bin/cleanup', args: ['cleanup'], env: [] }],
  },
  annotations: { 'org.example.key': 'value', 'io.tsrun.empty': '' },
  linux: {
    namespaces: [
      { type: 'pid' },
      { type: 'network', path: '/var/run/netns/test' },
      { type: 'mount' },
      { type: 'ipc' },
      { type: 'uts' },
      { type: 'user' },
      { type: 'cgroup' },
      { type: 'time' },
    ],
    uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }],
    gidMappings: [{ containerID: 0, hostID: 1000, size: 1 }],
    timeOffsets: {
      monotonic: { secs: -86400, nanosecs: 0 },
      boottime: { secs: 3600, nanosecs: 999999999 },
    },
    devices: [
      { path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 438, uid: 0, gid: 0 },
      { path: '/dev/sda', type: 'b', major: 8, minor: 0, fileMode: 432 },
      { path: '/dev/unbuffered', type: 'u', major: 4, minor: 64 },
      { path: '/run/fifo', type: 'p' },
    ],
    netDevices: { eth1: { name: 'ctr0' }, dummy0: {} },
    cgroupsPath: '/tsrun/test',
    resources: {
      devices: [
        { allow: false, access: 'rwm' },
        { allow: true, type: 'c', major: 10, minor: 229, access: 'rw' },
        { allow: true, type: 'b', major: 8, minor: 0, access: 'r' },
        { allow: true, type: 'a' },
      ],
      memory: {
        limit: 536870912,
        reservation: 268435456,
        swap: -1,
        kernel: -1,
        kernelTCP: -1,
        swappiness: 60,
        disableOOMKiller: false,
        useHierarchy: true,
        checkBeforeUpdate: true,
      },
      cpu: {
        shares: 1024,
        quota: 100000,
        burst: 50000,
        period: 100000,
        realtimeRuntime: 950000,
        realtimePeriod: 1000000,
        cpus: '0-3',
        mems: '0',
        idle: 0,
      },
      pids: { limit: -1 },
      blockIO: {
        weight: 500,
        leafWeight: 300,
        weightDevice: [
          { major: 8, minor: 0, weight: 500, leafWeight: 300 },
          { major: 8, minor: 16, leafWeight: 100 },
        ],
        throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 600 }],
        throttleWriteBpsDevice: [{ major: 8, minor: 0, rate: 700 }],
        throttleReadIOPSDevice: [{ major: 8, minor: 16, rate: 100 }],
        throttleWriteIOPSDevice: [{ major: 8, minor: 16, rate: 300 }],
      },
      hugepageLimits: [
        { pageSize: '2MB', limit: 209715200 },
        { pageSize: '64KB', limit: 1000000 },
      ],
      network: {
        classID: 1048577,
        priorities: [
          { name: 'eth0', priority: 500 },
          { name: 'eth1', priority: 1000 },
        ],
      },
      rdma: { mlx5_1: { hcaHandles: 3, hcaObjects: 10000 }, mlx4_0: { hcaObjects: 1000 } },
      unified: { 'io.max': '259:0 rbps=2097152', 'memory.high': 'max' },
    },
    rootfsPropagation: 'rslave',
    seccomp: {
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 1,
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32', 'SCMP_ARCH_AARCH64'],
      flags: ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'],
      listenerPath: '/run/seccomp-agent.sock',
      listenerMetadata: 'opaque',
      syscalls: [
        { names: ['read', 'write', 'exit_group'], action: 'SCMP_ACT_ALLOW' },
        { names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
        {
          names: ['personality'],
          action: 'SCMP_ACT_ALLOW',
          args: [
            { index: 0, value: 0, op: 'SCMP_CMP_EQ' },
            { index: 0, value: 8, valueTwo: 8, op: 'SCMP_CMP_MASKED_EQ' },
          ],
        },
        { names: ['ioctl'], action: 'SCMP_ACT_NOTIFY' },
      ],
    },
    sysctl: { 'net.ipv4.ip_forward': '1', 'kernel.msgmax': '8192' },
    maskedPaths: ['/proc/kcore'],
    readonlyPaths: ['/proc/sys'],
    mountLabel: 'system_u:object_r:container_file_t:s0:c1,c2',
    intelRdt: {
      closID: 'guaranteed_group',
      l3CacheSchema: 'L3:0=7f0;1=1f',
      memBwSchema: 'MB:0=20;1=70',
      schemata: 'L2:0=f',
      enableCMT: true,
      enableMBM: false,
    },
    personality: { domain: 'LINUX32', flags: [] },
    memoryPolicy: { mode: 'MPOL_INTERLEAVE', nodes: '0-1', flags: ['MPOL_F_STATIC_NODES'] },
  },
  solaris: { milestone: 'svc:/milestone/container:default' },
  windows: { layerFolders: ['C:\\layers\\1'] },
  vm: { kernel: { path: '/boot/vmlinuz' } },
  zos: { devices: [] },
};

// ---------------------------------------------------------------- the schema itself

test('schema compiles under Ajv strict mode without warnings', () => {
  const Ajv = require('ajv').default;
  const messages = [];
  const logger = { log() {}, warn: (...a) => messages.push(a.join(' ')), error: (...a) => messages.push(a.join(' ')) };
  const ajv = new Ajv({ strict: true, allErrors: true, logger });
  const schema = JSON.parse(fs.readFileSync(path.join(ROOT, 'schema', 'config.schema.json'), 'utf8'));
  ajv.addSchema(schema);
  assert.equal(typeof ajv.getSchema(schema.$id), 'function');
  assert.equal(typeof ajv.getSchema(`${schema.$id}#/$defs/Process`), 'function');
  assert.deepEqual(messages, []);
});

test('generated validators do not load Ajv beyond its runtime helpers', () => {
  for (const file of ['config-validator.js', 'process-validator.js']) {
    const code = fs.readFileSync(path.join(ROOT, 'dist', 'spec', file), 'utf8');
    const requires = [...code.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
    for (const r of requires) assert.match(r, /^ajv\/dist\/runtime\//, `${file} requires ${r}`);
    assert.equal(typeof require(path.join(ROOT, 'dist', 'spec', file)), 'function');
  }
});

// ---------------------------------------------------------------- valid documents

test('minimal config is valid', () => {
  assertValid(validateConfig, { ociVersion: '1.2.0', root: { path: 'rootfs' } });
});

test('ociVersion alone is valid (process and root are optional at top level)', () => {
  assertValid(validateConfig, { ociVersion: '1.0.0' });
});

test('default `runc spec` config is valid', () => {
  assertValid(validateConfig, clone(RUNC_SPEC));
});

test('rootless `runc spec` config is valid', () => {
  const doc = clone(RUNC_SPEC);
  doc.mounts[2].options = doc.mounts[2].options.filter((o) => o !== 'gid=5');
  doc.mounts[5] = { destination: '/sys', type: 'none', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] };
  delete doc.linux.resources;
  doc.linux.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
  doc.linux.gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
  doc.linux.namespaces = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'user' }];
  assertValid(validateConfig, doc);
});

test('config freshly generated by the installed runc is valid', (t) => {
  let dir;
  try {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-schema-'));
    execFileSync('runc', ['spec', '--bundle', dir], { stdio: 'ignore' });
  } catch {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    t.skip('runc is not available');
    return;
  }
  try {
    assertValid(validateConfig, JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('config with every section filled in is valid', () => {
  assertValid(validateConfig, clone(FULL));
});

test('unknown properties are accepted at every level', () => {
  const doc = clone(FULL);
  doc.futureTopLevel = { anything: [1, 2, 3] };
  doc.process.futureField = true;
  doc.process.user.futureField = 1;
  doc.root.futureField = 'x';
  doc.mounts[0].futureField = null;
  doc.hooks.futureHookKind = [{ whatever: 1 }];
  doc.hooks.createRuntime[0].futureField = {};
  doc.linux.futureField = 'x';
  doc.linux.namespaces[0].futureField = 'x';
  doc.linux.resources.futureController = { limit: 'x' };
  doc.linux.resources.memory.futureField = 'x';
  doc.linux.seccomp.syscalls[0].futureField = 'x';
  doc.linux.seccomp.syscalls[2].args[0].futureField = 'x';
  assertValid(validateConfig, doc);
});

test('integer boundaries: uint32 max, uint64 RLIM_INFINITY and -1 for int64 limits', () => {
  const doc = cfg((d) => {
    d.process.user = { uid: 4294967295, gid: 0 };
    // 2^64-1 as written by Go tooling; JSON.parse rounds it to a float, still an integer
    d.process.rlimits = JSON.parse('[{"type":"RLIMIT_NOFILE","soft":18446744073709551615,"hard":18446744073709551615}]');
    d.linux.resources = { memory: { limit: -1, swap: -1 }, pids: { limit: 0 }, cpu: { quota: -1 } };
  });
  assertValid(validateConfig, doc);
});

test('empty rootfsPropagation and empty cgroup device type mean unset, as in runc', () => {
  assertValid(
    validateConfig,
    cfg((d) => {
      d.linux.rootfsPropagation = '';
      d.linux.resources = { devices: [{ allow: true, type: '', access: '' }] };
    }),
  );
});

test('process validator accepts a process.json', () => {
  assertValid(validateProcess, { cwd: '/', args: ['ps', 'aux'], env: ['TERM=xterm'], user: { uid: 0, gid: 0 } });
  assertValid(validateProcess, clone(FULL.process));
  assertValid(validateProcess, clone(RUNC_SPEC.process));
});

// ---------------------------------------------------------------- invalid: top level

test('missing ociVersion → required at the root', () => {
  assertInvalid(validateConfig, { root: { path: 'rootfs' } }, [
    { instancePath: '', keyword: 'required', params: { missingProperty: 'ociVersion' } },
  ]);
});

test('non-string ociVersion → type', () => {
  assertInvalid(validateConfig, cfg((d) => (d.ociVersion = 1.2)), [{ instancePath: '/ociVersion', keyword: 'type' }]);
});

test('document that is not an object → type at the root', () => {
  assertInvalid(validateConfig, [{ ociVersion: '1.2.0' }], [{ instancePath: '', keyword: 'type' }]);
});

test('root without path → required', () => {
  assertInvalid(validateConfig, cfg((d) => (d.root = { readonly: true })), [
    { instancePath: '/root', keyword: 'required', params: { missingProperty: 'path' } },
  ]);
});

test('root.readonly not a boolean → type', () => {
  assertInvalid(validateConfig, cfg((d) => (d.root.readonly = 'yes')), [
    { instancePath: '/root/readonly', keyword: 'type' },
  ]);
});

test('hostname not a string → type', () => {
  assertInvalid(validateConfig, cfg((d) => (d.hostname = 42)), [{ instancePath: '/hostname', keyword: 'type' }]);
});

test('annotation with a non-string value → type', () => {
  assertInvalid(validateConfig, cfg((d) => (d.annotations = { 'org.example/ok': 'x', 'org.example/n': 1 })), [
    { instancePath: '/annotations/org.example~1n', keyword: 'type' },
  ]);
});

test('platform sections must be objects', () => {
  assertInvalid(validateConfig, cfg((d) => (d.windows = 'C:\\')), [{ instancePath: '/windows', keyword: 'type' }]);
});

// ---------------------------------------------------------------- invalid: process

test('process.args as a string → type', () => {
  assertInvalid(validateConfig, cfg((d) => (d.process.args = 'sh')), [
    { instancePath: '/process/args', keyword: 'type', params: { type: 'array' } },
  ]);
});

test('empty process.args → minItems', () => {
  assertInvalid(validateConfig, cfg((d) => (d.process.args = [])), [
    { instancePath: '/process/args', keyword: 'minItems' },
  ]);
});

test('non-string argument → type', () => {
  assertInvalid(validateConfig, cfg((d) => (d.process.args = ['sleep', 10])), [
    { instancePath: '/process/args/1', keyword: 'type' },
  ]);
});

test('process without cwd → required', () => {
  assertInvalid(validateConfig, cfg((d) => delete d.process.cwd), [
    { instancePath: '/process', keyword: 'required', params: { missingProperty: 'cwd' } },
  ]);
});

test('env entries must be KEY=VALUE → pattern', () => {
  assertInvalid(validateConfig, cfg((d) => (d.process.env = ['OK=1', 'NOEQUALS', '=novalue', 'NUL=a\u0000b'])), [
    { instancePath: '/process/env/1', keyword: 'pattern' },
    { instancePath: '/process/env/2', keyword: 'pattern' },
    { instancePath: '/process/env/3', keyword: 'pattern' },
  ]);
});

test('negative uid → minimum', () => {
  assertInvalid(validateConfig, cfg((d) => (d.process.user = { uid: -1, gid: 0 })), [
    { instancePath: '/process/user/uid', keyword: 'minimum' },
  ]);
});

test('gid above uint32 → maximum', () => {
  assertInvalid(validateConfig, cfg((d) => (d.process.user = { uid: 0, gid: 4294967296 })), [
    { instancePath: '/process/user/gid', keyword: 'maximum' },
  ]);
});

test('fractional uid → type integer', () => {
  assertInvalid(validateConfig, cfg((d) => (d.process.user = { uid: 1.5, gid: 0 })), [
    { instancePath: '/process/user/uid', keyword: 'type', params: { type: 'integer' } },
  ]);
});

test('additionalGids entry as a string → type', () => {
  assertInvalid(validateConfig, cfg((d) => (d.process.user = { uid: 0, gid: 0, additionalGids: [1, '5'] })), [
    { instancePath: '/process/user/additionalGids/1', keyword: 'type' },
  ]);
});

test('rlimit type without RLIMIT_ prefix → pattern', () => {
  assertInvalid(validateConfig, cfg((d) => (d.process.rlimits = [{ type: 'NOFILE', soft: 1, hard: 1 }])), [
    { instancePath: '/process/rlimits/0/type', keyword: 'pattern' },
  ]);
});

test('rlimit without soft → required; negative hard → minimum', () => {
  assertInvalid(validateConfig, cfg((d) => (d.process.rlimits = [{ type: 'RLIMIT_CORE', hard: -1 }])), [
    { instancePath: '/process/rlimits/0', keyword: 'required', params: { missingProperty: 'soft' } },
    { instancePath: '/process/rlimits/0/hard', keyword: 'minimum' },
  ]);
});

test('capability set that is not an array → type', () => {
  assertInvalid(validateConfig, cfg((d) => (d.process.capabilities = { bounding: 'CAP_KILL' })), [
    { instancePath: '/process/capabilities/bounding', keyword: 'type' },
  ]);
});

test('consoleSize without width → required', () => {
  assertInvalid(validateConfig, cfg((d) => (d.process.consoleSize = { height: 24 })), [
    { instancePath: '/process/consoleSize', keyword: 'required', params: { missingProperty: 'width' } },
  ]);
});

test('unknown ioPriority class → enum', () => {
  assertInvalid(validateConfig, cfg((d) => (d.process.ioPriority = { class: 'IOPRIO_CLASS_NONE', priority: 0 })), [
    { instancePath: '/process/ioPriority/class', keyword: 'enum' },
  ]);
});

test('scheduler: missing policy → required, unknown flag → enum', () => {
  assertInvalid(validateConfig, cfg((d) => (d.process.scheduler = { nice: 1, flags: ['SCHED_FLAG_FAST'] })), [
    { instancePath: '/process/scheduler', keyword: 'required', params: { missingProperty: 'policy' } },
    { instancePath: '/process/scheduler/flags/0', keyword: 'enum' },
  ]);
});

test('unknown scheduler policy → enum', () => {
  assertInvalid(validateConfig, cfg((d) => (d.process.scheduler = { policy: 'SCHED_NORMAL' })), [
    { instancePath: '/process/scheduler/policy', keyword: 'enum' },
  ]);
});

test('execCPUAffinity with a malformed CPU list → pattern', () => {
  assertInvalid(validateConfig, cfg((d) => (d.process.execCPUAffinity = { initial: 'all' })), [
    { instancePath: '/process/execCPUAffinity/initial', keyword: 'pattern' },
  ]);
});

test('oomScoreAdj as a string → type', () => {
  assertInvalid(validateConfig, cfg((d) => (d.process.oomScoreAdj = '100')), [
    { instancePath: '/process/oomScoreAdj', keyword: 'type' },
  ]);
});

// ---------------------------------------------------------------- invalid: mounts and hooks

test('mount without destination → required', () => {
  assertInvalid(validateConfig, cfg((d) => (d.mounts = [{ source: 'proc', type: 'proc' }])), [
    { instancePath: '/mounts/0', keyword: 'required', params: { missingProperty: 'destination' } },
  ]);
});

test('mount options as a string → type', () => {
  assertInvalid(validateConfig, cfg((d) => (d.mounts = [{ destination: '/tmp', options: 'nosuid,nodev' }])), [
    { instancePath: '/mounts/0/options', keyword: 'type' },
  ]);
});

test('idmapped mount mapping without size → required', () => {
  assertInvalid(
    validateConfig,
    cfg((d) => (d.mounts = [{ destination: '/m', uidMappings: [{ containerID: 0, hostID: 1000 }] }])),
    [{ instancePath: '/mounts/0/uidMappings/0', keyword: 'required', params: { missingProperty: 'size' } }],
  );
});

test('hook without path → required', () => {
  assertInvalid(validateConfig, cfg((d) => (d.hooks = { prestart: [{ args: ['x'] }] })), [
    { instancePath: '/hooks/prestart/0', keyword: 'required', params: { missingProperty: 'path' } },
  ]);
});

test('hook timeout below 1 → minimum', () => {
  assertInvalid(validateConfig, cfg((d) => (d.hooks = { poststop: [{ path: '/bin/true', timeout: 0 }] })), [
    { instancePath: '/hooks/poststop/0/timeout', keyword: 'minimum' },
  ]);
});

test('hook list that is not an array → type', () => {
  assertInvalid(validateConfig, cfg((d) => (d.hooks = { createRuntime: { path: '/bin/true' } })), [
    { instancePath: '/hooks/createRuntime', keyword: 'type' },
  ]);
});

// ---------------------------------------------------------------- invalid: linux

test('unknown namespace type → enum', () => {
  assertInvalid(validateConfig, cfg((d) => (d.linux.namespaces = [{ type: 'pid' }, { type: 'foo' }])), [
    { instancePath: '/linux/namespaces/1/type', keyword: 'enum' },
  ]);
});

test('namespace without type → required', () => {
  assertInvalid(validateConfig, cfg((d) => (d.linux.namespaces = [{ path: '/proc/1/ns/net' }])), [
    { instancePath: '/linux/namespaces/0', keyword: 'required', params: { missingProperty: 'type' } },
  ]);
});

test('negative hostID in uidMappings → minimum', () => {
  assertInvalid(validateConfig, cfg((d) => (d.linux.uidMappings = [{ containerID: 0, hostID: -1000, size: 1 }])), [
    { instancePath: '/linux/uidMappings/0/hostID', keyword: 'minimum' },
  ]);
});

test('timeOffsets with negative nanosecs → minimum', () => {
  assertInvalid(validateConfig, cfg((d) => (d.linux.timeOffsets = { monotonic: { secs: 1, nanosecs: -1 } })), [
    { instancePath: '/linux/timeOffsets/monotonic/nanosecs', keyword: 'minimum' },
  ]);
});

test('device: unknown type → enum, missing path → required', () => {
  assertInvalid(validateConfig, cfg((d) => (d.linux.devices = [{ type: 'x', major: 1, minor: 3 }])), [
    { instancePath: '/linux/devices/0', keyword: 'required', params: { missingProperty: 'path' } },
    { instancePath: '/linux/devices/0/type', keyword: 'enum' },
  ]);
});

test('netDevices entry with a non-string name → type', () => {
  assertInvalid(validateConfig, cfg((d) => (d.linux.netDevices = { eth0: { name: 7 } })), [
    { instancePath: '/linux/netDevices/eth0/name', keyword: 'type' },
  ]);
});

test('cgroup device rule: missing allow → required, bad access → pattern', () => {
  assertInvalid(validateConfig, cfg((d) => (d.linux.resources = { devices: [{ type: 'c', access: 'rwx' }] })), [
    { instancePath: '/linux/resources/devices/0', keyword: 'required', params: { missingProperty: 'allow' } },
    { instancePath: '/linux/resources/devices/0/access', keyword: 'pattern' },
  ]);
});

test('memory: swappiness above 100 → maximum, limit as string → type', () => {
  assertInvalid(validateConfig, cfg((d) => (d.linux.resources = { memory: { swappiness: 101, limit: '1G' } })), [
    { instancePath: '/linux/resources/memory/swappiness', keyword: 'maximum' },
    { instancePath: '/linux/resources/memory/limit', keyword: 'type' },
  ]);
});

test('negative cpu.shares → minimum', () => {
  assertInvalid(validateConfig, cfg((d) => (d.linux.resources = { cpu: { shares: -2, cpus: '0-1' } })), [
    { instancePath: '/linux/resources/cpu/shares', keyword: 'minimum' },
  ]);
});

test('pids without limit → required', () => {
  assertInvalid(validateConfig, cfg((d) => (d.linux.resources = { pids: {} })), [
    { instancePath: '/linux/resources/pids', keyword: 'required', params: { missingProperty: 'limit' } },
  ]);
});

test('blockIO weight above uint16 → maximum; throttle entry without rate → required', () => {
  assertInvalid(
    validateConfig,
    cfg((d) => (d.linux.resources = { blockIO: { weight: 70000, throttleReadBpsDevice: [{ major: 8, minor: 0 }] } })),
    [
      { instancePath: '/linux/resources/blockIO/weight', keyword: 'maximum' },
      {
        instancePath: '/linux/resources/blockIO/throttleReadBpsDevice/0',
        keyword: 'required',
        params: { missingProperty: 'rate' },
      },
    ],
  );
});

test('weightDevice with neither weight nor leafWeight → anyOf', () => {
  const at = '/linux/resources/blockIO/weightDevice/0';
  assertInvalid(validateConfig, cfg((d) => (d.linux.resources = { blockIO: { weightDevice: [{ major: 8, minor: 0 }] } })), [
    { instancePath: at, keyword: 'required', params: { missingProperty: 'weight' } },
    { instancePath: at, keyword: 'required', params: { missingProperty: 'leafWeight' } },
    { instancePath: at, keyword: 'anyOf' },
  ]);
});

test('hugepage size without B suffix → pattern', () => {
  assertInvalid(validateConfig, cfg((d) => (d.linux.resources = { hugepageLimits: [{ pageSize: '2M', limit: 1 }] })), [
    { instancePath: '/linux/resources/hugepageLimits/0/pageSize', keyword: 'pattern' },
  ]);
});

test('network priority without name → required', () => {
  assertInvalid(validateConfig, cfg((d) => (d.linux.resources = { network: { priorities: [{ priority: 1 }] } })), [
    { instancePath: '/linux/resources/network/priorities/0', keyword: 'required', params: { missingProperty: 'name' } },
  ]);
});

test('rdma entry with no limit → anyOf; negative hcaHandles → minimum', () => {
  assertInvalid(
    validateConfig,
    cfg((d) => (d.linux.resources = { rdma: { mlx0: {}, mlx1: { hcaHandles: -1 } } })),
    [
      { instancePath: '/linux/resources/rdma/mlx0', keyword: 'required', params: { missingProperty: 'hcaHandles' } },
      { instancePath: '/linux/resources/rdma/mlx0', keyword: 'required', params: { missingProperty: 'hcaObjects' } },
      { instancePath: '/linux/resources/rdma/mlx0', keyword: 'anyOf' },
      { instancePath: '/linux/resources/rdma/mlx1/hcaHandles', keyword: 'minimum' },
    ],
  );
});

test('unified value that is not a string → type', () => {
  assertInvalid(validateConfig, cfg((d) => (d.linux.resources = { unified: { 'pids.max': 10 } })), [
    { instancePath: '/linux/resources/unified/pids.max', keyword: 'type' },
  ]);
});

test('unknown rootfsPropagation → enum', () => {
  assertInvalid(validateConfig, cfg((d) => (d.linux.rootfsPropagation = 'recursive')), [
    { instancePath: '/linux/rootfsPropagation', keyword: 'enum' },
  ]);
});

test('seccomp without defaultAction → required', () => {
  assertInvalid(validateConfig, cfg((d) => (d.linux.seccomp = { syscalls: [] })), [
    { instancePath: '/linux/seccomp', keyword: 'required', params: { missingProperty: 'defaultAction' } },
  ]);
});

test('seccomp: unknown action, architecture and flag → enum', () => {
  assertInvalid(
    validateConfig,
    cfg(
      (d) =>
        (d.linux.seccomp = {
          defaultAction: 'SCMP_ACT_DENY',
          architectures: ['SCMP_ARCH_X86_64', 'x86_64'],
          flags: ['SECCOMP_FILTER_FLAG_FAST'],
        }),
    ),
    [
      { instancePath: '/linux/seccomp/defaultAction', keyword: 'enum' },
      { instancePath: '/linux/seccomp/architectures/1', keyword: 'enum' },
      { instancePath: '/linux/seccomp/flags/0', keyword: 'enum' },
    ],
  );
});

test('seccomp syscall with empty names → minItems, without action → required', () => {
  assertInvalid(validateConfig, cfg((d) => (d.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: [] }] })), [
    { instancePath: '/linux/seccomp/syscalls/0/names', keyword: 'minItems' },
    { instancePath: '/linux/seccomp/syscalls/0', keyword: 'required', params: { missingProperty: 'action' } },
  ]);
});

test('seccomp arg: unknown op → enum, missing value → required, negative index → minimum', () => {
  assertInvalid(
    validateConfig,
    cfg(
      (d) =>
        (d.linux.seccomp = {
          defaultAction: 'SCMP_ACT_ALLOW',
          syscalls: [{ names: ['clone'], action: 'SCMP_ACT_ERRNO', args: [{ index: -1, op: 'SCMP_CMP_ANY' }] }],
        }),
    ),
    [
      { instancePath: '/linux/seccomp/syscalls/0/args/0', keyword: 'required', params: { missingProperty: 'value' } },
      { instancePath: '/linux/seccomp/syscalls/0/args/0/index', keyword: 'minimum' },
      { instancePath: '/linux/seccomp/syscalls/0/args/0/op', keyword: 'enum' },
    ],
  );
});

test('sysctl value that is not a string → type', () => {
  assertInvalid(validateConfig, cfg((d) => (d.linux.sysctl = { 'net.ipv4.ip_forward': 1 })), [
    { instancePath: '/linux/sysctl/net.ipv4.ip_forward', keyword: 'type' },
  ]);
});

test('maskedPaths that is not an array → type', () => {
  assertInvalid(validateConfig, cfg((d) => (d.linux.maskedPaths = '/proc/kcore')), [
    { instancePath: '/linux/maskedPaths', keyword: 'type' },
  ]);
});

test('intelRdt memBwSchema not starting with MB: → pattern', () => {
  assertInvalid(validateConfig, cfg((d) => (d.linux.intelRdt = { memBwSchema: 'L3:0=ff' })), [
    { instancePath: '/linux/intelRdt/memBwSchema', keyword: 'pattern' },
  ]);
});

test('unknown personality domain → enum', () => {
  assertInvalid(validateConfig, cfg((d) => (d.linux.personality = { domain: 'LINUX64' })), [
    { instancePath: '/linux/personality/domain', keyword: 'enum' },
  ]);
});

test('memoryPolicy: missing mode → required, unknown flag → enum', () => {
  assertInvalid(validateConfig, cfg((d) => (d.linux.memoryPolicy = { nodes: '0', flags: ['MPOL_F_FAST'] })), [
    { instancePath: '/linux/memoryPolicy', keyword: 'required', params: { missingProperty: 'mode' } },
    { instancePath: '/linux/memoryPolicy/flags/0', keyword: 'enum' },
  ]);
});

// ---------------------------------------------------------------- allErrors and process.json

test('all violations are reported at once', () => {
  const doc = cfg((d) => {
    delete d.root.path;
    d.process.args = 'sh';
    d.linux.namespaces = [{ type: 'foo' }];
  });
  assertInvalid(validateConfig, doc, [
    { instancePath: '/root', keyword: 'required' },
    { instancePath: '/process/args', keyword: 'type' },
    { instancePath: '/linux/namespaces/0/type', keyword: 'enum' },
  ]);
});

test('process.json paths are relative to the process object', () => {
  assertInvalid(validateProcess, { args: 'ls' }, [
    { instancePath: '', keyword: 'required', params: { missingProperty: 'cwd' } },
    { instancePath: '/args', keyword: 'type' },
  ]);
  assertInvalid(validateProcess, { cwd: '/', user: { uid: -1, gid: 0 }, rlimits: [{ type: 'NOFILE', soft: 1, hard: 1 }] }, [
    { instancePath: '/user/uid', keyword: 'minimum' },
    { instancePath: '/rlimits/0/type', keyword: 'pattern' },
  ]);
});

test('process validator rejects a non-object and ignores config-only fields', () => {
  assertInvalid(validateProcess, 'sh', [{ instancePath: '', keyword: 'type' }]);
  // a whole config.json is not a process.json: it has no cwd at its top level
  assertInvalid(validateProcess, clone(RUNC_SPEC), [{ instancePath: '', keyword: 'required' }]);
});
