// The fast path of the command line: runc's exact syntax for the commands
// callers run most (state, start, kill, delete, list, create, run), parsed
// without loading yargs, which costs more than the command itself. Anything
// this parser does not know for certain (an unknown flag, help, a missing
// or extra argument) returns null, and yargs parses the whole line as usual,
// with its usage errors.

export interface Globals { root: string; log?: string; logFormat: string; debug: boolean; systemdCgroup: boolean; rootless: string }

export interface FastCommand {
  name: string;
  globals: Globals;
  run: () => Promise<unknown>;
}

/** The global flags that take a value (also for splitting `exec` in main.ts). */
export const GLOBAL_VALUES = new Set(['root', 'log', 'log-format', 'rootless', 'criu']);
const GLOBAL_BOOLS = new Set(['debug', 'systemd-cgroup']);

/** Reads `--name value`, `--name=value` or a boolean `--name`; returns null for anything else. */
function takeFlags(args: string[], values: Set<string>, bools: Set<string>, aliases: Record<string, string> = {}):
  { flags: Record<string, string | true>; rest: string[] } | null {
  const flags: Record<string, string | true> = {};
  let i = 0;
  for (; i < args.length && args[i].startsWith('-') && args[i] !== '-'; i++) {
    if (args[i] === '--') { i++; break; }
    let [name, value] = args[i].replace(/^--?/, '').split(/=(.*)/s, 2) as [string, string | undefined];
    if (!args[i].startsWith('--')) {
      if (!(name in aliases) || value !== undefined) return null;
      name = aliases[name];
    }
    if (values.has(name)) {
      if (value === undefined) {
        if (i + 1 >= args.length) return null;
        value = args[++i];
      }
      flags[name] = value;
    } else if (bools.has(name)) {
      if (value !== undefined) return null;
      flags[name] = true;
    } else {
      return null;
    }
  }
  return { flags, rest: args.slice(i) };
}

export function parseFast(argv: string[], defaultRoot: () => string): FastCommand | null {
  const g = takeFlags(argv, GLOBAL_VALUES, GLOBAL_BOOLS);
  if (!g || g.rest.length === 0) return null;
  if (g.flags['log-format'] !== undefined && g.flags['log-format'] !== 'text' && g.flags['log-format'] !== 'json') return null;
  const globals: Globals = {
    root: (g.flags.root as string | undefined) ?? defaultRoot(),
    log: g.flags.log as string | undefined,
    logFormat: (g.flags['log-format'] as string | undefined) ?? 'text',
    debug: g.flags.debug === true,
    systemdCgroup: g.flags['systemd-cgroup'] === true,
    rootless: (g.flags.rootless as string | undefined) ?? 'auto',
  };
  const [name, ...args] = g.rest;
  const one = (values: string[], bools: string[], aliases: Record<string, string> = {}, positionals = 1) => {
    const c = takeFlags(args, new Set(values), new Set(bools), aliases);
    if (!c || c.rest.length < 1 || c.rest.length > positionals || !(require('../state/store') as typeof import('../state/store')).isValidId(c.rest[0])) return null;
    return c;
  };
  const cmd = (run: () => Promise<unknown>): FastCommand => ({ name, globals, run });
  switch (name) {
    case 'state': {
      const c = one([], []);
      return c && cmd(async () => {
        const { writeSync } = await import('node:fs');
        writeSync(1, (await import('../container/list')).stateJson(globals.root, c.rest[0]));
      });
    }
    case 'start': {
      const c = one([], []);
      return c && cmd(async () => (await import('../container/start')).start(globals.root, c.rest[0]));
    }
    case 'kill': {
      const c = one([], ['all'], { a: 'all' }, 2);
      return c && cmd(async () => (await import('../container/kill')).kill(globals.root, c.rest[0], c.rest[1] ?? 'SIGTERM', c.flags.all === true));
    }
    case 'delete': {
      const c = one([], ['force'], { f: 'force' });
      return c && cmd(async () => (await import('../container/delete')).remove(globals.root, c.rest[0], c.flags.force === true));
    }
    case 'list': {
      const c = takeFlags(args, new Set(['format']), new Set(['quiet']), { f: 'format', q: 'quiet' });
      if (!c || c.rest.length || (c.flags.format !== undefined && c.flags.format !== 'table' && c.flags.format !== 'json')) return null;
      return cmd(async () => (await import('../container/list')).list(globals.root, (c.flags.format as string | undefined) ?? 'table', c.flags.quiet === true));
    }
    case 'create':
    case 'run': {
      const values = ['bundle', 'console-socket', 'pidfd-socket', 'pid-file', 'preserve-fds'];
      const bools = ['no-pivot', 'no-new-keyring', ...(name === 'run' ? ['detach', 'keep', 'no-subreaper'] : [])];
      const c = one(values, bools, { b: 'bundle', ...(name === 'run' ? { d: 'detach' } : {}) });
      if (!c) return null;
      const fds = c.flags['preserve-fds'];
      if (fds !== undefined && !/^\d+$/.test(fds as string)) return null;
      const opts = {
        root: globals.root, systemdCgroup: globals.systemdCgroup, id: c.rest[0], bundle: c.flags.bundle as string | undefined,
        pidFile: c.flags['pid-file'] as string | undefined, consoleSocket: c.flags['console-socket'] as string | undefined,
        noPivot: c.flags['no-pivot'] === true, preserveFds: fds === undefined ? 0 : Number(fds),
      };
      if (name === 'create') return cmd(async () => { (await import('../container/create')).create(opts); });
      return cmd(async () => (await import('../container/run')).run({ ...opts, detach: c.flags.detach === true, keep: c.flags.keep === true }));
    }
    default:
      return null;
  }
}
