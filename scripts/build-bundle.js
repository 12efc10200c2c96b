// Writes two bundles of dist/ and V8's code cache for each, made after a
// run of tsrun's commands: dist/tsrun.bundle.js holds every module, for
// create, run, exec and the rest; dist/tsrun.light.js holds what state,
// start, kill, delete and list load, and hands anything else to the full
// one. In both, each module is a function called the first time it is
// required (as Node would). bin/tsrun loads them: one read and no parse
// or compile of tsrun's own code, where separate modules cost a
// resolution, a read and a compile each (about 15 ms of a `create` and
// 1.5 ms of a `state` on Node 20, which has no compile cache of its own).
// Without them, or when V8 rejects a cache (another Node), bin/tsrun still
// works: from dist/main.js, or compiling the bundle.
//
//   node scripts/build-bundle.js                        build both
//   node scripts/build-bundle.js --produce full|light   (internal) run the commands and write a cache
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const dist = path.join(__dirname, '..', 'dist');
const BUNDLE = path.join(dist, 'tsrun.bundle.js');
const CACHE = path.join(dist, 'tsrun.bundle.cache');
const LIGHT = path.join(dist, 'tsrun.light.js');
const LIGHT_CACHE = path.join(dist, 'tsrun.light.cache');
/** The modules of the commands the light bundle serves (bin/tsrun's LIGHT). */
const LIGHT_ENTRIES = ['container/list.js', 'container/start.js', 'container/kill.js', 'container/delete.js'];

function modules(dir, rel = '') {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...modules(path.join(dir, e.name), r));
    else if (e.name.endsWith('.js') && !e.name.startsWith('tsrun.')) out.push(r);
  }
  return out;
}

