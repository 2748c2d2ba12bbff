// nnpdist: p-distance between the channel vectors of x and x0 (NETWORKS §5; MatConvNet's
// matlab/vl_nnpdist.m). Computed in JavaScript in float64 per pixel (the sum over channels and
// every power), each result rounded once to float32.

import { Tensor, tensorArg, isTensor, type Shape4 } from '../tensor.js';
import { checkOptions, finite, dims, show, splitArity, tagOf } from '../options.js';
import { kernels } from '../wasm.js';

export interface PdistOptions {
  /** Leave out the outer root (p = 2: the squared distance). Default false. */
  noRoot?: boolean;
  /** Floor in the backward pass where the derivative would divide by 0 (default 1e-6, >= 0). */
  epsilon?: number;
  /** Sum y over everything into a 1x1 result. Default false. */
  aggregate?: boolean;
  /** Weights multiplying y (before aggregation), broadcast against y's H x W x 1 x N: each dimension equal to y's or 1. */
  instanceWeights?: Tensor;
}

export interface PdistDerivatives {
  dzdx: Tensor;
  /** -dzdx, the size of x (also when x0 was 1x1xCxN, as vl_nnpdist.m returns it). */
  dzdx0: Tensor;
}

/** The plan's options: PdistOptions with the weights' shape in place of the Tensor. */
export interface PdistPlanOptions {
  noRoot?: boolean;
  epsilon?: number;
  aggregate?: boolean;
  instanceWeights?: Shape4;
}

/** Every size and number the passes need, checked once (shapes, no data). */
export interface PdistPlan {
  readonly H: number; readonly W: number; readonly C: number; readonly N: number;
  readonly HW: number;
  /** x0 is 1x1xCxN (one vector per image) rather than the size of x. */
  readonly broadcast: boolean;
  readonly p: number;
  readonly noRoot: boolean;
  readonly epsilon: number;
  readonly aggregate: boolean;
  /** The weights' shape, or null without weights. */
  readonly weights: Shape4 | null;
  /** [H, W, 1, N], or [1, 1, 1, 1] with aggregate. */
  readonly yShape: Shape4;
  readonly backward: boolean;
}

const WHO = 'nnpdist';

function bool(name: string, v: unknown): boolean {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw new Error(`${WHO}: ${name} must be true or false, got ${typeof v === 'number' ? v : tagOf(v)}`);
  return v;
}

/**
 * Check every argument: x0 the size of x or 1x1xCxN, p a finite number > 0, epsilon a finite
 * number >= 0, noRoot and aggregate booleans, instanceWeights broadcastable against y's
 * H x W x 1 x N without growing it, dzdy the size of y (1x1 with aggregate).
 */
export function planPdist(xShape: Shape4, x0Shape: Shape4, p: unknown, dzdyShape: Shape4 | null,
  opts?: PdistPlanOptions): PdistPlan {
  checkOptions(WHO, opts, ['noRoot', 'epsilon', 'aggregate', 'instanceWeights']);
  const [H, W, C, N] = xShape;
  const same = x0Shape.every((d, i) => d === xShape[i]);
  const broadcast = !same && x0Shape[0] === 1 && x0Shape[1] === 1 && x0Shape[2] === C && x0Shape[3] === N;
  if (!same && !broadcast) {
    throw new Error(`${WHO}: x0 is ${dims(x0Shape)} but must be the size of x, ${dims(xShape)}, or 1x1x${C}x${N} ` +
      '(one vector per image)');
  }
  if (typeof p !== 'number' || !Number.isFinite(p) || !(p > 0)) {
    throw new Error(`${WHO}: p must be a finite number > 0, got ${typeof p === 'number' ? p : show(p)}`);
  }
  const noRoot = bool('noRoot', opts?.noRoot);
  const aggregate = bool('aggregate', opts?.aggregate);
  const epsilon = opts?.epsilon === undefined ? 1e-6 : finite(WHO, 'epsilon', opts.epsilon);
  if (epsilon < 0) throw new Error(`${WHO}: epsilon must be >= 0, got ${show(epsilon)}`);
  const y0: Shape4 = [H, W, 1, N];
  const ws = opts?.instanceWeights ?? null;
  if (ws !== null && ws.some((d, i) => d !== y0[i] && d !== 1)) {
    throw new Error(`${WHO}: instanceWeights is ${dims(ws)} but must broadcast against y's ${dims(y0)} ` +
      '(each dimension equal to it or 1)');
  }
  const yShape: Shape4 = aggregate ? [1, 1, 1, 1] : y0;
  if (dzdyShape !== null && dzdyShape.some((d, i) => d !== yShape[i])) {
    throw new Error(`${WHO}: dzdy is ${dims(dzdyShape)} but must match y, ${dims(yShape)}` +
      (aggregate ? ' (aggregate: a scalar)' : ''));
  }
  return Object.freeze({
    H, W, C, N, HW: H * W, broadcast, p, noRoot, epsilon, aggregate,
    weights: ws === null ? null : ws.slice() as Shape4, yShape, backward: dzdyShape !== null,
  });
}

