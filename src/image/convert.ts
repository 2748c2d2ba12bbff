// Images to tensors and back for viewing: im2single (MATLAB) and imarraysc
// (MatConvNet's vl_imarraysc, which is VLFeat's vl_imarray plus per-tile scaling).

import { Tensor, tensorArg } from '../tensor.js';
import { checkOptions, dims, finite, intTuple, show, tagOf } from '../options.js';
import type { Image } from './types.js';

/**
 * MATLAB's `im2single`: an Image (from {@link imread}) as an `[H, W, C]` Tensor
 * of float32 values in [0, 1]: 8-bit samples divided by 255, 16-bit by 65535
 * (float32 division, so the values equal MATLAB's `single(x) / 255`). The
 * result is column-major like every Tensor: element (i, j, k) is sample k of
 * the pixel in row i, column j. Also accepts a canvas `ImageData` (channels and
 * bit depth are then inferred: 4 and 8).
 */
export function im2single(image: Image | CanvasImageData): Tensor {
  const { H, W, C, data, max } = imageArg('im2single', image);
  const out = new Float32Array(H * W * C);
  // out(i, j, k) = data[(i*W + j)*C + k] / max, read in file order
  let p = 0;
  for (let i = 0; i < H; i++) {
    for (let j = 0; j < W; j++) {
      const o = i + H * j;
      for (let k = 0; k < C; k++) out[o + H * W * k] = data[p++] / max;
    }
  }
  return new Tensor(out, [H, W, C]);
}

function imageArg(who: string, v: unknown) {
  if (typeof v !== 'object' || v === null) {
    throw new Error(`${who}: image must be an Image { height, width, channels, bitDepth, data } as imread returns, got ${tagOf(v)}`);
  }
  const img = v as Partial<Image> & { data?: unknown };
  const tag = Object.prototype.toString.call(img.data).slice(8, -1);
  const max = tag === 'Uint8Array' || tag === 'Uint8ClampedArray' ? 255 : tag === 'Uint16Array' ? 65535 : 0;
  if (max === 0) throw new Error(`${who}: image.data must be a Uint8Array or Uint16Array, got ${tagOf(img.data)}`);
  const data = img.data as Uint8Array | Uint16Array;
  const H = img.height, W = img.width;
  if (!Number.isInteger(H) || !Number.isInteger(W) || (H as number) < 0 || (W as number) < 0) {
    throw new Error(`${who}: image.height and image.width must be non-negative integers, got ${show(H)} and ${show(W)}`);
  }
  const C = img.channels ?? data.length / ((H as number) * (W as number));
  if (!Number.isInteger(C) || C < 1) throw new Error(`${who}: image.channels must be a positive integer, got ${show(C)}`);
  const depth = max === 255 ? 8 : 16;
  if (img.bitDepth !== undefined && img.bitDepth !== depth) {
    throw new Error(`${who}: image.bitDepth is ${show(img.bitDepth)} but image.data is a ${tag} (${depth}-bit)`);
  }
  if (data.length !== (H as number) * (W as number) * C) {
    throw new Error(`${who}: image.data has ${data.length} samples but ${H}x${W}x${C} needs ${(H as number) * (W as number) * C}`);
  }
  return { H: H as number, W: W as number, C, data, max };
}

/** The shape of a canvas `ImageData` (RGBA, 8-bit), without needing the DOM types. */
export interface CanvasImageData {
  height: number;
  width: number;
  data: Uint8ClampedArray;
}

/** Options of {@link imarraysc}. */
export interface ImarrayscOptions {
  /** Pixels between tiles (default 0), filled with `fillValue`. */
  spacing?: number;
  /** Value of the spacing pixels (default 0, black). */
  fillValue?: number;
  /** `[rows, cols]` of the grid (default: cols = ceil(sqrt(T)), rows = ceil(T / cols) for T tiles). */
  layout?: [number, number];
  /** Map this fixed range to [0, 1] (clamping outside it) instead of each tile's own min..max. */
  clim?: [number, number];
  /** One min..max over all tiles instead of one per tile (default false). */
  uniformScale?: boolean;
}

/**
 * MatConvNet's `vl_imarraysc`: lay the tiles of `x` out in one picture, each
 * rescaled so that its minimum is 0 and its maximum 1 (a constant tile becomes
 * 0; NaN becomes 0). Tiles fill the grid left to right, then top to bottom.
 * - `x` is `[H, W, C]` (one image): the C channels are C grey tiles, as for a
 *   feature map or `nnconv` output. The result is `[rows*H + s*(rows-1), cols*W + s*(cols-1)]`.
 * - `x` is `[H, W, 3, N]` with N > 1: N RGB tiles (each scaled over its 3
 *   channels together, colours kept); the result has 3 channels.
 *   `[H, W, 1, N]` gives N grey tiles.
 * Values are in [0, 1], ready for {@link toPNG}.
 */
