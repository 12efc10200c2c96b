'use strict';
// linux.seccomp on the real kernel, side by side with runc: the same
// bundle and profile, a static probe that makes a list of syscalls and
// prints each result; the outputs must be identical. Also: the filter
// each runtime loaded (read back with PTRACE_SECCOMP_GET_FILTER) gives the
// same verdicts over every syscall number and the arguments the profile
// tests; exec'd processes get the profile; a notify agent receives the
// listener and answers; errors say the profile refused a step.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync, spawn } = require('node:child_process');
const h = require('../helpers');
const { podmanProfile } = require('../seccomp-profiles');
const bpf = require('../../dist/seccomp/bpf');
const { AUDIT_ARCH_X86_64, AUDIT_ARCH_I386 } = require('../../dist/seccomp/profile');
const { X86_64, X86, X32, X32_SYSCALL_BIT } = require('../../dist/seccomp/tables');

const hasGcc = spawnSync('gcc', ['--version']).status === 0;
const skip = (!h.isRoot && 'needs root') || (!hasGcc && 'gcc is not installed');
const skipRunc = skip || (!h.hasRunc && 'runc is not installed');
const SRC = path.join(__dirname, '..', 'seccomp');

let built;
/** probe and agent (static: they run in the busybox rootfs) and dump-filter, built once. */
function bins() {
  if (built) return built;
  const dir = h.tmpdir('seccomp-bin');
  built = {};
  for (const [name, flags] of [['probe', ['-static']], ['agent', ['-static']], ['dump-filter', []]]) {
    const out = path.join(dir, name);
    const r = spawnSync('gcc', [...flags, '-O2', '-Wall', '-o', out, path.join(SRC, `${name}.c`)], { encoding: 'utf8' });
    assert.equal(r.status, 0, `gcc ${name}.c: ${r.stderr}`);
    built[name] = out;
  }
  return built;
}

/** A probe argument: label=abi:nr:args. */
const call = (label, name, args = [], abi = '64') => {
  const table = abi === '32' ? X86 : abi === 'x32' ? X32 : X86_64;
  const nr = typeof name === 'number' ? name : table[name];
  assert.notEqual(nr, undefined, `${name} (${abi})`);
  return `${label}=${abi}:${nr}${args.length ? ':' + args.map((a) => '0x' + BigInt(a).toString(16)).join(',') : ''}`;
};

// Calls whose results do not depend on the runtime (no pids, no times).
const PROBE = [
  call('getppid', 'getppid'),
  call('getpriority', 'getpriority', [0, 0]),
  call('getpriority-hi', 'getpriority', [0x100000000n, 0]),
  call('setpriority-big', 'setpriority', [0, 0, 0x100000005n]),
  call('setpriority-big2', 'setpriority', [0, 0, 0x200000000n]),
  call('setpriority-small', 'setpriority', [0, 0, 5]),
  call('personality-query', 'personality', [0xffffffff]),
  call('personality-8', 'personality', [8]),
  call('personality-1', 'personality', [1]),
  call('socket-audit', 'socket', [16, 3, 9]),
  call('socket-netlink', 'socket', [16, 3, 0]),
  call('socket-inet', 'socket', [2, 1, 0]),
  call('socket-packet', 'socket', [17, 3, 0]),
  call('unshare-user', 'unshare', [0x10000000]),
  call('unshare-ns', 'unshare', [0x20000]),
  call('kexec', 'kexec_load', [0, 0, 0, 0]),
  call('acct', 'acct', [0]),
  call('uname-bad', 'uname', [0]),
  call('newest+1', X86_64.futex_waitv + 1),
  call('nr-1000', 1000),
  call('x32-getppid', 'getppid', [], 'x32'),
  call('i386-getppid', 'getppid', [], '32'),
  call('i386-getpriority', 'getpriority', [0, 0], '32'),
  call('i386-socketcall', 'socketcall', [1, 0], '32'),
  call('i386-personality', 'personality', [8], '32'),
];

