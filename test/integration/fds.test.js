'use strict';
// What the caller leaves open must not reach the container: fds inherited
// by `create`, `run` and `exec` (a host directory, a host file, a socket,
// at low and high numbers) are neither held by the init nor usable as the
// process's cwd (/proc/self/fd/N, CVE-2024-21626); with a terminal, the
// init holds none of the caller's stdio, so a caller waiting for the end
// of create's output is not kept waiting by the container.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const h = require('../helpers');
const { linux } = require('../../dist/linux/libc');

const skip = !h.isRoot && 'integration tests run real containers and need root';

/** Host objects open at fds 5 (a file), 9 (a directory), 120 (a socket) and 200 (a directory), as a careless caller would leave them. */
function hostFds(t) {
  const dir = h.tmpdir('host');
  const secret = path.join(dir, 'secret');
  fs.writeFileSync(secret, 'host data\n');
  const file = fs.openSync(secret, 'r');
  const etc = fs.openSync('/etc', 'r');
  const [sa, sb] = linux.socketpair();
  const tmp = fs.openSync(dir, 'r');
  t.after(() => { for (const fd of [file, etc, sa, sb, tmp]) fs.closeSync(fd); });
  const at = { 5: file, 9: etc, 120: sa, 200: tmp };
  const links = new Set(Object.values(at).map((fd) => fs.readlinkSync(`/proc/self/fd/${fd}`)));
  return { at, links, dir };
}

/** Runs tsrun with the host fds at their numbers; stdout and stderr through files. */
function withFds(rt, fds, args, extra = {}) {
  const out = path.join(h.tmpdir('out'), 'out');
  const err = `${out}.err`;
  const stdio = ['ignore', fs.openSync(out, 'w'), fs.openSync(err, 'w')];
  for (const [n, fd] of Object.entries(fds.at)) {
    while (stdio.length < Number(n)) stdio.push('ignore');
    stdio[Number(n)] = fd;
  }
  for (const [n, fd] of Object.entries(extra)) {
    while (stdio.length < Number(n)) stdio.push('ignore');
    stdio[Number(n)] = fd;
  }
  const r = spawnSync(h.TSRUN, ['--root', rt.root, ...args], { stdio, timeout: 30000 });
  fs.closeSync(stdio[1]);
  fs.closeSync(stdio[2]);
  return { status: r.status, stdout: fs.readFileSync(out, 'utf8'), stderr: fs.readFileSync(err, 'utf8') };
}

/** What a process holds: the targets of its fds. */
function heldBy(pid) {
  return fs.readdirSync(`/proc/${pid}/fd`).map((fd) => { try { return fs.readlinkSync(`/proc/${pid}/fd/${fd}`); } catch { return null; } }).filter(Boolean);
}

test('create and run: no fd the caller left open reaches the init or the container', { skip }, (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const fds = hostFds(t);
  const bundle = h.makeBundle((c) => { c.process.args = ['sh', '-c', 'ls /proc/self/fd; sleep 300']; });
  const id = h.uniqueId();
  const c = withFds(rt, fds, ['create', '--bundle', bundle, id]);
  assert.equal(c.status, 0, c.stderr);
  const held = heldBy(rt.state(id).pid).filter((l) => fds.links.has(l));
  assert.deepEqual(held, [], 'the init, while created, holds nothing of the caller\'s but its stdio');
  const r = withFds(rt, fds, ['run', '--bundle', h.makeBundle((cfg) => { cfg.process.args = ['ls', '/proc/self/fd']; }), h.uniqueId()]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '0\n1\n2\n3\n', 'the process: stdio, and the directory ls reads');
});

