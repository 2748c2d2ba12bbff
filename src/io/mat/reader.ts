// readMat: MAT-file Level 5 (v6 uncompressed, v7 with miCOMPRESSED), both
// byte orders, written from the spec (FORMATS.md §1; the traps of §1.15 are
// marked NOTE). One pass, front to back: the file header, then per variable
// its tag, array flags, dims, name and a reader per class. Every byte count is
// checked against its enclosing element and what the input still holds before
// anything is allocated; each failure is a MatReadError naming the variable
// path and the byte offset. Numeric data go straight into their final typed
// array (from a whole little-endian buffer: a view of it, no copy).

import { loadSource, localFile, type ImageSource } from '../../image/source.js';
import { nodeFsSync } from '../../node-fs.js';
import { BY_MI, BY_MX, FLAG, HEADER, MI, MX, VERSION, type NumericKind } from './constants.js';
import { MatReadError } from './errors.js';
import { BufferInput, FileInput, type Fail, type Input } from './input.js';
import { InflateInput, MAX_INFLATE_RATIO } from './inflate.js';
import { decodeChars } from './chars.js';
import { MAX_DEPTH } from './nesting.js';
import { Elements, hex2, mi, padOf, toLogical } from './elements.js';
import type { MatNumeric, MatStruct, MatValue } from './types.js';

const WHO = 'readMat';

/** Everything readMat reads from: the sources of imread. */
export type MatSource = ImageSource;

/**
 * Read the variables of a MAT-file (Level 5: v6 uncompressed or v7 compressed,
 * either byte order) from a file path (Node, Deno, Bun), a URL, a Blob, a
 * Response or bytes. Values are as `MatValue` describes; function handles,
 * MCOS objects and unnamed variables (MATLAB's function workspace) are skipped.
 * A file path is read in chunks and each compressed variable inflated as a
 * stream, so peak memory is the variables read plus a few chunks. From bytes,
 * uncompressed little-endian arrays are views of the given memory, not copies.
 * v7.3 (HDF5) and Level 4 files, truncated or corrupt files: a MatReadError.
 */
export async function readMat(source: MatSource): Promise<Record<string, MatValue>> {
  const file = localFile(source);
  if (file) return readFile(file.path, file.where);
  const { bytes, where } = await loadSource(WHO, source);
  return parse(where, (fail) => new BufferInput(bytes, fail));
}

async function readFile(path: string | URL, where: string): Promise<Record<string, MatValue>> {
  const fs = await nodeFsSync(`${WHO}: reading ${where}`);
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (e) {
    throw new Error(`${WHO}: cannot read ${where}: ${(e as Error).message}`);
  }
  try {
    const size = fs.fstatSync(fd).size;
    return parse(where, (fail) => new FileInput(fs, fd, size, fail));
  } finally {
    fs.closeSync(fd);
  }
}

/** The bytes of a whole MAT file already in memory, read synchronously (for tests and callers holding bytes). */
export function readMatBytes(bytes: Uint8Array, where = 'the given buffer'): Record<string, MatValue> {
  return parse(where, (fail) => new BufferInput(bytes, fail));
}

function parse(where: string, open: (fail: Fail) => Input): Record<string, MatValue> {
  const r = new Reader(where);
  const input = open(r.fail);
  try {
    return r.file(input);
  } catch (e) {
    if (e instanceof MatReadError) throw e;
    // An allocation refused, or a bug: still an error that says where, never a bare stack.
    throw new MatReadError(`${r.prefix()}${(e as Error)?.message ?? String(e)} (at ${input.at()})`,
      input.fileOffset(), r.path, { cause: e });
  }
}

const NO_DOUBLES = new Float64Array(0); // shared: a zero-length array holds nothing to change
const EMPTY = (): MatValue => ({ class: 'double', dims: [0, 0], data: NO_DOUBLES });
/**
 * JavaScript values (arrays, struct elements, strings) one file may make. An empty element takes
 * 8 bytes of a file and some 100 of JavaScript, and DEFLATE repeats it a thousandfold, so a file
 * of kilobytes could ask for gigabytes: a budget per file, not per array, ends that with an Error.
 * Far above the zoo's nets (about 100 values) and cnn_train's imdbs (numeric arrays).
 */
