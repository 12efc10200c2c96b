'use strict';
// What a runtime owes its caller and the host beyond the spec's wording
// (runtime.md "Errors": an error MUST leave the environment as if the
// operation were never attempted): nothing of the caller's reaches the
// container (the CVE-2024-21626 class), a killed create leaves nothing
// delete cannot remove, a terminal does not hold the caller's stdio, and
// an image's symlinks do not steer the runtime (CVE-2019-19921 and the
// 2025 runc advisories' class).
const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');
const A = require('../lib/assert');
const P = require('../lib/proc');

/** A host directory holding a marker, open at fd 9 of the runtime: what a careless caller leaves. */
function hostDirAt9(ctx) {
  const dir = ctx.hostDir('host-secrets', { 'host-marker': 'host data\n' });
  const fd = fs.openSync(dir, 'r');
  return { fd, stdio: (out, err) => ['ignore', out, err, 'ignore', 'ignore', 'ignore', 'ignore', 'ignore', 'ignore', fd] };
}

/** create with the given stdio, then start; returns create's result. */
async function createWith(ctx, b, stdio) {
  ctx.ids.add(b.id);
  const r = await ctx.rt(['create', '--bundle', b.dir, b.id], { stdio });
  if (r.code === 0) await ctx.mustStart(b);
  return r;
}

/** cgroup directories of a container's cgroupsPath left in any hierarchy. */
function cgroupsLeft(cgroupsPath) {
  const tops = ['/sys/fs/cgroup', ...P.safeReaddir('/sys/fs/cgroup').map((d) => `/sys/fs/cgroup/${d}`)];
  return tops.map((t) => path.join(t, cgroupsPath)).filter((d) => fs.existsSync(d));
}

const CONSOLE_RECEIVER = `
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1]); s.listen(1); print('listening', flush=True)
c, _ = s.accept(); msg, fds, _, _ = socket.recv_fds(c, 1024, 1); print('received', flush=True)
time.sleep(60)
`;

