// nnspnorm: spatial normalisation by the mean of squares over a window (NETWORKS §5, vl_nnspnorm;
// the code's mean, not the help text's sum). The window means are nnpool's avg kernels.

import { Tensor, tensorArg, type Shape4 } from '../tensor.js';
import { dims, paramVector, show, MAX_OPTION } from '../options.js';
import { kernels, onCallingThreadIfSmall, streamPlanes, type PoolDims } from '../wasm.js';
import { runJob, split, threadsFor, type Call } from '../threads.js';
import { planPool, type PoolPlan } from './pool.js';

/** What both passes need, checked once (from shapes). */
export interface SpnormPlan {
  readonly shape: Shape4;
  readonly n: number;
  /** The window [PH, PW] of param, and alpha, beta. */
  readonly window: readonly [number, number];
  readonly alpha: number;
  readonly beta: number;
  /**
   * The avg pooling of x^2 (stride 1): pool [ph, pw] and pad [pt, pb, pl, pr] with pt = floor((PH-1)/2),
   * pb = PH-1-pt, pl = floor((PW-1)/2), pr = PW-1-pl, each pad clipped to the image (H-1 rows, W-1
   * columns: the clipped window is the same) so the pool's lines stay as small as the image.
   * Null for an empty x.
   */
  readonly pool: PoolPlan | null;
}

const WHO = 'nnspnorm';

/** Check param (a plain [PH, PW, alpha, beta], PH and PW integers >= 1) and, for the backward pass, dzdy's shape. */
export function planSpnorm(x: Shape4, param: unknown, dzdy: Shape4 | null): SpnormPlan {
  const [PH, PW, alpha, beta] = paramVector(WHO, param, 4, '[PH, PW, alpha, beta]');
  for (const [i, v, name] of [[0, PH, 'PH'], [1, PW, 'PW']] as const) {
    if (!Number.isInteger(v) || v < 1 || v > MAX_OPTION) {
      throw new Error(`${WHO}: param[${i}], the window ${name}, must be an integer from 1 to ${MAX_OPTION}, got ${v} ` +
        `(param ${show(Array.from(param as ArrayLike<number>))})`);
    }
  }
  if (dzdy !== null && dzdy.some((d, i) => d !== x[i])) {
    throw new Error(`${WHO}: dzdy is ${dims(dzdy)} but must match y (the size of x), ${dims(x)}`);
  }
  const [H, W] = x;
  const n = x[0] * x[1] * x[2] * x[3];
  let pool: PoolPlan | null = null;
  if (n > 0) {
    const pt = Math.min(Math.floor((PH - 1) / 2), H - 1);
    const pb = Math.min(PH - 1 - Math.floor((PH - 1) / 2), H - 1);
    const pl = Math.min(Math.floor((PW - 1) / 2), W - 1);
    const pr = Math.min(PW - 1 - Math.floor((PW - 1) / 2), W - 1);
    pool = planPool(x, [pt + pb + 1, pl + pr + 1], null, { method: 'avg', pad: [pt, pb, pl, pr] });
  }
  return Object.freeze({ shape: x, n, window: [PH, PW] as const, alpha, beta, pool });
}

const align4 = (n: number): number => Math.ceil(n / 4) * 4;

function poolScratchOf(q: PoolPlan): number {
  const d = q.dims;
  return kernels().pool_scratch(q.H, q.W, q.Ho, q.Wo, q.pool[1], q.stride[1], d[12]);
}

// Threads: the resident passes split the C*N planes (each plane's window means are its own, and
// the other steps are element-wise), so the results are the same bits as on one thread. Each
// thread has its own pool lines; the a and b buffers are sliced by plane like the tensors.

/** Values a thread must get before splitting pays (a power, a pool and two passes per value). */
const MIN = 1 << 16;

/** Threads for the resident passes of p. */
export function spnormThreads(p: SpnormPlan): number {
  return Math.min(p.shape[2] * p.shape[3], threadsFor(p.n, MIN));
}

/** Scratch floats of both resident passes (the backward's, the larger): two tensors of N2-sized lines and each thread's pool lines. */
export function spnormScratch(p: SpnormPlan): number {
  return p.pool === null ? 0 : 2 * align4(p.n) + spnormThreads(p) * align4(poolScratchOf(p.pool));
}

/** The pool kernels' argument list for m planes. */
function dimsFor(q: PoolPlan, m: number): PoolDims {
  const d = q.dims.slice() as PoolDims;
  d[2] = m;
  return d;
}

/** The forward's calls on m planes: y = (1 + alpha avgpool(x^2))^-beta x; a = n2 (n floats), s = the pool's scratch. */
function forwardCalls(p: SpnormPlan, q: PoolPlan, m: number, px: number, py: number, a: number, s: number): Call[] {
  const n = m * q.H * q.W;
  return [
    ['spnorm_square_forward', px, py, n],
    ['pool_avg_forward', py, a, s, 0, q.W, ...dimsFor(q, m)],
    ['spnorm_forward', px, a, py, n, p.alpha, p.beta],
  ];
}

