// imread: bytes from a path, URL, Blob, Response or buffer; the format from the
// magic bytes (never the file name); then the PNG or JPEG decoder.

import { loadSource, type ImageSource } from './source.js';
import { decodePng, hex } from './png.js';
import { decodeJpeg } from './jpeg.js';
import type { Image } from './types.js';

/**
 * Read a PNG or JPEG image, as MATLAB's `imread`.
 *
 * `source` may be:
 * - a file path (Node, Deno, Bun; read with `node:fs`, imported only then),
 * - a URL object or a string starting `http:`, `https:`, `file:`, `data:` or
 *   `blob:` (fetched; `file:` URLs are read from disk),
 * - a `Blob` or `File`, a fetch `Response`,
 * - the bytes: an `ArrayBuffer`, `Uint8Array` or any other typed array / DataView.
 * In a browser page or worker, a string that is not a URL is fetched relative
 * to the page, since there is no file system.
 *
 * The format is found from the first bytes. PNG: 1- to 16-bit grey, grey +
 * alpha, RGB, RGBA and palette images (palettes expand to RGB, or RGBA when the
 * file has a tRNS chunk; 1/2/4-bit grey is scaled to 0..255; a tRNS colour key
 * on grey or RGB images is ignored), interlaced or not. CRCs are checked. JPEG:
 * baseline and progressive, 8-bit; grey gives 1 channel, colour (and CMYK) 3.
 * Images over 100 megapixels are refused.
 *
 * @returns `{ height, width, channels, bitDepth, data }`, row-major interleaved,
 *   as decoded (see {@link Image}). Use {@link im2single} for a Tensor.
 * @throws Error saying what is wrong and where the bytes came from (the path,
 *   the URL, "the given Blob …" or "the given buffer"), e.g.
 *   `imread: cannot read 'x.png': ENOENT: no such file or directory, open 'x.png'`,
 *   `imread: fetching https://… failed: HTTP 404 Not Found`,
 *   `imread: 'x.png' is not a PNG or JPEG file (1234 bytes starting 3c 21 44 4f …; it looks like HTML, …)`,
 *   `imread: 'x.png' is a truncated PNG (900 bytes): its IDAT chunk at byte 33 needs …`,
 *   `imread: 'x.png' is a corrupt PNG: CRC mismatch for chunk IDAT …`.
 */
export async function imread(source: ImageSource): Promise<Image> {
  const { bytes, where } = await loadSource('imread', source);
  return decodeImage('imread', bytes, where);
}

/** Decode PNG or JPEG bytes already in memory (the synchronous core of imread). */
export async function decodeImage(who: string, bytes: Uint8Array, where: string): Promise<Image> {
  if (isPng(bytes)) return decodePng(who, bytes, where);
  if (bytes.length > 0 && bytes.length < 8 && PNG_SIGNATURE.every((v, n) => n >= bytes.length || bytes[n] === v)) {
    throw new Error(`${who}: ${where} is a truncated PNG (${bytes.length} bytes): it ends inside the signature`);
  }
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    return decodeJpeg(who, bytes, where);
  }
  if (bytes.length === 0) throw new Error(`${who}: ${where} is empty (0 bytes), not a PNG or JPEG file`);
  const head = hex(bytes.subarray(0, 8));
  const guess = guessFormat(bytes);
  throw new Error(`${who}: ${where} is not a PNG or JPEG file (${bytes.length} bytes starting ${head}` +
    `${bytes.length > 8 ? ' …' : ''}${guess ? `; it looks like ${guess}` : ''}); a PNG starts 89 50 4e 47, a JPEG ff d8 ff`);
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function isPng(b: Uint8Array): boolean {
  return b.length >= 8 && PNG_SIGNATURE.every((v, n) => b[n] === v);
}

/** Name what arrived instead, for the usual mistakes (an HTML error page, another image format). */
function guessFormat(b: Uint8Array): string | null {
  const text = new TextDecoder().decode(b.subarray(0, 64)).trimStart().toLowerCase();
  const ascii = (s: string, at = 0): boolean => [...s].every((c, n) => b[at + n] === c.charCodeAt(0));
  if (text.startsWith('<!doctype html') || text.startsWith('<html') || text.startsWith('<head') || text.startsWith('<body')) {
    return 'HTML, perhaps an error page or a web page instead of the image';
  }
  if (text.startsWith('<?xml') || text.startsWith('<svg')) return 'XML or SVG';
  if (text.startsWith('{') || text.startsWith('[')) return 'JSON';
  if (ascii('GIF8')) return 'a GIF image; only PNG and JPEG are supported';
  if (ascii('RIFF') && ascii('WEBP', 8)) return 'a WebP image; only PNG and JPEG are supported';
  if (ascii('BM')) return 'a BMP image; only PNG and JPEG are supported';
  if (ascii('II*\0') || ascii('MM\0*')) return 'a TIFF image; only PNG and JPEG are supported';
  if (b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'a damaged PNG signature (a text-mode transfer?)';
  if (b[0] === 0x1f && b[1] === 0x8b) return 'gzip-compressed data';
  return null;
}
