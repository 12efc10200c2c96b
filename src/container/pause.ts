// `pause` and `resume`: the cgroup freezer, waited on until the kernel
// reports the cgroup frozen or thawed.
import { RuntimeError, notRunning } from '../errors';
import { loadCgroup } from './cgroup';
import { loadContainer } from './load';

export function pause(root: string, id: string): void {
  const { state, status } = loadContainer(root, id);
  if (status !== 'running') throw notRunning();
  const cgroup = loadCgroup(state);
  if (!cgroup) throw new RuntimeError('cannot pause a container without a cgroup tsrun manages');
  cgroup.freeze();
}

export function resume(root: string, id: string): void {
  const { state, status } = loadContainer(root, id);
  if (status !== 'paused') throw new RuntimeError('container not paused');
  loadCgroup(state)!.thaw();
}