const MAX_VALUES = 1 << 22;

/** The file and its variables, one MATLAB class at a time, on the elements of elements.ts. */
class Reader extends Elements {
  private made = 0;
  private depth = 0;

  /** `count` more values made: past MAX_VALUES in the file, an Error. */
  private spend(inp: Input, count: number, what: string): void {
    this.made += count;
    if (this.made > MAX_VALUES) {
      this.fail(`${what} would make more than the ${MAX_VALUES} values readMat makes of a file (corrupt file?)`, inp.fileOffset());
    }
  }

  /** The header, then every variable in turn. */
  file(inp: Input): Record<string, MatValue> {
    this.header(inp);
    const vars: Record<string, MatValue> = {};
    for (let index = 1; inp.left() > 0; index++) {
      this.path = `variable ${index}`;
      const at = inp.pos;
      if (inp.left() < 8) {
        this.fail(`${inp.left()} bytes after the last variable at byte ${at}, too few for a tag (truncated file?)`, at);
      }
      const tag = this.tag(inp, Infinity);
      if (tag.small) this.fail(`expected a variable at byte ${at}, found a small ${mi(tag.type)} element`, at);
      if (tag.type === MI.COMPRESSED) {
        const v = this.compressed(inp, tag.n, at);
        if (v !== null) setOwn(vars, v.name, v.value);
      } else if (tag.type === MI.MATRIX) {
        const end = inp.pos + tag.n;
        const v = this.matrix(inp, tag.n, true);
        if (v === null) {
          if (end > inp.pos + inp.left()) this.fail(`the variable at byte ${at} needs ${tag.n} bytes; the file ends first (truncated file?)`, at);
          inp.skip(end - inp.pos);
        } else setOwn(vars, v.name, v.value);
        inp.skip(Math.min(padOf(tag.n), inp.left()));
      } else {
        this.fail(`expected a variable (miMATRIX or miCOMPRESSED) at byte ${at}, found ${mi(tag.type)}`, at);
      }
    }
    return vars;
  }

  /**
   * One top-level miCOMPRESSED element of n bytes, inflated as it is read (inflate.ts).
   * NOTE: no padding after a top-level miCOMPRESSED element (FORMATS §1.5.2).
   */
  private compressed(inp: Input, n: number, at: number): { name: string; value: MatValue } | null {
    // The inflated size is bounded by the bytes there are, not the n claimed: on n a claim past the
    // file's end let a tiny file allocate gigabytes. A truncated variable still inflates up to where
    // its data end, and that is the error.
    const have = Math.min(n, inp.left());
    const z = new InflateInput(inp, n, at, this.fail);
    const inner = this.tag(z, Infinity);
    if (inner.type !== MI.MATRIX || inner.small) {
      this.fail(`the compressed element at byte ${at} holds ${mi(inner.type)}, not miMATRIX`, inp.fileOffset());
    }
    if (inner.n + 8 > MAX_INFLATE_RATIO * have + 64) {
      this.fail(`the compressed element at byte ${at} claims ${inner.n} bytes inflated from ${have}` +
        `${have < n ? ` (of the ${n} it claims; the file ends first)` : ''}, more than DEFLATE can expand (corrupt file?)`, inp.fileOffset());
    }
    z.limit = 8 + inner.n;
    const v = this.matrix(z, inner.n, true);
    if (v === null) z.abandon();
    else z.finish();
    return v;
  }

