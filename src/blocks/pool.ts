// nnpool: max and average pooling with MatConvNet's padding (SEMANTICS §2).

import { Tensor, tensorArg, isTensor, type Shape4 } from '../tensor.js';
import { checkOptions, intTuple, dims, show, splitArity, checkOutputSize } from '../options.js';
import { kernels, onCallingThreadIfSmall, streamPlanes, streamBands, type PoolDims } from '../wasm.js';
import { split, threadsFor, type Job } from '../threads.js';

export interface PoolOptions {
  /** 'max' (default) or 'avg', in any letter case. */
  method?: 'max' | 'avg';
  /** p (all sides) or [top, bottom, left, right] (default 0). Padding crops the window: max
   * ignores it and avg divides by the in-bounds count. Each pad must be smaller than the pool
   * on its own axis. */
  pad?: number | number[];
  /** s or [sy, sx] (default 1, as in MatConvNet: the stride does not follow the pool). */
  stride?: number | number[];
}

/** Everything both passes need, checked once (from shapes). `dims` is the kernels' POOL argument list. */
export interface PoolPlan {
  readonly method: 'max' | 'avg';
  readonly H: number; readonly W: number; readonly C: number; readonly N: number;
  readonly Ho: number; readonly Wo: number;
  readonly pool: readonly number[]; readonly pad: readonly number[]; readonly stride: readonly number[];
  readonly dims: PoolDims;
}

const WHO = 'nnpool';

/** Check every argument (SEMANTICS §2.2; a negative pad is rejected with the other malformed options) and derive the output size. */
export function planPool(x: Shape4, pool: unknown, dzdy: Shape4 | null, opts: PoolOptions | undefined): PoolPlan {
  checkOptions(WHO, opts, ['method', 'pad', 'stride']);
  const m = opts?.method ?? 'max';
  const method = typeof m === 'string' ? m.toLowerCase() : m;
  if (method !== 'max' && method !== 'avg') {
    throw new Error(`${WHO}: method must be 'max' or 'avg', got ${show(m)}`);
  }
  const [sy, sx] = intTuple(WHO, 'stride', opts?.stride ?? 1, 2, 1);
  const [ph, pw] = intTuple(WHO, 'pool', pool, 2, 1);
  const pad = intTuple(WHO, 'pad', opts?.pad ?? 0, 4, 0);
  const [pt, pb, pl, pr] = pad;
  const [H, W, C, N] = x;
  const sizes = (): string => `x is ${dims(x)}, pad [${pad.join(', ')}]`;
  if (H === 0 || W === 0) throw new Error(`${WHO}: x is ${dims(x)}; it needs at least one row and one column to pool`);
  if (H + pt + pb < ph || W + pl + pr < pw) {
    throw new Error(`${WHO}: pool ${ph}x${pw} is larger than the padded input ${H + pt + pb}x${W + pl + pr} (${sizes()})`);
  }
  const names = ['top', 'bottom', 'left', 'right'];
  for (let a = 0; a < 4; a++) {
    const p = a < 2 ? ph : pw;
    if (pad[a] >= p) {
      throw new Error(`${WHO}: pad [${pad.join(', ')}] must be smaller than pool ${ph}x${pw} on each axis ` +
        `(${names[a]} ${pad[a]} >= ${a < 2 ? 'ph' : 'pw'} ${p})`);
    }
  }
  const Ho = Math.floor((H + pt + pb - ph) / sy) + 1;
  const Wo = Math.floor((W + pl + pr - pw) / sx) + 1;
  checkOutputSize(WHO, [Ho, Wo, C, N], `check pad [${pad.join(', ')}] and stride [${sy}, ${sx}]`);
  const want = [Ho, Wo, C, N];
  if (dzdy !== null && dzdy.some((d, i) => d !== want[i])) {
    throw new Error(`${WHO}: dzdy is ${dims(dzdy)} but must match y, ${dims(want)} (${sizes()}, pool ${ph}x${pw}, stride [${sy}, ${sx}])`);
  }
  const L = Math.ceil((H + pt + pb + ph) / 4) * 4;
  return Object.freeze({
    method, H, W, C, N, Ho, Wo,
    pool: [ph, pw], pad, stride: [sy, sx],
    dims: [H, W, C * N, ph, pw, sy, sx, pt, pb, pl, Ho, Wo, L] as PoolDims,
  });
}

