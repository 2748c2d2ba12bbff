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
  if (p.n > 0) byImages('softmax_forward', imageThreads(p.P, p.C, p.N), [px, py], null, 0, p.P, p.C, p.N, []);
}

/** Resident backward: dzdx at `pdzdx` from x and dzdy (y is recomputed from x). */
export function softmaxBackward(p: SoftmaxPlan, px: number, pdzdy: number, pdzdx: number): void {
  if (p.n > 0) byImages('softmax_backward', imageThreads(p.P, p.C, p.N), [px, pdzdy, pdzdx], null, 0, p.P, p.C, p.N, []);
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
      ? streamImages(p, 2 * CHUNK, [tx.data], ([px, py], m) => k.softmax_forward(px, py, p.P, p.C, m))
      : streamImages(p, 3 * CHUNK, [tx.data, tp.data], ([px, pp, pd], m) => k.softmax_backward(px, pp, pd, p.P, p.C, m));
  });
  return new Tensor(y, p.shape);
}

/**
 * streamPlanes for whole images, with GAP floats between the buffers: images stream through
 * the arena in groups of about `chunk` floats (inputs and output), so the copies meet cached
 * memory; a larger image goes alone. A tensor that fits one group is copied out with
 * slice() (no second allocation to fill). `run(ptrs, m)` gets the inputs' pointers, then the
 * output's, for m images. The gaps keep the buffers' addresses apart modulo 4096: a 32x32xC
 * group is a multiple of 4 KB, and buffers that are 4 KB apart give the kernel's loads and
 * stores the same low address bits, which the CPU takes for a dependence (4K aliasing,
 * about a fifth of the kernel's time on 32x32x21).
 */
function streamImages(p: SoftmaxPlan, chunk: number, inputs: Float32Array[],
  run: (ptrs: number[], m: number) => void): Float32Array {
  const per = p.P * p.C;
  const g = Math.max(1, Math.min(p.N, Math.floor(chunk / ((inputs.length + 1) * per))));
  const at = reserve(WHO, ...inputs.flatMap(() => [g * per, GAP]), g * per);
  const ptrs = at.filter((_, i) => i % 2 === 0);
  const buffer = kernels().memory.buffer;
  const views = inputs.map((_, i) => new Float32Array(buffer, ptrs[i], g * per));
  const y = new Float32Array(buffer, ptrs[inputs.length], g * per);
  if (g === p.N) {
    // one group: the result is a copy of the arena's output, one allocation and one copy
    inputs.forEach((src, i) => views[i].set(src));
    run(ptrs, g);
    return y.slice();
  }
  const out = fresh(p.N * per);
  for (let c = 0; c < p.N; c += g) {
    const m = Math.min(g, p.N - c);
    inputs.forEach((src, i) => views[i].set(src.subarray(c * per, (c + m) * per)));
    run(ptrs, m);
    out.set(m === g ? y : y.subarray(0, m * per), c * per);
  }
  return out;
}

const GAP = 64;
// 1000 classes x 64 images (in and out) go in one group; 512 KB of arena at most.
const CHUNK = 1 << 16;
