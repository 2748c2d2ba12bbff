// nnsoftmax: softmax over the channels at every pixel (SEMANTICS §4.2, vl_nnsoftmax.m).

import { Tensor, tensorArg, type Shape4 } from '../tensor.js';
import { dims } from '../options.js';
import { kernels, onCallingThreadIfSmall, reserve, fresh } from '../wasm.js';
import { byImages, imageThreads } from './image-threads.js';

/** What both passes need, checked once (from shapes). P = H*W pixels per image. */
export interface SoftmaxPlan {
  readonly shape: Shape4;
  readonly P: number;
  readonly C: number;
  readonly N: number;
  readonly n: number;
}

const WHO = 'nnsoftmax';

/** Check dzdy's shape against y's (the size of x) for the backward pass. */
export function planSoftmax(x: Shape4, dzdy: Shape4 | null): SoftmaxPlan {
  if (dzdy !== null && dzdy.some((d, i) => d !== x[i])) {
    throw new Error(`${WHO}: dzdy is ${dims(dzdy)} but must match y (the size of x), ${dims(x)}`);
  }
  const [H, W, C, N] = x;
  return Object.freeze({ shape: x, P: H * W, C, N, n: H * W * C * N });
}

/** Resident forward: y at `py` from x at `px` (byte addresses in WebAssembly memory). */
export function softmaxForward(p: SoftmaxPlan, px: number, py: number): void {
  if (p.n > 0) byImages('softmax_forward', imageThreads(p.P, p.C, p.N), [px, py], null, 0, p.P, p.C, p.N, [p.P]);
}

/** Resident backward: dzdx at `pdzdx` from x and dzdy (y is recomputed from x). */
export function softmaxBackward(p: SoftmaxPlan, px: number, pdzdy: number, pdzdx: number): void {
  if (p.n > 0) byImages('softmax_backward', imageThreads(p.P, p.C, p.N), [px, pdzdy, pdzdx], null, 0, p.P, p.C, p.N, [p.P]);
}

/**
 * y = nnsoftmax(x) — forward: at every pixel (i, j) of every image n,
 *   y(i,j,k,n) = exp(x(i,j,k,n) - m) / sum_q exp(x(i,j,q,n) - m),  m = max_q x(i,j,q,n).
 * dzdx = nnsoftmax(x, dzdy) — backward: dzdx = y .* (dzdy - sum_k dzdy .* y), the sum
 * over channels, with y recomputed from x as vl_nnsoftmax does.
 *
 * float32 values; the sums over channels are kept in float64, so y is within about 2.5 ulp
 * of the exact softmax whenever x - m is exact in float32 (and within the rounding of x - m
 * otherwise, as in MATLAB). Subtracting the maximum means large scores (±1e4) do not
 * overflow; a pixel holding NaN or +Infinity gives NaN in all its channels, as in MATLAB.
 * SIMD across 4 pixels when H*W >= 4, along the channels when H = W = 1.
 * Inputs are never modified.
 */
export function nnsoftmax(x: Tensor, dzdy?: Tensor): Tensor {
  const tx = tensorArg(WHO, 'x', x);
  if (arguments.length > 2) throw new Error(`${WHO}: takes (x) or (x, dzdy); got ${arguments.length} arguments`);
  const tp = dzdy === undefined ? null : tensorArg(WHO, 'dzdy', dzdy);
  const p = planSoftmax(tx.shape, tp?.shape ?? null);
  if (p.n === 0) return new Tensor(new Float32Array(0), p.shape);
  // streamed on the calling thread: through the unshared instance when it fits there
  const y = onCallingThreadIfSmall(false, () => p.n * (tp === null ? 2 : 3), () => {
    const k = kernels();
    return tp === null
      ? streamImages(p, 2 * CHUNK, [tx.data], (S, [px, py], m) => k.softmax_forward(px, py, p.P, p.C, m, S))
      : streamImages(p, 3 * CHUNK, [tx.data, tp.data], (S, [px, pp, pd], m) => k.softmax_backward(px, pp, pd, p.P, p.C, m, S));
  });
  return new Tensor(y, p.shape);
}

/**
 * streamPlanes for whole images, with GAP floats between the buffers: images stream through
 * the arena in groups of about `chunk` floats (inputs and output), so the copies meet cached
 * memory; a larger image goes alone. In the arena the planes are softmaxStride(P) floats
 * apart. A tensor that fits one group with unpadded planes is copied out with slice() (no
 * second allocation to fill). `run(S, ptrs, m)` gets the stride, the inputs' pointers, then
 * the output's, for m images. The gaps keep the buffers' addresses apart modulo 4096: a
 * 32x32xC group is a multiple of 4 KB, and buffers that are 4 KB apart give the kernel's
 * loads and stores the same low address bits, which the CPU takes for a dependence (4K
 * aliasing, about a fifth of the kernel's time on 32x32x21).
 */
function streamImages(p: SoftmaxPlan, chunk: number, inputs: Float32Array[],
  run: (S: number, ptrs: number[], m: number) => void): Float32Array {
  const S = softmaxStride(p.P);
  const per = S * p.C;
  const g = Math.max(1, Math.min(p.N, Math.floor(chunk / ((inputs.length + 1) * per))));
  const at = reserve(WHO, ...inputs.flatMap(() => [g * per, GAP]), g * per);
  const ptrs = at.filter((_, i) => i % 2 === 0);
  const buffer = kernels().memory.buffer;
  const views = inputs.map((_, i) => new Float32Array(buffer, ptrs[i], g * per));
  const y = new Float32Array(buffer, ptrs[inputs.length], g * per);
  if (g === p.N && S === p.P) {
    // one group: the result is a copy of the arena's output, one allocation and one copy
    inputs.forEach((src, i) => views[i].set(src));
    run(S, ptrs, g);
    return y.slice();
  }
  const out = fresh(p.n);
  for (let c = 0; c < p.N; c += g) {
    const m = Math.min(g, p.N - c);
    const q0 = c * p.C;
    inputs.forEach((src, i) => copyPlanes(src, q0, p.P, views[i], 0, S, m * p.C));
    run(S, ptrs, m);
    copyPlanes(y, 0, S, out, q0, p.P, m * p.C);
  }
  return out;
}

/**
 * The plane stride in the arena: P, or P + 16 where P is a multiple of 256. A pixel's
 * channels are a plane apart, and at a multiple of 1 KB most of them share an L1 set (all
 * of them at 4 KB: 32x32 maps); 16 floats more put each plane one line further on in the
 * set index. NOTE: the kernel alone on 21 channels of one image took 2.04 ns an element at
 * P = 1024 and 1.67-1.71 at 1000, 1008 and 1040 (docs/performance.md, 2026-12-07).
 */
export function softmaxStride(P: number): number {
  return P >= 256 && P % 256 === 0 ? P + 16 : P;
}

/** Copy n planes of P floats, src's from plane q0 (stride ss) to dst's from plane r0 (stride ds). */
function copyPlanes(src: Float32Array, q0: number, ss: number, dst: Float32Array, r0: number, ds: number, n: number): void {
  const P = Math.min(ss, ds);
  if (ss === ds) {
    dst.set(src.subarray(q0 * ss, (q0 + n) * ss), r0 * ds);
    return;
  }
  for (let q = 0; q < n; q++) dst.set(src.subarray((q0 + q) * ss, (q0 + q) * ss + P), (r0 + q) * ds);
}

const GAP = 64;
// 1000 classes x 64 images (in and out) go in one group; 512 KB of arena at most.
const CHUNK = 1 << 16;