// The profiles run by both runtimes, each with and without no_new_privs.
const PROFILES = {
  podman: () => podmanProfile(),
  'deny-list': () => ({
    defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls: [
      { names: ['getpriority'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
      { names: ['kexec_load', 'acct'], action: 'SCMP_ACT_ERRNO' },
      { names: ['personality'], action: 'SCMP_ACT_ERRNO', errnoRet: 22, args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] },
      { names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: 97, args: [{ index: 0, value: 17, op: 'SCMP_CMP_EQ' }] },
    ],
  }),
  'allow-list': () => {
    const p = podmanProfile();
    const drop = new Set(['getpriority', 'setpriority', 'uname', 'acct', 'socketcall']);
    return {
      defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 1, architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
      syscalls: p.syscalls.filter((r) => r.action === 'SCMP_ACT_ALLOW' && !r.args).map((r) => ({ ...r, names: r.names.filter((n) => !drop.has(n)) })),
    };
  },
  arguments: () => ({
    defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
    syscalls: [
      ...[0, 8, 0x20000, 0x20008, 0xffffffff].map((v) => ({ names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: v, op: 'SCMP_CMP_EQ' }] })),
      { names: ['personality'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, args: [{ index: 0, value: 0, op: 'SCMP_CMP_NE' }] },
      { names: ['unshare'], action: 'SCMP_ACT_ERRNO', errnoRet: 38, args: [{ index: 0, value: 0x7e020000, valueTwo: 0x10000000, op: 'SCMP_CMP_MASKED_EQ' }] },
      { names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: 97, args: [{ index: 0, value: 2, op: 'SCMP_CMP_NE' }, { index: 1, value: 3, op: 'SCMP_CMP_EQ' }] },
      { names: ['setpriority'], action: 'SCMP_ACT_ERRNO', errnoRet: 75, args: [{ index: 2, value: 0x100000005, op: 'SCMP_CMP_GE' }] },
      { names: ['setpriority'], action: 'SCMP_ACT_ERRNO', errnoRet: 76, args: [{ index: 2, value: 5, op: 'SCMP_CMP_LE' }] },
      { names: ['getpriority'], action: 'SCMP_ACT_ERRNO', errnoRet: 77, args: [{ index: 0, value: 0xffffffff, op: 'SCMP_CMP_GT' }] },
    ],
  }),
  'kill-and-trap': () => ({
    defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64'],
    syscalls: [
      { names: ['getpriority'], action: 'SCMP_ACT_KILL_PROCESS' },
      { names: ['setpriority'], action: 'SCMP_ACT_TRAP' },
      { names: ['kexec_load'], action: 'SCMP_ACT_KILL' },
      { names: ['acct'], action: 'SCMP_ACT_KILL_THREAD' },
      { names: ['getppid'], action: 'SCMP_ACT_LOG' },
      { names: ['uname'], action: 'SCMP_ACT_TRACE', errnoRet: 9 },
    ],
  }),
};

/** A bundle running `args`, with the probe at /probe and the profile. */
function bundleWith(profile, args, { nnp = true, user } = {}) {
  return h.makeBundle((c) => {
    c.process.args = args;
    c.process.noNewPrivileges = nnp;
    if (user) c.process.user = user;
    c.mounts.push({ destination: '/probe', type: 'bind', source: bins().probe, options: ['bind', 'ro'] });
    if (profile) c.linux.seccomp = profile;
  });
}

for (const [name, profileOf] of Object.entries(PROFILES)) {
  for (const nnp of [true, false]) {
    test(`probe under ${name} profile${nnp ? '' : ' without no_new_privs'}: tsrun's results are runc's`, { skip: skipRunc || (!profileOf() && 'containers-common is not installed') }, (t) => {
      const profile = profileOf();
      const bundle = bundleWith(profile, ['/probe', ...PROBE], { nnp });
      const out = {};
      for (const runtime of ['runc', 'tsrun']) {
        const rt = h.runtime(runtime);
        t.after(rt.cleanup);
        const r = rt(['run', '--bundle', bundle, h.uniqueId(`sc-${runtime}`)]);
        assert.equal(r.status, 0, `${runtime}: ${r.stderr}`);
        out[runtime] = r.stdout;
      }
      assert.equal(out.tsrun.split('\n').length, PROBE.length + 1, out.tsrun);
      assert.equal(out.tsrun, out.runc);
    });
  }
}