/** Index into the weights of y's pixel i (0..HW-1) of image n, by broadcasting. */
function weightIndex(ws: Shape4, H: number, i: number, n: number): number {
  const r = ws[0] === 1 ? 0 : i % H;
  const c = ws[1] === 1 ? 0 : Math.floor(i / H);
  return r + ws[0] * (c + ws[1] * (ws[3] === 1 ? 0 : n));
}

/**
 * acc[i] = sum over channels of |d|^p (p = 2: d^2; p = 1: |d|) at pixel i of image n, in float64,
 * d = x - x0 (exact in float64 for float32 operands).
 */
function sums(P: PdistPlan, x: Float32Array, x0: Float32Array, n: number, acc: Float64Array): void {
  const { HW, C, p, broadcast } = P;
  acc.fill(0);
  for (let c = 0; c < C; c++) {
    // channel c of image n: elements HW*(c + C*n) ... ; x0's (c, n) vector element c + C*n
    const o = HW * (c + C * n);
    const b = broadcast ? x0[c + C * n] : 0;
    for (let i = 0; i < HW; i++) {
      const d = x[o + i] - (broadcast ? b : x0[o + i]);
      acc[i] += p === 1 ? Math.abs(d) : p === 2 ? d * d : Math.abs(d) ** p;
    }
  }
}

/** y (P.yShape floats) from x, x0 and the weights (null without), all float32 arrays. */
export function pdistCompute(P: PdistPlan, x: Float32Array, x0: Float32Array, w: Float32Array | null, y: Float32Array): void {
  const { H, HW, N, p, noRoot, aggregate, weights } = P;
  const acc = new Float64Array(HW);
  let total = 0;
  for (let n = 0; n < N; n++) {
    sums(P, x, x0, n, acc);
    for (let i = 0; i < HW; i++) {
      let v = acc[i];
      if (!noRoot) v = p === 1 ? v : p === 2 ? Math.sqrt(v) : v ** (1 / p);
      if (weights !== null) v *= w![weightIndex(weights, H, i, n)];
      if (aggregate) total += v;
      else y[i + HW * n] = v;
    }
  }
  if (aggregate) y[0] = total;
}

/**
 * dzdx (x's size) and, unless null, dzdx0 = -dzdx, from x, x0, dzdy (y's size) and the weights,
 * NETWORKS §5's formulas in float64 (s = acc, the channel sum of |d|^p; g = dzdy .* weights):
 *   root    p = 1: g sign(d); p = 2: g d / sqrt(max(s, eps)); p < 1: g s^((1-p)/p) max(|d|, eps)^(p-1) sign(d);
 *           else: g max(s, eps)^((1-p)/p) |d|^(p-1) sign(d)
 *   noRoot  p = 1: g sign(d); p = 2: 2 g d; p < 1: p g max(|d|, eps)^(p-1) sign(d); else: p g |d|^(p-1) sign(d)
 */
export function pdistDerivative(P: PdistPlan, x: Float32Array, x0: Float32Array, w: Float32Array | null,
  dzdy: Float32Array, dzdx: Float32Array, dzdx0: Float32Array | null): void {
  const { H, HW, C, N, p, noRoot, epsilon: eps, aggregate, weights, broadcast } = P;
  const acc = new Float64Array(HW);
  const f = new Float64Array(HW);
  for (let n = 0; n < N; n++) {
    if (!noRoot && p !== 1) sums(P, x, x0, n, acc);
    // f[i]: the factor of pixel i shared by its channels
    for (let i = 0; i < HW; i++) {
      let g = dzdy[aggregate ? 0 : i + HW * n];
      if (weights !== null) g *= w![weightIndex(weights, H, i, n)];
      if (noRoot) f[i] = p === 1 ? g : p * g; // p = 2: 2 g
      else if (p === 1) f[i] = g;
      else if (p === 2) f[i] = g / Math.sqrt(Math.max(acc[i], eps));
      else if (p < 1) f[i] = g * acc[i] ** ((1 - p) / p);
      else f[i] = g * Math.max(acc[i], eps) ** ((1 - p) / p);
    }
    for (let c = 0; c < C; c++) {
      const o = HW * (c + C * n);
      const b = broadcast ? x0[c + C * n] : 0;
      for (let i = 0; i < HW; i++) {
        const d = x[o + i] - (broadcast ? b : x0[o + i]);
        const a = Math.abs(d);
        // the channel term: sign(d) (p = 1), d (p = 2), max(|d|, eps)^(p-1) sign(d) (p < 1), |d|^(p-1) sign(d)
        const t = p === 1 ? Math.sign(d) : p === 2 ? d : (p < 1 ? Math.max(a, eps) : a) ** (p - 1) * Math.sign(d);
        const v = f[i] * t;
        dzdx[o + i] = v;
        if (dzdx0 !== null) dzdx0[o + i] = -Math.fround(v);
      }
    }
  }
}

