// tsrun's command line: runc's global flags, subcommands and exit codes.
// Each subcommand loads only the modules it needs.
import { writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type yargsType from 'yargs';
import { GLOBAL_VALUES, parseFast, type Globals } from './cli/fast';
import { configureLog, logError } from './log';

import { SPEC_VERSION as SPEC, VERSION } from './version';
const COMMANDS = new Set(['create', 'run', 'start', 'state', 'kill', 'delete', 'list', 'spec', 'exec', 'ps', 'pause', 'resume', 'update', 'events', 'features', 'plan', 'checkpoint', 'restore', 'help']);

function versionText(): string {
  return `tsrun version ${VERSION}\nspec: ${SPEC}\nnode: ${process.version}\n`;
}


let commandName = '';
let exitCode = 0;

/** Runs a subcommand body, turning errors into runc's report and exit code 1. */
async function act(name: string, fn: () => unknown | Promise<unknown>): Promise<void> {
  commandName = name;
  const r = await fn();
  if (typeof r === 'number') exitCode = r;
}

const id = { describe: 'the container id', type: 'string', demandOption: true } as const;

/** runc's default state root: /run/tsrun for root, $XDG_RUNTIME_DIR/tsrun for other users. */
function defaultRoot(): string {
  if (process.geteuid?.() === 0) return '/run/tsrun';
  const xdg = process.env.XDG_RUNTIME_DIR;
  return xdg ? join(xdg, 'tsrun') : join(tmpdir(), `tsrun-${process.geteuid?.()}`);
}

export async function main(argv: string[]): Promise<number> {
  if (argv.some((a) => a === '--version' || a === '-v') && !argv.some((a) => COMMANDS.has(a))) {
    writeSync(1, versionText());
    return 0;
  }
  let globals: Globals | undefined;
  const fast = parseFast(argv, defaultRoot);
  if (fast) {
    globals = fast.globals;
    try {
      configureLog(globals);
      commandName = fast.name;
      const r = await fast.run();
      return typeof r === 'number' ? r : 0;
    } catch (err) {
      return report(err);
    }
  }
  const yargs = requireYargs();
  // exec's command and its own flags follow the container id untouched.
  const { argv: split, command: execArgs } = splitExecCommand(argv);
  // `--resources -` (stdin), which yargs would read as a positional.
  const ownArgv = split.flatMap((a, i) => (a === '-' && (split[i - 1] === '--resources' || split[i - 1] === '-r') ? [] : a === '--resources' || a === '-r' ? (split[i + 1] === '-' ? ['--resources=-'] : [a]) : [a]));
  const parser = yargs(ownArgv)
    .scriptName('tsrun')
    .version(false)
    // --no-pivot and --no-new-keyring are flags of their own, not negations.
    .parserConfiguration({ 'boolean-negation': false })
    .usage('tsrun [global options] command [command options] [arguments...]')
    .option('root', { type: 'string', default: defaultRoot(), describe: 'root directory for storage of container state' })
    .option('log', { type: 'string', describe: "set the log file to write tsrun logs to (default is '/dev/stderr')" })
    .option('log-format', { type: 'string', choices: ['text', 'json'], default: 'text', describe: 'set the log format' })
    .option('debug', { type: 'boolean', default: false, describe: 'enable debug logging' })
    .option('systemd-cgroup', { type: 'boolean', default: false, describe: 'enable systemd cgroup support (accepted)' })
    .option('rootless', { type: 'string', default: 'auto', describe: "ignore cgroup permission errors ('true', 'false', or 'auto')" })
    .option('criu', { type: 'string', hidden: true })
    .option('version', { alias: 'v', type: 'boolean', describe: 'print the version' })
    .middleware((a) => {
      globals = { root: String(a.root), log: a.log as string | undefined, logFormat: String(a.logFormat), debug: Boolean(a.debug), systemdCgroup: Boolean(a.systemdCgroup), rootless: String(a.rootless) };
      configureLog({ log: globals.log, logFormat: globals.logFormat, debug: globals.debug });
    })
    .command('create <container-id>', 'create a container', (y) => y
      .positional('container-id', id)
      .option('bundle', { alias: 'b', type: 'string', describe: 'path to the root of the bundle directory' })
      .option('console-socket', { type: 'string', describe: 'path to an AF_UNIX socket which will receive the pty master' })
      .option('pidfd-socket', { type: 'string', describe: 'path to an AF_UNIX socket which will receive the pidfd (accepted)' })
      .option('pid-file', { type: 'string', describe: 'file to write the process id to' })
      .option('no-pivot', { type: 'boolean', default: false, describe: 'do not use pivot root to jail process inside rootfs' })
      .option('no-new-keyring', { type: 'boolean', default: false, describe: 'do not create a new session keyring (accepted)' })
      .option('preserve-fds', { type: 'number', default: 0, describe: 'pass N additional file descriptors to the container' }),
    (a) => act('create', async () => {
      const { create } = await import('./container/create');
      create({ root: globals!.root, systemdCgroup: globals!.systemdCgroup, id: String(a.containerId), bundle: a.bundle, pidFile: a.pidFile, consoleSocket: a.consoleSocket, noPivot: a.noPivot, preserveFds: a.preserveFds });
    }))
    .command('run <container-id>', 'create and run a container', (y) => y
      .positional('container-id', id)
      .option('bundle', { alias: 'b', type: 'string' })
      .option('console-socket', { type: 'string' })
      .option('pidfd-socket', { type: 'string' })
      .option('pid-file', { type: 'string' })
      .option('detach', { alias: 'd', type: 'boolean', default: false, describe: 'detach from the container\'s process' })
      .option('keep', { type: 'boolean', default: false, describe: 'do not delete the container after it exits' })
      .option('no-subreaper', { type: 'boolean', default: false })
      .option('no-pivot', { type: 'boolean', default: false })
      .option('no-new-keyring', { type: 'boolean', default: false })
      .option('preserve-fds', { type: 'number', default: 0 }),
    (a) => act('run', async () => {
      const { run } = await import('./container/run');
      return run({ root: globals!.root, systemdCgroup: globals!.systemdCgroup, id: String(a.containerId), bundle: a.bundle, pidFile: a.pidFile, consoleSocket: a.consoleSocket, noPivot: a.noPivot, preserveFds: a.preserveFds, detach: a.detach, keep: a.keep });
    }))
    .command('start <container-id>', 'executes the user defined process in a created container', (y) => y.positional('container-id', id),
      (a) => act('start', async () => (await import('./container/start')).start(globals!.root, String(a.containerId))))
    .command('state <container-id>', 'output the state of a container', (y) => y.positional('container-id', id),
      (a) => act('state', async () => { writeSync(1, (await import('./container/list')).stateJson(globals!.root, String(a.containerId))); }))
    .command('kill <container-id> [signal]', "kill sends the specified signal (default: SIGTERM) to the container's init process", (y) => y
      .positional('container-id', id)
      .positional('signal', { type: 'string', default: 'SIGTERM' })
      .option('all', { alias: 'a', type: 'boolean', default: false, describe: 'send the signal to all processes in the container' }),
    (a) => act('kill', async () => (await import('./container/kill')).kill(globals!.root, String(a.containerId), a.signal, a.all)))
    .command('delete <container-id>', 'delete any resources held by the container', (y) => y
      .positional('container-id', id)
      .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'forcibly delete the container if it is still running (uses SIGKILL)' }),
    (a) => act('delete', async () => (await import('./container/delete')).remove(globals!.root, String(a.containerId), a.force)))
    .command('list', 'lists containers started by tsrun with the given root', (y) => y
      .option('format', { alias: 'f', type: 'string', choices: ['table', 'json'], default: 'table' })
      .option('quiet', { alias: 'q', type: 'boolean', default: false }),
    (a) => act('list', async () => (await import('./container/list')).list(globals!.root, a.format, a.quiet)))
    .command('spec', 'create a new specification file', (y) => y
      .option('bundle', { alias: 'b', type: 'string', default: '.' })
      .option('rootless', { type: 'boolean', default: false }),
    (a) => act('spec', async () => {
      // The global --rootless (a string) shadows spec's own flag in yargs: read it from argv.
      const own = argv.slice(argv.indexOf('spec') + 1);
      const rootless = own.some((x) => x === '--rootless' || x === '--rootless=true');
      (await import('./container/spec')).writeSpec(a.bundle, rootless);
    }))
    .command('exec <container-id>', 'execute new process inside the container', (y) => y
      .positional('container-id', id)
      .option('process', { alias: 'p', type: 'string', describe: 'path to the process.json' })
      .option('cwd', { type: 'string', describe: 'current working directory in the container' })
      .option('env', { alias: 'e', type: 'string', describe: 'set environment variables (repeatable)' })
      .option('tty', { alias: 't', type: 'boolean', default: false, describe: 'allocate a pseudo-TTY' })
      .option('user', { alias: 'u', type: 'string', describe: 'UID (format: <uid>[:<gid>])' })
      .option('additional-gids', { alias: 'g', type: 'number', describe: 'additional gids (repeatable)' })
      .option('cap', { alias: 'c', type: 'string', describe: 'add a capability to the bounding set for the process (repeatable)' })
      .option('no-new-privs', { type: 'boolean', default: false, describe: 'set the no new privileges value for the process' })
      .option('detach', { alias: 'd', type: 'boolean', default: false, describe: 'detach from the container\'s process' })
      .option('pid-file', { type: 'string', describe: 'file to write the process id to' })
      .option('console-socket', { type: 'string' })
      .option('pidfd-socket', { type: 'string' })
      .option('preserve-fds', { type: 'number', default: 0 })
      .option('cgroup', { type: 'string', describe: 'run the process in a (sub)cgroup (repeatable)' })
      .option('ignore-paused', { type: 'boolean', default: false })
      .option('process-label', { type: 'string' })
      .option('apparmor', { type: 'string' }),
    (a) => act('exec', async () => {
      const { exec } = await import('./container/exec');
      return exec({
        root: globals!.root, id: String(a.containerId), processFile: a.process, args: execArgs, cwd: a.cwd, env: list(a.env).map(String),
        tty: a.tty, user: a.user, additionalGids: list(a.additionalGids).map(Number), caps: list(a.cap).map(String), noNewPrivs: a.noNewPrivs,
        detach: a.detach, pidFile: a.pidFile, consoleSocket: a.consoleSocket, preserveFds: a.preserveFds, ignorePaused: a.ignorePaused,
      });
    }))
    .command('ps <container-id> [ps-options..]', 'displays the processes running inside a container', (y) => y
      .positional('container-id', id)
      .positional('ps-options', { type: 'string', array: true })
      .option('format', { alias: 'f', type: 'string', choices: ['table', 'json'], default: 'table' }),
    (a) => act('ps', async () => (await import('./container/ps')).ps(globals!.root, String(a.containerId), a.format,
      [...list(a.psOptions), ...a._.slice(1)].map(String))))
    .command('pause <container-id>', 'pause suspends all processes inside the container', (y) => y.positional('container-id', id),
      (a) => act('pause', async () => (await import('./container/pause')).pause(globals!.root, String(a.containerId))))
    .command('resume <container-id>', 'resumes all processes that have been previously paused', (y) => y.positional('container-id', id),
      (a) => act('resume', async () => (await import('./container/pause')).resume(globals!.root, String(a.containerId))))
    .command('update <container-id>', 'update container resource constraints', (y) => y
      .positional('container-id', id)
      .option('resources', { alias: 'r', type: 'string', describe: 'path to a file with the new resources (linux.resources JSON), or - for stdin' })
      .option('memory', { type: 'string' }).option('memory-reservation', { type: 'string' }).option('memory-swap', { type: 'string' })
      .option('kernel-memory', { type: 'string' }).option('kernel-memory-tcp', { type: 'string' })
      .option('cpu-share', { type: 'string' }).option('cpu-quota', { type: 'string' }).option('cpu-period', { type: 'string' })
      .option('cpu-rt-runtime', { type: 'string' }).option('cpu-rt-period', { type: 'string' })
      .option('cpuset-cpus', { type: 'string' }).option('cpuset-mems', { type: 'string' })
      .option('pids-limit', { type: 'string' }).option('blkio-weight', { type: 'string' }).option('l3-cache-schema', { type: 'string' })
      .option('mem-bw-schema', { type: 'string' }),
    (a) => act('update', async () => (await import('./container/update')).update(globals!.root, String(a.containerId), {
      resources: a.resources, memory: a.memory, memoryReservation: a.memoryReservation, memorySwap: a.memorySwap, kernelMemory: a.kernelMemory,
      cpuShares: a.cpuShare, cpuQuota: a.cpuQuota, cpuPeriod: a.cpuPeriod, cpuRtRuntime: a.cpuRtRuntime, cpuRtPeriod: a.cpuRtPeriod,
      cpusetCpus: a.cpusetCpus, cpusetMems: a.cpusetMems, pidsLimit: a.pidsLimit, blkioWeight: a.blkioWeight,
    })))
    .command('events <container-id>', 'display container events such as cpu, memory, and IO usage statistics', (y) => y
      .positional('container-id', id)
      .option('stats', { type: 'boolean', default: false, describe: 'display the container\'s stats then exit' })
      .option('interval', { type: 'string', default: '5s', describe: 'set the stats collection interval' }),
    (a) => act('events', async () => (await import('./container/events')).events(globals!.root, String(a.containerId), a.stats, a.interval)))
    .command('features', 'show the enabled features', (y) => y,
      () => act('features', async () => { writeSync(1, JSON.stringify((await import('./features')).features(), null, '    ') + '\n'); }))
    .command('plan', 'print what create would do with a bundle, without doing it', (y) => y
      .option('bundle', { alias: 'b', type: 'string', describe: 'path to the root of the bundle directory' })
      .option('format', { alias: 'f', type: 'string', choices: ['text', 'json'], default: 'text' })
      .option('id', { type: 'string', describe: 'the container id the plan is for (default: plan)' })
      .option('no-pivot', { type: 'boolean', default: false })
      .option('preserve-fds', { type: 'number', default: 0 }),
    (a) => act('plan', async () => {
      const { plan } = await import('./container/plan');
      writeSync(1, plan({ root: globals!.root, bundle: a.bundle, id: a.id, format: a.format, systemdCgroup: globals!.systemdCgroup, noPivot: a.noPivot, preserveFds: a.preserveFds }));
    }))
    .command('checkpoint [args..]', 'checkpoint a running container (not supported)', (y) => y.strict(false), () => act('checkpoint', () => unsupported('checkpoint')))
    .command('restore [args..]', 'restore a container from a previous checkpoint (not supported)', (y) => y.strict(false), () => act('restore', () => unsupported('restore')))
    .demandCommand(1, 'a command is required')
    .strict()
    .help()
    .wrap(100)
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(msg);
    });
  try {
    const parsed = await parser.parseAsync();
    if (parsed.version) writeSync(1, versionText());
    return exitCode;
  } catch (err) {
    if (err instanceof UsageError) {
      if (!globals) configureLog({});
      logError(`${err.message}\nRun 'tsrun --help' for usage.`);
      return 1;
    }
    return report(err);
  }
}

