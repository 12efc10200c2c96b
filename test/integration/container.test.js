'use strict';
// What the container sees, read from inside (its own /proc, busybox tools)
// and from outside (/proc/PID of its process): namespaces, rootfs, mounts,
// /dev, hostname, process attributes, fds and signals.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const h = require('../helpers');

const skip = !h.isRoot && 'integration tests run real containers and need root';

/** Runs `script` with sh -c in a container from the busybox bundle; returns its stdout. */
function inside(t, script, mutate, { copyRootfs = false, args = [] } = {}) {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const bundle = h.makeBundle((c, dir) => {
    c.process.args = ['sh', '-c', script];
    if (mutate) mutate(c, dir);
  }, { copyRootfs });
  const r = rt([...args, 'run', '--bundle', bundle, h.uniqueId()]);
  assert.equal(r.status, 0, `container failed: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** A running container (detached sleep) for checks from outside. */
function running(t, mutate, opts) {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const bundle = h.makeBundle(mutate, opts);
  const id = h.uniqueId();
  const r = rt(['run', '--detach', '--bundle', bundle, id]);
  assert.equal(r.status, 0, r.stderr);
  return { rt, id, bundle, pid: rt.state(id).pid };
}

const ns = (pid, type) => fs.readlinkSync(`/proc/${pid}/ns/${type}`);

test('every namespace in the config is new; the others are the host\'s', { skip }, (t) => {
  const { pid } = running(t);
  for (const type of ['pid', 'net', 'ipc', 'uts', 'mnt', 'cgroup']) {
    assert.notEqual(ns(pid, type), ns('self', type), `${type} namespace should be new`);
  }
  const { pid: pid2 } = running(t, (c) => { c.linux.namespaces = c.linux.namespaces.filter((n) => !['network', 'ipc', 'cgroup'].includes(n.type)); });
  for (const type of ['net', 'ipc', 'cgroup']) assert.equal(ns(pid2, type), ns('self', type), `${type} namespace should be the host's`);
  assert.notEqual(ns(pid2, 'uts'), ns('self', 'uts'));
});

test('namespaces joined by path', { skip }, async (t) => {
  const holder = h.spawn('unshare', ['--uts', '--ipc', '--net', '--pid', '--fork', 'sleep', '300'], { stdio: 'ignore' });
  t.after(() => holder.kill('SIGKILL'));
  // unshare --fork: the sleeper is the child of the unshare process.
  const sleeper = await h.until(() => {
    try { return fs.readFileSync(`/proc/${holder.pid}/task/${holder.pid}/children`, 'utf8').trim(); } catch { return ''; }
  });
  assert.ok(sleeper, 'holder process started');
  const { pid } = running(t, (c) => {
    c.linux.namespaces = [
      { type: 'mount' },
      { type: 'uts', path: `/proc/${sleeper}/ns/uts` },
      { type: 'ipc', path: `/proc/${sleeper}/ns/ipc` },
      { type: 'network', path: `/proc/${sleeper}/ns/net` },
      { type: 'pid', path: `/proc/${sleeper}/ns/pid` },
    ];
    delete c.hostname;
  });
  for (const type of ['uts', 'ipc', 'net', 'pid']) assert.equal(ns(pid, type), ns(sleeper, type), `${type} joined`);
  assert.notEqual(ns(pid, 'mnt'), ns('self', 'mnt'));
});

test('hostname and domainname', { skip }, (t) => {
  const out = inside(t, 'hostname; cat /proc/sys/kernel/domainname', (c) => { c.hostname = 'box1'; c.domainname = 'example.org'; });
  assert.equal(out, 'box1\nexample.org\n');
});

test('the process is pid 1 with the args, env and cwd of the config', { skip }, (t) => {
  const out = inside(t, 'echo $$; pwd; env | sort; echo "$0|$1"', (c) => {
    c.process.args = ['sh', '-c', 'echo $$; pwd; env | sort; echo "$0|$1"', 'zero', 'one two'];
    c.process.env = ['PATH=/bin:/usr/bin', 'A=1', 'B=x y'];
    c.process.cwd = '/tmp/created/here';
  }, { copyRootfs: true });
  const lines = out.trim().split('\n');
  assert.equal(lines[0], '1');
  assert.equal(lines[1], '/tmp/created/here', 'a missing cwd is created');
  assert.ok(lines.includes('A=1') && lines.includes('B=x y') && lines.includes('PATH=/bin:/usr/bin'));
  assert.ok(lines.includes('HOME=/root'), 'HOME from /etc/passwd when the config has none');
  assert.equal(lines.at(-1), 'zero|one two');
});

