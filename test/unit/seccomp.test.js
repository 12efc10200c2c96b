'use strict';
// The seccomp compiler, without root: each profile is compiled, and its
// program run in a cBPF interpreter over seccomp_data inputs (arch, nr,
// args); the verdicts must be what the profile says, as runc gives them.
const test = require('node:test');
const assert = require('node:assert/strict');
const bpf = require('../../dist/seccomp/bpf');
const { compileSeccomp } = require('../../dist/seccomp/compile');
const { seccompProblems, RET, AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, ACTIONS, supportedFlags } = require('../../dist/seccomp/profile');
const { X86_64, X86, X32, X32_SYSCALL_BIT } = require('../../dist/seccomp/tables');
const { unsafeIntegers } = require('../../dist/spec/json-integers');
const { validateSpec } = require('../../dist/container/config');
const { podmanProfile } = require('../seccomp-profiles');

const ALLOW = RET.ALLOW;
const errno = (n) => (RET.ERRNO | n) >>> 0;
const ENOSYS = errno(38);
const EPERM = errno(1);

/** The verdict of a compiled profile for one syscall. */
function verdictOf(compiled, name, args = [], abi = 'x86_64') {
  const prog = bpf.decode(compiled.filter);
  const nr = typeof name === 'number' ? name : abi === 'x86_64' ? X86_64[name] : abi === 'x32' ? (X32[name] | X32_SYSCALL_BIT) >>> 0 : X86[name];
  assert.notEqual(nr, undefined, `${name} in ${abi}`);
  const arch = abi === 'x86' ? AUDIT_ARCH_I386 : AUDIT_ARCH_X86_64;
  return bpf.run(prog, { arch, nr, args: args.map(BigInt) }).verdict;
}

const compile = (p) => compileSeccomp(p);

test('bpf: a conditional jump beyond 255 instructions goes through ja', () => {
  const asm = new bpf.Assembler();
  const far = asm.label();
  const near = asm.label();
  asm.load(0);
  asm.jump('jeq', 7, far, near);
  asm.place(near);
  for (let i = 0; i < 300; i++) asm.ret(1000 + i);
  asm.place(far);
  asm.ret(42);
  const prog = asm.assemble();
  assert.ok(prog.every((p) => p.jt <= 255 && p.jf <= 255));
  assert.equal(bpf.run(prog, { nr: 7, arch: 0 }).verdict, 42);
  assert.equal(bpf.run(prog, { nr: 8, arch: 0 }).verdict, 1000);
  // Both branches far: two ja after the conditional.
  const asm2 = new bpf.Assembler();
  const a = asm2.label();
  const b = asm2.label();
  asm2.load(0);
  asm2.jump('jgt', 5, a, b);
  for (let i = 0; i < 260; i++) asm2.ret(i);
  asm2.place(a);
  asm2.ret(11);
  for (let i = 0; i < 260; i++) asm2.ret(i);
  asm2.place(b);
  asm2.ret(22);
  const p2 = asm2.assemble();
  assert.equal(bpf.run(p2, { nr: 6, arch: 0 }).verdict, 11);
  assert.equal(bpf.run(p2, { nr: 5, arch: 0 }).verdict, 22);
  assert.deepEqual(bpf.decode(bpf.encode(p2)), p2);
});

test('deny-list: ERRNO rules with and without errnoRet (EPERM), everything else allowed, no ENOSYS cutoff', () => {
  const c = compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [
    { names: ['mount', 'umount2'], action: 'SCMP_ACT_ERRNO' },
    { names: ['getpid'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
  ] });
  assert.equal(verdictOf(c, 'mount'), EPERM);
  assert.equal(verdictOf(c, 'umount2'), EPERM);
  assert.equal(verdictOf(c, 'getpid'), errno(13));
  assert.equal(verdictOf(c, 'getppid'), ALLOW);
  assert.equal(verdictOf(c, 1000), ALLOW, 'a number above every named syscall: the default ALLOW');
  assert.equal(c.flags, 0);
});

