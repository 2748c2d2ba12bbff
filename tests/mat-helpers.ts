// Shared by the MAT tests: the expected-value JSON (tools/make-mat-fixtures.py)
// turned into readMat's value forms, and a tiny independent element builder for
// the traps no producer at hand writes (narrowed single, big-endian compressed,
// 0-byte miMATRIX, ...). The builder follows the spec, not src/io/mat.
import { zlibSync } from 'fflate';
import type { MatValue } from '../src/api.js';

const NUMERIC: Record<string, (a: unknown[]) => unknown> = {
  double: (a) => Float64Array.from(a as number[]), single: (a) => Float32Array.from(a as number[]),
  int8: (a) => Int8Array.from(a as number[]), uint8: (a) => Uint8Array.from(a as number[]),
  int16: (a) => Int16Array.from(a as number[]), uint16: (a) => Uint16Array.from(a as number[]),
  int32: (a) => Int32Array.from(a as number[]), uint32: (a) => Uint32Array.from(a as number[]),
  int64: (a) => BigInt64Array.from(a as string[], (s) => BigInt(s)),
  uint64: (a) => BigUint64Array.from(a as string[], (s) => BigInt(s)),
  logical: (a) => Uint8Array.from(a as number[]),
};

const special = (x: unknown): unknown => (x === 'NaN' ? NaN : x === 'Inf' ? Infinity : x === '-Inf' ? -Infinity : x);

type J = Record<string, unknown> & { class: string; dims: number[] };

/** scipy's reading (the JSON form) as readMat returns it. */
export function fromJson(j: J): MatValue {
  const c = j.class;
  if (c in NUMERIC) {
    const big = c === 'int64' || c === 'uint64';
    const conv = (a: unknown) => NUMERIC[c](big ? (a as unknown[]) : (a as unknown[]).map(special));
    const out: Record<string, unknown> = { class: c, dims: j.dims, data: conv(j.data) };
    if (j.imag) out.imag = conv(j.imag);
    return out as unknown as MatValue;
  }
  switch (c) {
    case 'char': {
      if (j.dims.length > 2) return { class: 'char', dims: j.dims, data: Uint16Array.from(j.units as number[]) };
      const rows = j.rows as string[];
      return j.dims[0] <= 1 ? (rows[0] ?? '') : rows;
    }
    case 'cell':
      return { class: 'cell', dims: j.dims, data: (j.data as J[]).map(fromJson) };
    case 'struct':
    case 'object': {
      const fields = j.fields as string[];
      const data = (j.data as Record<string, J>[]).map((e) => {
        const o: Record<string, MatValue> = {};
        for (const f of fields) o[f] = fromJson(e[f]);
        return o;
      });
      if (c === 'object') return { class: 'object', classname: j.classname as string, dims: j.dims, fields, data };
      return j.dims.length === 2 && j.dims[0] === 1 && j.dims[1] === 1 ? data[0] : { class: 'struct', dims: j.dims, fields, data };
    }
    case 'sparse': {
      const logical = j.logical as boolean;
      const out: Record<string, unknown> = {
        class: 'sparse', dims: j.dims, logical, ir: Int32Array.from(j.ir as number[]), jc: Int32Array.from(j.jc as number[]),
        data: logical ? Uint8Array.from(j.data as number[]) : Float64Array.from((j.data as unknown[]).map(special) as number[]),
      };
      if (j.imag) out.imag = Float64Array.from((j.imag as unknown[]).map(special) as number[]);
      return out as unknown as MatValue;
    }
    default:
      throw new Error(`fromJson: unknown class ${c}`);
  }
}

/** Every object's own keys in order, depth first: toStrictEqual ignores key order, MATLAB's field order matters. */
export function keyOrder(v: unknown, out: string[] = []): string[] {
  if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v)) return out;
  if (Array.isArray(v)) {
    for (const x of v) keyOrder(x, out);
    return out;
  }
  out.push(Object.keys(v).join(','));
  for (const x of Object.values(v)) keyOrder(x, out);
  return out;
}

// ---- the element builder ----

export const MI = { INT8: 1, UINT8: 2, INT16: 3, UINT16: 4, INT32: 5, UINT32: 6, SINGLE: 7, DOUBLE: 9, INT64: 12,
  MATRIX: 14, COMPRESSED: 15, UTF8: 16, UTF16: 17, UTF32: 18 } as const;

export class Builder {
  constructor(readonly be = false) {}
  u32(v: number): Uint8Array {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, !this.be);
    return b;
  }
  /** Values of an mi type, in the file's byte order. */
  values(type: number, vals: number[]): Uint8Array {
    const size = { 1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 4, 9: 8, 17: 2, 18: 4 }[type as 1] ?? 1;
    const b = new Uint8Array(vals.length * size);
    const dv = new DataView(b.buffer);
    vals.forEach((v, i) => {
      const le = !this.be;
      switch (type) {
        case MI.INT8: dv.setInt8(i, v); break;
        case MI.UINT8: case MI.UTF8: dv.setUint8(i, v); break;
        case MI.INT16: dv.setInt16(2 * i, v, le); break;
        case MI.UINT16: case MI.UTF16: dv.setUint16(2 * i, v, le); break;
        case MI.INT32: dv.setInt32(4 * i, v, le); break;
        case MI.UINT32: case MI.UTF32: dv.setUint32(4 * i, v, le); break;
        case MI.SINGLE: dv.setFloat32(4 * i, v, le); break;
        case MI.DOUBLE: dv.setFloat64(8 * i, v, le); break;
        default: throw new Error(`values: type ${type}`);
      }
    });
    return b;
  }
  /** A full-tag element, data padded to 8. */
  el(type: number, data: Uint8Array, claimed = data.length): Uint8Array {
    return cat(this.u32(type), this.u32(claimed), data, new Uint8Array((8 - (data.length % 8)) % 8));
  }
  /** A small data element: count and type in one u32, 4 data bytes. */
  sde(type: number, data: Uint8Array, claimed = data.length): Uint8Array {
    const d = new Uint8Array(4);
    d.set(data.subarray(0, 4));
    return cat(this.u32((claimed << 16) | type), d);
  }
  name(s: string): Uint8Array {
    const b = Uint8Array.from(s, (c) => c.charCodeAt(0));
    return b.length > 0 && b.length <= 4 ? this.sde(MI.INT8, b) : this.el(MI.INT8, b);
  }
  /** An miMATRIX: flags (class | flag bits), dims, name, then `parts`. */
  matrix(cls: number, flags: number, dims: number[], name: string, ...parts: Uint8Array[]): Uint8Array {
    const body = cat(this.el(MI.UINT32, this.values(MI.UINT32, [cls | flags, 0])), this.el(MI.INT32, this.values(MI.INT32, dims)),
      this.name(name), ...parts);
    return cat(this.u32(MI.MATRIX), this.u32(body.length), body);
  }
  compressed(element: Uint8Array): Uint8Array {
    const z = zlibSync(element);
    return cat(this.u32(MI.COMPRESSED), this.u32(z.length), z);
  }
  file(...elements: Uint8Array[]): Uint8Array {
    const h = new Uint8Array(128).fill(0x20);
    const text = 'MATLAB 5.0 MAT-file, Platform: test builder';
    for (let i = 0; i < text.length; i++) h[i] = text.charCodeAt(i);
    h.fill(0, 116, 124);
    if (this.be) h.set([0x01, 0x00, 0x4d, 0x49], 124);
    else h.set([0x00, 0x01, 0x49, 0x4d], 124);
    return cat(h, ...elements);
  }
}

export function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** A small deterministic PRNG (mulberry32) for the corruption test and random data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
