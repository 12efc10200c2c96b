// Errors the CLI reports with runc's exact wording: containerd, podman and
// CRI-O match these strings: they are part of the command line's contract.
export class RuntimeError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'RuntimeError';
  }
}

export const notExist = (): RuntimeError => new RuntimeError('container does not exist');
export const notRunning = (): RuntimeError => new RuntimeError('container not running');
export const alreadyExists = (): RuntimeError => new RuntimeError('container with given ID already exists');
export const invalidId = (): RuntimeError => new RuntimeError('invalid container ID format');

/** exec's own failures exit 255, so callers can tell them from the process's status. */
export const EXEC_FAILED = 255;
