'use strict';
// Process, namespace, mount and cgroup readers used by the harness and the cases.
// Node standard library only.
const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function readText(p) {
  try { return fs.readFileSync(p, 'utf8'); } catch (e) { return null; }
}

function readLink(p) {
  try { return fs.readlinkSync(p); } catch (e) { return null; }
}

// Spawn a command in its own process group and collect its output.
// opts: {stdio, env, cwd, timeoutMs, input, onSpawn(child)}
// Resolves {code, signal, stdout, stderr, timedOut, error}.
function run(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    let child;
    const res = { code: null, signal: null, stdout: '', stderr: '', timedOut: false, error: null };
    try {
      child = spawn(cmd, args, {
        stdio: opts.stdio || ['pipe', 'pipe', 'pipe'],
        env: opts.env || process.env,
        cwd: opts.cwd,
        detached: true,
      });
    } catch (e) {
      res.error = e; res.code = 127; res.stderr = String(e.message);
      resolve(res); return;
    }
    if (opts.onSpawn) opts.onSpawn(child);
    let done = false;
    let exitTimer = null;
    let timer = null;
    const finish = () => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      if (exitTimer) clearTimeout(exitTimer);
      // do not keep the event loop alive for inherited pipes
      for (const s of [child.stdout, child.stderr, child.stdin]) if (s) { try { s.destroy(); } catch (e) { /* ignore */ } }
      resolve(res);
    };
    if (child.stdout) child.stdout.on('data', (d) => { res.stdout += d; });
    if (child.stderr) child.stderr.on('data', (d) => { res.stderr += d; });
    if (child.stdin) {
      child.stdin.on('error', () => {});
      if (opts.input !== undefined) child.stdin.end(opts.input); else child.stdin.end();
    }
    child.on('error', (e) => {
      res.error = e; res.code = 127; res.stderr += String(e.message);
      finish();
    });
    child.on('exit', (code, signal) => {
      res.code = code; res.signal = signal;
      // A container started by this command may keep our pipes open: do not
      // wait for them for more than a moment.
      exitTimer = setTimeout(finish, 500);
    });
    child.on('close', () => finish());
    if (opts.timeoutMs) {
      timer = setTimeout(() => {
        res.timedOut = true;
        killGroup(child.pid);
        setTimeout(finish, 200);
      }, opts.timeoutMs);
    }
  });
}

function killGroup(pid, sig = 'SIGKILL') {
  if (!pid || pid <= 1 || pid === process.pid) return;
  try { process.kill(-pid, sig); } catch (e) { /* ignore */ }
  try { process.kill(pid, sig); } catch (e) { /* ignore */ }
}

function killPid(pid, sig = 'SIGKILL') {
  if (!pid || pid <= 1 || pid === process.pid) return;
  try { process.kill(pid, sig); } catch (e) { /* ignore */ }
}

// true while pid exists and is not a zombie
function alive(pid) {
  if (!pid) return false;
  const st = readText(`/proc/${pid}/stat`);
  if (st === null) return false;
  const state = st.slice(st.lastIndexOf(')') + 2, st.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}

async function waitFor(fn, timeoutMs, stepMs = 25) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) return v;
    await sleep(stepMs);
  }
}

function nsLink(pid, type) {
  return readLink(`/proc/${pid}/ns/${type}`);
}

