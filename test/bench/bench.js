#!/usr/bin/env node
'use strict';
// tsrun performance benchmark: times tsrun, Debian's runc and Debian's crun
// side by side on the busybox bundle, interleaved (each iteration runs the
// scenario once per runtime, in a rotating order) so that drift on a noisy
// machine hits every runtime alike, and compares tsrun with the floor: the
// cost of starting Node itself, measured in the same run.
//
//   node test/bench/bench.js [--iterations N] [--batch-iterations N]
//                            [--only REGEX] [--output FILE] [--write|--no-write]
//   npm run bench [-- OPTIONS]
//
// Prints a markdown table on stdout and writes the same report to
// BENCHMARKS.md at the repository root (with --only, only if --write is
// given, so a partial run does not replace a full report). Progress goes to
// stderr. Runs as root. Node standard library only.
//
// The floor is bare Node: `node -e 0` started as tsrun starts Node and as a
// user's machine does, without NODE_EXTRA_CA_CERTS and NODE_OPTIONS; the
// same command as this environment starts it is a second column.
//
// Every runtime gets its own --root under a temporary directory; every
// container it creates is deleted (delete --force, then kill + delete) even
// on error or Ctrl-C, then the temporary directory is removed.
//
// crun 1.8.1 refuses to create containers on a cgroup v1 "hybrid" host whose
// cgroup2 mount (/sys/fs/cgroup/unified) has a controller. As in the
// conformance suite (conformance/lib/runtime.js), crun then runs in a private
// mount namespace where that mount is detached. Rather than a fresh
// `unshare` + `sh` + `umount` per command (which would add several ms to each
// crun timing), one helper process holds such a namespace for the whole run
// and each crun command enters it with `nsenter --mount=/proc/<helper>/ns/mnt`
// (one extra exec, whose cost the report states).

const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, spawnSync } = require('child_process');
const { podmanProfile } = require('../seccomp-profiles');

const REPO = path.resolve(__dirname, '..', '..');
const BASE_BUNDLE = path.join(REPO, 'bundles', 'busybox');
const TIMEOUT_MS = 30000;
const BENCH_OCI_VERSION = '1.0.2-dev'; // crun 1.8.1 rejects 1.2.0
const PY_MAXRSS = 'import resource,subprocess,sys; r=subprocess.run(sys.argv[1:], stdin=subprocess.DEVNULL, '
  + 'stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); '
  + 'print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)';

// ---------------------------------------------------------------- options

function usage(msg) {
  if (msg) process.stderr.write(`bench: ${msg}\n`);
  process.stderr.write('usage: node test/bench/bench.js [--iterations N] [--batch-iterations N] [--only REGEX]\n'
    + '                              [--output FILE] [--write | --no-write]\n'
    + '                              [--tsrun PATH] [--runc PATH] [--crun PATH]\n'
    + '  --iterations N        samples per runtime for each scenario (default 20; also sets\n'
    + '                        --batch-iterations unless that is given)\n'
    + '  --batch-iterations N  runs per runtime of the 50-container and 20-parallel scenarios (default 3)\n'
    + '  --only REGEX          run only the scenarios whose id matches: version, run, create, start,\n'
    + '                        state, list, kill-delete, delete-created, create-delete-50, parallel-20, rss,\n'
    + '                        create-seccomp, timing (where a create spends its time), seccomp (the filters section)\n'
    + '  --output FILE         report file (default BENCHMARKS.md at the repository root)\n'
    + '  --write / --no-write  write the report file or not (default: write, except with --only)\n');
  process.exit(msg ? 2 : 0);
}

function parseArgs(argv) {
  const o = {
    iterations: 20, batchIterations: null, only: null, output: path.join(REPO, 'BENCHMARKS.md'), write: null,
    tsrun: path.join(REPO, 'bin', 'tsrun'), runc: '/usr/sbin/runc', crun: '/usr/bin/crun',
  };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let v;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) { v = a.slice(eq + 1); a = a.slice(0, eq); }
    const val = () => {
      if (v === undefined) v = argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    const int = () => {
      const n = Number(val());
      if (!Number.isInteger(n) || n < 1) usage(`${a} takes a positive integer`);
      return n;
    };
    switch (a) {
      case '--iterations': case '-n': o.iterations = int(); o.iterationsGiven = true; break;
      case '--batch-iterations': o.batchIterations = int(); break;
      case '--only': try { o.only = new RegExp(val(), 'i'); } catch (e) { usage(`bad --only: ${e.message}`); } break;
      case '--output': o.output = path.resolve(val()); if (o.write === null) o.write = true; break;
      case '--write': o.write = true; break;
      case '--no-write': o.write = false; break;
      case '--tsrun': o.tsrun = path.resolve(val()); break;
      case '--runc': o.runc = val(); break;
      case '--crun': o.crun = val(); break;
      case '--help': case '-h': usage(); break;
      default: usage(`unknown argument ${a}`);
    }
  }
  if (o.batchIterations === null) o.batchIterations = o.iterationsGiven ? o.iterations : 3;
  if (o.write === null) o.write = !o.only;
  return o;
}

// ---------------------------------------------------------------- helpers

const sleepMs = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const readText = (p) => { try { return fs.readFileSync(p, 'utf8'); } catch (e) { return null; } };
const nowNs = () => process.hrtime.bigint();
const msSince = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