export function imarraysc(x: Tensor, opts: ImarrayscOptions = {}): Tensor {
  const who = 'imarraysc';
  x = tensorArg(who, 'x', x);
  checkOptions(who, opts, ['spacing', 'fillValue', 'layout', 'clim', 'uniformScale']);
  const [H, W, C, N] = x.shape;
  if (N > 1 && C !== 1 && C !== 3) {
    throw new Error(`${who}: x is ${dims(x.shape)}; with N > 1 images each must be grey (C = 1) or RGB (C = 3); ` +
      `to tile the channels of one image pass an [H, W, C] tensor`);
  }
  const T = N > 1 ? N : C; // tiles
  const CT = N > 1 ? C : 1; // channels per tile
  const s = opts.spacing ?? 0;
  if (!Number.isInteger(s) || s < 0) throw new Error(`${who}: spacing must be an integer >= 0, got ${show(opts.spacing)}`);
  const fill = opts.fillValue === undefined ? 0 : finite(who, 'fillValue', opts.fillValue);
  const [rows, cols] = opts.layout === undefined ? autoLayout(T) : intTuple(who, 'layout', opts.layout, 2, 1);
  if (rows * cols < T) throw new Error(`${who}: layout [${rows}, ${cols}] has ${rows * cols} places for ${T} tiles`);
  const ranges = tileRanges(who, x.data, T, H * W * CT, opts);
  const Ho = rows * H + s * (rows - 1), Wo = cols * W + s * (cols - 1);
  const out = new Float32Array(Ho * Wo * CT).fill(fill);
  for (let t = 0; t < T; t++) {
    const [lo, hi] = ranges[t];
    const r = Math.floor(t / cols), c = t % cols;
    for (let k = 0; k < CT; k++) {
      // out(r*(H+s) + i, c*(W+s) + j, k) = scale(tile t (i, j, k)); tile t starts at t*H*W*CT either way
      for (let j = 0; j < W; j++) {
        const src = H * (j + W * (k + CT * t));
        const dst = r * (H + s) + Ho * (c * (W + s) + j + Wo * k);
        for (let i = 0; i < H; i++) out[dst + i] = scale(x.data[src + i], lo, hi);
      }
    }
  }
  return new Tensor(out, [Ho, Wo, CT]);
}

/** MATLAB's vl_imarray: N = ceil(sqrt(T)) columns, M = ceil(T / N) rows. */
function autoLayout(T: number): [number, number] {
  const cols = Math.max(1, Math.ceil(Math.sqrt(T)));
  return [Math.max(1, Math.ceil(T / cols)), cols];
}

/** (v - lo) / (hi - lo) clamped to [0, 1]; a constant range and NaN give 0. */
function scale(v: number, lo: number, hi: number): number {
  if (!(hi > lo) || Number.isNaN(v)) return 0;
  const y = (v - lo) / (hi - lo);
  return y < 0 ? 0 : y > 1 ? 1 : y;
}

/** [lo, hi] per tile: the clim option, the finite min..max of all tiles, or of each tile. */
function tileRanges(who: string, d: Float32Array, T: number, size: number, opts: ImarrayscOptions): [number, number][] {
  if (opts.clim !== undefined) {
    const c = opts.clim;
    if (!Array.isArray(c) || c.length !== 2 || !(finite(who, 'clim[0]', c[0]) < finite(who, 'clim[1]', c[1]))) {
      throw new Error(`${who}: clim must be [low, high] with low < high, got ${show(c)}`);
    }
    return new Array(T).fill([c[0], c[1]]);
  }
  const ranges: [number, number][] = [];
  for (let t = 0; t < T; t++) {
    let lo = Infinity, hi = -Infinity;
    for (let n = t * size; n < (t + 1) * size; n++) {
      const v = d[n];
      if (v < lo && v > -Infinity) lo = v;
      if (v > hi && v < Infinity) hi = v;
    }
    ranges.push([lo, hi]);
  }
  if (opts.uniformScale !== undefined && typeof opts.uniformScale !== 'boolean') {
    throw new Error(`${who}: uniformScale must be true or false, got ${show(opts.uniformScale)}`);
  }
  if (!opts.uniformScale) return ranges;
  const all: [number, number] = [Math.min(...ranges.map((r) => r[0])), Math.max(...ranges.map((r) => r[1]))];
  return ranges.map(() => all);
}
