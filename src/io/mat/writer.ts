// writeMat: a MAT-file Level 5, little-endian, as FORMATS.md §1.16 says
// (scipy's VarWriter5 and Octave's save_mat5_binary_element as models). Two
// passes over the same code: the first only counts bytes, so each variable's
// size is known (and checked against 2^31) before anything is allocated, and
// the file is allocated once at its exact size; the second writes.

import { zlibSync } from 'fflate';
import { checkOptions, tagOf } from '../../options.js';
import { FLAG, HEADER, MI, MX, VAR_BYTES_LIMIT, VERSION } from './constants.js';
import { MatWriteError } from './errors.js';
import { checkName, toNode, type Node } from './normalize.js';
import type { MatWritable } from './types.js';

export interface WriteMatOptions {
  /** Wrap each variable in miCOMPRESSED (zlib), as MATLAB's default -v7 does. Default false (v6: loads faster). */
  compress?: boolean;
}

const WHO = 'writeMat';

/**
 * A MAT-file (Level 5, v6; v7 with `compress: true`) holding `vars`, that
 * MATLAB, Octave and scipy.io.loadmat read. Values are readMat's MatValue
 * forms or plain JavaScript values, mapped as MatWritable says (number → 1x1
 * double, string → char row, plain object → struct, mixed array → cell...).
 * Names must be MATLAB identifiers of at most 63 characters; each variable
 * must take under 2^31 bytes (larger ones need v7.3, which this does not write).
 */
export function writeMat(vars: Record<string, MatWritable>, opts?: WriteMatOptions): Uint8Array {
  const { compress } = writeOptions(WHO, opts);
  if (typeof vars !== 'object' || vars === null || Array.isArray(vars)) {
    throw new Error(`${WHO}: vars must be an object of variables by name, got ${vars === null ? 'null' : typeof vars}`);
  }
  if (!LITTLE_ENDIAN_HOST) throw new Error(`${WHO}: this host is big-endian; typed arrays would be written byte-swapped`);
  const nodes = Object.keys(vars).map((name) => {
    checkName(name, name, 'variable name');
    return { name, node: toNode(vars[name], name) };
  });
  const parts: Uint8Array[] = [];
  let total: number = HEADER.BYTES;
  for (const { name, node } of nodes) {
    const counter = new Out(null);
    matrix(counter, node, name);
    if (counter.pos >= VAR_BYTES_LIMIT) {
      throw new MatWriteError(`${WHO}: ${name}: takes ${counter.pos} bytes; a v6/v7 MAT-file variable must take under 2^31 ` +
        '(MATLAB saves larger ones only as v7.3)', name);
    }
    if (compress) {
      const out = new Out(new Uint8Array(counter.pos));
      matrix(out, node, name);
      const z = zlibSync(out.buf as Uint8Array);
      const tag = new Out(new Uint8Array(8));
      tag.tag(MI.COMPRESSED, z.length);
      // NOTE: no padding after a top-level miCOMPRESSED element (FORMATS §1.5.2).
      parts.push(tag.buf as Uint8Array, z);
      total += 8 + z.length;
    } else {
      total += counter.pos; // written in place below
    }
  }
  const file = new Out(new Uint8Array(total));
  header(file);
  if (compress) for (const p of parts) file.bytes(p);
  else for (const { name, node } of nodes) matrix(file, node, name);
  return file.buf as Uint8Array;
}

/** writeMat's options checked, for writeMat and for the functions that write through it (`who` names the caller). */
export function writeOptions(who: string, opts: WriteMatOptions | undefined): Required<WriteMatOptions> {
  checkOptions(who, opts, ['compress']);
  const compress = opts?.compress ?? false;
  if (typeof compress !== 'boolean') throw new Error(`${who}: compress must be true or false, got ${tagOf(compress)}`);
  return { compress };
}

const LITTLE_ENDIAN_HOST = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** A byte sink: with no buffer it only counts. */
class Out {
  pos = 0;
  private readonly dv: DataView | null;
  constructor(readonly buf: Uint8Array | null) {
    this.dv = buf ? new DataView(buf.buffer, buf.byteOffset, buf.byteLength) : null;
  }
  u32(v: number): void {
    this.dv?.setUint32(this.pos, v, true);
    this.pos += 4;
  }
  bytes(b: Uint8Array): void {
    this.buf?.set(b, this.pos);
    this.pos += b.length;
  }
  pad(): void {
    this.pos += (8 - (this.pos % 8)) % 8; // the buffer is zeroed
  }
  tag(type: number, n: number): void {
    this.u32(type);
    this.u32(n);
  }
  /** A data element: small (type and count in one u32, data in the next 4 bytes) when 1 to 4 bytes, else tag + data + padding. */
  element(type: number, b: Uint8Array): void {
    if (b.length > 0 && b.length <= 4) {
      this.u32((b.length << 16) | type);
      this.bytes(b);
      this.pos += 4 - b.length;
      return;
    }
    this.tag(type, b.length);
    this.bytes(b);
    this.pad();
  }
  patch(at: number, v: number): void {
    this.dv?.setUint32(at, v, true);
  }
}

