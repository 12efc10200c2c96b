'use strict';
// Annotations (config.md "Annotations", runtime.md state.annotations).
const A = require('../lib/assert');
const P = require('../lib/proc');

module.exports = [
  {
    id: 'annotations/in-state',
    spec: 'runtime.md state.annotations: the annotations associated with the container (from config.json)',
    run: async (ctx) => {
      const ann = { 'org.conformance.a': '1', 'org.conformance.b': 'two' };
      const b = ctx.bundle((c) => { c.annotations = ann; });
      await ctx.mustCreate(b);
      A.deepEq((await ctx.state(b)).annotations, ann, 'state.annotations');
    },
  },
  {
    id: 'annotations/special-values',
    spec: 'config.md annotations: keys and values are arbitrary strings, reported back unchanged',
    run: async (ctx) => {
      const ann = { 'org.conformance/with-slash': 'a b=c "q"', 'org.conformance.unicode': 'héllo ✓', 'org.conformance.empty': '' };
      const b = ctx.bundle((c) => { c.annotations = ann; });
      await ctx.mustCreate(b);
      const got = (await ctx.state(b)).annotations || {};
      for (const k of Object.keys(ann)) A.eq(got[k], ann[k], `state.annotations[${k}]`);
    },
  },
  {
    id: 'annotations/empty-map',
    spec: 'runtime.md state.annotations: with an empty map in config, annotations are absent or an empty map',
    run: async (ctx) => {
      const b = ctx.bundle((c) => { c.annotations = {}; });
      await ctx.mustCreate(b);
      const st = await ctx.state(b);
      if (st.annotations !== undefined) A.deepEq(st.annotations, {}, 'state.annotations');
    },
  },
  {
    id: 'annotations/in-hook-state',
    spec: 'config.md hooks: the state passed to hooks on stdin includes the annotations',
    run: async (ctx) => {
      const out = ctx.hostDir('hk');
      const ann = { 'org.conformance.hook': 'seen' };
      const b = ctx.bundle((c) => {
        c.annotations = ann;
        c.hooks = { createRuntime: [{ path: '/bin/sh', args: ['sh', '-c', `cat > ${out}/state.json`] }] };
      });
      await ctx.mustCreate(b);
      const text = P.readText(`${out}/state.json`);
      if (text === null) A.fail('the createRuntime hook did not run');
      let st = null;
      try { st = JSON.parse(text); } catch (e) { /* below */ }
      if (!st) A.fail(`createRuntime hook stdin: expected state JSON, got ${A.show(text)}`);
      A.deepEq(st.annotations, ann, 'annotations in the hook\'s state');
    },
  },
  {
    id: 'annotations/non-string-value-rejected',
    spec: 'config.md annotations: values MUST be strings; a number makes the config invalid (rejected at create)',
    run: async (ctx) => {
      const b = ctx.bundle((c) => { c.annotations = { 'org.conformance.n': 1 }; });
      A.failed(await ctx.create(b), 'create with a numeric annotation value');
    },
  },
];
