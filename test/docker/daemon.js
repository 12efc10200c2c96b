'use strict';
// A Docker Engine of the tests' own (Debian's docker.io): dockerd with its
// own data-root, exec-root, socket and containerd, in a network namespace
// of its own (its bridge and iptables rules live and die there), with
// tsrun added as a runtime and `defaultRuntime` as the default one. The
// host's default docker, if any, is not touched.
const fs = require('node:fs');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const h = require('../helpers');

const DOCKER = '/usr/bin/docker';
const IMAGE = 'tsrun-busybox:docker';

function unavailable() {
  if (!h.isRoot) return 'needs root';
  if (!fs.existsSync(DOCKER) || spawnSync('dockerd', ['--version']).status !== 0) return 'Docker Engine is not installed (Debian package docker.io)';
  if (spawnSync('ip', ['netns', 'help']).status === null) return 'ip (iproute2) is not installed';
  return null;
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120000, ...opts });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', signal: r.signal };
}

async function startDockerd(defaultRuntime) {
  const dir = h.tmpdir(`dockerd-${defaultRuntime}`);
  const netns = `tsrun-docker-${defaultRuntime}-${process.pid}`;
  const sock = path.join(dir, 'docker.sock');
  if (run('ip', ['netns', 'add', netns]).status !== 0) throw new Error(`ip netns add ${netns} failed`);
  run('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
  const log = fs.openSync(path.join(dir, 'dockerd.log'), 'w');
  // nsenter --net, not ip netns exec: that one remounts /sys, and with it the cgroup hierarchies dockerd needs.
  const daemon = spawn('nsenter', [`--net=/var/run/netns/${netns}`, 'dockerd', '--data-root', path.join(dir, 'data'), '--exec-root', path.join(dir, 'exec'),
    '--host', `unix://${sock}`, '--pidfile', path.join(dir, 'docker.pid'), '--add-runtime', `tsrun=${h.TSRUN}`, '--default-runtime', defaultRuntime,
    '--storage-driver', 'overlay2', '--cgroup-parent', `/${netns}`], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const env = { ...process.env, DOCKER_HOST: `unix://${sock}`, DOCKER_BUILDKIT: '0' };
  const docker = (args, opts = {}) => run(DOCKER, args, { env, ...opts });
  const up = await h.until(() => docker(['info']).status === 0, 30000);
  if (!up) throw new Error(`dockerd did not start: ${fs.readFileSync(path.join(dir, 'dockerd.log'), 'utf8').slice(-1500)}`);
  const tar = path.join(dir, 'busybox.tar');
  if (run('tar', ['-C', h.ROOTFS, '-cf', tar, '.']).status !== 0) throw new Error('tar of the busybox rootfs failed');
  const imp = docker(['import', '-c', 'CMD ["sh"]', tar, IMAGE]);
  if (imp.status !== 0) throw new Error(`docker import: ${imp.stderr}`);
  return {
    dir, sock, env, netns, docker, defaultRuntime,
    async stop() {
      const ids = docker(['ps', '-aq']).stdout.split('\n').filter(Boolean);
      if (ids.length) docker(['rm', '-f', ...ids]);
      daemon.kill('SIGTERM');
      await new Promise((resolve) => (daemon.exitCode !== null ? resolve() : daemon.on('exit', resolve)));
      const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m && m.startsWith(dir + '/'));
      for (const m of mounts.reverse()) run('umount', ['-l', m]);
      run('ip', ['netns', 'del', netns]);
      h.removeCgroupTree(`/${netns}`);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

module.exports = { unavailable, startDockerd, DOCKER, IMAGE };
