// writeMat's first step: every value checked and turned into one of five
// node kinds, before a byte is written, so a bad value deep in a net fails
// with its path (layers{3}.weights{1}) and no partial file is made.
// The mapping of plain JavaScript values is in types.ts (MatWritable).

import { BY_NAME, IDENTIFIER, NAME_MAX, type NumericKind } from './constants.js';
import { MatWriteError } from './errors.js';
import { nested } from './nesting.js';

type Typed = ArrayBufferView & { length: number; [i: number]: number | bigint };

export type Node =
  | { k: 'num'; kind: NumericKind; dims: number[]; data: Typed; imag?: Typed; logical: boolean }
  | { k: 'char'; dims: number[]; units: Uint16Array }
  | { k: 'cell'; dims: number[]; items: Node[] }
  | { k: 'struct'; dims: number[]; fields: string[]; items: Node[]; classname: string | null }
  | { k: 'sparse'; dims: number[]; ir: Int32Array; jc: Int32Array; data: Float64Array | Uint8Array; imag?: Float64Array; logical: boolean };

const WHO = 'writeMat';

function fail(path: string, msg: string): never {
  throw new MatWriteError(`${WHO}: ${path}: ${msg}`, path);
}

/** A variable or field name MATLAB accepts: an identifier of at most 63 characters. */
export function checkName(path: string, name: string, what: string): void {
  if (!IDENTIFIER.test(name) || name.length > NAME_MAX) {
    fail(path, `${what} '${name.length > 80 ? `${name.slice(0, 80)}…` : name}' is not a MATLAB name ` +
      `(a letter, then letters, digits or _, at most ${NAME_MAX} characters; it has ${name.length})`);
  }
}

const TYPED: [new (...a: never[]) => unknown, string][] = [
  [Float64Array, 'double'], [Float32Array, 'single'], [Int8Array, 'int8'], [Uint8Array, 'uint8'],
  [Int16Array, 'int16'], [Uint16Array, 'uint16'], [Int32Array, 'int32'], [Uint32Array, 'uint32'],
  [BigInt64Array, 'int64'], [BigUint64Array, 'uint64'],
];

/** The objects and arrays being converted, outermost first. */
const open = new Set<object>();

export function toNode(v: unknown, path: string): Node {
  return nested(open, v, (msg) => fail(path, msg), () => nodeOf(v, path));
}

function nodeOf(v: unknown, path: string): Node {
  if (typeof v === 'number') return num('double', [1, 1], Float64Array.of(v));
  if (typeof v === 'boolean') return num('logical', [1, 1], Uint8Array.of(v ? 1 : 0));
  if (typeof v === 'bigint') {
    if (v < -(2n ** 63n) || v >= 2n ** 63n) fail(path, `the bigint ${v} does not fit int64`);
    return num('int64', [1, 1], BigInt64Array.of(v));
  }
  if (typeof v === 'string') return chars([v], path);
  if (Array.isArray(v)) return fromArray(v, path);
  if (ArrayBuffer.isView(v)) {
    const t = TYPED.find(([c]) => v instanceof c);
    if (!t || v.constructor !== t[0]) {
      fail(path, `cannot write a ${v.constructor.name}; typed arrays of the MATLAB classes are Float64Array, ` +
        'Float32Array, Int8Array ... BigUint64Array');
    }
    const a = v as unknown as Typed;
    return num(t[1], [1, a.length], a);
  }
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    if (typeof o.class === 'string' && (Array.isArray(o.dims) || o.class === 'function' || o.class === 'opaque')) {
      return fromMatValue(o, path);
    }
    const proto = Object.getPrototypeOf(o);
    if (proto === Object.prototype || proto === null) return plainStruct(o, path);
    fail(path, `cannot write a ${proto?.constructor?.name ?? 'object'}: give numbers, strings, booleans, arrays, ` +
      'plain objects or the { class, dims, data } form readMat returns');
  }
  return fail(path, `cannot write ${v === null ? 'null' : typeof v}`);
}

function num(cls: string, dims: number[], data: Typed, imag?: Typed): Node {
  const logical = cls === 'logical';
  const kind = BY_NAME.get(logical ? 'uint8' : cls as NumericKind['name']) as NumericKind;
  return imag ? { k: 'num', kind, dims, data, imag, logical } : { k: 'num', kind, dims, data, logical };
}