test('allow-list: defaultErrnoRet, and ENOSYS above the highest syscall the profile names, per ABI', () => {
  const c = compile({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 1, architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'], syscalls: [
    { names: ['read', 'write', 'exit_group', 'openat'], action: 'SCMP_ACT_ALLOW' },
    { names: ['process_mrelease'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 },
  ] });
  assert.equal(verdictOf(c, 'read'), ALLOW);
  assert.equal(verdictOf(c, 'getpid'), EPERM);
  // process_mrelease (448) is the highest named: its rule equals the default and is dropped, but it sets the cutoff.
  assert.equal(verdictOf(c, 'process_mrelease'), EPERM);
  assert.equal(verdictOf(c, 'futex_waitv'), ENOSYS);
  assert.equal(verdictOf(c, 0x3fffffff), ENOSYS);
  assert.equal(verdictOf(c, 'read', [], 'x32'), ALLOW);
  assert.equal(verdictOf(c, (X32.process_mrelease + 1) | X32_SYSCALL_BIT), ENOSYS);
  assert.equal(verdictOf(c, 'read', [], 'x86'), ALLOW);
  assert.equal(verdictOf(c, 'getpid', [], 'x86'), EPERM);
  assert.equal(verdictOf(c, X86.process_mrelease + 1, [], 'x86'), ENOSYS);
});

test('an ALLOW, LOG or TRACE default gets no ENOSYS cutoff; KILL, TRAP and ERRNO do', () => {
  for (const [action, cutoff] of [['SCMP_ACT_ALLOW', false], ['SCMP_ACT_LOG', false], ['SCMP_ACT_TRACE', false], ['SCMP_ACT_KILL', true], ['SCMP_ACT_TRAP', true], ['SCMP_ACT_ERRNO', true]]) {
    const c = compile({ defaultAction: action, syscalls: [{ names: ['getpid'], action: action === 'SCMP_ACT_ERRNO' ? 'SCMP_ACT_ALLOW' : 'SCMP_ACT_ERRNO' }] });
    assert.equal(verdictOf(c, 'getppid') === ENOSYS, cutoff, `${action}: getppid (110) is above getpid (39)`);
  }
});

test('every action has its SECCOMP_RET value; KILL is KILL_THREAD; TRACE takes errnoRet as its data', () => {
  const names = ['getpid', 'getppid', 'getuid', 'geteuid', 'getgid', 'getegid', 'gettid', 'getpgrp', 'getsid'];
  const actions = ['SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_TRAP', 'SCMP_ACT_TRACE', 'SCMP_ACT_LOG', 'SCMP_ACT_NOTIFY', 'SCMP_ACT_ERRNO'];
  const c = compile({ defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/x', syscalls: [
    ...actions.map((action, i) => ({ names: [names[i]], action })),
    { names: [names[8]], action: 'SCMP_ACT_TRACE', errnoRet: 7 },
  ] });
  const expected = [0, 0x80000000, 0, 0x30000, 0x7ff00001, 0x7ffc0000, 0x7fc00000, 0x50001, 0x7ff00007];
  names.forEach((n, i) => assert.equal(verdictOf(c, n), expected[i], n));
  assert.equal(c.flags & 8, 8, 'a NOTIFY rule loads the filter with SECCOMP_FILTER_FLAG_NEW_LISTENER');
  assert.deepEqual(Object.keys(ACTIONS).sort(), [...actions, 'SCMP_ACT_ALLOW'].sort());
});

// Values above 2^32: every op decided on both halves on x86_64.
const BIG = 0x100000005n;
const PROBES = [0n, 5n, 4n, 6n, 0xffffffffn, 0x100000000n, 0x100000004n, BIG, 0x100000006n, 0x1ffffffffn, 0x200000000n, 0x200000005n,
  0xfffffffe00000005n, 0xffffffffffffffffn];
