'use strict';
// The two bundles bin/tsrun loads (scripts/build-bundle.js): V8 takes the
// code cache the build made for each (a rejected cache costs every command
// its compile, silently), the light one hands what it lacks to the full
// one with one registry (no module runs twice: log.js's configuration
// would be lost), and bin/tsrun reads only the bundle a command needs.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const vm = require('node:vm');
const { spawnSync } = require('node:child_process');

const dist = path.join(__dirname, '..', '..', 'dist');
const tsrun = path.join(__dirname, '..', '..', 'bin', 'tsrun');

function script(name) {
  const file = path.join(dist, `${name}.js`);
  return new vm.Script(fs.readFileSync(file, 'utf8'), { filename: file, cachedData: fs.readFileSync(path.join(dist, `${name}.cache`)) });
}

test('this Node accepts the code cache of both bundles', () => {
  for (const name of ['tsrun.bundle', 'tsrun.light']) assert.equal(script(name).cachedDataRejected, false, name);
});

test('the light bundle serves state, start, kill, delete and list, and hands the rest to the full bundle with one registry', () => {
  const loaded = Object.create(null);
  const handed = [];
  let full;
  const fallback = (rel) => {
    handed.push(rel);
    full ??= script('tsrun.bundle').runInThisContext()(require, dist, loaded);
    return full(rel);
  };
  const load = script('tsrun.light').runInThisContext()(require, dist, loaded, fallback);
  const main = load('main.js');
  assert.equal(typeof main.main, 'function');
  for (const m of ['container/list.js', 'container/start.js', 'container/kill.js', 'container/delete.js']) load(m);
  assert.deepEqual(handed, [], 'the light commands load nothing from the full bundle');
  const log = load('log.js');
  const hooks = load('hooks.js');
  assert.deepEqual(handed, ['hooks.js']);
  assert.equal(typeof hooks.runHooksWarnOnly, 'function');
  // hooks.js (full bundle) requires ../log: the light bundle's instance, not a second one.
  assert.equal(loaded['log.js'].exports, log);
  assert.equal(full('log.js'), log);
  assert.equal(full('main.js'), main);
});

test('bin/tsrun reads the light bundle for state, list, kill, delete and start, the full one for the others', { skip: !fs.existsSync('/usr/bin/strace') && 'no strace' }, (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-bundle-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const opened = (...args) => {
    const trace = path.join(root, 'trace');
    const r = spawnSync('strace', ['-f', '-e', 'trace=openat', '-o', trace, tsrun, '--root', root, ...args], { encoding: 'utf8' });
    assert.equal(r.error, undefined);
    const calls = fs.readFileSync(trace, 'utf8');
    return ['tsrun.light.js', 'tsrun.bundle.js'].filter((f) => calls.includes(`/dist/${f}"`));
  };
  assert.deepEqual(opened('state', 'none'), ['tsrun.light.js']);
  assert.deepEqual(opened('--log-format', 'json', 'delete', '--force', 'none'), ['tsrun.light.js']);
  assert.deepEqual(opened('--root', root, 'list', '-q'), ['tsrun.light.js']);
  assert.deepEqual(opened('--version'), ['tsrun.light.js']);
  assert.deepEqual(opened('spec', '--bundle', root), ['tsrun.bundle.js']);
  assert.deepEqual(opened('exec', 'none', 'state'), ['tsrun.bundle.js']);
  // A line the fast parser leaves to yargs: main.js's yargs commands load the same modules.
  assert.deepEqual(opened('kill', '--all=true', 'none', 'KILL'), ['tsrun.light.js']);
});

test('bin/tsrun knows the global flags that take a value as the command line does', () => {
  const text = fs.readFileSync(tsrun, 'utf8');
  const listed = JSON.parse(/const GLOBAL_VALUES = new Set\((\[[^\]]*\])\)/.exec(text)[1].replace(/'/g, '"'));
  const { GLOBAL_VALUES } = require('../../dist/cli/fast');
  assert.deepEqual(listed.sort(), [...GLOBAL_VALUES].map((f) => `--${f}`).sort());
});
