'use strict';
// The init's programs as data (the order and arguments of the process
// set-up, in runc's order: bounding set, keep-caps, groups, gid, uid,
// capset, ambient; seccomp's moment), and pieces of them run by
// tsrun-init on the real kernel (lookPath's errors, paths in a rootfs),
// with the errors worded as users read them.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Program, Named, Op, MAGIC_ERROR } = require('../../dist/init/program');
const { newCtx } = require('../../dist/plan/steps');
const { ensureInRoot, openInRoot } = require('../../dist/plan/steps');
const { prepareProcess, execProcess, lookPath } = require('../../dist/plan/process');
const { describeRecord, filterExplainer } = require('../../dist/plan/errors');
const { compileSeccomp } = require('../../dist/seccomp/compile');
const C = require('../../dist/linux/constants');
const { CAPABILITIES } = require('../../dist/spec/capabilities');
const { runProgram } = require('./run-program');

function proc(overrides = {}) {
  return {
    args: ['/bin/sh'], env: ['PATH=/bin'], cwd: '/', uid: 1000, gid: 1001, additionalGids: [5, 6], umask: null,
    rlimits: [], capabilities: null, noNewPrivileges: false, oomScoreAdj: null, ioPriority: null, scheduler: null, ...overrides,
  };
}

/** The process part of an init's program, up to its execve. */
function processProgram(pr, seccomp = null) {
  const p = new Program();
  const ctx = newCtx(p, new Named(3, 'sync'));
  const plan = prepareProcess(ctx, pr, { env: pr.env, seccomp, enterRoot: null });
  execProcess(ctx, pr, plan, 0, null);
  return p.finish();
}

/** The syscalls of the main flow (before the out-of-line code), with their arguments as the plan shows them. */
function calls(p) {
  const end = p.sections.find((s) => s.title.startsWith('out of line'))?.at ?? p.insns.length;
  return p.insns.slice(0, end).map((insn, i) => ({ i, insn })).filter(({ insn }) => insn.op === Op.Syscall);
}
const names = (p) => calls(p).map(({ insn }) => insn.name);
const indexOf = (p, name, pred = () => true) => calls(p).find(({ insn }) => insn.name === name && pred(insn))?.i ?? -1;
const lastIndexOf = (p, name, pred = () => true) => calls(p).filter(({ insn }) => insn.name === name && pred(insn)).pop()?.i ?? -1;
const prctl = (option) => (insn) => insn.args[0] === option;

test('user switch: setgroups, then setresgid, then setresuid, with their ids', () => {
  const p = processProgram(proc());
  const order = names(p).filter((n) => ['setgroups', 'setresgid', 'setresuid'].includes(n));
  assert.deepEqual(order, ['setgroups', 'setresgid', 'setresuid']);
  const find = (n) => calls(p).find(({ insn }) => insn.name === n).insn;
  assert.equal(find('setgroups').args[0], 2);
  assert.equal(find('setgroups').args[1].show, 'gid_t[5, 6]');
  assert.deepEqual(find('setresgid').args, [1001, 1001, 1001]);
  assert.deepEqual(find('setresuid').args, [1000, 1000, 1000]);
  // Without additional gids, an unprivileged user namespace's "deny" (EPERM) is no failure.
  const none = processProgram(proc({ additionalGids: [] }));
  assert.equal(calls(none).find(({ insn }) => insn.name === 'setgroups').insn.altErrno, 1);
});

test('capabilities: the bounding set dropped before the user switch with keep-caps, the sets after it', () => {
  const mask = (list) => list.reduce((m, n) => m | (1n << BigInt(CAPABILITIES[n])), 0n).toString();
  const p = processProgram(proc({
    capabilities: {
      bounding: mask(['CAP_KILL', 'CAP_CHOWN']), effective: mask(['CAP_KILL']), permitted: mask(['CAP_KILL', 'CAP_CHOWN']),
      inheritable: mask(['CAP_KILL']), ambient: mask(['CAP_KILL', 'CAP_CHOWN']),
    },
  }));
  // The drop loop's mask: everything but KILL and CHOWN.
  const shr = p.insns.find((insn) => insn.op === Op.Alu && insn.name === 'shr' && typeof insn.args[0] === 'bigint');
  const drop = shr.args[0];
  assert.equal((drop >> BigInt(CAPABILITIES.CAP_KILL)) & 1n, 0n);
  assert.equal((drop >> BigInt(CAPABILITIES.CAP_CHOWN)) & 1n, 0n);
  assert.equal((drop >> BigInt(CAPABILITIES.CAP_SYS_ADMIN)) & 1n, 1n);
  const dropStep = indexOf(p, 'prctl', prctl(C.PR_CAPBSET_DROP));
  const keep = indexOf(p, 'prctl', (i) => i.args[0] === C.PR_SET_KEEPCAPS && i.args[1] === 1);
  assert.ok(dropStep < keep && keep < indexOf(p, 'setresuid'), 'drops, then keep-caps, then the uid');
  assert.ok(indexOf(p, 'setresuid') < indexOf(p, 'capset'));
  const data = p.insns[indexOf(p, 'capset')].args[1];
  assert.equal(data.show, 'cap_user_data[2]');
  // Only caps both permitted and inheritable can be ambient: CAP_KILL.
  const raised = calls(p).filter(({ insn }) => insn.name === 'prctl' && insn.args[0] === C.PR_CAP_AMBIENT && insn.args[1] === C.PR_CAP_AMBIENT_RAISE).map(({ insn }) => insn.args[2]);
  assert.deepEqual(raised, [CAPABILITIES.CAP_KILL]);
});

