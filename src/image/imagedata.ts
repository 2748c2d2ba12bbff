// Tensors straight to a canvas: toImageData gives the RGBA bytes of
// `new ImageData(data, width, height)` (browsers, workers with OffscreenCanvas)
// with no PNG encoding in between. Runtime-neutral: it returns a plain object.

import { tensorArg, type Tensor } from '../tensor.js';
import { checkOptions, dims, finite, show } from '../options.js';
import type { CanvasImageData } from './convert.js';

/** A colormap by name, or MATLAB's colormap matrix: rows of [r, g, b] in [0, 1]. */
export type Colormap = 'gray' | 'jet' | 'hot' | readonly (readonly [number, number, number])[];

/** Options of {@link toImageData}. */
export interface ImageDataOptions {
  /** Colours for a grey `[H, W]` tensor (default 'gray'); not allowed for RGB. */
  colormap?: Colormap;
  /** Map this range to [0, 1] first (MATLAB's `imagesc(x, clim)`); default: the values are already in [0, 1]. */
  clim?: [number, number];
  /** Draw into these bytes (length 4*H*W, e.g. an existing ImageData's data) instead of new ones. */
  out?: Uint8ClampedArray;
}

/** MATLAB's jet(m): the hat u = [1/n .. 1, ones, 1 .. 1/n] (n = ceil(m/4)) placed at rows g, g + n (red) and g - n (blue). */
function jet(m: number): [number, number, number][] {
  const n = Math.ceil(m / 4);
  const u: number[] = [];
  for (let k = 1; k <= n; k++) u.push(k / n);
  for (let k = 1; k < n; k++) u.push(1);
  for (let k = n; k >= 1; k--) u.push(k / n);
  const rows: [number, number, number][] = Array.from({ length: m }, () => [0, 0, 0]);
  // g = ceil(n/2) - (mod(m,4)==1) + (1:numel(u)); r = g + n; b = g - n  (1-based rows; those outside 1..m dropped)
  const g0 = Math.ceil(n / 2) - (m % 4 === 1 ? 1 : 0);
  const g = u.map((_, k) => g0 + k + 1).filter((v) => v <= m);
  const r = u.map((_, k) => g0 + k + 1 + n).filter((v) => v <= m);
  const b = u.map((_, k) => g0 + k + 1 - n).filter((v) => v >= 1);
  r.forEach((row, k) => { rows[row - 1][0] = u[k]; });
  g.forEach((row, k) => { rows[row - 1][1] = u[k]; });
  b.forEach((row, k) => { rows[row - 1][2] = u[u.length - b.length + k]; });
  return rows;
}

/** MATLAB's hot(m): black, red, yellow, white. */
function hot(m: number): [number, number, number][] {
  const n = Math.floor((3 / 8) * m);
  const rows: [number, number, number][] = [];
  for (let k = 1; k <= m; k++) {
    const r = Math.min(1, k / n), g = Math.max(0, Math.min(1, (k - n) / n)), b = Math.max(0, (k - 2 * n) / (m - 2 * n));
    rows.push([r, g, b]);
  }
  return rows;
}

/** Whether this platform stores the low byte of a word first (every browser does; big-endian is handled too). */
const LITTLE = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

const NAMED: Record<string, () => [number, number, number][]> = { jet: () => jet(256), hot: () => hot(256) };

/** The colormap as m rows of 0..255 bytes, or null for 'gray' (which needs no table). */
function colormapBytes(who: string, cm: Colormap | undefined): Uint8Array | null {
  if (cm === undefined || cm === 'gray') return null;
  const rows = typeof cm === 'string' ? NAMED[cm]?.() : cm;
  if (rows === undefined || !Array.isArray(rows) || rows.length === 0) {
    throw new Error(`${who}: colormap must be 'gray', 'jet', 'hot' or a non-empty array of [r, g, b] rows, got ${show(cm)}`);
  }
  const table = new Uint8Array(3 * rows.length);
  rows.forEach((row, r) => {
    if (!Array.isArray(row) || row.length !== 3 || !row.every((v) => typeof v === 'number' && v >= 0 && v <= 1)) {
      throw new Error(`${who}: colormap row ${r} must be [r, g, b] with values in [0, 1], got ${show(row)}`);
    }
    for (let c = 0; c < 3; c++) table[3 * r + c] = Math.round(row[c] * 255);
  });
  return table;
}

// u32[i*W + j] = the word of x(i, j, :): row-major pixels from column-major planes, in blocks of B
// columns so both the reads (down a column) and the writes (along a row) stay in cache. Each case is
// its own small loop so that the engine optimises it on the first call.
const B = 64;

/**
 * Grey or a colormap: u32[i*W + j] = words[clamp(floor(x(i, j)*k + k0 + half), 0, top)]: grey levels
 * round (half = 0.5; floor(v + 0.5) is Math.round, exactly, for v = 255 * a float32), colormap rows
 * floor (half = 0, top = m - 1).
 */