function which(name) {
  if (name.includes('/')) return isExecutable(name) ? path.resolve(name) : null;
  for (const d of (process.env.PATH || '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    const p = path.join(d || '.', name);
    if (isExecutable(p)) return p;
  }
  return null;
}

function isExecutable(p) {
  try { fs.accessSync(p, fs.constants.X_OK); return fs.statSync(p).isFile(); } catch (e) { return false; }
}

// The line of a runtime's stderr that says what went wrong: the first one
// mentioning an error (runc prints warnings first), else the first line.
function errorLine(text) {
  const lines = String(text || '').split('\n').map((l) => l.trim()).filter(Boolean);
  return (lines.find((l) => /error|fail|denied|not found|no such|invalid|cannot/i.test(l)) || lines[0] || '').slice(0, 200);
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function stats(xs) {
  if (!xs || xs.length === 0) return null;
  return { n: xs.length, median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
}

function rotate(list, k) {
  if (list.length === 0) return list;
  const r = k % list.length;
  return list.slice(r).concat(list.slice(0, r));
}

class BenchError extends Error {}

// Let the event loop run (and so a pending SIGINT/SIGTERM handler) between
// synchronous commands; costs microseconds, outside the timed spans or, in
// the 50-container scenario, equally for every runtime.
const tick = () => new Promise((resolve) => setImmediate(resolve));

// ---------------------------------------------------------------- state

const opts = parseArgs(process.argv.slice(2));
const t0Run = Date.now();
const loadAtStart = os.loadavg().map((x) => x.toFixed(2)).join(' ');
let work = null; // temporary directory
let devnull = null;
let helper = null; // crun's mount-namespace helper process
const inflight = new Set(); // asynchronous commands running (parallel scenario)
const runtimes = []; // {name, bin, available, reason, wrap, root, errFd, live:Set}
const notes = [];
const idPrefix = `bench${process.pid.toString(36)}`;
let idCounter = 0;
const newId = (rt) => `${idPrefix}-${rt.name}-${++idCounter}`;

function log(msg) {
  process.stderr.write(`[${((Date.now() - t0Run) / 1000).toFixed(0).padStart(4)}s] ${msg}\n`);
}

// argv of a runtime command (with the runtime's --root unless root: false)
function commandFor(rt, args, root = true) {
  if (rt.floor) return [rt.bin, rt.args];
  const full = root ? ['--root', rt.root, ...args] : args;
  if (rt.wrap) return [rt.wrap[0], [...rt.wrap.slice(1), rt.bin, ...full]];
  return [rt.bin, full];
}

// Run one command synchronously with stdin and stdout on /dev/null (or
// stdout captured, for commands that start no process) and stderr in the
// runtime's error file; time it with hrtime. Returns {ms, ok, err, stdout}.
function runSync(rt, args, o = {}) {
  const [file, argv] = commandFor(rt, args, o.root !== false);
  fs.ftruncateSync(rt.errFd, 0);
  const t0 = nowNs();
  const r = spawnSync(file, argv, {
    stdio: [devnull, o.capture ? 'pipe' : devnull, rt.errFd],
    timeout: TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 16 << 20,
  });
  const ms = msSince(t0);
  let err = null;
  if (r.error) {
    err = r.error.code === 'ETIMEDOUT' ? `timed out after ${TIMEOUT_MS / 1000} s` : r.error.message;
  } else if (r.status !== 0) {
    const text = readText(rt.errFile);
    err = errorLine(text) || (r.status === null ? `killed by ${r.signal}` : `exit status ${r.status}`);
  }
  return { ms, ok: !err, err, stdout: r.stdout ? r.stdout.toString() : '' };
}

// runSync that throws a BenchError naming the command on failure
function must(rt, args, o) {
  const r = runSync(rt, args, o);
  if (!r.ok) throw new BenchError(`${args[0] || path.basename(rt.bin)}: ${r.err}`);
  return r;
}

function create(rt, bundle, id) {
  rt.live.add(id);
  return must(rt, ['create', '--bundle', bundle, id]);
}

function destroy(rt, id) {
  const r = must(rt, ['delete', '--force', id]);
  rt.live.delete(id);
  return r;
}

function statePid(rt, id) {
  const r = must(rt, ['state', id], { capture: true });
  let st;
  try { st = JSON.parse(r.stdout); } catch (e) { throw new BenchError(`state: output is not JSON: ${r.stdout.slice(0, 80)}`); }
  if (!Number.isInteger(st.pid) || st.pid <= 0) throw new BenchError(`state: no pid in ${r.stdout.slice(0, 80)}`);
  return st;
}

// Delete whatever containers of this run a runtime still has.
function sweep(rt) {
  if (!rt.available || !rt.root) return;
  const ids = new Set(rt.live);
  try { for (const e of fs.readdirSync(rt.root)) if (e.startsWith(idPrefix)) ids.add(e); } catch (e) { /* none */ }
  for (const id of ids) {
    let r = runSync(rt, ['delete', '--force', id]);
    if (!r.ok) {
      runSync(rt, ['kill', id, 'KILL']);
      r = runSync(rt, ['delete', '--force', id]);
    }
    if (r.ok || !fs.existsSync(path.join(rt.root, id))) rt.live.delete(id);
    else process.stderr.write(`bench: could not delete ${rt.name} container ${id}: ${r.err}\n`);
  }
}

// ---------------------------------------------------------------- setup

function setupWork() {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-bench-'));
  devnull = fs.openSync('/dev/null', 'r+');
  if (!fs.existsSync(path.join(BASE_BUNDLE, 'rootfs', 'bin', 'busybox'))) {
    log('bundles/busybox/rootfs is missing: building it with bundles/busybox/build.sh');
    const r = spawnSync('sh', [path.join(BASE_BUNDLE, 'build.sh')], { stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`bundles/busybox/build.sh failed: ${errorLine(r.stderr)}`);
  }
  // one real-directory copy of the rootfs (runc rejects a symlinked rootfs),
  // read-only in every container, shared by all bundles
  const rootfs = path.join(work, 'rootfs');
  fs.mkdirSync(rootfs);
  const cp = spawnSync('cp', ['-a', path.join(BASE_BUNDLE, 'rootfs') + '/.', rootfs + '/'], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (cp.status !== 0) throw new Error(`cp rootfs: ${errorLine(cp.stderr)}`);
  const base = JSON.parse(fs.readFileSync(path.join(BASE_BUNDLE, 'config.json'), 'utf8'));
  const bundle = (name, args) => {
    const dir = path.join(work, name);
    fs.mkdirSync(dir);
    const c = JSON.parse(JSON.stringify(base));
    c.ociVersion = BENCH_OCI_VERSION;
    c.process.args = args;
    c.process.terminal = false;
    delete c.process.consoleSize;
    c.root = { path: rootfs, readonly: true };
    delete c.hooks;
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(c, null, 2));
    return dir;
  };
  const out = { trueBundle: bundle('bundle-true', ['/bin/true']), sleepBundle: bundle('bundle-sleep', ['/bin/sleep', '1000']) };
  // podman's default seccomp profile, as podman sends it (no_new_privs off, as podman's default).
  const profile = podmanProfile();
  if (profile) {
    const withProfile = (name, args) => {
      const dir = bundle(name, args);
      const c = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
      c.linux.seccomp = profile;
      c.process.noNewPrivileges = false;
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(c, null, 2));
      return dir;
    };
    out.seccompBundle = withProfile('bundle-seccomp', ['/bin/true']);
    out.seccompSleepBundle = withProfile('bundle-seccomp-sleep', ['/bin/sleep', '1000']);
    out.seccompProfile = profile;
  }
  return out;
}

function hybridWithV2Controllers() {
  const c = readText('/sys/fs/cgroup/unified/cgroup.controllers');
  return c !== null && c.trim() !== '';
}

// Start the helper holding a mount namespace without /sys/fs/cgroup/unified.
// It is `cat` reading a pipe from us, so it also ends if we die.
function startCrunHelper() {
  const unshare = which('unshare');
  const nsenter = which('nsenter');
  if (!unshare) return { error: 'unshare (util-linux) is not installed' };
  const fallback = [unshare, '--mount', '--propagation', 'private', '--', 'sh', '-c',
    'umount -l /sys/fs/cgroup/unified 2>/dev/null; exec "$0" "$@"'];
  if (!nsenter) return { wrap: fallback, how: 'unshare --mount + umount per command (nsenter is not installed)' };
  const errFile = path.join(work, 'crun-helper.stderr');
  const errFd = fs.openSync(errFile, 'w');
  helper = spawn(unshare, ['--mount', '--propagation', 'private', '--', 'sh', '-c',
    'umount -l /sys/fs/cgroup/unified && exec cat'], { stdio: ['pipe', 'ignore', errFd] });
  fs.closeSync(errFd);
  helper.on('error', () => {});
  helper.stdin.on('error', () => {});
  helper.unref();
  helper.stdin.unref && helper.stdin.unref();
  const self = fs.readlinkSync('/proc/self/ns/mnt');
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    let ns = null;
    try { ns = fs.readlinkSync(`/proc/${helper.pid}/ns/mnt`); } catch (e) { break; }
    const comm = (readText(`/proc/${helper.pid}/comm`) || '').trim();
    if (ns !== self && comm === 'cat') {
      const mi = readText(`/proc/${helper.pid}/mountinfo`) || '';
      if (!/ \/sys\/fs\/cgroup\/unified /.test(mi)) {
        return { wrap: [nsenter, `--mount=/proc/${helper.pid}/ns/mnt`], how: '`nsenter --mount` into the mount namespace of a helper process where /sys/fs/cgroup/unified is detached' };
      }
    }
    sleepMs(20);
  }
  const why = errorLine(readText(errFile)) || 'helper did not come up';
  killHelper();
  return { error: `cannot hide /sys/fs/cgroup/unified from crun: ${why}` };
}

function killHelper() {
  if (!helper) return;
  try { helper.stdin.destroy(); } catch (e) { /* ignore */ }
  try { process.kill(helper.pid, 'SIGKILL'); } catch (e) { /* gone */ }
  helper = null;
}

function firstLine(file, args) {
  const r = spawnSync(file, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: TIMEOUT_MS });
  if (r.status !== 0) return null;
  return r.stdout.toString().split('\n')[0].trim();
}

function setupRuntimes() {
  const add = (name, bin) => {
    const rt = { name, bin, available: true, reason: null, wrap: null, live: new Set(), version: null };
    if (!bin || !isExecutable(bin)) {
      rt.available = false;
      rt.reason = `${bin} is not installed`;
    }
    runtimes.push(rt);
    return rt;
  };
  add('tsrun', opts.tsrun);
  add('runc', which(opts.runc) || opts.runc);
  const crun = add('crun', which(opts.crun) || opts.crun);
  if (crun.available && hybridWithV2Controllers()) {
    const h = startCrunHelper();
    if (h.error) { crun.available = false; crun.reason = h.error; } else { crun.wrap = h.wrap; crun.wrapHow = h.how; }
  }
  for (const rt of runtimes) {
    if (!rt.available) { log(`${rt.name}: skipped: ${rt.reason}`); notes.push(`${rt.name} was skipped: ${rt.reason}.`); continue; }
    rt.root = path.join(work, rt.name, 'root');
    fs.mkdirSync(rt.root, { recursive: true });
    rt.errFile = path.join(work, `${rt.name}.stderr`);
    rt.errFd = fs.openSync(rt.errFile, 'a+');
    const v = runSync(rt, ['--version'], { root: false, capture: true });
    rt.version = v.ok ? v.stdout.split('\n').filter(Boolean).join('; ') : `(--version failed: ${v.err})`;
  }
  const nodeBin = which('node') || process.execPath;
  const floor = {
    name: 'floor', floor: true, bin: nodeBin, args: ['-e', '0'], available: true, live: new Set(),
    errFile: path.join(work, 'floor.stderr'),
  };
  floor.errFd = fs.openSync(floor.errFile, 'a+');
  floor.version = firstLine(nodeBin, ['--version']);
  // Node's start-up without the two variables tsrun's #! line drops: where
  // NODE_EXTRA_CA_CERTS is set, the floor above includes parsing its CA
  // bundle, which tsrun skips, and this one does not.
  floor.bare = {
    name: 'bare', floor: true, bin: which('env') || '/usr/bin/env',
    args: ['-u', 'NODE_EXTRA_CA_CERTS', '-u', 'NODE_OPTIONS', nodeBin, '-e', '0'], available: true, live: new Set(),
    errFile: path.join(work, 'bare.stderr'),
  };
  floor.bare.errFd = fs.openSync(floor.bare.errFile, 'a+');
  return floor;
}

// ---------------------------------------------------------------- scenarios

// Each simple scenario: sample(rt) returns ms or {main, part...} (ms), with
// any untimed set-up and tear-down inside; setup(rt)/teardown(rt) run once
// per runtime around the iterations. The floor (`node -e 0`) takes part in
// the rotation of every scenario that has floor: true.
function scenarios(b) {
  const T = (rt, args, o) => must(rt, args, o).ms;
  return [
    {
      id: 'version', title: '`--version`', unit: 'ms', floor: true, target: { bare: 1.15 },
      sample: (rt) => T(rt, ['--version'], { root: false }),
    },
    {
      id: 'run', title: '`run` of /bin/true', unit: 'ms', floor: true, target: { bare: 2.0 },
      sample: (rt, ctx) => {
        const id = newId(rt);
        rt.live.add(id);
        const ms = T(rt, ['run', '--bundle', b.trueBundle, id]);
        if (fs.existsSync(path.join(rt.root, id))) {
          ctx.leftover[rt.name] = (ctx.leftover[rt.name] || 0) + 1;
          destroy(rt, id);
        } else rt.live.delete(id);
        return ms;
      },
      after: (ctx) => {
        for (const [name, n] of Object.entries(ctx.leftover)) notes.push(`\`run\`: ${name} left the container behind ${n} time(s) (deleted untimed with \`delete --force\`).`);
      },
    },
    {
      id: 'create', title: '`create` of a /bin/true container', unit: 'ms', floor: true, target: { bare: 1.6 },
      sample: (rt) => {
        const id = newId(rt);
        const ms = create(rt, b.trueBundle, id).ms;
        destroy(rt, id);
        return ms;
      },
    },
    ...(b.seccompBundle ? [{
      id: 'create-seccomp', title: '`create` of a /bin/true container with podman\'s default seccomp profile', unit: 'ms', floor: true, target: null,
      sample: (rt) => {
        const id = newId(rt);
        const ms = create(rt, b.seccompBundle, id).ms;
        destroy(rt, id);
        return ms;
      },
    }] : []),
    {
      id: 'start', title: '`start` of a created container', unit: 'ms', floor: true, target: { bare: 1.15 },
      sample: (rt) => {
        const id = newId(rt);
        create(rt, b.trueBundle, id);
        const ms = T(rt, ['start', id]);
        destroy(rt, id);
        return ms;
      },
    },
    {
      id: 'state', title: '`state` of a created container', unit: 'ms', floor: true, target: { bare: 1.15 },
      setup: (rt, ctx) => { ctx.id[rt.name] = newId(rt); create(rt, b.trueBundle, ctx.id[rt.name]); },
      sample: (rt, ctx) => T(rt, ['state', ctx.id[rt.name]]),
      teardown: (rt, ctx) => destroy(rt, ctx.id[rt.name]),
    },
    {
      id: 'list', title: '`list` with one container', unit: 'ms', floor: true, target: { bare: 1.15 },
      setup: (rt, ctx) => { ctx.id[rt.name] = newId(rt); create(rt, b.trueBundle, ctx.id[rt.name]); },
      sample: (rt) => T(rt, ['list']),
      teardown: (rt, ctx) => destroy(rt, ctx.id[rt.name]),
    },
    {
      id: 'kill-delete', title: '`kill` + `delete --force` of a running container', unit: 'ms', floor: true,
      target: null,
      parts: [
        { key: 'kill', title: '↳ `kill KILL` of the running container', target: { bare: 1.15 } },
        { key: 'delete', title: '↳ `delete --force` right after it', target: { bare: 1.15 } },
      ],
      sample: (rt) => {
        const id = newId(rt);
        create(rt, b.sleepBundle, id);
        must(rt, ['start', id]);
        const kill = T(rt, ['kill', id, 'KILL']);
        const del = destroy(rt, id).ms;
        return { main: kill + del, kill, delete: del };
      },
    },
    {
      id: 'delete-created', title: '`delete --force` of a created container', unit: 'ms', floor: true,
      target: { bare: 1.15 },
      sample: (rt) => {
        const id = newId(rt);
        create(rt, b.trueBundle, id);
        return destroy(rt, id).ms;
      },
    },
    {
      id: 'create-delete-50', title: '50 containers created, then deleted, in sequence', unit: 'containers/s',
      batch: true, floor: false, target: { timesRunc: 2, higher: true }, async: true,
      sample: async (rt) => {
        const ids = [];
        const t0 = nowNs();
        for (let k = 0; k < 50; k++) { const id = newId(rt); ids.push(id); create(rt, b.trueBundle, id); await tick(); }
        for (const id of ids) { destroy(rt, id); await tick(); }
        return 50 / (msSince(t0) / 1000);
      },
    },
    {
      id: 'parallel-20', title: '20 lifecycles in parallel (create, start, kill, delete): wall time', unit: 'ms',
      batch: true, floor: false, target: { timesRunc: 2, higher: false }, async: true,
      sample: (rt) => parallelLifecycles(rt, b.sleepBundle, 20),
    },
    {
      id: 'rss', title: 'peak RSS of the CLI (`state`)', unit: 'MiB', floor: true, target: { maxValue: 45 }, lowerIsBetter: true,
      parts: [{ key: 'init', title: 'RSS of the container\'s init while `created` (VmRSS)', target: { maxValue: 2 }, noFloor: true }],
      floorSample: (rt) => maxRss(commandFor(rt, []), 'node -e 0') / 1024,
      sample: (rt, ctx) => {
        const id = newId(rt);
        create(rt, b.trueBundle, id);
        const st = statePid(rt, id);
        const status = readText(`/proc/${st.pid}/status`) || '';
        const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
        const name = (/^Name:\s+(.*)$/m.exec(status) || [])[1];
        if (name) ctx.initName[rt.name] = name;
        const cli = maxRss(commandFor(rt, ['state', id]));
        destroy(rt, id);
        if (!m) throw new BenchError(`no VmRSS in /proc/${st.pid}/status`);
        return { main: cli / 1024, init: Number(m[1]) / 1024 };
      },
      after: (ctx) => {
        if (rssTool) notes.push(`Peak RSS read with ${rssTool.name}; the reader's own share, measured on \`true\`, is ${(rssTool.floorKiB / 1024).toFixed(1)} MiB.`);
        const names = Object.entries(ctx.initName).map(([k, v]) => `${k}: \`${v}\``);
        if (names.length) notes.push(`Container init process (its /proc name): ${names.join(', ')}.`);
      },
    },
  ];
}

// Peak RSS (KiB) of a command: the maxrss of a child, as getrusage(RUSAGE_CHILDREN)
// reports it. A child's maxrss includes the memory of its parent that it had
// between fork and exec (the kernel records the old mm's high-water mark at
// exec), so the reader should be small: GNU time (about 1 MiB) rather than
// python3 (about 10 MiB, more than runc or crun use), which is the fallback.
let rssTool = null;
function rssReader() {
  if (rssTool) return rssTool;
  const out = path.join(work, 'maxrss');
  const gnuTime = isExecutable('/usr/bin/time') ? '/usr/bin/time' : null;
  if (gnuTime) {
    const r = spawnSync(gnuTime, ['-f', '%M', '-o', out, which('true') || '/bin/true'], { stdio: 'ignore', timeout: TIMEOUT_MS });
    if (r.status === 0 && /^\d+\s*$/.test(readText(out) || '')) {
      rssTool = {
        name: 'GNU time (`/usr/bin/time -f %M`)',
        run: ([file, argv]) => {
          const t = spawnSync(gnuTime, ['-f', '%M', '-o', out, file, ...argv], { stdio: [devnull, devnull, devnull], timeout: TIMEOUT_MS, killSignal: 'SIGKILL' });
          const lines = (readText(out) || '').trim().split('\n');
          return { status: t.error ? -1 : t.status, kib: Number(lines[lines.length - 1]), err: t.error && t.error.message };
        },
      };
    }
  }
  const py = !rssTool && (which('/usr/bin/python3') || which('python3'));
  if (py) {
    rssTool = {
      name: `python3 (\`${PY_MAXRSS}\`)`,
      run: ([file, argv]) => {
        const r = spawnSync(py, ['-c', PY_MAXRSS, file, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], timeout: TIMEOUT_MS, killSignal: 'SIGKILL' });
        const m = /^(-?\d+) (\d+)\s*$/.exec(r.stdout ? r.stdout.toString() : '');
        if (r.status !== 0 || !m) return { status: -1, err: `python3 failed: ${errorLine(r.stderr) || r.error || r.status}` };
        return { status: Number(m[1]), kib: Number(m[2]) };
      },
    };
  }
  if (!rssTool) throw new BenchError('neither GNU time (/usr/bin/time) nor python3 is installed: cannot read a child\'s peak RSS');
  rssTool.floorKiB = rssTool.run([which('true') || '/bin/true', []]).kib;
  return rssTool;
}