  private header(inp: Input): void {
    const size = inp.left();
    const h = inp.take(Math.min(HEADER.BYTES, size));
    if (h.length >= 4 && (h[0] === 0 || h[1] === 0 || h[2] === 0 || h[3] === 0)) {
      // As scipy's _get_matfile_version: a zero in the first 4 bytes is a Level 4 header.
      this.fail('this is a MAT-file Level 4 (MATLAB 4) file, which readMat does not read; load it in MATLAB ' +
        "or Octave and save it again as Level 5: save(f, '-v7')", 0);
    }
    if (h.length < HEADER.BYTES) {
      this.fail(`${size} bytes is too short for a MAT file, which starts with a 128-byte header (truncated file?)`, size);
    }
    const m0 = h[HEADER.ENDIAN], m1 = h[HEADER.ENDIAN + 1];
    if (m0 === 0x49 && m1 === 0x4d) this.le = true; // 'IM'
    else if (m0 === 0x4d && m1 === 0x49) this.le = false; // 'MI'
    else {
      this.fail(`not a MAT file: bytes 126-127 are 0x${hex2(m0)} 0x${hex2(m1)}, not the endian mark 'IM' or 'MI' ` +
        '(an HTML page or a partial download?)', HEADER.ENDIAN);
    }
    const v = this.le ? h[124] | (h[125] << 8) : (h[124] << 8) | h[125];
    if (v === VERSION.HDF5) {
      this.fail('this is a MAT-file v7.3 (HDF5) file, which readMat does not read; in MATLAB save it again as v7, ' +
        "e.g. save(f, '-struct', 'net', '-v7') for a net, or save(f, 'x', '-v7')", 124);
    }
    if (v !== VERSION.LEVEL5) this.fail(`unknown MAT-file version 0x${v.toString(16)} at byte 124 (Level 5 is 0x0100)`, 124);
  }

  /**
   * One miMATRIX of n bytes: flags, dims, name, then the class's part.
   * At top level, returns null (not reading the rest) for what is skipped:
   * function handles, MCOS objects, unnamed variables.
   */
  private matrix(inp: Input, n: number, top: boolean): { name: string; value: MatValue } | null {
    this.spend(inp, 1, 'this array');
    // NOTE: a 0-byte miMATRIX is an empty placeholder, with no flags to read (§1.14).
    if (n === 0) return top ? null : { name: '', value: EMPTY() };
    const end = inp.pos + n;
    const ft = this.tag(inp, end);
    if ((ft.type !== MI.UINT32 && ft.type !== MI.INT32) || ft.n !== 8) {
      this.fail(`array flags at ${inp.at(ft.at)} are ${ft.n} bytes of ${mi(ft.type)}, not 8 bytes of miUINT32`, inp.fileOffset());
    }
    const fb = this.bytes(inp, ft, end);
    const f0 = this.u32(fb, 0); // the second u32 is nzmax for sparse: ir's own length is used instead
    const cls = f0 & 0xff; // NOTE: other bits are flags; unknown ones (sparse 0x1000) are ignored
    const complex = (f0 & FLAG.COMPLEX) !== 0, logical = (f0 & FLAG.LOGICAL) !== 0;
    if (cls === MX.OPAQUE) {
      // NOTE: no dims for opaque objects (§1.13): name, type system, class name, then data we do not decode.
      const name = this.string(inp, end, 'name');
      if (top) return null;
      this.string(inp, end, 'type system');
      const classname = this.string(inp, end, 'class name');
      inp.skip(end - inp.pos);
      return { name, value: { class: 'opaque', classname } };
    }
    const dims = this.dims(inp, end);
    const name = this.string(inp, end, 'name');
    if (top) {
      if (name === '' || cls === MX.FUNCTION) return null;
      this.path = name;
    }
    const nel = dims.reduce((a, b) => a * b, 1);
    let value: MatValue;
    const numeric = BY_MX.get(cls);
    if (numeric) value = this.numeric(inp, end, numeric, dims, nel, complex, logical);
    else if (cls === MX.CHAR) value = this.chars(inp, end, dims, nel);
    else if (cls === MX.CELL) value = this.cell(inp, end, dims, nel);
    else if (cls === MX.STRUCT) value = this.struct(inp, end, dims, nel, null);
    else if (cls === MX.OBJECT) value = this.struct(inp, end, dims, nel, this.string(inp, end, 'class name'));
    else if (cls === MX.SPARSE) value = this.sparse(inp, end, dims, complex, logical);
    else if (cls === MX.FUNCTION) value = { class: 'function', classname: 'function_handle' };
    else this.fail(`unknown array class ${cls} in the array flags at ${inp.at(ft.at)}`, inp.fileOffset());
    inp.skip(end - inp.pos); // what a writer left after the parts (function handle contents)
    return { name, value };
  }

