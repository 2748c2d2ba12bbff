// MATLAB's imresize (Image Processing Toolbox, R2007a and later): separable
// kernel resampling with antialiasing when shrinking, on [H, W, C, N].

import { Tensor, tensorArg } from '../tensor.js';
import { checkOptions, checkOutputSize, dims, show } from '../options.js';
import { KERNELS, type ResizeMethod } from './resize-kernels.js';

export type { ResizeMethod } from './resize-kernels.js';

/** Options of imresize (MATLAB's 'Method' and 'Antialiasing'). */
export interface ImresizeOptions {
  /** Interpolation kernel (default 'bicubic'). */
  method?: ResizeMethod;
  /** Stretch the kernel by 1/scale when shrinking (default true, false for 'nearest'). */
  antialiasing?: boolean;
}

/**
 * MATLAB's `B = imresize(A, scale)` and `B = imresize(A, [numrows numcols])`
 * (with `'Method'` and `'Antialiasing'` as options), on every plane of an
 * [H, W, C, N] Tensor; returns [Ho, Wo, C, N].
 *
 * Size and scale, as imresize.m's fixupSize / deriveScaleFromSize /
 * deriveSizeFromScale: a scalar `scale > 0` gives `[Ho Wo] = ceil(scale .* [H W])`;
 * `[numrows numcols]` (positive integers) gives scale `[numrows/H numcols/W]`; one
 * of them may be NaN: it becomes `ceil(numcols * H / W)` (or `ceil(numrows * W / H)`)
 * and both scales are the given one's. (MATLAB also ceils non-integer sizes; here
 * they are an error.)
 *
 * Each dimension, as imresize.m's `contributions`, with x = 1..out (1-based):
 * ```
 * if scale < 1 && antialiasing, h = @(x) scale * kernel(scale * x); width = width / scale; end
 * u = x/scale + 0.5 * (1 - 1/scale) ;           % output pixel centres in input space
 * left = floor(u - width/2) ; P = ceil(width) + 2 ;
 * indices = left + (0:P-1) ; weights = h(u - indices) ;
 * weights = weights ./ sum(weights, 2) ;         % each output's weights sum to 1
 * aux = [1:in, in:-1:1] ; indices = aux(mod(indices-1, 2*in) + 1) ;  % symmetric padding
 * ```
 * (columns of weights that are zero for every output are dropped). The
 * dimension with the smaller scale is resized first (rows first on a tie), each
 * pass summing in float64 and rounding to float32, as MATLAB's single
 * intermediate does. Kernels: Keys' cubic with a = −0.5 (width 4), triangle
 * (2), box (1, 'nearest'), Lanczos-2 and -3; see {@link KERNELS}. Border pixels
 * mirror ("symmetric padding", MATLAB since about R2013; releases before it
 * replicated the edge pixel instead).
 *
 * Inputs are not modified. Errors name the argument and what was seen.
 */
export function imresize(im: Tensor, scaleOrSize: number | readonly number[], opts?: ImresizeOptions): Tensor {
  const who = 'imresize';
  const x = tensorArg(who, 'im', im);
  checkOptions(who, opts, ['method', 'antialiasing']);
  const method = opts?.method ?? 'bicubic';
  const k = Object.prototype.hasOwnProperty.call(KERNELS, method) ? KERNELS[method as ResizeMethod] : undefined;
  if (k === undefined) {
    throw new Error(`${who}: method must be one of ${Object.keys(KERNELS).map((m) => `'${m}'`).join(', ')}, got ${show(method)}`);
  }
  const aa = opts?.antialiasing ?? method !== 'nearest';
  if (typeof aa !== 'boolean') throw new Error(`${who}: antialiasing must be true or false, got ${show(aa)}`);
  const [H, W, C, N] = x.shape;
  if (H === 0 || W === 0) throw new Error(`${who}: im must not be empty, got ${dims(x.shape)}`);
  const { size, scale } = sizeAndScale(who, [H, W], scaleOrSize);
  checkOutputSize(who, [size[0], size[1], C, N], 'ask for a smaller size');
  const rows = contributions(H, size[0], scale[0], k.f, k.width, aa);
  const cols = contributions(W, size[1], scale[1], k.f, k.width, aa);
  // [~, order] = sort(scale): stable, so rows first when the scales are equal
  if (scale[1] < scale[0]) {
    const y = alongCols(x.data, H, W, C * N, cols);
    return new Tensor(alongRows(y, H, size[1], C * N, rows), [size[0], size[1], C, N]);
  }
  const y = alongRows(x.data, H, W, C * N, rows);
  return new Tensor(alongCols(y, size[0], W, C * N, cols), [size[0], size[1], C, N]);
}