function maxRss(cmd, label = 'state') {
  const tool = rssReader();
  const r = tool.run(cmd);
  if (r.status !== 0 || !Number.isFinite(r.kib) || r.kib <= 0) {
    throw new BenchError(`${label} (for peak RSS): ${r.err || `exit status ${r.status}`}`);
  }
  return r.kib;
}

// One asynchronous command for the parallel scenario, its stderr in a file of
// its own; resolves {ok, err}.
function runAsync(rt, args, errFile) {
  return new Promise((resolve) => {
    const [file, argv] = commandFor(rt, args);
    const errFd = fs.openSync(errFile, 'w');
    let child;
    try {
      child = spawn(file, argv, { stdio: [devnull, devnull, errFd], timeout: TIMEOUT_MS, killSignal: 'SIGKILL' });
    } catch (e) {
      fs.closeSync(errFd);
      resolve({ ok: false, err: e.message });
      return;
    }
    fs.closeSync(errFd);
    inflight.add(child);
    child.on('error', (e) => { inflight.delete(child); resolve({ ok: false, err: e.message }); });
    child.on('exit', (code, signal) => {
      inflight.delete(child);
      if (code === 0) { resolve({ ok: true }); return; }
      const err = errorLine(readText(errFile)) || (signal === 'SIGKILL' ? `killed (timeout ${TIMEOUT_MS / 1000} s?)` : `exit status ${code}`);
      resolve({ ok: false, err });
    });
  });
}