const OPS = {
  SCMP_CMP_EQ: (a) => a === BIG, SCMP_CMP_NE: (a) => a !== BIG, SCMP_CMP_LT: (a) => a < BIG, SCMP_CMP_LE: (a) => a <= BIG,
  SCMP_CMP_GE: (a) => a >= BIG, SCMP_CMP_GT: (a) => a > BIG,
};
for (const [op, holds] of Object.entries(OPS)) {
  test(`${op} compares 64-bit values on both halves (x86_64), the low half on x86 and x32`, () => {
    const c = compile({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'], syscalls: [
      { names: ['setpriority'], action: 'SCMP_ACT_ERRNO', errnoRet: 9, args: [{ index: 2, value: Number(BIG), op }] },
    ] });
    for (const v of PROBES) {
      for (const index of [0, 2]) {
        const args = [0n, 0n, 0n, 0n, 0n, 0n];
        args[index] = v;
        const want = index === 2 && holds(v) ? errno(9) : index === 0 && holds(0n) ? errno(9) : ALLOW;
        assert.equal(verdictOf(c, 'setpriority', args), want, `x86_64 arg${index} = 0x${v.toString(16)}`);
        const low = BigInt.asUintN(32, v);
        const want32 = (index === 2 ? OPS[op](low | 0x100000000n) : OPS[op](0x100000000n)) ? errno(9) : ALLOW;
        assert.equal(verdictOf(c, 'setpriority', args, 'x86'), want32, `x86 arg${index} = 0x${v.toString(16)}`);
        assert.equal(verdictOf(c, 'setpriority', args, 'x32'), want32, `x32 arg${index} = 0x${v.toString(16)}`);
      }
    }
  });
}

test('SCMP_CMP_MASKED_EQ: value is the mask, valueTwo the value, on both halves', () => {
  const c = compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [
    { names: ['clone'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
    { names: ['setsid'], action: 'SCMP_ACT_ERRNO', errnoRet: 2, args: [{ index: 1, value: 0xff00000000ff, valueTwo: 0x1200000034, op: 'SCMP_CMP_MASKED_EQ' }] },
  ] });
  assert.equal(verdictOf(c, 'clone', [0x11]), EPERM, 'no namespace flag: masked value 0');
  assert.equal(verdictOf(c, 'clone', [0x10000000]), ALLOW, 'CLONE_NEWUSER');
  assert.equal(verdictOf(c, 'clone', [0x100000000n]), EPERM, 'the mask has no high bits');
  // (arg & 0xff00000000ff) == (0x1200000034 & 0xff00000000ff) = 0x34
  assert.equal(verdictOf(c, 'setsid', [0, 0x34]), errno(2));
  assert.equal(verdictOf(c, 'setsid', [0, 0x1200000034n]), errno(2));
  assert.equal(verdictOf(c, 'setsid', [0, 0x10000000034n]), ALLOW);
  assert.equal(verdictOf(c, 'setsid', [0, 0x35]), ALLOW);
});

test('conditions on distinct arguments are ANDed; the same argument twice makes each condition a rule (ORed, as runc and crun)', () => {
  const c = compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [
    { names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: 22, args: [{ index: 0, value: 16, op: 'SCMP_CMP_EQ' }, { index: 2, value: 9, op: 'SCMP_CMP_EQ' }] },
    { names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 4, op: 'SCMP_CMP_GE' }, { index: 0, value: 10, op: 'SCMP_CMP_LE' }] },
  ] });
  assert.equal(verdictOf(c, 'socket', [16, 3, 9]), errno(22));
  assert.equal(verdictOf(c, 'socket', [16, 3, 0]), ALLOW);
  assert.equal(verdictOf(c, 'socket', [2, 3, 9]), ALLOW);
  for (const v of [0, 4, 7, 11, 0xffffffff]) assert.equal(verdictOf(c, 'personality', [v]), EPERM, `personality(${v}): >= 4 or <= 10`);
});

