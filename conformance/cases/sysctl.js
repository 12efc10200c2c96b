'use strict';
// linux.sysctl (config-linux.md "Sysctl"): namespaced kernel parameters.
const A = require('../lib/assert');
const P = require('../lib/proc');

function sysctlCase(id, key, value, file, extra) {
  return {
    id: `sysctl/${id}`,
    spec: `config-linux.md sysctl: ${key} is modified for the container (${file.split('/')[3]} namespace)`,
    run: async (ctx) => {
      const out = await ctx.inside(`cat ${file}`, (c) => { c.linux.sysctl = { [key]: value }; if (extra) extra(c); });
      A.eq(out.trim().replace(/\s+/g, ' '), value, `${file} inside`);
    },
  };
}

module.exports = [
  sysctlCase('net-ip-forward', 'net.ipv4.ip_forward', '1', '/proc/sys/net/ipv4/ip_forward'),
  sysctlCase('net-somaxconn', 'net.core.somaxconn', '1234', '/proc/sys/net/core/somaxconn'),
  sysctlCase('net-ping-group-range', 'net.ipv4.ping_group_range', '0 1000', '/proc/sys/net/ipv4/ping_group_range'),
  sysctlCase('kernel-shmmax', 'kernel.shmmax', '123456789', '/proc/sys/kernel/shmmax'),
  sysctlCase('kernel-msgmax', 'kernel.msgmax', '12345', '/proc/sys/kernel/msgmax'),
  {
    id: 'sysctl/host-unchanged',
    spec: 'config-linux.md sysctl: namespaced parameters change in the container\'s namespace only, not on the host',
    run: async (ctx) => {
      const f1 = '/proc/sys/net/core/somaxconn'; const f2 = '/proc/sys/kernel/shmmax';
      const before = [P.readText(f1), P.readText(f2)];
      const out = await ctx.inside(`cat ${f1} ${f2}`, (c) => { c.linux.sysctl = { 'net.core.somaxconn': '999', 'kernel.shmmax': '987654' }; });
      A.eq(out, '999\n987654\n', 'values inside');
      A.deepEq([P.readText(f1), P.readText(f2)], before, 'host values after the container ran');
    },
  },
];
