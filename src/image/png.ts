// PNG decoding by the spec (ISO/IEC 15948): a walk over the chunk layout first (so a truncated
// file is reported as truncated, with the chunk and byte offset), the header's fields checked,
// every chunk's CRC, IDAT inflated to exactly the size the header implies (src/io/unzlib.ts),
// then the scanlines unfiltered (png-scanlines.ts), the palette expanded and sub-byte grey scaled.
// Ancillary chunks other than PLTE and tRNS (text, ICC profiles, times) are not part of the result.

import type { Image } from './types.js';
import { scanlineBytes, scanlineSamples } from './png-scanlines.js';
import { unzlibExactly, type UnzlibFault } from '../io/unzlib.js';
import { MAX_INFLATE_RATIO } from '../io/deflate.js';

/** A chunk found by the layout walk: its type and where its data is. */
interface Chunk {
  type: string;
  start: number;
  length: number;
}

/** Refuse images above this many pixels (a corrupt header must not allocate gigabytes). */
export const MAX_PIXELS = 100_000_000;

interface Header {
  width: number;
  height: number;
  depth: number;
  colourType: number;
  compression: number;
  filter: number;
  interlace: number;
}

/** Samples per pixel of each colour type (grey, RGB, palette index, grey + alpha, RGBA). */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
// Allowed bit depths per PNG colour type (PNG spec, table 11.1).
const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

/** Decode PNG bytes (the signature already matched) into an Image. */
export async function decodePng(who: string, bytes: Uint8Array, where: string): Promise<Image> {
  const fail = (why: string): Error => new Error(`${who}: ${where} is a corrupt PNG: ${why}`);
  const { header: h, chunks } = checkLayout(who, bytes, where);
  if (!(h.colourType in DEPTHS)) throw fail(`unknown colour type ${h.colourType}`);
  if (!DEPTHS[h.colourType].includes(h.depth)) throw fail(`bit depth ${h.depth} is not allowed for colour type ${h.colourType}`);
  if (h.width === 0 || h.height === 0) throw fail(`its header says ${h.height}x${h.width} pixels`);
  if (h.width * h.height > MAX_PIXELS) {
    throw new Error(`${who}: ${where} is ${h.height}x${h.width} pixels, more than the ${MAX_PIXELS / 1e6} megapixels imread accepts`);
  }
  if (h.compression !== 0 || h.filter !== 0 || h.interlace > 1) {
    throw fail(`its header gives compression method ${h.compression}, filter method ${h.filter} and interlace method ` +
      `${h.interlace}; PNG has 0, 0 and 0 or 1`);
  }
  if (h.colourType === 4 || h.colourType === 6) {
    if (chunks.some((c) => c.type === 'tRNS')) throw fail(`it has a tRNS chunk, which colour type ${h.colourType} (with alpha) may not have`);
  }
  checkCrcs(bytes, chunks, fail); // first: a flipped bit is named as such, not as corrupt zlib
  const C = CHANNELS[h.colourType], interlaced = h.interlace === 1;
  const idat = chunks.filter((c) => c.type === 'IDAT').map((c) => bytes.subarray(c.start, c.start + c.length));
  const want = scanlineBytes(h.width, h.height, C, h.depth, interlaced);
  const raw = unzlibExactly(idat, want, (f) => fail(imageDataFault(f, want)));
  const samples = scanlineSamples(raw, h.width, h.height, C, h.depth, interlaced, fail);
  if (h.colourType === 3) return expandPalette(samples as Uint8Array, h, paletteOf(bytes, chunks, fail), fail);
  if (h.depth < 8) return { height: h.height, width: h.width, channels: 1, bitDepth: 8, data: scaleGrey(samples as Uint8Array, h.depth) };
  return { height: h.height, width: h.width, channels: C, bitDepth: h.depth === 16 ? 16 : 8, data: samples };
}

function imageDataFault(f: UnzlibFault, want: number): string {
  if (f.kind === 'corrupt') return `its image data are not a valid zlib stream (${f.reason})`;
  if (f.kind === 'small') return `its ${f.bytes} bytes of image data cannot inflate to the ${want} bytes its header implies (DEFLATE expands at most ${MAX_INFLATE_RATIO}:1)`;
  if (f.kind === 'long') return `its image data inflate to more than the ${want} bytes its header implies`;
  if (f.kind === 'short') return `its image data inflate to ${f.got} bytes, fewer than the ${want} its header implies (truncated?)`;
  return 'its image data do not match their Adler-32 checksum';
}

