'use strict';
// Bundle writer: derives a case's bundle from bundles/busybox.
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const REPO = path.resolve(__dirname, '..', '..');
const BASE_BUNDLE = path.join(REPO, 'bundles', 'busybox');
const BASE_ROOTFS = path.join(BASE_BUNDLE, 'rootfs');
// The ociVersion written into every case bundle. 1.1.0 is used rather than the
// base bundle's 1.2.0 because older runtimes (crun 1.8.1) reject 1.2.0, which
// would hide every other result; validation/ociversion-* cases cover versions.
const CASE_OCI_VERSION = '1.1.0';

let baseConfigText = null;
function baseConfig() {
  if (baseConfigText === null) baseConfigText = fs.readFileSync(path.join(BASE_BUNDLE, 'config.json'), 'utf8');
  return JSON.parse(baseConfigText);
}

function ensureBaseRootfs() {
  if (fs.existsSync(path.join(BASE_ROOTFS, 'bin', 'busybox'))) return;
  const r = spawnSync('sh', [path.join(BASE_BUNDLE, 'build.sh')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cannot build ${BASE_ROOTFS}: ${r.stderr}`);
}

// Copy the busybox rootfs (preserving symlinks and modes) to dest.
function copyRootfs(dest) {
  const r = spawnSync('cp', ['-a', BASE_ROOTFS + '/.', dest + '/'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cp rootfs: ${r.stderr}`);
}

// Write `files` ({relpath: content | {content, mode} | {symlink}}) under dir.
function writeFiles(dir, files) {
  for (const [rel, spec] of Object.entries(files || {})) {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    if (spec && typeof spec === 'object' && spec.symlink !== undefined) {
      fs.rmSync(p, { recursive: true, force: true });
      fs.symlinkSync(spec.symlink, p);
    } else if (spec && typeof spec === 'object' && spec.dir) {
      fs.mkdirSync(p, { recursive: true });
      if (spec.mode !== undefined) fs.chmodSync(p, spec.mode);
    } else {
      const content = typeof spec === 'string' ? spec : spec.content;
      fs.writeFileSync(p, content);
      if (spec && spec.mode !== undefined) fs.chmodSync(p, spec.mode);
    }
  }
}

module.exports = { REPO, BASE_BUNDLE, BASE_ROOTFS, CASE_OCI_VERSION, baseConfig, ensureBaseRootfs, copyRootfs, writeFiles };