/**
 * y = nnpool(x, pool, opts?): max or average pooling of each channel of each image.
 * `pool` is p or [ph, pw]; y is [Ho, Wo, C, N] with Ho = floor((H + top + bottom - ph) / sy) + 1,
 * Wo = floor((W + left + right - pw) / sx) + 1. Windows are cropped by the padding.
 *
 * dzdx = nnpool(x, pool, dzdy, opts?): the derivative of sum(dzdy .* y) with respect to x.
 * max sends each dzdy(i, j) whole to the first maximum of its window in column-major order
 * (smallest column, then smallest row; strict >); avg spreads dzdy(i, j) / area over the
 * in-bounds elements. Overlapping windows add up.
 *
 * Special values (max): NaN never wins a comparison, as in MatConvNet's CPU code, so a window
 * mixing NaN and numbers gives the largest number; a window holding only NaN and -Infinity gives
 * -Infinity, and its dzdy goes nowhere (no element is > -Infinity). When the maximum is zero and
 * the window holds both +0 and -0, y may carry either sign. avg propagates NaN and Infinity
 * like the sum it is. Inputs are never modified.
 *
 * Cost: separable SIMD passes; across columns a running max/sum (van Herk / Gil-Werman: about
 * three operations per element whatever pw is), down columns log4(ph) max levels (log2(ph) for
 * sums and the argmax), so a 10x10 window costs a few vector operations per element, not 100.
 * The max backward pass finds each window's argmax itself (no cache from the forward pass).
 */
export function nnpool(x: Tensor, pool: number | number[], opts?: PoolOptions): Tensor;
export function nnpool(x: Tensor, pool: number | number[], dzdy: Tensor, opts?: PoolOptions): Tensor;
export function nnpool(x: Tensor, pool: number | number[], a?: Tensor | PoolOptions, b?: PoolOptions): Tensor {
  const { dzdy, opts } = splitArity<PoolOptions>(WHO, a, b, isTensor);
  const tx = tensorArg(WHO, 'x', x);
  const tp = dzdy === undefined ? null : tensorArg(WHO, 'dzdy', dzdy);
  const p = planPool(tx.shape, pool, tp?.shape ?? null, opts);
  // streamed on the calling thread: through the unshared instance when it fits there
  const n = p.H * p.W * p.C * p.N, m = p.Ho * p.Wo * p.C * p.N;
  return onCallingThreadIfSmall(false, () => (tp === null ? n + m : 2 * n + m) + poolScratch(p), () => {
    if (tp === null) return streamForward(p, tx);
    return p.method === 'max' ? streamMaxBackward(p, tx, tp) : streamAvgBackward(p, tp);
  });
}

/** Scratch floats of both resident passes (one kernel scratch per thread when they split). */
export function poolScratch(p: PoolPlan): number {
  const one = kernels().pool_scratch(p.H, p.W, p.Ho, p.Wo, p.pool[1], p.stride[1], p.dims[12]);
  const t = poolThreads(p);
  return t > 1 ? t * ((one + 3) & ~3) : one;
}

// The resident passes split the C*N planes over the worker pool (src/threads.ts) when each
// thread gets at least POOL_MIN input floats: planes are independent, so results are the
// same bit for bit. (nnpool's streamed groups stay on the calling thread: their copies cost more.)
const POOL_MIN = 1 << 17;

function poolThreads(p: PoolPlan): number {
  return Math.min(p.C * p.N, threadsFor(p.H * p.W * p.C * p.N, POOL_MIN));
}

/** call(x offset, y offset (bytes), its dims, its scratch) for each of t threads' planes, run at once. */
function byPlanes(p: PoolPlan, t: number, ps: number, call: (ox: number, oy: number, d: PoolDims, s: number) => Job[0]): void {
  const one = (kernels().pool_scratch(p.H, p.W, p.Ho, p.Wo, p.pool[1], p.stride[1], p.dims[12]) + 3) & ~3;
  split(kernels(), t, p.C * p.N, (c0, m, i) => [call(4 * c0 * p.H * p.W, 4 * c0 * p.Ho * p.Wo, dimsFor(p, m), ps + 4 * i * one)]);
}

/** Resident forward over all C*N planes: y at `py` from x at `px`, scratch at `ps` (poolScratch floats). */
export function poolForward(p: PoolPlan, px: number, py: number, ps: number): void {
  const k = kernels();
  const t = poolThreads(p);
  const name = p.method === 'max' ? 'pool_max_forward' : 'pool_avg_forward';
  if (t > 1) byPlanes(p, t, ps, (ox, oy, d, s) => [name, px + ox, py + oy, s, 0, p.Wo, ...d]);
  else k[name](px, py, ps, 0, p.Wo, ...p.dims);
}

/**
 * Resident backward over all planes: dzdx at `pdzdx` (avg does not read x).
 * NOTE: avg scales dzdy at `pdzdy` in place (each value by 1/area) before spreading it, so a
 * caller that keeps dzdy passes a copy (simplenn's pool layer does).
 */