function fromArray(a: unknown[], path: string): Node {
  if (a.length === 0) return num('double', [0, 0], new Float64Array(0));
  if (a.every((x) => typeof x === 'number')) return num('double', [1, a.length], Float64Array.from(a as number[]));
  if (a.every((x) => typeof x === 'boolean')) return num('logical', [1, a.length], Uint8Array.from(a as boolean[], (b) => (b ? 1 : 0)));
  if (a.every((x) => typeof x === 'string')) return chars(a as string[], path);
  return { k: 'cell', dims: [1, a.length], items: a.map((x, i) => toNode(x, `${path}{${i + 1}}`)) };
}

/** One row per string, column-major code units, as MATLAB holds a char matrix. */
function chars(rows: string[], path: string): Node {
  const C = rows[0].length;
  const odd = rows.findIndex((r) => r.length !== C);
  if (odd >= 0) {
    // the first two that differ, not every length: 4M strings made a message of tens of MB
    const got = rows.length <= 8 ? rows.map((r) => r.length).join(', ') : `${C} for string 1 and ${rows[odd].length} for string ${odd + 1} of ${rows.length}`;
    fail(path, `a string[] is a char matrix, one row per string, so all need one length (got ${got}); ` +
      "for strings of different lengths give a cell: { class: 'cell', dims: [1, n], data: [...] }");
  }
  const R = rows.length;
  if (C === 0) return { k: 'char', dims: [R === 1 ? 0 : R, 0], units: new Uint16Array(0) };
  const units = new Uint16Array(R * C);
  for (let r = 0; r < R; r++) for (let k = 0; k < C; k++) units[r + k * R] = rows[r].charCodeAt(k);
  return { k: 'char', dims: [R, C], units };
}

function plainStruct(o: Record<string, unknown>, path: string): Node {
  const fields = Object.keys(o);
  for (const f of fields) checkName(path, f, 'field');
  return { k: 'struct', dims: [1, 1], fields, items: fields.map((f) => toNode(o[f], `${path}.${f}`)), classname: null };
}

function dimsOf(o: Record<string, unknown>, path: string): { dims: number[]; nel: number } {
  const d = o.dims as unknown[];
  if (d.length < 2 || !d.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 0x7fffffff)) {
    fail(path, `dims must be two or more integers >= 0, got [${d.map(String).join(', ')}]`);
  }
  const dims = d as number[];
  return { dims: dims.slice(), nel: dims.reduce((a, b) => a * b, 1) };
}

function fromMatValue(o: Record<string, unknown>, path: string): Node {
  const cls = o.class as string;
  if (cls === 'function' || cls === 'opaque') {
    fail(path, `cannot write a MATLAB ${cls === 'function' ? 'function handle' : `MCOS object (${String(o.classname)})`}: ` +
      'readMat cannot decode its contents');
  }
  const { dims, nel } = dimsOf(o, path);
  const kind = cls === 'logical' ? BY_NAME.get('uint8') : BY_NAME.get(cls as NumericKind['name']);
  if (kind) {
    const ctor = kind.ctor as unknown as new (...a: never[]) => unknown;
    const arr = (x: unknown, what: string): Typed => {
      if (!(x instanceof ctor)) fail(path, `class '${cls}' needs ${what} as a ${ctor.name}, got ${describe(x)}`);
      const t = x as Typed;
      if (t.length !== nel) fail(path, `dims ${dims.join('x')} need ${nel} elements, ${what} has ${t.length}`);
      return t;
    };
    const data = arr(o.data, 'data');
    if (o.imag !== undefined && cls === 'logical') fail(path, 'a logical array cannot have imag');
    return num(cls, dims, data, o.imag === undefined ? undefined : arr(o.imag, 'imag'));
  }
  switch (cls) {
    case 'char': {
      if (!(o.data instanceof Uint16Array) || o.data.length !== nel) {
        fail(path, `class 'char' needs data as a Uint16Array of ${nel} code units, got ${describe(o.data)}`);
      }
      return { k: 'char', dims, units: o.data };
    }
    case 'cell': {
      const data = list(o.data, nel, dims, path);
      return { k: 'cell', dims, items: data.map((x, i) => toNode(x, `${path}{${i + 1}}`)) };
    }
    case 'struct':
    case 'object': {
      const classname = cls === 'object' ? o.classname : null;
      if (classname !== null && (typeof classname !== 'string' || !/^[A-Za-z][\w.]*$/.test(classname))) {
        fail(path, `an object needs a classname, got ${describe(classname)}`);
      }
      if (!Array.isArray(o.fields) || !o.fields.every((f) => typeof f === 'string')) fail(path, `class '${cls}' needs fields: string[], got ${describe(o.fields)}`);
      const fields = o.fields as string[];
      for (const f of fields) checkName(path, f, 'field');
      if (new Set(fields).size !== fields.length) fail(path, `fields repeat a name: ${fields.join(', ')}`);
      const data = list(o.data, nel, dims, path);
      const items: Node[] = [];
      data.forEach((e, i) => {
        const at = `${path}(${i + 1})`;
        if (typeof e !== 'object' || e === null || Array.isArray(e)) fail(at, `a struct array element must be an object, got ${describe(e)}`);
        const keys = Object.keys(e);
        const missing = fields.filter((f) => !(f in e)), extra = keys.filter((k) => !fields.includes(k));
        if (missing.length || extra.length) {
          fail(at, `the element's fields must be the array's fields (${fields.join(', ')})` +
            `${missing.length ? `; missing ${missing.join(', ')}` : ''}${extra.length ? `; not in fields: ${extra.join(', ')}` : ''}`);
        }
        for (const f of fields) items.push(toNode((e as Record<string, unknown>)[f], `${at}.${f}`));
      });
      return { k: 'struct', dims, fields, items, classname: classname as string | null };
    }
    case 'sparse':
      return sparse(o, dims, path);
    default:
      return fail(path, `unknown class '${cls}'`);
  }
}

