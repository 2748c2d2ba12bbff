// JPEG decoding with jpeg-js (pure JavaScript: no native code, no WASM, no
// Buffer when useTArray is set). jpeg-js always returns 3 samples per pixel, so
// the component count is read from the frame header here: a one-component
// (greyscale) JPEG becomes 1 channel, as MATLAB's imread and vl_imreadjpeg do.
// CMYK and YCCK JPEGs are converted to RGB by jpeg-js. EXIF orientation is
// ignored, as MATLAB's imread ignores it.

// Only the decoder: the package's index also brings its encoder (7.5 KB minified).
import decode from 'jpeg-js/lib/decoder.js';
import type { Image } from './types.js';
import { MAX_PIXELS } from './png.js';

/** Decode JPEG bytes (FF D8 FF already matched) into an 8-bit Image. */
export function decodeJpeg(who: string, bytes: Uint8Array, where: string): Image {
  const { frame, truncated, corrupt: bad } = walkJpeg(bytes);
  if (truncated !== null) throw new Error(`${who}: ${where} is a truncated JPEG (${bytes.length} bytes): ${truncated}`);
  const corrupt = (why: string): Error => new Error(`${who}: ${where} is a corrupt JPEG: ${why}`);
  if (frame !== null) {
    if (frame.marker === 0xc3 || frame.marker >= 0xc5) {
      throw new Error(`${who}: ${where} is a ${frame.marker >= 0xc9 ? 'arithmetic-coded' : 'lossless or hierarchical'} ` +
        `JPEG (SOF${frame.marker - 0xc0}), which the JPEG decoder (jpeg-js) cannot read; only baseline and ` +
        `progressive Huffman JPEGs are supported`);
    }
    if (frame.precision !== 8) {
      throw new Error(`${who}: ${where} is a ${frame.precision}-bit JPEG; the JPEG decoder (jpeg-js) reads 8-bit JPEGs only`);
    }
  }
  if (bad) throw corrupt(bad);
  let rgb: Uint8Array;
  let width: number;
  let height: number;
  try {
    // Limits: no more pixels than a PNG may have, and jpeg-js's own cap on its
    // coefficient buffers (4 bytes per sample), so a corrupt header cannot exhaust memory.
    const out = decode(bytes, {
      useTArray: true, formatAsRGBA: false, maxResolutionInMP: MAX_PIXELS / 1e6, maxMemoryUsageInMB: 2048,
    });
    ({ data: rgb, width, height } = out);
  } catch (e) {
    throw corrupt(`the decoder (jpeg-js) says "${(e as Error).message}"`);
  }
  if (width === 0 || height === 0 || rgb.length !== width * height * 3) {
    throw corrupt(`it decodes to ${height}x${width} pixels and ${rgb.length} samples`);
  }
  if (frame?.components !== 1) return { height, width, channels: 3, bitDepth: 8, data: rgb };
  // Grey: jpeg-js repeated Y three times; keep one.
  const grey = new Uint8Array(width * height);
  for (let p = 0; p < grey.length; p++) grey[p] = rgb[3 * p];
  return { height, width, channels: 1, bitDepth: 8, data: grey };
}

interface Frame {
  marker: number;
  precision: number;
  components: number;
  height: number;
  width: number;
  ids: number[];
  /** Each component's sampling factors, Hi << 4 | Vi. */
  hv: number[];
}

const NAMES: Record<number, string> = { 0xc4: 'DHT', 0xcc: 'DAC', 0xda: 'SOS', 0xdb: 'DQT', 0xdd: 'DRI', 0xfe: 'COM' };
const nameOf = (m: number): string =>
  NAMES[m] ?? (m >= 0xc0 && m <= 0xcf ? `SOF${m - 0xc0}` : m >= 0xe0 && m <= 0xef ? `APP${m - 0xe0}` : `FF ${m.toString(16)}`);

/**
 * Walk the marker segments (FF xx, then a 2-byte length that counts itself) up
 * to the first scan, reading the first start-of-frame header: FF Cn, length,
 * precision (1), height (2), width (2), components (1). Reports truncation:
 * a segment cut short, or image data without the end-of-image marker FF D9.
 * Bytes that are not a marker are left for jpeg-js to report.
 */