  private numeric(inp: Input, end: number, kind: NumericKind, dims: number[], nel: number,
    complex: boolean, logical: boolean): MatNumeric {
    const data = this.numbers(inp, end, kind, nel, 'real part');
    const imag = complex ? this.numbers(inp, end, kind, nel, 'imaginary part') : undefined;
    if (logical) {
      if (complex) this.fail('a logical array cannot be complex (array flags)', inp.fileOffset());
      return { class: 'logical', dims, data: data instanceof Uint8Array ? data : toLogical(data) };
    }
    return (imag ? { class: kind.name, dims, data, imag } : { class: kind.name, dims, data }) as MatNumeric;
  }

  /** The char element: its type and bytes (a copy: chars.ts decodes after the next read). */
  private charData(inp: Input, end: number, nel: number): { type: number; bytes: Uint8Array; nel: number } {
    const t = this.tag(inp, end);
    const b = this.bytes(inp, t, end);
    return { type: t.type, bytes: t.small ? b : b.slice(), nel };
  }

  private cell(inp: Input, end: number, dims: number[], nel: number): MatValue {
    this.room(inp, end, nel, 8, 'cells');
    const base = this.path;
    const data: MatValue[] = new Array(nel);
    for (let i = 0; i < nel; i++) {
      this.path = `${base}{${i + 1}}`;
      data[i] = this.child(inp, end);
    }
    this.path = base;
    return { class: 'cell', dims, data };
  }

  /** A struct array (or an object, with its class name): field names, then per element per field one miMATRIX. */
  private struct(inp: Input, end: number, dims: number[], nel: number, classname: string | null): MatValue {
    const lt = this.tag(inp, end);
    if (!BY_MI.has(lt.type) || lt.n !== 4) {
      this.fail(`the field-name length at ${inp.at(lt.at)} is ${lt.n} bytes of ${mi(lt.type)}, not one miINT32`, inp.fileOffset());
    }
    const len = this.u32(this.bytes(inp, lt, end), 0);
    const nt = this.tag(inp, end);
    if (nt.type !== MI.INT8 && nt.type !== MI.UINT8) this.fail(`the field names at ${inp.at(nt.at)} are ${mi(nt.type)}, not miINT8`, inp.fileOffset());
    if (len === 0 ? nt.n !== 0 : nt.n % len !== 0) {
      this.fail(`the field names at ${inp.at(nt.at)} are ${nt.n} bytes, not a multiple of the field-name length ${len}`, inp.fileOffset());
    }
    const nf = len === 0 ? 0 : nt.n / len;
    const b = this.bytes(inp, nt, end);
    // NOTE: names are NUL-padded in slots of `len` (up to 64 from Octave). Duplicates (seen in the
    // wild) become _1_x, _2_x as scipy names them, so no value is lost.
    const fields: string[] = [];
    const seen = new Map<string, number>();
    for (let f = 0; f < nf; f++) {
      const name = this.ascii(b, f * len, (f + 1) * len, 'field name', inp, nt);
      const k = seen.get(name);
      seen.set(name, (k ?? 0) + 1);
      fields.push(k === undefined ? name : `_${k}_${name}`);
    }
    this.room(inp, end, nel * nf, 8, 'struct fields');
    // Field-less elements take no bytes, so the bytes cannot bound their count: the file's budget does.
    this.spend(inp, nel, `${dims.join('x')} structs`);
    const base = this.path;
    const data: MatStruct[] = new Array(nel);
    for (let e = 0; e < nel; e++) {
      const s: MatStruct = {};
      for (const f of fields) {
        this.path = nel === 1 && classname === null ? `${base}.${f}` : `${base}(${e + 1}).${f}`;
        setOwn(s, f, this.child(inp, end));
      }
      data[e] = s;
    }
    this.path = base;
    if (classname !== null) return { class: 'object', classname, dims, fields, data };
    if (dims.length === 2 && dims[0] === 1 && dims[1] === 1) return data[0];
    return { class: 'struct', dims, fields, data };
  }

  /** A char array; of R > 1 rows (2-D), R strings, counted before decodeChars makes them. */
  private chars(inp: Input, end: number, dims: number[], nel: number): MatValue {
    if (dims.length === 2 && dims[0] > 1) this.spend(inp, dims[0], `a ${dims.join('x')} char array`);
    return decodeChars(this.charData(inp, end, nel), dims, this.le, (m) => this.fail(m, inp.fileOffset()));
  }