async function parallelLifecycles(rt, bundle, count) {
  const dir = path.join(work, rt.name, 'parallel');
  fs.mkdirSync(dir, { recursive: true });
  const one = async (j) => {
    const id = newId(rt);
    rt.live.add(id);
    const steps = [['create', '--bundle', bundle, id], ['start', id], ['kill', id, 'KILL'], ['delete', '--force', id]];
    for (const [k, args] of steps.entries()) {
      const r = await runAsync(rt, args, path.join(dir, `${j}-${k}.stderr`));
      if (!r.ok) throw new BenchError(`${args[0]}: ${r.err}`);
    }
    rt.live.delete(id);
  };
  const t0 = nowNs();
  const results = await Promise.allSettled(Array.from({ length: count }, (_, j) => one(j)));
  const ms = msSince(t0);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason instanceof BenchError ? failed.reason : new BenchError(String(failed.reason));
  return ms;
}

// ---------------------------------------------------------------- runner

async function runScenario(sc, floor) {
  const n = sc.batch ? opts.batchIterations : opts.iterations;
  const participants = runtimes.filter((r) => r.available).concat(sc.floor ? [floor, floor.bare] : []);
  const ctx = { id: {}, leftover: {}, initName: {} };
  const res = { sc, n, samples: {}, errors: {} };
  const fail = (rt, e) => {
    if (!(e instanceof BenchError)) throw e;
    res.errors[rt.name] = e.message;
    log(`  ${rt.name}: error: ${e.message}`);
    sweep(rt);
  };
  const t0 = Date.now();
  log(`${sc.id}: ${sc.title} (${n} × ${participants.map((p) => p.name).join(', ')})`);
  for (const rt of participants) {
    res.samples[rt.name] = {};
    if (sc.setup && !rt.floor) { try { sc.setup(rt, ctx); } catch (e) { fail(rt, e); } }
  }
  for (let i = 0; i < n; i++) {
    for (const rt of rotate(participants, i)) {
      if (res.errors[rt.name]) continue;
      await tick();
      try {
        let v;
        if (rt.floor) v = sc.floorSample ? sc.floorSample(rt) : must(rt, []).ms;
        else v = sc.async ? await sc.sample(rt, ctx) : sc.sample(rt, ctx);
        if (typeof v === 'number') v = { main: v };
        for (const [k, x] of Object.entries(v)) (res.samples[rt.name][k] = res.samples[rt.name][k] || []).push(x);
      } catch (e) { fail(rt, e); }
    }
  }
  for (const rt of participants) {
    if (sc.teardown && !rt.floor && !res.errors[rt.name]) { try { sc.teardown(rt, ctx); } catch (e) { fail(rt, e); } }
    if (!rt.floor) sweep(rt);
  }
  if (sc.after) sc.after(ctx);
  res.seconds = (Date.now() - t0) / 1000;
  const med = (name) => { const s = stats((res.samples[name] || {}).main); return s ? s.median.toFixed(sc.unit === 'ms' ? 1 : 2) : (res.errors[name] ? 'error' : '-'); };
  log(`  done in ${res.seconds.toFixed(0)} s; medians: ${participants.map((p) => `${p.name} ${med(p.name)}`).join(', ')} ${sc.unit}`);
  return res;
}

