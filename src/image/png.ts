// PNG decoding with fast-png, plus what fast-png leaves to the caller: a walk
// over the chunk layout first (so a truncated file is reported as truncated,
// with the chunk and byte offset, instead of a DataView RangeError), CRC
// checking switched on, palette expansion, and sub-byte grey scaled to 0..255.
// Interlaced 1/2/4-bit images, which fast-png misreads, go to adam7.ts instead.

import { decode as fastPngDecode, type DecodedPng } from 'fast-png';
import type { Image } from './types.js';
import { checkCrcs, decodePackedAdam7, type Chunk } from './adam7.js';
import { inflateIdat, scanlineBytes } from './png-idat.js';

/** Refuse images above this many pixels (a corrupt header must not allocate gigabytes). */
export const MAX_PIXELS = 100_000_000;

interface Header {
  width: number;
  height: number;
  depth: number;
  colourType: number;
  interlaced: boolean;
}

/** Samples per pixel of each colour type (grey, RGB, palette index, grey + alpha, RGBA). */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** What fast-png reads of an image: the rest (text, ICC profiles, times) is not part of imread's result. */
const IMAGE_CHUNKS = new Set(['IHDR', 'PLTE', 'tRNS', 'IDAT', 'IEND']);

/** The PNG with only IMAGE_CHUNKS, for fast-png (each whole: length, type, data, CRC). */
function imageChunks(b: Uint8Array, chunks: Chunk[]): Uint8Array {
  const kept = chunks.filter((c) => IMAGE_CHUNKS.has(c.type));
  const out = new Uint8Array(8 + kept.reduce((n, c) => n + 12 + c.length, 0));
  out.set(b.subarray(0, 8));
  let o = 8;
  for (const c of kept) {
    out.set(b.subarray(c.start - 8, c.start + c.length + 4), o);
    o += 12 + c.length;
  }
  return out;
}

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
  if (h.interlaced && h.depth < 8) {
    // NOTE: fast-png 8.0.0 deinterlaces with whole bytes per pixel and misreads packed samples.
    const samples = await decodePackedAdam7(bytes, chunks, h.width, h.height, h.depth, fail);
    if (h.colourType === 3) return expandPalette(samples, h, paletteOf(bytes, chunks, fail), fail);
    return { height: h.height, width: h.width, channels: 1, bitDepth: 8, data: scaleGrey(samples, h.depth) };
  }
  // fast-png inflates whatever IDAT holds (zeros past a short stream, gigabytes from a bomb) and the
  // zlib of iCCP, zTXt and iTXt too: the data are checked against the header first, and fast-png
  // gets only the chunks an image needs.
  checkCrcs(bytes, chunks, fail); // first: a flipped bit is named as such, not as corrupt zlib
  inflateIdat(bytes, chunks, scanlineBytes(h.width, h.height, h.depth * CHANNELS[h.colourType], h.interlaced), fail, false);
  let png: DecodedPng;
  try {
    png = fastPngDecode(imageChunks(bytes, chunks), { checkCrc: false });
  } catch (e) {
    const cause = (e as { cause?: { message?: string } }).cause?.message;
    const msg = (e as Error).message;
    // fast-png reads the filter byte of a row that is not there as "undefined".
    if (/filter: undefined/.test(msg)) throw fail('its image data (after decompression) is shorter than the image');
    throw fail(`${msg}${cause ? ` ${cause}` : ''}`);
  }
  if (h.colourType === 3) {
    if (png.palette === undefined || png.palette.length === 0) throw fail('it is indexed-colour but has no PLTE (palette) chunk');
    return expandPalette(unpack(png, fail), h, png.palette, fail);
  }
  const channels = png.channels;
  if (h.depth < 8) return { height: h.height, width: h.width, channels, bitDepth: 8, data: scaleGrey(unpack(png, fail), h.depth) };
  if (png.data.length !== h.width * h.height * channels) {
    throw fail(`${png.data.length} samples decoded, ${h.width * h.height * channels} expected`);
  }
  const data = h.depth === 16 ? (png.data as Uint16Array) : new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length);
  return { height: h.height, width: h.width, channels, bitDepth: h.depth === 16 ? 16 : 8, data };
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
      header = { width: u32(o + 8), height: u32(o + 12), depth: b[o + 16], colourType: b[o + 17], interlaced: b[o + 20] === 1 };
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

/** Packed 1-, 2- or 4-bit samples, MSB first, each row padded to a byte (PNG spec 7.2). */
function unpack(png: DecodedPng, fail: (why: string) => Error): Uint8Array {
  const { width: W, height: H, depth } = png;
  const data = png.data as Uint8Array;
  if (depth === 8) {
    if (data.length !== W * H) throw fail(`${data.length} samples decoded, ${W * H} expected`);
    return data;
  }
  const rowBytes = Math.ceil((W * depth) / 8);
  if (data.length !== rowBytes * H) throw fail(`${data.length} bytes of ${depth}-bit samples decoded, ${rowBytes * H} expected`);
  const out = new Uint8Array(W * H);
  const mask = (1 << depth) - 1;
  // sample (i, j) = bits [j*depth, (j+1)*depth) of row i, counted from the top bit
  for (let i = 0; i < H; i++) {
    for (let j = 0; j < W; j++) {
      const bit = j * depth;
      out[i * W + j] = (data[i * rowBytes + (bit >> 3)] >> (8 - depth - (bit & 7))) & mask;
    }
  }
  return out;
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
  if (trns !== undefined) palette.forEach((rgb, n) => rgb.push(n < trns.length ? b[trns.start + n] : 255));
  return palette;
}

export function hex(b: Uint8Array): string {
  return Array.from(b, (v) => v.toString(16).padStart(2, '0')).join(' ');
}
