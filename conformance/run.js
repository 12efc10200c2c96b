#!/usr/bin/env node
'use strict';
// tsrun's OCI runtime-spec conformance suite: runs every case in cases/*.js
// against each runtime and reports PASS/FAIL per case and runtime.
//
//   node conformance/run.js [--runtime NAME=PATH ...] [--only REGEX] [--jobs N]
//                           [--timeout SECONDS] [--work DIR] [--keep]
//                           [--check] [--update-expected] [--list]
const fs = require('fs');
const path = require('path');
const proc = require('./lib/proc');
const { CaseContext, ENV_KEY, removeCgroup } = require('./lib/context');
const { resolveRuntimes, freshState } = require('./lib/runtime');
const { ensureBaseRootfs } = require('./lib/bundle');

const HERE = __dirname;
const AREAS = ['lifecycle', 'state', 'validation', 'process', 'root', 'mounts', 'hostname', 'namespaces',
  'userns', 'devices', 'paths', 'sysctl', 'propagation', 'hooks', 'annotations', 'cgroups', 'features'];
const EXPECTED = path.join(HERE, 'expected-pass.txt');

function usage(msg) {
  if (msg) process.stderr.write(`run.js: ${msg}\n`);
  process.stderr.write('usage: node conformance/run.js [--runtime NAME=PATH ...] [--only REGEX] [--jobs N] [--timeout S] [--work DIR] [--keep] [--check] [--update-expected] [--list]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const o = { runtimes: [], only: null, jobs: 2, timeout: 20, work: path.join(HERE, 'work'), keep: false, check: false, update: false, list: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => { const v = a.includes('=') && a.startsWith('--') && !a.startsWith('--runtime=') ? a.slice(a.indexOf('=') + 1) : argv[++i]; if (v === undefined) usage(`${a} needs a value`); return v; };
    const flag = a.split('=')[0];
    switch (flag) {
      case '--runtime': {
        const v = a.startsWith('--runtime=') ? a.slice('--runtime='.length) : argv[++i];
        if (!v || !v.includes('=')) usage('--runtime takes NAME=PATH');
        const name = v.slice(0, v.indexOf('=')); const p = v.slice(v.indexOf('=') + 1);
        if (!/^[A-Za-z0-9_.-]+$/.test(name)) usage(`bad runtime name ${name}`);
        o.runtimes.push({ name, path: p });
        break;
      }
      case '--only': o.only = new RegExp(val()); break;
      case '--jobs': o.jobs = Math.max(1, parseInt(val(), 10) || 1); break;
      case '--timeout': o.timeout = Math.max(1, Number(val()) || 20); break;
      case '--work': o.work = path.resolve(val()); break;
      case '--keep': o.keep = true; break;
      case '--check': o.check = true; break;
      case '--update-expected': o.update = true; break;
      case '--list': o.list = true; break;
      case '-h': case '--help': usage(); break;
      default: usage(`unknown argument ${a}`);
    }
  }
  return o;
}

function loadCases() {
  const dir = path.join(HERE, 'cases');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.js'))
    .sort((a, b) => {
      const ia = AREAS.indexOf(a.slice(0, -3)); const ib = AREAS.indexOf(b.slice(0, -3));
      return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
    });
  const cases = [];
  const seen = new Set();
  for (const f of files) {
    const list = require(path.join(dir, f));
    for (const c of list) {
      if (!c || typeof c.id !== 'string' || typeof c.run !== 'function' || typeof c.spec !== 'string') throw new Error(`${f}: malformed case ${c && c.id}`);
      if (seen.has(c.id)) throw new Error(`${f}: duplicate case id ${c.id}`);
      seen.add(c.id);
      cases.push(Object.assign({ file: f }, c));
    }
  }
  return cases;
}

const oneLine = (s) => String(s).replace(/\s+/g, ' ').trim().slice(0, 240);