export function poolBackward(p: PoolPlan, px: number, pdzdy: number, pdzdx: number, ps: number): void {
  const k = kernels();
  const t = poolThreads(p);
  if (t > 1) {
    byPlanes(p, t, ps, (ox, oy, d, s) => (p.method === 'max'
      ? ['pool_max_backward', px + ox, pdzdy + oy, pdzdx + ox, s, ...d]
      : ['pool_avg_backward', pdzdy + oy, pdzdx + ox, s, ...d]));
  } else if (p.method === 'max') k.pool_max_backward(px, pdzdy, pdzdx, ps, ...p.dims);
  else k.pool_avg_backward(pdzdy, pdzdx, ps, ...p.dims);
}

// The kernels work plane by plane, so the facade streams groups of planes through
// one small arena region that stays in the L2 cache (as nnrelu does): the copies
// in and out then meet cached memory, and the arena never holds the whole tensor.
const CHUNK = 1 << 18;
// The forward pass reads each input once and its kernels are faster than the
// copies, so a smaller group pays: measured on 112x112x64 (2x2 and 3x3 stride 2),
// 2^16 floats in and out beat 2^18 by about 8%.
const FORWARD = 1 << 16;

/** The kernels' argument list for a group of m planes (P = m). */
function dimsFor(p: PoolPlan, m: number): PoolDims {
  const d = p.dims.slice() as PoolDims;
  d[2] = m;
  return d;
}

/**
 * Output columns per band of the forward pass, or 0 when whole planes are
 * streamed. A plane larger than FORWARD floats in and out is cut into bands of
 * output columns of about that size, so that x's columns arrive just before the
 * kernel reads them and y's leave while in L2 (a 380x508 plane and its output
 * are 1.5 MB: measured about 10% faster in bands than whole, more once the fresh
 * output's page faults evict part of L2). The kernels carry their running state
 * (pool/pass.ts) from band to band, so a band may end inside a block of pw columns.
 */
export function bandColumns(p: PoolPlan): number {
  if (p.H * p.W + p.Ho * p.Wo <= FORWARD) return 0;
  return Math.max(1, Math.floor(FORWARD / (p.H * p.stride[1] + p.Ho)));
}

function streamForward(p: PoolPlan, x: Tensor): Tensor {
  const k = kernels();
  const run = p.method === 'max' ? k.pool_max_forward : k.pool_avg_forward;
  const { H, W, Ho, Wo } = p;
  const cols = bandColumns(p);
  let y: Float32Array;
  if (cols > 0) {
    const [sx, pw, pl] = [p.stride[1], p.pool[1], p.pad[2]];
    // Output columns [j0, j1) read input columns below (j1 - 1)*sx - pl + pw, and from
    // j0*sx - pl on, or from the start of j0's block of pw when the running form
    // (pool/pass.ts) builds that block in this band.
    const reads = (j0: number, j1: number): [number, number] =>
      [Math.max(0, Math.floor(j0 * sx / pw) * pw - pl), Math.min(W, (j1 - 1) * sx - pl + pw)];
    const span = Math.min(W, cols * sx + 2 * pw);
    const d = dimsFor(p, 1);
    y = streamBands(WHO, x.data, p.C * p.N, H, W, Ho, Wo, cols, span, poolScratch(p), reads,
      (px, py, ps, j0, j1) => run(px, py, ps, j0, j1, ...d));
  } else {
    y = streamPlanes(WHO, p.C * p.N, FORWARD, [[x.data, H * W]], Ho * Wo, poolScratch(p),
      ([px, py, ps], m) => run(px, py, ps, 0, Wo, ...dimsFor(p, m)));
  }
  return new Tensor(y, [Ho, Wo, p.C, p.N]);
}

function streamMaxBackward(p: PoolPlan, x: Tensor, dzdy: Tensor): Tensor {
  const k = kernels();
  const d = streamPlanes(WHO, p.C * p.N, CHUNK, [[x.data, p.H * p.W], [dzdy.data, p.Ho * p.Wo]], p.H * p.W,
    poolScratch(p), ([px, pp, pd, ps], m) => k.pool_max_backward(px, pp, pd, ps, ...dimsFor(p, m)));
  return new Tensor(d, [p.H, p.W, p.C, p.N]);
}

// avg backward does not read x; the kernel scales its own copy of dzdy in place.
function streamAvgBackward(p: PoolPlan, dzdy: Tensor): Tensor {
  const k = kernels();
  const d = streamPlanes(WHO, p.C * p.N, CHUNK, [[dzdy.data, p.Ho * p.Wo]], p.H * p.W, poolScratch(p),
    ([pp, pd, ps], m) => k.pool_avg_backward(pp, pd, ps, ...dimsFor(p, m)));
  return new Tensor(d, [p.H, p.W, p.C, p.N]);
}