test('no_new_privs is set when asked, and not otherwise', () => {
  assert.ok(indexOf(processProgram(proc({ noNewPrivileges: true })), 'prctl', (i) => i.args[0] === C.PR_SET_NO_NEW_PRIVS && i.args[1] === 1) >= 0);
  assert.equal(indexOf(processProgram(proc()), 'prctl', prctl(C.PR_SET_NO_NEW_PRIVS)), -1);
});

test('rlimits: each set with its name; NOFILE at its hard limit until the late step', () => {
  const p = new Program();
  const ctx = newCtx(p, new Named(3, 'sync'));
  const pr = proc({ rlimits: [{ resource: 7, name: 'RLIMIT_NOFILE', soft: '100', hard: '200' }, { resource: 4, name: 'RLIMIT_CORE', soft: '0', hard: '10' }] });
  prepareProcess(ctx, pr, { env: pr.env, seccomp: null, enterRoot: null });
  require('../../dist/plan/process').lateRlimits(ctx, pr);
  const limits = p.insns.filter((i) => i.name === 'prlimit64').map((i) => [i.args[1], i.args[2].show, i.msg]);
  assert.deepEqual(limits, [[7, 'rlimit{200, 200}', 'setrlimit RLIMIT_NOFILE'], [4, 'rlimit{0, 10}', 'setrlimit RLIMIT_CORE'], [7, 'rlimit{100, 200}', 'setrlimit RLIMIT_NOFILE']]);
});

const filterOf = (profile) => {
  const c = compileSeccomp(profile);
  return { filter: c.filter.toString('base64'), flags: c.flags };
};
const DENY_SETUID = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['setresuid'], action: 'SCMP_ACT_ERRNO' }] };

test('seccomp without no_new_privs: installed before the capabilities and the user change (it needs CAP_SYS_ADMIN)', () => {
  const p = processProgram(proc({ capabilities: { bounding: '1', effective: '1', permitted: '1', inheritable: '0', ambient: '0' } }), filterOf(DENY_SETUID));
  const s = indexOf(p, 'seccomp');
  assert.ok(s >= 0 && s < indexOf(p, 'setgroups'));
  assert.ok(s < indexOf(p, 'prctl', prctl(C.PR_CAPBSET_DROP)));
  assert.equal(names(p).filter((n) => n === 'seccomp').length, 1);
  // Every step after it is marked: its failure may be the filter's doing.
  assert.ok(p.insns.slice(s + 1).every((i) => i.filtered));
  assert.ok(p.insns.slice(0, s + 1).every((i) => !i.filtered));
});

test('seccomp with no_new_privs: the last step before execve; nothing of the set-up runs under it', () => {
  const p = processProgram(proc({ noNewPrivileges: true }), filterOf(DENY_SETUID));
  const n = names(p);
  assert.deepEqual(n.slice(-2), ['seccomp', 'execve']);
  assert.equal(n.filter((x) => x === 'seccomp').length, 1);
  assert.ok(lastIndexOf(p, 'rt_sigprocmask') < indexOf(p, 'seccomp') && indexOf(p, 'close_range') < indexOf(p, 'seccomp'));
  const exec = p.insns[indexOf(p, 'execve')];
  assert.equal(exec.args[1].show, '["/bin/sh"]');
});

