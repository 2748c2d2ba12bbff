// IDAT's zlib stream inflated, bounded by the size the header implies: fast-png and
// DecompressionStream inflate whatever the stream holds, so a 1 MB file could inflate to gigabytes of zeros (a bomb), and image data
// that ran short were padded with zeros and accepted.

import { unzlibSync } from 'fflate';
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
 * The IDAT chunks' stream inflated, which must be exactly `want` bytes: fewer or more is an Error.
 * fflate inflates into a buffer of want + 1 bytes and stops when it is full, so a bomb costs no
 * more than the image would.
 */
export function inflateIdat(b: Uint8Array, chunks: Chunk[], want: number, fail: (why: string) => Error): Uint8Array {
  const idat = chunks.filter((c) => c.type === 'IDAT');
  const z = new Uint8Array(idat.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of idat) {
    z.set(b.subarray(c.start, c.start + c.length), o);
    o += c.length;
  }
  let raw: Uint8Array;
  try {
    raw = unzlibSync(z, { out: new Uint8Array(want + 1) });
  } catch (e) {
    throw fail(`its image data are not a valid zlib stream (${(e as Error).message})`);
  }
  if (raw.length > want) throw fail(`its image data inflate to more than the ${want} bytes its header implies`);
  if (raw.length < want) throw fail(`its image data inflate to ${raw.length} bytes, fewer than the ${want} its header implies (truncated?)`);
  return raw;
}
