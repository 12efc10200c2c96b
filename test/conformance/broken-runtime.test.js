'use strict';
// Proves that the conformance cases catch a wrong runtime: a wrapper around
// runc that silently drops parts of the bundle's config.json (hostname,
// process.rlimits, and every process.env entry except PATH) before delegating
// must fail exactly the cases that check those fields, while runc itself
// passes them. Needs root and runc; run with: node --test test/conformance/
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const RUN = path.join(__dirname, '..', '..', 'conformance', 'run.js');

function which(name) {
  for (const d of (process.env.PATH || '').split(':')) {
    const p = path.join(d, name);
    try { fs.accessSync(p, fs.constants.X_OK); return p; } catch (e) { /* next */ }
  }
  return null;
}

// The cases run against both runtimes, and which of them the broken one must fail.
const EXPECT_BROKEN_FAILS = [
  'hostname/set', 'hostname/uname-nodename',
  'process/rlimit-nofile', 'process/rlimit-core', 'process/rlimit-nproc', 'process/rlimit-cpu', 'process/rlimit-memlock', 'process/rlimits-multiple',
  'validation/rlimit-unknown-type', 'validation/rlimit-duplicate',
  'process/env', 'process/env-special-values',
];
const EXPECT_BROKEN_PASSES = [
  'hostname/host-unchanged', 'process/env-not-inherited', 'process/args-path-lookup',
  'process/args', 'process/cwd', 'lifecycle/create-status-created', 'state/id',
];
const ALL = EXPECT_BROKEN_FAILS.concat(EXPECT_BROKEN_PASSES);
const ONLY = '^(' + ALL.map((s) => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')).join('|') + ')$';

const EDIT = `'use strict';
// Edit <bundle>/config.json the wrong way, then let runc do the rest.
const fs = require('fs');
const path = require('path');
const argv = process.argv.slice(2);
const i = argv.findIndex((a) => a === 'create' || a === 'run');
if (i < 0) process.exit(0);
let bundle = process.cwd();
for (let j = i + 1; j < argv.length; j++) {
  if (argv[j] === '--bundle' || argv[j] === '-b') bundle = argv[j + 1];
  else if (argv[j].startsWith('--bundle=')) bundle = argv[j].slice(9);
}
const file = path.resolve(bundle, 'config.json');
let cfg;
try { cfg = JSON.parse(fs.readFileSync(file, 'utf8')); } catch (e) { process.exit(0); }
delete cfg.hostname;
if (cfg.process) {
  delete cfg.process.rlimits;
  if (cfg.process.env) cfg.process.env = cfg.process.env.filter((e) => e.startsWith('PATH=') || e.startsWith('CONFORMANCE_CASE='));
}
fs.writeFileSync(file, JSON.stringify(cfg, null, 2));
`;

const runc = which('runc');
const isRoot = process.getuid && process.getuid() === 0;

test('a runtime that drops hostname, rlimits and env fails exactly those cases, runc passes them', {
  skip: !isRoot ? 'needs root' : !runc ? 'runc is not installed' : false,
  timeout: 600000,
}, () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-broken-'));
  try {
    fs.writeFileSync(path.join(tmp, 'edit.js'), EDIT);
    const wrapper = path.join(tmp, 'broken-runc');
    fs.writeFileSync(wrapper, `#!/bin/sh\n"${process.execPath}" "${tmp}/edit.js" "$@" || exit 1\nexec "${runc}" "$@"\n`);
    fs.chmodSync(wrapper, 0o755);
    const work = path.join(tmp, 'work');
    const r = spawnSync(process.execPath, [RUN, '--runtime', `runc=${runc}`, '--runtime', `broken=${wrapper}`,
      '--only', ONLY, '--work', work, '--jobs', '2'], { encoding: 'utf8', timeout: 540000 });
    assert.strictEqual(r.status, 0, `run.js failed: ${r.stderr}\n${r.stdout}`);
    const results = JSON.parse(fs.readFileSync(path.join(work, 'results.json'), 'utf8'));
    const ran = results.cases.map((c) => c.id).sort();
    assert.deepStrictEqual(ran, ALL.slice().sort(), 'the --only selection ran exactly the chosen cases');
    const failed = (rt) => results.cases.filter((c) => !c.results[rt].pass).map((c) => `${c.id}: ${c.results[rt].reason}`);
    assert.deepStrictEqual(failed('runc'), [], 'runc passes every selected case');
    const brokenFails = results.cases.filter((c) => !c.results.broken.pass).map((c) => c.id).sort();
    assert.deepStrictEqual(brokenFails, EXPECT_BROKEN_FAILS.slice().sort(), 'the broken runtime fails exactly the hostname, rlimit and env cases');
    // and it fails them for the right reason, not a crash of the harness
    for (const c of results.cases.filter((x) => EXPECT_BROKEN_FAILS.includes(x.id))) {
      assert.match(c.results.broken.reason, /expected/, `${c.id}: reason says what was expected: ${c.results.broken.reason}`);
    }
  } finally {
    spawnSync('sh', ['-c', `grep -q " ${tmp}" /proc/self/mountinfo && awk '{print $5}' /proc/self/mountinfo | grep "^${tmp}" | sort -r | xargs -r -n1 umount -l`]);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
