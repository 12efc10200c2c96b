'use strict';
// NOTIFY_SOCKET: the container gets a socket at /run/notify/notify.sock and
// `start` relays its READY=1, then MAINPID, to the runtime's NOTIFY_SOCKET.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync, spawn } = require('node:child_process');
const h = require('../helpers');

/** A static sd_notify sender for the busybox container (busybox has none). */
function buildSender(dir) {
  const src = path.join(dir, 'notify.c');
  fs.writeFileSync(src, `#include <sys/socket.h>
#include <sys/un.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) {
  const char *p = getenv("NOTIFY_SOCKET");
  if (!p || argc < 2) return 2;
  int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
  struct sockaddr_un a = { .sun_family = AF_UNIX };
  strncpy(a.sun_path, p, sizeof a.sun_path - 1);
  return sendto(fd, argv[1], strlen(argv[1]), 0, (struct sockaddr *)&a, sizeof a) < 0;
}
`);
  const out = path.join(dir, 'sdnotify');
  return spawnSync('gcc', ['-static', '-O2', '-o', out, src]).status === 0 ? out : null;
}

const dir = h.tmpdir('notify');
const sender = h.isRoot ? buildSender(dir) : null;
const skip = (!h.isRoot && 'needs root') || (!sender && 'cannot build a static sender (gcc -static)');

test('READY=1 from the container reaches the host socket with MAINPID', { skip }, async (t) => {
  const rt = h.runtime();
  t.after(rt.cleanup);
  const hostSock = path.join(dir, 'host.sock');
  // The host side: a Python datagram listener prints what it receives.
  const listener = spawn('python3', ['-c', `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(${JSON.stringify(hostSock)}); print('bound', flush=True); s.settimeout(20)
for _ in range(2): print(s.recv(200).decode().strip(), flush=True)
`], { stdio: ['ignore', 'pipe', 'inherit'] });
  let got = '';
  listener.stdout.on('data', (d) => { got += d; });
  t.after(() => listener.kill());
  await h.until(() => got.includes('bound'));
  const bundle = h.makeBundle((c) => {
    c.process.args = ['sh', '-c', 'echo "$NOTIFY_SOCKET"; sleep 0.3; /sdnotify "STATUS=busy\nREADY=1"; sleep 300'];
    c.mounts.push({ destination: '/sdnotify', type: 'bind', source: sender, options: ['bind', 'ro'] });
  });
  const id = h.uniqueId();
  const r = rt(['run', '--detach', '--bundle', bundle, id], { env: { ...process.env, NOTIFY_SOCKET: hostSock } });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '/run/notify/notify.sock\n');
  await h.until(() => got.split('\n').length >= 4);
  const pid = rt.state(id).pid;
  assert.deepEqual(got.trim().split('\n').slice(1), ['READY=1', `MAINPID=${pid}`]);
});
