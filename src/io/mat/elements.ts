// The data elements of a MAT-file Level 5 (FORMATS.md §1.3-§1.8): tags, full
// and small; padding; names; numeric data into their final typed arrays,
// converted from narrower storage types. The Reader (reader.ts) builds the
// arrays of each class from these. Every byte count is checked against the
// enclosing element and against what the input holds before anything is allocated.

import { BY_MI, MI, MI_NAME, type NumericKind } from './constants.js';
import { MatReadError } from './errors.js';
import type { Fail, Input } from './input.js';
import { InflateInput } from './inflate.js';

export interface Tag { type: number; n: number; at: number; small: Uint8Array | null }

export type NumericArray = NumericKind['ctor']['prototype'];

export const mi = (t: number): string => MI_NAME[t] ?? `element type ${t}`;
export const padOf = (n: number): number => (8 - (n % 8)) % 8;
export const hex2 = (v: number): string => v.toString(16).padStart(2, '0');

export class Elements {
  path = '';
  le = true;
  constructor(private readonly where: string) {}

  prefix(): string { return `readMat: ${this.where}: ${this.path ? `${this.path}: ` : ''}`; }

  readonly fail: Fail = (message, offset) => {
    throw new MatReadError(this.prefix() + message, offset, this.path);
  };

  /** A tag, full or small. NOTE: small if the upper 16 bits of the first u32, read in file order, are set (§1.3). */
  protected tag(inp: Input, end: number): Tag {
    const at = inp.pos;
    if (end - at < 8) this.fail(`an element tag at ${inp.at(at)} would run past its matrix, which ends at ${inp.at(end)}`, inp.fileOffset());
    const b = inp.take(8);
    const u = this.u32(b, 0);
    if (u >>> 16 !== 0) {
      const n = u >>> 16;
      if (n > 4) this.fail(`the small element at ${inp.at(at)} claims ${n} bytes; a small element holds at most 4`, inp.fileOffset());
      return { type: u & 0xffff, n, at, small: b.slice(4, 4 + n) };
    }
    const n = this.u32(b, 4);
    if (n > end - inp.pos) {
      this.fail(`the ${mi(u)} element at ${inp.at(at)} claims ${n} bytes, but its matrix ends ${end - inp.pos} bytes later`, inp.fileOffset());
    }
    return { type: u, n, at, small: null };
  }

  /** The data of a small element, or of a full one (then valid until the next read), and its padding. */
  protected bytes(inp: Input, t: Tag, end: number): Uint8Array {
    if (t.small) return t.small;
    if (t.n > inp.left()) this.truncated(inp, t);
    const b = inp.take(t.n);
    this.pad(inp, t.n, end);
    return b;
  }

  protected pad(inp: Input, n: number, end: number): void {
    inp.skip(Math.min(padOf(n), end - inp.pos, inp.left()));
  }

  protected truncated(inp: Input, t: Tag): never {
    return this.fail(`the ${mi(t.type)} element at ${inp.at(t.at)} needs ${t.n} bytes but only ${inp.left()} remain ` +
      inp.shortfall, inp instanceof InflateInput ? inp.fileOffset() : inp.fileOffset() + inp.left());
  }

  /** NOTE: dims may come as miUINT32 (scipy accepts it when no value is negative). */
  protected dims(inp: Input, end: number): number[] {
    const t = this.tag(inp, end);
    if ((t.type !== MI.INT32 && t.type !== MI.UINT32) || t.n % 4 !== 0 || t.n < 8) {
      this.fail(`the dims at ${inp.at(t.at)} are ${t.n} bytes of ${mi(t.type)}, not two or more miINT32`, inp.fileOffset());
    }
    const b = this.bytes(inp, t, end);
    const dims: number[] = [];
    let nel = 1;
    for (let i = 0; i < t.n; i += 4) {
      const d = this.u32(b, i);
      if (d > 0x7fffffff) {
        this.fail(`dimension ${i / 4 + 1} at ${inp.at(t.at)} is ${t.type === MI.INT32 ? d | 0 : d}; dims must be 0 .. 2^31-1`, inp.fileOffset());
      }
      dims.push(d);
      nel *= d;
    }
    if (nel > 0x7fffffff) this.fail(`dims ${dims.join('x')} hold more than 2^31 elements`, inp.fileOffset());
    return dims;
  }

  /** An ASCII string element: names, class names. NOTE: some writers use miUTF8 for names; accepted if ASCII. */
  protected string(inp: Input, end: number, what: string): string {
    const t = this.tag(inp, end);
    if (t.type !== MI.INT8 && t.type !== MI.UINT8 && t.type !== MI.UTF8) {
      this.fail(`the ${what} at ${inp.at(t.at)} is ${mi(t.type)}, not miINT8 text`, inp.fileOffset());
    }
    return this.ascii(this.bytes(inp, t, end), 0, t.n, what, inp, t);
  }

  protected ascii(b: Uint8Array, from: number, to: number, what: string, inp: Input, t: Tag): string {
    let s = '';
    for (let i = from; i < to && b[i] !== 0; i++) {
      if (b[i] > 0x7f) this.fail(`the ${what} at ${inp.at(t.at)} holds the non-ASCII byte 0x${hex2(b[i])}`, inp.fileOffset());
      s += String.fromCharCode(b[i]);
    }
    return s;
  }

