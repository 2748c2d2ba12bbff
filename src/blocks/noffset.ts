// nnnoffset: subtract a power of each pixel's squared norm from every channel (NETWORKS §5, vl_nnnoffset).

import { Tensor, tensorArg, type Shape4 } from '../tensor.js';
import { dims, paramVector } from '../options.js';
import { kernels, onCallingThreadIfSmall, streamPixels } from '../wasm.js';
import { imageThreads, imageScratch, byImages } from './image-threads.js';

/** What both passes need, checked once (from shapes). */
export interface NoffsetPlan {
  readonly shape: Shape4;
  readonly n: number;
  readonly a: number;
  readonly b: number;
}

const WHO = 'nnnoffset';

/** Check param (a plain [a, b] of finite numbers) and, for the backward pass, dzdy's shape. */
export function planNoffset(x: Shape4, param: unknown, dzdy: Shape4 | null): NoffsetPlan {
  const [a, b] = paramVector(WHO, param, 2, '[a, b]');
  if (dzdy !== null && dzdy.some((d, i) => d !== x[i])) {
    throw new Error(`${WHO}: dzdy is ${dims(dzdy)} but must match y (the size of x), ${dims(x)}`);
  }
  return Object.freeze({ shape: x, n: x[0] * x[1] * x[2] * x[3], a, b });
}

/** Scratch floats of both resident passes. */
export function noffsetScratch(p: NoffsetPlan): number {
  const [H, W, C, N] = p.shape;
  return imageScratch(kernels().noffset_scratch(C), imageThreads(H * W, C, N));
}

/** Resident forward: y at `py` from x at `px`, scratch at `ps` (noffsetScratch floats). */
export function noffsetForward(p: NoffsetPlan, px: number, py: number, ps: number): void {
  if (p.n === 0) return;
  const [H, W, C, N] = p.shape;
  const t = imageThreads(H * W, C, N);
  if (t > 1) byImages('noffset_forward', t, [px, py], ps, kernels().noffset_scratch(C), H * W, C, N, [p.a, p.b]);
  else kernels().noffset_forward(px, py, ps, H * W, C, N, p.a, p.b);
}

/** Resident backward: dzdx at `pdzdx` from x and dzdy. */
export function noffsetBackward(p: NoffsetPlan, px: number, pdzdy: number, pdzdx: number, ps: number): void {
  if (p.n === 0) return;
  const [H, W, C, N] = p.shape;
  const t = imageThreads(H * W, C, N);
  if (t > 1) byImages('noffset_backward', t, [px, pdzdy, pdzdx], ps, kernels().noffset_scratch(C), H * W, C, N, [p.a, p.b]);
  else kernels().noffset_backward(px, pdzdy, pdzdx, ps, H * W, C, N, p.a, p.b);
}

/**
 * y = nnnoffset(x, param), param = [a, b]: with L = max(sum_k x(i, j, k, n)^2, 1e-8) at each pixel,
 *   y(i, j, k, n) = x(i, j, k, n) - a * L^b          (the same offset for every channel).
 * dzdx = nnnoffset(x, param, dzdy) = dzdy - 2ab x (sum_k dzdy) L^(b-1), as vl_nnnoffset (the clamp at
 * 1e-8 is not differentiated). The channel sums are kept in float64; y and dzdx are within
 * 10 x 2^-24 of the float64 formula relative to the size of their terms (tests/noffset.test.ts).
 * As MATLAB's max, a NaN sum gives L = 1e-8. Inputs are never modified.
 */
export function nnnoffset(x: Tensor, param: ArrayLike<number>, dzdy?: Tensor): Tensor {
  const tx = tensorArg(WHO, 'x', x);
  const tp = dzdy === undefined ? null : tensorArg(WHO, 'dzdy', dzdy);
  const p = planNoffset(tx.shape, param, tp?.shape ?? null);
  if (p.n === 0) return new Tensor(new Float32Array(0), p.shape);
  // streamed on the calling thread: through the unshared instance when it fits there
  const floats = (): number => p.n * (tp === null ? 2 : 3) + noffsetScratch(p);
  return new Tensor(onCallingThreadIfSmall(false, floats, () => stream(p, tx, tp)), p.shape);
}

/** y (or dzdx) of the whole tensor, streamed through the arena in bands or groups of images. */
function stream(p: NoffsetPlan, tx: Tensor, tp: Tensor | null): Float32Array {
  const k = kernels();
  const [H, W, C, N] = p.shape;
  const { a, b } = p;
  const ps = noffsetScratch(p);
  return tp === null
    ? streamPixels(WHO, H * W, C, N, CHUNK, [tx.data], ps, ([px, py, s], m, n) => k.noffset_forward(px, py, s, m, C, n, a, b))
    : streamPixels(WHO, H * W, C, N, CHUNK, [tx.data, tp.data], ps,
      ([px, pp, pd, s], m, n) => k.noffset_backward(px, pp, pd, s, m, C, n, a, b));
}

// Floats of inputs and output together per streamed band of pixels (or group of whole images): 1 MB;
// on 55x55x96 the kernels cost more than the copies, and 2^18 beat 2^16 by about 10% (fewer, longer
// copies per channel).
const CHUNK = 1 << 18;
