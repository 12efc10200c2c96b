'use strict';
// A config the runtime must refuse: create fails and leaves no container,
// no state entry, no process (runtime.md "Errors": an error MUST leave the
// environment as if the operation were never attempted).
const A = require('./assert');
const P = require('./proc');

async function rejects(ctx, mutate, opts = {}) {
  const b = ctx.bundle(mutate, opts);
  const r = await ctx.create(b, opts.cwd ? { cwd: b.dir } : {});
  A.failed(r, 'create with an invalid config');
  await P.sleep(100);
  const st = await ctx.rt(['state', b.id]);
  A.failed(st, 'state after the rejected create (container must not exist)');
  const left = P.safeReaddir(ctx.stateRoot).filter((n) => n.includes(b.id));
  A.deepEq(left, [], `entries left in --root ${ctx.stateRoot}`);
  const procs = P.pidsWithEnv(ctx.envEntry);
  A.deepEq(procs, [], 'container processes left after the rejected create');
}

module.exports = { rejects };
