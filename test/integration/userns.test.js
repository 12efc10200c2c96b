'use strict';
// User namespaces: mappings seen from inside and outside, file ownership
// through the mapping, exec into such a container, and a rootless user
// running containers with spec --rootless.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const h = require('../helpers');

const skip = !h.isRoot && 'integration tests run real containers and need root';
const MAP = { containerID: 0, hostID: 200000, size: 65536 };
/** The mapping of the idmapped-mount tests: on-disk ids 0-9 seen as 1000-1009. */
const IDMAP = [{ containerID: 0, hostID: 1000, size: 10 }];

/** A host directory others can read, holding the file f; removed after the test. */
function volume(t, prefix, content) {
  const vol = h.tmpdir(prefix);
  t.after(() => fs.rmSync(vol, { recursive: true, force: true }));
  fs.chmodSync(vol, 0o755);
  fs.writeFileSync(path.join(vol, 'f'), content);
  return vol;
}

function usernsBundle(mutate) {
  return h.makeBundle((c, dir) => {
    c.linux.namespaces.push({ type: 'user' });
    c.linux.uidMappings = [MAP];
    c.linux.gidMappings = [MAP];
    // The bundle must be reachable by the container's root (host uid 200000).
    fs.chmodSync(dir, 0o755);
    if (mutate) mutate(c, dir);
  }, { copyRootfs: true });
}