test('user: uid, gid, additionalGids and umask', { skip }, (t) => {
  const out = inside(t, 'id -u; id -g; id -G; umask; touch /tmp/f && stat -c %a /tmp/f', (c) => {
    c.process.user = { uid: 1000, gid: 1001, additionalGids: [5, 100], umask: 0o027 };
    c.root.readonly = false;
  }, { copyRootfs: true });
  assert.equal(out, '1000\n1001\n1001 5 100\n0027\n640\n');
});

test('capabilities, no_new_privs, rlimits and oom_score_adj of the container process', { skip }, (t) => {
  // As a non-root user: for uid 0 the kernel fills the permitted and
  // effective sets from the bounding set at execve (runc shows the same).
  const { pid } = running(t, (c) => {
    c.process.user = { uid: 1000, gid: 1000 };
    c.process.capabilities = { bounding: ['CAP_KILL', 'CAP_CHOWN'], effective: ['CAP_KILL'], permitted: ['CAP_KILL', 'CAP_CHOWN'], inheritable: ['CAP_KILL'], ambient: ['CAP_KILL'] };
    c.process.noNewPrivileges = true;
    c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 512, hard: 1000 }, { type: 'RLIMIT_CORE', soft: 0, hard: 4096 }];
    c.process.oomScoreAdj = 123;
  });
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (k) => new RegExp(`^${k}:\\s+(\\S+)`, 'm').exec(status)[1];
  // CAP_CHOWN = bit 0, CAP_KILL = bit 5.
  assert.equal(field('CapBnd'), '0000000000000021');
  assert.equal(field('CapPrm'), '0000000000000020', 'after execve a non-root process keeps its ambient set');
  assert.equal(field('CapEff'), '0000000000000020');
  assert.equal(field('CapInh'), '0000000000000020');
  assert.equal(field('CapAmb'), '0000000000000020');
  assert.equal(field('NoNewPrivs'), '1');
  const limits = fs.readFileSync(`/proc/${pid}/limits`, 'utf8');
  assert.match(limits, /Max open files\s+512\s+1000\s+files/);
  assert.match(limits, /Max core file size\s+0\s+4096\s+bytes/);
  assert.equal(fs.readFileSync(`/proc/${pid}/oom_score_adj`, 'utf8').trim(), '123');
});

test('signals are default and unblocked; only stdio is open in the container process', { skip }, (t) => {
  const out = inside(t, 'grep -E "^Sig(Blk|Ign)" /proc/self/status; ls /proc/self/fd');
  assert.match(out, /SigBlk:\s+0000000000000000/);
  assert.match(out, /SigIgn:\s+0000000000000000/);
  // ls itself opens one fd for the directory it lists.
  assert.deepEqual(out.split('\n').slice(2).filter(Boolean).sort(), ['0', '1', '2', '3']);
});