async function runOne(c, r, opts) {
  const t0 = Date.now();
  if (!r.available) return { pass: false, reason: r.reason, ms: 0 };
  let ctx;
  try {
    ctx = new CaseContext({ caseDef: c, runtime: r, workRoot: opts.work, keep: opts.keep });
  } catch (e) {
    return { pass: false, reason: `harness: ${e.message}`, ms: 0 };
  }
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve({ timedOut: true }), (c.timeout || opts.timeout) * 1000);
  });
  let result;
  try {
    const outcome = await Promise.race([
      Promise.resolve().then(() => c.run(ctx)).then(() => ({ ok: true }), (e) => ({ error: e })),
      timeout,
    ]);
    if (outcome.timedOut) {
      ctx.abort();
      result = { pass: false, timedOut: true, reason: `timeout after ${c.timeout || opts.timeout} s (last: ${ctx.log.slice(-1)[0] || 'nothing run'})` };
    } else if (outcome.error) {
      const e = outcome.error;
      result = { pass: false, reason: oneLine(e && e.name === 'Error' && !(e instanceof require('./lib/assert').CaseFailure) ? `${e.message}` : (e && e.message) || e) };
    } else result = { pass: true, reason: null };
  } finally {
    clearTimeout(timer);
  }
  try { await ctx.cleanup(); } catch (e) { result.cleanupError = e.message; }
  result.ms = Date.now() - t0;
  result.log = ctx.log;
  return result;
}

function cell(res) {
  if (!res) return 'SKIP';
  return res.pass ? 'PASS' : `FAIL (${res.reason})`;
}

async function finalSweep(runtimes, work) {
  // processes a case started and cleanup missed
  const left = proc.pidsWithEnv(null, ENV_KEY + '=');
  for (const p of left) proc.killPid(p);
  const problems = [];
  if (left.length) problems.push(`killed ${left.length} leftover process(es)`);
  for (const r of runtimes) {
    if (!r.available) continue;
    const l = await proc.run(r.bin, [...r.prefix, '--root', r.stateDir, 'list', '-q'], { timeoutMs: 3000 });
    const ids = (l.stdout || '').split('\n').map((s) => s.trim()).filter(Boolean);
    for (const id of ids) {
      problems.push(`${r.name}: container ${id} left, deleting`);
      await proc.run(r.bin, [...r.prefix, '--root', r.stateDir, 'delete', '--force', id], { timeoutMs: 5000 });
    }
  }
  const mounts = proc.mountsUnder(work);
  for (const m of mounts) await proc.run('umount', ['-l', m], { timeoutMs: 5000 });
  if (mounts.length) problems.push(`unmounted ${mounts.length} leftover mount(s)`);
  for (const ctrl of proc.safeReaddir('/sys/fs/cgroup')) {
    const d = path.join('/sys/fs/cgroup', ctrl, 'conformance');
    if (fs.existsSync(d)) removeCgroup(d, '/conformance');
  }
  return problems;
}

function readExpected() {
  const t = proc.readText(EXPECTED);
  return t === null ? [] : t.split('\n').map((s) => s.trim()).filter((s) => s && !s.startsWith('#'));
}