/** Output size [Ho, Wo] and scale [sy, sx] from a scale factor or [numrows numcols]. */
export function sizeAndScale(who: string, inSize: readonly [number, number], v: unknown):
  { size: [number, number]; scale: [number, number] } {
  const [H, W] = inSize;
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v <= 0) throw new Error(`${who}: scale must be a finite number > 0, got ${show(v)}`);
    return { size: [Math.ceil(v * H), Math.ceil(v * W)], scale: [v, v] };
  }
  if (!Array.isArray(v) || v.length !== 2 || v.some((d) => typeof d !== 'number')) {
    throw new Error(`${who}: scaleOrSize must be a scale factor or [numrows, numcols], got ${show(v)}`);
  }
  const [r, c] = v as number[];
  const sizeOk = (d: number) => Number.isNaN(d) || (Number.isInteger(d) && d > 0);
  if (!sizeOk(r) || !sizeOk(c) || (Number.isNaN(r) && Number.isNaN(c))) {
    throw new Error(`${who}: [numrows, numcols] must be positive integers (one of them may be NaN), got ${show(v)}`);
  }
  if (Number.isNaN(r)) {
    const s = c / W;
    return { size: [Math.ceil(c * H / W), c], scale: [s, s] };
  }
  if (Number.isNaN(c)) {
    const s = r / H;
    return { size: [r, Math.ceil(r * W / H)], scale: [s, s] };
  }
  return { size: [r, c], scale: [r / H, c / W] };
}

/** Weights and 0-based input indices of each output pixel of one dimension: P per output. */
export interface Contributions {
  readonly out: number;
  readonly P: number;
  readonly weights: Float64Array;
  readonly indices: Int32Array;
}

/** imresize.m's `contributions(in_length, out_length, scale, kernel, kernel_width, antialiasing)`. */
export function contributions(inLength: number, outLength: number, scale: number,
  kernel: (x: number) => number, kernelWidth: number, antialiasing: boolean): Contributions {
  let h = kernel, width = kernelWidth;
  if (scale < 1 && antialiasing) {
    h = (t: number) => scale * kernel(scale * t);
    width = kernelWidth / scale;
  }
  const P = Math.ceil(width) + 2;
  const w = new Float64Array(outLength * P);
  const idx = new Int32Array(outLength * P);
  for (let o = 0; o < outLength; o++) {
    const u = (o + 1) / scale + 0.5 * (1 - 1 / scale);
    const left = Math.floor(u - width / 2);
    let sum = 0;
    for (let p = 0; p < P; p++) { w[o * P + p] = h(u - (left + p)); sum += w[o * P + p]; }
    for (let p = 0; p < P; p++) {
      w[o * P + p] /= sum;
      const m = ((left + p - 1) % (2 * inLength) + 2 * inLength) % (2 * inLength);   // mod(indices-1, 2*in)
      idx[o * P + p] = m < inLength ? m : 2 * inLength - 1 - m;
    }
  }
  // kill = find(~any(weights, 1)): drop the tap positions that are 0 for every output
  const keep: number[] = [];
  for (let p = 0; p < P; p++) {
    let any = false;
    for (let o = 0; o < outLength && !any; o++) any = w[o * P + p] !== 0;
    if (any) keep.push(p);
  }
  const Pk = keep.length;
  const wk = new Float64Array(outLength * Pk), ik = new Int32Array(outLength * Pk);
  for (let o = 0; o < outLength; o++) {
    for (let q = 0; q < Pk; q++) { wk[o * Pk + q] = w[o * P + keep[q]]; ik[o * Pk + q] = idx[o * P + keep[q]]; }
  }
  return Object.freeze({ out: outLength, P: Pk, weights: wk, indices: ik });
}

/** Resize dimension 1: y(io, j) = Σ_p w(io, p) x(idx(io, p), j), per plane. */
function alongRows(x: Float32Array, H: number, W: number, planes: number, c: Contributions): Float32Array {
  const { out: Ho, P, weights, indices } = c;
  const y = new Float32Array(Ho * W * planes);
  for (let col = 0; col < W * planes; col++) {
    const px = H * col, py = Ho * col;
    for (let io = 0; io < Ho; io++) {
      const b = io * P;
      let s = weights[b] * x[px + indices[b]];
      for (let p = 1; p < P; p++) s += weights[b + p] * x[px + indices[b + p]];
      y[py + io] = s;
    }
  }
  return y;
}

/** Resize dimension 2: y(i, jo) = Σ_p w(jo, p) x(i, idx(jo, p)), per plane. */
function alongCols(x: Float32Array, H: number, W: number, planes: number, c: Contributions): Float32Array {
  const { out: Wo, P, weights, indices } = c;
  const y = new Float32Array(H * Wo * planes);
  const acc = new Float64Array(H);
  for (let t = 0; t < planes; t++) {
    const px = H * W * t, py = H * Wo * t;
    for (let jo = 0; jo < Wo; jo++) {
      const b = jo * P;
      let w = weights[b], q = px + H * indices[b];
      for (let i = 0; i < H; i++) acc[i] = w * x[q + i];
      for (let p = 1; p < P; p++) {
        w = weights[b + p]; q = px + H * indices[b + p];
        for (let i = 0; i < H; i++) acc[i] += w * x[q + i];
      }
      const o = py + H * jo;
      for (let i = 0; i < H; i++) y[o + i] = acc[i];
    }
  }
  return y;
}