function list(x: unknown, nel: number, dims: number[], path: string): unknown[] {
  if (!Array.isArray(x)) fail(path, `data must be an array, got ${describe(x)}`);
  if (x.length !== nel) fail(path, `dims ${dims.join('x')} need ${nel} elements, data has ${x.length}`);
  return x;
}

function sparse(o: Record<string, unknown>, dims: number[], path: string): Node {
  if (dims.length !== 2) fail(path, `a sparse array has 2 dims, got ${dims.join('x')}`);
  const [M, N] = dims;
  const { ir, jc, data, imag, logical } = o;
  if (typeof logical !== 'boolean') fail(path, `sparse needs logical: true or false, got ${describe(logical)}`);
  if (!(ir instanceof Int32Array) || !(jc instanceof Int32Array)) fail(path, 'sparse needs ir and jc as Int32Array');
  if (jc.length !== N + 1) fail(path, `jc must hold N + 1 = ${N + 1} column starts, it has ${jc.length}`);
  const nnz = jc[N];
  if (jc[0] !== 0 || nnz > ir.length) fail(path, `jc must run from 0 to nnz <= ir.length (${ir.length}), got ${jc[0]} .. ${nnz}`);
  for (let j = 0; j < N; j++) if (jc[j + 1] < jc[j]) fail(path, `jc decreases at column ${j + 1}`);
  for (let k = 0; k < nnz; k++) if (ir[k] < 0 || ir[k] >= M) fail(path, `ir[${k}] = ${ir[k]} is outside 0..${M - 1}`);
  const want = logical ? Uint8Array : Float64Array;
  if (!(data instanceof want) || data.length < nnz) fail(path, `sparse data must be a ${want.name} of at least nnz = ${nnz} values, got ${describe(data)}`);
  if (imag !== undefined && (logical || !(imag instanceof Float64Array) || imag.length < nnz)) {
    fail(path, `sparse imag must be a Float64Array of at least nnz = ${nnz} values (and not logical), got ${describe(imag)}`);
  }
  return {
    k: 'sparse', dims, logical, ir: ir.subarray(0, nnz), jc, data: (data as Float64Array | Uint8Array).subarray(0, nnz),
    ...(imag ? { imag: (imag as Float64Array).subarray(0, nnz) } : {}),
  };
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (x === undefined) return 'undefined';
  if (typeof x !== 'object') return `${typeof x} ${String(x).slice(0, 40)}`;
  const name = (x as object).constructor?.name ?? 'object';
  return ArrayBuffer.isView(x) || Array.isArray(x) ? `${name}(${(x as unknown[]).length})` : name;
}