/** Resident forward: y at py (P.yShape floats) from x at px, x0 at px0 and the weights at pw (ignored without weights). */
export function pdistForward(P: PdistPlan, px: number, px0: number, py: number, pw: number): void {
  const buf = kernels().memory.buffer;
  const nx = P.HW * P.C * P.N;
  pdistCompute(P, new Float32Array(buf, px >>> 0, nx), new Float32Array(buf, px0 >>> 0, P.broadcast ? P.C * P.N : nx),
    P.weights === null ? null : new Float32Array(buf, pw >>> 0, P.weights.reduce((a, d) => a * d, 1)),
    new Float32Array(buf, py >>> 0, P.yShape.reduce((a, d) => a * d, 1)));
}

/** Resident backward: dzdx at pdzdx and dzdx0 at pdzdx0 (null: not written; simplenn keeps only dzdx). */
export function pdistBackward(P: PdistPlan, px: number, px0: number, pdzdy: number, pdzdx: number,
  pdzdx0: number | null, pw: number): void {
  const buf = kernels().memory.buffer;
  const nx = P.HW * P.C * P.N;
  pdistDerivative(P, new Float32Array(buf, px >>> 0, nx), new Float32Array(buf, px0 >>> 0, P.broadcast ? P.C * P.N : nx),
    P.weights === null ? null : new Float32Array(buf, pw >>> 0, P.weights.reduce((a, d) => a * d, 1)),
    new Float32Array(buf, pdzdy >>> 0, P.yShape.reduce((a, d) => a * d, 1)),
    new Float32Array(buf, pdzdx >>> 0, nx), pdzdx0 === null ? null : new Float32Array(buf, pdzdx0 >>> 0, nx));
}

/**
 * y = nnpdist(x, x0, p, opts?) — for every pixel of every image, the p-distance between the
 * channel vectors of x and x0 (x0 the size of x, or 1x1xCxN: one vector per image, broadcast):
 * p = 1: sum |d|; p = 2: sqrt(sum d^2); else (sum |d|^p)^(1/p), d = x - x0; with noRoot the inner
 * sums. y is H x W x 1 x N, times instanceWeights if given; with aggregate, the sum of it all (1x1).
 *
 * { dzdx, dzdx0 } = nnpdist(x, x0, p, dzdy, opts?) — vl_nnpdist.m's derivatives (see
 * pdistDerivative; epsilon floors the divisions), dzdy multiplied by instanceWeights first, and
 * dzdx0 = -dzdx: the size of x even when x0 was 1x1xCxN (MatConvNet does not sum it over pixels).
 *
 * Computed in JavaScript in float64 per pixel (d exact, the channel sums and powers in float64,
 * each result rounded once to float32): MATLAB computes in single, so results agree to float32
 * rounding. Inputs are never modified.
 */
export function nnpdist(x: Tensor, x0: Tensor, p: number, opts?: PdistOptions): Tensor;
export function nnpdist(x: Tensor, x0: Tensor, p: number, dzdy: Tensor, opts?: PdistOptions): PdistDerivatives;
export function nnpdist(x: Tensor, x0: Tensor, p: number, a?: Tensor | PdistOptions, b?: PdistOptions): Tensor | PdistDerivatives {
  const { dzdy, opts } = splitArity<PdistOptions>(WHO, a, b, isTensor);
  const tx = tensorArg(WHO, 'x', x);
  const t0 = tensorArg(WHO, 'x0', x0);
  const tp = dzdy === undefined ? null : tensorArg(WHO, 'dzdy', dzdy);
  const tw = opts?.instanceWeights === undefined ? null : tensorArg(WHO, 'instanceWeights', opts.instanceWeights);
  // The plan checks the options (names included); it takes the weights' shape.
  const po = tw === null ? opts : { ...opts, instanceWeights: tw.shape };
  const P = planPdist(tx.shape, t0.shape, p, tp === null ? null : tp.shape, po as PdistPlanOptions | undefined);
  // JavaScript on the Tensors' own arrays: the resident runners call the same functions on views.
  const w = tw === null ? null : tw.data;
  if (tp === null) {
    const y = new Float32Array(P.yShape.reduce((s, d) => s * d, 1));
    pdistCompute(P, tx.data, t0.data, w, y);
    return new Tensor(y, P.yShape);
  }
  const dzdx = new Float32Array(tx.numel);
  const dzdx0 = new Float32Array(tx.numel);
  pdistDerivative(P, tx.data, t0.data, w, tp.data, dzdx, dzdx0);
  return { dzdx: new Tensor(dzdx, tx.shape), dzdx0: new Tensor(dzdx0, tx.shape) };
}
