// MATLAB's conv2 (2-D and separable forms) and the practical's imsmooth
// (pcnn:imsmooth.m), on every [H, W] plane of a Tensor.

import { Tensor, tensorArg, isTensor } from '../tensor.js';
import { finite, show, tagOf, dims } from '../options.js';

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
  const h = gaussianTaps(s);
  return separable(x, { data: h, m: h.length, n: 1 }, { data: h, m: h.length, n: 1 }, 'same');
}

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

interface Taps { data: ArrayLike<number>; m: number; n: number }

/** conv2(u, v, a, shape): columns with u, rounded to float32, then rows with v. */
function separable(a: Tensor, u: Taps, v: Taps, sh: Conv2Shape): Tensor {
  const [H, W, C, N] = a.shape;
  const mu = u.m * u.n, nv = v.m * v.n;
  const [Ho, r0] = outLength(H, mu, sh), [Wo, c0] = outLength(W, nv, sh);
  const mid = new Float32Array(Ho * W);
  const out = new Float32Array(Ho * Wo * C * N);
  const acc = new Float64Array(Ho);
  for (let t = 0; t < C * N; t++) {
    const pa = t * H * W, po = t * Ho * Wo;
    // mid(io, j) = Σ_p u(p) a(io + r0 − p, j)
    for (let j = 0; j < W; j++) {
      acc.fill(0);
      addColumn(acc, a.data, pa + H * j, H, u.data, 0, mu, r0);
      for (let io = 0; io < Ho; io++) mid[Ho * j + io] = acc[io];
    }
    // out(io, jo) = Σ_q v(q) mid(io, jo + c0 − q)
    for (let jo = 0; jo < Wo; jo++) {
      acc.fill(0);
      for (let q = 0; q < nv; q++) {
        const j = jo + c0 - q;
        if (j < 0 || j >= W) continue;
        const w = v.data[q], pm = Ho * j;
        for (let io = 0; io < Ho; io++) acc[io] += w * mid[pm + io];
      }
      for (let io = 0; io < Ho; io++) out[po + Ho * jo + io] = acc[io];
    }
  }
  return new Tensor(out, [Ho, Wo, C, N]);
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

function shapeArg(who: string, v: unknown): Conv2Shape {
  if (v === undefined) return 'full';
  if (v === 'full' || v === 'same' || v === 'valid') return v;
  throw new Error(`${who}: shape must be 'full', 'same' or 'valid', got ${show(v)}`);
}

/** A 2-D kernel: a Tensor [m, n] or an array (a row vector [1, n]); not empty. */
function kernelArg(who: string, name: string, v: unknown): Taps {
  if (isTensor(v)) {
    const t = tensorArg(who, name, v);
    if (t.shape[2] !== 1 || t.shape[3] !== 1) throw new Error(`${who}: ${name} must be a 2-D kernel [m, n], got ${dims(t.shape)}`);
    if (t.data.length === 0) throw new Error(`${who}: ${name} must not be empty, got ${dims(t.shape)}`);
    return { data: t.data, m: t.shape[0], n: t.shape[1] };
  }
  const d = numbersArg(who, name, v);
  return { data: d, m: 1, n: d.length };
}

/** A vector (u or v of the separable form): an array, or a Tensor with one non-singleton dimension. */
function vectorArg(who: string, name: string, v: unknown): Taps {
  if (isTensor(v)) {
    const t = tensorArg(who, name, v);
    if (t.shape.filter((d) => d !== 1).length > 1) throw new Error(`${who}: ${name} must be a vector, got ${dims(t.shape)}`);
    if (t.data.length === 0) throw new Error(`${who}: ${name} must not be empty, got ${dims(t.shape)}`);
    return { data: t.data, m: t.data.length, n: 1 };
  }
  const d = numbersArg(who, name, v);
  return { data: d, m: d.length, n: 1 };
}

function numbersArg(who: string, name: string, v: unknown): Float64Array {
  const ok = Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
  if (!ok) throw new Error(`${who}: ${name} must be a Tensor or an array of numbers, got ${tagOf(v)}`);
  const a = v as ArrayLike<unknown>;
  if (a.length === 0) throw new Error(`${who}: ${name} must not be empty, got []`);
  const d = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) {
    if (typeof a[i] !== 'number') throw new Error(`${who}: ${name}[${i}] must be a number, got ${tagOf(a[i])}`);
    d[i] = a[i] as number;
  }
  return d;
}
