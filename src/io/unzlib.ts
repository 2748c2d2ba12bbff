// A zlib stream (RFC 1950) inflated to a size known in advance (a PNG's scanlines, a WOFF table)
// by our DEFLATE decoder (deflate.ts), bounded by that size: inflating stops within one window
// (256 KiB) past it, so a bomb costs neither the memory nor the time of what it would inflate to,
// and data that run short are refused, not padded.

import { adler32, InflateError, Inflater, MAX_INFLATE_RATIO } from './deflate.js';

/**
 * Why a stream was refused: not zlib (with the reason), too few bytes to inflate to `want` at all
 * (with their count: refused before `want` bytes are allocated), longer than `want`, shorter (with
 * its length), or the right length but not the bytes its Adler-32 trailer sums.
 */
export type UnzlibFault = { kind: 'corrupt'; reason: string } | { kind: 'small'; bytes: number } | { kind: 'long' } |
  { kind: 'short'; got: number } | { kind: 'check' };

let inflater: Inflater | null = null;

/** The zlib stream split over `pieces`, inflated; it must be exactly `want` bytes, or `fail`'s Error is thrown. */
export function unzlibExactly(pieces: readonly Uint8Array[], want: number, fail: (f: UnzlibFault) => Error): Uint8Array {
  const z = pieces.length === 1 ? pieces[0] : concat(pieces);
  const cmf = z[0], flg = z[1];
  if (z.length < 2) throw fail({ kind: 'corrupt', reason: `it ends inside its 2-byte header (${z.length} bytes)` });
  if ((cmf & 15) !== 8 || cmf >> 4 > 7 || ((cmf << 8) | flg) % 31 !== 0) {
    throw fail({ kind: 'corrupt', reason: `its first bytes ${hex2(z)} are not a zlib header` });
  }
  if ((flg & 0x20) !== 0) throw fail({ kind: 'corrupt', reason: 'it needs a preset dictionary (FDICT), and none is given' });
  if (want > MAX_INFLATE_RATIO * z.length + 64) throw fail({ kind: 'small', bytes: z.length });
  const inf = (inflater ??= new Inflater());
  let given = false;
  inf.reset(() => (given ? null : ((given = true), z.subarray(2))));
  const out = new Uint8Array(want);
  let n = 0;
  try {
    for (let m = inf.produce(); m > 0; m = inf.produce()) {
      if (n + m > want) throw fail({ kind: 'long' });
      out.set(inf.out.subarray(inf.from, inf.pos), n);
      n += m;
    }
  } catch (e) {
    if (e instanceof InflateError) throw fail({ kind: 'corrupt', reason: e.message });
    throw e;
  }
  if (n < want) throw fail({ kind: 'short', got: n });
  const t = 2 + inf.end;
  if (t + 4 > z.length) throw fail({ kind: 'corrupt', reason: 'it ends before its Adler-32 checksum' });
  if (adler32(out) !== z[t] * 2 ** 24 + ((z[t + 1] << 16) | (z[t + 2] << 8) | z[t + 3])) throw fail({ kind: 'check' });
  return out;
}

function concat(pieces: readonly Uint8Array[]): Uint8Array {
  const z = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of pieces) { z.set(p, o); o += p.length; }
  return z;
}

const hex2 = (z: Uint8Array): string => Array.from(z.subarray(0, 2), (v) => `0x${v.toString(16).padStart(2, '0')}`).join(' ');
