// nnnormalize: local response normalisation across channels (SEMANTICS §4.1; NETWORKS §4.1 part
// 1.4 and "nnblocks decisions": pow computed exactly, and 0 where kappa = 0 meets a zero window).

import { Tensor, tensorArg, type Shape4 } from '../tensor.js';
import { dims, paramVector, show } from '../options.js';
import { kernels, onCallingThreadIfSmall, streamPixels } from '../wasm.js';
import { imageThreads, imageScratch, byImages } from './image-threads.js';

/** What both passes need, checked once (from shapes: simplenn plans before the data exists). */
export interface NormalizePlan {
  readonly shape: Shape4;
  /** Elements of x (and y). */
  readonly n: number;
  /** The window size N of param and its reach m1 = floor((N-1)/2) below, m2 = N-1-m1 above a channel. */
  readonly depth: number;
  readonly kappa: number;
  readonly alpha: number;
  readonly beta: number;
  /** m1 and m2 clipped to C - 1 (a wider reach only adds channels outside [0, C)): the kernels' window. */
  readonly m1: number;
  readonly m2: number;
}

const WHO = 'nnnormalize';

/** Check param (a plain [N, kappa, alpha, beta], N an integer >= 1) and, for the backward pass, dzdy's shape. */
export function planNormalize(x: Shape4, param: unknown, dzdy: Shape4 | null): NormalizePlan {
  const [depth, kappa, alpha, beta] = paramVector(WHO, param, 4, '[N, kappa, alpha, beta]');
  if (!Number.isInteger(depth) || depth < 1) {
    throw new Error(`${WHO}: param[0], the window size N, must be an integer >= 1, got ${depth} (param ${show(Array.from(param as ArrayLike<number>))})`);
  }
  if (dzdy !== null && dzdy.some((d, i) => d !== x[i])) {
    throw new Error(`${WHO}: dzdy is ${dims(dzdy)} but must match y (the size of x), ${dims(x)}`);
  }
  const C = x[2];
  const m1 = Math.floor((depth - 1) / 2);
  const m2 = depth - 1 - m1;
  const top = Math.max(0, C - 1);
  return Object.freeze({
    shape: x, n: x[0] * x[1] * x[2] * x[3], depth, kappa, alpha, beta,
    m1: Math.min(m1, top), m2: Math.min(m2, top),
  });
}

/** Scratch floats of both resident passes. */
export function normalizeScratch(p: NormalizePlan): number {
  if (p.n === 0) return 0;
  const [H, W, C, N] = p.shape;
  return imageScratch(kernels().normalize_scratch(C, p.m1, p.m2), imageThreads(H * W, C, N));
}

/** Resident forward: y at `py` from x at `px`, scratch at `ps` (normalizeScratch floats). */
export function normalizeForward(p: NormalizePlan, px: number, py: number, ps: number): void {
  if (p.n === 0) return;
  const [H, W, C, N] = p.shape;
  const t = imageThreads(H * W, C, N);
  if (t > 1) {
    byImages('normalize_forward', t, [px, py], ps, kernels().normalize_scratch(C, p.m1, p.m2), H * W, C, N,
      [p.m1, p.m2, p.kappa, p.alpha, p.beta]);
  } else kernels().normalize_forward(px, py, ps, H * W, C, N, p.m1, p.m2, p.kappa, p.alpha, p.beta);
}

/** Resident backward: dzdx at `pdzdx` from x and dzdy. */
export function normalizeBackward(p: NormalizePlan, px: number, pdzdy: number, pdzdx: number, ps: number): void {
  if (p.n === 0) return;
  const [H, W, C, N] = p.shape;
  const t = imageThreads(H * W, C, N);
  if (t > 1) {
    byImages('normalize_backward', t, [px, pdzdy, pdzdx], ps, kernels().normalize_scratch(C, p.m1, p.m2), H * W, C, N,
      [p.m1, p.m2, p.kappa, p.alpha, p.beta]);
  } else kernels().normalize_backward(px, pdzdy, pdzdx, ps, H * W, C, N, p.m1, p.m2, p.kappa, p.alpha, p.beta);
}

/**
 * y = nnnormalize(x, param): LRN across the channels of each pixel, param = [N, kappa, alpha, beta]:
 *   y(i, j, k, n) = x(i, j, k, n) * L^-beta,  L = kappa + alpha * sum_{q in Q(k)} x(i, j, q, n)^2,
 *   Q(k) = [max(0, k - floor((N-1)/2)), min(C-1, k + ceil((N-1)/2))]   (alpha is not divided by N).
 * dzdx = nnnormalize(x, param, dzdy): the derivative of sum(dzdy .* y) with respect to x (SEMANTICS §4.1).
 *
 * pow is computed exactly (MatConvNet's GPU path; its CPU path approximates it within 0.33%),
 * with square roots and divisions for beta = 0.5, 0.75, 1, 1.5, 2 and vpow otherwise: y is within
 * 8 x 2^-24 of the float64 formula relative to |y|, dzdx within 10 x 2^-24 relative to the size
 * of its terms (tests/normalize.test.ts; the window sums are as accurate as direct sums). Where L = 0 (kappa = 0 and every channel of the window
 * 0, as on black pixels in part 1.4 of the practical) y is 0 and the derivative is finite: L^-beta
 * is taken as 0 there, as MatConvNet's CPU path gives (exact maths gives 0 * Inf = NaN).
 * NaN and Infinity propagate. Inputs are never modified.
 */
export function nnnormalize(x: Tensor, param: ArrayLike<number>, dzdy?: Tensor): Tensor {
  const tx = tensorArg(WHO, 'x', x);
  const tp = dzdy === undefined ? null : tensorArg(WHO, 'dzdy', dzdy);
  const p = planNormalize(tx.shape, param, tp?.shape ?? null);
  if (p.n === 0) return new Tensor(new Float32Array(0), p.shape);
  // streamed on the calling thread: through the unshared instance when it fits there
  const floats = (): number => p.n * (tp === null ? 2 : 3) + normalizeScratch(p);
  return new Tensor(onCallingThreadIfSmall(false, floats, () => stream(p, tx, tp)), p.shape);
}

/** y (or dzdx) of the whole tensor, streamed through the arena in bands or groups of images. */
function stream(p: NormalizePlan, tx: Tensor, tp: Tensor | null): Float32Array {
  const k = kernels();
  const [H, W, C, N] = p.shape;
  const { m1, m2, kappa, alpha, beta } = p;
  const ps = normalizeScratch(p);
  return tp === null
    ? streamPixels(WHO, H * W, C, N, CHUNK, [tx.data], ps,
      ([px, py, s], m, n) => k.normalize_forward(px, py, s, m, C, n, m1, m2, kappa, alpha, beta))
    : streamPixels(WHO, H * W, C, N, CHUNK, [tx.data, tp.data], ps,
      ([px, pp, pd, s], m, n) => k.normalize_backward(px, pp, pd, s, m, C, n, m1, m2, kappa, alpha, beta));
}

// Floats of inputs and output together per streamed band of pixels (or group of whole images): 1 MB;
// on 55x55x96 the kernels cost more than the copies, and 2^18 beat 2^16 by about 10% (fewer, longer
// copies per channel).
const CHUNK = 1 << 18;
