// IDAT's zlib stream inflated, bounded by the size the header implies: fast-png and
// DecompressionStream inflate whatever the stream holds, so a 1 MB file could inflate to gigabytes of zeros (a bomb), and image data
// that ran short were padded with zeros and accepted.

import { Unzlib } from 'fflate';
import type { Chunk } from './adam7.js';

// Adam7 (PNG spec 8.2): pass p starts at row Y0[p], column X0[p] and steps DY[p], DX[p].
export const Y0 = [0, 0, 4, 0, 2, 0, 1], X0 = [0, 4, 0, 2, 0, 1, 0];
export const DY = [8, 8, 8, 4, 4, 2, 2], DX = [8, 8, 4, 4, 2, 2, 1];

/** The scanline bytes (filter byte + samples per row, every Adam7 pass) of a W x H image. */
export function scanlineBytes(W: number, H: number, bitsPerPixel: number, interlaced: boolean): number {
  const rows = (w: number, h: number): number => (w > 0 && h > 0 ? h * (1 + Math.ceil((w * bitsPerPixel) / 8)) : 0);
  if (!interlaced) return rows(W, H);
  let n = 0;
  for (let p = 0; p < 7; p++) n += rows(Math.ceil((W - X0[p]) / DX[p]), Math.ceil((H - Y0[p]) / DY[p]));
  return n;
}

/**
 * The IDAT chunks' stream inflated, which must be exactly `want` bytes: fewer or more is an Error;
 * with `keep` false the bytes are only counted.
 * Fed to fflate's streaming inflater in slices, so inflating stops within a slice of `want`: a
 * bomb costs neither the memory nor the time of what it would inflate to.
 */
export function inflateIdat(b: Uint8Array, chunks: Chunk[], want: number, fail: (why: string) => Error, keep: true): Uint8Array;
export function inflateIdat(b: Uint8Array, chunks: Chunk[], want: number, fail: (why: string) => Error, keep: false): null;
export function inflateIdat(b: Uint8Array, chunks: Chunk[], want: number, fail: (why: string) => Error, keep: boolean): Uint8Array | null {
  // Only counted when fast-png decodes the image itself: no image-sized buffer for nothing.
  const out = keep ? new Uint8Array(want) : null;
  let n = 0, over = false;
  const z = new Unzlib((d) => {
    if (over || n + d.length > want) over = true;
    else out?.set(d, n);
    n += d.length;
  });
  const idat = chunks.filter((c) => c.type === 'IDAT');
  try {
    for (let k = 0; k < idat.length && !over; k++) {
      const { start, length } = idat[k];
      for (let o = 0; o < length && !over; o += SLICE) {
        z.push(b.subarray(start + o, start + Math.min(length, o + SLICE)), k === idat.length - 1 && o + SLICE >= length);
      }
    }
    if (idat.length === 0 || idat[idat.length - 1].length === 0) z.push(new Uint8Array(0), true);
  } catch (e) {
    if (!over) throw fail(`its image data are not a valid zlib stream (${(e as Error).message})`);
  }
  if (over) throw fail(`its image data inflate to more than the ${want} bytes its header implies`);
  if (n < want) throw fail(`its image data inflate to ${n} bytes, fewer than the ${want} its header implies (truncated?)`);
  return out;
}

/** Compressed bytes per push: small enough that a bomb stops soon after `want`. */
const SLICE = 1 << 14;
