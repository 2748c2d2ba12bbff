// What readMat returns and writeMat takes (API.md "Model files").
//
// | MATLAB                         | JavaScript                                                          |
// | ------------------------------ | ------------------------------------------------------------------- |
// | numeric array, any size        | { class: 'single', dims, data: Float32Array } (double: Float64Array, |
// |                                |   int8: Int8Array … int64: BigInt64Array, uint64: BigUint64Array)   |
// | complex numeric                | the same plus `imag`: the imaginary parts, same type as `data`      |
// | logical                        | { class: 'logical', dims, data: Uint8Array } (0 or 1)               |
// | char row, or 0xN / Nx0         | string                                                              |
// | char matrix, R > 1 rows        | string[], one per row (all of one length)                           |
// | char with 3 or more dims       | { class: 'char', dims, data: Uint16Array } (UTF-16 code units)      |
// | 1x1 struct                     | plain object, fields in file order                                  |
// | struct array (not 1x1)         | { class: 'struct', dims, fields, data: object[] }                   |
// | cell array                     | { class: 'cell', dims, data: MatValue[] }                           |
// | sparse (double or logical)     | { class: 'sparse', dims: [M, N], logical, ir, jc, data, imag? }:    |
// |                                |   CSC with nnz = jc[N]; ir, jc Int32Array; data Float64Array        |
// |                                |   (Uint8Array when logical)                                         |
// | old-style @class object        | { class: 'object', classname, dims, fields, data: object[] }        |
// | function handle / MCOS object  | inside a cell or struct: { class: 'function' | 'opaque', classname }|
// |                                |   placeholders (their contents live in MATLAB's subsystem); at top  |
// |                                |   level such variables are skipped                                  |
//
// `dims` has at least two entries, as MATLAB's size(); `data` is column-major
// (MATLAB's own layout), so element (i, j, k) is data[i + j*M + k*M*N].

import type { ClassArrays, NumericClass } from './constants.js';

export type { NumericClass } from './constants.js';

/** A numeric or logical array; `class` tells the typed array of `data`. */
export type MatNumeric = {
  [C in keyof ClassArrays]: { class: C; dims: number[]; data: ClassArrays[C]; imag?: ClassArrays[C] }
}[keyof ClassArrays];

/** A numeric array of one class, e.g. `MatArray<'single'>` has `data: Float32Array`. */
export type MatArray<C extends NumericClass | 'logical'> = Extract<MatNumeric, { class: C }>;

/** A compressed-sparse-column matrix, as MATLAB holds it (0-based row indices). */
export interface MatSparse {
  class: 'sparse';
  dims: number[];
  logical: boolean;
  /** Row index (0-based) of each stored value: nnz entries. */
  ir: Int32Array;
  /** Column starts: N + 1 entries, jc[N] = nnz. */
  jc: Int32Array;
  data: Float64Array | Uint8Array;
  imag?: Float64Array;
}

/** A char array of three or more dimensions, kept as UTF-16 code units. */
export interface MatCharArray { class: 'char'; dims: number[]; data: Uint16Array }

/** A 1x1 struct: its fields in file order. */
export interface MatStruct { [field: string]: MatValue }

/** A struct array that is not 1x1 (0x0, 1xN, MxN, ...): `data` holds prod(dims) structs in column-major order. */
export interface MatStructArray { class: 'struct'; dims: number[]; fields: string[]; data: MatStruct[] }

/** An old-style (`@class` directory, `inline`) MATLAB object: a struct array with a class name. */
export interface MatObject { class: 'object'; classname: string; dims: number[]; fields: string[]; data: MatStruct[] }

/** A cell array: prod(dims) values in column-major order. */
export interface MatCell { class: 'cell'; dims: number[]; data: MatValue[] }

/** A function handle or an MCOS (classdef) object inside a cell or struct: readMat cannot decode its contents. */
export interface MatOpaque { class: 'function' | 'opaque'; classname: string }

export type MatValue =
  | MatNumeric | MatSparse | string | string[] | MatCharArray
  | MatStruct | MatStructArray | MatObject | MatCell | MatOpaque;

/**
 * What writeMat accepts: every MatValue, plus plain JavaScript values:
 * number → 1x1 double, bigint → 1x1 int64, boolean → 1x1 logical, string → 1xN char,
 * number[] → 1xN double, boolean[] → 1xN logical, string[] → a char matrix (one row per
 * string, all of one length), a typed array → 1xN of its class (Uint8Array is uint8),
 * [] → 0x0 double, any other array → 1xN cell, a plain object → 1x1 struct.
 * For a column vector, an N-D array, a struct array or a cell of strings, give the
 * MatValue form: { class: 'double', dims: [n, 1], data }, { class: 'struct', dims,
 * fields, data: [...] }, { class: 'cell', dims: [1, n], data: ['a', 'bc'] }.
 */
export type MatWritable =
  | MatValue | number | bigint | boolean | string
  | readonly MatWritable[]
  | Float64Array | Float32Array | Int8Array | Uint8Array | Int16Array | Uint16Array
  | Int32Array | Uint32Array | BigInt64Array | BigUint64Array
  | { [field: string]: MatWritable };
