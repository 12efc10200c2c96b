'use strict';
// The container process (config.md "Process"): args, env, cwd, user,
// umask, rlimits, capabilities, noNewPrivileges, oomScoreAdj.
const A = require('../lib/assert');
const P = require('../lib/proc');

const status = async (ctx, mutate, opts) => P.parseStatus(await ctx.inside('cat /proc/self/status', mutate, opts));

// /proc/self/limits line for a resource, e.g. "Max open files" -> [soft, hard]
function limit(text, label) {
  const line = (text || '').split('\n').find((l) => l.startsWith(label));
  if (!line) A.fail(`/proc/self/limits: no line "${label}" in ${A.show(text)}`);
  const f = line.slice(label.length).trim().split(/\s+/);
  return [f[0], f[1]];
}

function rlimitCase(type, label, soft, hard, unit) {
  return {
    id: `process/rlimit-${type.slice(7).toLowerCase()}`,
    spec: `config.md process.rlimits: getrlimit(${type}) rlim_cur and rlim_max MUST match the configured soft/hard`,
    run: async (ctx) => {
      const out = await ctx.inside('cat /proc/self/limits', (c) => {
        c.process.rlimits = [{ type, soft, hard }];
      });
      A.deepEq(limit(out, label), [String(soft / (unit || 1)), String(hard / (unit || 1))], `${label} soft/hard`);
    },
  };
}

// capabilities are checked as the process sees them after execve(2): for uid 0
// the kernel gives the program permitted = effective = bounding; for a non-root
// user only the ambient set survives execve into permitted/effective.
function capCase(id, spec, caps, user, field, want) {
  return {
    id: `process/${id}`, spec,
    run: async (ctx) => {
      const st = await status(ctx, (c) => { c.process.capabilities = caps; if (user) c.process.user = user; c.process.noNewPrivileges = false; });
      const got = P.capNames(st[field]);
      A.deepEq(got.sort(), want.slice().sort(), `${field} in /proc/self/status (0x${st[field]})`);
    },
  };
}

const someCaps = ['CAP_CHOWN', 'CAP_KILL', 'CAP_SETUID', 'CAP_NET_BIND_SERVICE'];

