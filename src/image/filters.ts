// MATLAB's conv2 (2-D and separable forms) and the practical's imsmooth
// (pcnn:imsmooth.m), on every [H, W] plane of a Tensor.

import { Tensor, tensorArg, isTensor } from '../tensor.js';
import { finite, show, tagOf } from '../options.js';
import { shapeArg, kernelArg, vectorArg, type Taps } from './kernel-args.js';

/** conv2's shape argument: 'full' (MATLAB's default), 'same' or 'valid'. */
export type Conv2Shape = 'full' | 'same' | 'valid';

/**
 * A kernel: a 2-D Tensor [m, n] (C = N = 1), or an array of numbers, which is a
 * row vector [1, n] as MATLAB's literal `[1 -2 1]` is. Array values are used in
 * float64, as MATLAB keeps `h = exp(...)` in double.
 */
export type Kernel = Tensor | ArrayLike<number>;

/**
 * MATLAB's `C = conv2(A, B, shape)`, on every plane of `a` ([H, W, C, N]: each of
 * the C·N planes is convolved with the same 2-D kernel `b`).
 *
 * True convolution (the kernel is flipped, unlike nnconv's correlation), with
 * zero padding. With 0-based indices, `full(i, j) = Σ_p Σ_q b(p, q) · a(i − p, j − q)`,
 * size (H + m − 1) × (W + n − 1); `'same'` is its central part of a's size, rows
 * `floor(m/2) ..` and columns `floor(n/2) ..` (MATLAB's rule, so `conv2([1 2 3], [1 1],
 * 'same')` is `[3 5 3]`); `'valid'` keeps the max(H − m + 1, 0) × max(W − n + 1, 0)
 * outputs that need no padding.
 *
 * Separable form, MATLAB's `C = conv2(u, v, A, shape)`: each column of A is
 * convolved with the vector u, then each row of the result with the vector v
 * (equal to `conv2(A, u(:) * v(:).', shape)` up to rounding).
 *
 * Rounding: sums are accumulated in float64 and rounded once to float32 per
 * pass (the separable form rounds its intermediate, which is single in MATLAB
 * too). MATLAB's own single-precision conv2 may differ in the last bit.
 * Inputs are not modified.
 */
export function conv2(a: Tensor, b: Kernel, shape?: Conv2Shape): Tensor;
export function conv2(u: Kernel, v: Kernel, a: Tensor, shape?: Conv2Shape): Tensor;
export function conv2(p0: unknown, p1: unknown, p2?: unknown, p3?: unknown): Tensor {
  const who = 'conv2';
  if (isTensor(p2)) {
    if (arguments.length > 4) throw new Error(`${who}: expected conv2(u, v, a, shape?), got ${arguments.length} arguments`);
    const u = vectorArg(who, 'u', p0), v = vectorArg(who, 'v', p1);
    return separable(tensorArg(who, 'a', p2), u, v, shapeArg(who, p3));
  }
  if (arguments.length > 3) throw new Error(`${who}: a (the third argument of the separable form) must be a Tensor, got ${tagOf(p2)}`);
  const a = tensorArg(who, 'a', p0);
  const k = kernelArg(who, 'b', p1);
  const [H, W, C, N] = a.shape;
  const sh = shapeArg(who, p2);
  const [Ho, r0] = outLength(H, k.m, sh), [Wo, c0] = outLength(W, k.n, sh);
  const out = new Float32Array(Ho * Wo * C * N);
  const acc = new Float64Array(Ho);
  for (let t = 0; t < C * N; t++) {
    const pa = t * H * W, po = t * Ho * Wo;
    // out(io, jo) = Σ_q Σ_p b(p, q) a(io + r0 − p, jo + c0 − q)
    for (let jo = 0; jo < Wo; jo++) {
      acc.fill(0);
      for (let q = 0; q < k.n; q++) {
        const j = jo + c0 - q;
        if (j >= 0 && j < W) addColumn(acc, a.data, pa + H * j, H, k.data, q * k.m, k.m, r0);
      }
      for (let io = 0; io < Ho; io++) out[po + Ho * jo + io] = acc[io];
    }
  }
  return new Tensor(out, [Ho, Wo, C, N]);
}

/**
 * The practical's `ims = imsmooth(im, sigma)` (pcnn:imsmooth.m, not VLFeat's
 * vl_imsmooth):
 * ```
 * w = ceil(sigma*3.5) ;
 * h = exp(-0.5*((-w:w)/sigma).^2) ; h = h / sum(h) ;
 * ims = conv2(h,h,im,'same') ;
 * ```
 * a normalised Gaussian of 2w + 1 taps (23 for sigma = 3, 19 for 2.5), float64,
 * applied down the columns then along the rows with zero padding, to every
 * plane of `im`. `sigma` must be a finite number > 0.
 */
export function imsmooth(im: Tensor, sigma: number): Tensor {
  const who = 'imsmooth';
  const x = tensorArg(who, 'im', im);
  const s = finite(who, 'sigma', sigma);
  if (!(s > 0)) throw new Error(`${who}: sigma must be > 0, got ${show(sigma)}`);
  // Every tap enters the normalising sum, so a huge sigma would compute billions of them.
  const taps = 2 * Math.ceil(s * 3.5) + 1;
  if (taps > MAX_TAPS) {
    throw new Error(`${who}: sigma ${show(sigma)} needs ${taps} Gaussian taps (2 ceil(3.5 sigma) + 1); at most ${MAX_TAPS} are supported`);
  }
  const h = gaussianTaps(s);
  return separable(x, { data: h, m: h.length, n: 1 }, { data: h, m: h.length, n: 1 }, 'same');
}

