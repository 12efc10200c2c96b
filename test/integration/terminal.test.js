'use strict';
// process.terminal with --console-socket: the pty master arrives over the
// socket as runc sends it (SCM_RIGHTS, a name as payload); the process has
// the slave as its controlling terminal and stdio, with consoleSize applied.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const h = require('../helpers');

const skip = !h.isRoot && 'integration tests run real containers and need root';

const receiver = h.consoleReceiver;

test('create with a terminal sends the pty master over the console socket', { skip }, async (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const sock = path.join(h.tmpdir('console'), 'console.sock');
  const r = await receiver(t, sock);
  const bundle = h.makeBundle((c) => {
    c.process.terminal = true;
    c.process.consoleSize = { height: 30, width: 100 };
    c.process.args = ['sh', '-c', 'tty; stty size; ls -l /dev/console | cut -c1; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo stdio-is-tty; cat /proc/self/stat | cut -d" " -f6,7'];
  });
  const id = h.uniqueId();
  const c = rt(['create', '--console-socket', sock, '--bundle', bundle, id]);
  assert.equal(c.status, 0, c.stderr);
  await h.until(() => r.output().includes('name='));
  assert.match(r.output(), /name=\/dev\/ptmx/);
  assert.equal(rt(['start', id]).status, 0);
  await r.done();
  const out = JSON.parse(`"${/output='(.*)'/.exec(r.output())[1].replace(/"/g, '\\"')}"`.replace(/\\\\/g, '\\'));
  const lines = out.split('\r\n');
  assert.equal(lines[0], '/dev/pts/0');
  assert.equal(lines[1], '30 100');
  assert.equal(lines[2], 'c', '/dev/console is the pty');
  assert.equal(lines[3], 'stdio-is-tty');
  // session id (field 6) = pid 1, controlling tty (field 7) = pts/0 = 136:0
  assert.equal(lines[4], '1 34816');
});

test('a terminal without a console socket fails create clearly', { skip }, (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const bundle = h.makeBundle((c) => { c.process.terminal = true; });
  const id = h.uniqueId();
  const r = rt(['create', '--bundle', bundle, id]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /cannot allocate tty if tsrun will detach without setting console socket/);
  h.assertNothingLeft(assert, rt, id, bundle);
});

test('exec --tty with a console socket', { skip }, async (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const bundle = h.makeBundle();
  const id = h.uniqueId();
  assert.equal(rt(['run', '--detach', '--bundle', bundle, id]).status, 0);
  const sock = path.join(h.tmpdir('console'), 'console.sock');
  const r = await receiver(t, sock, ['echo typed-$((6*7))', 'exit 3']);
  const e = rt(['exec', '--tty', '--console-socket', sock, id, 'sh']);
  assert.equal(e.status, 3, e.stderr);
  await r.done();
  assert.match(r.output(), /typed-42/);
});