/** The backward's calls on m planes; a and b hold n floats each, s the pool's scratch. */
function backwardCalls(p: SpnormPlan, q: PoolPlan, m: number, px: number, pp: number, pd: number, a: number, b: number, s: number): Call[] {
  const n = m * q.H * q.W;
  const d = dimsFor(q, m);
  return [
    ['spnorm_square_forward', px, pd, n],                      // x^2 in dzdx's place
    ['pool_avg_forward', pd, a, s, 0, q.W, ...d],              // a = N2
    ['spnorm_backward', px, a, pp, b, pd, n, p.alpha, p.beta], // dzdx = f^-beta dzdy, b = f^(-beta-1) dzdy x
    ['pool_avg_backward', b, a, s, ...d],                      // a = t (b overwritten)
    ['spnorm_combine_backward', px, a, pd, pd, n, 2 * p.alpha * p.beta],
  ];
}

/**
 * calls(m, o, s) for each thread's share of the C*N planes: m planes starting o bytes into every
 * tensor and buffer, s its pool lines (after the two buffers at ps).
 */
function byPlanes(p: SpnormPlan, q: PoolPlan, ps: number, calls: (m: number, o: number, s: number) => Call[]): void {
  const t = spnormThreads(p);
  const lines = ps + 8 * align4(p.n), one = 4 * align4(poolScratchOf(q));
  split(kernels(), t, q.C * q.N, (m0, m, i) => calls(m, 4 * m0 * q.H * q.W, lines + i * one));
}

/** Resident forward: y at `py` from x at `px`, scratch at `ps` (spnormScratch floats). */
export function spnormForward(p: SpnormPlan, px: number, py: number, ps: number): void {
  const q = p.pool;
  if (q === null) return;
  byPlanes(p, q, ps, (m, o, s) => forwardCalls(p, q, m, px + o, py + o, ps + o, s));
}

/** Resident backward: dzdx at `pdzdx` from x and dzdy. */
export function spnormBackward(p: SpnormPlan, px: number, pdzdy: number, pdzdx: number, ps: number): void {
  const q = p.pool;
  if (q === null) return;
  const b = ps + 4 * align4(p.n);
  byPlanes(p, q, ps, (m, o, s) => backwardCalls(p, q, m, px + o, pdzdy + o, pdzdx + o, ps + o, b + o, s));
}

/**
 * y = nnspnorm(x, param), param = [PH, PW, alpha, beta]: each channel divided by a power of its
 * local energy, N2 = the mean of x^2 over the PH x PW window around each pixel (rows
 * [i - floor((PH-1)/2), i + ceil((PH-1)/2)], likewise columns; only in-image pixels, so border
 * windows average fewer), f = 1 + alpha N2, y = f^-beta x.
 * dzdx = nnspnorm(x, param, dzdy) = f^-beta dzdy - 2 alpha beta x avgpool'(f^(-beta-1) dzdy x), the
 * adjoint of the window mean spreading each value over its window (vl_nnspnorm). y and dzdx are
 * within 10 x 2^-24 of the float64 formula (relative to |y|, and to the size of dzdx's terms;
 * tests/spnorm.test.ts). Inputs are never modified.
 */
export function nnspnorm(x: Tensor, param: ArrayLike<number>, dzdy?: Tensor): Tensor {
  const tx = tensorArg(WHO, 'x', x);
  const tp = dzdy === undefined ? null : tensorArg(WHO, 'dzdy', dzdy);
  const p = planSpnorm(tx.shape, param, tp?.shape ?? null);
  const q = p.pool;
  if (q === null) return new Tensor(new Float32Array(0), p.shape);
  // streamed on the calling thread: through the unshared instance when it fits there
  // x, y and a temporary forward; x, dzdy, dzdx and two temporaries backward; the pool's lines
  const floats = (): number => p.n * (tp === null ? 3 : 5) + poolScratchOf(q);
  return new Tensor(onCallingThreadIfSmall(false, floats, () => stream(p, q, tx, tp)), p.shape);
}

/** y (or dzdx) of the whole tensor, streamed through the arena in groups of planes. */
function stream(p: SpnormPlan, q: PoolPlan, tx: Tensor, tp: Tensor | null): Float32Array {
  const plane = q.H * q.W;
  const planes = q.C * q.N;
  const bufs = tp === null ? 2 : 3;
  // Groups of whole planes through the arena; the scratch holds one (forward) or two (backward) more
  // buffers of the group's size, then the pool's lines.
  const per = Math.max(1, Math.min(planes, Math.floor(CHUNK / (bufs * plane))));
  const t = align4(per * plane);
  const pool = poolScratchOf(q);
  if (tp === null) {
    return streamPlanes(WHO, planes, per * bufs * plane, [[tx.data, plane]], plane, t + pool,
      ([px, py, s], m) => runJob(kernels(), forwardCalls(p, q, m, px, py, s, s + 4 * t)));
  }
  return streamPlanes(WHO, planes, per * bufs * plane, [[tx.data, plane], [tp.data, plane]], plane, 2 * t + pool,
    ([px, pp, pd, s], m) => runJob(kernels(), backwardCalls(p, q, m, px, pp, pd, s, s + 4 * t, s + 8 * t)));
}

// Floats of inputs and output together per group of planes streamed through the arena.
const CHUNK = 1 << 17;
