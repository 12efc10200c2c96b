'use strict';
// Why a reference runtime fails a case: a deviation of that runtime (the
// version installed here: runc 1.1.5, crun 1.8.1) from the spec, or something
// this machine lacks. Used by run.js to write the last section of RESULTS.md.
// Keys: case id -> { runc?, crun?, all? } (all: the same reason for every runtime).

const MACHINE_CG = (ctrl) => `machine: the ${ctrl} controller is not mounted as a cgroup v1 hierarchy on this host ` +
  '(/proc/cgroups lists it with hierarchy 0' + (ctrl === 'hugetlb' ? '; hugetlb is bound to the cgroup2 mount /sys/fs/cgroup/unified' : '') +
  '), so no runtime can apply the limit and create fails. Passes on a host that mounts it.';
const RUNC_POSTSTART = 'runc deviation: runc 1.1 runs poststart hooks at the end of `create` instead of after the user process was ' +
  'started by `start` (fixed in runc 1.2).';

module.exports = {
  'lifecycle/delete-created-fails': {
    all: 'deviation shared by runc and crun: a plain `delete` of a container in the "created" state kills its init and deletes it, ' +
      'where runtime.md says deleting a container that is not stopped MUST have no effect and MUST generate an error. Both treat ' +
      '"created" like "stopped" because callers (containerd, podman) clean up containers whose start never happened this way.',
  },
  'validation/accepts-ociversion-1.2.0': {
    crun: 'crun deviation (age): crun 1.8.1 only accepts configs whose ociVersion is 1.0.x or 1.1.x ("unknown version specified"); ' +
      'runtime-spec 1.2.0 is newer than this crun. config.md promises compatibility within a major version.',
  },
  'namespaces/inherit-mount': {
    runc: 'runc deviation (Debian 1.1.5): without a mount namespace runc chroots into the rootfs, where no /proc is mounted, and then ' +
      'fails to close its fds through /proc/self/fd (the CVE-2024-21626 backport); with a proc mount in the config it mounts it ' +
      'on the host, and leaves it there.',
    crun: 'machine: the harness runs crun in a private mount namespace of its own (see the crun wrapper note), so its container ' +
      'inherits that namespace, not the runtime\'s.',
  },
  'namespaces/none': {
    runc: 'runc deviation (Debian 1.1.5): as for namespaces/inherit-mount, /proc/self/fd is missing in the chroot.',
    crun: 'machine: the harness runs crun in a private mount namespace of its own (see the crun wrapper note).',
  },
  'robustness/cwd-through-inherited-fd': {
    crun: 'crun deviation (1.8.1): an fd the caller left open reaches the container\'s init, and a cwd of /proc/self/fd/N then puts ' +
      'the process in that host directory (CVE-2024-21626\'s class; fixed in later crun).',
  },
  'robustness/kill-during-create': {
    all: 'deviation shared by runc and crun: a create killed early leaves cgroup directories that delete --force does not remove ' +
      '(neither records its cgroup before creating it).',
  },
  'robustness/dev-null-symlink': {
    runc: 'runc deviation (Debian 1.1.5): masking binds whatever the image\'s /dev/null names, here the host\'s ' +
      '/proc/sys/kernel/core_pattern, and the container wrote to it (CVE-2025-31133; fixed in runc 1.2.8, 1.3.3, 1.4.0-rc.3). The case ' +
      'puts the host\'s value back.',
  },
  'seccomp/errnoret-unsupported-action': {
    runc: 'runc deviation: runc 1.1 ignores errnoRet on an action that takes no errno (here SCMP_ACT_KILL) and runs the container, ' +
      'where config-linux.md says the runtime MUST print an error and fail.',
  },
  'validation/ociversion-missing': {
    runc: 'runc deviation: runc does not check ociVersion at all (a config without it, although REQUIRED, is accepted).',
  },
  'validation/args-not-array': {
    crun: 'crun deviation: crun 1.8.1 accepts a string for process.args (its config parser does not reject the type mismatch).',
  },
  'validation/cwd-relative': {
    crun: 'crun deviation: crun 1.8.1 does not check that process.cwd is absolute.',
  },
  'validation/mount-relative-destination': {
    all: 'deviation shared by runc and crun, on purpose: both accept a relative mount destination (runc 1.1 only logs a warning, ' +
      'see runc issue #3020) for compatibility with old configs. The case follows spec 1.1 (the bundles\' ociVersion), where the ' +
      'destination MUST be absolute; spec 1.2 relaxed this (relative destinations are deprecated and resolved against /).',
  },
  'validation/namespace-duplicate': {
    crun: 'crun deviation: crun 1.8.1 does not reject two namespaces entries of the same type.',
  },
  'validation/hook-path-relative': {
    all: 'deviation shared by runc and crun: neither checks that a hook path is absolute; both exec the relative path against their ' +
      'working directory (the case makes bin/true exist there, so only a path check can reject it).',
  },
  'validation/hook-timeout-zero': {
    crun: 'crun deviation: crun 1.8.1 accepts "timeout": 0 (the spec requires timeout > 0 when set).',
  },
  'mounts/tmpfs-data-options': {
    runc: 'runc deviation: runc 1.1 chmods the root of a tmpfs mounted on an existing directory back to that directory\'s mode ' +
      '(/run in the rootfs is 0755), overriding the mode=710 option.',
  },
  'hostname/domainname': {
    runc: 'runc deviation (age): runc 1.1.5 does not implement the domainname field (added in runc 1.2); the container keeps "(none)".',
  },
  'namespaces/new-time': {
    runc: 'runc deviation (age): runc 1.1.5 does not know the "time" namespace type added in runtime-spec 1.2 ("namespace {time} does not exist").',
    crun: 'crun deviation: crun 1.8.1 fails to create a container with a new time namespace on this kernel (its init dies during setup: ' +
      '"write to sync socket: Connection reset by peer"). The kernel supports time namespaces (`unshare --time --fork` works).',
  },
  'devices/existing-file-mismatch': {
    all: 'deviation shared by runc and crun: when a regular file already exists at a linux.devices path, both start the container ' +
      'instead of generating the error config-linux.md requires (runc ignores EEXIST from mknod).',
  },
  'propagation/rootfs-shared': {
    runc: 'runc deviation: runc 1.1.5 applies rootfsPropagation to the mount tree before pivot_root and makes the mount holding the ' +
      'rootfs private before bind-mounting it, so the container\'s / ends up private; crun re-applies the propagation after pivot_root.',
  },
  'propagation/rootfs-unbindable': {
    runc: 'runc deviation: as for propagation/rootfs-shared, the container\'s / ends up private whatever rootfsPropagation says.',
  },
  'propagation/rootfs-slave': {
    all: 'deviation shared by runc and crun: both make the mount that holds the rootfs private before bind-mounting the rootfs onto ' +
      'itself (pivot_root refuses a shared parent), so the rootfs mount has no master and "slave" cannot be honoured for it; ' +
      'the case makes the rootfs a shared mount on the host, as an overlay rootfs under a shared / would be.',
  },
  'propagation/rootfs-slave-receives': {
    all: 'deviation shared by runc and crun (same cause as propagation/rootfs-slave): a mount made on the host under the rootfs ' +
      'does not reach the container, although config-linux.md says a "slave" rootfs receives the host\'s mount events.',
  },
  'propagation/mount-rslave': { crun: 'crun deviation: crun 1.8.1 leaves bind mounts private in the running container whatever propagation option they carry.' },
  'propagation/mount-rshared': { crun: 'crun deviation: crun 1.8.1 leaves bind mounts private in the running container whatever propagation option they carry.' },
  'propagation/mount-runbindable': { crun: 'crun deviation: crun 1.8.1 leaves bind mounts private in the running container whatever propagation option they carry.' },
  'hooks/prestart-state': {
    runc: 'runc deviation: runc 1.1 passes status "creating" to prestart hooks; the hooks run after lifecycle step 2, which runtime.md ' +
      'calls "created", and the runtime-tools validation (hooks_stdin) requires "created".',
  },
  'hooks/poststart-when': { runc: RUNC_POSTSTART },
  'hooks/poststart-state': { runc: `${RUNC_POSTSTART} The hook therefore sees status "created", not "running".` },
  'hooks/poststart-fails': { runc: `${RUNC_POSTSTART} A failing poststart hook therefore fails create, where the spec wants a warning.` },
  'hooks/all-in-lifecycle-order': {
    runc: RUNC_POSTSTART,
    crun: 'crun: flaky under load: in one full run out of several the startContainer hook and the program did not run (the rest of ' +
      'the lifecycle did); not reproduced when re-run (see the hooks/startContainer-* cases).',
  },
  'hooks/createContainer-state': {
    runc: 'runc deviation: runc 1.1 builds the state of createContainer hooks inside its init and passes "pid": 1 (the pid in the ' +
      'container\'s pid namespace), where runtime.md defines state.pid as the container process "as seen by the host".',
    crun: 'crun deviation: crun 1.8.1 passes "pid": 0 in the state of createContainer hooks (the container process is pid 1 in its namespace).',
  },
  'hooks/startContainer-state': {
    runc: 'runc deviation: as for createContainer, runc passes "pid": 1 (the pid in the container\'s pid namespace) instead of the ' +
      'pid as seen by the host that runtime.md defines.',
    crun: 'crun deviation: crun 1.8.1 passes a state with "bundle": "/", "pid": 0 and the non-spec status "starting" to startContainer hooks.',
  },
  'cgroups/blkio-weight': {
    crun: 'crun deviation/limitation: crun 1.8.1 writes blkio.weight, which does not exist on kernels without CFQ (removed in Linux 5.0); ' +
      'runc falls back to blkio.bfq.weight, which this kernel has.',
  },
  'cgroups/hugepage-limit': { all: MACHINE_CG('hugetlb') },
  'cgroups/network-classid': { all: MACHINE_CG('net_cls') },
  'cgroups/network-priorities': { all: MACHINE_CG('net_prio') },
};

const NO_FEATURES = 'crun deviation (age): crun 1.8.1 has no `features` command ("unknown command features"); it was added to the spec in 1.1.0 and to crun later.';
for (const id of ['valid-json', 'oci-version-range', 'hooks', 'mount-options', 'linux-namespaces', 'linux-capabilities', 'linux-cgroup']) {
  module.exports[`features/${id}`] = { crun: NO_FEATURES };
}
