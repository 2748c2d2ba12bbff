// Writes the committed image fixtures in tests/fixtures/ (run: node tools/make-fixtures.mjs).
//
// The PNGs are encoded here by hand (chunks, CRC, zlib from node:zlib, all five
// row filters, Adam7, sub-byte packing), NOT by src/image/png.ts, the decoder under test;
// each file is then decoded by pngjs, a third implementation, and compared with
// the intended samples, so a fixture cannot share a bug with the decoder.
// rgba8-pngjs.png is written by pngjs's own encoder. colour.jpg comes from
// jpeg-js's encoder; grey.jpg (one component) from the small baseline encoder in
// tools/grey-jpeg.mjs, since jpeg-js only writes three components.
import { deflateSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { greyJpeg } from './grey-jpeg.mjs';
import { pattern, smooth, samplesOf, CHANNELS, PALETTE, PALETTE_ALPHA, PNG_FIXTURES as PNGS } from '../tests/fixtures/pattern.mjs';

const DIR = new URL('../tests/fixtures/', import.meta.url);
const CRC = new Int32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});
function crc32(bytes) {
  let c = -1;
  for (const b of bytes) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
const u32 = (v) => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
function chunk(type, data) {
  const td = [...type].map((c) => c.charCodeAt(0)).concat(Array.from(data));
  return [...u32(data.length), ...td, ...u32(crc32(td))];
}

/** One scanline's bytes: samples packed MSB first (depth < 8), or big-endian 16-bit. */
function packRow(samples, depth) {
  if (depth === 8) return samples.slice();
  if (depth === 16) return samples.flatMap((v) => [v >> 8, v & 255]);
  const out = new Array(Math.ceil((samples.length * depth) / 8)).fill(0);
  samples.forEach((v, n) => { out[(n * depth) >> 3] |= v << (8 - depth - ((n * depth) & 7)); });
  return out;
}

/** Filter `row` against `prev` with filter `f` (PNG spec 9.2; bpp at least 1). */
function filterRow(f, row, prev, bpp) {
  const paeth = (a, b, c) => {
    const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
  };
  return [f, ...row.map((x, n) => {
    const a = n >= bpp ? row[n - bpp] : 0, b = prev[n] ?? 0, c = n >= bpp ? prev[n - bpp] ?? 0 : 0;
    const pred = [0, a, b, (a + b) >> 1, paeth(a, b, c)][f];
    return (x - pred) & 255;
  })];
}

/** The filtered scanlines of a (sub)image, cycling through filters 0..4 so that every one is used. */
function scanlines(samples, W, H, C, depth, first) {
  const bpp = Math.max(1, (C * depth) >> 3);
  const out = [];
  let prev = [];
  for (let i = 0; i < H; i++) {
    const row = packRow(samples.slice(i * W * C, (i + 1) * W * C), depth);
    out.push(...filterRow((first + i) % 5, row, prev, bpp));
    prev = row;
  }
  return out;
}

const ADAM7 = [[0, 0, 8, 8], [0, 4, 8, 8], [4, 0, 8, 4], [0, 2, 4, 4], [2, 0, 4, 2], [0, 1, 2, 2], [1, 0, 2, 1]];

function encodePng(W, H, type, depth, adam7, trns) {
  const C = CHANNELS[type];
  const s = samplesOf(W, H, type, depth);
  let raw = [];
  if (!adam7) raw = scanlines(s, W, H, C, depth, 0);
  else {
    ADAM7.forEach(([y0, x0, dy, dx], p) => {
      const sub = [];
      let h = 0, w = 0;
      for (let i = y0; i < H; i += dy, h++) {
        w = 0;
        for (let j = x0; j < W; j += dx, w++) sub.push(...s.slice((i * W + j) * C, (i * W + j + 1) * C));
      }
      if (w > 0 && h > 0) raw.push(...scanlines(sub, w, h, C, depth, p));
    });
  }
  const bytes = [137, 80, 78, 71, 13, 10, 26, 10];
  bytes.push(...chunk('IHDR', [...u32(W), ...u32(H), depth, type, 0, 0, adam7 ? 1 : 0]));
  if (type === 3) bytes.push(...chunk('PLTE', PALETTE.slice(0, 2 ** depth).flat()));
  if (trns) bytes.push(...chunk('tRNS', PALETTE_ALPHA));
  // Two IDAT chunks, to exercise a stream split across chunks.
  const z = Array.from(deflateSync(Uint8Array.from(raw)));
  const cut = z.length >> 1;
  bytes.push(...chunk('IDAT', z.slice(0, cut)), ...chunk('IDAT', z.slice(cut)), ...chunk('IEND', []));
  return Uint8Array.from(bytes);
}

/** What the fixture should decode to, as RGBA at its own depth (pngjs's output form). */
function expectedRgba(W, H, type, depth, trns) {
  const s = samplesOf(W, H, type, depth);
  const max = 2 ** depth - 1, C = CHANNELS[type];
  const out = [];
  for (let p = 0; p < W * H; p++) {
    const px = s.slice(p * C, (p + 1) * C);
    if (type === 3) out.push(...PALETTE[px[0]], trns ? PALETTE_ALPHA[px[0]] ?? 255 : 255);
    else if (C <= 2) out.push(px[0], px[0], px[0], C === 2 ? px[1] : max);
    else out.push(px[0], px[1], px[2], C === 4 ? px[3] : max);
  }
  return out;
}

function checkWithPngjs(name, buf, want, type, depth) {
  const got = PNG.sync.read(Buffer.from(buf), { skipRescale: true });
  // pngjs scales sub-byte grey to 0..255 even with skipRescale; compare at 8 bits then.
  const scale = type === 0 && depth < 8 && got.data.some((v) => v > 2 ** depth - 1) ? 255 / (2 ** depth - 1) : 1;
  const bad = want.findIndex((v, n) => got.data[n] !== (n % 4 === 3 && scale !== 1 ? 255 : v * scale));
  if (got.data.length !== want.length || bad >= 0) {
    throw new Error(`${name}: pngjs decodes element ${bad} as ${got.data[bad]}, want ${want[bad]}`);
  }
}

for (const [name, W, H, type, depth, adam7 = false, trns = false] of PNGS) {
  const buf = encodePng(W, H, type, depth, adam7, trns);
  checkWithPngjs(name, buf, expectedRgba(W, H, type, depth, trns), type, depth);
  writeFileSync(new URL(`${name}.png`, DIR), buf);
}

// pngjs's own encoder (RGBA 8-bit is its native form).
{
  const W = 4, H = 3, png = new PNG({ width: W, height: H });
  png.data = Buffer.from(pattern(W * H * 4, 255));
  writeFileSync(new URL('rgba8-pngjs.png', DIR), PNG.sync.write(png));
}

// JPEGs of the smooth picture: colour (jpeg-js, quality 95) and grey (all-ones quantisation).
{
  const W = 20, H = 12, rgba = new Uint8Array(W * H * 4);
  for (let i = 0; i < H; i++) {
    for (let j = 0; j < W; j++) {
      for (let k = 0; k < 4; k++) rgba[(i * W + j) * 4 + k] = k === 3 ? 255 : smooth(i, j, k);
    }
  }
  writeFileSync(new URL('colour.jpg', DIR), jpeg.encode({ width: W, height: H, data: rgba }, 95).data);
  const grey = [];
  for (let i = 0; i < 16; i++) for (let j = 0; j < 24; j++) grey.push(smooth(i, j, 0));
  const g = greyJpeg(grey, 24, 16);
  const back = jpeg.decode(g, { useTArray: true, formatAsRGBA: false });
  const worst = Math.max(...grey.map((v, n) => Math.abs(back.data[3 * n] - v)));
  if (worst > 2) throw new Error(`grey.jpg: jpeg-js decodes it with an error of ${worst}`);
  writeFileSync(new URL('grey.jpg', DIR), g);
}
console.log(`wrote ${PNGS.length + 3} fixtures to ${DIR.pathname}`);
