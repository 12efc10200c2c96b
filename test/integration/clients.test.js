'use strict';
// Real clients driving the runtime: podman (through conmon) and containerd
// (through its runc v2 shim, with ctr). Every scenario runs with runc as the
// runtime too, so a failure is tsrun's, not the harness's.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync, spawn } = require('node:child_process');
const h = require('../helpers');

const has = (cmd) => spawnSync(cmd, ['--version']).status === 0;
const RUNTIMES = { runc: 'runc', tsrun: h.TSRUN };
const IMAGE = 'localhost/tsrun-busybox:latest';

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60000, ...opts });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

// ---------- podman ----------

const podmanSkip = (!h.isRoot && 'needs root') || (!has('podman') && 'podman is not installed') || (!has('conmon') && 'conmon is not installed');
let podmanConf;

function podmanSetup() {
  if (podmanConf) return;
  const dir = h.tmpdir('podman');
  podmanConf = path.join(dir, 'containers.conf');
  // No CAP_SYS_RESOURCE for root on some hosts: podman's default rlimits
  // (raised to the host maximum) would fail with runc as well.
  fs.writeFileSync(podmanConf, `[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
cgroup_manager = "cgroupfs"
runtime_supports_json = ["crun", "runc", "tsrun"]
[engine.runtimes]
tsrun = ["${h.TSRUN}"]
`);
  const tar = path.join(dir, 'busybox.tar');
  assert.equal(sh('tar', ['-C', h.ROOTFS, '-cf', tar, '.']).status, 0);
  const r = sh('podman', ['import', tar, IMAGE], { env: podmanEnv() });
  assert.equal(r.status, 0, r.stderr);
}

function podmanEnv() {
  return { ...process.env, CONTAINERS_CONF: podmanConf };
}

function podman(runtime, args, opts = {}) {
  return sh('podman', ['--runtime', runtime, ...args], { env: podmanEnv(), ...opts });
}

