// Loading a container for an operation: its stored state and live status.
import type { HookState } from '../hooks';
import { deriveStatus, type Status } from '../state/status';
import { Store, type StoredState } from '../state/store';

export interface Loaded { store: Store; state: StoredState; status: Status }

export function loadContainer(root: string, id: string): Loaded {
  const store = new Store(root);
  const state = store.read(id);
  return { store, state, status: deriveStatus(store, state) };
}

/** The state passed to the hooks the runtime runs. */
export function hookState(state: StoredState, status: HookState['status']): HookState {
  return { ociVersion: state.ociVersion, id: state.id, status, ...(status === 'stopped' ? {} : { pid: state.pid }), bundle: state.bundle, annotations: state.annotations ?? {} };
}
