// MAT-file Level 5 codes and layouts, shared by the reader and the writer.
// Source: MathWorks "MAT-File Format" (matfile_format.pdf, R2014b) and
// scipy's _mio5_params.py, which lists the same numbers; FORMATS.md §1.
// Where the spec and real files disagree, the note says which one we follow.

/** Data element types (`mi*`, spec table 1-1). 8, 10 and 11 are reserved. */
export const MI = {
  INT8: 1, UINT8: 2, INT16: 3, UINT16: 4, INT32: 5, UINT32: 6, SINGLE: 7, DOUBLE: 9,
  INT64: 12, UINT64: 13, MATRIX: 14, COMPRESSED: 15, UTF8: 16, UTF16: 17, UTF32: 18,
} as const;

/** Array classes (`mx*`, spec table 1-3; matrix.h disagrees on 3, scipy follows the spec). */
export const MX = {
  CELL: 1, STRUCT: 2, OBJECT: 3, CHAR: 4, SPARSE: 5, DOUBLE: 6, SINGLE: 7, INT8: 8, UINT8: 9,
  INT16: 10, UINT16: 11, INT32: 12, UINT32: 13, INT64: 14, UINT64: 15, FUNCTION: 16, OPAQUE: 17,
} as const;

/**
 * Array-flag bits in the first u32 of the array-flags element (bits 0-7 are the class).
 * MATLAB also sets an undocumented 0x1000 on sparse arrays: every other bit is ignored.
 */
export const FLAG = { COMPLEX: 0x0800, GLOBAL: 0x0400, LOGICAL: 0x0200 } as const;

/** The 128-byte header: text, subsystem offset, version, endian mark. */
export const HEADER = { BYTES: 128, TEXT: 116, SUBSYS: 116, VERSION: 124, ENDIAN: 126 } as const;

/** Version word at byte 124, read in the file's byte order. */
export const VERSION = { LEVEL5: 0x0100, HDF5: 0x0200 } as const;

/** The numeric MATLAB classes and how JavaScript holds them. */
export type NumericClass =
  | 'double' | 'single' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64';

/** The typed array of each numeric class, and of logical. */
export interface ClassArrays {
  double: Float64Array; single: Float32Array;
  int8: Int8Array; uint8: Uint8Array; int16: Int16Array; uint16: Uint16Array;
  int32: Int32Array; uint32: Uint32Array; int64: BigInt64Array; uint64: BigUint64Array;
  logical: Uint8Array;
}

export type AnyNumericArray = ClassArrays[keyof ClassArrays];

type ArrayCtor = { new (n: number): AnyNumericArray; new (b: ArrayBufferLike, off: number, n: number): AnyNumericArray; BYTES_PER_ELEMENT: number };

/** One numeric kind: the class code, the `mi` type it is written as, its typed array. */
export interface NumericKind { name: NumericClass; mx: number; mi: number; bytes: number; ctor: ArrayCtor; big: boolean }

const kind = (name: NumericClass, mx: number, mi: number, ctor: unknown, big = false): NumericKind =>
  ({ name, mx, mi, bytes: (ctor as ArrayCtor).BYTES_PER_ELEMENT, ctor: ctor as ArrayCtor, big });

export const NUMERIC: readonly NumericKind[] = [
  kind('double', MX.DOUBLE, MI.DOUBLE, Float64Array),
  kind('single', MX.SINGLE, MI.SINGLE, Float32Array),
  kind('int8', MX.INT8, MI.INT8, Int8Array),
  kind('uint8', MX.UINT8, MI.UINT8, Uint8Array),
  kind('int16', MX.INT16, MI.INT16, Int16Array),
  kind('uint16', MX.UINT16, MI.UINT16, Uint16Array),
  kind('int32', MX.INT32, MI.INT32, Int32Array),
  kind('uint32', MX.UINT32, MI.UINT32, Uint32Array),
  kind('int64', MX.INT64, MI.INT64, BigInt64Array, true),
  kind('uint64', MX.UINT64, MI.UINT64, BigUint64Array, true),
];

/** Numeric kinds by class code (`mx`) and by storage type (`mi`). */
export const BY_MX = new Map(NUMERIC.map((k) => [k.mx, k]));
export const BY_MI = new Map(NUMERIC.map((k) => [k.mi, k]));
export const BY_NAME = new Map(NUMERIC.map((k) => [k.name, k]));

/** Names for messages. */
export const MI_NAME: Record<number, string> = Object.fromEntries(
  Object.entries(MI).map(([k, v]) => [v, `mi${k}`]));
export const MX_NAME: Record<number, string> = Object.fromEntries(
  Object.entries(MX).map(([k, v]) => [v, `mx${k}_CLASS`]));

/** MATLAB's namelengthmax: variable and field names hold at most 63 characters. */
export const NAME_MAX = 63;
export const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]*$/;

/** v6 and v7 count a variable's bytes in a u32 and MATLAB refuses 2^31 and above (MAT-file versions page). */
export const VAR_BYTES_LIMIT = 2 ** 31;
