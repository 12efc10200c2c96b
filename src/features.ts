// `features`: the runtime-spec Features document, listing only what this
// version of tsrun really does. CRI-O and containerd read it to decide what
// to ask for (idmapped mounts, rro...), so it must never overstate.
import { release } from 'node:os';
import { ACTIONS, ARCHES, FLAGS, OPERATORS, supportedFlags } from './seccomp/profile';
import { CAPABILITIES } from './spec/capabilities';
import { MOUNT_OPTION_NAMES } from './spec/mount-options';
import { SPEC_VERSION, VERSION } from './version';

export function features(): Record<string, unknown> {
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: SPEC_VERSION,
    hooks: ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'],
    mountOptions: MOUNT_OPTION_NAMES,
    linux: {
      namespaces: ['cgroup', 'ipc', 'mount', 'network', 'pid', 'time', 'user', 'uts'],
      capabilities: Object.keys(CAPABILITIES),
      cgroup: { v1: true, v2: true, systemd: false, systemdUser: false, rdma: true },
      seccomp: {
        enabled: true,
        actions: Object.keys(ACTIONS).sort(),
        operators: [...OPERATORS].sort(),
        archs: [...ARCHES].sort(),
        knownFlags: Object.keys(FLAGS),
        supportedFlags: supportedFlags(release()),
      },
      apparmor: { enabled: false },
      selinux: { enabled: false },
      intelRdt: { enabled: false },
      mountExtensions: { idmap: { enabled: true } },
    },
    annotations: {
      'io.github.tsrun.version': VERSION,
    },
  };
}