test('the probe sees what the profiles say (a check on the harness)', { skip }, (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const r = rt(['run', '--bundle', bundleWith(PROFILES['deny-list'](), ['/probe', ...PROBE]), h.uniqueId()]);
  assert.equal(r.status, 0, r.stderr);
  const line = (label) => r.stdout.split('\n').find((l) => l.startsWith(label + ' '));
  assert.equal(line('getpriority'), 'getpriority ret=-1 errno=EACCES');
  assert.equal(line('personality-8'), 'personality-8 ret=-1 errno=EINVAL');
  assert.equal(line('personality-query'), 'personality-query ret=0 errno=0');
  assert.equal(line('socket-packet'), 'socket-packet ret=-1 errno=EAFNOSUPPORT');
  assert.equal(line('socket-inet'), 'socket-inet ret=3 errno=0', 'fd 3: nothing of the runtime\'s is left open');
  const k = rt(['run', '--bundle', bundleWith(PROFILES['kill-and-trap'](), ['/probe', ...PROBE]), h.uniqueId()]);
  assert.match(k.stdout, /^getpriority signal=31$/m, 'KILL_PROCESS: SIGSYS');
  assert.match(k.stdout, /^setpriority-big signal=31$/m, 'TRAP: SIGSYS');
  assert.match(k.stdout, /^x32-getppid signal=31$/m, 'x32 is not in this filter: killed');
  assert.match(k.stdout, /^uname-bad ret=-1 errno=ENOSYS$/m, 'TRACE without a tracer');
});

// ---------- the loaded filters, compared ----------

/** Every syscall number of both ABIs (and the corners), with the argument values the profile compares. */
function* corpus(profile) {
  const nrs = [];
  for (let i = 0; i <= 600; i++) nrs.push(i, (X32_SYSCALL_BIT + i) >>> 0);
  nrs.push(0x3fffffff, 0x7fffffff, 0x80000000, 0xbfffffff, 0xc0000000, 0xfffffffe, 0xffffffff);
  const pool = new Set([0n, 1n, 0xffffffffn, 0x100000000n, 0xffffffffffffffffn]);
  for (const r of profile.syscalls ?? []) {
    for (const a of r.args ?? []) {
      for (const v of [a.value, a.valueTwo ?? 0]) {
        const b = BigInt(v);
        for (const d of [b, b + 1n, b - 1n, b | 0x100000000n, b & 0xffffffffn]) if (d >= 0n && d < 2n ** 64n) pool.add(d);
      }
    }
  }
  const withArgs = new Set();
  for (const r of profile.syscalls ?? []) {
    if (!r.args) continue;
    for (const n of r.names) {
      if (n in X86_64) withArgs.add(`64:${X86_64[n]}`);
      if (n in X32) withArgs.add(`64:${(X32[n] | X32_SYSCALL_BIT) >>> 0}`);
      if (n in X86) withArgs.add(`32:${X86[n]}`);
    }
  }
  for (const arch of [AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, 0xc00000b7]) {
    for (const nr of nrs) {
      yield { arch, nr };
      if (!withArgs.has(`${arch === AUDIT_ARCH_X86_64 ? 64 : 32}:${nr}`)) continue;
      for (let i = 0; i < 6; i++) {
        for (const v of pool) {
          const args = [0n, 0n, 0n, 0n, 0n, 0n];
          args[i] = v;
          yield { arch, nr, args };
        }
      }
    }
  }
}

/** The filter a runtime loaded for a container of `bundle`, read back from its process. */
function loadedFilter(runtime, bundle, t) {
  const rt = h.runtime(runtime);
  t.after(rt.cleanup);
  const id = h.uniqueId(`dump-${runtime}`);
  const r = rt(['run', '-d', '--bundle', bundle, id]);
  assert.equal(r.status, 0, `${runtime}: ${r.stderr}`);
  const pid = rt.state(id).pid;
  const d = spawnSync(bins()['dump-filter'], [String(pid)]);
  assert.equal(d.status, 0, d.stderr.toString());
  rt(['delete', '--force', id]);
  return bpf.decode(d.stdout);
}

// Not the arguments profile: with two range rules on one argument, values
// at or above 2^32, libseccomp 2.5.4 compares the wrong half (see below).
for (const name of ['podman', 'deny-list', 'allow-list']) {
  test(`the filter tsrun loads for the ${name} profile gives runc's verdicts, in fewer instructions`, { skip: skipRunc || (!PROFILES[name]() && 'containers-common is not installed') }, (t) => {
    const profile = PROFILES[name]();
    const bundle = bundleWith(profile, ['sleep', '300']);
    const runc = loadedFilter('runc', bundle, t);
    const ours = loadedFilter('tsrun', bundle, t);
    let n = 0;
    let stepsRunc = 0;
    let stepsOurs = 0;
    const differ = [];
    for (const d of corpus(profile)) {
      const a = bpf.run(runc, d);
      const b = bpf.run(ours, d);
      n++;
      stepsRunc += a.steps;
      stepsOurs += b.steps;
      if (a.verdict !== b.verdict && differ.length < 5) differ.push({ ...d, args: d.args?.map(String), runc: a.verdict.toString(16), tsrun: b.verdict.toString(16) });
    }
    assert.deepEqual(differ, [], `of ${n} inputs`);
    t.diagnostic(`${n} inputs; runc ${runc.length} instructions, ${(stepsRunc / n).toFixed(1)} run on average; tsrun ${ours.length}, ${(stepsOurs / n).toFixed(1)}`);
    if (name === 'podman') assert.ok(stepsOurs < stepsRunc / 5);
  });
}

