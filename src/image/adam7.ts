// Interlaced (Adam7) PNGs with 1-, 2- or 4-bit samples, which fast-png 8.0.0
// misreads (it deinterlaces whole bytes per pixel). Everything else goes to
// fast-png; this path decodes by the PNG spec directly: CRCs, zlib through
// png-idat.ts (bounded by the size the header implies), unfiltering with bpp = 1, and the seven passes. Samples stay packed values
// 0..2^depth-1; png.ts scales grey or looks up the palette.

import { DX, DY, inflateIdat, scanlineBytes, X0, Y0 } from './png-idat.js';

/** A chunk found by the layout walk: its type and where its data is. */
export interface Chunk {
  type: string;
  start: number;
  length: number;
}


/** The W*H samples (row-major) of an interlaced PNG of `depth` < 8 bits and one sample per pixel. */
export async function decodePackedAdam7(
  b: Uint8Array, chunks: Chunk[], W: number, H: number, depth: number, fail: (why: string) => Error,
): Promise<Uint8Array> {
  checkCrcs(b, chunks, fail);
  const raw = inflateIdat(b, chunks, scanlineBytes(W, H, depth, true), fail, true);
  const out = new Uint8Array(W * H);
  const mask = (1 << depth) - 1;
  let o = 0;
  for (let p = 0; p < 7; p++) {
    const pw = Math.ceil((W - X0[p]) / DX[p]), ph = Math.ceil((H - Y0[p]) / DY[p]);
    if (pw <= 0 || ph <= 0) continue;
    const rowBytes = Math.ceil((pw * depth) / 8);
    let prev: Uint8Array = new Uint8Array(rowBytes);
    for (let r = 0; r < ph; r++) {
      if (o + 1 + rowBytes > raw.length) throw fail('its image data (after decompression) is shorter than the image');
      const row = unfilter(raw[o], raw.subarray(o + 1, o + 1 + rowBytes), prev, fail);
      o += 1 + rowBytes;
      // sample c of this row = bits [c*depth, (c+1)*depth) from the top; it is pixel (Y0 + r*DY, X0 + c*DX)
      for (let c = 0; c < pw; c++) {
        const bit = c * depth;
        out[(Y0[p] + r * DY[p]) * W + X0[p] + c * DX[p]] = (row[bit >> 3] >> (8 - depth - (bit & 7))) & mask;
      }
      prev = row;
    }
  }
  return out;
}

/** Reverse one scanline's filter (PNG spec 9.2) with bpp = 1, the value for sub-byte samples. */
function unfilter(f: number, x: Uint8Array, prev: Uint8Array, fail: (why: string) => Error): Uint8Array {
  const out = new Uint8Array(x.length);
  for (let n = 0; n < x.length; n++) {
    const a = n > 0 ? out[n - 1] : 0, up = prev[n], c = n > 0 ? prev[n - 1] : 0;
    let pred: number;
    if (f === 0) pred = 0;
    else if (f === 1) pred = a;
    else if (f === 2) pred = up;
    else if (f === 3) pred = (a + up) >> 1;
    else if (f === 4) {
      const pa = Math.abs(up - c), pb = Math.abs(a - c), pc = Math.abs(a + up - 2 * c);
      pred = pa <= pb && pa <= pc ? a : pb <= pc ? up : c;
    } else throw fail(`a scanline has filter type ${f}; PNG has 0 to 4`);
    out[n] = (x[n] + pred) & 255;
  }
  return out;
}

let CRC_TABLE: Int32Array | null = null;

/** Each chunk's CRC-32 covers its type and data (PNG spec 5.3). */
export function checkCrcs(b: Uint8Array, chunks: Chunk[], fail: (why: string) => Error): void {
  if (CRC_TABLE === null) {
    CRC_TABLE = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      CRC_TABLE[n] = c;
    }
  }
  for (const { type, start, length } of chunks) {
    let c = -1;
    for (let n = start - 4; n < start + length; n++) c = CRC_TABLE[(c ^ b[n]) & 255] ^ (c >>> 8);
    const e = start + length;
    const want = ((b[e] << 24) | (b[e + 1] << 16) | (b[e + 2] << 8) | b[e + 3]) >>> 0;
    if ((c ^ -1) >>> 0 !== want) throw fail(`CRC mismatch for chunk ${type} at byte ${start - 8}`);
  }
}