test('--preserve-fds passes extra fds through', { skip }, (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const bundle = h.makeBundle((c) => { c.process.args = ['sh', '-c', 'cat <&3']; });
  const file = path.join(h.tmpdir('fd'), 'data');
  fs.writeFileSync(file, 'through fd 3\n');
  const r = spawnSync('sh', ['-c', `exec 3<"${file}"; exec "${h.TSRUN}" --root "${rt.root}" run --preserve-fds 1 --bundle "${bundle}" ${h.uniqueId()}`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'through fd 3\n');
});

test('root.readonly and the rootfs pivot: / is the bundle rootfs, read-only', { skip }, (t) => {
  const out = inside(t, 'touch /x 2>&1; echo rc=$?; ls /; cut -d" " -f5,6 /proc/self/mountinfo | grep "^/ "');
  assert.match(out, /Read-only file system/);
  assert.match(out, /rc=1/);
  assert.match(out, /\bbin\b[\s\S]*\betc\b/);
  assert.match(out, /^\/ ro,/m);
});

test('--no-pivot moves the rootfs and chroots', { skip }, (t) => {
  const out = inside(t, 'hostname; ls /bin/busybox', null, { args: [] });
  assert.equal(out, 'tsrun\n/bin/busybox\n');
  const rt = h.runtime();
  t.after(rt.cleanup);
  const bundle = h.makeBundle((c) => { c.process.args = ['sh', '-c', 'ls /bin/busybox; cat /etc/hostname']; });
  const r = rt(['run', '--no-pivot', '--bundle', bundle, h.uniqueId()]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '/bin/busybox\ntsrun\n');
});

test('config mounts: types, options, order, bind, rbind, ro bind', { skip }, (t) => {
  const hostDir = h.tmpdir('vol');
  fs.writeFileSync(path.join(hostDir, 'hello'), 'from host\n');
  fs.mkdirSync(path.join(hostDir, 'sub'));
  const out = inside(t, [
    'grep -E " /(data|data-ro|scratch|scratch/inner|rdata) " /proc/self/mountinfo | cut -d" " -f5,6',
    'cat /data/hello', 'echo hi > /data/new && echo wrote', 'echo no > /data-ro/x 2>/dev/null || echo ro-refused',
  ].join('; '), (c) => {
    c.mounts.push(
      { destination: '/data', type: 'bind', source: hostDir, options: ['bind'] },
      { destination: '/data-ro', type: 'bind', source: hostDir, options: ['bind', 'ro', 'nosuid', 'nodev', 'noexec'] },
      { destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['size=1m', 'noexec', 'nosuid'] },
      { destination: '/scratch/inner', type: 'tmpfs', source: 'tmpfs', options: ['ro', 'noatime'] },
      { destination: '/rdata', type: 'none', source: hostDir, options: ['rbind', 'rprivate'] },
    );
  }, { copyRootfs: true });
  assert.match(out, /^\/data rw,relatime/m);
  assert.match(out, /^\/data-ro ro,nosuid,nodev,noexec/m);
  assert.match(out, /^\/scratch rw,nosuid,nodev?,?noexec|^\/scratch rw,nosuid,noexec/m);
  assert.match(out, /^\/scratch\/inner ro,noatime/m, 'a later mount lands on top of an earlier one');
  assert.match(out, /^\/rdata /m);
  assert.match(out, /from host/);
  assert.match(out, /wrote/);
  assert.match(out, /ro-refused/);
  assert.equal(fs.readFileSync(path.join(hostDir, 'new'), 'utf8'), 'hi\n');
});

test('mount destinations never leave the rootfs through symlinks', { skip }, (t) => {
  const outside = h.tmpdir('outside');
  const out = inside(t, `cut -d" " -f5 /proc/self/mountinfo | grep "^${outside}/"; true`, (c, dir) => {
    // An absolute symlink to a host directory, and a relative one climbing out.
    fs.symlinkSync(outside, path.join(dir, 'rootfs', 'escape'));
    fs.symlinkSync('../../../../../../..' + outside, path.join(dir, 'rootfs', 'climb'));
    c.mounts.push({ destination: '/escape/x', type: 'tmpfs', source: 'tmpfs' }, { destination: '/climb/y', type: 'tmpfs', source: 'tmpfs' });
  }, { copyRootfs: true });
  assert.deepEqual(fs.readdirSync(outside), [], 'nothing was created in the host directory');
  assert.equal(out, `${outside}/x\n${outside}/y\n`, 'both mounts are at the symlink targets, inside the rootfs');
});

test('rootfsPropagation and per-mount propagation', { skip }, (t) => {
  const { pid } = running(t, (c) => {
    c.linux.rootfsPropagation = 'shared';
    c.mounts.push({ destination: '/mnt', type: 'tmpfs', source: 'tmpfs', options: ['private'] });
  }, { copyRootfs: true });
  const info = fs.readFileSync(`/proc/${pid}/mountinfo`, 'utf8').split('\n');
  const root = info.find((l) => l.split(' ')[4] === '/');
  const mnt = info.find((l) => l.split(' ')[4] === '/mnt');
  assert.match(root.split(' - ')[0], /shared:\d+/);
  assert.doesNotMatch(mnt.split(' - ')[0], /shared:|master:/);
});

test('default devices and /dev links', { skip }, (t) => {
  const out = inside(t, 'stat -c "%n %F %t %T %a" /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty; for l in fd stdin stdout stderr ptmx; do readlink /dev/$l; done; echo x > /dev/null && echo null-ok');
  for (const [name, nums] of [['null', '1 3'], ['zero', '1 5'], ['full', '1 7'], ['random', '1 8'], ['urandom', '1 9'], ['tty', '5 0']]) {
    assert.ok(out.includes(`/dev/${name} character special file ${nums} 666\n`), `/dev/${name} ${nums}: ${out}`);
  }
  assert.match(out, /\/proc\/self\/fd\n\/proc\/self\/fd\/0\n\/proc\/self\/fd\/1\n\/proc\/self\/fd\/2\npts\/ptmx\n/);
  assert.match(out, /null-ok/);
});

test('linux.devices: type, major, minor, fileMode, uid, gid', { skip }, (t) => {
  const out = inside(t, 'stat -c "%F %t %T %a %u %g" /dev/mydev /dev/sub/fifo', (c) => {
    c.linux.devices = [
      { path: '/dev/mydev', type: 'c', major: 1, minor: 3, fileMode: 0o640, uid: 1000, gid: 1001 },
      { path: '/dev/sub/fifo', type: 'p', fileMode: 0o600 },
    ];
  });
  assert.equal(out, 'character special file 1 3 640 1000 1001\nfifo 0 0 600 0 0\n');
});

test('maskedPaths, readonlyPaths and sysctl', { skip }, (t) => {
  const out = inside(t, 'cat /proc/timer_list 2>&1 | wc -c; ls /proc/acpi | wc -l; echo 1 > /proc/sys/kernel/domainname 2>&1 || echo sys-ro; cat /proc/sys/net/ipv4/ip_forward', (c) => {
    c.linux.sysctl = { 'net.ipv4.ip_forward': '1' };
  });
  const lines = out.trim().split('\n');
  assert.equal(lines[0], '0', '/proc/timer_list masked with /dev/null');
  assert.equal(lines[1], '0', '/proc/acpi masked with an empty tmpfs');
  assert.ok(out.includes('sys-ro') || out.includes('Read-only'), '/proc/sys is read-only');
  assert.equal(lines.at(-1), '1', 'sysctl written in the container\'s network namespace');
});

test('a run of /bin/true starts one Node process; the init is tsrun-init, exec\'d from a sealed memfd', { skip: skip || (spawnSync('strace', ['-V']).status !== 0 && 'strace is not installed') }, (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const bundle = h.makeBundle((c) => { c.process.args = ['/bin/true']; });
  const trace = path.join(h.tmpdir('strace'), 'trace');
  const r = spawnSync('strace', ['-f', '-qq', '-e', 'trace=execve,execveat', '-o', trace, h.TSRUN, '--root', rt.root, 'run', '--bundle', bundle, h.uniqueId()], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const execs = fs.readFileSync(trace, 'utf8').split('\n').filter((l) => /execve(at)?\(/.test(l) && /= 0$/.test(l));
  const node = execs.filter((l) => /execve\("[^"]*node"/.test(l));
  assert.equal(node.length, 1, `one Node process, the CLI's:\n${execs.join('\n')}`);
  const init = execs.filter((l) => /execveat\(\d+, "", \["tsrun-init", "\d+"\]/.test(l));
  assert.equal(init.length, 1, `the init, from an fd:\n${execs.join('\n')}`);
  assert.ok(execs.some((l) => /execve\("\/bin\/true"/.test(l)), 'the container process was exec\'d');
});

test('a time namespace joined by path', { skip }, (t) => {
  const holder = spawn('unshare', ['--time', '--boottime', '1000000', '--fork', 'sleep', '60'], { stdio: 'ignore' });
  t.after(() => holder.kill('SIGKILL'));
  let ns = null;
  for (let i = 0; i < 100 && !ns; i++) {
    const kids = spawnSync('pgrep', ['-P', String(holder.pid)], { encoding: 'utf8' }).stdout.trim();
    if (kids) ns = `/proc/${kids.split('\n')[0]}/ns/time`;
    else spawnSync('sleep', ['0.02']);
  }
  assert.ok(ns, 'the namespace holder is up');
  const out = inside(t, 'cut -d" " -f1 /proc/uptime', (c) => { c.linux.namespaces.push({ type: 'time', path: ns }); });
  assert.ok(Number(out) > 1000000, `boottime as the joined namespace offsets it: ${out}`);
});

test('personality, ioPriority, scheduler and a time namespace with offsets', { skip }, (t) => {
  const { pid } = running(t, (c) => {
    c.linux.personality = { domain: 'LINUX32' };
    c.process.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 6 };
    c.process.scheduler = { policy: 'SCHED_BATCH', nice: 7 };
    c.linux.namespaces.push({ type: 'time' });
    c.linux.timeOffsets = { boottime: { secs: 864000 }, monotonic: { secs: 86400, nanosecs: 5 } };
  });
  assert.equal(fs.readFileSync(`/proc/${pid}/personality`, 'utf8').trim(), '00000008');
  const ionice = spawnSync('ionice', ['-p', String(pid)], { encoding: 'utf8' });
  assert.equal(ionice.stdout.trim(), 'best-effort: prio 6');
  const sched = fs.readFileSync(`/proc/${pid}/sched`, 'utf8');
  assert.match(sched, /^policy\s+:\s+3$/m, 'SCHED_BATCH');
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  assert.equal(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16], '7', 'nice 7');
  assert.notEqual(fs.readlinkSync(`/proc/${pid}/ns/time`), fs.readlinkSync('/proc/self/ns/time'));
  const offsets = fs.readFileSync(`/proc/${pid}/timens_offsets`, 'utf8').trim().split('\n').map((l) => l.trim().split(/\s+/));
  assert.deepEqual(offsets, [['monotonic', '86400', '5'], ['boottime', '864000', '0']]);
});

test('a device path the image already holds is used only if it is that device: anything else is refused, naming what is there', { skip }, (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const file = h.makeBundle((c, dir) => {
    fs.writeFileSync(path.join(dir, 'rootfs', 'mydev'), 'a regular file\n');
    c.linux.devices = [{ path: '/mydev', type: 'c', major: 1, minor: 3 }];
  }, { copyRootfs: true });
  const id = h.uniqueId();
  const r = rt(['create', '--bundle', file, id]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /device \/mydev: the rootfs has a regular file there, not the device 1:3 \(refused\)/);
  h.assertNothingLeft(assert, rt, id, file);
  const out = inside(t, 'ls -l /mydev | cut -c1', (c, dir) => {
    assert.equal(spawnSync('mknod', ['-m', '666', path.join(dir, 'rootfs', 'mydev'), 'c', '1', '3']).status, 0);
    c.linux.devices = [{ path: '/mydev', type: 'c', major: 1, minor: 3 }];
  }, { copyRootfs: true });
  assert.equal(out, 'c\n', 'the very device: used');
});

test('sockets from LISTEN_FDS are passed on with LISTEN_FDS and LISTEN_PID=1', { skip }, (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const bundle = h.makeBundle((c) => { c.process.args = ['sh', '-c', 'echo "$LISTEN_FDS $LISTEN_PID"; cat <&3; cat <&4']; });
  const dir = h.tmpdir('fd');
  fs.writeFileSync(path.join(dir, 'a'), 'listen fd\n');
  fs.writeFileSync(path.join(dir, 'b'), 'preserved fd\n');
  // LISTEN_PID must be the runtime's own pid: set it in the shell that execs it.
  const script = `exec 3<"${dir}/a" 4<"${dir}/b"; export LISTEN_FDS=1; export LISTEN_PID=$$; exec "${h.TSRUN}" --root "${rt.root}" run --preserve-fds 1 --bundle "${bundle}" ${h.uniqueId()}`;
  const r = spawnSync('sh', ['-c', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '1 1\nlisten fd\npreserved fd\n');
});

test('tmpcopyup: a tmpfs starts with the files of the directory it covers', { skip }, (t) => {
  const out = inside(t, 'ls -la /etc | grep -E " (passwd|group)$" | cut -c1-10; echo new > /etc/new && cat /etc/new; grep " /etc " /proc/self/mountinfo | cut -d" " -f9', (c) => {
    c.mounts.push({ destination: '/etc', type: 'tmpfs', source: 'tmpfs', options: ['rw', 'nosuid', 'nodev', 'tmpcopyup'] });
  });
  assert.equal(out, '-rw-r--r--\n-rw-r--r--\nnew\ntmpfs\n');
  assert.equal(fs.existsSync(path.join(h.ROOTFS, 'etc', 'new')), false, 'the rootfs itself is untouched');
});

// ---------- without a mount namespace ----------

/** The busybox config with no mount namespace (or none at all) and nothing that would mount. */
function withoutMountNs(c, { allNamespaces = false } = {}) {
  c.linux.namespaces = allNamespaces ? [] : c.linux.namespaces.filter((n) => n.type !== 'mount');
  if (allNamespaces) delete c.hostname;
  c.mounts = [];
  delete c.linux.maskedPaths;
  delete c.linux.readonlyPaths;
  c.root.readonly = false;
}

test('without a mount namespace the container shares the runtime\'s and is chrooted into its rootfs; exec too; nothing is mounted', { skip }, (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const before = h.mountsMentioning(h.ROOTFS).length;
  const run = rt(['run', '--bundle', h.makeBundle((c) => { withoutMountNs(c); c.process.args = ['sh', '-c', 'ls /bin/busybox; hostname']; }), h.uniqueId()]);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout, '/bin/busybox\ntsrun\n');
  const id = h.uniqueId();
  assert.equal(rt(['run', '-d', '--bundle', h.makeBundle((c) => withoutMountNs(c)), id]).status, 0);
  const pid = rt.state(id).pid;
  assert.equal(fs.readlinkSync(`/proc/${pid}/ns/mnt`), fs.readlinkSync('/proc/self/ns/mnt'), 'the runtime\'s mount namespace');
  assert.equal(fs.readlinkSync(`/proc/${pid}/root`), h.ROOTFS, 'its root is the rootfs');
  const e = rt(['exec', id, 'sh', '-c', 'ls /bin/busybox; pwd']);
  assert.equal(e.stdout, '/bin/busybox\n/\n', e.stderr);
  assert.equal(h.mountsMentioning(h.ROOTFS).length, before, 'nothing mounted on the host');
  const none = rt(['run', '--bundle', h.makeBundle((c) => { withoutMountNs(c, { allNamespaces: true }); c.process.args = ['sh', '-c', 'echo $$']; }), h.uniqueId()]);
  assert.equal(none.status, 0, none.stderr);
  assert.notEqual(none.stdout, '1\n', 'no pid namespace: the process has a host pid');
});

test('without a mount namespace, what would mount on the host is refused, naming the field', { skip }, (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const bundle = h.makeBundle((c) => { c.linux.namespaces = c.linux.namespaces.filter((n) => n.type !== 'mount'); });
  const id = h.uniqueId();
  const r = rt(['create', '--bundle', bundle, id]);
  assert.equal(r.status, 1);
  for (const field of ['/mounts', '/linux/maskedPaths', '/linux/readonlyPaths', '/root/readonly']) {
    assert.match(r.stderr, new RegExp(`${field}: needs a mount namespace of the container's own`), field);
  }
  h.assertNothingLeft(assert, rt, id, bundle);
});

test('a bidirectional (rshared) bind of a shared host mount is the host\'s peer: mounts travel both ways, as with runc', { skip }, (t) => {
  const host = h.tmpdir('bidir');
  assert.equal(spawnSync('mount', ['--bind', host, host]).status, 0);
  assert.equal(spawnSync('mount', ['--make-shared', host]).status, 0);
  t.after(() => { spawnSync('umount', ['-R', host]); });
  const peerGroup = (line) => line.split(' - ')[0].split(' ').slice(6).join(' ');
  const hostLine = h.mountsMentioning(host).find((l) => l.split(' ')[4] === host);
  const runtimes = ['tsrun', ...(h.hasRunc ? ['runc'] : [])];
  for (const runtime of runtimes) {
    const rt = h.runtime(runtime);
    t.after(rt.cleanup);
    const bundle = h.makeBundle((c) => {
      c.linux.rootfsPropagation = 'rshared';
      c.mounts.push({ destination: '/mnt', type: 'bind', source: host, options: ['rbind', 'rshared'] });
      for (const set of ['bounding', 'effective', 'permitted']) c.process.capabilities[set].push('CAP_SYS_ADMIN');
      c.process.args = ['sh', '-c', 'grep " /mnt " /proc/self/mountinfo; mkdir -p /mnt/from-container; mount -t tmpfs tmpfs /mnt/from-container && echo mounted'];
    });
    const r = rt(['run', '--bundle', bundle, h.uniqueId()]);
    assert.equal(r.status, 0, `${runtime}: ${r.stderr}`);
    assert.match(r.stdout, /mounted\n$/);
    assert.equal(peerGroup(r.stdout.split('\n')[0]), peerGroup(hostLine), `${runtime}: the container's /mnt is in the host's peer group, and no master's`);
    const back = h.mountsMentioning(`${host}/from-container`);
    assert.equal(back.length, 1, `${runtime}: the container's mount appears on the host`);
    spawnSync('umount', [`${host}/from-container`]);
    assert.deepEqual(h.mountsMentioning(h.ROOTFS), [], `${runtime}: nothing of the container's own set-up reached the host`);
  }
});