  /** One nested miMATRIX (a cell or a field), and its padding. */
  private child(inp: Input, end: number): MatValue {
    const t = this.tag(inp, end);
    if (t.type !== MI.MATRIX || t.small) this.fail(`expected miMATRIX at ${inp.at(t.at)}, found ${mi(t.type)}`, inp.fileOffset());
    // The reader recurses once per level: past writeMat's limit, an Error before the stack's.
    if (this.depth >= MAX_DEPTH) this.fail(`arrays are nested more than ${MAX_DEPTH} deep (corrupt file?)`, inp.fileOffset());
    this.depth++;
    try {
      const v = this.matrix(inp, t.n, false) as { value: MatValue };
      this.pad(inp, t.n, end);
      return v.value;
    } finally {
      this.depth--;
    }
  }

  /** Each of `count` parts needs at least `each` bytes: a corrupt count must not allocate. */
  private room(inp: Input, end: number, count: number, each: number, what: string): void {
    const room = Math.min(end - inp.pos, inp.left());
    if (count * each > room) {
      this.fail(`${count} ${what} need at least ${count * each} bytes, but only ${room} remain at ${inp.at()} ` +
        inp.shortfall, inp.fileOffset());
    }
  }

  /** CSC: ir (row of each value), jc (column starts), pr, pi. NOTE: entries past nnz = jc[N] are junk (§1.12). */
  private sparse(inp: Input, end: number, dims: number[], complex: boolean, logical: boolean): MatValue {
    if (dims.length !== 2) this.fail(`a sparse array has 2 dims, not ${dims.join('x')}`, inp.fileOffset());
    const [M, N] = dims;
    const ir = this.counted(inp, end, BY_MI.get(MI.INT32) as NumericKind, 'row indices (ir)') as Int32Array;
    const jc = this.counted(inp, end, BY_MI.get(MI.INT32) as NumericKind, 'column starts (jc)') as Int32Array;
    if (jc.length !== N + 1) this.fail(`the sparse column starts (jc) hold ${jc.length} entries; ${N} columns need ${N + 1}`, inp.fileOffset());
    const nnz = jc[N];
    if (jc[0] !== 0 || nnz > ir.length) {
      this.fail(`the sparse column starts run from ${jc[0]} to ${nnz}, with ${ir.length} row indices`, inp.fileOffset());
    }
    for (let j = 0; j < N; j++) if (jc[j + 1] < jc[j]) this.fail(`the sparse column starts decrease at column ${j + 1}`, inp.fileOffset());
    for (let k = 0; k < nnz; k++) if (ir[k] < 0 || ir[k] >= M) this.fail(`sparse row index ${ir[k]} is outside 0..${M - 1}`, inp.fileOffset());
    const values = (what: string): Float64Array | Uint8Array => {
      const t = this.tag(inp, end);
      // NOTE: logical sparse may store one byte per value under an miDOUBLE tag (scipy read_numeric).
      if (logical && t.n === nnz && t.type !== MI.UINT8 && t.type !== MI.INT8) {
        return this.load(inp, { ...t, type: MI.UINT8 }, BY_MI.get(MI.UINT8) as NumericKind, nnz, end) as Uint8Array;
      }
      const kind = BY_MI.get(logical ? MI.UINT8 : MI.DOUBLE) as NumericKind;
      const v = this.counted(inp, end, kind, what, t) as Float64Array | Uint8Array;
      if (v.length < nnz) this.fail(`the sparse ${what} holds ${v.length} values; nnz is ${nnz}`, inp.fileOffset());
      return v;
    };
    const data = values('values (pr)');
    const imag = complex ? values('imaginary parts (pi)') as Float64Array : undefined;
    const trim = <T extends Int32Array | Float64Array | Uint8Array>(a: T): T => (a.length === nnz ? a : a.slice(0, nnz) as T);
    const out = {
      class: 'sparse' as const, dims, logical, ir: trim(ir), jc,
      data: logical ? toLogical(trim(data)) : trim(data),
    };
    return imag ? { ...out, imag: trim(imag) } : out;
  }
}

/** An own property even for names such as __proto__ (a corrupt file must not reach a prototype). */
function setOwn(o: object, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}


