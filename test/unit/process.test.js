'use strict';
// The order and arguments of the process set-up syscalls, against the
// recording fake: runc's order (bounding set, keep-caps, groups, gid, uid,
// capset, ambient), and errors that name the call.
const test = require('node:test');
const assert = require('node:assert/strict');
const { fakeSyscalls } = require('./fake-syscalls');
const { prepareProcess, lookPath } = require('../../dist/init/process');
const C = require('../../dist/linux/constants');
const { CAPABILITIES } = require('../../dist/spec/capabilities');

function proc(overrides = {}) {
  return {
    args: ['/bin/sh'], env: ['PATH=/bin'], cwd: '/', uid: 1000, gid: 1001, additionalGids: [5, 6], umask: null,
    rlimits: [], capabilities: null, noNewPrivileges: false, oomScoreAdj: null, ioPriority: null, scheduler: null, ...overrides,
  };
}

function withUmask(fn) {
  const old = process.umask();
  try { return fn(); } finally { process.umask(old); }
}

test('user switch: setgroups, then setresgid, then setresuid', () => {
  const f = fakeSyscalls();
  withUmask(() => prepareProcess(f.sys, proc()));
  assert.deepEqual(f.names(), ['setgroups', 'setresgid', 'setresuid']);
  assert.deepEqual(f.of('setgroups')[0], [[5, 6]]);
  assert.deepEqual(f.of('setresgid')[0], [1001]);
  assert.deepEqual(f.of('setresuid')[0], [1000]);
});

test('capabilities: bounding dropped before the user switch with keep-caps, sets after it', () => {
  const f = fakeSyscalls();
  const mask = (names) => names.reduce((m, n) => m | (1n << BigInt(CAPABILITIES[n])), 0n).toString();
  withUmask(() => prepareProcess(f.sys, proc({
    capabilities: {
      bounding: mask(['CAP_KILL', 'CAP_CHOWN']), effective: mask(['CAP_KILL']), permitted: mask(['CAP_KILL', 'CAP_CHOWN']),
      inheritable: mask(['CAP_KILL']), ambient: mask(['CAP_KILL', 'CAP_CHOWN']),
    },
  })));
  const names = f.names();
  const drops = f.of('prctl').filter(([opt]) => opt === C.PR_CAPBSET_DROP).map(([, cap]) => cap);
  assert.ok(!drops.includes(CAPABILITIES.CAP_KILL) && !drops.includes(CAPABILITIES.CAP_CHOWN));
  assert.ok(drops.includes(CAPABILITIES.CAP_SYS_ADMIN));
  const keep = f.calls.findIndex((c) => c[0] === 'prctl' && c[1] === C.PR_SET_KEEPCAPS && c[2] === 1);
  const lastDrop = f.calls.map((c) => c[0] === 'prctl' && c[1] === C.PR_CAPBSET_DROP).lastIndexOf(true);
  assert.ok(lastDrop < keep && keep < names.indexOf('setresuid'), 'drops, then keep-caps, then the uid');
  assert.ok(names.indexOf('setresuid') < names.indexOf('capset'));
  assert.deepEqual(f.of('capset')[0], [1n << 5n, (1n << 5n) | 1n, 1n << 5n]);
  // Only caps both permitted and inheritable can be ambient: CAP_KILL.
  const raised = f.of('prctl').filter(([opt, sub]) => opt === C.PR_CAP_AMBIENT && sub === C.PR_CAP_AMBIENT_RAISE).map((c) => c[2]);
  assert.deepEqual(raised, [CAPABILITIES.CAP_KILL]);
});

test('no_new_privs is set when asked, and not otherwise', () => {
  const on = fakeSyscalls();
  withUmask(() => prepareProcess(on.sys, proc({ noNewPrivileges: true })));
  assert.ok(on.of('prctl').some(([opt, v]) => opt === C.PR_SET_NO_NEW_PRIVS && v === 1));
  const off = fakeSyscalls();
  withUmask(() => prepareProcess(off.sys, proc()));
  assert.ok(!off.of('prctl').some(([opt]) => opt === C.PR_SET_NO_NEW_PRIVS));
});

test('rlimits: each set with its name; NOFILE at its hard limit until the late step', () => {
  const f = fakeSyscalls();
  withUmask(() => prepareProcess(f.sys, proc({ rlimits: [
    { resource: 7, name: 'RLIMIT_NOFILE', soft: '100', hard: '200' },
    { resource: 4, name: 'RLIMIT_CORE', soft: '0', hard: '10' },
  ] })));
  assert.deepEqual(f.of('setrlimit'), [[7, 'RLIMIT_NOFILE', 200n, 200n], [4, 'RLIMIT_CORE', 0n, 10n]]);
});

test('a failing syscall stops the set-up with the call and errno in the message', () => {
  const f = fakeSyscalls();
  f.failOn('setresuid', 1);
  assert.throws(() => withUmask(() => prepareProcess(f.sys, proc())), /^Error: setresuid 1000: EPERM: operation not permitted$|setresuid 1000: EPERM/);
  assert.ok(!f.names().includes('capset'));
});

