// Foreground `run` and `exec` without a terminal do what runc calls
// foreground pass-through (its docs/terminals.md). The process never gets
// the runtime's own stdio: in a shell that is the user's terminal, into
// which a container could inject input with TIOCSTI. Instead it gets three
// pipes, and the runtime copies between them and its own stdio while the
// process runs.
import { closeSync, fchownSync, readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { linux as sys } from '../linux/libc';
import { debug } from '../log';

export class StdioRelay {
  /** The process's ends, for its fds 0, 1 and 2. They are close-on-exec here; the init takes them over. */
  readonly child: number[];
  /** Ours: where its stdin is written, and where its stdout and stderr are read. */
  private readonly ours: number[];

  private constructor(child: number[], ours: number[]) {
    this.child = child;
    this.ours = ours;
  }

  static open(): StdioRelay {
    const pipes: [number, number][] = [];
    try {
      for (let i = 0; i < 3; i++) pipes.push(sys.pipe());
    } catch (e) {
      for (const fd of pipes.flat()) closeSync(fd);
      throw e;
    }
    const [[inR, inW], [outR, outW], [errR, errW]] = pipes;
    return new StdioRelay([inR, outW, errW], [inW, outR, errR]);
  }

  /**
   * Gives the pipes to the root of pid's user namespace, as runc does, so
   * that its processes can reopen /proc/self/fd/N (/dev/stdout) too. Best
   * effort: an unprivileged runtime may not give them away.
   */
  giveToRootOf(pid: number): void {
    const root = (file: string): number | undefined => {
      let text: string;
      try { text = readFileSync(`/proc/${pid}/${file}`, 'utf8'); } catch { return undefined; } // already gone
      const line = text.split('\n').map((l) => l.trim().split(/\s+/).map(Number)).find((f) => f[0] === 0);
      return line?.[1];
    };
    const uid = root('uid_map');
    const gid = root('gid_map');
    if (uid === undefined || gid === undefined || (uid === 0 && gid === 0)) return;
    for (const fd of [...this.child, ...this.ours]) {
      try { fchownSync(fd, uid, gid); } catch (e) { debug(`fchown relay pipe to ${uid}:${gid}: ${(e as NodeJS.ErrnoException).code}`); }
    }
  }

  /** Once the init holds its copies: from then on, end of file on stdout and stderr means the process side is done. */
  closeChildEnds(): void {
    for (const fd of this.child.splice(0)) closeSync(fd);
  }

  /** Drops every pipe unused: a failed start, or a terminal taking stdio over. */
  close(): void {
    this.closeChildEnds();
    for (const fd of this.ours.splice(0)) closeSync(fd);
  }

  /**
   * Copies our stdin to the process and its stdout and stderr to ours,
   * until both of those reach end of file (every process holding them has
   * exited). If our stdout or stderr goes away, that pipe is closed, and
   * the process gets EPIPE, as it would have without the relay.
   */
  async pump(): Promise<void> {
    const [inW, outR, errR] = this.ours.splice(0);
    const { Socket: NetSocket } = require('node:net') as typeof import('node:net');
    const copyOut = (fd: number, to: NodeJS.WriteStream): Promise<void> => new Promise((resolve) => {
      const from: Socket = new NetSocket({ fd, readable: true, writable: false });
      const stop = () => from.destroy();
      to.on('error', stop);
      from.on('data', (chunk) => { if (!to.write(chunk)) { from.pause(); to.once('drain', () => from.resume()); } });
      from.on('error', stop);
      from.on('close', () => { to.off('error', stop); resolve(); });
    });
    const sink: Socket = new NetSocket({ fd: inW, readable: false, writable: true });
    const stopStdin = () => { process.stdin.unpipe(sink); sink.destroy(); };
    sink.on('error', stopStdin); // the process closed its stdin
    process.stdin.on('error', stopStdin); // ours failed (a hung-up terminal): the process sees end of file
    process.stdin.pipe(sink);
    try {
      await Promise.all([copyOut(outR, process.stdout), copyOut(errR, process.stderr)]);
    } finally {
      process.stdin.unpipe(sink);
      sink.destroy();
      process.stdin.destroy();
    }
  }
}