// ---------------------------------------------------------------- report

function fmt(v, unit) {
  if (v === null || v === undefined || Number.isNaN(v)) return '-';
  if (unit === 'MiB') return v.toFixed(1);
  if (unit === 'containers/s') return v.toFixed(1);
  return v < 10 ? v.toFixed(2) : v.toFixed(1);
}

function cell(res, name, key, unit) {
  if (res.errors[name]) return `error: ${res.errors[name].replace(/\|/g, '\\|')}`;
  const s = stats((res.samples[name] || {})[key]);
  if (!s) return '-';
  return `${fmt(s.median, unit)} (${fmt(s.min, unit)}–${fmt(s.max, unit)})`;
}

function medianOf(res, name, key) {
  if (!res || res.errors[name]) return null;
  const s = stats((res.samples[name] || {})[key]);
  return s ? s.median : null;
}

function ratio(a, b) {
  return a === null || b === null || b === 0 ? null : a / b;
}

/**
 * a/b as the median of the per-iteration ratios: an iteration measures every
 * runtime and the floor back to back, so a slow phase of the machine (this
 * one's floor moves between about 60 and 90 ms from minute to minute) is on
 * both sides of each ratio and cancels. A ratio of medians does not cancel
 * it when the samples fall into such phases: --version, which is Node's
 * start-up and a print, came out at 1.18 that way in one run. Falls back to
 * the ratio of medians when a side lost samples to an error.
 */
function pairedRatio(res, a, keyA, b, keyB) {
  if (!res || res.errors[a] || res.errors[b]) return null;
  const xs = (res.samples[a] || {})[keyA];
  const ys = (res.samples[b] || {})[keyB];
  if (!xs || !ys || !xs.length) return null;
  if (xs.length !== ys.length) return ratio(medianOf(res, a, keyA), medianOf(res, b, keyB));
  return median(xs.map((x, i) => x / ys[i]));
}

function rows(results) {
  const out = [];
  const names = ['tsrun', 'runc', 'crun'];
  for (const res of results) {
    const sc = res.sc;
    const lines = [{ key: 'main', title: sc.title, target: sc.target, noFloor: !sc.floor }, ...(sc.parts || [])];
    for (const l of lines) {
      const ts = medianOf(res, 'tsrun', l.key);
      const floorKey = l.noFloor || !sc.floor ? null : (res.samples.floor && res.samples.floor[l.key] ? l.key : 'main');
      const fl = floorKey ? medianOf(res, 'bare', floorKey) : null;
      const r = {
        title: `${l.title} (${sc.unit})`,
        cells: names.map((n) => (runtimes.find((x) => x.name === n && x.available) ? cell(res, n, l.key, sc.unit) : 'skipped')),
        floor: floorKey ? cell(res, 'floor', floorKey, sc.unit) : '',
        vsRunc: pairedRatio(res, 'tsrun', l.key, 'runc', l.key),
        vsCrun: pairedRatio(res, 'tsrun', l.key, 'crun', l.key),
        vsFloor: floorKey ? pairedRatio(res, 'tsrun', l.key, 'floor', floorKey) : null,
        bare: floorKey ? cell(res, 'bare', floorKey, sc.unit) : '',
        vsBare: floorKey ? pairedRatio(res, 'tsrun', l.key, 'bare', floorKey) : null,
        ofMedians: floorKey ? ratio(ts, fl) : null,
        target: '', met: '',
      };
      const t = l.target;
      if (t) {
        if (t.bare !== undefined) {
          r.target = `≤ ${t.bare}× bare Node`;
          r.met = r.vsBare === null ? (res.errors.tsrun ? 'not met (error)' : 'n/a') : (r.vsBare <= t.bare ? 'met' : 'not met');
        } else if (t.timesRunc !== undefined) {
          // Containers/s: at least timesRunc times runc's; a wall time: at most timesRunc times runc's.
          r.target = t.higher ? `≥ ${t.timesRunc}× runc` : `≤ ${t.timesRunc}× runc`;
          r.met = r.vsRunc === null ? (res.errors.tsrun ? 'not met (error)' : 'n/a')
            : (t.higher ? r.vsRunc >= t.timesRunc : r.vsRunc <= t.timesRunc) ? 'met' : 'not met';
        } else if (t.fasterThan) {
          r.target = `faster than ${t.fasterThan}`;
          r.met = r.vsRunc === null ? (res.errors.tsrun ? 'not met (error)' : 'n/a') : (r.vsRunc < 1 ? 'met' : 'not met');
        } else if (t.higherThan) {
          r.target = `higher than ${t.higherThan}`;
          r.met = r.vsRunc === null ? (res.errors.tsrun ? 'not met (error)' : 'n/a') : (r.vsRunc > 1 ? 'met' : 'not met');
        } else if (t.maxValue !== undefined) {
          r.target = `≤ ${t.maxValue} ${sc.unit}`;
          r.met = ts === null ? (res.errors.tsrun ? 'not met (error)' : 'n/a') : (ts <= t.maxValue ? 'met' : 'not met');
        }
      }
      out.push(r);
    }
  }
  return out;
}

