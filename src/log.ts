// runc's logging contract: with --log the file gets one record per line,
// text (logrus style) or JSON ({"level","msg","time"}); the final error is
// also written to stderr. Without --log, records go to stderr. Debug
// records only with --debug. The file is opened before anything else can
// fail, so a caller that reads it always finds it.
import { openSync, writeSync } from 'node:fs';

export type Level = 'debug' | 'info' | 'warning' | 'error';

interface Sink { fd: number; json: boolean; toStderr: boolean }
let sink: Sink = { fd: 2, json: false, toStderr: true };
let debugEnabled = false;

const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

function quote(s: string): string {
  return JSON.stringify(s);
}

function format(level: Level, msg: string, json: boolean): string {
  return json
    ? JSON.stringify({ level, msg, time: now() }) + '\n'
    : `time="${now()}" level=${level} msg=${quote(msg)}\n`;
}

export function configureLog(opts: { log?: string; logFormat?: string; debug?: boolean }): void {
  debugEnabled = Boolean(opts.debug);
  const json = opts.logFormat === 'json';
  if (opts.log && opts.log !== '/dev/stderr') {
    const fd = openSync(opts.log, 'a', 0o644);
    sink = { fd, json, toStderr: false };
  } else {
    sink = { fd: 2, json, toStderr: true };
  }
}

function write(fd: number, s: string): void {
  try { writeSync(fd, s); } catch { /* nowhere left to report */ }
}

export function log(level: Level, msg: string): void {
  if (level === 'debug' && !debugEnabled) return;
  write(sink.fd, format(level, msg, sink.json));
}

export const debug = (msg: string): void => log('debug', msg);

/** Whether --debug is on: worth work that only debug records use. */
export const debugging = (): boolean => debugEnabled;

/**
 * A warning goes where runc's go: to the --log file when there is one,
 * else to stderr. Never to stderr beside a log file: at create, stderr is
 * the container's, and a warning of tsrun's would show in docker logs.
 */
export const warn = (msg: string): void => log('warning', msg);

/** The final error: one record in the log, and plain lines on stderr. */
export function logError(msg: string): void {
  if (sink.json) {
    write(sink.fd, format('error', msg, true));
  } else {
    for (const line of msg.split('\n')) write(sink.fd, format('error', line, false));
  }
  if (!sink.toStderr) write(2, msg + '\n');
}
