// Part 3's default input: a synthetic picture in the spirit of the practical's
// dots.jpg, which nnblocks does not ship (a photo whose licence is unclear). It
// is drawn from formulas, so it is licence-clean and needs no file: dark round
// blobs of radius 3 to 6 px on a jittered grid over a light background with
// soft vertical folds and a little noise, quantised to 8 bits as a PNG would
// hold it. The same seed gives the same pixels wherever Math.sin, Math.cos and
// Math.hypot round alike (a 32-bit LCG, no Math.random; tested in Node and
// Chromium: V8's are the same everywhere, other engines' libm may move a level). `nnblocks practical 3` trains on it when given no image, and
// the browser example's build writes it as blobs.png (tools/make-blobs.mjs).

import { Tensor } from '../tensor.js';
import { checkOptions, show } from '../options.js';

export interface SyntheticDotsOptions {
  /** Side of the square picture in pixels (default 320; 16..4096). */
  size?: number;
  /** Distance between the grid's blob centres in pixels (default 24; 8..size). */
  spacing?: number;
  /** Seed of the generator (default 7; 0..4294967295). */
  seed?: number;
}

function int(name: string, v: unknown, dflt: number, lo: number, hi: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
    throw new Error(`syntheticDots: ${name} must be an integer in ${lo}..${hi}, got ${show(v)}`);
  }
  return v;
}

/** A 32-bit LCG in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/**
 * The picture as a grey [size, size] single image in [0, 1] (values k/255, as
 * `im2single(imread(png))` gives them), for `trainTinyCNN`.
 */
export function syntheticDots(opts: SyntheticDotsOptions = {}): Tensor {
  checkOptions('syntheticDots', opts, ['size', 'spacing', 'seed']);
  const size = int('size', opts.size, 320, 16, 4096);
  const spacing = int('spacing', opts.spacing, 24, 8, size);
  const seed = int('seed', opts.seed, 7, 0, 2 ** 32 - 1);
  const H = size, W = size, rand = lcg(seed);
  // Row-major while drawing (v[i*W + j]): the generator's draws follow this order.
  const v = new Float64Array(H * W);
  for (let i = 0; i < H; i++) {
    for (let j = 0; j < W; j++) {
      const fold = Math.cos((j + 12 * Math.sin(i / 70)) / 19) * 0.06;
      v[i * W + j] = 0.86 + fold - 0.12 * Math.max(0, (i - j) / (H + W));
    }
  }
  // Rows of centres alternate between two offsets; about one cell in eight stays empty.
  for (let ci = spacing / 2; ci < H; ci += spacing) {
    for (let cj = spacing / 2 + ((ci / spacing) % 2) * (spacing / 2); cj < W; cj += spacing) {
      if (rand() < 0.12) continue;
      const i0 = ci + (rand() - 0.5) * spacing / 2, j0 = cj + (rand() - 0.5) * spacing / 2;
      const r = 3 + 3 * rand(), ink = 0.12 + 0.12 * rand();
      drawDisk(v, H, W, i0, j0, r, ink);
    }
  }
  const out = new Float32Array(H * W);
  for (let p = 0; p < H * W; p++) {
    const k = Math.max(0, Math.min(255, Math.round(255 * (v[p] + (rand() - 0.5) * 0.04))));
    out[Math.floor(p / W) + H * (p % W)] = k / 255;
  }
  return new Tensor(out, [H, W]);
}

/** Blend `ink` into v over a disk of radius r at (i0, j0), with a one-pixel linear edge (coverage a). */
function drawDisk(v: Float64Array, H: number, W: number, i0: number, j0: number, r: number, ink: number): void {
  for (let i = Math.max(0, Math.floor(i0 - r - 2)); i <= Math.min(H - 1, Math.ceil(i0 + r + 2)); i++) {
    for (let j = Math.max(0, Math.floor(j0 - r - 2)); j <= Math.min(W - 1, Math.ceil(j0 + r + 2)); j++) {
      const a = Math.max(0, Math.min(1, r + 0.5 - Math.hypot(i - i0, j - j0)));
      v[i * W + j] += (ink - v[i * W + j]) * a;
    }
  }
}