test('a new user namespace: maps inside, unprivileged host ids outside, ownership through the map', { skip }, (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const bundle = usernsBundle((c, dir) => {
    fs.writeFileSync(path.join(dir, 'rootfs', 'mine'), 'x');
    fs.chownSync(path.join(dir, 'rootfs', 'mine'), 200000 + 7, 200000 + 8);
    c.process.user = { uid: 1000, gid: 1000 };
  });
  const id = h.uniqueId();
  assert.equal(rt(['run', '--detach', '--bundle', bundle, id]).status, 0);
  const pid = rt.state(id).pid;
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  assert.match(status, /^Uid:\s+201000\s+201000\s+201000\s+201000$/m, 'uid 1000 inside is 201000 on the host');
  assert.match(status, /^Gid:\s+201000\s/m);
  assert.equal(fs.readFileSync(`/proc/${pid}/uid_map`, 'utf8').trim().split(/\s+/).join(' '), '0 200000 65536');
  assert.notEqual(fs.readlinkSync(`/proc/${pid}/ns/user`), fs.readlinkSync('/proc/self/ns/user'));
  const r = rt(['exec', id, 'sh', '-c', 'id -u; id -g; stat -c "%u %g" /mine /etc/passwd; cat /proc/self/gid_map']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.deepEqual(lines.slice(0, 4), ['1000', '1000', '7 8', '65534 65534']);
  assert.equal(lines[4].trim().split(/\s+/).join(' '), '0 200000 65536');
});

test('exec into a user namespace container: the same identity and namespaces as its init', { skip }, (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const bundle = usernsBundle();
  const id = h.uniqueId();
  assert.equal(rt(['run', '--detach', '--bundle', bundle, id]).status, 0);
  const pid = rt.state(id).pid;
  const pidFile = path.join(h.tmpdir('exec'), 'pid');
  assert.equal(rt(['exec', '--detach', '--pid-file', pidFile, id, 'sleep', '300']).status, 0);
  const execPid = Number(fs.readFileSync(pidFile, 'utf8'));
  for (const ns of ['user', 'mnt', 'pid', 'net', 'ipc', 'uts', 'cgroup']) {
    assert.equal(fs.readlinkSync(`/proc/${execPid}/ns/${ns}`), fs.readlinkSync(`/proc/${pid}/ns/${ns}`), ns);
  }
  const st = (p) => fs.readFileSync(`/proc/${p}/status`, 'utf8').split('\n').filter((l) => /^(Uid|Gid|CapEff|CapBnd):/.test(l));
  assert.deepEqual(st(execPid), st(pid));
});

test('mounts work from inside the user namespace: proc, tmpfs, devpts, bind, and device nodes bound from the host', { skip }, (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const vol = volume(t, 'vol', 'bound\n');
  const bundle = usernsBundle((c, dir) => {
    // A rootfs for a user namespace belongs to its root (mount points are made as that user).
    assert.equal(spawnSync('chown', ['-R', '200000:200000', path.join(dir, 'rootfs')]).status, 0);
    c.mounts.push({ destination: '/data', type: 'bind', source: vol, options: ['rbind', 'ro'] });
    c.process.args = ['sh', '-c', 'cat /data/f; grep -E " /(proc|dev|dev/pts|dev/shm) " /proc/self/mountinfo | cut -d" " -f5 | sort; echo x > /dev/null && echo null-ok'];
  });
  const r = rt(['run', '--bundle', bundle, h.uniqueId()]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'bound\n/dev\n/dev/pts\n/dev/shm\n/proc\nnull-ok\n');
});

// ---------- rootless ----------

const USER = 'tsrun-rootless';
function ensureUser() {
  if (spawnSync('id', [USER]).status !== 0) {
    const r = spawnSync('useradd', ['--create-home', '--shell', '/bin/sh', USER], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  }
  const [uid, gid] = ['-u', '-g'].map((f) => Number(spawnSync('id', [f, USER], { encoding: 'utf8' }).stdout));
  return { uid, gid, home: os.userInfo && `/home/${USER}` };
}

test('rootless: an unprivileged user runs spec --rootless, run, exec, kill and delete', { skip }, async (t) => {
  const { uid, gid, home } = ensureUser();
  const dir = path.join(home, `bundle-${process.pid}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  assert.equal(spawnSync('cp', ['-a', h.ROOTFS, path.join(dir, 'rootfs')]).status, 0);
  assert.equal(spawnSync('chown', ['-R', `${uid}:${gid}`, dir]).status, 0);
  const as = (args, extra = {}) => {
    const r = spawnSync('setpriv', ['--reuid', String(uid), '--regid', String(gid), '--clear-groups', '--', h.TSRUN, ...args],
      { encoding: 'utf8', cwd: dir, env: { PATH: process.env.PATH, HOME: home }, timeout: 30000, stdio: ['ignore', 'pipe', 'pipe'], ...extra });
    return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  t.after(() => { as(['delete', '--force', 'rl']); fs.rmSync(dir, { recursive: true, force: true }); });

  const spec = as(['spec', '--rootless']);
  assert.equal(spec.status, 0, spec.stderr);
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  assert.deepEqual(config.linux.uidMappings, [{ containerID: 0, hostID: uid, size: 1 }]);
  assert.ok(config.linux.namespaces.some((n) => n.type === 'user'));
  assert.ok(!config.linux.namespaces.some((n) => n.type === 'network'), 'no network namespace: no host devices to give it');
  config.process.terminal = false;
  config.process.args = ['sh', '-c', 'id -u; cat /proc/self/uid_map; hostname; grep Seccomp: /proc/self/status; mkdir /tmp/x 2>&1; true'];
  // A seccomp filter without no_new_privs: loading it needs CAP_SYS_ADMIN, which the init has in its user namespace.
  config.process.noNewPrivileges = false;
  config.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 28 }] };
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));

  const run = as(['run', 'rl-once']);
  assert.equal(run.status, 0, run.stderr);
  const lines = run.stdout.trim().split('\n');
  assert.equal(lines[0], '0', 'root inside');
  assert.equal(lines[1].trim().split(/\s+/).join(' '), `0 ${uid} 1`);
  assert.equal(lines[2], 'tsrun');
  assert.equal(lines[3], 'Seccomp:\t2');
  assert.match(lines[4], /No space left on device/, 'mkdir refused by the profile (errnoRet 28)');

  config.process.args = ['sleep', '300'];
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  // stdio to files: a detached container keeps pipes open.
  const d = as(['run', '--detach', 'rl'], { stdio: 'ignore' });
  assert.equal(d.status, 0);
  const state = JSON.parse(as(['state', 'rl']).stdout);
  assert.equal(state.status, 'running');
  assert.match(fs.readFileSync(`/proc/${state.pid}/status`, 'utf8'), new RegExp(`^Uid:\\s+${uid}\\s`, 'm'), 'the container runs as the user on the host');
  assert.ok(fs.existsSync(`/tmp/tsrun-${uid}/rl`), 'state under the user\'s own root');
  const e = as(['exec', 'rl', 'sh', '-c', 'id -u; echo $$']);
  assert.equal(e.status, 0, e.stderr);
  assert.match(e.stdout, /^0\n\d+\n$/);
  assert.equal(as(['kill', 'rl', 'KILL']).status, 0);
  await h.until(() => JSON.parse(as(['state', 'rl']).stdout).status === 'stopped');
  assert.equal(as(['delete', 'rl']).status, 0);
  assert.match(as(['state', 'rl']).stderr, /container does not exist/);
});

test('rootless: a mapping beyond the user\'s own id without subordinate ids says what is missing', { skip }, (t) => {
  const { uid, gid, home } = ensureUser();
  const dir = path.join(home, `bundle-map-${process.pid}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.mkdirSync(path.join(dir, 'rootfs'));
  const spec = JSON.parse(JSON.stringify(require('../../dist/container/spec').defaultSpec(true)));
  // Host uids 1-10 are never anyone's subordinate ids.
  spec.linux.uidMappings = [{ containerID: 0, hostID: uid, size: 1 }, { containerID: 1, hostID: 1, size: 10 }];
  spec.linux.gidMappings = [{ containerID: 0, hostID: gid, size: 1 }];
  spec.process.terminal = false;
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec));
  spawnSync('chown', ['-R', `${uid}:${gid}`, dir]);
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const r = spawnSync('setpriv', ['--reuid', String(uid), '--regid', String(gid), '--clear-groups', '--', h.TSRUN, 'create', 'rlmap'],
    { encoding: 'utf8', cwd: dir, env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /newuidmap .*subordinate range for tsrun-rootless in \/etc\/subuid/);
  assert.equal(fs.existsSync(`/tmp/tsrun-${uid}/rlmap`), false, 'nothing left');
});

test('idmapped bind mounts: on-disk owners seen through the mount\'s mapping', { skip }, (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const vol = volume(t, 'idmap', 'x');
  fs.chownSync(path.join(vol, 'f'), 3, 4);
  const map = IDMAP;
  const bundle = h.makeBundle((c) => {
    c.process.args = ['sh', '-c', 'stat -c "%u %g" /idm/f /plain/f'];
    c.mounts.push(
      { destination: '/idm', type: 'bind', source: vol, options: ['bind', 'idmap'], uidMappings: map, gidMappings: map },
      { destination: '/plain', type: 'bind', source: vol, options: ['bind'] },
    );
  }, { copyRootfs: true });
  const r = rt(['run', '--bundle', bundle, h.uniqueId()]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '1003 1004\n3 4\n', 'ids 0-9 on disk show as 1000-1009 through the idmapped mount');
  assert.equal(fs.statSync(path.join(vol, 'f')).uid, 3, 'the files themselves are untouched');
});

test('idmap on a mount that is not a bind mount is refused clearly', { skip }, (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const map = IDMAP;
  const bundle = h.makeBundle((c) => { c.mounts.push({ destination: '/x', type: 'tmpfs', source: 'tmpfs', options: ['idmap'], uidMappings: map, gidMappings: map }); });
  const id = h.uniqueId();
  const r = rt(['create', '--bundle', bundle, id]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /\/mounts\/\d+: idmap is only supported on bind mounts/);
  h.assertNothingLeft(assert, rt, id, bundle);
});
