'use strict';
// Docker Engine on tsrun: two dockerds of the tests' own (test/docker/
// daemon.js), one with tsrun as its default runtime and one with runc, run
// the same scenarios side by side: docker run and its flags, exit codes,
// exec, logs, stop, kill, pause, top, stats, update, cp, commit, events,
// inspect, networks, docker build with the classic builder; and buildah
// with each runtime.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const h = require('../helpers');
const { unavailable, startDockerd, DOCKER, IMAGE } = require('../docker/daemon');
const { imageArchive } = require('../kubernetes/images');

const skip = unavailable();
const daemons = {};

test.before(async () => {
  if (skip) return;
  for (const rt of ['tsrun', 'runc']) daemons[rt] = await startDockerd(rt);
});
test.after(async () => { for (const d of Object.values(daemons)) await d.stop(); });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let seq = 0;
const name = (rt) => `t${++seq}-${rt}-${process.pid}`;

for (const rt of ['runc', 'tsrun']) {
  test(`Docker Engine (docker.io 20.10) with ${rt} as the default runtime`, { skip: skip ?? false }, async (t) => {
    const d = daemons[rt];
    const docker = (args, opts) => d.docker(args, opts);
    const run = (args, opts) => docker(['run', '--rm', ...args], opts);
    const inspect = (c, fmt) => docker(['inspect', '--format', fmt, c]).stdout.trim();

    await t.test('docker info names the runtime', () => {
      assert.match(docker(['info']).stdout, new RegExp(`Default Runtime: ${rt}`));
    });

    await t.test('run --rm: output, exit codes 0-255, and 125/126/127 as runc gives them', () => {
      const r = run([IMAGE, 'sh', '-c', 'echo hello; exit 3']);
      assert.equal(r.stdout, 'hello\n', r.stderr);
      assert.equal(r.status, 3);
      assert.equal(run([IMAGE, 'no-such-command']).status, 127, 'command not found');
      assert.equal(run([IMAGE, '/etc']).status, 126, 'not executable');
      assert.equal(run(['--no-such-flag', IMAGE]).status, 125, 'docker\'s own error');
      assert.equal(run([IMAGE, 'sh', '-c', 'sleep 5 & kill -9 $!; wait $!']).status, 137, 'a child killed by SIGKILL: 128 + 9');
    });

    await t.test('-e, -w, -u, -i and -t', () => {
      const r = run(['-e', 'GREETING=hi there', '-w', '/tmp', '-u', '1000:1000', IMAGE, 'sh', '-c', 'echo "$GREETING"; pwd; id -u; id -g']);
      assert.equal(r.stdout, 'hi there\n/tmp\n1000\n1000\n', r.stderr);
      assert.equal(run(['-i', IMAGE, 'cat'], { input: 'through stdin\n' }).stdout, 'through stdin\n');
      const tt = spawnSync('script', ['-qec', `${DOCKER} run --rm -t ${IMAGE} tty`, '/dev/null'], { encoding: 'utf8', env: d.env, timeout: 60000 });
      assert.equal(tt.status, 0, tt.stderr);
      assert.match(tt.stdout, /\/dev\/pts\/\d+/);
    });

    await t.test('-d, logs and logs -f, stop (SIGTERM, then SIGKILL past the timeout), kill -s, inspect', async () => {
      const polite = name(rt);
      assert.equal(docker(['run', '-d', '--name', polite, IMAGE, 'sh', '-c', 'echo started; trap "echo got-usr1" USR1; trap "echo bye; exit 0" TERM; while :; do sleep 0.1; done']).status, 0);
      await h.until(() => docker(['logs', polite]).stdout.includes('started'));
      assert.equal(docker(['kill', '-s', 'USR1', polite]).status, 0);
      await h.until(() => docker(['logs', polite]).stdout.includes('got-usr1'));
      const follow = spawnSync(DOCKER, ['logs', '-f', '--tail', '1', polite], { env: d.env, encoding: 'utf8', timeout: 1500 });
      assert.match(follow.stdout, /got-usr1/, 'logs -f follows until stopped');
      let t0 = Date.now();
      assert.equal(docker(['stop', '-t', '10', polite]).status, 0);
      assert.ok(Date.now() - t0 < 8000, 'SIGTERM stopped it');
      assert.match(docker(['logs', polite]).stdout, /bye\n$/);
      assert.equal(inspect(polite, '{{.State.ExitCode}} {{.State.OOMKilled}} {{.State.Status}}'), '0 false exited');
      const stubborn = name(rt);
      docker(['run', '-d', '--name', stubborn, IMAGE, 'sh', '-c', 'trap "" TERM; while :; do sleep 0.1; done']);
      t0 = Date.now();
      assert.equal(docker(['stop', '-t', '1', stubborn]).status, 0);
      assert.ok(Date.now() - t0 >= 900);
      assert.equal(inspect(stubborn, '{{.State.ExitCode}}'), '137');
      docker(['rm', polite, stubborn]);
    });

    await t.test('--read-only and --tmpfs', () => {
      const r = run(['--read-only', '--tmpfs', '/scratch', IMAGE, 'sh', '-c', 'touch /nope 2>/dev/null || echo read-only; touch /scratch/ok && echo tmpfs']);
      assert.equal(r.stdout, 'read-only\ntmpfs\n', r.stderr);
    });

    await t.test('-v: a bind mount and a named volume', () => {
      const host = h.tmpdir('docker-vol');
      fs.writeFileSync(path.join(host, 'in'), 'from the host\n');
      const r = run(['-v', `${host}:/data`, IMAGE, 'sh', '-c', 'cat /data/in; echo from-container > /data/out']);
      assert.equal(r.stdout, 'from the host\n', r.stderr);
      assert.equal(fs.readFileSync(path.join(host, 'out'), 'utf8'), 'from-container\n');
      fs.rmSync(host, { recursive: true, force: true });
      const vol = name(rt);
      assert.equal(run(['-v', `${vol}:/v`, IMAGE, 'sh', '-c', 'echo kept > /v/f']).status, 0);
      assert.equal(run(['-v', `${vol}:/v`, IMAGE, 'cat', '/v/f']).stdout, 'kept\n');
      docker(['volume', 'rm', vol]);
    });

    await t.test('--cap-add, --cap-drop, --security-opt seccomp and no-new-privileges', () => {
      const caps = run(['--cap-add', 'NET_ADMIN', '--cap-drop', 'CHOWN', IMAGE, 'grep', 'CapEff:', '/proc/self/status']).stdout;
      const eff = BigInt(`0x${caps.split(/\s+/)[1]}`);
      assert.equal(eff & (1n << 12n), 1n << 12n, 'CAP_NET_ADMIN');
      assert.equal(eff & 1n, 0n, 'no CAP_CHOWN');
      assert.equal(run([IMAGE, 'grep', 'Seccomp:', '/proc/self/status']).stdout, 'Seccomp:\t2\n', 'Docker\'s default profile');
      assert.equal(run(['--security-opt', 'seccomp=unconfined', IMAGE, 'grep', 'Seccomp:', '/proc/self/status']).stdout, 'Seccomp:\t0\n');
      const profile = path.join(d.dir, 'deny-mkdir.json');
      fs.writeFileSync(profile, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 28 }] }));
      assert.match(run(['--security-opt', `seccomp=${profile}`, IMAGE, 'sh', '-c', 'mkdir /x 2>&1; true']).stdout, /No space left on device/);
      assert.equal(run(['--security-opt', 'no-new-privileges', IMAGE, 'grep', 'NoNewPrivs:', '/proc/self/status']).stdout, 'NoNewPrivs:\t1\n');
    });

    await t.test('--memory, --cpus, --pids-limit, then docker update', () => {
      const c = name(rt);
      assert.equal(docker(['run', '-d', '--name', c, '--memory', '64m', '--cpus', '0.5', '--pids-limit', '20', IMAGE, 'sleep', '300']).status, 0);
      const read = () => docker(['exec', c, 'cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes', '/sys/fs/cgroup/cpu/cpu.cfs_quota_us', '/sys/fs/cgroup/pids/pids.max']).stdout;
      assert.equal(read(), `${64 * 1024 * 1024}\n50000\n20\n`);
      assert.equal(docker(['update', '--memory', '128m', '--memory-swap', '256m', '--pids-limit', '30', c]).status, 0);
      assert.equal(read(), `${128 * 1024 * 1024}\n50000\n30\n`);
      docker(['rm', '-f', c]);
    });

    await t.test('--device, --init and --restart on-failure', async () => {
      assert.match(run(['--device', '/dev/null:/dev/mynull', IMAGE, 'ls', '-l', '/dev/mynull']).stdout, /^c.* 1,\s+3 /);
      assert.match(run(['--init', IMAGE, 'sh', '-c', 'cat /proc/1/cmdline | tr "\\0" " "']).stdout, /docker-init|tini/);
      const c = name(rt);
      assert.equal(docker(['run', '-d', '--name', c, '--restart', 'on-failure:2', IMAGE, 'sh', '-c', 'exit 1']).status, 0);
      await h.until(() => inspect(c, '{{.RestartCount}} {{.State.Status}}') === '2 exited', 20000);
      assert.equal(inspect(c, '{{.RestartCount}} {{.State.ExitCode}}'), '2 1');
      docker(['rm', '-f', c]);
    });

    await t.test('exec -u -w -e, exec -it, pause and unpause, top, stats, cp, commit, events', () => {
      const c = name(rt);
      const since = Math.floor(Date.now() / 1000) - 1;
      assert.equal(docker(['run', '-d', '--name', c, IMAGE, 'sleep', '300']).status, 0);
      assert.equal(docker(['exec', '-u', '1000', '-w', '/tmp', '-e', 'X=y', c, 'sh', '-c', 'id -u; pwd; echo $X']).stdout, '1000\n/tmp\ny\n');
      const it = spawnSync('script', ['-qec', `${DOCKER} exec -it ${c} tty`, '/dev/null'], { encoding: 'utf8', env: d.env, timeout: 60000 });
      assert.match(it.stdout, /\/dev\/pts\/\d+/, it.stderr);
      assert.equal(docker(['pause', c]).status, 0);
      assert.equal(inspect(c, '{{.State.Status}}'), 'paused');
      assert.equal(docker(['unpause', c]).status, 0);
      assert.equal(inspect(c, '{{.State.Status}}'), 'running');
      assert.match(docker(['top', c]).stdout, /sleep 300/);
      assert.match(docker(['stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}}', c]).stdout, new RegExp(`^${c} \\d`));
      const host = path.join(d.dir, `cp-${c}`);
      fs.writeFileSync(host, 'copied in\n');
      assert.equal(docker(['cp', host, `${c}:/tmp/in`]).status, 0);
      assert.equal(docker(['exec', c, 'cat', '/tmp/in']).stdout, 'copied in\n');
      assert.equal(docker(['cp', `${c}:/etc/passwd`, `${host}.out`]).status, 0);
      assert.match(fs.readFileSync(`${host}.out`, 'utf8'), /^root:/);
      docker(['exec', c, 'sh', '-c', 'echo committed > /committed']);
      const image = `tsrun-committed-${rt}:${seq}`;
      assert.equal(docker(['commit', c, image]).status, 0);
      assert.equal(run([image, 'cat', '/committed']).stdout, 'committed\n');
      docker(['rm', '-f', c]);
      const events = docker(['events', '--since', String(since), '--until', String(Math.floor(Date.now() / 1000) + 1), '--filter', `container=${c}`, '--format', '{{.Action}}']).stdout;
      for (const e of ['create', 'start', 'exec_start: id -u', 'pause', 'unpause', 'commit', 'die', 'destroy']) {
        if (e.includes(':')) continue;
        assert.match(events, new RegExp(`^${e}$`, 'm'), e);
      }
      docker(['rmi', image]);
    });

    await t.test('OOMKilled in inspect', () => {
      const c = name(rt);
      docker(['run', '--name', c, '--memory', '16m', '--memory-swap', '16m', IMAGE, 'sh', '-c', 'x=a; while :; do x=$x$x; done']);
      assert.equal(inspect(c, '{{.State.OOMKilled}} {{.State.ExitCode}}'), 'true 137');
      docker(['rm', c]);
    });

    await t.test('networks: none, host, bridge, and a user-defined one with name resolution', async () => {
      assert.equal(run(['--network', 'none', IMAGE, 'sh', '-c', 'ls /sys/class/net | tr "\\n" " "']).stdout, 'lo ');
      assert.match(run(['--network', 'host', IMAGE, 'ls', '/sys/class/net']).stdout, /docker0/, 'the daemon\'s network namespace');
      assert.match(run([IMAGE, 'ip', '-4', 'addr', 'show', 'eth0']).stdout, /inet 172\.\d+\.\d+\.\d+\//);
      const net = name(rt);
      assert.equal(docker(['network', 'create', net]).status, 0);
      const srv = name(rt);
      docker(['run', '-d', '--name', srv, '--network', net, IMAGE, 'sh', '-c', 'while :; do echo "hello from $(hostname)" | nc -l -p 80; done']);
      // nslookup has a DNS client of its own: the static busybox's getaddrinfo has no NSS modules.
      const r = run(['--network', net, IMAGE, 'sh', '-c', `ip=$(nslookup ${srv} 2>/dev/null | awk '/^Address/ { a = $NF } END { print a }'); nc $ip 80 </dev/null`]);
      assert.match(r.stdout, /^hello from [0-9a-f]+\n$/, `name resolution on a user-defined network: ${r.stderr}`);
      docker(['rm', '-f', srv]);
      docker(['network', 'rm', net]);
    });

    await t.test('docker build (the classic builder runs each RUN through the default runtime), then run the image', () => {
      const ctx = h.tmpdir('docker-build');
      fs.writeFileSync(path.join(ctx, 'Dockerfile'), `FROM ${IMAGE}\nRUN echo "built" > /built && grep Seccomp: /proc/self/status >> /built\nRUN cat /built\nCMD ["cat", "/built"]\n`);
      const image = `tsrun-built-${rt}:1`;
      const b = docker(['build', '-t', image, ctx]);
      assert.equal(b.status, 0, b.stdout + b.stderr);
      assert.equal(run([image]).stdout, 'built\nSeccomp:\t2\n', 'the RUN steps ran, under the default seccomp profile');
      docker(['rmi', image]);
      fs.rmSync(ctx, { recursive: true, force: true });
    });

    await t.test('nothing of the runtime\'s own shows in docker logs', () => {
      const c = name(rt);
      docker(['run', '--name', c, IMAGE, 'sh', '-c', 'echo only-this']);
      const logs = docker(['logs', c]);
      assert.equal(logs.stdout + logs.stderr, 'only-this\n');
      docker(['rm', c]);
    });
  });
}

