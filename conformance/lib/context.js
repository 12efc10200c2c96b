'use strict';
// The per-case, per-runtime context handed to every case's run(ctx).
// It writes bundles, drives the runtime's CLI, and cleans up afterwards.
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const proc = require('./proc');
const A = require('./assert');
const B = require('./bundle');

const ENV_KEY = 'CONFORMANCE_CASE';
// Where a case's host output directory is bind-mounted inside the container.
// /home exists (empty) in the busybox rootfs, so the shared read-only rootfs
// can be used without creating a mount point in it.
const OUT = '/home';

class CaseContext {
  constructor({ caseDef, runtime, workRoot, keep }) {
    this.caseDef = caseDef;
    this.runtime = runtime;
    this.short = caseDef.id.split('/').pop().replace(/[^a-zA-Z0-9-]/g, '-').slice(0, 24);
    this.tag = `${this.short}-${crypto.randomBytes(3).toString('hex')}`;
    this.id = `conf-${this.tag}`;
    this.dir = path.join(workRoot, runtime.name, 'bundles', caseDef.id.replace(/[^a-zA-Z0-9.-]/g, '_'));
    this.stateRoot = runtime.stateDir;
    this.envEntry = `${ENV_KEY}=${this.tag}`;
    this.keep = keep;
    this.children = new Set();
    this.ids = new Set();
    this.pids = new Set();
    this.holders = [];
    this.hostMounts = [];
    this.extraCgroups = new Set();
    this.aborted = false;
    this.log = [];
    this.OUT = OUT;
    fs.rmSync(this.dir, { recursive: true, force: true });
    fs.mkdirSync(this.dir, { recursive: true });
  }

  // ---------- configuration and bundles ----------

  // A fresh copy of the base config, adjusted for this case.
  config(id = this.id) {
    const c = B.baseConfig();
    c.ociVersion = B.CASE_OCI_VERSION;
    c.root.path = B.BASE_ROOTFS;
    c.process.args = ['sleep', '60'];
    c.process.env = (c.process.env || []).concat([this.envEntry]);
    c.linux.cgroupsPath = `/conformance/${id}`;
    return c;
  }

  // Path under this case's directory.
  path(...p) { return path.join(this.dir, ...p); }

  // A host directory under the case directory, with optional files in it.
  hostDir(name, files) {
    const d = this.path(name);
    fs.mkdirSync(d, { recursive: true });
    if (files) B.writeFiles(d, files);
    return d;
  }

  // Add a bind mount of host `src` at container `dest`.
  bind(cfg, src, dest, options = []) {
    cfg.mounts.push({ destination: dest, type: 'bind', source: src, options: ['rbind'].concat(options) });
    return cfg;
  }

  // Add this case's output directory (host ctx.path('out')) at OUT.
  withOut(cfg, options = []) {
    this.hostDir('out');
    return this.bind(cfg, this.path('out'), OUT, options);
  }

  outFile(name) { return proc.readText(this.path('out', name)); }

