'use strict';
// tsrun-init, the syscall-program interpreter, on the real kernel: each
// test builds a small program with the assembler (src/init/program.ts),
// runs the interpreter as a plain process with the program on fd 3, and
// checks what it did and what it reported.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { Program, AluOp, R_TRACE, R_REPORT, decodeErrorRecord } = require('../../dist/init/program');

const { runProgram: run, interpreter } = require('./run-program');

const ENOENT = 2;
const EEXIST = 17;
const AT_FDCWD = -100;

function writeOut(p, text) {
  const s = p.str(text);
  p.sys('write', [1, s, Buffer.byteLength(text)]);
}

test('a program runs its syscalls in order and ends with exit', async () => {
  const p = new Program();
  writeOut(p, 'hello ');
  writeOut(p, 'world\n');
  p.exit(7);
  const r = await run(p);
  assert.equal(r.stdout, 'hello world\n');
  assert.equal(r.status, 7);
  assert.equal(r.reply.length, 0);
});

test('a failing syscall ends the program with one error record: the step, its errno and its description', async () => {
  const p = new Program();
  writeOut(p, 'before\n');
  p.sys('openat', [AT_FDCWD, p.str('/nonexistent/tsrun'), 0, 0], { msg: 'open /nonexistent/tsrun' });
  writeOut(p, 'after\n');
  p.exit(0);
  const r = await run(p);
  assert.equal(r.stdout, 'before\n');
  assert.equal(r.status, 1);
  assert.deepEqual({ ...r.record, extra: r.record.extra.toString() }, { step: 1, nr: 257, errno: ENOENT, value: 0n, msg: 'open /nonexistent/tsrun', extra: '' });
});

test('an accepted errno goes to its label; any other errno still fails', async (t) => {
  const p = new Program();
  const exists = p.label('exists');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-m-'));
  t.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  p.sys('mkdirat', [AT_FDCWD, p.str(tmp), 0o755], { unless: { errno: EEXIST, goto: exists }, msg: 'mkdir' });
  writeOut(p, 'made\n');
  p.bind(exists);
  writeOut(p, 'there\n');
  p.sys('mkdirat', [AT_FDCWD, p.str(`${tmp}/a/b`), 0o755], { unless: { errno: EEXIST, goto: exists }, msg: `mkdir ${tmp}/a/b` });
  p.exit(0);
  const r = await run(p);
  assert.equal(r.stdout, 'there\n');
  assert.equal(r.record.errno, ENOENT);
  assert.equal(r.record.msg, `mkdir ${tmp}/a/b`);
});

test('registers: results, loads and stores on the data, arithmetic, decimal text, conditional jumps', async () => {
  const p = new Program();
  const fd = p.reg('fd');
  const n = p.reg('n');
  const text = p.buf(32);
  // open /dev/null, then print its fd number + 1000 and whether it is above 2.
  p.sys('openat', [AT_FDCWD, p.str('/dev/null'), 0, 0], { dst: fd });
  p.alu(n, AluOp.Add, fd, 1000);
  const len = p.reg('len');
  p.itoa(n, text, len);
  p.sys('write', [1, text, len]);
  const low = p.label('low');
  p.jlt(fd, 3, low);
  writeOut(p, ' above\n');
  p.exit(0);
  p.bind(low);
  writeOut(p, ' low\n');
  p.exit(1);
  const r = await run(p);
  assert.match(r.stdout, /^100\d above\n$/);
  // A 32-bit store and loads of its bytes.
  const q = new Program();
  const b = q.buf(8);
  const v = q.reg('v');
  q.store(b, 4, 0, 0x01020304);
  q.load(v, b, 1, 1);
  const bad = q.label('bad');
  q.jne(v, 3, bad);
  q.load(v, b, 4);
  q.jne(v, 0x01020304, bad);
  q.alu(v, AluOp.Shr, v, 16);
  q.alu(v, AluOp.And, v, 0xff);
  q.jne(v, 2, bad);
  q.exit(0);
  q.bind(bad);
  q.exit(9);
  assert.equal((await run(q)).status, 0);
});

test('pointers inside the data are relocated: execve with argv and envp arrays', async () => {
  const p = new Program();
  p.sys('execve', [p.str('/bin/sh'), p.strv(['sh', '-c', 'echo "$0 $A"', 'zero']), p.strv(['A=from-envp'])], { msg: 'exec /bin/sh' });
  const r = await run(p);
  assert.equal(r.stdout, 'zero from-envp\n');
  assert.equal(r.status, 0);
});

test('fail reports a value and extra bytes; the failure status and report fd are registers', async () => {
  const p = new Program();
  const extra = p.str('the tail of a hook\'s stderr');
  p.mov(new (require('../../dist/init/program').Reg)(1, 'failcode'), 42);
  p.fail('hook #0 failed', 0, 3, extra, 27);
  const r = await run(p);
  assert.equal(r.status, 42);
  assert.equal(r.record.msg, 'hook #0 failed');
  assert.equal(r.record.value, 3n);
  assert.equal(r.record.extra.toString(), 'the tail of a hook\'s stderr');
  // Reports can go elsewhere: to stdout here.
  const q = new Program();
  q.mov(R_REPORT, 1);
  q.fail('to stdout');
  const s = await run(q);
  assert.equal(s.reply.length, 0);
  assert.equal(decodeErrorRecord(s.raw).msg, 'to stdout');
});

test('tracing: each syscall step\'s index, number and result go to the trace fd', async () => {
  const p = new Program();
  p.mov(R_TRACE, 1);
  p.sys('getpid', []);
  p.sys('close', [99], { unless: { errno: 'any', goto: p.label('x') } });
  const x = p.insns[p.insns.length - 1].target;
  p.bind(x);
  p.mov(R_TRACE, -1);
  p.exit(0);
  const r = await run(p);
  const t = r.raw;
  assert.equal(t.length, 32);
  assert.equal(t.readUInt32LE(0), 1);
  assert.equal(t.readUInt32LE(4), 39);
  assert.ok(t.readBigInt64LE(8) > 0n);
  assert.equal(t.readUInt32LE(16), 2);
  assert.equal(t.readUInt32LE(20), 3);
  assert.equal(t.readBigInt64LE(24), -9n);
});

test('a forked child continues the same program (fork by clone, wait by wait4)', async () => {
  const p = new Program();
  const pid = p.reg('pid');
  const child = p.label('child');
  p.sys('clone', [17 /* SIGCHLD */, 0, 0, 0, 0], { dst: pid });
  p.jeq(pid, 0, child);
  const status = p.buf(8);
  p.sys('wait4', [pid, status, 0, 0]);
  writeOut(p, 'parent\n');
  const st = p.reg('status');
  p.load(st, status, 4);
  p.alu(st, AluOp.Shr, st, 8);
  p.exit(st);
  p.bind(child);
  writeOut(p, 'child\n');
  p.exit(5);
  const r = await run(p);
  assert.equal(r.stdout, 'child\nparent\n');
  assert.equal(r.status, 5);
});

test('bad starts: no fd argument, a truncated program, a program that runs off its end', async () => {
  assert.equal((await run(null, { args: [] })).status, 125);
  const short = await new Promise((resolve) => {
    const child = spawn(interpreter(), ['3'], { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    child.stdio[3].on('error', () => {});
    child.stdio[3].end(Buffer.from([100, 0, 0, 0, 1, 2]));
    child.on('close', (status) => resolve(status));
  });
  assert.equal(short, 1);
  const p = new Program();
  writeOut(p, 'x');
  const r = await run(p);
  assert.equal(r.status, 1);
  assert.equal(r.record.step, 1);
});
