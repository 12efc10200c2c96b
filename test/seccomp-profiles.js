'use strict';
// Seccomp profiles for the tests: the default profile of podman (and of
// Docker, the same format) as those clients turn it into linux.seccomp,
// and small profiles of each kind.
const fs = require('node:fs');
const os = require('node:os');

const CONTAINERS_PROFILE = '/usr/share/containers/seccomp.json';
// Go's names of the ABIs of this machine, as the profile's arch conditions use them.
const NATIVE_ARCH = 'SCMP_ARCH_X86_64';
const GO_ARCH = 'amd64';

/** Whether kernel release a is at least b ("5.8"). */
function kernelAtLeast(release, min) {
  const v = (s) => s.split(/[.-]/).slice(0, 2).map(Number);
  const [a1, a2] = v(release);
  const [b1, b2] = v(min);
  return a1 > b1 || (a1 === b1 && a2 >= b2);
}

/**
 * linux.seccomp of a container with the bounding capabilities `caps`, made
 * from a containers-common (or moby) profile as podman and Docker make it:
 * the native arch with its sub-architectures; the entries whose includes
 * (all their caps, one of their arches, the minimum kernel) hold and whose
 * excludes do not.
 */
function ociProfile(common, caps, release = os.release()) {
  const archMap = (common.archMap ?? []).find((a) => a.architecture === NATIVE_ARCH);
  const syscalls = [];
  for (const s of common.syscalls ?? []) {
    const inc = s.includes ?? {};
    const exc = s.excludes ?? {};
    if (inc.caps?.length && !inc.caps.every((c) => caps.includes(c))) continue;
    if (inc.arches?.length && !inc.arches.includes(GO_ARCH)) continue;
    if (inc.minKernel && !kernelAtLeast(release, inc.minKernel)) continue;
    if (exc.caps?.some((c) => caps.includes(c))) continue;
    if (exc.arches?.includes(GO_ARCH)) continue;
    const entry = { names: s.names, action: s.action };
    if (s.errnoRet !== undefined) entry.errnoRet = s.errnoRet;
    if (s.args?.length) entry.args = s.args.map((a) => ({ index: a.index, value: a.value, ...(a.valueTwo ? { valueTwo: a.valueTwo } : {}), op: a.op }));
    syscalls.push(entry);
  }
  return {
    defaultAction: common.defaultAction,
    ...(common.defaultErrnoRet !== undefined ? { defaultErrnoRet: common.defaultErrnoRet } : {}),
    architectures: archMap ? [archMap.architecture, ...archMap.subArchitectures] : [NATIVE_ARCH],
    syscalls,
  };
}

/** podman's default capabilities (containers.conf default_capabilities). */
const PODMAN_CAPS = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_SETFCAP',
  'CAP_SETGID', 'CAP_SETPCAP', 'CAP_SETUID', 'CAP_SYS_CHROOT'];

/** podman's default profile for its default capabilities, or null where containers-common is not installed. */
function podmanProfile(caps = PODMAN_CAPS) {
  if (!fs.existsSync(CONTAINERS_PROFILE)) return null;
  return ociProfile(JSON.parse(fs.readFileSync(CONTAINERS_PROFILE, 'utf8')), caps);
}

module.exports = { CONTAINERS_PROFILE, PODMAN_CAPS, ociProfile, podmanProfile };
