'use strict';
// Small assertion helpers: every failure says what was expected and what was got.

class CaseFailure extends Error {}

const show = (v) => {
  if (typeof v === 'string') return JSON.stringify(v.length > 300 ? v.slice(0, 300) + '…' : v);
  try { const s = JSON.stringify(v); return s && s.length > 300 ? s.slice(0, 300) + '…' : s; } catch (e) { return String(v); }
};

function fail(msg) { throw new CaseFailure(msg); }

function ok(cond, msg) { if (!cond) fail(msg); }

function eq(got, want, what) {
  if (got !== want) fail(`${what}: expected ${show(want)}, got ${show(got)}`);
}

function deepEq(got, want, what) {
  const a = JSON.stringify(got); const b = JSON.stringify(want);
  if (a !== b) fail(`${what}: expected ${show(want)}, got ${show(got)}`);
}

function includes(hay, needle, what) {
  if (hay === null || hay === undefined || !hay.includes(needle)) fail(`${what}: expected to contain ${show(needle)}, got ${show(hay)}`);
}

function notIncludes(hay, needle, what) {
  if (hay && hay.includes(needle)) fail(`${what}: expected not to contain ${show(needle)}, got ${show(hay)}`);
}

function match(s, re, what) {
  if (typeof s !== 'string' || !re.test(s)) fail(`${what}: expected to match ${re}, got ${show(s)}`);
}

// A runtime command result must have succeeded.
function succeeded(res, what) {
  if (res.code !== 0) {
    const why = (res.stderr || res.stdout || '').trim().split('\n').slice(-2).join(' | ');
    fail(`${what}: expected exit 0, got ${res.timedOut ? 'timeout' : res.code === null ? 'signal ' + res.signal : 'exit ' + res.code}${why ? ' (' + why.slice(0, 300) + ')' : ''}`);
  }
}

// A runtime command result must have failed (non-zero exit).
function failed(res, what) {
  if (res.code === 0) fail(`${what}: expected a non-zero exit (an error), got exit 0`);
  if (res.timedOut) fail(`${what}: expected an error, got a timeout`);
}

module.exports = { CaseFailure, fail, ok, eq, deepEq, includes, notIncludes, match, succeeded, failed, show };