module.exports = [
  {
    id: 'process/args',
    spec: 'config.md process.args: execvp argv semantics: each entry reaches the program unchanged',
    run: async (ctx) => {
      const r = await ctx.runToExit((c) => { c.process.args = ['printf', '[%s]\\n', 'a b', '', '$HOME', '"q"']; });
      A.eq(r.stdout, '[a b]\n[]\n[$HOME]\n["q"]\n', 'program output');
    },
  },
  {
    id: 'process/args-absolute-path',
    spec: 'config.md process.args[0] is used as execvp\'s file: an absolute path is executed as is',
    run: async (ctx) => {
      const r = await ctx.runToExit((c) => { c.process.args = ['/bin/echo', 'absolute']; });
      A.eq(r.stdout, 'absolute\n', 'program output');
    },
  },
  {
    id: 'process/args-path-lookup',
    spec: 'config.md process.args[0] has execvp semantics: a bare name is searched in the container\'s PATH (from process.env)',
    run: async (ctx) => {
      const r = await ctx.runToExit((c) => {
        c.process.args = ['conftool', 'x'];
        c.process.env = ['PATH=/opt/conf/bin:/bin', ctx.envEntry];
      }, { rootfsFiles: { 'opt/conf/bin/conftool': { content: '#!/bin/sh\necho "found via PATH $1"\n', mode: 0o755 } } });
      A.eq(r.stdout, 'found via PATH x\n', 'program output');
    },
  },
  {
    id: 'process/args-missing-executable',
    spec: 'runtime.md create/start: a program that does not exist in the rootfs cannot be run: create or start MUST generate an error',
    run: async (ctx) => {
      const b = ctx.bundle((c) => { c.process.args = ['/no/such/program']; });
      const r = await ctx.create(b);
      if (r.code === 0) A.failed(await ctx.start(b), 'start of a container whose program does not exist');
    },
  },
  {
    id: 'process/env',
    spec: 'config.md process.env: variables are set in the process environment (environ semantics)',
    run: async (ctx) => {
      const out = await ctx.inside('env', (c) => { c.process.env = ['PATH=/bin', 'CONF_A=alpha', 'CONF_B=', ctx.envEntry]; });
      const lines = out.split('\n');
      A.ok(lines.includes('CONF_A=alpha'), `env: expected CONF_A=alpha, got ${A.show(out)}`);
      A.ok(lines.includes('CONF_B='), `env: expected CONF_B= (empty), got ${A.show(out)}`);
      A.ok(lines.includes('PATH=/bin'), `env: expected PATH=/bin, got ${A.show(out)}`);
    },
  },
  {
    id: 'process/env-special-values',
    spec: 'config.md process.env: KEY=value entries are passed verbatim (values with =, spaces, quotes)',
    run: async (ctx) => {
      const out = await ctx.inside('printf "%s|" "$CONF_X" "$CONF_Y"', (c) => { c.process.env.push('CONF_X=a=b c', 'CONF_Y=\'"$x\''); });
      A.eq(out, 'a=b c|\'"$x\'|', 'values of CONF_X and CONF_Y');
    },
  },
  {
    id: 'process/env-not-inherited',
    spec: 'config.md process.env: the environment is the configured one, not the runtime caller\'s (run.js sets CONFORMANCE_HOST_ONLY)',
    run: async (ctx) => {
      const out = await ctx.inside('env');
      A.notIncludes(out, 'CONFORMANCE_HOST_ONLY', 'container environment');
    },
  },
  {
    id: 'process/cwd',
    spec: 'config.md process.cwd: the working directory set for the executable',
    run: async (ctx) => {
      const out = await ctx.inside('pwd', (c) => { c.process.cwd = '/etc'; });
      A.eq(out, '/etc\n', 'pwd');
    },
  },
  {
    id: 'process/user-uid',
    spec: 'config.md process.user.uid: the user ID in the container namespace',
    run: async (ctx) => {
      const st = await status(ctx, (c) => { c.process.user = { uid: 1234, gid: 0 }; });
      A.eq(st.Uid, '1234\t1234\t1234\t1234', 'Uid (real, effective, saved, fs)');
    },
  },
  {
    id: 'process/user-gid',
    spec: 'config.md process.user.gid: the group ID in the container namespace',
    run: async (ctx) => {
      const st = await status(ctx, (c) => { c.process.user = { uid: 1234, gid: 4321 }; });
      A.eq(st.Gid, '4321\t4321\t4321\t4321', 'Gid (real, effective, saved, fs)');
    },
  },
  {
    id: 'process/user-additional-gids',
    spec: 'config.md process.user.additionalGids: additional group IDs added to the process',
    run: async (ctx) => {
      const st = await status(ctx, (c) => { c.process.user = { uid: 1234, gid: 4321, additionalGids: [10, 20, 4321] }; });
      const got = (st.Groups || '').split(/\s+/).filter(Boolean).map(Number).sort((a, b) => a - b);
      A.deepEq(got, [10, 20, 4321], 'Groups');
    },
  },
  {
    id: 'process/user-no-additional-gids',
    spec: 'config.md process.user: without additionalGids the process gets no supplementary groups beyond the configured ones',
    run: async (ctx) => {
      const st = await status(ctx, (c) => { c.process.user = { uid: 1234, gid: 4321 }; });
      const got = (st.Groups || '').split(/\s+/).filter(Boolean).filter((g) => g !== '4321');
      A.deepEq(got, [], 'supplementary Groups other than the gid');
    },
  },
  {
    id: 'process/umask',
    spec: 'config.md process.user.umask: the umask of the user',
    run: async (ctx) => {
      const st = await status(ctx, (c) => { c.process.user.umask = 0o077; });
      A.eq(st.Umask, '0077', 'Umask');
    },
  },
  rlimitCase('RLIMIT_NOFILE', 'Max open files', 512, 2048),
  rlimitCase('RLIMIT_CORE', 'Max core file size', 4096, 8192),
  rlimitCase('RLIMIT_NPROC', 'Max processes', 1000, 2000),
  rlimitCase('RLIMIT_CPU', 'Max cpu time', 600, 1200),
  rlimitCase('RLIMIT_MEMLOCK', 'Max locked memory', 65536, 131072),
  {
    id: 'process/rlimits-multiple',
    spec: 'config.md process.rlimits: every listed rlimit is applied',
    run: async (ctx) => {
      const out = await ctx.inside('cat /proc/self/limits', (c) => {
        c.process.rlimits = [
          { type: 'RLIMIT_NOFILE', soft: 300, hard: 400 },
          { type: 'RLIMIT_FSIZE', soft: 1048576, hard: 2097152 },
          { type: 'RLIMIT_MSGQUEUE', soft: 4096, hard: 8192 },
        ];
      });
      A.deepEq(limit(out, 'Max open files'), ['300', '400'], 'Max open files');
      A.deepEq(limit(out, 'Max file size'), ['1048576', '2097152'], 'Max file size');
      A.deepEq(limit(out, 'Max msgqueue size'), ['4096', '8192'], 'Max msgqueue size');
    },
  },
  capCase('cap-bounding', 'config.md process.capabilities.bounding: the bounding set is exactly the listed capabilities',
    { bounding: someCaps, effective: someCaps, permitted: someCaps, inheritable: [], ambient: [] }, null, 'CapBnd', someCaps),
  capCase('cap-bounding-empty', 'config.md process.capabilities: empty sets leave the process without capabilities',
    { bounding: [], effective: [], permitted: [], inheritable: [], ambient: [] }, null, 'CapBnd', []),
  capCase('cap-effective-root', 'config.md process.capabilities.effective: uid 0 runs the program with the configured effective set',
    { bounding: someCaps, effective: someCaps, permitted: someCaps, inheritable: [], ambient: [] }, null, 'CapEff', someCaps),
  capCase('cap-permitted-root', 'config.md process.capabilities.permitted: uid 0 runs the program with the configured permitted set',
    { bounding: someCaps, effective: someCaps, permitted: someCaps, inheritable: [], ambient: [] }, null, 'CapPrm', someCaps),
  capCase('cap-inheritable', 'config.md process.capabilities.inheritable: the inheritable set is exactly the listed capabilities',
    { bounding: someCaps, effective: someCaps, permitted: someCaps, inheritable: ['CAP_KILL', 'CAP_CHOWN'], ambient: [] }, null, 'CapInh', ['CAP_KILL', 'CAP_CHOWN']),
  capCase('cap-ambient', 'config.md process.capabilities.ambient: the ambient set of a non-root process is the listed capabilities',
    { bounding: someCaps, effective: ['CAP_KILL'], permitted: ['CAP_KILL'], inheritable: ['CAP_KILL'], ambient: ['CAP_KILL'] }, { uid: 1000, gid: 1000 }, 'CapAmb', ['CAP_KILL']),
  capCase('cap-effective-nonroot', 'config.md process.capabilities: a non-root process keeps its effective capabilities across execve through ambient',
    { bounding: someCaps, effective: ['CAP_KILL', 'CAP_CHOWN'], permitted: ['CAP_KILL', 'CAP_CHOWN'], inheritable: ['CAP_KILL', 'CAP_CHOWN'], ambient: ['CAP_KILL', 'CAP_CHOWN'] }, { uid: 1000, gid: 1000 }, 'CapEff', ['CAP_KILL', 'CAP_CHOWN']),
  capCase('cap-permitted-nonroot', 'config.md process.capabilities.permitted: permitted set of a non-root process (through ambient)',
    { bounding: someCaps, effective: ['CAP_KILL'], permitted: ['CAP_KILL'], inheritable: ['CAP_KILL'], ambient: ['CAP_KILL'] }, { uid: 1000, gid: 1000 }, 'CapPrm', ['CAP_KILL']),
  {
    id: 'process/cap-bounding-enforced',
    spec: 'config.md process.capabilities.bounding: a capability outside the bounding set is not usable (chown fails without CAP_CHOWN)',
    run: async (ctx) => {
      const caps = ['CAP_KILL'];
      const out = await ctx.inside('touch /tmp/f && chown 1:1 /tmp/f && echo chown-ok || echo chown-denied', (c) => {
        c.process.capabilities = { bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: [] };
        c.mounts.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['mode=1777'] });
      });
      A.includes(out, 'chown-denied', 'chown without CAP_CHOWN');
    },
  },
  {
    id: 'process/no-new-privileges-true',
    spec: 'config.md process.noNewPrivileges true: the no_new_privs bit is set (NoNewPrivs: 1)',
    run: async (ctx) => {
      const st = await status(ctx, (c) => { c.process.noNewPrivileges = true; });
      A.eq(st.NoNewPrivs, '1', 'NoNewPrivs');
    },
  },
  {
    id: 'process/no-new-privileges-false',
    spec: 'config.md process.noNewPrivileges false: the no_new_privs bit is not set (NoNewPrivs: 0)',
    run: async (ctx) => {
      const st = await status(ctx, (c) => { c.process.noNewPrivileges = false; });
      A.eq(st.NoNewPrivs, '0', 'NoNewPrivs');
    },
  },
  {
    id: 'process/oom-score-adj',
    spec: 'config.md process.oomScoreAdj: if set, the runtime MUST set oom_score_adj to the given value',
    run: async (ctx) => {
      const out = await ctx.inside('cat /proc/self/oom_score_adj', (c) => { c.process.oomScoreAdj = 423; });
      A.eq(out.trim(), '423', 'oom_score_adj');
    },
  },
  {
    id: 'process/oom-score-adj-max',
    spec: 'config.md process.oomScoreAdj: the maximum value 1000 is applied',
    run: async (ctx) => {
      const out = await ctx.inside('cat /proc/self/oom_score_adj', (c) => { c.process.oomScoreAdj = 1000; });
      A.eq(out.trim(), '1000', 'oom_score_adj');
    },
  },
  {
    id: 'process/oom-score-adj-unset',
    spec: 'config.md process.oomScoreAdj: if not set, the runtime MUST NOT change oom_score_adj (inherited from the caller)',
    run: async (ctx) => {
      const mine = (P.readText('/proc/self/oom_score_adj') || '').trim();
      const out = await ctx.inside('cat /proc/self/oom_score_adj', (c) => { delete c.process.oomScoreAdj; });
      A.eq(out.trim(), mine, 'oom_score_adj (the caller\'s value)');
    },
  },
  {
    id: 'process/absent-then-start-fails',
    spec: 'runtime.md start: MUST generate an error if process was not set (create may accept a config without process)',
    run: async (ctx) => {
      const b = ctx.bundle((c) => { delete c.process; });
      const r = await ctx.create(b);
      if (r.code === 0) A.failed(await ctx.start(b), 'start of a container without process');
    },
  },
];