/** Taps of one imsmooth kernel (sigma up to about 2.4 million), as a bound on its work. */
const MAX_TAPS = 2 ** 24 + 1;

/** imsmooth's taps: exp(−0.5 (t/σ)²) for t = −w..w, w = ceil(3.5σ), divided by their sum. */
export function gaussianTaps(sigma: number): Float64Array {
  const w = Math.ceil(sigma * 3.5);
  const h = new Float64Array(2 * w + 1);
  let sum = 0;
  for (let t = -w; t <= w; t++) {
    const z = t / sigma;
    h[t + w] = Math.exp(-0.5 * (z * z));
    sum += h[t + w];
  }
  for (let t = 0; t < h.length; t++) h[t] /= sum;
  return h;
}

/** conv2(u, v, a, shape): columns with u, rounded to float32, then rows with v. */
function separable(a: Tensor, u: Taps, v: Taps, sh: Conv2Shape): Tensor {
  const [H, W, C, N] = a.shape;
  const ku = Float64Array.from(u.data), kv = Float64Array.from(v.data);
  const [Ho, r0] = outLength(H, ku.length, sh), [Wo, c0] = outLength(W, kv.length, sh);
  const mid = new Float32Array(Ho * W);
  const out = new Float32Array(Ho * Wo * C * N);
  for (let t = 0; t < C * N; t++) {
    columnsPass(a.data, t * H * W, H, W, ku, r0, Ho, mid);
    rowsPass(mid, Ho, W, kv, c0, Wo, out, t * Ho * Wo);
  }
  return new Tensor(out, [Ho, Wo, C, N]);
}

// Both passes sum each output over the taps in ascending order, in float64 from 0,
// four neighbouring outputs at a time (independent sums: the loop is not latency-bound).

/** mid(io, j) = Σ_p k(p) x(io + r0 − p, j), zero outside 0..H−1. */
function columnsPass(x: Float32Array, xb: number, H: number, W: number, k: Float64Array, r0: number,
  Ho: number, mid: Float32Array): void {
  const m = k.length;
  const oA = Math.min(Ho, Math.max(0, m - 1 - r0)), oB = Math.max(oA, Math.min(Ho, H - r0));   // all taps inside
  for (let j = 0; j < W; j++) {
    const line = xb + H * j, ml = Ho * j;
    const edge = (o: number) => {
      const lo = Math.max(0, o + r0 - H + 1), hi = Math.min(m - 1, o + r0), at = line + o + r0;
      let s = 0;
      for (let p = lo; p <= hi; p++) s += k[p] * x[at - p];
      mid[ml + o] = s;
    };
    let o = 0;
    for (; o < oA; o++) edge(o);
    for (; o + 4 <= oB; o += 4) {
      const at = line + o + r0;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let p = 0; p < m; p++) {
        const w = k[p], b = at - p;
        s0 += w * x[b]; s1 += w * x[b + 1]; s2 += w * x[b + 2]; s3 += w * x[b + 3];
      }
      mid[ml + o] = s0; mid[ml + o + 1] = s1; mid[ml + o + 2] = s2; mid[ml + o + 3] = s3;
    }
    for (; o < Ho; o++) edge(o);
  }
}

/** out(io, jo) = Σ_q k(q) mid(io, jo + c0 − q), zero outside 0..W−1. */
function rowsPass(mid: Float32Array, Ho: number, W: number, k: Float64Array, c0: number, Wo: number,
  out: Float32Array, ob: number): void {
  const n = k.length;
  for (let jo = 0; jo < Wo; jo++) {
    const lo = Math.max(0, jo + c0 - W + 1), hi = Math.min(n - 1, jo + c0);
    const at = Ho * (jo + c0), ol = ob + Ho * jo;
    let io = 0;
    for (; io + 4 <= Ho; io += 4) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let q = lo; q <= hi; q++) {
        const w = k[q], b = at - Ho * q + io;
        s0 += w * mid[b]; s1 += w * mid[b + 1]; s2 += w * mid[b + 2]; s3 += w * mid[b + 3];
      }
      out[ol + io] = s0; out[ol + io + 1] = s1; out[ol + io + 2] = s2; out[ol + io + 3] = s3;
    }
    for (; io < Ho; io++) {
      let s = 0;
      for (let q = lo; q <= hi; q++) s += k[q] * mid[at - Ho * q + io];
      out[ol + io] = s;
    }
  }
}

/**
 * acc(io) += Σ_p k(k0 + p) · x(base + io + r0 − p) over the p and io where the
 * row io + r0 − p lies in 0..H−1 (zero padding elsewhere).
 */
function addColumn(acc: Float64Array, x: Float32Array, base: number, H: number,
  k: ArrayLike<number>, k0: number, m: number, r0: number): void {
  const Ho = acc.length;
  for (let p = 0; p < m; p++) {
    const w = k[k0 + p], off = base + r0 - p;
    const lo = Math.max(0, p - r0), hi = Math.min(Ho, H + p - r0);
    for (let io = lo; io < hi; io++) acc[io] += w * x[off + io];
  }
}

/** Output length and the offset of output 0 in the full convolution. */
function outLength(L: number, m: number, sh: Conv2Shape): [number, number] {
  if (sh === 'full') return [L + m - 1, 0];
  if (sh === 'same') return [L, Math.floor(m / 2)];
  return [Math.max(L - m + 1, 0), m - 1];
}
