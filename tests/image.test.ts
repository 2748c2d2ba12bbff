// imread and im2single in Node and Chromium. The fixtures are
// encoded independently of the decoder (tools/make-fixtures.mjs) from the
// patterns in fixtures/pattern.mjs, so every decoded sample is checked exactly.
import { describe, expect, it } from 'vitest';
import { imread, im2single, type Image } from '../src/index.js';
import { zlibSync } from 'fflate';
import { expectExact } from './helpers.js';
import { pattern, smooth, samplesOf, CHANNELS, PALETTE, PALETTE_ALPHA, PNG_FIXTURES } from './fixtures/pattern.mjs';

import { bytesOf, urlOf } from './image-fixtures.js';

/** What imread must return for a PNG fixture, built from the pattern independently of src/. */
function expected(W: number, H: number, type: number, depth: number, trns: boolean): Omit<Image, 'data'> & { data: number[] } {
  const s = samplesOf(W, H, type, depth) as number[];
  if (type === 3) {
    const C = trns ? 4 : 3;
    const data = s.flatMap((p) => (trns ? [...PALETTE[p], PALETTE_ALPHA[p] ?? 255] : PALETTE[p]));
    return { height: H, width: W, channels: C, bitDepth: 8, data };
  }
  if (depth < 8) return { height: H, width: W, channels: 1, bitDepth: 8, data: s.map((v) => (v * 255) / (2 ** depth - 1)) };
  return { height: H, width: W, channels: CHANNELS[type], bitDepth: depth as 8 | 16, data: s };
}

describe('imread decodes every PNG colour type and bit depth exactly', () => {
  for (const [name, W, H, type, depth, adam7 = false, trns = false] of PNG_FIXTURES) {
    it(`${name}.png (${W}x${H}, colour type ${type}, ${depth}-bit${adam7 ? ', Adam7' : ''})`, async () => {
      const want = expected(W, H, type, depth, trns);
      for (const source of [bytesOf(`${name}.png`), urlOf(`${name}.png`)]) {
        const img = await imread(source);
        expect({ ...img, data: undefined }).toEqual({ ...want, data: undefined });
        expect(img.data).toBeInstanceOf(want.bitDepth === 16 ? Uint16Array : Uint8Array);
        expect(Array.from(img.data)).toEqual(want.data);
      }
    });
  }

  it('rgba8-pngjs.png, written by pngjs', async () => {
    const img = await imread(bytesOf('rgba8-pngjs.png'));
    expect([img.height, img.width, img.channels, img.bitDepth]).toEqual([3, 4, 4, 8]);
    expect(Array.from(img.data)).toEqual(pattern(48, 255));
  });

  it('reads from an ArrayBuffer, a DataView, a Blob and a Response without modifying the bytes', async () => {
    const b = bytesOf('rgb16.png');
    const copy = b.slice();
    const want = Array.from((await imread(b)).data);
    const offset = new Uint8Array(b.length + 3);
    offset.set(b, 3);
    for (const source of [b.buffer, new DataView(offset.buffer, 3), new Blob([b], { type: 'image/png' }), new Response(b)]) {
      expect(Array.from((await imread(source as ArrayBuffer)).data)).toEqual(want);
    }
    expect(Array.from(b)).toEqual(Array.from(copy));
  });
});

describe('imread decodes JPEG', () => {
  it('colour.jpg (jpeg-js, quality 95) has 3 channels close to the picture it encodes', async () => {
    const img = await imread(new Blob([bytesOf('colour.jpg')]));
    expect([img.height, img.width, img.channels, img.bitDepth]).toEqual([12, 20, 3, 8]);
    let worst = 0, sum = 0;
    for (let i = 0; i < 12; i++) {
      for (let j = 0; j < 20; j++) {
        for (let k = 0; k < 3; k++) {
          const e = Math.abs(img.data[(i * 20 + j) * 3 + k] - smooth(i, j, k));
          worst = Math.max(worst, e);
          sum += e;
        }
      }
    }
    // Lossy: at quality 95 the measured error is at most 5 levels, 1.2 on average.
    expect(worst).toBeLessThanOrEqual(8);
    expect(sum / (12 * 20 * 3)).toBeLessThan(2);
  });

  it('grey.jpg (one component, all-ones quantisation) has 1 channel within 2 levels', async () => {
    const img = await imread(bytesOf('grey.jpg'));
    expect([img.height, img.width, img.channels, img.bitDepth]).toEqual([16, 24, 1, 8]);
    for (let i = 0; i < 16; i++) {
      for (let j = 0; j < 24; j++) expect(Math.abs(img.data[i * 24 + j] - smooth(i, j, 0))).toBeLessThanOrEqual(2);
    }
  });
});