/** The final error: runc's report and exit code. */
function report(err: unknown): number {
  const message = err instanceof Error ? err.message : String(err);
  const prefixed = commandName === 'create' || commandName === 'run' || commandName === 'exec' ? `tsrun ${commandName} failed: ${message}` : message;
  logError(prefixed);
  if (process.env.TSRUN_TRACE && err instanceof Error && err.stack) writeSync(2, err.stack + '\n');
  return (err as { exitCode?: number }).exitCode ?? 1;
}

class UsageError extends Error {}

/**
 * yargs reads process.stdout.columns as it loads. Node would then open fd 1
 * as a stream, and libuv set O_NONBLOCK on the caller's pipe: a flag of the
 * open file, shared with the processes we hand it to while we run (a
 * detached exec writing 64 KiB then fails with EAGAIN). yargs gets a
 * stand-in without columns (it wraps its help at 80) and the real getter
 * comes back, for help and errors only.
 */
function requireYargs(): typeof yargsType {
  const stdout = Object.getOwnPropertyDescriptor(process, 'stdout')!;
  Object.defineProperty(process, 'stdout', { configurable: true, value: { columns: undefined } });
  try {
    return require('yargs') as typeof yargsType;
  } finally {
    Object.defineProperty(process, 'stdout', stdout);
  }
}