function writeResultsMd(cases, runtimes, results, summary, notes) {
  const dev = require('./deviations');
  const esc = (s) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const names = runtimes.map((r) => r.name);
  const lines = [];
  lines.push('# tsrun OCI runtime-spec conformance results', '');
  lines.push('Generated by `node conformance/run.js` (see [README.md](README.md)). Each case checks one MUST statement,',
    'or one named section, of the OCI runtime-spec, by running a busybox container through the runtime\'s own CLI',
    '(`create`/`start`/`state`/`kill`/`delete`) and looking at what the container sees from inside and what the host sees',
    'from outside. The same cases run against tsrun and against the reference runtimes installed on this machine, so a',
    'case that a reference runtime fails is either a deviation of that runtime from the spec or something this machine',
    'lacks: each one is explained in the last section.', '');
  lines.push(`Machine: ${proc.readText('/proc/sys/kernel/osrelease').trim()}, cgroup v1 hybrid. Runtimes: ${runtimes.map((r) => `${r.name} (${r.available ? r.realBin : 'unavailable: ' + r.reason}${r.note ? '; ' + r.note : ''})`).join(', ')}.`);
  for (const n of notes) lines.push('', `Note: ${n}.`);
  lines.push('', `Summary: \`${summary}\``, '');
  lines.push(`| case | spec | ${names.join(' | ')} |`);
  lines.push(`|---|---|${names.map(() => '---').join('|')}|`);
  for (const c of cases) {
    lines.push(`| \`${c.id}\` | ${esc(c.spec)} | ${names.map((n) => esc(cell(results[c.id][n]))).join(' | ')} |`);
  }
  lines.push('', '## Where runc or crun fail', '');
  lines.push('Each case a reference runtime fails, with the reason: a deviation of that runtime (version installed here) from',
    'the spec, or something this machine lacks. Cases for features a runtime lacks stay in the suite and are counted as failures.',
    'Where tsrun fails a case for the same reason (it follows runc where callers rely on runc\'s behaviour, or the machine lacks',
    'the controller), it is listed with them.', '');
  let any = false;
  for (const c of cases) {
    // tsrun is listed too where it shares the reason (a choice of runc's behaviour, or this machine).
    const refs = names.filter((n) => results[c.id][n] && !results[c.id][n].pass && (n !== 'tsrun' || (dev[c.id] && dev[c.id].all)));
    if (!refs.length) continue;
    any = true;
    lines.push(`### \`${c.id}\``, '', `Spec: ${c.spec}`, '');
    // runtimes failing for the same explained reason are listed together
    const groups = new Map();
    for (const n of refs) {
      const why = (dev[c.id] && (dev[c.id][n] || dev[c.id].all)) || 'not yet explained';
      if (!groups.has(why)) groups.set(why, []);
      groups.get(why).push(n);
    }
    for (const [why, ns] of groups) {
      lines.push(`- **${ns.join(', ')}**: ${why}`);
      for (const n of ns) lines.push(`  - ${n} observed: ${esc(results[c.id][n].reason)}`);
    }
    lines.push('');
  }
  if (!any) lines.push('None.', '');
  fs.writeFileSync(path.join(HERE, 'RESULTS.md'), lines.join('\n'));
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  let cases = loadCases();
  if (opts.only) cases = cases.filter((c) => opts.only.test(c.id));
  if (opts.list) { for (const c of cases) console.log(`${c.id}\t${c.spec}`); return 0; }
  if (!cases.length) usage('no case matches');
  if (process.getuid && process.getuid() !== 0) process.stderr.write('run.js: warning: not running as root; most cases need root\n');

  // present in every runtime's environment, never in a container's (process/env-not-inherited)
  process.env.CONFORMANCE_HOST_ONLY = '1';
  fs.mkdirSync(opts.work, { recursive: true });
  ensureBaseRootfs();
  const { runtimes, notes } = resolveRuntimes(opts.runtimes, opts.work);
  for (const n of notes) console.log(`# ${n}`);
  for (const r of runtimes) {
    if (!r.available) console.log(`# ${r.name}: ${r.reason}: every case fails for it`);
    else if (r.note) console.log(`# ${r.name}: ${r.note}`);
    await freshState(r);
  }

  const results = {};
  for (const c of cases) results[c.id] = {};
  const tasks = [];
  for (const c of cases) for (const r of runtimes) tasks.push({ c, r });
  let next = 0;
  let printed = 0;
  const t0 = Date.now();
  const flush = () => {
    while (printed < cases.length) {
      const c = cases[printed];
      if (runtimes.some((r) => !results[c.id][r.name])) break;
      console.log(`${c.id}  ${runtimes.map((r) => `${r.name}: ${cell(results[c.id][r.name])}`).join('  ')}`);
      printed++;
    }
  };
  // a runtime that times out on HUNG_AFTER cases in a row is considered hung:
  // its remaining cases fail at once instead of stalling the run
  const HUNG_AFTER = 5;
  const streak = {};
  const worker = async () => {
    while (next < tasks.length) {
      const { c, r } = tasks[next++];
      if ((streak[r.name] || 0) >= HUNG_AFTER) {
        results[c.id][r.name] = { pass: false, reason: `not run: ${r.name} hung (${HUNG_AFTER} cases in a row timed out)`, ms: 0, log: [] };
      } else {
        const res = await runOne(c, r, opts);
        streak[r.name] = res.timedOut ? (streak[r.name] || 0) + 1 : 0;
        results[c.id][r.name] = res;
      }
      flush();
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.jobs, tasks.length) }, worker));
  flush();

  const problems = await finalSweep(runtimes, opts.work);
  for (const p of problems) console.log(`# cleanup: ${p}`);

  const count = (n) => cases.filter((c) => results[c.id][n] && results[c.id][n].pass).length;
  const main = runtimes.find((r) => r.name === 'tsrun') || runtimes[0];
  const others = runtimes.filter((r) => r !== main);
  const P = count(main.name);
  const summary = `conformance: ${P} passed, ${cases.length - P} failed of ${cases.length} cases (${others.map((r) => `${r.name}: ${count(r.name)}`).join(', ')})`;
  console.log(summary);
  console.log(`# ${((Date.now() - t0) / 1000).toFixed(1)} s, ${runtimes.length} runtime(s), --jobs ${opts.jobs}`);

  const json = {
    generated: new Date().toISOString(),
    runtimes: runtimes.map((r) => ({ name: r.name, bin: r.realBin, available: r.available, reason: r.reason, note: r.note })),
    notes,
    summary,
    cases: cases.map((c) => ({ id: c.id, spec: c.spec, results: Object.fromEntries(runtimes.map((r) => [r.name, { pass: results[c.id][r.name].pass, reason: results[c.id][r.name].reason, ms: results[c.id][r.name].ms, log: results[c.id][r.name].log }])) })),
  };
  fs.writeFileSync(path.join(opts.work, 'results.json'), JSON.stringify(json, null, 2));
  if (!opts.only && opts.runtimes.length === 0) writeResultsMd(cases, runtimes, results, summary, notes);

  let rc = 0;
  if (opts.check || opts.update) {
    const ts = runtimes.find((r) => r.name === 'tsrun');
    if (!ts) { process.stderr.write('run.js: --check/--update-expected need the tsrun runtime\n'); return 2; }
    const expected = readExpected();
    const passing = cases.filter((c) => results[c.id].tsrun.pass).map((c) => c.id);
    const ran = new Set(cases.map((c) => c.id));
    if (opts.check) {
      const regressions = expected.filter((id) => ran.has(id) && !results[id].tsrun.pass);
      const fresh = passing.filter((id) => !expected.includes(id));
      const unknown = expected.filter((id) => !results[id] && !opts.only);
      for (const id of regressions) console.log(`check: REGRESSION ${id}: ${results[id].tsrun.reason}`);
      for (const id of unknown) console.log(`check: expected-pass.txt lists unknown case ${id}`);
      for (const id of fresh) console.log(`check: newly passing (add to expected-pass.txt): ${id}`);
      console.log(`check: ${regressions.length} regression(s), ${fresh.length} newly passing`);
      if (regressions.length || unknown.length) rc = 1;
    }
    if (opts.update) {
      // keep entries for cases that were not run (--only), replace the rest
      const keepIds = expected.filter((id) => !ran.has(id));
      const all = [...new Set(keepIds.concat(passing))].sort();
      fs.writeFileSync(EXPECTED, all.map((s) => s + '\n').join(''));
      console.log(`update-expected: wrote ${all.length} case id(s) to ${path.relative(process.cwd(), EXPECTED)}`);
    }
  }
  return rc;
}

main().then((rc) => process.exit(rc), (e) => { process.stderr.write(`run.js: ${e.stack || e}\n`); process.exit(2); });