function walkJpeg(b: Uint8Array): { frame: Frame | null; truncated: string | null; corrupt?: string | null } {
  let frame: Frame | null = null;
  const tables = new Set<number>(); // 16 * class (0 DC, 1 AC) + id of each Huffman table defined
  let o = 2;
  while (o < b.length) {
    if (b[o] !== 0xff) return { frame, truncated: null };
    const m = b[o + 1];
    if (m === 0xff) { o++; continue; } // fill byte
    if (m === 0x01 || (m >= 0xd0 && m <= 0xd7)) { o += 2; continue; } // markers without a length
    if (m === 0xd9) return { frame, truncated: null };
    if (o + 4 > b.length) break;
    const length = (b[o + 2] << 8) | b[o + 3];
    if (o + 2 + length > b.length) {
      return { frame, truncated: `its ${nameOf(m)} segment at byte ${o} needs ${length + 2} bytes but only ${b.length - o} remain` };
    }
    if (frame === null && m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc && length >= 8) {
      const nc = b[o + 9];
      const k = Array.from({ length: Math.min(nc, Math.max(0, (length - 8) / 3)) }, (_, j) => o + 10 + 3 * j);
      frame = { marker: m, precision: b[o + 4], components: nc, height: (b[o + 5] << 8) | b[o + 6], width: (b[o + 7] << 8) | b[o + 8],
        ids: k.map((e) => b[e]), hv: k.map((e) => b[e + 1]) };
    }
    if (m === 0xc4) huffmanTables(b, o + 4, o + 2 + length, tables);
    if (m === 0xda) {
      // The scan runs to EOI; a complete file ends with FF D9 (perhaps followed by padding).
      const tail = b.subarray(Math.max(o, b.length - 64));
      const ended = tail.some((v, n) => v === 0xff && tail[n + 1] === 0xd9);
      return { frame, truncated: ended ? null : 'it ends inside the image data, without the end-of-image marker FF D9',
        corrupt: checkScan(b, o, length, frame, tables) };
    }
    o += 2 + length;
  }
  return { frame, truncated: `it ends at byte ${b.length}, inside the headers before the image data` };
}

/** The tables of a DHT segment's data [o, end): Tc/Th, 16 code counts, then the values. */
function huffmanTables(b: Uint8Array, o: number, end: number, tables: Set<number>): void {
  while (o + 17 <= end) {
    tables.add(b[o]);
    let n = 0;
    for (let k = 1; k <= 16; k++) n += b[o + k];
    o += 17 + n;
  }
}

/**
 * What jpeg-js would stumble over as a TypeError ("Cannot read properties of undefined"), named:
 * a scan before any frame header, a scan component the frame lacks, a Huffman table not defined,
 * and a frame too large for the bytes after its headers (at least a bit per 8x8 block: a 834-byte
 * file claiming 10000x10000 pixels took jpeg-js 10 s and 2.8 GB to refuse).
 */
function checkScan(b: Uint8Array, o: number, length: number, frame: Frame | null, tables: Set<number>): string | null {
  if (frame === null) return `its image data (SOS at byte ${o}) come before any frame header (SOFn)`;
  const ns = b[o + 4];
  if (length < 6 + 2 * ns) return `its SOS segment at byte ${o} is ${length} bytes, too short for ${ns} components`;
  const ss = b[o + 5 + 2 * ns], se = b[o + 6 + 2 * ns];
  const ah = b[o + 7 + 2 * ns] >> 4;
  for (let k = 0; k < ns; k++) {
    const id = b[o + 5 + 2 * k], td = b[o + 6 + 2 * k] >> 4, ta = b[o + 6 + 2 * k] & 15;
    if (!frame.ids.includes(id)) return `its first scan names component ${id}, which the frame (components ${frame.ids.join(', ')}) does not have`;
    if (ss === 0 && ah === 0 && !tables.has(td)) return `its first scan uses DC Huffman table ${td}, which no DHT segment before it defines`;
    if (se > 0 && !tables.has(16 + ta)) return `its first scan uses AC Huffman table ${ta}, which no DHT segment before it defines`;
  }
  // Every 8x8 block of every component has its DC coefficient coded in some scan, in at least one
  // bit; a component of sampling Hi x Vi covers ceil(W Hi / Hmax) x ceil(H Vi / Vmax) samples.
  const hmax = Math.max(1, ...frame.hv.map((v) => v >> 4)), vmax = Math.max(1, ...frame.hv.map((v) => v & 15));
  const blocks = frame.hv.reduce((n, v) => n + Math.ceil(Math.ceil((frame.width * (v >> 4)) / hmax) / 8) *
    Math.ceil(Math.ceil((frame.height * (v & 15)) / vmax) / 8), 0);
  const have = b.length - (o + 2 + length);
  if (blocks / 8 > have) {
    return `its frame header says ${frame.height}x${frame.width} pixels, which take at least ${Math.ceil(blocks / 8)} bytes ` +
      `of image data (a bit per 8x8 block of each component), but ${have} bytes follow its headers`;
  }
  return null;
}

