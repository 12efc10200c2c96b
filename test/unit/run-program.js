'use strict';
// Runs a program in tsrun-init as a plain process (no namespaces), with the
// program on fd 3: for tests of programs and of the interpreter itself.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { decodeErrorRecord } = require('../../dist/init/program');
const { INTERP_ELF } = require('../../dist/native/images.generated');

let image;
function interpreter() {
  if (!image) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-interp-'));
    image = path.join(dir, 'tsrun-init');
    fs.writeFileSync(image, Buffer.from(INTERP_ELF, 'base64'), { mode: 0o755 });
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  return image;
}

/** Resolves with the exit status, stdout (text and raw), and what came back on fd 3 (and its error record). */
function runProgram(p, { args = ['3'], cwd } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(interpreter(), args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe'], cwd });
    const out = [];
    const back = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stdio[3].on('data', (d) => back.push(d));
    child.stdio[3].on('error', () => {});
    child.on('error', reject);
    child.on('close', (status, signal) => {
      const reply = Buffer.concat(back);
      const raw = Buffer.concat(out);
      resolve({ status, signal, stdout: raw.toString(), raw, reply, record: decodeErrorRecord(reply) });
    });
    if (p) child.stdio[3].write(p.finish().encode());
  });
}

module.exports = { runProgram, interpreter };
