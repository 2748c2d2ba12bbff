// Image size from the header alone, before any pixel is decoded, so the worker
// can refuse a decompression bomb (a small file that claims a huge image) for
// the price of reading a few dozen bytes.

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * The format and size that the file's header claims.
 * @param {Uint8Array} b the whole file
 * @returns {{ format: 'PNG' | 'JPEG', height: number, width: number } | null}
 *   null when the bytes start like neither a PNG nor a JPEG (imread then names what they are)
 * @throws {Error} when the header is cut short or malformed
 */
export function imageHeader(b) {
  if (b.length >= 8 && PNG_SIGNATURE.every((v, n) => b[n] === v)) return pngHeader(b);
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return jpegHeader(b);
  return null;
}

const u32 = (b, o) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
const u16 = (b, o) => (b[o] << 8) | b[o + 1];

/** PNG: signature (8), then the IHDR chunk: length 13 (4), "IHDR" (4), width (4), height (4), ... */
function pngHeader(b) {
  if (b.length < 33) {
    throw new Error(`truncated PNG (${b.length} bytes): it ends inside its IHDR header, which takes the first 33 bytes`);
  }
  const type = String.fromCharCode(...b.subarray(12, 16));
  if (type !== 'IHDR' || u32(b, 8) !== 13) {
    throw new Error(`malformed PNG: its first chunk must be IHDR with 13 bytes of data, found "${type}" with ${u32(b, 8)}`);
  }
  const width = u32(b, 16), height = u32(b, 20);
  if (width === 0 || height === 0) throw new Error(`malformed PNG: its IHDR says ${height}x${width} pixels`);
  return { format: 'PNG', height, width };
}

// Start-of-frame markers: C0..CF except C4 (DHT), C8 (reserved) and CC (DAC).
const isFrame = (m) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

/**
 * JPEG: walk the marker segments (FF xx, then a 2-byte length that counts
 * itself) to the first start-of-frame: length (2), precision (1), height (2), width (2).
 */
function jpegHeader(b) {
  let o = 2;
  while (o + 4 <= b.length) {
    if (b[o] !== 0xff) throw new Error(`malformed JPEG: byte ${o} should start a marker (ff) but is ${b[o].toString(16)}`);
    const m = b[o + 1];
    if (m === 0xff) { o++; continue; } // fill byte
    if (m === 0x01 || (m >= 0xd0 && m <= 0xd7)) { o += 2; continue; } // markers without a length
    if (m === 0xda || m === 0xd9) throw new Error('malformed JPEG: its image data starts before any frame header (SOF)');
    const length = u16(b, o + 2);
    if (isFrame(m)) {
      if (o + 9 > b.length) break;
      const height = u16(b, o + 5), width = u16(b, o + 7);
      if (width === 0 || height === 0) {
        throw new Error(`unsupported JPEG: its frame header says ${height}x${width} pixels (a height of 0 means a DNL marker gives it later)`);
      }
      return { format: 'JPEG', height, width };
    }
    if (length < 2) throw new Error(`malformed JPEG: the segment at byte ${o} has length ${length}`);
    o += 2 + length;
  }
  throw new Error(`truncated JPEG (${b.length} bytes): it ends before its frame header (SOF), which gives the image size`);
}