test('where libseccomp 2.5.4 compares the wrong half of an argument, tsrun follows the profile', { skip: skipRunc }, (t) => {
  // arguments: setpriority's prio >= 0x100000005 is ERRNO 75, <= 5 is ERRNO 76; 0xffffffff is neither.
  const bundle = bundleWith(PROFILES.arguments(), ['/probe', call('prio', 'setpriority', [0, 0, 0xffffffff])]);
  const out = {};
  for (const runtime of ['runc', 'tsrun']) {
    const rt = h.runtime(runtime);
    t.after(rt.cleanup);
    out[runtime] = rt(['run', '--bundle', bundle, h.uniqueId()]).stdout;
  }
  assert.doesNotMatch(out.tsrun, /errno=(EOVERFLOW|ENOTUNIQ)/, out.tsrun);
  assert.match(out.tsrun, /^prio ret=/);
  t.diagnostic(`runc: ${out.runc.trim()}; tsrun: ${out.tsrun.trim()}`);
});

// ---------- exec ----------

test('exec: the process gets the container\'s profile, with and without no_new_privs', { skip }, (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const id = h.uniqueId();
  assert.equal(rt(['run', '-d', '--bundle', bundleWith(PROFILES['deny-list'](), ['sleep', '300'], { nnp: false }), id]).status, 0);
  const status = rt(['exec', id, 'grep', 'Seccomp:', '/proc/self/status']);
  assert.equal(status.stdout, 'Seccomp:\t2\n', status.stderr);
  for (const flags of [[], ['--no-new-privs']]) {
    const p = rt(['exec', ...flags, id, '/probe', call('getpriority', 'getpriority', [0, 0]), call('personality-8', 'personality', [8])]);
    assert.equal(p.status, 0, p.stderr);
    assert.equal(p.stdout, 'getpriority ret=-1 errno=EACCES\npersonality-8 ret=-1 errno=EINVAL\n', flags.join(' '));
  }
});

// ---------- notify ----------

/** The test agent on a socket of its own; its log lines. */
async function startAgent(t, value = 4242) {
  const dir = h.tmpdir('agent');
  const sock = path.join(dir, 'agent.sock');
  const log = path.join(dir, 'log');
  const agent = spawn(bins().agent, [sock, log, String(value)], { stdio: 'ignore' });
  t.after(() => agent.kill('SIGKILL'));
  await h.until(() => fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('listening'));
  return { sock, lines: () => fs.readFileSync(log, 'utf8').trim().split('\n').slice(1) };
}

const NOTIFY = (sock) => ({
  defaultAction: 'SCMP_ACT_ALLOW', listenerPath: sock, listenerMetadata: 'tsrun-test',
  syscalls: [{ names: ['getpriority'], action: 'SCMP_ACT_NOTIFY' }],
});