  // Write a bundle. `mutate(cfg, b)` edits the config in place (or returns a new one).
  // opts: {name, copyRootfs, rootfsFiles, relativeRoot, raw (config.json text), noConfig, id}
  bundle(mutate, opts = {}) {
    const name = opts.name || '';
    const dir = name ? this.path(name) : this.dir;
    fs.mkdirSync(dir, { recursive: true });
    const id = opts.id || (name ? `${this.id}-${name}` : this.id);
    const b = {
      dir, id,
      pidFile: path.join(dir, 'init.pid'),
      stdoutFile: path.join(dir, 'stdout.txt'),
      stderrFile: path.join(dir, 'stderr.txt'),
      rootfs: B.BASE_ROOTFS,
      pid: null,
    };
    let cfg = this.config(id);
    if (opts.copyRootfs || opts.rootfsFiles || opts.relativeRoot) {
      b.rootfs = path.join(dir, 'rootfs');
      fs.mkdirSync(b.rootfs, { recursive: true });
      B.copyRootfs(b.rootfs);
      if (opts.rootfsFiles) B.writeFiles(b.rootfs, opts.rootfsFiles);
      cfg.root.path = opts.relativeRoot ? 'rootfs' : b.rootfs;
    }
    if (opts.files) B.writeFiles(dir, opts.files);
    if (mutate) { const r = mutate(cfg, b); if (r !== undefined) cfg = r; }
    b.config = cfg;
    if (opts.raw !== undefined) fs.writeFileSync(path.join(dir, 'config.json'), opts.raw);
    else if (!opts.noConfig) fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(cfg, null, 2));
    return b;
  }

  // ---------- driving the runtime ----------

  checkAborted() { if (this.aborted) throw new A.CaseFailure('aborted: case timed out'); }

  async rt(args, opts = {}) {
    this.checkAborted();
    const r = this.runtime;
    const full = [...r.prefix, '--root', this.stateRoot, ...args];
    let pid = null;
    const entry = this.log.push(`${r.name} ${args.join(' ')} -> (still running)`) - 1;
    const res = await proc.run(r.bin, full, {
      stdio: opts.stdio, input: opts.input, cwd: opts.cwd, timeoutMs: opts.timeoutMs,
      onSpawn: (c) => { pid = c.pid; if (pid) this.children.add(pid); },
    });
    if (pid) this.children.delete(pid);
    const errText = (res.stderr || '').trim().split('\n').slice(-1)[0] || '';
    this.log[entry] = `${r.name} ${args.join(' ')} -> ${res.timedOut ? 'timeout' : res.code}${res.code ? ' ' + errText.slice(0, 200) : ''}`;
    this.checkAborted();
    return res;
  }

  // create, with the container's (and the runtime's) stdout/stderr going to files.
  async create(b, opts = {}) {
    const id = opts.id || b.id;
    const out = fs.openSync(b.stdoutFile, 'w');
    const err = fs.openSync(b.stderrFile, 'w');
    const args = ['create', '--bundle', opts.bundleArg || b.dir];
    if (opts.pidFile !== false) args.push('--pid-file', opts.pidFileArg || b.pidFile);
    args.push(id);
    this.ids.add(id);
    let res;
    try {
      res = await this.rt(args, { stdio: ['ignore', out, err], cwd: opts.cwd });
    } finally {
      fs.closeSync(out); fs.closeSync(err);
    }
    res.stdout = proc.readText(b.stdoutFile) || '';
    res.stderr = proc.readText(b.stderrFile) || '';
    if (res.code === 0) {
      const p = parseInt(proc.readText(b.pidFile) || '', 10);
      if (p > 0) b.pid = p;
      else {
        const st = await this.rt(['state', id]);
        try { b.pid = JSON.parse(st.stdout).pid || null; } catch (e) { /* none */ }
      }
      if (b.pid) this.pids.add(b.pid);
    }
    return res;
  }

  async mustCreate(b, opts) {
    const res = await this.create(b, opts);
    A.succeeded(res, 'create');
    A.ok(b.pid > 0, 'create: expected the container pid (from --pid-file or state), got none');
    return res;
  }

  start(id) { return this.rt(['start', typeof id === 'object' ? id.id : id]); }

  async mustStart(id) {
    const res = await this.start(id);
    A.succeeded(res, 'start');
    return res;
  }

  async state(id) {
    const res = await this.rt(['state', typeof id === 'object' ? id.id : id]);
    A.succeeded(res, 'state');
    try { return JSON.parse(res.stdout); } catch (e) {
      A.fail(`state: expected JSON on stdout, got ${A.show(res.stdout)}`);
    }
    return null;
  }

  kill(id, sig = 'KILL', extra = []) { return this.rt(['kill', ...extra, typeof id === 'object' ? id.id : id, String(sig)]); }

  delete(id, force = false) { return this.rt(['delete', ...(force ? ['--force'] : []), typeof id === 'object' ? id.id : id]); }

  // Wait until the container process has exited (pid gone or zombie).
  async waitExit(b, ms = 10000) {
    if (b.pid) return proc.waitFor(() => !proc.alive(b.pid), ms);
    return proc.waitFor(async () => {
      const r = await this.rt(['state', b.id]);
      try { return JSON.parse(r.stdout).status === 'stopped'; } catch (e) { return false; }
    }, ms, 100);
  }

  async waitStatus(b, status, ms = 5000) {
    let last = null;
    const okk = await proc.waitFor(async () => {
      const r = await this.rt(['state', b.id]);
      try { last = JSON.parse(r.stdout).status; } catch (e) { last = `(no state: ${r.stderr.trim().slice(0, 100)})`; }
      return last === status;
    }, ms, 50);
    if (!okk) A.fail(`state: expected status ${A.show(status)}, got ${A.show(last)}`);
  }

  // create + start a container, wait for its process to exit, return its output.
  async runToExit(mutate, opts = {}) {
    const b = this.bundle(mutate, opts);
    await this.mustCreate(b, opts);
    await this.mustStart(b);
    if (!(await this.waitExit(b, opts.waitMs || 10000))) A.fail('container process did not exit within 10 s');
    await this.delete(b);
    return { stdout: proc.readText(b.stdoutFile) || '', stderr: proc.readText(b.stderrFile) || '', b };
  }

  // Run a shell script inside a container, return its stdout.
  async inside(script, mutate, opts = {}) {
    const r = await this.runToExit((cfg, b) => {
      cfg.process.args = ['sh', '-c', script];
      if (mutate) { const x = mutate(cfg, b); if (x !== undefined) return x; }
      return cfg;
    }, opts);
    return r.stdout;
  }

  // create + start a long-running container (sleep by default).
  async startLong(mutate, opts = {}) {
    const b = this.bundle(mutate, opts);
    await this.mustCreate(b, opts);
    await this.mustStart(b);
    return b;
  }

  // ---------- host-side helpers ----------

  hostNs(type) { return proc.nsLink('self', type); }

  // Run a host command (not the runtime).
  async host(cmd, args, opts = {}) {
    this.checkAborted();
    let pid = null;
    const res = await proc.run(cmd, args, Object.assign({ timeoutMs: 10000, onSpawn: (c) => { pid = c.pid; if (pid) this.children.add(pid); } }, opts));
    if (pid) this.children.delete(pid);
    return res;
  }

  async hostMount(args, target) {
    const r = await this.host('mount', args);
    if (r.code !== 0) A.fail(`host mount ${args.join(' ')}: ${r.stderr.trim()}`);
    this.hostMounts.push(target);
  }

  // Start a namespace holder: `unshare <flags> sleep`. Returns {pid, ns(type)}.
  // With fork:true (needed for pid namespaces) the holder is unshare's child.
  async holder(flags, opts = {}) {
    this.checkAborted();
    const { spawn } = require('child_process');
    const args = [...flags, ...(opts.fork ? ['--fork'] : []), 'sleep', '60'];
    // holders carry their own marker so "no container process left" checks ignore them
    const env = Object.assign({}, process.env, { [ENV_KEY]: `${this.tag}-holder` });
    const child = spawn('unshare', args, { detached: true, stdio: 'ignore', env });
    child.on('error', () => {});
    child.unref();
    this.holders.push(child.pid);
    const target = await proc.waitFor(() => {
      let pid = child.pid;
      if (opts.fork) {
        const kids = (proc.readText(`/proc/${child.pid}/task/${child.pid}/children`) || '').trim().split(/\s+/).filter(Boolean);
        if (!kids.length) return null;
        pid = Number(kids[0]);
      }
      const comm = (proc.readText(`/proc/${pid}/comm`) || '').trim();
      return comm === 'sleep' ? pid : null;
    }, 5000);
    if (!target) A.fail(`could not start namespace holder: unshare ${args.join(' ')}`);
    return { pid: target, ns: (t) => `/proc/${target}/ns/${t}` };
  }

  // ---------- teardown ----------

  abort() {
    this.aborted = true;
    for (const pid of this.children) proc.killGroup(pid);
  }

  async cleanup() {
    const r = this.runtime;
    for (const pid of this.children) proc.killGroup(pid);
    // the runtime's own kill/delete first; a runtime that hangs here is not
    // asked again (the marker, cgroup and mount sweeps below still run)
    let hung = false;
    const rtq = async (args) => {
      if (hung) return;
      const res = await proc.run(r.bin, [...r.prefix, '--root', this.stateRoot, ...args], { timeoutMs: 3000 });
      if (res.timedOut) hung = true;
    };
    if (r.available && !this.aborted) {
      for (const id of [...this.ids].reverse()) {
        await rtq(['kill', id, '9']);
        await rtq(['delete', '--force', id]);
      }
    } else if (r.available) {
      for (const id of [...this.ids].reverse()) await rtq(['delete', '--force', id]);
    }
    for (const pid of this.pids) proc.killPid(pid);
    for (const pid of this.holders) proc.killGroup(pid);
    for (const pid of proc.pidsWithEnv(this.envEntry)) proc.killPid(pid);
    for (const pid of proc.pidsWithEnv(`${this.envEntry}-holder`)) proc.killPid(pid);
    await proc.sleep(20);
    // cgroups created for this case's containers
    const dirs = [];
    for (const ctrl of proc.safeReaddir('/sys/fs/cgroup')) {
      const base = path.join('/sys/fs/cgroup', ctrl, 'conformance');
      for (const d of proc.safeReaddir(base)) if (d.startsWith(this.id)) dirs.push(path.join(base, d));
    }
    // only cgroups named after this case's containers are emptied (killed) and
    // removed; other recorded ones (parents) are only rmdir'ed if empty
    for (const d of this.extraCgroups) if (d.includes(this.id)) dirs.push(d);
    for (const d of dirs) removeCgroup(d, this.id);
    for (const d of [...this.extraCgroups].filter((x) => !x.includes(this.id)).sort((a, b) => b.length - a.length)) {
      try { fs.rmdirSync(d); } catch (e) { /* not empty or gone */ }
    }
    for (const m of proc.mountsUnder(this.dir)) await proc.run('umount', ['-l', m], { timeoutMs: 5000 });
    for (const m of this.hostMounts.reverse()) await proc.run('umount', ['-l', m], { timeoutMs: 5000 });
    for (const id of this.ids) fs.rmSync(path.join(this.stateRoot, id), { recursive: true, force: true });
    if (!this.keep) {
      try { fs.rmSync(this.dir, { recursive: true, force: true }); } catch (e) { /* busy mount: left for the final sweep */ }
    }
  }
}

// Kill what is left in cgroup d (and below) and remove it. As a safety net,
// processes are only killed in a cgroup whose path contains `mustInclude`
// (a case's container id, or the suite's own /conformance/ parent).
function removeCgroup(d, mustInclude) {
  if (!mustInclude || !d.includes(mustInclude)) return;
  for (const sub of proc.safeReaddir(d)) {
    const p = path.join(d, sub);
    try { if (fs.statSync(p).isDirectory()) removeCgroup(p, mustInclude); } catch (e) { /* gone */ }
  }
  const procs = (proc.readText(path.join(d, 'cgroup.procs')) || '').split('\n').filter(Boolean);
  for (const p of procs) if (Number(p) !== process.pid) proc.killPid(Number(p));
  for (let i = 0; i < 20; i++) {
    try { fs.rmdirSync(d); return; } catch (e) { if (e.code === 'ENOENT') return; }
    const t = Date.now(); while (Date.now() - t < 10) { /* brief spin while tasks exit */ }
  }
}

module.exports = { CaseContext, OUT, ENV_KEY, removeCgroup };