function header(out: Out): void {
  const text = `MATLAB 5.0 MAT-file, Platform: nnblocks, Created on: ${new Date().toUTCString()}`;
  const h = new Uint8Array(HEADER.BYTES).fill(0x20, 0, HEADER.TEXT);
  for (let i = 0; i < Math.min(text.length, HEADER.TEXT); i++) h[i] = text.charCodeAt(i) & 0x7f;
  h.fill(0, HEADER.SUBSYS, HEADER.VERSION); // no subsystem data
  h[HEADER.VERSION] = VERSION.LEVEL5 & 0xff;
  h[HEADER.VERSION + 1] = VERSION.LEVEL5 >> 8;
  h[HEADER.ENDIAN] = 0x49; // 'I'
  h[HEADER.ENDIAN + 1] = 0x4d; // 'M'
  out.bytes(h);
}

const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const int32s = (a: number[]): Uint8Array => bytesOf(Int32Array.from(a));
const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** One miMATRIX: tag (its byte count patched at the end), flags, dims, name, then the class's part. */
function matrix(out: Out, node: Node, name: string): void {
  const start = out.pos;
  out.tag(MI.MATRIX, 0);
  const [cls, flags, nzmax] = classOf(node);
  out.element(MI.UINT32, bytesOf(Uint32Array.of(cls | flags, nzmax)));
  out.element(MI.INT32, int32s(node.dims));
  out.element(MI.INT8, ascii(name));
  switch (node.k) {
    case 'num':
      out.element(node.kind.mi, bytesOf(node.data));
      if (node.imag) out.element(node.kind.mi, bytesOf(node.imag));
      break;
    case 'char':
      // NOTE: miUTF8 when every unit is ASCII, else miUTF16 with dims in code units (FORMATS §1.16).
      if (node.units.every((u) => u < 0x80)) out.element(MI.UTF8, Uint8Array.from(node.units));
      else out.element(MI.UTF16, bytesOf(node.units));
      break;
    case 'cell':
      for (const item of node.items) matrix(out, item, '');
      break;
    case 'struct': {
      if (node.classname !== null) out.element(MI.INT8, ascii(node.classname));
      // Field-name slots of max length + 1 (at least 1: an empty struct has 0 name bytes), as scipy writes them.
      const len = Math.max(0, ...node.fields.map((f) => f.length)) + 1;
      out.element(MI.INT32, int32s([len]));
      const names = new Uint8Array(node.fields.length * len);
      node.fields.forEach((f, i) => names.set(ascii(f), i * len));
      out.element(MI.INT8, names);
      for (const item of node.items) matrix(out, item, '');
      break;
    }
    case 'sparse':
      out.element(MI.INT32, bytesOf(node.ir));
      out.element(MI.INT32, bytesOf(node.jc));
      out.element(node.logical ? MI.UINT8 : MI.DOUBLE, bytesOf(node.data));
      if (node.imag) out.element(MI.DOUBLE, bytesOf(node.imag));
      break;
  }
  out.patch(start + 4, out.pos - start - 8);
}

/** Class code, flag bits, nzmax. NOTE: MATLAB refuses nzmax 0 for sparse (scipy write_sparse). */
function classOf(node: Node): [number, number, number] {
  switch (node.k) {
    case 'num':
      return [node.kind.mx, (node.logical ? FLAG.LOGICAL : 0) | (node.imag ? FLAG.COMPLEX : 0), 0];
    case 'char':
      return [MX.CHAR, 0, 0];
    case 'cell':
      return [MX.CELL, 0, 0];
    case 'struct':
      return [node.classname === null ? MX.STRUCT : MX.OBJECT, 0, 0];
    case 'sparse':
      return [MX.SPARSE, (node.logical ? FLAG.LOGICAL : 0) | (node.imag ? FLAG.COMPLEX : 0), Math.max(1, node.ir.length)];
  }
}