/**
 * Walk the chunks (length, type, data, CRC) from byte 8 to IEND without
 * decoding them, and read IHDR. Throws on truncation with the place it happened.
 */
function checkLayout(who: string, b: Uint8Array, where: string): { header: Header; chunks: Chunk[] } {
  const truncated = (why: string): Error =>
    new Error(`${who}: ${where} is a truncated PNG (${b.length} bytes): ${why}`);
  const u32 = (o: number): number => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
  let header: Header | null = null;
  const chunks: Chunk[] = [];
  for (let o = 8; ;) {
    if (o + 8 > b.length) throw truncated(`it ends at byte ${b.length} before the IEND chunk`);
    const length = u32(o);
    const type = String.fromCharCode(b[o + 4], b[o + 5], b[o + 6], b[o + 7]);
    if (!/^[A-Za-z]{4}$/.test(type) || length > 0x7fffffff) {
      throw new Error(`${who}: ${where} is a corrupt PNG: the chunk at byte ${o} has type bytes ` +
        `${hex(b.subarray(o + 4, o + 8))} and length ${length}`);
    }
    if (o + 12 + length > b.length) {
      throw truncated(`its ${type} chunk at byte ${o} needs ${length + 12} bytes but only ${b.length - o} remain`);
    }
    if (header === null) {
      if (type !== 'IHDR' || length !== 13) {
        throw new Error(`${who}: ${where} is a corrupt PNG: it starts with a ${type} chunk of ${length} bytes, not IHDR`);
      }
      header = { width: u32(o + 8), height: u32(o + 12), depth: b[o + 16], colourType: b[o + 17],
        compression: b[o + 18], filter: b[o + 19], interlace: b[o + 20] };
    }
    chunks.push({ type, start: o + 8, length });
    if (type === 'IEND') break;
    o += 12 + length;
  }
  if (!chunks.some((c) => c.type === 'IDAT')) {
    throw new Error(`${who}: ${where} is a corrupt PNG: it has no IDAT (image data) chunk`);
  }
  return { header: header as Header, chunks };
}

/** 1-, 2- and 4-bit grey become 0..255 (times 255, 85 or 17: exact, as libpng's scaling), in place. */
function scaleGrey(samples: Uint8Array, depth: number): Uint8Array {
  const scale = 255 / ((1 << depth) - 1);
  for (let n = 0; n < samples.length; n++) samples[n] *= scale;
  return samples;
}

/** Indexed colour becomes RGB, or RGBA when a tRNS chunk gives the palette alphas. */
function expandPalette(index: Uint8Array, h: Header, palette: number[][], fail: (why: string) => Error): Image {
  const C = palette[0].length; // 3, or 4 after tRNS
  const data = new Uint8Array(index.length * C);
  for (let p = 0; p < index.length; p++) {
    const colour = palette[index[p]];
    if (colour === undefined) throw fail(`pixel ${p} uses palette entry ${index[p]} but the palette has ${palette.length}`);
    for (let k = 0; k < C; k++) data[p * C + k] = colour[k];
  }
  return { height: h.height, width: h.width, channels: C, bitDepth: 8, data };
}

/** PLTE as [r, g, b] rows, with a fourth value (alpha, 255 past the tRNS entries) when tRNS is present. */
function paletteOf(b: Uint8Array, chunks: Chunk[], fail: (why: string) => Error): number[][] {
  const plte = chunks.find((c) => c.type === 'PLTE');
  if (plte === undefined || plte.length === 0 || plte.length % 3 !== 0) {
    throw fail('it is indexed-colour but has no valid PLTE (palette) chunk');
  }
  const palette: number[][] = [];
  for (let n = plte.start; n < plte.start + plte.length; n += 3) palette.push([b[n], b[n + 1], b[n + 2]]);
  const trns = chunks.find((c) => c.type === 'tRNS');
  if (trns !== undefined && trns.length > palette.length) throw fail(`its tRNS chunk gives ${trns.length} alphas for a palette of ${palette.length}`);
  if (trns !== undefined) palette.forEach((rgb, n) => rgb.push(n < trns.length ? b[trns.start + n] : 255));
  return palette;
}

let CRC_TABLE: Int32Array | null = null;

/** Each chunk's CRC-32 covers its type and data (PNG spec 5.3). */
function checkCrcs(b: Uint8Array, chunks: Chunk[], fail: (why: string) => Error): void {
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

export function hex(b: Uint8Array): string {
  return Array.from(b, (v) => v.toString(16).padStart(2, '0')).join(' ');
}
