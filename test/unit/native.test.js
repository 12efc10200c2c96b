'use strict';
// The committed machine code (src/native/images.generated.ts) is what
// scripts/build-native.sh builds from src/native/: nobody edits the bytes
// by hand, and a change to the sources without a rebuild fails here.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..', '..');
const tools = ['gcc', 'as', 'objcopy'].filter((t) => spawnSync(t, ['--version']).status !== 0);

test('src/native/images.generated.ts is the build of src/native/', { skip: tools.length ? `${tools.join(', ')} not installed (Debian packages gcc, binutils)` : false }, () => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-native-')), 'images.ts');
  try {
    const r = spawnSync('sh', [path.join(root, 'scripts/build-native.sh'), out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(fs.readFileSync(out, 'utf8'), fs.readFileSync(path.join(root, 'src/native/images.generated.ts'), 'utf8'));
  } finally {
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  }
});

test('the interpreter is a static ELF with no segment both writable and executable', () => {
  const { INTERP_ELF } = require('../../dist/native/images.generated');
  const elf = Buffer.from(INTERP_ELF, 'base64');
  assert.equal(elf.subarray(0, 4).toString('latin1'), '\x7fELF');
  assert.equal(elf.readUInt16LE(16), 2, 'ET_EXEC');
  const phoff = Number(elf.readBigUInt64LE(32));
  const phnum = elf.readUInt16LE(56);
  const types = [];
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * 56;
    const type = elf.readUInt32LE(ph);
    const flags = elf.readUInt32LE(ph + 4);
    types.push(type);
    assert.ok(!((flags & 2) && (flags & 1)), `segment ${i} is writable and executable`);
  }
  assert.ok(!types.includes(3), 'no PT_INTERP: static');
  assert.ok(elf.length < 16384, `${elf.length} bytes`);
});
