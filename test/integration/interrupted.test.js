'use strict';
// A create killed with SIGKILL at any moment (callers time runtimes out)
// leaves nothing that `delete --force` of its id cannot remove: no cgroup,
// state directory, mount or process.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const h = require('../helpers');

const skip = !h.isRoot && 'integration tests run real containers and need root';

/** Every directory a cgroup path has on this host, in each hierarchy. */
function cgroupDirs(cgroupsPath) {
  const out = [];
  for (const top of ['/sys/fs/cgroup', ...fs.readdirSync('/sys/fs/cgroup').map((d) => `/sys/fs/cgroup/${d}`)]) {
    const dir = path.join(top, cgroupsPath);
    if (fs.existsSync(dir)) out.push(dir);
  }
  return out;
}

// The common config (the init cloned before validation) and one with a
// user namespace (cloned after it, waiting for its maps).
const KINDS = {
  plain: { step: 4, mutate: () => {} },
  'user namespace': {
    step: 8,
    mutate: (c) => {
      c.linux.namespaces.push({ type: 'user' });
      c.linux.uidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
      c.linux.gidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
    },
  },
};

for (const [kind, { step, mutate }] of Object.entries(KINDS)) test(`create (${kind}) killed at any moment: delete --force leaves no cgroup, state, mount or process`, { skip }, async (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const left = [];
  let finished = 0;
  let runs = 0;
  for (let ms = 0; ms <= 160; ms += step) {
    runs++;
    const cgroupsPath = `/tsrun-test/${h.uniqueId('kill')}`;
    const bundle = h.makeBundle((c) => {
      c.linux.cgroupsPath = cgroupsPath;
      // Several controllers, so that the cgroup exists in several hierarchies.
      c.linux.resources = { memory: { limit: 64 * 1024 * 1024 }, cpu: { shares: 512 }, pids: { limit: 100 } };
      mutate(c);
    });
    const id = h.uniqueId('kill');
    const child = spawn(h.TSRUN, ['--root', rt.root, 'create', '--bundle', bundle, id], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    await h.sleep(ms);
    child.kill('SIGKILL');
    const { code } = await exited;
    if (code === 0) finished++;
    const d = rt(['delete', '--force', id]);
    assert.equal(d.status, 0, `after a kill at ${ms} ms: ${d.stderr}`);
    const stateDir = path.join(rt.root, id);
    // The init of a create killed before its cgroup exists ends by itself (its sync channel closes).
    await h.until(() => h.processesHolding(stateDir).length === 0, 5000);
    const problems = [
      ...(fs.existsSync(stateDir) ? [`state dir ${stateDir}`] : []),
      ...cgroupDirs(cgroupsPath).map((d) => `cgroup ${d}`),
      ...h.processesHolding(stateDir).map((p) => `process ${p}`),
      ...h.mountsMentioning(bundle).map((m) => `mount ${m}`),
    ];
    if (problems.length) left.push(`killed at ${ms} ms: ${problems.join(', ')}`);
    for (const dir of cgroupDirs(cgroupsPath).reverse()) try { fs.rmdirSync(dir); } catch { /* the assertion says so */ }
  }
  assert.deepEqual(left, []);
  t.diagnostic(`${finished} of the creates finished before the kill`);
  assert.ok(finished < runs, 'some creates were killed half-way');
});
