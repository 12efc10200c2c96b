// tsrun's command line: runc's global flags, subcommands and exit codes.
// Each subcommand loads only the modules it needs.
import { writeSync } from 'node:fs';
import yargs from 'yargs';
import { configureLog, logError } from './log';

import { SPEC_VERSION as SPEC, VERSION } from './version';
const COMMANDS = new Set(['create', 'run', 'start', 'state', 'kill', 'delete', 'list', 'spec', 'exec', 'ps', 'pause', 'resume', 'update', 'events', 'features', 'checkpoint', 'restore', 'help']);

function versionText(): string {
  return `tsrun version ${VERSION}\nspec: ${SPEC}\nnode: ${process.version}\n`;
}

interface Globals { root: string; log?: string; logFormat: string; debug: boolean; systemdCgroup: boolean; rootless: string }

let commandName = '';
let exitCode = 0;

/** Runs a subcommand body, turning errors into runc's report and exit code 1. */
async function act(name: string, fn: () => unknown | Promise<unknown>): Promise<void> {
  commandName = name;
  const r = await fn();
  if (typeof r === 'number') exitCode = r;
}

const id = { describe: 'the container id', type: 'string', demandOption: true } as const;

function defaultRoot(): string {
  return '/run/tsrun';
}

export async function main(argv: string[]): Promise<number> {
  if (argv.some((a) => a === '--version' || a === '-v') && !argv.some((a) => COMMANDS.has(a))) {
    writeSync(1, versionText());
    return 0;
  }
  let globals: Globals | undefined;
  const parser = yargs(argv)
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
      create({ root: globals!.root, id: String(a.containerId), bundle: a.bundle, pidFile: a.pidFile, consoleSocket: a.consoleSocket, noPivot: a.noPivot, preserveFds: a.preserveFds });
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
      return run({ root: globals!.root, id: String(a.containerId), bundle: a.bundle, pidFile: a.pidFile, consoleSocket: a.consoleSocket, noPivot: a.noPivot, preserveFds: a.preserveFds, detach: a.detach, keep: a.keep });
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
    (a) => act('spec', async () => (await import('./container/spec')).writeSpec(a.bundle, a.rootless)))
    .command('exec [args..]',
      'execute new process inside the container (not in this version)', (y) => y.strict(false), () => act('exec', () => unsupported('exec')))
    .command('ps [args..]', 'displays the processes running inside a container (not in this version)', (y) => y.strict(false), () => act('ps', () => unsupported('ps')))
    .command('pause [args..]', 'suspends all processes inside the container (not in this version)', (y) => y.strict(false), () => act('pause', () => unsupported('pause')))
    .command('resume [args..]', 'resumes all processes that have been previously paused (not in this version)', (y) => y.strict(false), () => act('resume', () => unsupported('resume')))
    .command('update [args..]', 'update container resource constraints (not in this version)', (y) => y.strict(false), () => act('update', () => unsupported('update')))
    .command('events [args..]', 'display container events (not in this version)', (y) => y.strict(false), () => act('events', () => unsupported('events')))
    .command('features', 'show the enabled features (not in this version)', (y) => y, () => act('features', () => unsupported('features')))
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
    const message = err instanceof Error ? err.message : String(err);
    const prefixed = commandName === 'create' || commandName === 'run' ? `tsrun ${commandName} failed: ${message}` : message;
    logError(prefixed);
    if (process.env.TSRUN_TRACE && err instanceof Error && err.stack) writeSync(2, err.stack + '\n');
    return (err as { exitCode?: number }).exitCode ?? 1;
  }
}

class UsageError extends Error {}

function unsupported(name: string): never {
  throw new Error(`${name}: this subcommand is not supported by this version of tsrun`);
}

