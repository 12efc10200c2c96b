'use strict';
// `tsrun plan` prints the program `create` runs: on three bundles (the
// default one, one with a user namespace, one with hooks, an idmapped and
// a tmpcopyup mount), every step the init reports back while it runs
// (`create --debug` traces them) is the printed step of the same number,
// the same syscall, and the program has the printed length. The same
// --debug log holds create's timing record, which the benchmark reads.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const h = require('../helpers');

const skip = !h.isRoot && 'integration tests run real containers and need root';
const MAP = { containerID: 0, hostID: 200000, size: 65536 };

const BUNDLES = {
  'the default bundle': () => h.makeBundle((c) => { c.process.args = ['true']; }),
  'a user namespace': () => h.makeBundle((c, dir) => {
    c.process.args = ['true'];
    c.linux.namespaces.push({ type: 'user' });
    c.linux.uidMappings = [MAP];
    c.linux.gidMappings = [MAP];
    fs.chmodSync(dir, 0o755);
  }, { copyRootfs: true }),
  'hooks, an idmapped and a tmpcopyup mount': () => {
    const vol = h.tmpdir('plan-vol');
    fs.writeFileSync(path.join(vol, 'f'), 'x');
    return h.makeBundle((c, dir) => {
      c.process.args = ['true'];
      const map = [{ containerID: 0, hostID: 1000, size: 10 }];
      c.mounts.push(
        { destination: '/idm', type: 'bind', source: vol, options: ['bind', 'idmap'], uidMappings: map, gidMappings: map },
        { destination: '/etc', type: 'tmpfs', source: 'tmpfs', options: ['tmpcopyup'] },
      );
      const hook = path.join(dir, 'hook.sh');
      fs.writeFileSync(hook, '#!/bin/sh\ncat > /dev/null\n', { mode: 0o755 });
      c.hooks = { prestart: [{ path: hook }], createContainer: [{ path: hook }], startContainer: [{ path: '/bin/true' }] };
    }, { copyRootfs: true });
  },
};

for (const [what, make] of Object.entries(BUNDLES)) {
  test(`tsrun plan is the program create runs: ${what}`, { skip }, (t) => {
    const rt = h.runtime();
    t.after(rt.cleanup);
    const bundle = make();
    const id = h.uniqueId();
    const planned = rt(['plan', '--format', 'json', '--bundle', bundle, '--id', id]);
    assert.equal(planned.status, 0, planned.stderr);
    const plan = JSON.parse(planned.stdout);
    assert.ok(plan.runtime.length > 5, 'the runtime\'s own steps are listed');
    const text = rt(['plan', '--bundle', bundle, '--id', id]);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /tsrun-init, in the container \(\d+ steps/);

    const log = path.join(h.tmpdir('plan-log'), 'log');
    const c = rt(['--debug', '--log', log, 'create', '--bundle', bundle, id]);
    assert.equal(c.status, 0, c.stderr);
    const lines = fs.readFileSync(log, 'utf8').split('\n');
    const size = lines.map((l) => /init program: (\d+) steps/.exec(l)).find(Boolean);
    assert.equal(Number(size[1]), plan.init.length, 'the program sent has the printed length');
    const traced = lines.map((l) => /init step (\d+): ([a-z0-9_]+)\(/.exec(l)).filter(Boolean).map((m) => [Number(m[1]), m[2]]);
    assert.ok(traced.length > 30, `the init reported its steps (${traced.length})`);
    for (const [step, name] of traced) {
      assert.equal(plan.init[step].syscall, name, `step ${step}: ${JSON.stringify(plan.init[step])}`);
    }
    // It ran through the process set-up to "ready" (the trace of the ready
    // request itself may come after create has read the trace: it is
    // written once the request's write has returned).
    const last = plan.init[traced[traced.length - 1][0]];
    assert.ok(['ready: wait for start', 'the program: true'].includes(last.section), last.section);
    const sections = new Set(traced.map(([s]) => plan.init[s].section));
    for (const s of ['start', 'the root switch: pivot_root', 'the process: cwd, umask, program']) assert.ok(sections.has(s), `ran through "${s}"`);
    if (what.startsWith('hooks')) {
      assert.ok(sections.has('prestart and createRuntime hooks (run by the runtime)'));
      assert.ok([...sections].some((s) => s.startsWith('createContainer hook #0')));
    }
    // The record the benchmark reads: every phase, in order, in ms.
    const timing = lines.map((l) => /create timing \(ms\): (.*?)"?$/.exec(l)).find(Boolean);
    assert.ok(timing, 'create --debug logs where its time went');
    const phases = timing[1].split(', ').map((p) => p.split(' '));
    assert.deepEqual(phases.map(([name]) => name), ['node', 'load', 'validate', 'prepare', 'cgroup', 'clone', 'program', 'init', 'trace', 'state']);
    for (const [name, ms] of phases) assert.ok(Number(ms) >= 0 && Number(ms) < 10000, `${name} ${ms}`);
    assert.equal(rt(['start', id]).status, 0);
    assert.equal(rt(['delete', '--force', id]).status, 0);
  });
}