  /**
   * nel values of class `kind`. NOTE: the storage type may be narrower than the
   * class (MATLAB and Octave store integer-valued doubles and singles as
   * miUINT8, miINT16...: §1.8), so the byte count is checked against the
   * stored type and the values converted to the class.
   */
  protected numbers(inp: Input, end: number, kind: NumericKind, nel: number, what: string): NumericArray {
    const t = this.tag(inp, end);
    const stored = BY_MI.get(t.type);
    if (!stored) this.fail(`the ${what} at ${inp.at(t.at)} is ${mi(t.type)}, not numeric data of class ${kind.name}`, inp.fileOffset());
    if (t.n !== nel * stored.bytes) {
      this.fail(`the ${what} at ${inp.at(t.at)} holds ${t.n} bytes of ${mi(t.type)}; ${nel} elements need ${nel * stored.bytes}`, inp.fileOffset());
    }
    const raw = this.load(inp, t, stored, nel, end);
    return stored === kind ? raw : this.convert(raw, kind, inp, t);
  }

  /** An element whose count comes from its size (sparse ir, jc, pr). */
  protected counted(inp: Input, end: number, kind: NumericKind, what: string, tag?: Tag): NumericArray {
    const t = tag ?? this.tag(inp, end);
    const stored = BY_MI.get(t.type);
    if (!stored || t.n % stored.bytes !== 0) {
      this.fail(`the ${what} at ${inp.at(t.at)} is ${t.n} bytes of ${mi(t.type)}, not numeric data`, inp.fileOffset());
    }
    const raw = this.load(inp, t, stored, t.n / stored.bytes, end);
    return stored === kind ? raw : this.convert(raw, kind, inp, t);
  }

  /** The element's values in its stored type: a view when aligned in a little-endian buffer, else read into a new array. */
  protected load(inp: Input, t: Tag, stored: NumericKind, nel: number, end: number): NumericArray {
    if (t.small) {
      const a = new stored.ctor(nel);
      new Uint8Array(a.buffer).set(t.small.subarray(0, t.n));
      if (!this.le) swap(new Uint8Array(a.buffer), stored.bytes);
      return a;
    }
    if (t.n > inp.left()) this.truncated(inp, t);
    let a: NumericArray | null = null;
    if (this.le) {
      const v = inp.keep(t.n, stored.bytes);
      if (v) a = new stored.ctor(v.buffer, v.byteOffset, nel);
    }
    if (!a) {
      a = new stored.ctor(nel);
      const b = new Uint8Array(a.buffer, 0, t.n);
      inp.fill(b);
      if (!this.le) swap(b, stored.bytes);
    }
    this.pad(inp, t.n, end);
    return a;
  }

  /** Values of a narrower (or other) stored type into the class's array; integers must fit exactly. */
  protected convert(src: NumericArray, kind: NumericKind, inp: Input, t: Tag): NumericArray {
    const out = new kind.ctor(src.length);
    const [lo, hi] = RANGE[kind.name] ?? [-Infinity, Infinity];
    for (let i = 0; i < src.length; i++) {
      const v = src[i];
      if (kind.big) {
        const x = typeof v === 'bigint' ? v : Number.isInteger(v) ? BigInt(v) : null;
        if (x === null || x < (lo as bigint) || x > (hi as bigint)) this.misfit(v, kind, i, inp, t);
        out[i] = x;
      } else {
        const x = Number(v);
        if (lo !== -Infinity && (!Number.isInteger(x) || x < (lo as number) || x > (hi as number))) this.misfit(v, kind, i, inp, t);
        out[i] = x;
      }
    }
    return out;
  }

  protected misfit(v: number | bigint, kind: NumericKind, i: number, inp: Input, t: Tag): never {
    return this.fail(`value ${v} (element ${i + 1} of the ${mi(t.type)} data at ${inp.at(t.at)}) does not fit class ${kind.name}`, inp.fileOffset());
  }

  protected u32(b: Uint8Array, i: number): number {
    return this.le
      ? (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0
      : ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
  }
}

const RANGE: Record<string, [number, number] | [bigint, bigint]> = {
  int8: [-128, 127], uint8: [0, 255], int16: [-32768, 32767], uint16: [0, 65535],
  int32: [-2147483648, 2147483647], uint32: [0, 4294967295],
  int64: [-(2n ** 63n), 2n ** 63n - 1n], uint64: [0n, 2n ** 64n - 1n],
};

/** Reverse the bytes of each `size`-byte value in place (big-endian files). */
export function swap(b: Uint8Array, size: number): void {
  if (size === 1) return;
  for (let i = 0; i + size <= b.length; i += size) {
    for (let lo = i, hi = i + size - 1; lo < hi; lo++, hi--) {
      const t = b[lo]; b[lo] = b[hi]; b[hi] = t;
    }
  }
}

export function toLogical(a: ArrayLike<number | bigint>): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] ? 1 : 0;
  return out;
}

