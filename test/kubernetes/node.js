'use strict';
// A Kubernetes node without the kubelet, for the tests: a containerd of its
// own (config, root, state, socket) whose CRI plugin has two runtime
// handlers, runc and tsrun (the runc v2 shim with each as BinaryName); a
// CNI network of its own (Debian's containernetworking-plugins: bridge,
// host-local, loopback); a busybox image and a pause image imported from
// local archives. stop() undoes all of it.
const fs = require('node:fs');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const h = require('../helpers');
const { imageArchive } = require('./images');
const { criClient } = require('./cri');

const CNI_BIN = '/usr/lib/cni';
const BRIDGE = 'tsrunk8s0';
const SUBNET = '10.88.77.0/24';
const BUSYBOX_IMAGE = 'localhost/tsrun-busybox:k8s';
const PAUSE_IMAGE = 'localhost/tsrun-pause:k8s';

/** Why this machine cannot run the node, or null. */
function unavailable() {
  if (!h.isRoot) return 'needs root';
  for (const [bin, pkg] of [['containerd', 'containerd'], ['ctr', 'containerd'], ['gcc', 'gcc']]) {
    if (spawnSync(bin, ['--version']).status !== 0) return `${bin} is not installed (Debian package ${pkg})`;
  }
  for (const p of ['bridge', 'host-local', 'loopback']) {
    if (!fs.existsSync(path.join(CNI_BIN, p))) return `${CNI_BIN}/${p} is missing (Debian package containernetworking-plugins)`;
  }
  return null;
}

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120000, ...opts });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Where the test's pods put their cgroups (cgroup_parent), in every hierarchy. */
const CGROUP_PARENT = `/tsrun-k8s-test-${process.pid}`;

async function startNode() {
  const dir = h.tmpdir('k8s');
  const sock = path.join(dir, 'containerd.sock');
  const runcBin = process.env.TSRUN_K8S_RUNC || spawnSync('sh', ['-c', 'command -v runc'], { encoding: 'utf8' }).stdout.trim();
  fs.mkdirSync(path.join(dir, 'cni'));
  fs.writeFileSync(path.join(dir, 'cni', '10-tsrun.conflist'), JSON.stringify({
    cniVersion: '0.4.0',
    name: 'tsrun-k8s',
    plugins: [{
      type: 'bridge', bridge: BRIDGE, isGateway: true, ipMasq: false, hairpinMode: true,
      ipam: { type: 'host-local', ranges: [[{ subnet: SUBNET }]], dataDir: path.join(dir, 'ipam') },
    }],
  }));
  const runtime = (name, bin) => `
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.${name}]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.${name}.options]
        BinaryName = "${bin}"
        Root = "${dir}/${name}-root"`;
  fs.writeFileSync(path.join(dir, 'config.toml'), `version = 2
root = "${dir}/root"
state = "${dir}/state"
[grpc]
  address = "${sock}"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${PAUSE_IMAGE}"
  enable_selinux = false
  disable_apparmor = true
  # No CAP_SYS_RESOURCE for root on some hosts (this one): no oom_score_adj below ours.
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"${runtime('runc', runcBin)}${runtime('tsrun', h.TSRUN)}
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "${CNI_BIN}"
    conf_dir = "${dir}/cni"
    max_conf_num = 1
`);
  const log = fs.openSync(path.join(dir, 'containerd.log'), 'w');
  const daemon = spawn('containerd', ['--config', path.join(dir, 'config.toml')], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const ctr = (args) => sh('ctr', ['--address', sock, '--namespace', 'k8s.io', ...args]);
  const up = await h.until(() => ctr(['version']).status === 0, 20000);
  if (!up) throw new Error(`containerd did not start: ${fs.readFileSync(path.join(dir, 'containerd.log'), 'utf8').slice(-2000)}`);

  // The images: busybox from the test rootfs, and a pause image of a static pause.
  const pauseRoot = path.join(dir, 'pause-rootfs');
  fs.mkdirSync(pauseRoot);
  const cc = sh('gcc', ['-static', '-O2', '-o', path.join(pauseRoot, 'pause'), path.join(__dirname, 'pause.c')]);
  if (cc.status !== 0) throw new Error(`gcc pause.c: ${cc.stderr}`);
  for (const [name, rootfs, config] of [[BUSYBOX_IMAGE, h.ROOTFS, { Cmd: ['sh'] }], [PAUSE_IMAGE, pauseRoot, { Entrypoint: ['/pause'] }]]) {
    const tar = path.join(dir, `${name.replace(/\W/g, '_')}.tar`);
    imageArchive(tar, { rootfs, name, config });
    const r = ctr(['images', 'import', tar]);
    if (r.status !== 0) throw new Error(`ctr images import ${name}: ${r.stderr}`);
  }
  const cri = criClient(sock);
  return {
    dir, sock, cri, ctr, logDir: path.join(dir, 'logs'),
    async stop() {
      try {
        const { items = [] } = await cri.call('ListPodSandbox', {});
        for (const p of items) {
          await cri.call('StopPodSandbox', { pod_sandbox_id: p.id }).catch(() => {});
          await cri.call('RemovePodSandbox', { pod_sandbox_id: p.id }).catch(() => {});
        }
      } finally {
        cri.close();
        daemon.kill('SIGTERM');
        await new Promise((resolve) => (daemon.exitCode !== null ? resolve() : daemon.on('exit', resolve)));
        // Whatever the daemon left mounted (snapshots, a sandbox's shm), then its files.
        const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m && m.startsWith(dir + '/'));
        for (const m of mounts.reverse()) sh('umount', ['-l', m]);
        sh('ip', ['link', 'del', BRIDGE]);
        h.removeCgroupTree(CGROUP_PARENT);
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

module.exports = { unavailable, startNode, BUSYBOX_IMAGE, PAUSE_IMAGE, SUBNET, CGROUP_PARENT };
