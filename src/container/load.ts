// Loading a container for an operation: its stored state and live status.
import { notExist } from '../errors';
import { deriveStatus, type Status } from '../state/status';
import { Store, type StoredState } from '../state/store';

export interface Loaded { store: Store; state: StoredState; status: Status }

export function loadContainer(root: string, id: string): Loaded {
  const store = new Store(root);
  store.dir(id);
  const state = store.read(id);
  if (!state) throw notExist();
  return { store, state, status: deriveStatus(store, state) };
}
