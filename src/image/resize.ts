// MATLAB's imresize (Image Processing Toolbox, R2007a and later): separable
// kernel resampling with antialiasing when shrinking, on [H, W, C, N].

import { Tensor, tensorArg } from '../tensor.js';
import { checkOptions, checkOutputSize, dims, show } from '../options.js';
import { KERNELS, contributions, type Contributions, type ResizeMethod } from './resize-kernels.js';

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
  checkTaps(who, [H, W], size, scale, k.width, aa);
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

/** Weights per dimension that imresize will compute (as MATLAB's contributions matrix holds them). */
const MAX_WEIGHTS = 2 ** 24;

/**
 * Shrinking with antialiasing widens the kernel to width / scale taps per output pixel, so a tiny
 * scale asks for a weight matrix of billions of entries (MATLAB's runs out of memory): an Error
 * that says so and what to do, before anything is allocated.
 */
function checkTaps(who: string, inSize: readonly number[], size: readonly number[], scale: readonly number[],
  width: number, aa: boolean): void {
  for (const a of [0, 1]) {
    if (!(scale[a] < 1 && aa)) continue;
    const taps = Math.ceil(width / scale[a]) + 2;
    if (taps * size[a] > MAX_WEIGHTS) {
      throw new Error(`${who}: shrinking ${a === 0 ? 'the rows' : 'the columns'} from ${inSize[a]} to ${size[a]} (scale ${show(scale[a])}) ` +
        `with antialiasing needs ${taps} kernel taps per output pixel, ${taps * size[a]} weights; at most ${MAX_WEIGHTS} are ` +
        'supported: resize in steps, or pass { antialiasing: false }');
    }
  }
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

// Both passes sum each output over its taps in order, in float64 starting from the
// first product, four outputs at a time (independent sums), and round once to float32.

/** Resize dimension 1: y(io, j) = Σ_p w(io, p) x(idx(io, p), j), per plane. */
function alongRows(x: Float32Array, H: number, W: number, planes: number, c: Contributions): Float32Array {
  const { out: Ho, P, weights, indices } = c;
  const cols = W * planes;
  const y = new Float32Array(Ho * cols);
  let col = 0;
  for (; col + 4 <= cols; col += 4) {   // four columns share the weights and indices
    const p0 = H * col, p1 = p0 + H, p2 = p1 + H, p3 = p2 + H, py = Ho * col;
    for (let io = 0; io < Ho; io++) {
      const b = io * P;
      let w = weights[b], k = indices[b];
      let s0 = w * x[p0 + k], s1 = w * x[p1 + k], s2 = w * x[p2 + k], s3 = w * x[p3 + k];
      for (let p = 1; p < P; p++) {
        w = weights[b + p]; k = indices[b + p];
        s0 += w * x[p0 + k]; s1 += w * x[p1 + k]; s2 += w * x[p2 + k]; s3 += w * x[p3 + k];
      }
      y[py + io] = s0; y[py + Ho + io] = s1; y[py + 2 * Ho + io] = s2; y[py + 3 * Ho + io] = s3;
    }
  }
  for (; col < cols; col++) {
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
  for (let t = 0; t < planes; t++) {
    const px = H * W * t, py = H * Wo * t;
    for (let jo = 0; jo < Wo; jo++) {
      const b = jo * P, o = py + H * jo, q0 = px + H * indices[b], w0 = weights[b];
      let i = 0;
      for (; i + 4 <= H; i += 4) {   // four rows share the weights
        let s0 = w0 * x[q0 + i], s1 = w0 * x[q0 + i + 1], s2 = w0 * x[q0 + i + 2], s3 = w0 * x[q0 + i + 3];
        for (let p = 1; p < P; p++) {
          const w = weights[b + p], q = px + H * indices[b + p] + i;
          s0 += w * x[q]; s1 += w * x[q + 1]; s2 += w * x[q + 2]; s3 += w * x[q + 3];
        }
        y[o + i] = s0; y[o + i + 1] = s1; y[o + i + 2] = s2; y[o + i + 3] = s3;
      }
      for (; i < H; i++) {
        let s = w0 * x[q0 + i];
        for (let p = 1; p < P; p++) s += weights[b + p] * x[px + H * indices[b + p] + i];
        y[o + i] = s;
      }
    }
  }
  return y;
}