test('a cwd through an inherited fd (/proc/self/fd/N) fails create, exec and exec with --preserve-fds, and leaves nothing', { skip }, (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const fds = hostFds(t);
  for (const n of [9, 200]) {
    const bundle = h.makeBundle((c) => { c.process.cwd = `/proc/self/fd/${n}`; c.process.args = ['ls']; });
    const id = h.uniqueId();
    const r = withFds(rt, fds, ['run', '--bundle', bundle, id]);
    assert.equal(r.status, 1, `run with cwd /proc/self/fd/${n}: ${r.stdout}`);
    assert.match(r.stderr, new RegExp(`cwd /proc/self/fd/${n}`));
    assert.doesNotMatch(r.stdout, /secret|passwd/, 'nothing of the host listed');
    h.assertNothingLeft(assert, rt, id, bundle);
  }
  const id = h.uniqueId();
  assert.equal(rt(['run', '-d', '--bundle', h.makeBundle(), id]).status, 0);
  for (const n of [9, 200]) {
    const e = withFds(rt, fds, ['exec', '--cwd', `/proc/self/fd/${n}`, id, 'ls']);
    assert.equal(e.status, 255, `exec --cwd /proc/self/fd/${n}: ${e.stdout}`);
    assert.match(e.stderr, new RegExp(`chdir to cwd \\(\\\\?"/proc/self/fd/${n}\\\\?"\\) set in config.json failed`));
    assert.doesNotMatch(e.stdout, /secret|passwd/);
  }
  // A preserved fd is the container's by the caller's will, but not as a way out of its root.
  const p = withFds(rt, fds, ['exec', '--preserve-fds', '1', '--cwd', '/proc/self/fd/3', id, 'ls'], { 3: fds.at[200] });
  assert.equal(p.status, 255, p.stdout);
  assert.match(p.stderr, /chdir to cwd \(\\?"\/proc\/self\/fd\/3\\?"\) set in config.json failed: it leads outside the container's root filesystem/);
  assert.doesNotMatch(p.stdout, /secret/);
  const ok = withFds(rt, fds, ['exec', id, 'ls', '/proc/self/fd']);
  assert.equal(ok.stdout, '0\n1\n2\n3\n', 'an exec\'d process holds nothing of the caller\'s either');
});

test('with a terminal, the init holds none of the caller\'s stdio: create returns to a caller reading its output', { skip }, async (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const sock = path.join(h.tmpdir('console'), 'console.sock');
  await h.consoleReceiver(t, sock);
  const bundle = h.makeBundle((c) => { c.process.terminal = true; c.process.args = ['sleep', '300']; });
  const id = h.uniqueId();
  // Pipes read to their end, as containerd's shim and conmon read them.
  const r = spawnSync(h.TSRUN, ['--root', rt.root, 'create', '--console-socket', sock, '--bundle', bundle, id], { stdio: ['pipe', 'pipe', 'pipe'], timeout: 15000 });
  assert.equal(r.signal, null, 'create returned: nothing kept its stdout open');
  assert.equal(r.status, 0, String(r.stderr));
  const pid = rt.state(id).pid;
  const stdio = [0, 1, 2].map((fd) => fs.statSync(`/proc/${pid}/fd/${fd}`)).map((st) => st.isCharacterDevice() && st.rdev === 0x103);
  assert.deepEqual(stdio, [true, true, true], 'the init\'s stdio is the null device (1:3) until the pty takes its place');
  // And a pipe of ours given as create's stdout is not held either.
  const [rd, wr] = linux.pipe();
  t.after(() => { fs.closeSync(rd); fs.closeSync(wr); });
  const id2 = h.uniqueId();
  const c = spawnSync(h.TSRUN, ['--root', rt.root, 'create', '--console-socket', sock, '--bundle', bundle, id2], { stdio: ['ignore', wr, wr], timeout: 15000 });
  assert.equal(c.status, 0);
  const ours = fs.readlinkSync(`/proc/self/fd/${wr}`);
  assert.ok(!heldBy(rt.state(id2).pid).includes(ours), `${ours} held by the init`);
});

test('every process tsrun starts gets its stdio in the mode the caller handed it: 200 KB to a pipe nobody reads yet', { skip }, async (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  // Written at once: with O_NONBLOCK on the pipe (a flag of the open file,
  // shared with whoever set it), the write past 64 KiB fails with EAGAIN.
  const writer = ['sh', '-c', 'head -c 200000 /dev/zero; echo "rc=$?" >&2'];
  const check = async (label, args) => {
    const err = path.join(h.tmpdir('flags'), 'err');
    const fd = fs.openSync(err, 'w');
    const [rd, wr] = linux.pipe();
    const child = h.spawn(h.TSRUN, ['--root', rt.root, ...args], { stdio: ['ignore', wr, fd] });
    fs.closeSync(fd);
    fs.closeSync(wr);
    // Read nothing until the process has filled the pipe.
    await h.sleep(300);
    const buf = Buffer.alloc(65536);
    let bytes = 0;
    for (let n; (n = fs.readSync(rd, buf)) > 0;) bytes += n;
    fs.closeSync(rd);
    await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.on('exit', resolve)));
    await h.until(() => fs.readFileSync(err, 'utf8').includes('rc='), 5000);
    const text = fs.readFileSync(err, 'utf8');
    assert.doesNotMatch(text, /Resource temporarily unavailable/, label);
    assert.match(text, /rc=0/, `${label}: ${text}`);
    assert.equal(bytes, 200000, label);
  };
  const id = h.uniqueId();
  assert.equal(rt(['run', '-d', '--bundle', h.makeBundle(), id]).status, 0);
  await check('exec --detach', ['exec', '--detach', id, ...writer]);
  await check('exec', ['exec', id, ...writer]);
  await check('run --detach', ['run', '--detach', '--bundle', h.makeBundle((c) => { c.process.args = writer; }), h.uniqueId()]);
  await check('run', ['run', '--bundle', h.makeBundle((c) => { c.process.args = writer; }), h.uniqueId()]);
});