/** The relative requires of a module of dist/, resolved to modules of dist/ (`top`: only those at its top level). */
function requiresOf(rel, all, top = false) {
  const source = fs.readFileSync(path.join(dist, rel), 'utf8');
  const found = {};
  const pattern = top ? /^(?:const|var|let) [\w{}, ]+ = (?:__importStar\()?require\((["'])(\.[^"']+)\1\)/gm : /require\((["'])(\.[^"']+)\1\)/g;
  for (const [, , id] of source.matchAll(pattern)) {
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(rel), id));
    const hit = [target, `${target}.js`, `${target}/index.js`].find((c) => all.has(c));
    if (hit) found[id] = hit;
  }
  return found;
}

/**
 * The light bundle's modules: what state, start, kill, delete and list
 * load at their top, and what that loads at its top. What a module loads
 * only on some path (hooks, an init's error record, main.js's other
 * commands) would pull in nearly everything; it comes from the full bundle
 * when that path is taken.
 */
function lightModules(all) {
  const out = new Set(['main.js']);
  const todo = [...Object.values(requiresOf('main.js', all, true)), ...LIGHT_ENTRIES];
  while (todo.length) {
    const rel = todo.pop();
    if (out.has(rel)) continue;
    out.add(rel);
    todo.push(...Object.values(requiresOf(rel, all, true)));
  }
  return [...out].sort();
}

/**
 * A bundle of `mods`: a function of (Node's require, dist, the registry of
 * loaded modules, a loader for modules it lacks) that returns its loader.
 * The light bundle hands what it lacks to the full one with the same
 * registry, so no module is ever loaded twice.
 */
function bundleSource(mods, all) {
  const deps = {};
  const table = mods.map((rel) => {
    const source = fs.readFileSync(path.join(dist, rel), 'utf8').replace(/^#!.*\n/, '');
    // bin/tsrun reads the bundles as latin1, which decodes faster than
    // UTF-8 and is the same text for ASCII.
    const at = source.search(/[^\x00-\x7f]/);
    if (at >= 0) throw new Error(`build-bundle: dist/${rel} has a non-ASCII character at ${at} (${JSON.stringify(source.slice(at, at + 20))}): write it as a \\u escape in src/`);
    // Relative requires, resolved now: no path arithmetic at run time.
    const found = requiresOf(rel, all);
    if (Object.keys(found).length) deps[rel] = found;
    return `${JSON.stringify(rel)}: function (exports, require, module, __filename, __dirname) {\n${source}\n}`;
  });
  return `(function (nodeRequire, dist, loaded, fallback) {
'use strict';
const path = nodeRequire('node:path');
const { createRequire } = nodeRequire('node:module');
const table = {
${table.join(',\n')}
};
const deps = ${JSON.stringify(deps)};
function load(rel) {
  const done = loaded[rel];
  if (done) return done.exports;
  if (!(rel in table)) {
    if (fallback) return fallback(rel);
    throw new Error('tsrun bundle: no module ' + rel);
  }
  const filename = path.join(dist, rel);
  const module = { exports: {}, filename, id: filename, loaded: false };
  loaded[rel] = module;
  let outside;
  const external = () => (outside ??= createRequire(filename));
  const mine = deps[rel];
  const require = (id) => {
    const target = mine && mine[id];
    if (target) return load(target);
    if (id.startsWith('.')) throw new Error('tsrun bundle: ' + rel + ' requires ' + id + ', which the build did not resolve');
    return external()(id);
  };
  require.resolve = (id) => external().resolve(id);
  table[rel].call(module.exports, module.exports, require, module, filename, path.dirname(filename));
  module.loaded = true;
  return module.exports;
}
return load;
})`;
}

function build() {
  const all = new Set(modules(dist));
  fs.writeFileSync(BUNDLE, bundleSource([...all], all));
  const light = lightModules(all);
  fs.writeFileSync(LIGHT, bundleSource(light, all));
  return light.length;
}

/** A bundle as bin/tsrun loads it (the same source and file name, or V8 rejects the cache). */
function loadBundle(file, loaded, fallback) {
  const vm = require('node:vm');
  const script = new vm.Script(fs.readFileSync(file, 'latin1'), { filename: file });
  return { script, load: script.runInThisContext()(require, dist, loaded, fallback) };
}

/** Runs tsrun's commands from one bundle, then writes V8's code cache for it: what ran is compiled in it. */
async function produce(which) {
  const loaded = Object.create(null);
  let full;
  const fallback = (rel) => (full ??= loadBundle(BUNDLE, loaded).load)(rel);
  const { script, load } = which === 'light' ? loadBundle(LIGHT, loaded, fallback) : loadBundle(BUNDLE, loaded);
  const { main } = load('main.js');
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-cache-'));
  const bundle = path.join(scratch, 'bundle');
  const root = path.join(scratch, 'root');
  fs.mkdirSync(path.join(bundle, 'rootfs'), { recursive: true });
  const light = [['--version'], ['list'], ['list', '--format', 'json'], ['state', 'none'], ['start', 'none'], ['kill', 'none', 'KILL'], ['delete', '--force', 'none']];
  const heavy = [
    ['features'], ['spec', '--bundle', bundle], ['plan', '--bundle', bundle], ['plan', '--format', 'json', '--bundle', bundle],
    ['ps', 'none'], ['exec', 'none', 'true'], ['pause', 'none'], ['update', '--pids-limit', '1', 'none'], ['events', '--stats', 'none'],
  ];
  for (const c of which === 'light' ? light : [...light, ...heavy]) await main(['--root', root, ...c]);
  // Every module's top level, so that none is compiled at its first
  // require (create's cgroup managers, for one, were: 2-3 ms).
  if (which !== 'light') for (const m of modules(dist)) load(m);
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.writeFileSync(which === 'light' ? LIGHT_CACHE : CACHE, script.createCachedData());
}

if (process.argv[2] === '--produce') {
  produce(process.argv[3]);
} else {
  const lightCount = build();
  for (const [which, cache] of [['full', CACHE], ['light', LIGHT_CACHE]]) {
    fs.rmSync(cache, { force: true });
    const r = spawnSync(process.execPath, [__filename, '--produce', which], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (!fs.existsSync(cache)) {
      process.stderr.write(`build-bundle: no code cache for the ${which} bundle: ${r.stderr}`);
      process.exit(1);
    }
  }
  const size = (f) => fs.statSync(f).size;
  process.stdout.write(`build-bundle: dist/tsrun.bundle.js (${modules(dist).length} modules, ${size(BUNDLE)} bytes, code cache ${size(CACHE)}), ` +
    `dist/tsrun.light.js (${lightCount} modules, ${size(LIGHT)} bytes, code cache ${size(LIGHT_CACHE)})\n`);
}
