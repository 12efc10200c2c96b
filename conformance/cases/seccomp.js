'use strict';
// linux.seccomp (config-linux.md "Seccomp"): the runtime MUST apply the
// profile to the container process; errnoRet, defaultErrnoRet, argument
// rules and the kill action as the spec defines them.
const A = require('../lib/assert');
const P = require('../lib/proc');
const { rejects } = require('../lib/rejects');

// Every x86_64 syscall name, from the kernel's uapi headers: an allow-list
// profile that refuses only the calls a case names.
const UNISTD = '/usr/include/x86_64-linux-gnu/asm/unistd_64.h';
function allSyscalls() {
  const text = P.readText(UNISTD);
  if (!text) A.fail(`${UNISTD} is missing (Debian's linux-libc-dev): cannot build an allow-list`);
  return [...text.matchAll(/^#define __NR_(\w+)\s+\d+$/gm)].map((m) => m[1]);
}

const ARCHES = ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'];

module.exports = [
  {
    id: 'seccomp/filter-applied',
    spec: 'config-linux.md seccomp: the profile is applied to the container process (it runs in filter mode)',
    run: async (ctx) => {
      const out = await ctx.inside('grep Seccomp: /proc/self/status', (c) => {
        c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ARCHES, syscalls: [{ names: ['acct'], action: 'SCMP_ACT_ERRNO' }] };
      });
      A.eq(out, 'Seccomp:\t2\n', 'Seccomp in /proc/self/status');
    },
  },
  {
    id: 'seccomp/errno-default-eperm',
    spec: 'config-linux.md seccomp errnoRet: when not set, SCMP_ACT_ERRNO returns EPERM',
    run: async (ctx) => {
      const out = await ctx.inside('mkdir /tmp/d 2>&1; echo $?', (c) => {
        c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ARCHES, syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }] };
      });
      A.match(out, /Operation not permitted\n1\n$/, 'mkdir refused with EPERM');
    },
  },
  {
    id: 'seccomp/errnoret',
    spec: 'config-linux.md seccomp errnoRet: the errno SCMP_ACT_ERRNO returns',
    run: async (ctx) => {
      const out = await ctx.inside('mkdir /tmp/d 2>&1; echo $?', (c) => {
        c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ARCHES, syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 28 }] };
      });
      A.match(out, /No space left on device\n1\n$/, 'mkdir refused with ENOSPC (errnoRet 28)');
    },
  },
  {
    id: 'seccomp/default-errnoret',
    spec: 'config-linux.md seccomp defaultErrnoRet: the errno of the default action SCMP_ACT_ERRNO',
    run: async (ctx) => {
      const allowed = allSyscalls().filter((n) => n !== 'mkdir' && n !== 'mkdirat');
      const out = await ctx.inside('mkdir /tmp/d 2>&1; echo $?', (c) => {
        c.linux.seccomp = { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 13, architectures: ARCHES, syscalls: [{ names: allowed, action: 'SCMP_ACT_ALLOW' }] };
      });
      A.match(out, /Permission denied\n1\n$/, 'mkdir, not in the allow-list, refused with EACCES (defaultErrnoRet 13)');
    },
  },
  {
    id: 'seccomp/args',
    spec: 'config-linux.md seccomp args: a rule applies only when its argument conditions hold',
    run: async (ctx) => {
      const out = await ctx.inside('linux32 true; echo linux32 $?; linux64 true; echo linux64 $?', (c) => {
        c.linux.seccomp = {
          defaultAction: 'SCMP_ACT_ALLOW', architectures: ARCHES,
          syscalls: [{ names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] }],
        };
      });
      A.eq(out.split('\n').filter((l) => /^linux/.test(l)).join('\n'), 'linux32 1\nlinux64 0', 'personality(PER_LINUX32) refused, personality(PER_LINUX) not');
    },
  },
  {
    id: 'seccomp/kill',
    spec: 'config-linux.md seccomp actions: SCMP_ACT_KILL kills the thread that makes the syscall (SIGSYS)',
    run: async (ctx) => {
      const out = await ctx.inside('sh -c "mkdir /tmp/d"; echo $?', (c) => {
        c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ARCHES, syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_KILL' }] };
      });
      A.eq(out, '159\n', 'exit status of a shell killed by SIGSYS (128 + 31)');
    },
  },
  {
    id: 'seccomp/errnoret-unsupported-action',
    spec: 'config-linux.md seccomp errnoRet: if the action does not support an errno, the runtime MUST print an error and fail',
    run: (ctx) => rejects(ctx, (c) => {
      c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['acct'], action: 'SCMP_ACT_KILL', errnoRet: 1 }] };
    }),
  },
  {
    id: 'seccomp/unknown-action',
    spec: 'config-linux.md seccomp: an action outside the spec\'s list is an invalid config: create MUST fail',
    run: (ctx) => rejects(ctx, (c) => {
      c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['acct'], action: 'SCMP_ACT_MAYBE' }] };
    }),
  },
];
