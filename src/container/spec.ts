// `spec`: writes a default config.json, runc's defaults with spec 1.2.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RuntimeError } from '../errors';
import { SPEC_VERSION } from '../version';

const CAPS = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];

export function defaultSpec(rootless: boolean): Record<string, unknown> {
  const spec: Record<string, any> = {
    ociVersion: SPEC_VERSION,
    process: {
      terminal: true,
      user: { uid: 0, gid: 0 },
      args: ['sh'],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: '/',
      capabilities: { bounding: CAPS, effective: CAPS, permitted: CAPS, ambient: CAPS },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'tsrun',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
    ],
    linux: {
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'cgroup' }],
      maskedPaths: ['/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
        '/proc/timer_stats', '/proc/sched_debug', '/sys/firmware', '/proc/scsi'],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
  if (rootless) {
    const uid = process.getuid?.() ?? 0;
    const gid = process.getgid?.() ?? 0;
    spec.linux.namespaces = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'cgroup' }, { type: 'user' }];
    spec.linux.uidMappings = [{ containerID: 0, hostID: uid, size: 1 }];
    spec.linux.gidMappings = [{ containerID: 0, hostID: gid, size: 1 }];
    delete spec.linux.resources;
    spec.mounts = spec.mounts.filter((m: { destination: string }) => m.destination !== '/sys' && m.destination !== '/sys/fs/cgroup');
    spec.mounts.push({ destination: '/sys', type: 'none', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] });
    const pts = spec.mounts.find((m: { destination: string }) => m.destination === '/dev/pts');
    pts.options = pts.options.filter((o: string) => o !== 'gid=5');
  }
  return spec;
}

export function writeSpec(bundle: string, rootless: boolean): void {
  const path = join(bundle, 'config.json');
  if (existsSync(path)) throw new RuntimeError('File config.json exists. Remove it first');
  writeFileSync(path, JSON.stringify(defaultSpec(rootless), null, '\t'));
}
