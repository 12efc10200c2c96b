'use strict';
// Device cgroup rules: validation, runc's default allowed devices, the v1
// devices.allow/deny writes, and the v2 eBPF program, run here in a small
// BPF interpreter and compared with the last-match-wins reference on many
// generated rule lists.
const test = require('node:test');
const assert = require('node:assert/strict');
const devices = require('../../dist/cgroups/devices');
const program = require('../../dist/cgroups/v2/bpf/program');
const { v1DeviceWrites } = require('../../dist/cgroups/v1/devices');

/** Runs a BPF_PROG_TYPE_CGROUP_DEVICE program (the opcodes the assembler emits). */
function runBpf(buf, type, major, minor, access) {
  const ctx = [((access << 16) | type) >>> 0, major >>> 0, minor >>> 0];
  const r = new Array(11).fill(0n);
  const u64 = (n) => BigInt.asUintN(64, BigInt(n));
  let pc = 0;
  for (let steps = 0; steps < 100000; steps++) {
    assert.ok(pc >= 0 && pc * 8 < buf.length, `pc ${pc} out of the program`);
    const code = buf.readUInt8(pc * 8);
    const dst = buf.readUInt8(pc * 8 + 1) & 0xf;
    const src = buf.readUInt8(pc * 8 + 1) >> 4;
    const off = buf.readInt16LE(pc * 8 + 2);
    const imm = buf.readInt32LE(pc * 8 + 4);
    pc++;
    switch (code) {
      case 0x61: assert.equal(src, 1); assert.equal(off % 4, 0); r[dst] = BigInt(ctx[off / 4]); break;
      case 0x54: r[dst] = (r[dst] & BigInt(imm >>> 0)) & 0xffffffffn; break;
      case 0x74: r[dst] = (r[dst] & 0xffffffffn) >> BigInt(imm); break;
      case 0xb4: r[dst] = BigInt(imm >>> 0); break;
      case 0xbc: r[dst] = r[src] & 0xffffffffn; break;
      case 0x55: if (r[dst] !== u64(imm)) pc += off; break;
      case 0x5d: if (r[dst] !== r[src]) pc += off; break;
      case 0x15: if (r[dst] === u64(imm)) pc += off; break;
      case 0x95: return Number(r[0]);
      default: throw new Error(`unexpected opcode 0x${code.toString(16)} at ${pc - 1}`);
    }
  }
  throw new Error('program did not exit');
}

const TYPE = { c: program.BPF_DEVCG_DEV_CHAR, b: program.BPF_DEVCG_DEV_BLOCK };
const ACCESSES = ['r', 'w', 'm', 'rw', 'rm', 'wm', 'rwm'];

function allowedByProgram(specs, type, major, minor, access) {
  const buf = program.encodeInsns(program.deviceFilterInsns(devices.effectiveDeviceRules(specs)));
  return runBpf(buf, TYPE[type], major, minor, program.accessMask(access)) === 1;
}

test('device rules: validation and normalization', () => {
  assert.deepEqual(devices.normalizeDeviceRules([{ allow: false }, { allow: true, type: 'c', major: 1, minor: 3, access: 'wr' }]), [
    { allow: false, type: 'a', major: -1, minor: -1, access: 'rwm' },
    { allow: true, type: 'c', major: 1, minor: 3, access: 'rw' },
  ]);
  assert.throws(() => devices.normalizeDeviceRules([{ allow: 'yes' }]), /devices\[0\]: "allow" must be a boolean/);
  assert.throws(() => devices.normalizeDeviceRules([{ allow: true, type: 'p' }]), /devices\[0\]: invalid type "p"/);
  assert.throws(() => devices.normalizeDeviceRules([{ allow: true, access: 'rx' }]), /invalid access "rx"/);
  assert.throws(() => devices.normalizeDeviceRules([{ allow: true, major: 1.5 }]), /invalid major 1.5/);
});

test('v1: "a" denied first, then the rules in order, runc\'s default devices last', () => {
  const writes = v1DeviceWrites({ devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'b', major: 8, minor: 0, access: 'r' }, { allow: true, type: 'a', major: 7, access: 'rw' }] });
  assert.deepEqual(writes.slice(0, 4), [
    ['devices.deny', 'a'],
    ['devices.allow', 'b 8:0 r'],
    ['devices.allow', 'c 7:* rw'],
    ['devices.allow', 'b 7:* rw'],
  ]);
  assert.deepEqual(writes.slice(4).map((w) => w[1]), [
    'c *:* m', 'b *:* m', 'c 1:3 rwm', 'c 1:8 rwm', 'c 1:7 rwm', 'c 5:0 rwm', 'c 1:5 rwm', 'c 1:9 rwm', 'c 136:* rwm', 'c 5:2 rwm', 'c 10:200 rwm',
  ]);
  // An allow-all reset switches to the deny list.
  assert.deepEqual(v1DeviceWrites({ devices: [{ allow: true }, { allow: false, type: 'c', major: 1, minor: 11, access: 'w' }] }).slice(0, 2), [
    ['devices.allow', 'a'],
    ['devices.deny', 'c 1:11 w'],
  ]);
  // No rules at all: still default deny (runc).
  assert.deepEqual(v1DeviceWrites({})[0], ['devices.deny', 'a']);
});

