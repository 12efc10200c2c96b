'use strict';
// hostname and domainname (config.md "Hostname", "Domainname").
const os = require('os');
const A = require('../lib/assert');
const P = require('../lib/proc');

module.exports = [
  {
    id: 'hostname/set',
    spec: 'config.md hostname: the container\'s hostname as seen by processes inside (UTS namespace)',
    run: async (ctx) => {
      const out = await ctx.inside('hostname', (c) => { c.hostname = 'conf-host-a'; });
      A.eq(out, 'conf-host-a\n', 'hostname inside');
    },
  },
  {
    id: 'hostname/uname-nodename',
    spec: 'config.md hostname: uname(2) nodename inside the container is the configured hostname',
    run: async (ctx) => {
      const out = await ctx.inside('uname -n; cat /proc/sys/kernel/hostname', (c) => { c.hostname = 'conf-host-b'; });
      A.eq(out, 'conf-host-b\nconf-host-b\n', 'uname -n and kernel.hostname inside');
    },
  },
  {
    id: 'hostname/domainname',
    spec: 'config.md domainname: the container\'s domainname as seen by processes inside',
    run: async (ctx) => {
      const out = await ctx.inside('cat /proc/sys/kernel/domainname', (c) => { c.domainname = 'conf.example'; });
      A.eq(out, 'conf.example\n', 'kernel.domainname inside');
    },
  },
  {
    id: 'hostname/host-unchanged',
    spec: 'config.md hostname: set in the container UTS namespace only; the host hostname is unchanged',
    run: async (ctx) => {
      const before = os.hostname();
      const b = await ctx.startLong((c) => { c.hostname = 'conf-host-c'; c.domainname = 'conf.example'; });
      A.ok(P.nsLink(b.pid, 'uts') !== ctx.hostNs('uts'), 'container UTS namespace is the host\'s');
      A.eq(os.hostname(), before, 'host hostname while the container runs');
      A.eq(P.readText('/proc/sys/kernel/hostname').trim(), before, 'host kernel.hostname');
    },
  },
];
