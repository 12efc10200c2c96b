'use strict';
// A recording fake of src/linux/syscalls.ts (youki's TestHelperSyscall in
// spirit): every call is recorded with its arguments, and any call can be
// made to fail with an errno for testing error paths.
const { SyscallError } = require('../../dist/linux/errors');

function fakeSyscalls() {
  const calls = [];
  const failures = new Map();
  const record = (name, ...args) => {
    calls.push([name, ...args]);
    const errno = failures.get(name);
    if (errno !== undefined) throw new SyscallError(name, String(args[0] ?? ''), errno);
  };
  const sys = new Proxy({}, {
    get(_, name) {
      if (name === 'then') return undefined;
      return (...args) => {
        record(name, ...args);
        if (name === 'openat2' || name === 'pidfdOpen') return 100 + calls.length;
        if (name === 'prctl') return 0;
        if (name === 'waitpid') return 0;
        if (name === 'socketpair') return [200, 201];
        if (name === 'poll') return args[0].map(() => 0);
        return undefined;
      };
    },
  });
  return {
    sys,
    calls,
    /** Makes every later call of `name` fail with `errno`. */
    failOn(name, errno) { failures.set(name, errno); },
    names() { return calls.map((c) => c[0]); },
    of(name) { return calls.filter((c) => c[0] === name).map((c) => c.slice(1)); },
  };
}

module.exports = { fakeSyscalls };
