// Writes dist/tsrun.bundle.js and dist/tsrun.bundle.cache: every module of
// dist/ in one file, each a function called the first time it is
// required (as Node would), and V8's code cache for that file after a
// run of tsrun's commands. bin/tsrun loads these: one read and no parse
// or compile of tsrun's own code, where separate modules cost a
// resolution, a read and a compile each (together about 15 ms of a
// `create` on Node 20, which has no compile cache of its own). Without
// them, or when V8 rejects the cache (another Node), bin/tsrun still
// works: from dist/main.js, or compiling the bundle.
//
//   node scripts/build-bundle.js             build both
//   node scripts/build-bundle.js --produce   (internal) run the commands and write the cache
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const dist = path.join(__dirname, '..', 'dist');
const BUNDLE = path.join(dist, 'tsrun.bundle.js');
const CACHE = path.join(dist, 'tsrun.bundle.cache');

function modules(dir, rel = '') {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...modules(path.join(dir, e.name), r));
    else if (e.name.endsWith('.js') && !e.name.startsWith('tsrun.bundle')) out.push(r);
  }
  return out;
}

function build() {
  const all = new Set(modules(dist));
  const deps = {};
  const table = [...all].map((rel) => {
    const source = fs.readFileSync(path.join(dist, rel), 'utf8').replace(/^#!.*\n/, '');
    // Relative requires, resolved now: no path arithmetic at run time.
    for (const [, , id] of source.matchAll(/require\((["'])(\.[^"']+)\1\)/g)) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(rel), id));
      const hit = [target, `${target}.js`, `${target}/index.js`].find((c) => all.has(c));
      if (hit) (deps[rel] ??= {})[id] = hit;
    }
    return `${JSON.stringify(rel)}: function (exports, require, module, __filename, __dirname) {\n${source}\n}`;
  });
  const loader = `(function (nodeRequire, dist) {
'use strict';
const path = nodeRequire('node:path');
const { createRequire } = nodeRequire('node:module');
const table = {
${table.join(',\n')}
};
const deps = ${JSON.stringify(deps)};
const loaded = Object.create(null);
function load(rel) {
  const done = loaded[rel];
  if (done) return done.exports;
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
  fs.writeFileSync(BUNDLE, loader);
}

/** The bundle as bin/tsrun loads it (the same source and file name, or V8 rejects the cache). */
function loadBundle(cachedData) {
  const vm = require('node:vm');
  const script = new vm.Script(fs.readFileSync(BUNDLE, 'utf8'), { filename: BUNDLE, cachedData });
  return { script, load: script.runInThisContext()(require, dist) };
}

if (process.argv[2] === '--produce') {
  const { script, load } = loadBundle();
  const { main } = load('main.js');
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-cache-'));
  const bundle = path.join(scratch, 'bundle');
  const root = path.join(scratch, 'root');
  fs.mkdirSync(path.join(bundle, 'rootfs'), { recursive: true });
  (async () => {
    const commands = [
      ['--version'], ['features'], ['spec', '--bundle', bundle], ['plan', '--bundle', bundle], ['plan', '--format', 'json', '--bundle', bundle],
      ['list'], ['state', 'none'], ['start', 'none'], ['kill', 'none', 'KILL'], ['delete', '--force', 'none'], ['ps', 'none'],
      ['exec', 'none', 'true'], ['pause', 'none'], ['update', '--pids-limit', '1', 'none'], ['events', '--stats', 'none'],
    ];
    for (const c of commands) await main(['--root', root, ...c]);
    // What create, run and exec load beyond the commands above.
    for (const m of ['container/create', 'container/run', 'container/exec', 'container/relay', 'container/wait', 'container/init-channel',
      'container/copyup', 'plan/errors', 'plan/exec', 'hooks', 'seccomp/compile', 'container/seccomp', 'linux/signals']) load(`${m}.js`);
    fs.rmSync(scratch, { recursive: true, force: true });
    fs.writeFileSync(CACHE, script.createCachedData());
  })();
} else {
  build();
  fs.rmSync(CACHE, { force: true });
  const r = spawnSync(process.execPath, [__filename, '--produce'], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (!fs.existsSync(CACHE)) {
    process.stderr.write(`build-bundle: no code cache: ${r.stderr}`);
    process.exit(1);
  }
  process.stdout.write(`build-bundle: dist/tsrun.bundle.js (${modules(dist).length} modules, ${fs.statSync(BUNDLE).size} bytes), code cache ${fs.statSync(CACHE).size} bytes\n`);
}