describe('im2single', () => {
  it('scales 8-bit by 255 and 16-bit by 65535 into a column-major [H, W, C] tensor', async () => {
    for (const name of ['rgba8.png', 'rgb16.png', 'grey16-adam7.png']) {
      const img = await imread(bytesOf(name));
      const x = im2single(img);
      const { height: H, width: W, channels: C } = img;
      expect(x.size()).toEqual(C === 1 ? [H, W] : [H, W, C]);
      const max = img.bitDepth === 16 ? 65535 : 255;
      const want = new Float32Array(H * W * C);
      for (let i = 0; i < H; i++) {
        for (let j = 0; j < W; j++) for (let k = 0; k < C; k++) want[i + H * (j + W * k)] = img.data[(i * W + j) * C + k] / max;
      }
      expectExact(x.data, want, name);
      expect(Math.min(...x.data)).toBe(0);
      expect(Math.max(...x.data)).toBe(1);
    }
  });

  it('accepts a canvas ImageData shape (RGBA, Uint8ClampedArray)', () => {
    const x = im2single({ height: 1, width: 2, data: new Uint8ClampedArray([0, 51, 102, 255, 255, 204, 153, 0]) });
    expect(x.size()).toEqual([1, 2, 4]);
    expect(Array.from(x.data)).toEqual([0, 1, 0.2, 0.8, 0.4, 0.6, 1, 0].map(Math.fround));
  });

  it('rejects what is not an image, naming the field and sizes', () => {
    const data = new Uint8Array(6);
    expect(() => im2single(null as unknown as Image)).toThrow(/im2single: image must be an Image/);
    expect(() => im2single({ height: 1, width: 2, channels: 3, bitDepth: 8, data: new Float32Array(6) } as unknown as Image))
      .toThrow(/image.data must be a Uint8Array or Uint16Array, got Float32Array/);
    expect(() => im2single({ height: 1, width: 2, channels: 2, bitDepth: 8, data })).toThrow(/6 samples but 1x2x2 needs 4/);
    expect(() => im2single({ height: 1, width: 2, channels: 3, bitDepth: 16, data })).toThrow(/bitDepth is 16 but image.data is a Uint8Array/);
    expect(() => im2single({ height: -1, width: 2, channels: 3, bitDepth: 8, data })).toThrow(/non-negative integers, got -1 and 2/);
  });
});

/** A PNG with a chunk's data replaced and its CRC recomputed (so only the payload is wrong). */
function withChunk(png: Uint8Array, type: string, edit: (data: Uint8Array) => Uint8Array | null): Uint8Array {
  const parts: number[] = Array.from(png.subarray(0, 8));
  for (let o = 8; o < png.length;) {
    const len = new DataView(png.buffer, png.byteOffset + o).getUint32(0);
    const t = String.fromCharCode(...png.subarray(o + 4, o + 8));
    const typeBytes = png.subarray(o + 4, o + 8);
    const data = t === type ? edit(png.slice(o + 8, o + 8 + len)) : png.subarray(o + 8, o + 8 + len);
    o += 12 + len;
    if (data === null) continue; // chunk dropped
    const body = [...typeBytes, ...data];
    parts.push(...u32(data.length), ...body, ...u32(crc32(body)));
  }
  return Uint8Array.from(parts);
}
/** The PNG with a chunk `type` of `data` (CRC computed) inserted before the first chunk `before`. */
function insertBefore(png: Uint8Array, before: string, type: string, data: Uint8Array): Uint8Array {
  for (let o = 8; o < png.length;) {
    const len = new DataView(png.buffer, png.byteOffset + o).getUint32(0);
    if (String.fromCharCode(...png.subarray(o + 4, o + 8)) === before) {
      const td = [...type].map((c) => c.charCodeAt(0)).concat(Array.from(data));
      return Uint8Array.from([...png.subarray(0, o), ...u32(data.length), ...td, ...u32(crc32(td)), ...png.subarray(o)]);
    }
    o += 12 + len;
  }
  throw new Error(`no ${before} chunk`);
}