for (const [name, runtime] of Object.entries(RUNTIMES)) {
  const rtName = name === 'tsrun' ? 'tsrun' : runtime;
  test(`podman with ${name}`, { skip: podmanSkip }, async (t) => {
    podmanSetup();
    const prefix = `tsrun-test-${name}-${process.pid}`;
    t.after(() => sh('podman', ['rm', '-f', '-a', '--filter', `name=${prefix}`], { env: podmanEnv() }));
    const base = ['--network', 'none'];

    await t.test('run --rm: output and exit code', () => {
      const r = podman(rtName, ['run', '--rm', ...base, IMAGE, 'sh', '-c', 'echo hello from $(hostname); exit 7']);
      assert.equal(r.status, 7, r.stderr);
      assert.match(r.stdout, /^hello from \w+\n$/);
      const missing = podman(rtName, ['run', '--rm', ...base, IMAGE, 'no-such-binary']);
      assert.equal(missing.status, 127, `a missing binary is exit 127: ${missing.stderr}`);
    });

    await t.test('seccomp: podman\'s default profile applies, and unconfined removes it', () => {
      const r = podman(rtName, ['run', '--rm', ...base, IMAGE, 'grep', 'Seccomp:', '/proc/self/status']);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'Seccomp:\t2\n');
      const u = podman(rtName, ['run', '--rm', ...base, '--security-opt', 'seccomp=unconfined', IMAGE, 'grep', 'Seccomp:', '/proc/self/status']);
      assert.equal(u.stdout, 'Seccomp:\t0\n', u.stderr);
      const nnp = podman(rtName, ['run', '--rm', ...base, '--security-opt', 'no-new-privileges', IMAGE, 'grep', '-E', 'Seccomp:|NoNewPrivs:', '/proc/self/status']);
      assert.equal(nnp.stdout, 'NoNewPrivs:\t1\nSeccomp:\t2\n', nnp.stderr);
    });

    const c1 = `${prefix}-c1`;
    await t.test('run -d, exec plain and with -t, ps', () => {
      assert.equal(podman(rtName, ['run', '-d', '--name', c1, ...base, IMAGE, 'sleep', '300']).status, 0);
      const e = podman(rtName, ['exec', c1, 'sh', '-c', 'echo in-exec; exit 3']);
      assert.equal(e.status, 3, e.stderr);
      assert.equal(e.stdout, 'in-exec\n');
      const sc = podman(rtName, ['exec', c1, 'grep', 'Seccomp:', '/proc/self/status']);
      assert.equal(sc.stdout, 'Seccomp:\t2\n', 'an exec\'d process gets the profile too');
      const tty = podman(rtName, ['exec', '-t', c1, 'tty']);
      assert.equal(tty.status, 0, tty.stderr);
      assert.match(tty.stdout, /^\/dev\/pts\/\d+\r?\n$/);
      const top = podman(rtName, ['top', c1, 'pid,args']);
      assert.equal(top.status, 0, top.stderr);
      assert.match(top.stdout, /sleep 300/);
    });

    await t.test('pause and unpause', () => {
      const p = podman(rtName, ['pause', c1]);
      assert.equal(p.status, 0, p.stderr);
      assert.equal(podman(rtName, ['inspect', '--format', '{{.State.Status}}', c1]).stdout.trim(), 'paused');
      assert.equal(podman(rtName, ['unpause', c1]).status, 0);
      assert.equal(podman(rtName, ['inspect', '--format', '{{.State.Status}}', c1]).stdout.trim(), 'running');
    });

    await t.test('kill, stop and rm', () => {
      const k = podman(rtName, ['kill', '--signal', 'KILL', c1]);
      assert.equal(k.status, 0, k.stderr);
      assert.equal(podman(rtName, ['wait', c1]).stdout.trim(), '137');
      assert.equal(podman(rtName, ['rm', c1]).status, 0);
      const c2 = `${prefix}-c2`;
      assert.equal(podman(rtName, ['run', '-d', '--name', c2, ...base, IMAGE, 'sh', '-c', 'trap "exit 0" TERM; while :; do sleep 0.1; done']).status, 0);
      const s = podman(rtName, ['stop', '-t', '10', c2]);
      assert.equal(s.status, 0, s.stderr);
      assert.equal(podman(rtName, ['inspect', '--format', '{{.State.ExitCode}}', c2]).stdout.trim(), '0', 'stopped by SIGTERM, not killed');
      assert.equal(podman(rtName, ['rm', c2]).status, 0);
    });

    await t.test('--memory and --pids-limit', () => {
      const r = podman(rtName, ['run', '--rm', ...base, '--memory', '64m', '--pids-limit', '20', IMAGE, 'sh', '-c',
        'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max']);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, `${64 * 1024 * 1024}\n20\n`);
    });

    await t.test('a bind-mounted volume, --read-only, --user, --hostname', () => {
      const vol = h.tmpdir('vol');
      fs.chmodSync(vol, 0o777);
      const r = podman(rtName, ['run', '--rm', ...base, '--read-only', '--user', '1000:1000', '--hostname', 'box', '-v', `${vol}:/data`, IMAGE,
        'sh', '-c', 'id -u; id -g; hostname; echo from-container > /data/out; touch /not-allowed 2>/dev/null || echo read-only']);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, '1000\n1000\nbox\nread-only\n');
      assert.equal(fs.readFileSync(path.join(vol, 'out'), 'utf8'), 'from-container\n');
    });
  });
}

// ---------- containerd ----------

const ctrSkip = (!h.isRoot && 'needs root') || (!has('containerd') && 'containerd is not installed');
let containerd;

async function containerdSetup(t) {
  if (containerd) return containerd;
  const dir = h.tmpdir('containerd');
  const sock = path.join(dir, 'containerd.sock');
  fs.writeFileSync(path.join(dir, 'config.toml'), `version = 2
root = "${dir}/root"
state = "${dir}/state"
[grpc]
  address = "${sock}"
`);
  const daemon = spawn('containerd', ['--config', path.join(dir, 'config.toml')], { stdio: 'ignore' });
  containerd = { sock, daemon };
  await h.until(() => sh('ctr', ['--address', sock, 'version']).status === 0, 15000);
  return containerd;
}

test.after(() => { if (containerd) containerd.daemon.kill(); });

function ctr(args, opts) {
  return sh('ctr', ['--address', containerd.sock, ...args], opts);
}

