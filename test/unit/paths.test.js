'use strict';
// ensureInRoot on the real kernel, with another process racing it: several
// containers may share one rootfs, so a directory or file missing at the
// open can exist by the mkdir. That must not fail the container.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ensureInRoot, openInRoot } = require('../../dist/init/paths');
const { linux } = require('../../dist/linux/libc');
const C = require('../../dist/linux/constants');

/** The real syscalls, except that each create is preceded by a racer's. */
function racingSyscalls(root) {
  const raced = [];
  const sys = Object.create(linux);
  sys.mkdirat = (dirfd, name, mode) => {
    const where = fs.readlinkSync(`/proc/self/fd/${dirfd}`);
    fs.mkdirSync(path.join(where, name));
    raced.push(path.relative(root, path.join(where, name)));
    linux.mkdirat(dirfd, name, mode);
  };
  sys.openat2 = (dirfd, p, flags, mode, resolve) => {
    if (flags & C.O_CREAT) {
      const where = fs.readlinkSync(`/proc/self/fd/${dirfd}`);
      fs.writeFileSync(path.join(where, p), '');
      raced.push(path.relative(root, path.join(where, p)));
    }
    return linux.openat2(dirfd, p, flags, mode, resolve);
  };
  return { sys, raced };
}

function withRoot(fn) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-paths-'));
  const rootFd = fs.openSync(root, 'r');
  try {
    fn(root, rootFd);
  } finally {
    fs.closeSync(rootFd);
    fs.rmSync(root, { recursive: true, force: true });
  }
}

test('ensureInRoot: a directory made by another process between open and mkdir', () => {
  withRoot((root, rootFd) => {
    const { sys, raced } = racingSyscalls(root);
    const fd = ensureInRoot(sys, rootFd, '/sys/fs/cgroup', 'dir');
    try {
      assert.deepEqual(raced, ['sys', 'sys/fs', 'sys/fs/cgroup']);
      assert.equal(fs.readlinkSync(`/proc/self/fd/${fd}`), path.join(root, 'sys/fs/cgroup'));
      assert.ok(fs.statSync(path.join(root, 'sys/fs/cgroup')).isDirectory());
    } finally {
      fs.closeSync(fd);
    }
  });
});

test('ensureInRoot: a file made by another process between open and create', () => {
  withRoot((root, rootFd) => {
    const { sys, raced } = racingSyscalls(root);
    const fd = ensureInRoot(sys, rootFd, '/etc/resolv.conf', 'file');
    try {
      assert.deepEqual(raced, ['etc', 'etc/resolv.conf']);
      assert.ok(fs.statSync(path.join(root, 'etc/resolv.conf')).isFile());
    } finally {
      fs.closeSync(fd);
    }
  });
});

test('ensureInRoot: other mkdir errors still name the path and errno', () => {
  withRoot((root, rootFd) => {
    fs.writeFileSync(path.join(root, 'file'), '');
    const sys = Object.create(linux);
    sys.mkdirat = () => linux.mkdirat(rootFd, 'file/sub/x', 0o755);
    assert.throws(() => ensureInRoot(sys, rootFd, '/a/b', 'dir'), { message: 'mkdir /a: ENOTDIR: not a directory' });
  });
});

test('ensureInRoot: a symlink swapped in by the racer still resolves inside the root', () => {
  withRoot((root, rootFd) => {
    const sys = Object.create(linux);
    sys.mkdirat = (dirfd, name) => {
      fs.symlinkSync('/../../..', path.join(fs.readlinkSync(`/proc/self/fd/${dirfd}`), name));
      const e = new (require('../../dist/linux/errors').SyscallError)('mkdir', name, 17 /* EEXIST */);
      throw e;
    };
    const fd = ensureInRoot(sys, rootFd, '/escape', 'dir');
    try {
      assert.equal(fs.readlinkSync(`/proc/self/fd/${fd}`), root);
      const again = openInRoot(linux, rootFd, '/escape');
      fs.closeSync(again);
    } finally {
      fs.closeSync(fd);
    }
  });
});
