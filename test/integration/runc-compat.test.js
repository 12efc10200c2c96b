'use strict';
// tsrun and Debian's runc driven through the same steps on the same bundle:
// statuses, state JSON fields, exit codes and error strings must match.
const test = require('node:test');
const assert = require('node:assert/strict');
const h = require('../helpers');

const skip = (!h.isRoot && 'needs root') || (!h.hasRunc && 'runc is not installed');

/** The error message of a runtime's stderr, without the runtime's own name or log framing. */
function message(stderr) {
  const m = /msg="((?:[^"\\]|\\.)*)"/.exec(stderr);
  const msg = m ? JSON.parse(`"${m[1]}"`) : stderr.trim();
  return msg.replace(/^(runc|tsrun) (create|run) failed: /, '').replace(/^unable to start container process: /, '');
}

/** Runs the same lifecycle through a runtime and records what a caller sees. */
async function lifecycle(name, id) {
  const rt = h.runtime(name);
  const bundle = h.makeBundle();
  const exitBundle = h.makeBundle((c) => { c.process.args = ['sh', '-c', 'exit 7']; });
  const seen = [];
  const step = (label, args) => {
    const r = rt(args);
    seen.push({ label, status: r.status, error: r.status === 0 ? '' : message(r.stderr) });
    return r;
  };
  const state = (label) => {
    const s = rt.state(id);
    seen.push({ label, state: s && { keys: Object.keys(s).sort(), status: s.status, pidIsZero: s.pid === 0 } });
  };
  try {
    step('state of unknown id', ['state', id]);
    step('create', ['create', '--bundle', bundle, id]);
    step('duplicate create', ['create', '--bundle', bundle, id]);
    state('after create');
    step('kill with an unknown signal', ['kill', id, 'NOSUCHSIG']);
    step('start', ['start', id]);
    state('after start');
    step('start again', ['start', id]);
    step('delete while running', ['delete', id]);
    step('kill', ['kill', id, 'KILL']);
    await h.until(() => rt.state(id)?.status === 'stopped');
    state('after kill');
    step('kill when stopped', ['kill', id, 'TERM']);
    step('kill --all when stopped', ['kill', '--all', id, 'TERM']);
    step('start when stopped', ['start', id]);
    step('delete', ['delete', id]);
    step('delete again', ['delete', id]);
    step('delete --force of a missing container', ['delete', '--force', id]);
    step('invalid id', ['create', '--bundle', bundle, 'a/b']);
    step('run exits with the process status', ['run', '--bundle', exitBundle, `${id}-x`]);
  } finally {
    rt.cleanup();
  }
  return seen;
}

test('tsrun and runc show callers the same lifecycle', { skip }, async () => {
  const id = h.uniqueId('compat');
  const runc = await lifecycle('runc', id);
  const tsrun = await lifecycle('tsrun', id);
  assert.equal(tsrun.length, runc.length);
  for (let i = 0; i < runc.length; i++) {
    const want = { ...runc[i] };
    const got = { ...tsrun[i] };
    assert.deepEqual(got, want, `step "${runc[i].label}"`);
  }
});

test('a missing executable reads the same as with runc', { skip }, () => {
  const bundle = h.makeBundle((c) => { c.process.args = ['no-such-binary']; });
  const out = {};
  for (const name of ['runc', 'tsrun']) {
    const rt = h.runtime(name);
    const r = rt(['create', '--bundle', bundle, h.uniqueId(name)]);
    rt.cleanup();
    out[name] = { status: r.status, msg: message(r.stderr) };
  }
  assert.deepEqual(out.tsrun, out.runc);
});

test('foreground run and exec without a terminal give the process pipes, not the caller\'s stdio, as runc does', { skip }, () => {
  // The caller's stdout and stderr are files here: handed through, the
  // process would name them; relayed, it sees pipes (runc's foreground
  // pass-through, so that a container never holds the user's terminal).
  const show = 'for fd in 0 1 2; do readlink /proc/self/fd/$fd; done; cat; echo on-stderr >&2; exit 3';
  const bundle = h.makeBundle((c) => { c.process.args = ['sh', '-c', show]; });
  const long = h.makeBundle();
  const seen = {};
  for (const name of ['runc', 'tsrun']) {
    const rt = h.runtime(name);
    const id = h.uniqueId(name);
    try {
      const run = rt(['run', '--bundle', bundle, `${id}-run`], { input: 'from stdin\n' });
      assert.equal(rt(['run', '-d', '--bundle', long, id]).status, 0, `${name} run -d`);
      const exec = rt(['exec', id, 'sh', '-c', show], { input: 'to exec\n' });
      seen[name] = [run, exec].map((r) => ({
        status: r.status,
        fds: r.stdout.split('\n').slice(0, 3).map((l) => (/^pipe:\[\d+\]$/.test(l) ? 'pipe' : l)),
        rest: r.stdout.split('\n').slice(3).join('\n'),
        stderr: r.stderr,
      }));
    } finally {
      rt.cleanup();
    }
  }
  assert.deepEqual(seen.tsrun, [
    { status: 3, fds: ['pipe', 'pipe', 'pipe'], rest: 'from stdin\n', stderr: 'on-stderr\n' },
    { status: 3, fds: ['pipe', 'pipe', 'pipe'], rest: 'to exec\n', stderr: 'on-stderr\n' },
  ]);
  assert.deepEqual(seen.tsrun, seen.runc);
});
