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
  const frame = readFrame(bytes);
  const corrupt = (why: string): Error => {
    // A complete JPEG ends with the EOI marker FF D9 (a few bytes of padding may follow).
    const tail = bytes.subarray(Math.max(0, bytes.length - 32));
    const ended = tail.some((v, n) => v === 0xff && tail[n + 1] === 0xd9);
    return new Error(`${who}: ${where} is a ${ended ? 'corrupt' : 'truncated or corrupt'} JPEG` +
      `${ended ? '' : ` (${bytes.length} bytes, no end-of-image marker FF D9 at the end)`}: ${why}`);
  };
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
    throw corrupt(`jpeg-js says "${(e as Error).message}"`);
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

/**
 * The first start-of-frame segment (markers C0..CF except C4 DHT, C8 JPG, CC DAC):
 * FF Cn, length (2), precision (1), height (2), width (2), components (1).
 * Null when there is none before the scan or the bytes run out; jpeg-js then reports the damage.
 */
function readFrame(b: Uint8Array): Frame | null {
  let o = 2;
  while (o + 4 <= b.length) {
    if (b[o] !== 0xff) return null;
    const m = b[o + 1];
    if (m === 0xff) { o++; continue; } // fill byte
    if (m === 0x01 || (m >= 0xd0 && m <= 0xd7)) { o += 2; continue; } // markers without a length
    if (m === 0xda || m === 0xd9) return null; // scan or end before any frame header
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      return o + 10 <= b.length ? { marker: m, precision: b[o + 4], components: b[o + 9] } : null;
    }
    o += 2 + ((b[o + 2] << 8) | b[o + 3]);
  }
  return null;
}
