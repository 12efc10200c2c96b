'use strict';
// A small proto3 codec for the CRI messages the Kubernetes test sends and
// reads: a message is described by its fields, { name: [number, type] },
// where type is a scalar name, a message description, ['repeated', type]
// or ['map', type] (map<string, type>). Enough for the CRI, not a general
// protobuf library.

const WIRE = { varint: 0, i64: 1, len: 2, i32: 5 };
const VARINT = new Set(['int32', 'int64', 'uint32', 'uint64', 'bool', 'enum']);

function varint(n) {
  let v = BigInt.asUintN(64, BigInt(n));
  const out = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return Buffer.from(out);
}

const key = (number, wire) => varint((number << 3) | wire);

function encodeScalar(type, v) {
  switch (type) {
    case 'string': { const b = Buffer.from(String(v)); return [WIRE.len, Buffer.concat([varint(b.length), b])]; }
    case 'bytes': { const b = Buffer.from(v); return [WIRE.len, Buffer.concat([varint(b.length), b])]; }
    case 'bool': return [WIRE.varint, varint(v ? 1 : 0)];
    case 'double': { const b = Buffer.alloc(8); b.writeDoubleLE(v); return [WIRE.i64, b]; }
    default: return [WIRE.varint, varint(v)];
  }
}

/** Encodes obj as the message `schema` describes; absent and default-valued fields are left out. */
function encode(schema, obj) {
  const parts = [];
  for (const [name, [number, type]] of Object.entries(schema)) {
    const v = obj?.[name];
    if (v === undefined || v === null) continue;
    const one = (t, value) => {
      if (typeof t === 'object' && !Array.isArray(t)) {
        const body = encode(t, value);
        parts.push(key(number, WIRE.len), varint(body.length), body);
        return;
      }
      const [wire, bytes] = encodeScalar(t, value);
      parts.push(key(number, wire), bytes);
    };
    if (Array.isArray(type) && type[0] === 'repeated') {
      for (const item of v) one(type[1], item);
    } else if (Array.isArray(type) && type[0] === 'map') {
      for (const [k, val] of Object.entries(v)) one({ key: [1, 'string'], value: [2, type[1]] }, { key: k, value: val });
    } else {
      if (v === false || v === 0 || v === '' || v === 0n) continue;
      one(type, v);
    }
  }
  return Buffer.concat(parts);
}

/** Decodes buf as the message `schema` describes; unknown fields are skipped. */
function decode(schema, buf) {
  const byNumber = new Map(Object.entries(schema).map(([name, [number, type]]) => [number, { name, type }]));
  const out = {};
  let i = 0;
  const readVarint = () => {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const b = buf[i++];
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
      shift += 7n;
    }
  };
  const scalar = (type, raw) => {
    switch (type) {
      case 'bool': return raw !== 0n;
      case 'int64': return Number(BigInt.asIntN(64, raw));
      case 'int32': case 'enum': return Number(BigInt.asIntN(32, raw));
      default: return Number(raw);
    }
  };
  while (i < buf.length) {
    const k = Number(readVarint());
    const number = k >>> 3;
    const wire = k & 7;
    let raw;
    if (wire === WIRE.varint) raw = readVarint();
    else if (wire === WIRE.i64) { raw = buf.subarray(i, i + 8); i += 8; }
    else if (wire === WIRE.i32) { raw = buf.subarray(i, i + 4); i += 4; }
    else if (wire === WIRE.len) { const n = Number(readVarint()); raw = buf.subarray(i, i + n); i += n; }
    else throw new Error(`proto: wire type ${wire}`);
    const field = byNumber.get(number);
    if (!field) continue;
    const { name, type } = field;
    const value = (t, r, w) => {
      if (typeof t === 'object' && !Array.isArray(t)) return decode(t, r);
      if (t === 'string') return r.toString('utf8');
      if (t === 'bytes') return Buffer.from(r);
      if (t === 'double') return r.readDoubleLE(0);
      if (w === WIRE.len && VARINT.has(t)) return null; // packed: handled below
      return scalar(t, r);
    };
    if (Array.isArray(type) && type[0] === 'map') {
      const entry = decode({ key: [1, 'string'], value: [2, type[1]] }, raw);
      (out[name] ??= {})[entry.key ?? ''] = entry.value;
    } else if (Array.isArray(type) && type[0] === 'repeated') {
      const list = (out[name] ??= []);
      if (wire === WIRE.len && VARINT.has(type[1])) {
        // A packed run of varints.
        const saved = [buf, i];
        buf = raw;
        i = 0;
        while (i < buf.length) list.push(scalar(type[1], readVarint()));
        [buf, i] = saved;
      } else {
        list.push(value(type[1], raw, wire));
      }
    } else {
      out[name] = value(type, raw, wire);
    }
  }
  return out;
}

module.exports = { encode, decode };