test('several rules for one syscall: an unconditional rule decides; otherwise they are tried in turn', () => {
  const uncond = compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [
    { names: ['personality'], action: 'SCMP_ACT_ERRNO', errnoRet: 5, args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] },
    { names: ['personality'], action: 'SCMP_ACT_ERRNO', errnoRet: 7 },
    { names: ['personality'], action: 'SCMP_ACT_ERRNO', errnoRet: 6 },
  ] });
  assert.equal(verdictOf(uncond, 'personality', [8]), errno(7));
  assert.equal(verdictOf(uncond, 'personality', [0]), errno(7));
  const turns = compile({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [
    { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0, op: 'SCMP_CMP_EQ' }] },
    { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] },
    { names: ['personality'], action: 'SCMP_ACT_ERRNO', errnoRet: 22, args: [{ index: 0, value: 8, op: 'SCMP_CMP_GE' }] },
    { names: ['personality'], action: 'SCMP_ACT_KILL', args: [{ index: 0, value: 100, op: 'SCMP_CMP_GE' }] },
  ] });
  assert.equal(verdictOf(turns, 'personality', [0]), ALLOW);
  assert.equal(verdictOf(turns, 'personality', [8]), ALLOW);
  assert.equal(verdictOf(turns, 'personality', [9]), errno(22));
  assert.equal(verdictOf(turns, 'personality', [200]), errno(22), 'the earlier rule matches first');
  assert.equal(verdictOf(turns, 'personality', [1]), EPERM, 'no rule: the default');
});

test('a rule with the default action is dropped, as runc does (KILL is KILL_THREAD)', () => {
  const c = compile({ defaultAction: 'SCMP_ACT_KILL_THREAD', syscalls: [
    { names: ['getpid'], action: 'SCMP_ACT_KILL' },
    { names: ['getpid'], action: 'SCMP_ACT_ALLOW' },
  ] });
  assert.equal(verdictOf(c, 'getpid'), ALLOW);
});

test('architectures: x86_64 always; x32 and x86 when listed; any other ABI is killed (libseccomp\'s bad-arch action)', () => {
  const only64 = compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getpid'], action: 'SCMP_ACT_ERRNO' }] });
  assert.equal(verdictOf(only64, 'getpid'), EPERM);
  assert.equal(verdictOf(only64, 'getpid', [], 'x32'), RET.KILL_THREAD, 'x32 not listed');
  assert.equal(verdictOf(only64, 'getpid', [], 'x86'), RET.KILL_THREAD, 'x86 not listed');
  assert.equal(verdictOf(only64, 0xffffffff), ALLOW, 'syscall(-1) is not an x32 number');
  const prog = bpf.decode(only64.filter);
  assert.equal(bpf.run(prog, { arch: 0xc00000b7 /* AUDIT_ARCH_AARCH64 */, nr: 172 }).verdict, RET.KILL_THREAD);
  const all = compile({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32', 'SCMP_ARCH_AARCH64'], syscalls: [{ names: ['getpid'], action: 'SCMP_ACT_ERRNO' }] });
  assert.equal(verdictOf(all, 'getpid', [], 'x32'), EPERM);
  assert.equal(verdictOf(all, 'getpid', [], 'x86'), EPERM);
  assert.equal(X86.getpid, 20, 'i386 numbers are its own');
  assert.equal(verdictOf(all, 'getppid', [], 'x86'), ALLOW);
});

test('x86: socket and IPC calls get a rule on socketcall(2) and ipc(2) by call number, in place of a condition on the first argument', () => {
  const c = compile({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86'], syscalls: [
    { names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: 22, args: [{ index: 0, value: 16, op: 'SCMP_CMP_EQ' }] },
    { names: ['shmget', 'semop'], action: 'SCMP_ACT_ERRNO', errnoRet: 9 },
  ] });
  assert.equal(verdictOf(c, 'socket', [16], 'x86'), errno(22), 'the direct syscall keeps its condition');
  assert.equal(verdictOf(c, 'socket', [2], 'x86'), ALLOW);
  assert.equal(verdictOf(c, 'socketcall', [1], 'x86'), errno(22), 'socketcall(SYS_SOCKET, ...)');
  assert.equal(verdictOf(c, 'socketcall', [3], 'x86'), ALLOW, 'socketcall(SYS_CONNECT, ...)');
  assert.equal(verdictOf(c, 'ipc', [23], 'x86'), errno(9), 'ipc(SHMGET)');
  assert.equal(verdictOf(c, 'ipc', [1], 'x86'), errno(9), 'ipc(SEMOP): semop has no i386 syscall of its own');
  assert.equal(verdictOf(c, 'ipc', [2], 'x86'), ALLOW);
  assert.equal(verdictOf(c, 'shmget', [], 'x86'), errno(9));
  // Conditions on the other arguments stay, on socketcall's own arguments (libseccomp does the same).
  const more = compile({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86'], syscalls: [
    { names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: 97, args: [{ index: 0, value: 2, op: 'SCMP_CMP_NE' }, { index: 1, value: 3, op: 'SCMP_CMP_EQ' }] },
  ] });
  assert.equal(verdictOf(more, 'socketcall', [1, 3], 'x86'), errno(97));
  assert.equal(verdictOf(more, 'socketcall', [1, 0x8000], 'x86'), ALLOW);
});

