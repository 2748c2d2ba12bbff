// Reference nnnormalize (LRN), straight from SEMANTICS §4.1 in float64, with the decision of
// NETWORKS "nnblocks decisions": where L = 0, L^-beta and L^(-beta-1) are 0 (y = 0, no NaN).
// The oracle for tests: never optimise it. Inputs may be float32 or float64 arrays.

/** [N, kappa, alpha, beta] of MatConvNet. */
export type LrnParam = readonly [number, number, number, number];

const at = (H: number, W: number, C: number) => (i: number, k: number, n: number) => i + H * W * (k + C * n);

/** Window of channel k: [max(0, k - m1), min(C-1, k + m2)], m1 = floor((N-1)/2), m2 = N-1-m1. */
export function lrnWindow(k: number, C: number, depth: number): [number, number] {
  const m1 = Math.floor((depth - 1) / 2);
  const m2 = depth - 1 - m1;
  return [Math.max(0, k - m1), Math.min(C - 1, k + m2)];
}

/** L(i, k, n) of every element. */
function lrnL(x: ArrayLike<number>, shape: number[], param: LrnParam): Float64Array {
  const [H, W, C, N] = shape;
  const [depth, kappa, alpha] = param;
  const idx = at(H, W, C);
  const L = new Float64Array(x.length);
  for (let n = 0; n < N; n++) for (let k = 0; k < C; k++) for (let i = 0; i < H * W; i++) {
    const [q0, q1] = lrnWindow(k, C, depth);
    let s = 0;
    for (let q = q0; q <= q1; q++) s += x[idx(i, q, n)] ** 2;
    L[idx(i, k, n)] = kappa + alpha * s;
  }
  return L;
}

const negPow = (L: number, e: number): number => (L === 0 ? 0 : L ** e);

/** y = x L^-beta. */
export function normalizeForwardRef(x: ArrayLike<number>, shape: number[], param: LrnParam): Float64Array {
  const L = lrnL(x, shape, param);
  const y = new Float64Array(x.length);
  for (let e = 0; e < y.length; e++) y[e] = x[e] * negPow(L[e], -param[3]);
  return y;
}

/**
 * dzdx(q) = p(q) L(q)^-beta - 2 alpha beta x(q) sum_{t = max(0, q - m2)}^{min(C-1, q + m1)} p(t) x(t) L(t)^(-beta-1),
 * and `scale`, the same sums of absolute values |p L^-beta| + |2 alpha beta x| sum |p x L^(-beta-1)|:
 * the size of the terms that cancel, which bounds the float32 rounding error of any evaluation order.
 */
export function normalizeBackwardRef(x: ArrayLike<number>, shape: number[], param: LrnParam, dzdy: ArrayLike<number>):
  { dzdx: Float64Array; scale: Float64Array } {
  const [H, W, C, N] = shape;
  const [depth, , alpha, beta] = param;
  const idx = at(H, W, C);
  const L = lrnL(x, shape, param);
  const m1 = Math.floor((depth - 1) / 2);
  const m2 = depth - 1 - m1;
  const dzdx = new Float64Array(x.length);
  const scale = new Float64Array(x.length);
  for (let n = 0; n < N; n++) for (let q = 0; q < C; q++) for (let i = 0; i < H * W; i++) {
    const e = idx(i, q, n);
    let s = 0;
    let sa = 0;
    for (let t = Math.max(0, q - m2); t <= Math.min(C - 1, q + m1); t++) {
      const u = idx(i, t, n);
      const g = dzdy[u] * x[u] * negPow(L[u], -beta - 1);
      s += g;
      sa += Math.abs(g);
    }
    const first = dzdy[e] * negPow(L[e], -beta);
    dzdx[e] = first - 2 * alpha * beta * x[e] * s;
    scale[e] = Math.abs(first) + Math.abs(2 * alpha * beta * x[e]) * sa;
  }
  return { dzdx, scale };
}