test('lookPath: PATH search and runc\'s error strings', () => {
  assert.equal(lookPath('sh', ['PATH=/nonexistent:/bin']), '/bin/sh');
  assert.throws(() => lookPath('no-such-cmd', ['PATH=/bin']), /exec: "no-such-cmd": executable file not found in \$PATH/);
  assert.throws(() => lookPath('/no/such', []), /exec: "\/no\/such": stat \/no\/such: no such file or directory/);
  const plain = require('node:path').join(require('node:os').tmpdir(), `tsrun-plain-${process.pid}`);
  require('node:fs').writeFileSync(plain, 'data', { mode: 0o644 });
  assert.throws(() => lookPath(plain, []), /permission denied/);
  require('node:fs').rmSync(plain);
  // execve gives EACCES for a directory: runc says permission denied (docker and podman map it to 126).
  assert.throws(() => lookPath('/etc', []), /exec: "\/etc": permission denied/);
});

// The seccomp filter's moment, in runc's order (see prepareProcess).
const { ContainerFilter } = require('../../dist/init/seccomp');
const { compileSeccomp } = require('../../dist/seccomp/compile');
const { execProcess } = require('../../dist/init/process');

function filterOf(profile, reported = []) {
  const c = compileSeccomp(profile);
  return new ContainerFilter({ filter: c.filter.toString('base64'), flags: c.flags }, (fd) => reported.push(fd));
}
const DENY_SETUID = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['setresuid'], action: 'SCMP_ACT_ERRNO' }] };

test('seccomp without no_new_privs: installed before the capabilities and the user change (it needs CAP_SYS_ADMIN)', () => {
  const f = fakeSyscalls();
  const filter = filterOf(DENY_SETUID);
  const prepared = withUmask(() => prepareProcess(f.sys, proc({ capabilities: { bounding: '1', effective: '1', permitted: '1', inheritable: '0', ambient: '0' } }), filter));
  const names = f.names();
  assert.ok(names.indexOf('seccompSetFilter') >= 0 && names.indexOf('seccompSetFilter') < names.indexOf('setgroups'));
  assert.ok(names.indexOf('seccompSetFilter') < f.calls.findIndex((c) => c[0] === 'prctl' && c[1] === C.PR_CAPBSET_DROP));
  assert.equal(prepared.filter, null, 'nothing left for the execve');
});

test('seccomp with no_new_privs: installed by the final execve itself, nothing of the runtime\'s runs under it', () => {
  const f = fakeSyscalls();
  const filter = filterOf(DENY_SETUID);
  const prepared = withUmask(() => prepareProcess(f.sys, proc({ noNewPrivileges: true }), filter));
  assert.ok(!f.names().includes('seccompSetFilter'));
  assert.equal(prepared.filter, filter);
  execProcess(f.sys, prepared, 0);
  const names = f.names();
  assert.equal(names[names.length - 1], 'execveFiltered');
  assert.ok(!names.includes('execve'));
  assert.ok(names.indexOf('resetSignals') < names.indexOf('execveFiltered') && names.indexOf('closeRangeCloexec') < names.indexOf('execveFiltered'));
  const [path, argv, , program, flags] = f.of('execveFiltered')[0];
  assert.equal(path, '/bin/sh');
  assert.deepEqual(argv, ['/bin/sh']);
  assert.equal(program.length % 8, 0);
  assert.equal(flags, 0);
});

test('seccomp with no_new_privs and a listener: installed last in the set-up, and the listener reported', () => {
  const f = fakeSyscalls();
  const sys = Object.assign(Object.create(f.sys), { seccompSetFilter: (...a) => { f.calls.push(['seccompSetFilter', ...a]); return 42; } });
  const reported = [];
  const filter = filterOf({ defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/agent', syscalls: [{ names: ['mknod'], action: 'SCMP_ACT_NOTIFY' }] }, reported);
  const prepared = withUmask(() => prepareProcess(sys, proc({ noNewPrivileges: true }), filter));
  const names = f.names();
  assert.equal(names[names.length - 1], 'seccompSetFilter');
  assert.ok(names.indexOf('setresuid') < names.indexOf('seccompSetFilter'));
  assert.equal(f.of('seccompSetFilter')[0][1] & 8, 8, 'SECCOMP_FILTER_FLAG_NEW_LISTENER');
  assert.deepEqual(reported, [42]);
  assert.equal(prepared.filter, null);
});

test('a step the filter refuses says so; other failures keep their message', () => {
  const f = fakeSyscalls();
  f.failOn('setresuid', 1);
  const filter = filterOf(DENY_SETUID);
  let error;
  try { withUmask(() => prepareProcess(f.sys, proc(), filter)); } catch (e) { error = filter.explain(e); }
  assert.equal(error.message, 'setresuid 1000: EPERM: operation not permitted (setresuid is refused by the container\'s seccomp profile, linux.seccomp: SCMP_ACT_ERRNO(1))');
  const g = fakeSyscalls();
  g.failOn('setresgid', 1);
  const other = filterOf(DENY_SETUID);
  try { withUmask(() => prepareProcess(g.sys, proc(), other)); } catch (e) { error = other.explain(e); }
  assert.equal(error.message, 'setresgid 1001: EPERM: operation not permitted');
});
