// JPEG decoding with jpeg-js (pure JavaScript: no native code, no WASM, no
// Buffer when useTArray is set). jpeg-js always returns 3 samples per pixel, so
// the component count is read from the frame header here: a one-component
// (greyscale) JPEG becomes 1 channel, as MATLAB's imread and vl_imreadjpeg do.
// CMYK and YCCK JPEGs are converted to RGB by jpeg-js. EXIF orientation is
// ignored, as MATLAB's imread ignores it.

import jpeg from 'jpeg-js';
import type { Image } from './types.js';
import { MAX_PIXELS } from './png.js';

/** Decode JPEG bytes (FF D8 FF already matched) into an 8-bit Image. */
export function decodeJpeg(who: string, bytes: Uint8Array, where: string): Image {
  const { frame, truncated } = walkJpeg(bytes);
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
  let rgb: Uint8Array;
  let width: number;
  let height: number;
  try {
    // Limits: no more pixels than a PNG may have, and jpeg-js's own cap on its
    // coefficient buffers (4 bytes per sample), so a corrupt header cannot exhaust memory.
    const out = jpeg.decode(bytes, {
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
function walkJpeg(b: Uint8Array): { frame: Frame | null; truncated: string | null } {
  let frame: Frame | null = null;
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
      frame = { marker: m, precision: b[o + 4], components: b[o + 9] };
    }
    if (m === 0xda) {
      // The scan runs to EOI; a complete file ends with FF D9 (perhaps followed by padding).
      const tail = b.subarray(Math.max(o, b.length - 64));
      const ended = tail.some((v, n) => v === 0xff && tail[n + 1] === 0xd9);
      return { frame, truncated: ended ? null : 'it ends inside the image data, without the end-of-image marker FF D9' };
    }
    o += 2 + length;
  }
  return { frame, truncated: `it ends at byte ${b.length}, inside the headers before the image data` };
}
