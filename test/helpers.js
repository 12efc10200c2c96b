'use strict';
// Shared helpers for the integration tests: real containers, as root, on
// copies of bundles/busybox.
const { spawnSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const REPO = path.join(__dirname, '..');
const TSRUN = path.join(REPO, 'bin', 'tsrun');
const BUSYBOX = path.join(REPO, 'bundles', 'busybox');
const ROOTFS = path.join(BUSYBOX, 'rootfs');

const isRoot = process.getuid && process.getuid() === 0;
const hasRunc = spawnSync('runc', ['--version']).status === 0;

let seq = 0;
function uniqueId(prefix = 't') {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${seq++}`;
}

function tmpdir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `tsrun-${prefix}-`));
}

/**
 * A bundle under a fresh temp dir: config.json from bundles/busybox changed
 * by `mutate(config, dir)`. The rootfs is the shared one (read-only use), or
 * a private copy with `copyRootfs`.
 */
function makeBundle(mutate, { copyRootfs = false } = {}) {
  const dir = tmpdir('bundle');
  const config = JSON.parse(fs.readFileSync(path.join(BUSYBOX, 'config.json'), 'utf8'));
  if (copyRootfs) {
    spawnSync('cp', ['-a', ROOTFS, path.join(dir, 'rootfs')]);
    config.root.path = 'rootfs';
  } else {
    config.root.path = ROOTFS;
  }
  config.process.args = ['sleep', '300'];
  // A cgroup of the tests' own, not under whatever cgroup the test runner is in.
  config.linux.cgroupsPath = `/tsrun-test/${uniqueId('cg')}`;
  if (mutate) mutate(config, dir);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
  return dir;
}

/**
 * Runs a runtime CLI; `runtime` is 'tsrun' or a binary on PATH. Output goes
 * through files, not pipes: a created container's init inherits the CLI's
 * stdio, so a pipe would stay open until the container exits.
 */
function cli(runtime, root, args, opts = {}) {
  const bin = runtime === 'tsrun' ? TSRUN : runtime;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-out-'));
  const outPath = path.join(dir, 'out');
  const errPath = path.join(dir, 'err');
  const out = fs.openSync(outPath, 'w+');
  const err = fs.openSync(errPath, 'w+');
  const started = Date.now();
  const r = spawnSync(bin, ['--root', root, ...args], { stdio: [opts.input === undefined ? 'ignore' : 'pipe', out, err], timeout: 30000, ...opts });
  fs.closeSync(out);
  fs.closeSync(err);
  const stdout = fs.readFileSync(outPath, 'utf8');
  const stderr = fs.readFileSync(errPath, 'utf8');
  fs.rmSync(dir, { recursive: true, force: true });
  if (process.env.TSRUN_TEST_TRACE) process.stderr.write(`# ${runtime} ${args.join(' ')}: ${r.status} in ${Date.now() - started} ms\n`);
  return { status: r.status, signal: r.signal, stdout, stderr };
}

/** A runtime bound to a private --root; `cleanup()` force-deletes what is left. */
function runtime(name = 'tsrun') {
  const root = tmpdir(`${name}-root`);
  const ids = new Set();
  const run = (args, opts) => {
    const id = args[args.length - 1];
    if (typeof id === 'string' && !id.startsWith('-')) ids.add(id);
    return cli(name, root, args, opts);
  };
  run.root = root;
  run.runtimeName = name;
  run.state = (id) => {
    const r = cli(name, root, ['state', id]);
    return r.status === 0 ? JSON.parse(r.stdout) : null;
  };
  run.cleanup = () => {
    for (const id of ids) cli(name, root, ['delete', '--force', id]);
    fs.rmSync(root, { recursive: true, force: true });
  };
  return run;
}

/** Lines of /proc/self/mountinfo that mention `needle`. */
function mountsMentioning(needle) {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(needle));
}

/** Pids whose root directory is `rootfs` or below it (processes of a container). */
function processesIn(rootfs) {
  const out = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(name)) continue;
    try {
      const root = fs.readlinkSync(`/proc/${name}/root`);
      if (root === rootfs || root.startsWith(rootfs + '/')) out.push(Number(name));
    } catch { /* gone */ }
  }
  return out;
}

/** Pids holding an fd into `dir` (an init holds its state dir's exec fifo). */
function processesHolding(dir) {
  const out = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(name)) continue;
    let fds;
    try { fds = fs.readdirSync(`/proc/${name}/fd`); } catch { continue; }
    for (const fd of fds) {
      try {
        if (fs.readlinkSync(`/proc/${name}/fd/${fd}`).startsWith(dir + '/')) { out.push(Number(name)); break; }
      } catch { /* closed meanwhile */ }
    }
  }
  return out;
}

/** Asserts that a container left nothing: state dir, mounts, processes. */
function assertNothingLeft(assert, rt, id, bundle) {
  assert.equal(fs.existsSync(path.join(rt.root, id)), false, `state dir ${id} left behind`);
  assert.deepEqual(mountsMentioning(bundle), [], 'mounts left behind');
  let rootfs = null;
  try { rootfs = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8')).root.path; } catch { /* a broken bundle */ }
  const abs = rootfs && path.resolve(bundle, rootfs);
  if (abs && abs !== ROOTFS) assert.deepEqual(processesIn(abs), [], 'processes left behind');
  assert.deepEqual(processesHolding(path.join(rt.root, id)), [], 'processes left holding the state dir');
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls fn until it returns truthy (tests only: waiting on another process's effect). */
async function until(fn, ms = 5000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) return v;
    await sleep(20);
  }
}

/** rmdir of a cgroup path and what is below it, in every hierarchy (runtimes leave the parents they made). */
function removeCgroupTree(rel) {
  const tops = ['/sys/fs/cgroup', ...fs.readdirSync('/sys/fs/cgroup').map((d) => `/sys/fs/cgroup/${d}`)];
  const remove = (d) => {
    let entries = [];
    try { entries = fs.readdirSync(d, { withFileTypes: true }); } catch { return; }
    for (const e of entries) if (e.isDirectory()) remove(path.join(d, e.name));
    try { fs.rmdirSync(d); } catch { /* busy or gone */ }
  };
  for (const top of tops) remove(path.join(top, rel));
}

const CONSOLE_RECEIVER = path.join(__dirname, 'console-receiver.py');

/**
 * A console socket at `sock` (test/console-receiver.py, extra args as its
 * input), listening once this resolves; killed after the test.
 */
async function consoleReceiver(t, sock, input = []) {
  const child = spawn('python3', [CONSOLE_RECEIVER, sock, ...input], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => child.kill());
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  await until(() => out.includes('listening'));
  return { output: () => out, done: () => until(() => out.includes('output='), 15000) };
}

module.exports = {
  REPO, TSRUN, BUSYBOX, ROOTFS, isRoot, hasRunc, uniqueId, tmpdir, makeBundle, cli, runtime,
  mountsMentioning, processesIn, processesHolding, assertNothingLeft, sleep, until, spawn, consoleReceiver, removeCgroupTree,
};
