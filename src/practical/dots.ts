// Part 3's default input: a synthetic picture in the spirit of the practical's
// dots.jpg, which nnblocks does not ship (a photo whose licence is unclear). It
// is drawn from formulas, so it is licence-clean and needs no file: dark round
// blobs of radius 3 to 6 px on a jittered grid over a light background with
// soft vertical folds and a little noise, quantised to 8 bits as a PNG would
// hold it. Its draws come from the package's own generator (random.ts), so a
// seed gives the same pixels wherever Math.sin, Math.cos and Math.hypot round
// alike (tested in Node and Chromium; another engine's libm may move a level).
// `nnblocks practical 3` trains on it when given no image, and the browser
// example's build writes it as blobs.png (tools/make-blobs.mjs).

import { Tensor } from '../tensor.js';
import { checkOptions, integerIn } from '../options.js';
import { uniformRandom } from '../random.js';

const WHO = 'syntheticDots';

export interface SyntheticDotsOptions {
  /** Side of the square picture in pixels (default 320; 16..4096). */
  size?: number;
  /** Distance between the grid's blob centres in pixels (default 24; 8..size). */
  spacing?: number;
  /** Seed of the generator (default 7; 0..4294967295). */
  seed?: number;
}

/**
 * The picture as a grey [size, size] single image in [0, 1] (values k/255, as
 * `im2single(imread(png))` gives them), for `trainTinyCNN`.
 */
export function syntheticDots(opts: SyntheticDotsOptions = {}): Tensor {
  checkOptions(WHO, opts, ['size', 'spacing', 'seed']);
  const size = opts.size === undefined ? 320 : integerIn(WHO, 'size', opts.size, 16, 4096);
  const spacing = opts.spacing === undefined ? 24 : integerIn(WHO, 'spacing', opts.spacing, 8, size);
  const H = size, W = size;
  // Centres on rows ci = spacing/2 + spacing*a, columns alternating between two offsets.
  const rows = Math.ceil((H - spacing / 2) / spacing), cols = Math.ceil(W / spacing) + 1;
  // Five uniforms a grid cell (empty?, jitter i, jitter j, radius, ink), then one a pixel for the noise.
  const u = new Float32Array(5 * rows * cols + H * W);
  uniformRandom(u, opts.seed ?? 7, WHO);
  const v = new Float64Array(H * W); // v[i + H*j], column-major as the result
  for (let j = 0; j < W; j++) {
    for (let i = 0; i < H; i++) v[i + H * j] = 0.86 + Math.cos((j + 12 * Math.sin(i / 70)) / 19) * 0.06 - 0.12 * Math.max(0, (i - j) / (H + W));
  }
  for (let a = 0; a < rows; a++) {
    const ci = spacing / 2 + spacing * a;
    for (let b = 0; b < cols; b++) {
      const cj = spacing / 2 + (a % 2) * (spacing / 2) + spacing * b;
      const q = 5 * (b + cols * a);
      if (cj >= W || u[q] < 0.12) continue;
      drawDisk(v, H, W, ci + (u[q + 1] - 0.5) * spacing / 2, cj + (u[q + 2] - 0.5) * spacing / 2, 3 + 3 * u[q + 3], 0.12 + 0.12 * u[q + 4]);
    }
  }
  const noise = 5 * rows * cols;
  const out = new Float32Array(H * W);
  for (let p = 0; p < H * W; p++) out[p] = Math.max(0, Math.min(255, Math.round(255 * (v[p] + (u[noise + p] - 0.5) * 0.04)))) / 255;
  return new Tensor(out, [H, W]);
}

/** Blend `ink` into v over a disk of radius r at (i0, j0), with a one-pixel linear edge (coverage a). */
function drawDisk(v: Float64Array, H: number, W: number, i0: number, j0: number, r: number, ink: number): void {
  for (let j = Math.max(0, Math.floor(j0 - r - 2)); j <= Math.min(W - 1, Math.ceil(j0 + r + 2)); j++) {
    for (let i = Math.max(0, Math.floor(i0 - r - 2)); i <= Math.min(H - 1, Math.ceil(i0 + r + 2)); i++) {
      const a = Math.max(0, Math.min(1, r + 0.5 - Math.hypot(i - i0, j - j0)));
      v[i + H * j] += (ink - v[i + H * j]) * a;
    }
  }
}
