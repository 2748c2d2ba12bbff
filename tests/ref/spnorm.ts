// Reference nnspnorm, straight from NETWORKS §5 (vl_nnspnorm) in float64: naive loops over every
// window. The oracle for tests: never optimise it.

/** [PH, PW, alpha, beta]. */
export type SpnormParam = readonly [number, number, number, number];

/** Rows (or columns) [lo, hi] of the window around i: [i - floor((P-1)/2), i + P-1-floor((P-1)/2)] clipped to [0, n). */
function span(i: number, P: number, n: number): [number, number] {
  const before = Math.floor((P - 1) / 2);
  return [Math.max(0, i - before), Math.min(n - 1, i + P - 1 - before)];
}

/** N2 = the mean of x^2 over each clipped window, and the window's in-image count. */
function means(x: ArrayLike<number>, shape: number[], param: SpnormParam): { n2: Float64Array; area: Float64Array } {
  const [H, W, C, N] = shape;
  const [PH, PW] = param;
  const n2 = new Float64Array(x.length);
  const area = new Float64Array(x.length);
  for (let c = 0; c < C * N; c++) for (let j = 0; j < W; j++) for (let i = 0; i < H; i++) {
    const [r0, r1] = span(i, PH, H);
    const [s0, s1] = span(j, PW, W);
    let s = 0;
    for (let v = s0; v <= s1; v++) for (let u = r0; u <= r1; u++) s += x[u + H * (v + W * c)] ** 2;
    const a = (r1 - r0 + 1) * (s1 - s0 + 1);
    n2[i + H * (j + W * c)] = s / a;
    area[i + H * (j + W * c)] = a;
  }
  return { n2, area };
}

/** y = (1 + alpha N2)^-beta x. */
export function spnormForwardRef(x: ArrayLike<number>, shape: number[], param: SpnormParam): Float64Array {
  const { n2 } = means(x, shape, param);
  const y = new Float64Array(x.length);
  for (let e = 0; e < y.length; e++) y[e] = (1 + param[2] * n2[e]) ** -param[3] * x[e];
  return y;
}

/**
 * dzdx(r, s) = f^-beta p - 2 alpha beta x * sum over the windows (i, j) holding (r, s) of q(i, j) / area(i, j),
 * q = f^(-beta-1) p x; and `scale`, the same with absolute values (the cancelling terms' size).
 */
export function spnormBackwardRef(x: ArrayLike<number>, shape: number[], param: SpnormParam, dzdy: ArrayLike<number>):
  { dzdx: Float64Array; scale: Float64Array } {
  const [H, W, C, N] = shape;
  const [PH, PW, alpha, beta] = param;
  const { n2, area } = means(x, shape, param);
  const t = new Float64Array(x.length);
  const ta = new Float64Array(x.length);
  for (let c = 0; c < C * N; c++) for (let j = 0; j < W; j++) for (let i = 0; i < H; i++) {
    const e = i + H * (j + W * c);
    const q = (1 + alpha * n2[e]) ** (-beta - 1) * dzdy[e] * x[e] / area[e];
    const [r0, r1] = span(i, PH, H);
    const [s0, s1] = span(j, PW, W);
    for (let v = s0; v <= s1; v++) for (let u = r0; u <= r1; u++) { t[u + H * (v + W * c)] += q; ta[u + H * (v + W * c)] += Math.abs(q); }
  }
  const dzdx = new Float64Array(x.length);
  const scale = new Float64Array(x.length);
  for (let e = 0; e < x.length; e++) {
    const first = (1 + alpha * n2[e]) ** -beta * dzdy[e];
    dzdx[e] = first - 2 * alpha * beta * x[e] * t[e];
    scale[e] = Math.abs(first) + Math.abs(2 * alpha * beta * x[e]) * ta[e];
  }
  return { dzdx, scale };
}