test('tsrun never sets O_NONBLOCK on the stdio it hands over, at any moment of its run (sampled from outside)', { skip }, async (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const O_NONBLOCK = 0o4000;
  const sample = (label, args) => {
    const [rd, wr] = linux.pipe();
    const child = h.spawn(h.TSRUN, ['--root', rt.root, ...args], { stdio: ['ignore', wr, 'ignore'] });
    fs.closeSync(wr);
    const seen = new Set();
    // Busy sampling of the shared open file's flags until tsrun exits.
    while (fs.existsSync(`/proc/${child.pid}/fdinfo/1`)) {
      try {
        const flags = parseInt(/^flags:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${child.pid}/fdinfo/1`, 'utf8'))[1], 8);
        seen.add(flags & O_NONBLOCK);
      } catch { /* exited meanwhile */ }
      if (fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(' ')[2] === 'Z') break;
    }
    fs.closeSync(rd);
    assert.deepEqual([...seen], [0], `${label}: O_NONBLOCK seen on tsrun's stdout`);
    return new Promise((resolve) => (child.exitCode !== null ? resolve() : child.on('exit', resolve)));
  };
  const id = h.uniqueId();
  assert.equal(rt(['run', '-d', '--bundle', h.makeBundle(), id]).status, 0);
  await sample('exec --detach', ['exec', '--detach', id, 'true']);
  await sample('create', ['create', '--bundle', h.makeBundle(), h.uniqueId()]);
  await sample('run --detach', ['run', '--detach', '--bundle', h.makeBundle(), h.uniqueId()]);
  await sample('state', ['state', id]);
  await sample('update', ['update', '--pids-limit', '50', id]);
});

test('--preserve-fds with an fd that is not open fails, naming it, and leaves nothing: the init\'s own fds never take its number', { skip }, (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const fds = hostFds(t);
  // 3 to 200: Node's and tsrun's own fds fill the low gaps, not all of them.
  const id = h.uniqueId();
  const c = withFds(rt, fds, ['create', '--preserve-fds', '198', '--bundle', h.makeBundle((b) => { b.process.args = ['true']; }), id]);
  assert.notEqual(c.status, 0);
  assert.match(c.stderr, /--preserve-fds 198: fd \d+ is not open: EBADF/);
  assert.equal(rt.state(id), null, 'no container left');
  assert.deepEqual(fs.readdirSync(rt.root), [], 'no state directory left');
  // exec into a running container: the same check.
  const live = h.uniqueId();
  assert.equal(rt(['run', '-d', '--bundle', h.makeBundle(), live]).status, 0);
  const e = withFds(rt, fds, ['exec', '--preserve-fds', '198', live, 'true']);
  assert.notEqual(e.status, 0);
  assert.match(e.stderr, /--preserve-fds 198: fd \d+ is not open: EBADF/);
});
