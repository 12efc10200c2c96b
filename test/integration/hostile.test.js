'use strict';
// An image's own symlinks (and config mounts over /proc) must never steer
// the runtime: the classes of CVE-2019-19921 and of the 2025 runc
// advisories (CVE-2025-31133, -52565, -52881). Each case makes the
// runtime's targets symlinks or wrong nodes, to procfs files, to files of
// the image, to host paths; the host must be unchanged, and a clean
// refusal (naming the path and what is there, nothing left) is a pass.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const h = require('../helpers');

const skip = !h.isRoot && 'integration tests run real containers and need root';
const CORE_PATTERN = '/proc/sys/kernel/core_pattern';

/** The host files a successful attack would change, read before and compared after. */
function watchHost(t) {
  const files = [CORE_PATTERN, '/proc/sys/kernel/hostname', '/proc/sys/kernel/domainname'];
  const before = files.map((f) => fs.readFileSync(f, 'utf8'));
  t.after(() => {
    // Put the host back if a case got through, before failing it.
    files.forEach((f, i) => { if (fs.readFileSync(f, 'utf8') !== before[i]) fs.writeFileSync(f, before[i]); });
  });
  return () => assert.deepEqual(files.map((f) => fs.readFileSync(f, 'utf8')), before, 'host files unchanged');
}

/** A bundle on a private rootfs copy whose /dev is the image's own (no tmpfs over it). */
function imageDevBundle(prepare, mutate) {
  return h.makeBundle((c, dir) => {
    c.mounts = c.mounts.filter((m) => m.destination !== '/dev');
    const rootfs = path.join(dir, 'rootfs');
    fs.mkdirSync(path.join(rootfs, 'dev'), { recursive: true });
    prepare(rootfs);
    // What a process would do if it got a procfs file behind a masked path.
    c.process.args = ['sh', '-c', 'echo "|/tmp/pwned %p" > /proc/kcore 2>/dev/null; echo ran'];
    if (mutate) mutate(c, dir);
  }, { copyRootfs: true });
}

/** Runs create + start; returns the outcome, checking that a refusal leaves nothing. */
function attempt(rt, bundle) {
  const id = h.uniqueId('hostile');
  const r = rt(['run', '--bundle', bundle, id]);
  if (r.status !== 0) h.assertNothingLeft(assert, rt, id, bundle);
  return r;
}

const ln = (target, at) => { fs.rmSync(at, { force: true, recursive: true }); fs.symlinkSync(target, at); };

test('/dev/null as a symlink (to a procfs file, into the image, to a host path) is refused; masking never binds it', { skip }, (t) => {
  const unchanged = watchHost(t);
  const rt = h.runtime();
  t.after(rt.cleanup);
  for (const target of [CORE_PATTERN, '/etc/passwd', '../../../../../../proc/sys/kernel/core_pattern']) {
    const r = attempt(rt, imageDevBundle((root) => ln(target, path.join(root, 'dev', 'null'))));
    assert.equal(r.status, 1, `/dev/null -> ${target}: ${r.stdout}`);
    assert.match(r.stderr, /\/dev\/null in the container is, or goes through, a symbolic link: refused/);
  }
  unchanged();
});

test('/dev/null as a regular file, or as another device, is refused', { skip }, (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const fresh = (root) => { fs.rmSync(path.join(root, 'dev', 'null'), { force: true }); return path.join(root, 'dev', 'null'); };
  const file = attempt(rt, imageDevBundle((root) => fs.writeFileSync(fresh(root), '')));
  assert.equal(file.status, 1);
  assert.match(file.stderr, /device \/dev\/null: the rootfs has a regular file there, not the device 1:3 \(refused\)/);
  const other = attempt(rt, imageDevBundle((root) => assert.equal(spawnSync('mknod', [fresh(root), 'c', '1', '5']).status, 0)));
  assert.equal(other.status, 1);
  assert.match(other.stderr, /device \/dev\/null: the rootfs has a character device 1:5 there, not the device 1:3 \(refused\)/);
  const real = attempt(rt, imageDevBundle((root) => assert.equal(spawnSync('mknod', ['-m', '666', fresh(root), 'c', '1', '3']).status, 0)));
  assert.equal(real.status, 0, `the image's genuine null device is used: ${real.stderr}`);
  assert.equal(real.stdout, 'ran\n');
});