function table(results) {
  const rf = (x) => (x === null ? '-' : x.toFixed(2));
  const head = ['Scenario', 'tsrun', 'runc', 'crun', 'bare Node (the floor)', '`node -e 0` here', 'tsrun/runc', 'tsrun/crun', 'tsrun/bare', 'tsrun/`node -e 0`', 'Target', 'Met'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((h, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`];
  for (const r of rows(results)) {
    lines.push(`| ${[r.title, ...r.cells, r.bare || '', r.floor || '', rf(r.vsRunc), rf(r.vsCrun), rf(r.vsBare), rf(r.vsFloor), r.target || '', r.met || ''].join(' | ')} |`);
  }
  return lines.join('\n');
}

function machine(floor) {
  const cpu = readText('/proc/cpuinfo') || '';
  const model = (/^model name\s*:\s*(.*)$/m.exec(cpu) || [])[1] || 'unknown';
  const nproc = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  let commit = '';
  const g = spawnSync('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] });
  if (g.status === 0) {
    const d = spawnSync('git', ['-C', REPO, 'status', '--porcelain', '--untracked-files=no', '--', 'src'], { stdio: ['ignore', 'pipe', 'ignore'] });
    commit = `commit ${g.stdout.toString().trim()}${d.stdout && d.stdout.toString().trim() ? ' + uncommitted changes in src/' : ''}`;
  }
  const rt = (n) => runtimes.find((r) => r.name === n);
  return [
    `- CPU: ${nproc} × ${model} (nproc ${nproc}); memory ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; load average ${loadAtStart} at the start, ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} at the end`,
    `- Kernel: Linux ${os.release()}; cgroups: ${hybridWithV2Controllers() ? 'v1 hybrid (cgroup2 at /sys/fs/cgroup/unified has controllers)' : fs.existsSync('/sys/fs/cgroup/cgroup.controllers') ? 'v2 unified' : 'v1'}`,
    `- Node: ${floor.version} (${floor.bin}; the floor and tsrun's \`#!/usr/bin/env -S … node\`)`,
    `- Environment: NODE_EXTRA_CA_CERTS ${process.env.NODE_EXTRA_CA_CERTS ? `set (${process.env.NODE_EXTRA_CA_CERTS})` : 'not set'}; NODE_OPTIONS ${process.env.NODE_OPTIONS ? 'set' : 'not set'}`,
    `- tsrun: ${rt('tsrun').available ? `${rt('tsrun').version} (${rt('tsrun').bin}${commit ? `, ${commit}` : ''})` : `not run: ${rt('tsrun').reason}`}`,
    `- runc: ${rt('runc').available ? `${rt('runc').version} (${rt('runc').bin})` : `not run: ${rt('runc').reason}`}`,
    `- crun: ${rt('crun').available ? `${rt('crun').version} (${rt('crun').bin})` : `not run: ${rt('crun').reason}`}`,
  ].join('\n');
}

function report(results, floor, extraNotes, seccomp, timing) {
  const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const total = (Date.now() - t0Run) / 1000;
  const out = [];
  out.push('# tsrun benchmarks', '');
  out.push('Generated by `node test/bench/bench.js` (`npm run bench`); rerun it to refresh this file.', '');
  out.push('What is measured: the wall-clock time of each runtime\'s command line, from spawning the command (Node\'s '
    + '`spawnSync`, stdio on /dev/null or a file) to its exit, timed with `process.hrtime.bigint()`, on the busybox '
    + 'bundle (`bundles/busybox`, copied to a temporary directory with `ociVersion` '
    + `${BENCH_OCI_VERSION}, \`terminal: false\`, a read-only root and \`/bin/true\` or \`/bin/sleep 1000\` as the process). `
    + 'Every runtime has its own `--root` in that directory. The runtimes are interleaved: each iteration runs the '
    + 'scenario once per runtime, in an order that rotates from one iteration to the next, so that drift on a busy '
    + 'machine hits all of them alike. The floor is **bare Node**: `node -e 0` (starting Node and doing nothing) started '
    + 'as a user\'s machine starts it and as tsrun starts Node, through `env -u NODE_EXTRA_CA_CERTS -u NODE_OPTIONS` (see '
    + 'bin/tsrun), measured in the same rotation; tsrun/bare says how much tsrun costs beyond starting Node, and the '
    + 'targets are on it. The column after it is `node -e 0` as it starts in this environment: where NODE_EXTRA_CA_CERTS '
    + 'is set, Node reads and parses that CA bundle before running any code, which tsrun and bare Node skip. '
    + 'Cells are median (min–max) over the '
    + 'iterations. A ratio is the median over the iterations of the ratio within each iteration (both sides measured '
    + 'back to back, so a slow phase of the machine cancels); the targets are judged on it. The ratio of the medians '
    + 'is in the notes.', '');
  out.push(`Date: ${date}. Iterations: ${opts.iterations} per runtime per scenario; ${opts.batchIterations} for the `
    + `50-container and 20-parallel scenarios. Whole run: ${Math.round(total)} s.`
    + (opts.only ? ` Scenarios limited by \`--only ${opts.only.source}\`.` : ''), '');
  out.push('Machine:', '', machine(floor), '');
  out.push(table(results), '');
  out.push('Notes:', '');
  const allNotes = [
    'Untimed set-up and tear-down around each sample: `start`, `state`, `list` and `delete --force` of a created container '
    + 'use containers created untimed (`state` and `list` one per runtime for all iterations); every container is removed '
    + 'with `delete --force` untimed except where that is what is measured. `kill` sends SIGKILL to a started '
    + '`sleep 1000` container; the `delete --force` that follows is timed separately, and the combined row is their sum.',
    '50 containers: 50 `create` in sequence, then 50 `delete --force` in sequence; containers/s = 50 / total time '
    + '(higher is better, so the ratio tsrun/runc is better above 1). 20 parallel lifecycles: 20 concurrent chains of '
    + '`create`, `start`, `kill KILL`, `delete --force` of a `sleep 1000` container; wall time from the first spawn to the '
    + 'last exit.',
    'Peak RSS of the CLI: the maxrss of `state` as its parent reads it with getrusage (KiB / 1024; for crun, the larger of '
    + 'nsenter and crun); the floor column is `node -e 0` read the same way. Init RSS: VmRSS of the pid in `state` while the container is `created`, '
    + 'i.e. the process waiting to exec /bin/true (tsrun\'s init, `runc init`, crun\'s own process).',
    ...extraNotes, ...notes, ...ofMediansNote(results),
  ];
  for (const n of allNotes) out.push(`- ${n}`);
  out.push('');
  if (timing) out.push('## Where a `create` spends its time', '', ...timing, '');
  if (seccomp) out.push('## Seccomp filters', '', ...seccomp, '');
  return out.join('\n');
}

// tsrun/bare computed the other way, for comparison with the paired ratio.
function ofMediansNote(results) {
  const parts = rows(results).filter((r) => r.ofMedians !== null).map((r) => `${r.title.replace(/ \(ms\)$/, '')} ${r.ofMedians.toFixed(2)}`);
  return parts.length ? [`tsrun/bare as the ratio of the two medians instead: ${parts.join('; ')}.`] : [];
}

// tsrun's and the floor's samples whose spread is large next to the median
// (the runtimes in Go and C take a few ms, where any hiccup doubles a sample).
function varianceNotes(results) {
  const out = [];
  for (const res of results) {
    const parts = [];
    for (const name of ['tsrun', 'floor']) {
      const s = stats((res.samples[name] || {}).main);
      if (s && s.n >= 3 && s.median > 0 && (s.max - s.min) / s.median > 0.5) {
        parts.push(`${name} ${fmt(s.min, res.sc.unit)}–${fmt(s.max, res.sc.unit)} (median ${fmt(s.median, res.sc.unit)})`);
      }
    }
    if (parts.length) out.push(`${res.sc.id}: ${parts.join(', ')}`);
  }
  return out.length ? [`Wide spread (max − min above half the median) for tsrun or the floor in: ${out.join('; ')}.`] : [];
}

// Cost of the crun wrapper: nsenter + exec of /bin/true against /bin/true.
function wrapperCost(floor) {
  const crun = runtimes.find((r) => r.name === 'crun');
  if (!crun || !crun.available || !crun.wrap) return [];
  const t = which('true') || '/bin/true';
  const direct = { name: 'true', floor: true, bin: t, args: [], errFd: floor.errFd, errFile: floor.errFile };
  const wrapped = { name: 'wrapped-true', floor: true, bin: crun.wrap[0], args: [...crun.wrap.slice(1), t], errFd: floor.errFd, errFile: floor.errFile };
  const a = [];
  const w = [];
  for (let i = 0; i < 20; i++) {
    const r1 = runSync(direct, []);
    const r2 = runSync(wrapped, []);
    if (!r1.ok || !r2.ok) return [`crun wrapper check failed: ${r1.err || r2.err}`];
    a.push(r1.ms); w.push(r2.ms);
  }
  return [`crun runs through ${crun.wrapHow}, because crun rejects this hybrid cgroup host otherwise; the wrapper adds `
    + `about ${(median(w) - median(a)).toFixed(2)} ms to every crun command (median of 20: ${median(w).toFixed(2)} ms for `
    + `\`${path.basename(crun.wrap[0])} … true\` against ${median(a).toFixed(2)} ms for \`true\`), included in crun's figures.`];
}

// ---------------------------------------------------------------- where create's time goes

const PHASES = [
  ['node', 'Node\'s own start-up, to the end of its bootstrap (Node\'s clock starts at its process start)'],
  ['load', 'loading tsrun (bin/tsrun, the bundle with its code cache, koffi and the libc declarations) and parsing the command line'],
  ['validate', 'reading and validating config.json'],
  ['prepare', 'the state directory, the exec fifo, normalizing the config, compiling seccomp'],
  ['cgroup', 'creating the cgroup (a directory and the limits in each hierarchy) and opening what places the init in it'],
  ['clone', 'the init\'s clone and exec of tsrun-init (and its uid/gid maps)'],
  ['program', 'building, encoding and sending the init\'s program'],
  ['init', 'the init running its program up to the exec fifo, while the CLI waits (with --debug\'s step trace)'],
  ['trace', 'writing --debug\'s step trace to the log (only with --debug)'],
  ['state', 'state.json'],
];

/**
 * tsrun's own account of a `create` (its --debug record "create timing"),
 * median per phase over `count` creates of the /bin/true bundle, with the
 * wall time of those creates and of creates without --debug, alternated,
 * so the cost of the account itself shows.
 */
function timingSection(b, floor, count = 20) {
  const rt = runtimes.find((r) => r.name === 'tsrun' && r.available);
  if (!rt) return ['(tsrun is not available: no timings.)'];
  const logFile = path.join(work, 'timing.log');
  const parts = {};
  const walls = { debug: [], plain: [] };
  for (let i = 0; i < count; i++) {
    for (const mode of i % 2 ? ['plain', 'debug'] : ['debug', 'plain']) {
      const id = newId(rt);
      fs.writeFileSync(logFile, '');
      const flags = mode === 'debug' ? ['--debug', '--log', logFile, '--log-format', 'json'] : [];
      rt.live.add(id);
      const [file, argv] = commandFor(rt, [...flags, 'create', '--bundle', b.trueBundle, id]);
      const t0 = nowNs();
      const r = spawnSync(file, argv, { stdio: [devnull, devnull, rt.errFd] });
      const ms = msSince(t0);
      destroy(rt, id);
      if (r.status !== 0) return [`(create failed: ${errorLine(readText(rt.errFile))})`];
      walls[mode].push(ms);
      if (mode !== 'debug') continue;
      const line = (readText(logFile) || '').split('\n').map((l) => { try { return JSON.parse(l).msg; } catch { return ''; } })
        .find((m) => m && m.startsWith('create timing (ms): '));
      if (!line) return ['(tsrun wrote no "create timing" record with --debug)'];
      for (const part of line.slice('create timing (ms): '.length).split(', ')) {
        const [name, v] = part.split(' ');
        (parts[name] ??= []).push(Number(v));
      }
    }
  }
  // Bare Node the same way: its bootstrap and its clock at its last line, against its wall time.
  const bare = { boot: [], end: [], wall: [] };
  const script = 'const { performance: p } = require("perf_hooks"); '
    + 'require("fs").writeSync(1, JSON.stringify({ boot: p.nodeTiming.bootstrapComplete, end: p.now() }))';
  for (let i = 0; i < count; i++) {
    const t0 = nowNs();
    // floor.bare's command, with this script in place of `0`.
    const r = spawnSync(floor.bare.bin, [...floor.bare.args.slice(0, -1), script], { stdio: [devnull, 'pipe', 'ignore'] });
    const ms = msSince(t0);
    if (r.status !== 0) return ['(bare Node failed to report its clock)'];
    const { boot, end } = JSON.parse(r.stdout.toString());
    bare.boot.push(boot); bare.end.push(end); bare.wall.push(ms);
  }
  const sum = PHASES.reduce((n, [k]) => n + median(parts[k] || [0]), 0);
  const wall = median(walls.debug);
  const f2 = (x) => x.toFixed(2);
  return [
    `tsrun's own account of \`create\` of the /bin/true bundle: the record its \`--debug\` writes ("create timing", `
      + 'src/container/create.ts), median of each phase over ' + `${count} creates. Node's clock (performance.now()) starts when `
      + 'the Node process starts; the time before it (the `env -S` of the shebang, the exec of node) and after the last phase '
      + '(the exit) is the wall time minus the phases. Bare Node is measured the same way: `node -e` writing its own clock '
      + `at its last line, ${count} times.`,
    '',
    '| phase | tsrun `create` (ms) | bare Node (ms) | what it is |',
    '| --- | ---: | ---: | --- |',
    ...PHASES.map(([k, what]) => `| ${k} | ${parts[k] ? f2(median(parts[k])) : '-'} | ${k === 'node' ? f2(median(bare.boot)) : ''} | ${what} |`),
    `| sum of the phases | ${f2(sum)} | ${f2(median(bare.end))} | to the last line |`,
    `| wall time | ${f2(wall)} | ${f2(median(bare.wall))} | from the spawn to the exit, as in the table above |`,
    `| outside Node's clock | ${f2(wall - sum)} | ${f2(median(bare.wall) - median(bare.end))} | env, exec of node, the exit |`,
    `| wall time without --debug, alternated with the above | ${f2(median(walls.plain))} | | the account and the step trace cost the difference |`,
    '',
    'docs/design.md reads these numbers: what limits `create` and `run`, and what would lower it.',
  ];
}

// ---------------------------------------------------------------- seccomp filters

/**
 * The filter each runtime loads for podman's default profile, read back
 * from a running container (PTRACE_SECCOMP_GET_FILTER, test/seccomp/
 * dump-filter.c built with gcc), and what it costs each syscall: the
 * instructions a cBPF interpreter runs for a few syscalls and on average
 * over every x86_64 syscall number. And the time tsrun takes to compile
 * the profile.
 */
function seccompSection(b) {
  if (!b.seccompProfile) return ['(podman\'s default profile, /usr/share/containers/seccomp.json, is not installed: no seccomp figures.)'];
  const bpf = require(path.join(REPO, 'dist', 'seccomp', 'bpf.js'));
  const { X86_64 } = require(path.join(REPO, 'dist', 'seccomp', 'tables.js'));
  const { AUDIT_ARCH_X86_64 } = require(path.join(REPO, 'dist', 'seccomp', 'profile.js'));
  const dumper = path.join(work, 'dump-filter');
  const cc = spawnSync('gcc', ['-O2', '-o', dumper, path.join(REPO, 'test', 'seccomp', 'dump-filter.c')], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (cc.status !== 0) return [`(gcc could not build test/seccomp/dump-filter.c: ${errorLine(cc.stderr)})`];
  const names = ['tsrun', 'runc', 'crun'];
  const filters = {};
  for (const name of names) {
    const rt = runtimes.find((r) => r.name === name && r.available);
    if (!rt) continue;
    const id = newId(rt);
    try {
      create(rt, b.seccompSleepBundle, id);
      must(rt, ['start', id]);
      const d = spawnSync(dumper, [String(statePid(rt, id).pid)], { stdio: ['ignore', 'pipe', 'pipe'] });
      filters[name] = d.status === 0 ? bpf.decode(d.stdout) : `error: ${errorLine(d.stderr)}`;
    } catch (e) {
      filters[name] = `error: ${e.message}`;
    } finally {
      destroy(rt, id);
    }
  }
  const max = Math.max(...Object.values(X86_64));
  const steps = (prog, nr) => bpf.run(prog, { arch: AUDIT_ARCH_X86_64, nr }).steps;
  const row = (title, f) => `| ${title} | ${names.map((n) => (Array.isArray(filters[n]) ? f(filters[n]) : filters[n] ?? 'skipped')).join(' | ')} |`;
  const mean = (prog) => {
    let sum = 0;
    for (let nr = 0; nr <= max; nr++) sum += steps(prog, nr);
    return (sum / (max + 1)).toFixed(1);
  };
  // Compiling: once in a fresh Node (loading the compiler and its tables
  // included), then 50 times warm.
  const script = `const t0 = process.hrtime.bigint();
const { compileSeccomp } = require(${JSON.stringify(path.join(REPO, 'dist', 'seccomp', 'compile.js'))});
const p = JSON.parse(require('fs').readFileSync(0, 'utf8'));
compileSeccomp(p);
const cold = Number(process.hrtime.bigint() - t0) / 1e6;
const warm = [];
for (let i = 0; i < 50; i++) { const t = process.hrtime.bigint(); compileSeccomp(p); warm.push(Number(process.hrtime.bigint() - t) / 1e6); }
warm.sort((a, b) => a - b);
console.log(JSON.stringify({ cold, warm: warm[25] }));`;
  const colds = [];
  const warms = [];
  for (let i = 0; i < 10; i++) {
    const r = spawnSync(process.execPath, ['-e', script], { input: JSON.stringify(b.seccompProfile), stdio: ['pipe', 'pipe', 'pipe'] });
    if (r.status !== 0) return [`(compiling the profile failed: ${errorLine(r.stderr)})`];
    const { cold, warm } = JSON.parse(r.stdout.toString());
    colds.push(cold);
    warms.push(warm);
  }
  const rules = b.seccompProfile.syscalls.reduce((n, r) => n + r.names.length, 0);
  return [
    `podman's default profile (/usr/share/containers/seccomp.json for podman's default capabilities: ${rules} syscall names, `
      + `architectures ${b.seccompProfile.architectures.join(', ')}), loaded by each runtime for a running container and read back `
      + 'with PTRACE_SECCOMP_GET_FILTER (test/seccomp/dump-filter.c). "Instructions run" is what the kernel\'s cBPF interpreter '
      + 'executes for that x86_64 syscall, counted by tsrun\'s interpreter (src/seccomp/bpf.ts) on the filter as loaded.',
    '',
    '| podman\'s default profile | tsrun | runc | crun |',
    '| --- | ---: | ---: | ---: |',
    row('filter length (instructions)', (p) => String(p.length)),
    ...['getpid', 'read', 'futex'].map((n) => row(`instructions run for \`${n}\` (nr ${X86_64[n]})`, (p) => String(steps(p, X86_64[n])))),
    row(`mean instructions run over x86_64 syscalls 0–${max}`, mean),
    '',
    `Compiling the profile in tsrun (src/seccomp/compile.ts): ${median(colds).toFixed(1)} ms in a fresh Node process, loading the `
      + `compiler and its syscall tables included (median of 10, ${Math.min(...colds).toFixed(1)}–${Math.max(...colds).toFixed(1)}); `
      + `${median(warms).toFixed(2)} ms once loaded (median of 50, in each of those processes; median of those medians).`,
  ];
}

// ---------------------------------------------------------------- cleanup

let cleaned = false;
function cleanup() {
  if (cleaned) return;
  cleaned = true;
  for (const c of inflight) { try { c.kill('SIGKILL'); } catch (e) { /* gone */ } }
  if (inflight.size) sleepMs(200);
  for (const rt of runtimes) {
    try { sweep(rt); } catch (e) { process.stderr.write(`bench: cleanup of ${rt.name}: ${e.message}\n`); }
  }
  killHelper();
  if (work) {
    const mi = readText('/proc/self/mountinfo') || '';
    if (mi.split('\n').some((l) => (l.split(' ')[4] || '').startsWith(work + '/'))) {
      process.stderr.write(`bench: mounts remain under ${work}: not removing it\n`);
    } else {
      try { fs.rmSync(work, { recursive: true, force: true }); } catch (e) { process.stderr.write(`bench: rm ${work}: ${e.message}\n`); }
    }
  }
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    process.stderr.write(`bench: ${sig}: cleaning up\n`);
    cleanup();
    process.exit(128 + os.constants.signals[sig]);
  });
}
process.on('exit', cleanup);

// ---------------------------------------------------------------- main

async function main() {
  if (process.getuid && process.getuid() !== 0) {
    process.stderr.write('bench: must run as root (the runtimes create containers)\n');
    return 1;
  }
  const bundles = setupWork();
  const floor = setupRuntimes();
  const all = scenarios(bundles);
  const chosen = all.filter((s) => !opts.only || opts.only.test(s.id));
  if (chosen.length === 0 && !(opts.only && (opts.only.test('seccomp') || opts.only.test('timing')))) {
    process.stderr.write(`bench: --only ${opts.only.source} matches no scenario (${all.map((s) => s.id).join(', ')})\n`);
    return 2;
  }
  const extra = wrapperCost(floor);
  const results = [];
  for (const sc of chosen) results.push(await runScenario(sc, floor));
  const dc = results.find((r) => r.sc.id === 'delete-created');
  if (dc && medianOf(dc, 'runc', 'main') > 100) {
    extra.push('runc (1.1) answers `delete --force` of a created container by sending SIGKILL and then sleeping 100 ms '
      + 'before it checks that the init is gone (killContainer in its delete.go), hence its 100+ ms there and its low '
      + '50-container throughput; crun waits for the process instead.');
  }
  const timing = !opts.only || opts.only.test('timing') ? timingSection(bundles, floor) : null;
  const seccomp = !opts.only || opts.only.test('seccomp') ? seccompSection(bundles) : null;
  const md = report(results, floor, [...extra, ...varianceNotes(results)], seccomp, timing);
  process.stdout.write(md);
  if (opts.write) {
    fs.writeFileSync(opts.output, md);
    log(`wrote ${path.relative(process.cwd(), opts.output) || opts.output}`);
  } else {
    log(`not writing ${path.relative(process.cwd(), opts.output)}${opts.only ? ' (--only given; add --write to write it)' : ''}`);
  }
  log(`total ${((Date.now() - t0Run) / 1000).toFixed(0)} s`);
  return 0;
}

main().then((code) => { cleanup(); process.exitCode = code; }, (e) => {
  process.stderr.write(`bench: ${e && e.stack ? e.stack : e}\n`);
  cleanup();
  process.exitCode = 1;
});