for (const [name, runtime] of Object.entries(RUNTIMES)) {
  test(`containerd (ctr) with ${name}`, { skip: ctrSkip }, async (t) => {
    await containerdSetup(t);
    const id = `tsrun-test-${name}-${process.pid}`;
    t.after(() => { ctr(['task', 'kill', '-s', 'KILL', id]); ctr(['task', 'delete', '-f', id]); ctr(['container', 'delete', id]); });
    // --rootfs is a flag; the rootfs directory takes the image's place.
    const run = (...flags) => ['run', '--runc-binary', runtime, ...flags, '--rootfs', h.ROOTFS];

    await t.test('run --rm: output and exit code', () => {
      const r = ctr([...run('--rm'), `${id}-rm`, '/bin/sh', '-c', 'echo hello; exit 4']);
      assert.equal(r.stdout, 'hello\n', r.stderr);
      assert.equal(r.status, 4, r.stderr);
    });

    await t.test('run --seccomp: containerd\'s default profile applies; without it, none', () => {
      const r = ctr([...run('--rm', '--seccomp'), `${id}-sc`, '/bin/grep', 'Seccomp:', '/proc/self/status']);
      assert.equal(r.stdout, 'Seccomp:\t2\n', r.stderr);
      const u = ctr([...run('--rm'), `${id}-nosc`, '/bin/grep', 'Seccomp:', '/proc/self/status']);
      assert.equal(u.stdout, 'Seccomp:\t0\n', u.stderr);
    });

    await t.test('run -d, task exec plain and -t, task ps', () => {
      assert.equal(ctr([...run('-d'), id, '/bin/sleep', '300']).status, 0);
      assert.match(ctr(['task', 'ls']).stdout, new RegExp(`${id}\\s+\\d+\\s+RUNNING`));
      const e = ctr(['task', 'exec', '--exec-id', 'e1', id, '/bin/sh', '-c', 'echo exec-ok; exit 5']);
      assert.equal(e.stdout, 'exec-ok\n');
      assert.equal(e.status, 5);
      // ctr -t needs a terminal of its own: script(1) gives it one.
      const tty = sh('script', ['-qec', `ctr --address ${containerd.sock} task exec -t --exec-id e2 ${id} /bin/sh -c tty`, '/dev/null']);
      assert.equal(tty.status, 0, tty.stderr);
      assert.match(tty.stdout, /\/dev\/pts\/\d+/);
      const ps = ctr(['task', 'ps', id]);
      assert.equal(ps.status, 0, ps.stderr);
      assert.equal(ps.stdout.trim().split('\n').length, 2, ps.stdout);
    });

    await t.test('run -t, and run -t -d then task attach: the terminal works and nothing hangs', () => {
      // script(1) gives ctr a terminal of its own; the timeout catches a hang.
      const tty = sh('script', ['-qec', `ctr --address ${containerd.sock} ${run('--rm', '-t').join(' ')} ${id}-tty /bin/sh -c "tty; echo term-ok"`, '/dev/null'], { timeout: 20000 });
      assert.equal(tty.status, 0, `${tty.stdout}${tty.stderr}`);
      assert.match(tty.stdout, /\/dev\/pts\/\d+\r*\n/);
      assert.match(tty.stdout, /term-ok/);
      const d = sh('script', ['-qec', `ctr --address ${containerd.sock} ${run('-t', '-d').join(' ')} ${id}-attach /bin/sh -c "sleep 1; echo attached-ok"`, '/dev/null'], { timeout: 20000 });
      assert.equal(d.status, 0, `${d.stdout}${d.stderr}`);
      const a = sh('script', ['-qec', `ctr --address ${containerd.sock} task attach ${id}-attach`, '/dev/null'], { timeout: 20000 });
      assert.match(a.stdout, /attached-ok/, `${a.stdout}${a.stderr}`);
      ctr(['task', 'delete', '-f', `${id}-attach`]);
      ctr(['container', 'delete', `${id}-attach`]);
    });

    await t.test('pause and resume', () => {
      const p = ctr(['task', 'pause', id]);
      assert.equal(p.status, 0, p.stderr);
      assert.match(ctr(['task', 'ls']).stdout, new RegExp(`${id}\\s+\\d+\\s+PAUSED`));
      assert.equal(ctr(['task', 'resume', id]).status, 0);
      assert.match(ctr(['task', 'ls']).stdout, new RegExp(`${id}\\s+\\d+\\s+RUNNING`));
    });

    await t.test('kill and delete', async () => {
      assert.equal(ctr(['task', 'kill', '-s', 'KILL', id]).status, 0);
      await h.until(() => /STOPPED/.test(ctr(['task', 'ls']).stdout));
      assert.match(ctr(['task', 'ls']).stdout, new RegExp(`${id}\\s+\\d+\\s+STOPPED`));
      assert.equal(ctr(['task', 'delete', id]).status, 0);
      assert.equal(ctr(['container', 'delete', id]).status, 0);
      assert.doesNotMatch(ctr(['container', 'ls']).stdout, new RegExp(id));
    });
  });
}