test('/proc, /dev/pts and /dev/mqueue as symlinks: the kernel filesystems are not mounted through them', { skip }, (t) => {
  const unchanged = watchHost(t);
  const rt = h.runtime();
  t.after(rt.cleanup);
  const cases = [
    ['proc', (root) => { fs.mkdirSync(path.join(root, 'fakeproc')); ln('/fakeproc', path.join(root, 'proc')); }],
    ['dev/pts', (root) => { fs.mkdirSync(path.join(root, 'fakepts')); ln('/fakepts', path.join(root, 'dev', 'pts')); }],
    ['dev/mqueue', (root) => ln('/proc/sys', path.join(root, 'dev', 'mqueue'))],
    ['dev/shm', (root) => ln('/proc/sys/kernel', path.join(root, 'dev', 'shm'))],
  ];
  for (const [where, prepare] of cases) {
    const r = attempt(rt, imageDevBundle(prepare));
    assert.equal(r.status, 1, `/${where} as a symlink: ${r.stdout}`);
    assert.match(r.stderr, new RegExp(`/${where} in the container is, or goes through, a symbolic link: refused`));
  }
  unchanged();
});

test('/dev/console as a symlink to a procfs file or a host path is refused', { skip }, async (t) => {
  const unchanged = watchHost(t);
  const rt = h.runtime();
  t.after(rt.cleanup);
  for (const target of [CORE_PATTERN, '/etc/shadow']) {
    const sock = path.join(h.tmpdir('console'), 'console.sock');
    await h.consoleReceiver(t, sock);
    const bundle = imageDevBundle((root) => ln(target, path.join(root, 'dev', 'console')), (c) => { c.process.terminal = true; });
    const id = h.uniqueId('hostile');
    const r = rt(['create', '--console-socket', sock, '--bundle', bundle, id]);
    assert.equal(r.status, 1, `/dev/console -> ${target}`);
    assert.match(r.stderr, /\/dev\/console in the container is, or goes through, a symbolic link: refused/);
    h.assertNothingLeft(assert, rt, id, bundle);
  }
  unchanged();
});

test('config mounts over /proc/sys/kernel and /proc/self redirect neither sysctls nor masking nor the exec fifo', { skip }, (t) => {
  const unchanged = watchHost(t);
  const rt = h.runtime();
  t.after(rt.cleanup);
  for (const dest of ['/proc/sys/kernel', '/proc/self']) {
    const bundle = h.makeBundle((c) => {
      c.mounts.push({ destination: dest, type: 'tmpfs', source: 'tmpfs', options: ['rw'] });
      c.linux.sysctl = { 'kernel.domainname': 'tsrun-hostile' };
    });
    const id = h.uniqueId('hostile');
    const r = rt(['run', '-d', '--bundle', bundle, id]);
    if (r.status !== 0) {
      assert.match(r.stderr, new RegExp(dest.replace(/\//g, '\\/')), r.stderr);
      h.assertNothingLeft(assert, rt, id, bundle);
      continue;
    }
    const pid = rt.state(id).pid;
    const ns = spawnSync('nsenter', ['--uts', '-t', String(pid), 'cat', '/proc/sys/kernel/domainname'], { encoding: 'utf8' });
    assert.equal(ns.stdout, 'tsrun-hostile\n', `${dest}: the sysctl went to the container's uts namespace`);
    rt(['delete', '--force', id]);
  }
  unchanged();
});

test('a second container swapping /dev/null on a shared rootfs while create runs changes nothing on the host', { skip }, async (t) => {
  const unchanged = watchHost(t);
  const rt = h.runtime();
  t.after(rt.cleanup);
  const bundle = imageDevBundle(() => {});
  const devNull = path.join(bundle, 'rootfs', 'dev', 'null');
  // The racer: flips /dev/null between a genuine null device and a symlink to core_pattern.
  const racer = h.spawn('sh', ['-c', `while :; do rm -f ${devNull}; mknod -m 666 ${devNull} c 1 3; rm -f ${devNull}; ln -s ${CORE_PATTERN} ${devNull}; done`], { stdio: 'ignore' });
  t.after(() => racer.kill('SIGKILL'));
  const outcomes = { ran: 0, refused: 0 };
  for (let i = 0; i < 25; i++) {
    const r = attempt(rt, bundle);
    if (r.status === 0) { assert.equal(r.stdout, 'ran\n'); outcomes.ran++; } else {
      assert.match(r.stderr, /\/dev\/null|mknod|device/, r.stderr);
      outcomes.refused++;
    }
  }
  racer.kill('SIGKILL');
  t.diagnostic(`${outcomes.ran} ran, ${outcomes.refused} refused`);
  unchanged();
});