for (const nnp of [true, false]) {
  test(`notify${nnp ? '' : ' without no_new_privs'}: the agent gets the listener with the process state, at create and at exec, and answers`, { skip }, async (t) => {
    const agent = await startAgent(t);
    const rt = h.runtime();
    t.after(rt.cleanup);
    const id = h.uniqueId();
    const bundle = bundleWith(NOTIFY(agent.sock), ['sh', '-c', '/probe $0; sleep 300', call('gp', 'getpriority', [0, 0])], { nnp });
    const out = path.join(h.tmpdir('out'), 'out');
    const fd = fs.openSync(out, 'w');
    const r = rt(['create', '--bundle', bundle, id], { stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    assert.equal(r.status, 0, r.stderr);
    const pid = rt.state(id).pid;
    const created = JSON.parse(agent.lines()[0]);
    assert.deepEqual(created, {
      ociVersion: created.ociVersion, fds: ['seccompFd'], pid, metadata: 'tsrun-test',
      state: { ociVersion: created.ociVersion, id, status: 'creating', pid, bundle, annotations: {} },
    });
    assert.equal(rt(['start', id]).status, 0);
    await h.until(() => fs.readFileSync(out, 'utf8').includes('\n'));
    assert.equal(fs.readFileSync(out, 'utf8'), 'gp ret=4242 errno=0\n', 'the agent answered: 4242 without running getpriority');
    const e = rt(['exec', '--pid-file', path.join(path.dirname(out), 'exec.pid'), id, '/probe', call('gp', 'getpriority', [0, 0])]);
    assert.equal(e.stdout, 'gp ret=4242 errno=0\n', e.stderr);
    const exec = JSON.parse(agent.lines().filter((l) => l.startsWith('{'))[1]);
    assert.equal(exec.state.status, 'running');
    assert.equal(exec.state.pid, pid);
    assert.equal(exec.pid, Number(fs.readFileSync(path.join(path.dirname(out), 'exec.pid'), 'utf8')));
    assert.equal(agent.lines().filter((l) => l === `notified ${X86_64.getpriority}`).length, 2);
  });
}

test('notify: an agent that cannot be reached fails create with the path and the errno, and leaves nothing', { skip }, (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const id = h.uniqueId();
  const missing = path.join(h.tmpdir('agent'), 'nobody.sock');
  const bundle = bundleWith(NOTIFY(missing), ['sleep', '300']);
  const r = rt(['create', '--bundle', bundle, id]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`linux\\.seccomp\\.listenerPath: cannot reach the seccomp agent: connect ${missing.replace(/[.]/g, '\\.')}: ENOENT`));
  h.assertNothingLeft(assert, rt, id, bundle);
});

// ---------- errors ----------

test('a profile that refuses execve fails the container with an error naming the profile', { skip }, (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  for (const nnp of [true, false]) {
    const bundle = bundleWith({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['execve'], action: 'SCMP_ACT_ERRNO' }] }, ['/bin/true'], { nnp });
    const id = h.uniqueId();
    const r = rt(['run', '--bundle', bundle, id]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /exec \/bin\/true: EPERM: operation not permitted \(execve is refused by the container's seccomp profile, linux\.seccomp: SCMP_ACT_ERRNO\(1\)\)/, `nnp ${nnp}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    h.assertNothingLeft(assert, rt, id, bundle);
  }
});

test('without no_new_privs, a profile that refuses a step of the set-up fails create and says so', { skip }, (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const deny = bundleWith({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['setresuid'], action: 'SCMP_ACT_ERRNO' }] }, ['sleep', '1'], { nnp: false, user: { uid: 1000, gid: 1000 } });
  const id = h.uniqueId();
  const r = rt(['create', '--bundle', deny, id]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /setresuid 1000: EPERM: operation not permitted \(setresuid is refused by the container's seccomp profile, linux\.seccomp: SCMP_ACT_ERRNO\(1\)\)/);
  h.assertNothingLeft(assert, rt, id, deny);
  const kill = bundleWith({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['setresuid'], action: 'SCMP_ACT_KILL_PROCESS' }] }, ['sleep', '1'], { nnp: false, user: { uid: 1000, gid: 1000 } });
  const id2 = h.uniqueId();
  const k = rt(['create', '--bundle', kill, id2]);
  assert.equal(k.status, 1);
  assert.match(k.stderr, /container init was killed by SIGSYS: a syscall it made after installing linux\.seccomp is refused by the profile/);
  h.assertNothingLeft(assert, rt, id2, kill);
});

test('an invalid profile is refused before anything exists, naming the JSON pointer', { skip }, (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const bundle = bundleWith({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getpid'], action: 'SCMP_ACT_ALLOW', errnoRet: 3, args: [{ index: 7, value: 1, op: 'SCMP_CMP_EQ' }] }] }, ['true']);
  const id = h.uniqueId();
  const r = rt(['create', '--bundle', bundle, id]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /\/linux\/seccomp\/syscalls\/0\/args\/0\/index: a syscall has six arguments \(0 to 5\), not 7/);
  assert.match(r.stderr, /\/linux\/seccomp\/syscalls\/0\/errnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno, not SCMP_ACT_ALLOW/);
  h.assertNothingLeft(assert, rt, id, bundle);
});