function levelWords(u32: Uint32Array, d: Float32Array, H: number, W: number, k: number, k0: number, half: number, words: Uint32Array, top: number): void {
  for (let j0 = 0; j0 < W; j0 += B) {
    const j1 = Math.min(W, j0 + B);
    for (let i = 0; i < H; i++) {
      let q = i * W + j0;
      const end = i + H * j1;
      for (let p = i + H * j0; p < end; p += H) {
        const v = d[p] * k + k0 + half; // NaN fails v > 0: level 0
        u32[q++] = words[v > 0 ? (v < top ? v | 0 : top) : 0];
      }
    }
  }
}

/** RGB: u32[i*W + j] = the word of the rounded, clamped levels of x(i, j, 0..2). */
function rgbWords(u32: Uint32Array, d: Float32Array, H: number, W: number, k: number, k0: number): void {
  const n = H * W;
  for (let j0 = 0; j0 < W; j0 += B) {
    const j1 = Math.min(W, j0 + B);
    for (let i = 0; i < H; i++) {
      let q = i * W + j0;
      const end = i + H * j1;
      for (let p = i + H * j0; p < end; p += H) {
        const r = d[p] * k + k0 + 0.5, g = d[p + n] * k + k0 + 0.5, b = d[p + 2 * n] * k + k0 + 0.5;
        u32[q++] = word(r > 0 ? (r < 255 ? r | 0 : 255) : 0, g > 0 ? (g < 255 ? g | 0 : 255) : 0, b > 0 ? (b < 255 ? b | 0 : 255) : 0);
      }
    }
  }
}

/** One 32-bit word per pixel: R G B A (alpha 255) in memory order whatever the platform's endianness. */
function word(r: number, g: number, b: number): number {
  return (LITTLE ? (r | (g << 8) | (b << 16) | 0xff000000) : ((r << 24) | (g << 16) | (b << 8) | 0xff)) >>> 0;
}

/**
 * The RGBA bytes of `x` for a canvas, `{ width, height, data }`, so that
 * `ctx.putImageData(new ImageData(r.data, r.width, r.height), 0, 0)` shows it
 * — no PNG encoding, no decoding. `x` is `[H, W]` (grey) or `[H, W, 3]` (RGB)
 * with values in [0, 1] (or in `clim`, mapped to [0, 1]), clamped; NaN is 0.
 * Grey with the default 'gray' colormap and RGB give exactly the samples of
 * {@link toPNG} (`round(255 * v)`); a colormap of m rows picks row
 * `min(m - 1, floor(m * v))`, as MATLAB's imagesc does. Alpha is 255.
 * For a feature map with many channels, tile it first with {@link imarraysc}.
 */
export function toImageData(x: Tensor, opts: ImageDataOptions = {}): CanvasImageData {
  const who = 'toImageData';
  x = tensorArg(who, 'x', x);
  checkOptions(who, opts, ['colormap', 'clim', 'out']);
  const [H, W, C, N] = x.shape;
  if (N !== 1 || (C !== 1 && C !== 3)) {
    throw new Error(`${who}: x is ${dims(x.shape)}, but a picture is [H, W] (grey) or [H, W, 3] (RGB); ` +
      `tile the channels or images into one picture with imarraysc(x)`);
  }
  const table = colormapBytes(who, opts.colormap);
  if (C === 3 && opts.colormap !== undefined) throw new Error(`${who}: colormap is for a grey [H, W] tensor, but x is ${dims(x.shape)} (RGB)`);
  let lo = 0, hi = 1;
  if (opts.clim !== undefined) {
    const c = opts.clim;
    if (!Array.isArray(c) || c.length !== 2 || !(finite(who, 'clim[0]', c[0]) < finite(who, 'clim[1]', c[1]))) {
      throw new Error(`${who}: clim must be [low, high] with low < high, got ${show(c)}`);
    }
    [lo, hi] = c;
  }
  const n = H * W;
  const data = opts.out ?? new Uint8ClampedArray(4 * n);
  if (!(data instanceof Uint8ClampedArray) || data.length !== 4 * n) {
    throw new Error(`${who}: out must be a Uint8ClampedArray of 4*${H}*${W} = ${4 * n} bytes, got ${show(data)}${
      data instanceof Uint8ClampedArray ? ` of ${data.length}` : ''}`);
  }
  const d = x.data, span = hi - lo;
  const m = table === null ? 0 : table.length / 3;
  // The word of each grey level, and of each colormap row.
  const words = new Uint32Array(256);
  for (let l = 0; l < 256; l++) words[l] = word(l, l, l);
  const rows = new Uint32Array(m);
  for (let r = 0; r < m; r++) rows[r] = word(table![3 * r], table![3 * r + 1], table![3 * r + 2]);
  const u32 = new Uint32Array(data.buffer, data.byteOffset, n);
  const k = 255 / span, k0 = -lo * k;
  if (C === 3) rgbWords(u32, d, H, W, k, k0);
  else if (m === 0) levelWords(u32, d, H, W, k, k0, 0.5, words, 255);
  else levelWords(u32, d, H, W, m / span, -lo * (m / span), 0, rows, m - 1);
  return { width: W, height: H, data };
}