test('eBPF program: layout, context loads and verdicts', () => {
  const insns = program.deviceFilterInsns(devices.effectiveDeviceRules([{ allow: false, access: 'rwm' }]));
  // Prologue: type, access, major and minor out of struct bpf_cgroup_dev_ctx.
  assert.deepEqual(insns.slice(0, 6).map((i) => [i.code, i.dst, i.src, i.off, i.imm]), [
    [0x61, 2, 1, 0, 0], [0x54, 2, 0, 0, 0xffff], [0x61, 3, 1, 0, 0], [0x74, 3, 0, 0, 16], [0x61, 4, 1, 4, 0], [0x61, 5, 1, 8, 0],
  ]);
  // Default deny at the end.
  assert.deepEqual(insns.slice(-2).map((i) => [i.code, i.imm]), [[0xb4, 0], [0x95, 0]]);
  const buf = program.encodeInsns(insns);
  assert.equal(buf.length, insns.length * 8);
  // Every jump lands inside the program.
  insns.forEach((ins, i) => {
    if ((ins.code & 0x07) === 0x05 && ins.code !== 0x95) assert.ok(i + 1 + ins.off < insns.length && ins.off >= 0, `jump at ${i}`);
  });

  const spec = [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 240, minor: 77, access: 'r' }];
  assert.equal(allowedByProgram(spec, 'c', 240, 77, 'r'), true);
  assert.equal(allowedByProgram(spec, 'c', 240, 77, 'w'), false);
  assert.equal(allowedByProgram(spec, 'c', 240, 77, 'rw'), false);
  assert.equal(allowedByProgram(spec, 'c', 240, 78, 'r'), false);
  assert.equal(allowedByProgram(spec, 'b', 240, 77, 'r'), false);
  // runc's default devices.
  assert.equal(allowedByProgram(spec, 'c', 1, 3, 'rw'), true);
  assert.equal(allowedByProgram(spec, 'c', 136, 4, 'rw'), true);
  assert.equal(allowedByProgram(spec, 'b', 8, 0, 'm'), true);
  assert.equal(allowedByProgram(spec, 'b', 8, 0, 'r'), false);
  assert.equal(allowedByProgram(spec, 'c', 1, 11, 'w'), false);
  // Last match wins: a later deny overrides an earlier allow, and partial
  // overlap of a deny is enough.
  const deny = [{ allow: true, type: 'c', major: 240, access: 'rwm' }, { allow: false, type: 'c', major: 240, minor: 1, access: 'w' }];
  assert.equal(allowedByProgram(deny, 'c', 240, 1, 'r'), true);
  assert.equal(allowedByProgram(deny, 'c', 240, 1, 'rw'), false);
  assert.equal(allowedByProgram(deny, 'c', 240, 2, 'rw'), true);
});

test('eBPF program agrees with the last-match-wins reference on generated rule lists', () => {
  let seed = 12345;
  const rnd = (n) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const pick = (xs) => xs[rnd(xs.length)];
  for (let round = 0; round < 300; round++) {
    const specs = [];
    const n = 1 + rnd(7);
    for (let i = 0; i < n; i++) {
      specs.push({
        allow: rnd(2) === 1,
        type: pick(['a', 'c', 'b', undefined]),
        major: pick([1, 2, null, undefined]),
        minor: pick([1, 3, null, -1]),
        access: pick([...ACCESSES, undefined]),
      });
    }
    const policy = devices.effectiveDeviceRules(specs);
    const buf = program.encodeInsns(program.deviceFilterInsns(policy));
    for (const type of ['c', 'b']) {
      for (const major of [1, 2, 5]) {
        for (const minor of [1, 3, 9]) {
          for (const access of ACCESSES) {
            const want = devices.deviceAllowed(policy, type, major, minor, access);
            const got = runBpf(buf, TYPE[type], major, minor, program.accessMask(access)) === 1;
            assert.equal(got, want, `${JSON.stringify(specs)}: ${type} ${major}:${minor} ${access}`);
          }
        }
      }
    }
  }
});

test('an explicit deny of a default device survives the defaults appended after the spec', () => {
  const { effectiveDeviceRules: eff, deviceAllowed: allowed } = require('../../dist/cgroups/devices');
  const policy = eff([{ allow: false, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'w' }]);
  assert.equal(allowed(policy, 'c', 1, 3, 'w'), false, 'writes to /dev/null denied as the config says');
  assert.equal(allowed(policy, 'c', 1, 3, 'r'), true, 'reads still allowed by the default rule');
  assert.equal(allowed(policy, 'c', 1, 5, 'w'), true, 'other default devices untouched');
  // A deny-all alone is not an explicit deny: the defaults stay whole (runc).
  const podman = eff([{ allow: false, access: 'rwm' }]);
  assert.equal(allowed(podman, 'c', 1, 3, 'w'), true);
});