/** A zlib stream of `raw` with no compression (stored block), made here so the test needs no zlib. */
function deflated(raw: number[]): Uint8Array {
  let s1 = 1, s2 = 0;
  for (const v of raw) { s1 = (s1 + v) % 65521; s2 = (s2 + s1) % 65521; }
  const n = raw.length;
  return Uint8Array.from([0x78, 0x01, 1, n & 255, n >> 8, ~n & 255, (~n >> 8) & 255, ...raw, ...u32(((s2 << 16) | s1) >>> 0)]);
}
const u32 = (v: number): number[] => [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
function crc32(bytes: number[]): number {
  let c = -1;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ -1) >>> 0;
}

describe('imread errors say what is wrong and where the bytes came from', () => {
  const png = bytesOf('rgb8-adam7.png');
  const bad = (b: Uint8Array | Blob, re: RegExp) => expect(imread(b)).rejects.toThrow(re);

  it('truncated PNGs, cut inside the signature, the header, the data and before IEND', async () => {
    await bad(png.subarray(0, 5), /^imread: the given buffer is a truncated PNG \(5 bytes\): it ends inside the signature/);
    for (const n of [8, 20, 33, 60, 120, png.length - 12, png.length - 1]) {
      await bad(png.subarray(0, n), new RegExp(`^imread: the given buffer is a truncated PNG \\(${n} bytes\\): (it ends|its (IHDR|IDAT|IEND) chunk at byte)`));
    }
    await bad(new Blob([png.subarray(0, 50)], { type: 'image/png' }), /^imread: the given Blob \(image\/png, 50 bytes\) is a truncated PNG/);
  });

  it('a bad CRC, corrupt zlib data, a bad header and missing chunks', async () => {
    const flipped = png.slice();
    flipped[png.length - 30] ^= 0x40; // inside the second IDAT
    await bad(flipped, /^imread: the given buffer is a corrupt PNG: CRC mismatch for chunk IDAT/);
    const zlib = withChunk(png, 'IDAT', (d) => (d[0] === 0x78 ? d.fill(0xfd, 2, 9) : d));
    await bad(zlib, /^imread: the given buffer is a corrupt PNG: its image data are not a valid zlib stream \(.+\)$/);
    await bad(withChunk(png, 'IHDR', (d) => d.fill(3, 8, 9)), /corrupt PNG: bit depth 3 is not allowed for colour type 2/);
    await bad(withChunk(png, 'IHDR', (d) => d.fill(0, 0, 4)), /corrupt PNG: its header says 9x0 pixels/);
    await bad(withChunk(png, 'IHDR', (d) => d.fill(0x7f, 0, 1).fill(0x7f, 4, 5)),
      /is 2130706441x2130706443 pixels, more than the 100 megapixels imread accepts/);
    await bad(withChunk(bytesOf('palette8.png'), 'PLTE', (d) => d.subarray(0, 9)), /pixel 4 uses palette entry 3 but the palette has 3/);
    await bad(withChunk(png, 'IDAT', () => null), /the given buffer is a corrupt PNG: it has no IDAT \(image data\) chunk/);
    let idats = 0; // rgb8.png has two IDAT chunks: the first gets a complete zlib stream of 4 bytes, the second goes
    const short = withChunk(bytesOf('rgb8.png'), 'IDAT', () => (idats++ === 0 ? deflated([0, 1, 2, 3]) : null));
    await bad(short, /corrupt PNG: its image data inflate to 4 bytes, fewer than the \d+ its header implies \(truncated\?\)$/);
  });

  // Found by a fuzzing helper: fast-png (our decoder then) padded image data that ran short with zeros, and inflated
  // all there was. A 1000x1 RGBA header with 5 bytes of data decoded "OK"; a 1 MB file inflating
  // 1 GB of zeros decoded after 19 s at 3 GB.
  it('image data shorter or longer than the header implies: an Error, inflating no further', async () => {
    const grey = bytesOf('grey8.png');
    const oneRow = (w: number): Uint8Array => withChunk(grey, 'IHDR', (d) => { d.set(u32(w), 0); d.set(u32(1), 4); return d; });
    let first = true;
    const short = withChunk(oneRow(1000), 'IDAT', () => (first ? ((first = false), zlibSync(Uint8Array.of(0, 1, 2, 3, 4))) : null));
    await bad(short, /^imread: the given buffer is a corrupt PNG: its image data inflate to 5 bytes, fewer than the 1001 its header implies \(truncated\?\)$/);
    first = true;
    const bomb = withChunk(oneRow(1), 'IDAT', () => (first ? ((first = false), zlibSync(new Uint8Array(1 << 24))) : null));
    await bad(bomb, /^imread: the given buffer is a corrupt PNG: its image data inflate to more than the 2 bytes its header implies$/);
    // a 10000x10000 header over a few bytes: refused before 100 MB is allocated for the scanlines
    const huge = withChunk(grey, 'IHDR', (d) => { d.set(u32(10000), 0); d.set(u32(10000), 4); return d; });
    await bad(huge, /^imread: the given buffer is a corrupt PNG: its \d+ bytes of image data cannot inflate to the 100010000 bytes its header implies \(DEFLATE expands at most 1032:1\)$/);
  });

  // PNG is decoded by the spec here since fast-png (which checked these) was dropped for decoding.
  it('a wrong Adler-32, header methods PNG does not have, and tRNS where it may not be', async () => {
    const grey = bytesOf('grey8.png');
    let idats = 0; // grey8.png has two IDAT chunks: the last holds the stream's Adler-32 trailer
    const adler = withChunk(grey, 'IDAT', (d) => (idats++ === 1 ? (d[d.length - 1] ^= 1, d) : d));
    await bad(adler, /^imread: the given buffer is a corrupt PNG: its image data do not match their Adler-32 checksum$/);
    idats = 0;
    const cut = withChunk(grey, 'IDAT', (d) => (idats++ === 1 ? d.subarray(0, d.length - 2) : d));
    await bad(cut, /^imread: the given buffer is a corrupt PNG: its image data are not a valid zlib stream \(it ends before its Adler-32 checksum\)$/);
    for (const [at, v] of [[10, 1], [11, 1], [12, 2]]) {
      await bad(withChunk(grey, 'IHDR', (d) => d.fill(v, at, at + 1)),
        /corrupt PNG: its header gives compression method \d, filter method \d and interlace method \d; PNG has 0, 0 and 0 or 1$/);
    }
    const trns = (png: Uint8Array, alphas: number[]): Uint8Array => insertBefore(png, 'IDAT', 'tRNS', Uint8Array.from(alphas));
    await bad(trns(bytesOf('rgba8.png'), [0, 0]), /corrupt PNG: it has a tRNS chunk, which colour type 6 \(with alpha\) may not have$/);
    await bad(trns(bytesOf('palette8.png'), Array(PALETTE.length + 1).fill(9)), new RegExp(`its tRNS chunk gives ${PALETTE.length + 1} alphas for a palette of \\d+$`));
    const rgb = await imread(trns(bytesOf('rgb8.png'), [0, 1, 0, 2, 0, 3])); // a colour key: not part of imread's result
    expect([rgb.channels, rgb.data]).toEqual([3, (await imread(bytesOf('rgb8.png'))).data]);
  });

  it('interlaced sub-byte PNGs: CRC, zlib and short data', async () => {
    const adam = bytesOf('grey4-adam7.png');
    const flipped = adam.slice();
    flipped[adam.length - 20] ^= 1;
    await bad(flipped, /^imread: the given buffer is a corrupt PNG: CRC mismatch for chunk IDAT at byte \d+/);
    // bytes 0xfd decode as a (nonsense) block before any error: too much data, or an invalid stream
    await bad(withChunk(adam, 'IDAT', (d) => d.fill(0xfd, 2, 9)), /^imread: the given buffer is a corrupt PNG: its image data (are not a valid zlib stream|inflate to more than the \d+ bytes)/);
    let idats = 0;
    const short = withChunk(adam, 'IDAT', () => (idats++ === 0 ? deflated([0, 1, 2, 3]) : null));
    await bad(short, /corrupt PNG: its image data inflate to 4 bytes, fewer than the \d+ its header implies/);
    expect((await imread(withChunk(adam, 'IDAT', (d) => d))).width).toBe(10); // the helper alone breaks nothing
  });

  it('truncated and corrupt JPEGs', async () => {
    const jpg = bytesOf('colour.jpg'); // segments: APP0 @2, DQT @20, SOF0 @154, DHT @173, SOS @593, scan, EOI
    const cuts: [number, string][] = [
      [3, 'it ends at byte 3, inside the headers before the image data'],
      [200, 'its DHT segment at byte 173 needs 420 bytes but only 27 remain'],
      [600, 'its SOS segment at byte 593 needs 14 bytes but only 7 remain'],
      [jpg.length - 2, 'it ends inside the image data, without the end-of-image marker FF D9'],
    ];
    for (const [n, why] of cuts) {
      await expect(imread(jpg.subarray(0, n))).rejects.toThrow(`imread: the given buffer is a truncated JPEG (${n} bytes): ${why}`);
    }
    const sampling = jpg.slice();
    sampling[154 + 11] = 0; // the first component's sampling factors
    await bad(sampling, /^imread: the given buffer is a corrupt JPEG: the decoder \(jpeg-js\) says "Invalid sampling factor/);
    const scan = jpg.slice().fill(0xff, 593 + 16, 593 + 60);
    await bad(scan, /^imread: the given buffer is a corrupt JPEG: the decoder \(jpeg-js\) says "unexpected marker: ffff"/);
    const precision = jpg.slice();
    precision[154 + 4] = 12;
    await bad(precision, /is a 12-bit JPEG; the JPEG decoder \(jpeg-js\) reads 8-bit JPEGs only/);
    const lossless = jpg.slice();
    lossless[155] = 0xc3;
    await bad(lossless, /is a lossless or hierarchical JPEG \(SOF3\), which the JPEG decoder \(jpeg-js\) cannot read/);
    // Found by a fuzzing helper: jpeg-js met these with TypeErrors ("Cannot read properties of
    // undefined"), or decoded for seconds: a 10000x10000 frame over 834 bytes took 10 s and 2.8 GB.
    const huge = jpg.slice();
    huge.set([0x27, 0x10, 0x27, 0x10], 154 + 5);
    await bad(huge, /^imread: the given buffer is a corrupt JPEG: its frame header says 10000x10000 pixels, which take at least \d+ bytes of image data \(a bit per 8x8 block of each component\), but \d+ bytes follow its headers$/);
    const grey = bytesOf('grey.jpg'); // SOF0 @71, SOS @296
    const sofLength = (grey[73] << 8) | grey[74];
    const noFrame = Uint8Array.from([...grey.subarray(0, 71), ...grey.subarray(71 + 2 + sofLength)]);
    await bad(noFrame, /corrupt JPEG: its image data \(SOS at byte \d+\) come before any frame header \(SOFn\)$/);
    const component = grey.slice();
    component[301] = 9;
    await bad(component, /corrupt JPEG: its first scan names component 9, which the frame \(components \d+\) does not have$/);
    const table = grey.slice();
    table[302] = 0x33;
    await bad(table, /corrupt JPEG: its first scan uses DC Huffman table 3, which no DHT segment before it defines$/);
    const junk = Uint8Array.from({ length: 300 }, (_, n) => (n < 3 ? [0xff, 0xd8, 0xff][n] : (n * 73 + 11) & 255));
    await bad(junk, /^imread: the given buffer is a truncated JPEG \(300 bytes\): its APP6 segment at byte 2 needs 12154 bytes/);
  });

  it('empty, HTML, GIF and random bytes are named', async () => {
    await bad(new Uint8Array(0), /^imread: the given buffer is empty \(0 bytes\), not a PNG or JPEG file$/);
    const html = new TextEncoder().encode('<!DOCTYPE html><html><body>Not found</body></html>');
    await bad(html, /not a PNG or JPEG file \(50 bytes starting 3c 21 44 4f 43 54 59 50 …; it looks like HTML/);
    await bad(new TextEncoder().encode('GIF89a......'), /it looks like a GIF image; only PNG and JPEG are supported/);
    let s = 7;
    const random = Uint8Array.from({ length: 64 }, () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24);
    await bad(random, /^imread: the given buffer is not a PNG or JPEG file \(64 bytes starting [0-9a-f ]+ …\); a PNG starts 89 50 4e 47/);
    await expect(imread(42 as unknown as Uint8Array)).rejects.toThrow(/imread: expected a file path, a URL, a Blob, a Response or bytes/);
  });
});

describe('imread in a browser fetches a bare path relative to the page', () => {
  it.skipIf(typeof document === 'undefined')('tests/fixtures/rgb8.png', async () => {
    const img = await imread('/tests/fixtures/rgb8.png');
    expect(Array.from(img.data)).toEqual(pattern(45, 255));
  });
});

describe('without a file system (browser)', () => {
  it.skipIf(typeof document === 'undefined')('a missing relative path is a fetch error naming the path', async () => {
    await expect(imread('tests/fixtures/nope.png')).rejects.toThrow(/^imread: fetching 'tests\/fixtures\/nope.png' failed: HTTP 404/);
  });
});

describe('imread of a Response', () => {
  it('reports a body that was already read', async () => {
    const res = new Response(bytesOf('rgb8.png'));
    await res.arrayBuffer();
    await expect(imread(res)).rejects.toThrow(/^imread: reading the body of the given Response failed: /);
  });
});