// Parse /proc/<pid>/status into an object of raw string values.
function parseStatus(text) {
  const o = {};
  for (const line of (text || '').split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) o[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return o;
}

// Parse /proc/<pid>/mountinfo.
function parseMountinfo(text) {
  const out = [];
  for (const line of (text || '').split('\n')) {
    if (!line.includes(' - ')) continue;
    const [pre, post] = line.split(' - ');
    const f = pre.split(' ');
    if (f.length < 6 || !/^\d+$/.test(f[0])) continue;
    const p = (post || '').split(' ');
    const unesc = (s) => s.replace(/\\([0-7]{3})/g, (m, o) => String.fromCharCode(parseInt(o, 8)));
    out.push({
      id: f[0], parent: f[1], dev: f[2], root: unesc(f[3]), mountPoint: unesc(f[4]),
      options: f[5].split(','), optional: f.slice(6),
      fstype: p[0], source: p[1], superOptions: (p[2] || '').split(','),
    });
  }
  return out;
}

function propagationOf(m) {
  const tags = m.optional.filter(Boolean);
  if (tags.some((t) => t === 'unbindable')) return 'unbindable';
  const shared = tags.some((t) => t.startsWith('shared:'));
  const master = tags.some((t) => t.startsWith('master:'));
  if (shared && master) return 'shared+slave';
  if (shared) return 'shared';
  if (master) return 'slave';
  return 'private';
}

// Parse /proc/<pid>/cgroup: {controller: path}; the v2 line is under ''.
function parseCgroup(text) {
  const o = {};
  for (const line of (text || '').split('\n')) {
    if (!line) continue;
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    for (const c of m[2].split(',')) o[c.replace(/^name=/, 'name=')] = m[3];
  }
  return o;
}

// The directory of `controller` for process pid in the host cgroup v1 tree.
function cgroupDir(pid, controller) {
  const cg = parseCgroup(readText(`/proc/${pid}/cgroup`));
  if (cg[controller] === undefined) return null;
  // controllers co-mounted (cpu,cpuacct) are found by trying both names
  const candidates = [controller];
  for (const d of safeReaddir('/sys/fs/cgroup')) if (d.split(',').includes(controller)) candidates.push(d);
  for (const c of candidates) {
    const p = path.join('/sys/fs/cgroup', c, cg[controller]);
    if (fs.existsSync(p)) return p;
  }
  return path.join('/sys/fs/cgroup', controller, cg[controller]);
}

function safeReaddir(d) {
  try { return fs.readdirSync(d); } catch (e) { return []; }
}

const CAPS = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID',
  'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK',
  'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG',
  'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE'];

function capMask(names) {
  let m = 0n;
  for (const n of names) {
    const i = CAPS.indexOf(n);
    if (i < 0) throw new Error(`unknown capability ${n}`);
    m |= 1n << BigInt(i);
  }
  return m;
}

function capNames(hex) {
  const v = BigInt('0x' + (hex || '0'));
  const out = [];
  for (let i = 0; i < 64; i++) if (v & (1n << BigInt(i))) out.push(CAPS[i] || `cap${i}`);
  return out;
}

// Mount points at or below dir in our own mount namespace, deepest first.
function mountsUnder(dir) {
  const mi = parseMountinfo(readText('/proc/self/mountinfo'));
  return mi.map((m) => m.mountPoint)
    .filter((p) => p === dir || p.startsWith(dir.endsWith('/') ? dir : dir + '/'))
    .sort((a, b) => b.length - a.length);
}

// Pids (other than ours) whose environment contains the exact entry `entry`.
// With entry null, match any entry that starts with `prefix`.
function pidsWithEnv(entry, prefix) {
  const out = [];
  const needle = Buffer.from(entry !== null ? '\0' + entry + '\0' : '\0' + prefix);
  for (const d of safeReaddir('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    let buf;
    try { buf = fs.readFileSync(`/proc/${d}/environ`); } catch (e) { continue; }
    const b = Buffer.concat([Buffer.from('\0'), buf, Buffer.from('\0')]);
    if (b.indexOf(needle) >= 0) out.push(Number(d));
  }
  return out;
}

module.exports = {
  sleep, readText, readLink, run, killGroup, killPid, alive, waitFor, nsLink,
  parseStatus, parseMountinfo, propagationOf, parseCgroup, cgroupDir, safeReaddir,
  CAPS, capMask, capNames, mountsUnder, pidsWithEnv,
};