/** A repeatable flag's values: yargs gives one value, an array, or nothing. */
const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

const EXEC_VALUE_FLAGS = new Set(['process', 'p', 'cwd', 'env', 'e', 'user', 'u', 'additional-gids', 'g', 'cap', 'c', 'pid-file',
  'console-socket', 'pidfd-socket', 'preserve-fds', 'cgroup', 'process-label', 'apparmor']);

/** For `exec`: everything after the container id is the command, not flags of ours. */
export function splitExecCommand(argv: string[]): { argv: string[]; command: string[] } {
  let i = 0;
  const skipFlags = (valued: Set<string>) => {
    while (i < argv.length && argv[i].startsWith('-') && argv[i] !== '--') {
      const name = argv[i].replace(/^--?/, '');
      i += !name.includes('=') && valued.has(name) ? 2 : 1;
    }
  };
  skipFlags(GLOBAL_VALUES);
  if (argv[i] !== 'exec') return { argv, command: [] };
  i++;
  skipFlags(EXEC_VALUE_FLAGS);
  if (argv[i] === '--') i++;
  if (i >= argv.length) return { argv, command: [] };
  return { argv: argv.slice(0, i + 1), command: argv.slice(i + 1) };
}

function unsupported(name: string): never {
  throw new Error(`${name}: this subcommand is not supported by this version of tsrun`);
}