test('names unknown to an ABI are skipped there and reported', () => {
  const c = compile({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86'], syscalls: [{ names: ['no_such_call', 'newfstatat', 'getpid'], action: 'SCMP_ACT_ERRNO' }] });
  assert.deepEqual(c.unknown, [{ abi: 'x86_64', name: 'no_such_call' }, { abi: 'x86', name: 'no_such_call' }, { abi: 'x86', name: 'newfstatat' }]);
  assert.equal(verdictOf(c, 'newfstatat'), EPERM);
  assert.equal(verdictOf(c, 'getpid', [], 'x86'), EPERM);
});

test('values beyond 2^53 are read exactly from the JSON text', () => {
  const text = '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["setpriority"],"action":"SCMP_ACT_ERRNO","args":[{"index":1,"value":18446744073709551615,"op":"SCMP_CMP_EQ"}]}]}';
  const exact = unsafeIntegers(text);
  assert.deepEqual([...exact], [['/syscalls/0/args/0/value', 18446744073709551615n]]);
  const c = compileSeccomp(JSON.parse(text), { at: '', exact: (p) => exact.get(p) });
  assert.equal(verdictOf(c, 'setpriority', [0, 0xffffffffffffffffn]), EPERM);
  assert.equal(verdictOf(c, 'setpriority', [0, 0xfffffffffffff800n]), ALLOW, 'the double 2^64 would round to this neighbour');
  assert.throws(() => compileSeccomp(JSON.parse(text)), /too large to be read exactly/);
  assert.deepEqual([...unsafeIntegers('{"a":[1,2.5e40,-9007199254740993],"b\\/c":{"d~":9007199254740993}}')],
    [['/a/2', -9007199254740993n], ['/b~1c/d~0', 9007199254740993n]]);
});

test('podman\'s default profile: the verdicts its rules give, in a dozen instructions where libseccomp takes hundreds', { skip: !podmanProfile() && 'containers-common is not installed' }, () => {
  const p = podmanProfile();
  const c = compile(p);
  assert.equal(verdictOf(c, 'read'), ALLOW);
  assert.equal(verdictOf(c, 'kexec_load'), EPERM);
  assert.equal(verdictOf(c, 'setns'), ALLOW, 'the allow-list names it before the ERRNO rule for those without CAP_SYS_ADMIN: the first unconditional rule decides');
  assert.equal(verdictOf(c, 'clone3'), ALLOW);
  assert.equal(verdictOf(c, 'socket', [16, 3, 9]), errno(22), 'AF_NETLINK, NETLINK_AUDIT');
  assert.equal(verdictOf(c, 'socket', [2, 1, 0]), ALLOW);
  assert.equal(verdictOf(c, 'personality', [8]), ALLOW);
  assert.equal(verdictOf(c, 'personality', [1]), ENOSYS, 'the default, ERRNO(ENOSYS)');
  assert.equal(verdictOf(c, 'futex_waitv'), ENOSYS);
  const prog = bpf.decode(c.filter);
  for (const name of ['getpid', 'read', 'futex']) {
    const { steps } = bpf.run(prog, { arch: AUDIT_ARCH_X86_64, nr: X86_64[name] });
    assert.ok(steps <= 16, `${name}: ${steps} instructions`);
  }
});

test('profile checks name the JSON pointer; unknown names of actions, operators, arches and flags fail the schema', () => {
  const problems = seccompProblems({
    defaultAction: 'SCMP_ACT_NOTIFY', defaultErrnoRet: 1, listenerMetadata: 'm', flags: ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'],
    syscalls: [
      { names: ['getpid', ''], action: 'SCMP_ACT_ALLOW', errnoRet: 1 },
      { names: ['write', 'sendmsg'], action: 'SCMP_ACT_NOTIFY' },
      { names: ['getpid'], action: 'SCMP_ACT_ERRNO', errnoRet: 5000, args: [{ index: 6, value: 1, op: 'SCMP_CMP_EQ' }] },
    ],
  });
  assert.deepEqual(problems, [
    '/linux/seccomp/defaultAction: SCMP_ACT_NOTIFY cannot be the default action (the runtime\'s own syscalls would wait on the agent)',
    '/linux/seccomp/defaultErrnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno, not SCMP_ACT_NOTIFY',
    '/linux/seccomp/syscalls/0/errnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno, not SCMP_ACT_ALLOW',
    '/linux/seccomp/syscalls/0/names/1: empty string is not a valid syscall',
    '/linux/seccomp/syscalls/1/names/0: SCMP_ACT_NOTIFY cannot be used for the write syscall',
    '/linux/seccomp/syscalls/1/names/1: SCMP_ACT_NOTIFY cannot be used for the sendmsg syscall',
    '/linux/seccomp/syscalls/2/errnoRet: 5000 is not an errno (at most 4095)',
    '/linux/seccomp/syscalls/2/args/0/index: a syscall has six arguments (0 to 5), not 6',
    '/linux/seccomp/listenerPath: required when a rule\'s action is SCMP_ACT_NOTIFY',
    '/linux/seccomp/listenerMetadata: must not be set without listenerPath',
  ]);
  const base = JSON.parse(require('node:fs').readFileSync(require('node:path').join(__dirname, '../../bundles/busybox/config.json'), 'utf8'));
  base.root.path = require('node:path').join(__dirname, '../../bundles/busybox/rootfs');
  base.linux.seccomp = { defaultAction: 'SCMP_ACT_BOGUS', architectures: ['SCMP_ARCH_VAX'], flags: ['SECCOMP_FILTER_FLAG_X'],
    syscalls: [{ names: ['getpid'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_ABOUT' }] }] };
  assert.throws(() => validateSpec(base, '/'), (e) => {
    for (const p of ['/linux/seccomp/defaultAction', '/linux/seccomp/architectures/0', '/linux/seccomp/flags/0', '/linux/seccomp/syscalls/0/args/0/op']) {
      assert.match(e.message, new RegExp(`config\\.json: ${p}: must be equal to one of the allowed values`), p);
    }
    return true;
  });
});

test('features: the flags each kernel release takes', () => {
  assert.deepEqual(supportedFlags('4.15.0'), ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG']);
  assert.deepEqual(supportedFlags('6.1.0-13-amd64'), ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV']);
});

test('flags: TSYNC is accepted and not passed (one thread execs), LOG and SPEC_ALLOW are', () => {
  const c = compile({ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'] });
  assert.equal(c.flags, 2 | 4);
});

test('a filter longer than the kernel takes is refused with the count', () => {
  const names = Object.keys(X86_64);
  const syscalls = names.map((n, i) => ({ names: [n], action: 'SCMP_ACT_ERRNO', errnoRet: 1 + (i % 100), args: [{ index: 0, value: i, op: 'SCMP_CMP_GT' }, { index: 1, value: i, op: 'SCMP_CMP_LT' }] }));
  assert.throws(() => compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls }), /\/linux\/seccomp: the filter takes \d+ instructions, more than the kernel's limit of 4096/);
});

// An independent model of what a profile means on x86_64, evaluated
// directly on 64-bit values; random profiles and inputs must give the
// compiled filter's verdicts.
const { actionValue } = require('../../dist/seccomp/profile');

function intended(profile, nr, args) {
  const def = actionValue(profile.defaultAction, profile.defaultErrnoRet);
  const rules = [];
  let max = -1;
  for (const entry of profile.syscalls ?? []) {
    for (const name of entry.names) {
      if (X86_64[name] === undefined) continue;
      max = Math.max(max, X86_64[name]);
      if (X86_64[name] !== nr) continue;
      const action = actionValue(entry.action, entry.errnoRet);
      if (action === def) continue;
      const conds = entry.args ?? [];
      const repeated = new Set(conds.map((c) => c.index)).size !== conds.length;
      if (repeated) for (const c of conds) rules.push({ action, conds: [c] });
      else rules.push({ action, conds });
    }
  }
  const holds = (c) => {
    const a = args[c.index];
    const v = BigInt(c.value);
    switch (c.op) {
      case 'SCMP_CMP_EQ': return a === v;
      case 'SCMP_CMP_NE': return a !== v;
      case 'SCMP_CMP_LT': return a < v;
      case 'SCMP_CMP_LE': return a <= v;
      case 'SCMP_CMP_GE': return a >= v;
      case 'SCMP_CMP_GT': return a > v;
      case 'SCMP_CMP_MASKED_EQ': return (a & v) === (BigInt(c.valueTwo ?? 0) & v);
    }
    throw new Error(c.op);
  };
  const uncond = rules.find((r) => r.conds.length === 0);
  if (uncond) return uncond.action;
  const hit = rules.find((r) => r.conds.every(holds));
  if (hit) return hit.action;
  const allowish = [RET.ALLOW, RET.LOG, RET.TRACE].includes((def & 0xffff0000) >>> 0);
  return !allowish && max >= 0 && nr > max ? ENOSYS : def;
}

function prng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test('random profiles: the compiled filter gives the verdicts of a direct model of the profile', () => {
  const rand = prng(12345);
  const pick = (xs) => xs[Math.floor(rand() * xs.length)];
  const NAMES = ['read', 'write', 'getpid', 'socket', 'personality', 'setpriority', 'clone', 'mmap', 'futex', 'kill', 'unshare', 'process_mrelease'];
  const VALUES = [0n, 1n, 5n, 8n, 0xffn, 0x7fffffffn, 0xffffffffn, 0x100000000n, 0x100000005n, 0x1ffffffffn, 0xffffffff00000000n, 0xffffffffffffffffn];
  const OPS_ = ['SCMP_CMP_EQ', 'SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ'];
  const action = () => {
    const a = pick(['SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 'SCMP_ACT_TRAP', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE']);
    return a === 'SCMP_ACT_ERRNO' || a === 'SCMP_ACT_TRACE' ? { action: a, errnoRet: Math.floor(rand() * 5) } : { action: a };
  };
  let inputs = 0;
  for (let p = 0; p < 150; p++) {
    const d = action();
    const profile = { defaultAction: d.action, ...(d.errnoRet !== undefined ? { defaultErrnoRet: d.errnoRet } : {}), syscalls: [] };
    for (let e = 0, n = 1 + Math.floor(rand() * 10); e < n; e++) {
      const a = action();
      const args = [];
      for (let k = 0, m = Math.floor(rand() * 3); k < m; k++) {
        // Safe integers only here: the exact path for larger ones has its own test.
        const value = Number(pick(VALUES.filter((v) => v <= BigInt(Number.MAX_SAFE_INTEGER))));
        args.push({ index: Math.floor(rand() * 4), value, valueTwo: Number(pick(VALUES.filter((v) => v <= 0xffffffffn))), op: pick(OPS_) });
      }
      profile.syscalls.push({ names: [pick(NAMES), ...(rand() < 0.3 ? [pick(NAMES)] : [])], ...a, ...(args.length ? { args } : {}) });
    }
    const prog = bpf.decode(compileSeccomp(profile).filter);
    for (let i = 0; i < 200; i++) {
      const nr = rand() < 0.85 ? X86_64[pick(NAMES)] : Math.floor(rand() * 600);
      const args = Array.from({ length: 6 }, () => pick(VALUES) + (rand() < 0.2 ? 1n : 0n));
      const got = bpf.run(prog, { arch: AUDIT_ARCH_X86_64, nr, args: args.map((a) => BigInt.asUintN(64, a)) }).verdict;
      assert.equal(got, intended(profile, nr, args.map((a) => BigInt.asUintN(64, a))), `profile ${JSON.stringify(profile)}, nr ${nr}, args ${args}`);
      inputs++;
    }
  }
  assert.equal(inputs, 30000);
});
