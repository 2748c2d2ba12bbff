// Our DEFLATE decoder (src/io/deflate.ts) against fflate's compressor:
// every block kind, matches that cross the end of the output window, and
// corrupt streams that must end in an InflateError, never a hang.

import { describe, expect, it } from 'vitest';
import { deflateSync } from 'fflate';
import { InflateError, Inflater } from '../src/io/deflate.js';

/** Inflates `z` fed in pieces of `piece` bytes; returns the bytes. */
function inflate(z: Uint8Array, piece = 1 << 16): Uint8Array {
  const inf = new Inflater();
  let at = 0;
  inf.reset(() => {
    if (at >= z.length) return null;
    const b = z.subarray(at, at + piece);
    at += piece;
    return b;
  });
  const parts: Uint8Array[] = [];
  for (let n; (n = inf.produce()) > 0;) parts.push(inf.out.slice(inf.from, inf.from + n));
  expect(inf.done).toBe(true);
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** 1.2 MB: runs of random bytes, long repeats and short-distance overlaps, seeded. */
function data(): Uint8Array {
  let s = 7;
  const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24);
  const d = new Uint8Array(1_200_000);
  for (let i = 0; i < d.length;) {
    const kind = r() % 3, n = 1 + (r() << 4) % 3000;
    for (let k = 0; k < n && i < d.length; k++, i++) {
      d[i] = kind === 0 ? r() : kind === 1 && i >= 30000 ? d[i - 30000] : d[Math.max(0, i - 1 - (r() & 3))];
    }
  }
  return d;
}

/** -1 if a and b are equal, else the first index where they differ (or the shorter length). */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

describe('Inflater', () => {
  const d = data();
  for (const level of [0, 1, 6, 9] as const) {
    it(`inflates fflate's level ${level} exactly, fed 7 or 65536 bytes at a time`, () => {
      const z = deflateSync(d, { level });
      for (const piece of [7, 65536]) expect(firstDifference(inflate(z, piece), d)).toBe(-1);
    }, 30_000);
  }

  it('inflates fixed-Huffman blocks and an empty stream', () => {
    const small = new TextEncoder().encode('abcabcabcabc hello hello hello');
    expect(inflate(deflateSync(small), 1)).toEqual(small);
    expect(inflate(deflateSync(new Uint8Array(0)))).toEqual(new Uint8Array(0));
  });

  it('refuses a cut stream, block type 3, a bad stored length and a match before the start', () => {
    const z = deflateSync(d.subarray(0, 100_000), { level: 6 });
    expect(() => inflate(z.subarray(0, z.length >> 1))).toThrow(/the DEFLATE stream ends early/);
    expect(() => inflate(Uint8Array.of(0b111))).toThrow(/invalid block type 3/);
    expect(() => inflate(Uint8Array.of(1, 5, 0, 5, 0))).toThrow(/stored block's length fails its check/);
    // Fixed block: literal-free match of length 3 at distance 1 (code 257 = 0000001, distance code 0 = 00000).
    expect(() => inflate(Uint8Array.of(0b00000011, 0b00000010, 0))).toThrow(/before the stream's start/);
  });

  it('ends every corrupted stream with output or an InflateError, never another exception or a hang', () => {
    const z = deflateSync(d.subarray(0, 60_000), { level: 6 });
    let s = 1;
    const r = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8);
    for (let t = 0; t < 300; t++) {
      const bad = z.slice();
      for (let k = 0; k < 1 + (t % 4); k++) bad[r() % bad.length] ^= 1 << (r() & 7);
      try {
        inflate(bad);
      } catch (e) {
        expect(e).toBeInstanceOf(InflateError);
      }
    }
  }, 60_000);
});
