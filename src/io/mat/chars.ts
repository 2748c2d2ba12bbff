// mxCHAR_CLASS: the data element's bytes to a string, string[] or, for three
// or more dims, UTF-16 code units (FORMATS §1.9). The dims count UTF-16 code
// units; the data are column-major, so row r of an R x C matrix is units
// r, r + R, r + 2R, ...
//
// NOTE: every char storage type occurs: miUTF8 (MATLAB 7 for ASCII, scipy),
// miUTF16 (MATLAB 7 for other text, Octave for every row), miUINT16 (MATLAB 6,
// old Octave), miUINT8/miINT8 (one byte per char), miUTF32. Invalid UTF-8 is
// an error (scipy substitutes U+FFFD; we guess nothing).

import { MI, MI_NAME } from './constants.js';
import type { MatValue } from './types.js';

/** NOTE: some files hold 0 data bytes for non-empty dims (scipy: "treat as spaces"); bounded so a corrupt dims cannot make a huge string. */
const MAX_BLANK = 1 << 16;

export interface CharData { type: number; bytes: Uint8Array; nel: number }


export function decodeChars(c: CharData, dims: number[], le: boolean, fail: (m: string) => never): MatValue {
  const units = codeUnits(c, le, fail);
  if (dims.length > 2) {
    if (units.length !== c.nel) fail(`the char data hold ${units.length} UTF-16 code units; dims ${dims.join('x')} need ${c.nel}`);
    return { class: 'char', dims, data: units };
  }
  const [R, C] = dims;
  if (R <= 1) return fromUnits(units, 0, units.length);
  if (units.length !== R * C) fail(`the char data hold ${units.length} UTF-16 code units; dims ${R}x${C} need ${R * C}`);
  const rows: string[] = [];
  const row = new Uint16Array(C);
  for (let r = 0; r < R; r++) {
    for (let k = 0; k < C; k++) row[k] = units[r + k * R];
    rows.push(fromUnits(row, 0, C));
  }
  return rows;
}

function codeUnits(c: CharData, le: boolean, fail: (m: string) => never): Uint16Array {
  const { type, bytes: b, nel } = c;
  if (b.length === 0 && nel > 0) {
    if (nel > MAX_BLANK) fail(`the char data are empty but dims need ${nel} chars`);
    return new Uint16Array(nel).fill(0x20);
  }
  switch (type) {
    case MI.UTF8: {
      let s: string;
      try {
        s = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(b);
      } catch {
        fail(`the ${MI_NAME[type]} char data are not valid UTF-8 (${b.length} bytes)`);
      }
      const u = new Uint16Array(s.length);
      for (let i = 0; i < s.length; i++) u[i] = s.charCodeAt(i);
      return u;
    }
    case MI.UTF16:
    case MI.UINT16:
    case MI.INT16: {
      if (b.length % 2 !== 0) fail(`the ${MI_NAME[type]} char data are ${b.length} bytes, an odd count`);
      const u = new Uint16Array(b.length / 2);
      for (let i = 0; i < u.length; i++) u[i] = le ? b[2 * i] | (b[2 * i + 1] << 8) : (b[2 * i] << 8) | b[2 * i + 1];
      return u;
    }
    case MI.UTF32:
    case MI.UINT32:
    case MI.INT32: {
      if (b.length % 4 !== 0) fail(`the ${MI_NAME[type]} char data are ${b.length} bytes, not a multiple of 4`);
      const out: number[] = [];
      for (let i = 0; i < b.length; i += 4) {
        const cp = (le ? b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)
          : (b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
        if (cp > 0x10ffff) fail(`the ${MI_NAME[type]} char data hold 0x${cp.toString(16)}, not a code point`);
        if (cp > 0xffff) out.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
        else out.push(cp);
      }
      return Uint16Array.from(out);
    }
    case MI.UINT8:
    case MI.INT8:
      return Uint16Array.from(b);
    default:
      return fail(`char data stored as ${MI_NAME[type] ?? `element type ${type}`}, which is not text`);
  }
}

/** A string from code units, in slices small enough for fromCharCode's argument limit. */
function fromUnits(u: Uint16Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i += 8192) s += String.fromCharCode.apply(null, u.subarray(i, Math.min(to, i + 8192)) as unknown as number[]);
  return s;
}