// ---------- buildah ----------

const buildahSkip = skip || (spawnSync('buildah', ['--version']).status !== 0 && 'buildah is not installed (Debian package buildah)');

for (const [rt, bin] of [['runc', 'runc'], ['tsrun', h.TSRUN]]) {
  test(`buildah build and run with ${rt} (OCI isolation)`, { skip: buildahSkip ?? false }, (t) => {
    const dir = h.tmpdir('buildah');
    t.after(() => {
      spawnSync('buildah', ['--root', path.join(dir, 'root'), '--runroot', path.join(dir, 'run'), 'rm', '--all']);
      const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m && m.startsWith(dir + '/'));
      for (const m of mounts.reverse()) spawnSync('umount', ['-l', m]);
      fs.rmSync(dir, { recursive: true, force: true });
    });
    const buildah = (args, opts = {}) => spawnSync('buildah', ['--root', path.join(dir, 'root'), '--runroot', path.join(dir, 'run'), '--storage-driver', 'vfs', ...args],
      { encoding: 'utf8', timeout: 180000, ...opts });
    const archive = path.join(dir, 'busybox.tar');
    imageArchive(archive, { rootfs: h.ROOTFS, name: 'localhost/tsrun-busybox:buildah', config: { Cmd: ['sh'] } });
    const pull = buildah(['pull', `docker-archive:${archive}`]);
    assert.equal(pull.status, 0, pull.stderr);
    const ctx = path.join(dir, 'ctx');
    fs.mkdirSync(ctx);
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM localhost/tsrun-busybox:buildah\nRUN echo "built with buildah" > /built\nCMD ["cat", "/built"]\n');
    const b = buildah(['build', '--runtime', bin, '--isolation', 'oci', '-t', `localhost/built-${rt}`, ctx]);
    assert.equal(b.status, 0, b.stdout + b.stderr);
    const from = buildah(['from', `localhost/built-${rt}`]);
    assert.equal(from.status, 0, from.stderr);
    const r = buildah(['run', '--runtime', bin, '--isolation', 'oci', from.stdout.trim(), 'cat', '/built']);
    assert.equal(r.stdout, 'built with buildah\n', r.stderr);
  });
}
