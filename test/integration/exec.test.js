'use strict';
// exec: a process in a running container, in every one of its namespaces,
// with the container's (or the given) process settings; runc's exit codes.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const h = require('../helpers');

const skip = !h.isRoot && 'integration tests run real containers and need root';

function container(t, mutate) {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const bundle = h.makeBundle(mutate);
  const id = h.uniqueId();
  const r = rt(['run', '--detach', '--bundle', bundle, id]);
  assert.equal(r.status, 0, r.stderr);
  return { rt, id, pid: rt.state(id).pid };
}

test('exec runs in every namespace of the container, as a member of its pid namespace', { skip }, async (t) => {
  const { rt, id, pid } = container(t);
  const pidFile = path.join(h.tmpdir('exec'), 'exec.pid');
  const r = rt(['exec', '--detach', '--pid-file', pidFile, id, 'sleep', '300']);
  assert.equal(r.status, 0, r.stderr);
  const execPid = Number(fs.readFileSync(pidFile, 'utf8'));
  assert.equal(fs.readFileSync(`/proc/${execPid}/comm`, 'utf8').trim(), 'sleep');
  for (const ns of ['ipc', 'uts', 'net', 'pid', 'mnt', 'cgroup']) {
    assert.equal(fs.readlinkSync(`/proc/${execPid}/ns/${ns}`), fs.readlinkSync(`/proc/${pid}/ns/${ns}`), `${ns} namespace`);
  }
  assert.equal(fs.readlinkSync(`/proc/${execPid}/root`), fs.readlinkSync(`/proc/${pid}/root`));
  assert.match(fs.readFileSync(`/proc/${execPid}/status`, 'utf8'), /NSpid:\s+\d+\s+\d+\n/, 'visible in the container\'s pid namespace');
});

test('exec in the foreground returns the process\'s output and status', { skip }, (t) => {
  const { rt, id } = container(t);
  const r = rt(['exec', id, 'sh', '-c', 'echo out; echo err >&2; hostname; exit 7']);
  assert.equal(r.status, 7);
  assert.equal(r.stdout, 'out\ntsrun\n');
  assert.equal(r.stderr, 'err\n');
});

test('exec takes the container\'s process settings, and runc\'s flags on top', { skip }, (t) => {
  const { rt, id } = container(t, (c) => {
    c.process.env = ['PATH=/bin:/usr/bin', 'FROM_CONFIG=1'];
    c.process.noNewPrivileges = true;
  });
  const plain = rt(['exec', id, 'sh', '-c', 'echo $FROM_CONFIG; grep -E "^(NoNewPrivs|CapBnd)" /proc/self/status']);
  assert.equal(plain.status, 0, plain.stderr);
  assert.match(plain.stdout, /^1\nCapBnd:\s+0000000020000420\nNoNewPrivs:\s+1\n$/);
  const flags = rt(['exec', '-u', '1000:1001', '-g', '5', '--cwd', '/tmp', '-e', 'A=b', '-e', 'C=d', '--cap', 'CAP_SYS_ADMIN', id, 'sh', '-c', 'id -u; id -g; id -G; pwd; echo $A$C; grep CapBnd /proc/self/status']);
  assert.equal(flags.status, 0, flags.stderr);
  assert.match(flags.stdout, /^1000\n1001\n1001 5\n\/tmp\nbd\nCapBnd:\s+0000000020200420\n$/);
});

test('exec --process FILE', { skip }, (t) => {
  const { rt, id } = container(t);
  const file = path.join(h.tmpdir('exec'), 'process.json');
  fs.writeFileSync(file, JSON.stringify({ args: ['sh', '-c', 'echo $X; id -u; exit 4'], env: ['X=from-file', 'PATH=/bin'], cwd: '/', user: { uid: 65534, gid: 65534 } }));
  const r = rt(['exec', '--process', file, id]);
  assert.equal(r.status, 4, r.stderr);
  assert.equal(r.stdout, 'from-file\n65534\n');
  fs.writeFileSync(file, JSON.stringify({ args: 'sh', cwd: '/' }));
  const bad = rt(['exec', '--process', file, id]);
  assert.equal(bad.status, 255);
  assert.match(bad.stderr, /process\.json: \/args: must be array/);
});

test('a failed exec exits 255, says why, and leaves the container running', { skip }, (t) => {
  const { rt, id, pid } = container(t);
  const pidFile = path.join(h.tmpdir('exec'), 'exec.pid');
  const r = rt(['exec', '--pid-file', pidFile, id, 'no-such-command']);
  assert.equal(r.status, 255);
  assert.match(r.stderr, /exec: \\"no-such-command\\": executable file not found in \$PATH/);
  assert.equal(fs.existsSync(pidFile), false, 'no pid file when exec failed (conmon reads that as failure)');
  assert.equal(rt.state(id).status, 'running');
  assert.equal(rt.state(id).pid, pid);
  const cwd = rt(['exec', '--cwd', '/no/such/dir', id, 'true']);
  assert.equal(cwd.status, 255);
  assert.match(cwd.stderr, /cwd .*no such file or directory/);
});

test('exec into a stopped or unknown container fails with 255', { skip }, async (t) => {
  const { rt, id } = container(t);
  assert.equal(rt(['kill', id, 'KILL']).status, 0);
  await h.until(() => rt.state(id).status === 'stopped');
  const r = rt(['exec', id, 'true']);
  assert.equal(r.status, 255);
  assert.match(r.stderr, /cannot exec in a stopped container/);
  const unknown = rt(['exec', 'no-such-container', 'true']);
  assert.equal(unknown.status, 255);
  assert.match(unknown.stderr, /container does not exist/);
});

test('ps lists the container\'s processes: pids as JSON, ps(1) lines as a table', { skip }, (t) => {
  const { rt, id, pid } = container(t);
  const pidFile = path.join(h.tmpdir('ps'), 'exec.pid');
  assert.equal(rt(['exec', '--detach', '--pid-file', pidFile, id, 'sleep', '301']).status, 0);
  const execPid = Number(fs.readFileSync(pidFile, 'utf8'));
  const json = rt(['ps', '--format', 'json', id]);
  assert.equal(json.status, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout).sort((a, b) => a - b), [pid, execPid].sort((a, b) => a - b));
  const table = rt(['ps', id, '--', '-o', 'pid,args']).stdout.trim().split('\n');
  assert.match(table[0], /PID\s+COMMAND/);
  assert.deepEqual(table.slice(1).map((l) => l.trim()).sort(), [`${pid} sleep 300`, `${execPid} sleep 301`].sort());
});