test('seccomp with no_new_privs and a listener: installed last in the set-up, the listener sent to the runtime', () => {
  const p = processProgram(proc({ noNewPrivileges: true }), filterOf({ defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/agent', syscalls: [{ names: ['mknod'], action: 'SCMP_ACT_NOTIFY' }] }));
  const s = indexOf(p, 'seccomp');
  assert.ok(indexOf(p, 'setresuid') < s);
  assert.equal(p.insns[s].args[1] & 8, 8, 'SECCOMP_FILTER_FLAG_NEW_LISTENER');
  assert.equal(names(p)[names(p).indexOf('seccomp') + 1], 'sendmsg', 'the listener goes to the runtime at once');
  assert.equal(names(p).filter((x) => x === 'seccomp').length, 1);
});

test('a step the filter refuses says so; other failures keep their message', () => {
  const explainer = filterExplainer(filterOf(DENY_SETUID).filter);
  const record = (msg, nr) => ({ step: 9, nr, errno: 1, value: 0n, msg, extra: Buffer.alloc(0) });
  assert.equal(describeRecord(record('setresuid 1000\x1f', 117), explainer),
    'setresuid 1000: EPERM: operation not permitted (setresuid is refused by the container\'s seccomp profile, linux.seccomp: SCMP_ACT_ERRNO(1))');
  assert.equal(describeRecord(record('setresgid 1001\x1f', 119), explainer), 'setresgid 1001: EPERM: operation not permitted');
  // Before the filter is installed, no step is blamed on it.
  assert.equal(describeRecord(record('setresuid 1000', 117), explainer), 'setresuid 1000: EPERM: operation not permitted');
});

test('error records: a found node, a hook\'s stderr and signal, a path the step attached', () => {
  const r = (msg, value = 0n, extra = '') => describeRecord({ step: 1, nr: null, errno: 0, value, msg, extra: Buffer.from(extra) });
  const chr = (0x2000n << 48n) | (1n << 8n) | 5n;
  assert.equal(r('device /dev/null: the rootfs has {node} there, not the device 1:3 (refused)', chr), 'device /dev/null: the rootfs has a character device 1:5 there, not the device 1:3 (refused)');
  assert.equal(r('x: it is {node}', 0x8000n << 48n), 'x: it is a regular file');
  assert.equal(r('createContainer hook #0 (/h): exit status {value}{stderr}', 3n, 'a\nb\nc\nd\n'), 'createContainer hook #0 (/h): exit status 3: b; c; d');
  assert.equal(r('hook: killed by signal {signal}{stderr}', 9n), 'hook: killed by signal SIGKILL');
  assert.equal(describeRecord({ step: 1, nr: 59, errno: 2, value: 0n, msg: 'exec {text}', extra: Buffer.from('/bin/x') }), 'exec /bin/x: ENOENT: no such file or directory');
});

// ---------- on the real kernel ----------

/** lookPath as a program: fails with "found" and the path, or with the lookup's own error. */
async function look(args0, env, cwd) {
  const p = new Program();
  const ctx = newCtx(p, new Named(3, 'sync'));
  const found = p.reg('path');
  lookPath(ctx, args0, env, found);
  p.fail('found', 0, 0, found, -1);
  const r = await runProgram(p, { cwd });
  assert.equal(r.status, 1);
  return r.record.msg === 'found' ? r.record.extra.toString() : describeRecord(r.record);
}

test('lookPath: PATH search and runc\'s error strings', async (t) => {
  assert.equal(await look('sh', ['PATH=/nonexistent:/bin']), '/bin/sh');
  assert.equal(await look('no-such-cmd', ['PATH=/bin']), 'exec: "no-such-cmd": executable file not found in $PATH');
  assert.equal(await look('/no/such', []), 'exec: "/no/such": stat /no/such: no such file or directory');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-look-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'plain'), 'data', { mode: 0o644 });
  fs.mkdirSync(path.join(dir, 'sub'));
  assert.equal(await look(path.join(dir, 'plain'), []), `exec: "${dir}/plain": permission denied`);
  // execve gives EACCES for a directory: runc says permission denied (docker and podman map it to 126).
  assert.equal(await look('/etc', []), 'exec: "/etc": permission denied');
  // A PATH entry where the name is a directory is skipped; one where it is not executable is remembered.
  fs.mkdirSync(path.join(dir, 'a'));
  fs.mkdirSync(path.join(dir, 'a', 'sh'));
  assert.equal(await look('sh', [`PATH=${dir}/a:/bin`]), '/bin/sh');
  fs.mkdirSync(path.join(dir, 'b'));
  fs.writeFileSync(path.join(dir, 'b', 'tool'), '', { mode: 0o644 });
  if (process.geteuid() !== 0) assert.equal(await look('tool', [`PATH=${dir}/b`]), 'exec: "tool": permission denied');
  assert.equal(await look('sub', [], dir), 'exec: "sub": executable file not found in $PATH');
});

/** Runs ensureInRoot (or openInRoot) on a root directory; resolves with the path the fd reaches, or the error. */
async function inRoot(root, target, kind, o = {}) {
  const p = new Program();
  const ctx = newCtx(p, new Named(3, 'sync'));
  const rootFd = p.reg('root');
  const fd = p.reg('fd');
  p.sys('openat', [-100, p.str(root), C.O_PATH | C.O_DIRECTORY | C.O_CLOEXEC], { dst: rootFd, msg: 'open root' });
  if (kind === 'open') openInRoot(ctx, rootFd, target, fd, o);
  else ensureInRoot(ctx, rootFd, target, kind, fd, o);
  const link = p.buf(4096);
  const text = p.bytes(Buffer.concat([Buffer.from('/proc/self/fd/'), Buffer.alloc(24)]));
  p.itoa(fd, text.at(14));
  p.sys('readlink', [text, link, 4095]);
  p.fail('reached', 0, 0, link, -1);
  const r = await runProgram(p);
  assert.equal(r.reply.readUInt32LE(0), MAGIC_ERROR);
  return r.record.msg === 'reached' ? r.record.extra.toString() : describeRecord(r.record);
}

test('paths in the rootfs: created as asked, never outside it, no symlink where none is followed', async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-root-'));
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-outside-'));
  t.after(() => { fs.rmSync(root, { recursive: true, force: true }); fs.rmSync(outside, { recursive: true, force: true }); });
  assert.equal(await inRoot(root, '/sys/fs/cgroup', 'dir'), path.join(root, 'sys/fs/cgroup'));
  assert.ok(fs.statSync(path.join(root, 'sys/fs/cgroup')).isDirectory());
  assert.equal(await inRoot(root, '/etc/resolv.conf', 'file'), path.join(root, 'etc/resolv.conf'));
  assert.ok(fs.statSync(path.join(root, 'etc/resolv.conf')).isFile());
  // Existing: opened as it is.
  assert.equal(await inRoot(root, '/sys/fs', 'dir'), path.join(root, 'sys/fs'));
  // An absolute symlink to a host directory, and a relative one climbing out: both stay inside.
  fs.symlinkSync(outside, path.join(root, 'escape'));
  fs.symlinkSync('../../../../../../..' + outside, path.join(root, 'climb'));
  fs.mkdirSync(path.join(root, outside.slice(1)), { recursive: true });
  assert.equal(await inRoot(root, '/escape/x', 'dir'), path.join(root, outside, 'x'));
  assert.equal(await inRoot(root, '/climb/y', 'file'), path.join(root, outside, 'y'));
  assert.deepEqual(fs.readdirSync(outside), [], 'nothing was created in the host directory');
  // Strict: a symlink anywhere on the way is refused, and says so.
  fs.mkdirSync(path.join(root, 'real'));
  fs.symlinkSync('real', path.join(root, 'proc'));
  assert.equal(await inRoot(root, '/proc/sys', 'dir', { strict: true }), 'open /proc/sys: /proc/sys in the container is, or goes through, a symbolic link: refused (tsrun follows none there)');
  assert.equal(await inRoot(root, '/proc', 'open', { strict: true, what: 'masked path' }), 'masked path: /proc in the container is, or goes through, a symbolic link: refused (tsrun follows none there)');
  // A component that is a file: the mkdir's error names the path, or the caller's words.
  fs.writeFileSync(path.join(root, 'file'), '');
  assert.equal(await inRoot(root, '/file/sub', 'dir'), 'open /file/sub in the rootfs: ENOTDIR: not a directory');
  assert.equal(await inRoot(root, '/file/sub', 'dir', { msg: 'mkdir cwd /file/sub' }), 'mkdir cwd /file/sub: ENOTDIR: not a directory');
  assert.equal(await inRoot(root, '/missing', 'open'), 'open /missing in the rootfs: ENOENT: no such file or directory');
});

test('a mkdir that finds the directory made meanwhile (EEXIST) opens it again instead of failing', () => {
  // The race itself cannot be staged inside one program; its handling is in the subroutine's code.
  const p = new Program();
  const ctx = newCtx(p, new Named(3, 'sync'));
  ensureInRoot(ctx, p.reg('root'), '/a/b', 'dir', p.reg('fd'));
  p.exit(0);
  p.finish();
  const mkdir = p.insns.findIndex((i) => i.name === 'mkdirat');
  const made = p.insns[mkdir].target.index;
  assert.equal(p.insns[mkdir].altErrno, 0xffffffff);
  assert.equal(p.insns[made].op, Op.Jeq);
  assert.equal(p.insns[made].args[1], -17);
  const reopen = p.insns[made].target.index;
  assert.equal(p.insns[reopen].name, 'openat2', 'EEXIST: open it, resolved inside the root again');
});
