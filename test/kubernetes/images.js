'use strict';
// Container images for the Kubernetes test, with no registry: a directory
// becomes a one-layer image in `docker save` form, which `ctr images
// import` takes.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const sha256 = (data) => crypto.createHash('sha256').update(data).digest('hex');

/**
 * Writes `out`: the image `name` (a tag such as localhost/busybox:tsrun)
 * whose one layer is the directory `rootfs`, with `config` as its
 * runtime config (Entrypoint, Cmd, Env, WorkingDir...).
 */
function imageArchive(out, { rootfs, name, config }) {
  const dir = fs.mkdtempSync(path.join(path.dirname(out), 'image-'));
  try {
    const layer = path.join(dir, 'layer.tar');
    const t = spawnSync('tar', ['--numeric-owner', '-C', rootfs, '-cf', layer, '.'], { encoding: 'utf8' });
    if (t.status !== 0) throw new Error(`tar ${rootfs}: ${t.stderr}`);
    const diffId = `sha256:${sha256(fs.readFileSync(layer))}`;
    const imageConfig = JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], ...config },
      rootfs: { type: 'layers', diff_ids: [diffId] },
      history: [{ created_by: 'tsrun test/kubernetes/images.js' }],
    });
    const configFile = `${sha256(imageConfig)}.json`;
    fs.writeFileSync(path.join(dir, configFile), imageConfig);
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify([{ Config: configFile, RepoTags: [name], Layers: ['layer.tar'] }]));
    const a = spawnSync('tar', ['-C', dir, '-cf', out, 'manifest.json', configFile, 'layer.tar'], { encoding: 'utf8' });
    if (a.status !== 0) throw new Error(`tar ${out}: ${a.stderr}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { imageArchive };