module.exports = [
  {
    id: 'robustness/inherited-fds',
    spec: 'runtime.md create: the container process gets no fd of the runtime\'s caller beyond stdio and --preserve-fds (CVE-2024-21626)',
    run: async (ctx) => {
      const host = hostDirAt9(ctx);
      try {
        const b = ctx.bundle((c) => { c.process.args = ['ls', '/proc/self/fd']; });
        const out = fs.openSync(b.stdoutFile, 'w');
        const err = fs.openSync(b.stderrFile, 'w');
        const r = await createWith(ctx, b, host.stdio(out, err));
        fs.closeSync(out); fs.closeSync(err);
        A.succeeded(r, 'create with an fd of the caller open at 9');
        await ctx.waitExit(b);
        A.eq(P.readText(b.stdoutFile), '0\n1\n2\n3\n', 'the process\'s fds: stdio and the directory ls reads');
      } finally {
        fs.closeSync(host.fd);
      }
    },
  },
  {
    id: 'robustness/cwd-through-inherited-fd',
    spec: 'runtime.md create: a cwd of /proc/self/fd/N through an fd of the caller never puts the process in a host directory (CVE-2024-21626)',
    run: async (ctx) => {
      const host = hostDirAt9(ctx);
      try {
        const b = ctx.bundle((c) => { c.process.cwd = '/proc/self/fd/9'; c.process.args = ['ls']; });
        const out = fs.openSync(b.stdoutFile, 'w');
        const err = fs.openSync(b.stderrFile, 'w');
        const r = await createWith(ctx, b, host.stdio(out, err));
        fs.closeSync(out); fs.closeSync(err);
        if (r.code === 0) await ctx.waitExit(b);
        A.notIncludes(P.readText(b.stdoutFile) || '', 'host-marker', 'what the process listed in its cwd');
      } finally {
        fs.closeSync(host.fd);
      }
    },
  },
  {
    id: 'robustness/kill-during-create',
    spec: 'runtime.md delete: after a create killed with SIGKILL at any moment, delete --force leaves no state, cgroup or process',
    run: async (ctx) => {
      for (let ms = 10; ms <= 130; ms += 20) {
        const b = ctx.bundle((c) => { c.linux.resources = { memory: { limit: 64 * 1024 * 1024 }, pids: { limit: 100 } }; }, { name: `k${ms}` });
        ctx.ids.add(b.id);
        const child = spawn(ctx.runtime.bin, [...ctx.runtime.prefix, '--root', ctx.stateRoot, 'create', '--bundle', b.dir, b.id], { stdio: 'ignore' });
        const exited = new Promise((resolve) => child.on('exit', resolve));
        await P.sleep(ms);
        child.kill('SIGKILL');
        await exited;
        const d = await ctx.delete(b, true);
        A.succeeded(d, `delete --force after a kill at ${ms} ms`);
        await P.waitFor(() => P.pidsWithEnv(ctx.envEntry).length === 0, 3000);
        A.deepEq(cgroupsLeft(b.config.linux.cgroupsPath), [], `cgroups left after a kill at ${ms} ms`);
        A.deepEq(P.safeReaddir(ctx.stateRoot).filter((n) => n.includes(b.id)), [], `state left after a kill at ${ms} ms`);
      }
    },
  },
  {
    id: 'robustness/terminal-stdio',
    spec: 'runtime.md create with process.terminal: the runtime does not hold the caller\'s stdio in the container (a caller reading create\'s output to its end is not kept waiting)',
    run: async (ctx) => {
      const sock = ctx.path('console.sock');
      const recv = spawn('python3', ['-c', CONSOLE_RECEIVER, sock], { stdio: ['ignore', 'pipe', 'ignore'] });
      ctx.children.add(recv.pid);
      let got = '';
      recv.stdout.on('data', (d) => { got += d; });
      try {
        await P.waitFor(() => got.includes('listening'), 5000);
        const b = ctx.bundle((c) => { c.process.terminal = true; c.process.args = ['sleep', '300']; });
        ctx.ids.add(b.id);
        // Pipes, read to their end by the harness (proc.run waits for them).
        const r = await ctx.rt(['create', '--console-socket', sock, '--bundle', b.dir, b.id], { stdio: ['ignore', 'pipe', 'pipe'], timeoutMs: 8000 });
        A.ok(!r.timedOut, 'create returned while its stdout was read to the end');
        A.succeeded(r, 'create with a terminal');
      } finally {
        recv.kill('SIGKILL');
      }
    },
  },
  {
    id: 'robustness/dev-null-symlink',
    spec: 'config-linux.md maskedPaths: masking never binds what the image\'s /dev/null symlink names (CVE-2025-31133): refused, or the host unchanged',
    run: async (ctx) => {
      const before = P.readText('/proc/sys/kernel/core_pattern');
      try {
        const b = ctx.bundle((c) => {
          c.mounts = c.mounts.filter((m) => m.destination !== '/dev');
          c.process.args = ['sh', '-c', 'echo "|/tmp/conformance-pwned" > /proc/kcore'];
        }, { rootfsFiles: { 'dev/null': { symlink: '/proc/sys/kernel/core_pattern' } } });
        const r = await ctx.create(b);
        if (r.code === 0) { await ctx.mustStart(b); await ctx.waitExit(b); }
        A.eq(P.readText('/proc/sys/kernel/core_pattern'), before, 'the host\'s core_pattern');
      } finally {
        if (P.readText('/proc/sys/kernel/core_pattern') !== before) fs.writeFileSync('/proc/sys/kernel/core_pattern', before);
      }
    },
  },
  {
    id: 'robustness/proc-symlink',
    spec: 'config-linux.md mounts: procfs is not mounted through a symlink of the image (CVE-2019-19921): refused, or mounted at /proc itself',
    run: async (ctx) => {
      const b = ctx.bundle((c) => { c.process.args = ['sh', '-c', 'grep " /proc proc " /proc/self/mountinfo | cut -d" " -f5']; },
        { rootfsFiles: { 'fakeproc/.keep': '', proc: { symlink: '/fakeproc' } } });
      const r = await ctx.create(b);
      if (r.code !== 0) return;
      await ctx.mustStart(b);
      await ctx.waitExit(b);
      A.notIncludes(P.readText(b.stdoutFile) || '', '/fakeproc', 'where procfs was mounted');
    },
  },
];
