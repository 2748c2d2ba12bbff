// Reference nnnoffset, straight from NETWORKS §5 (vl_nnnoffset) in float64. The oracle for tests.

const idx = (HW: number, C: number) => (i: number, k: number, n: number) => i + HW * (k + C * n);

/** L(i, n) = max(sum_k x^2, 1e-8) per pixel (the float32 1e-8 of MATLAB's single arithmetic). */
function pixelL(x: ArrayLike<number>, shape: number[]): Float64Array {
  const [H, W, C, N] = shape;
  const at = idx(H * W, C);
  const L = new Float64Array(H * W * N);
  for (let n = 0; n < N; n++) for (let i = 0; i < H * W; i++) {
    let s = 0;
    for (let k = 0; k < C; k++) s += x[at(i, k, n)] ** 2;
    L[i + H * W * n] = Math.max(s, Math.fround(1e-8));
  }
  return L;
}

/** y = x - a L^b. */
export function noffsetForwardRef(x: ArrayLike<number>, shape: number[], param: readonly [number, number]): Float64Array {
  const [H, W, C, N] = shape;
  const at = idx(H * W, C);
  const L = pixelL(x, shape);
  const y = new Float64Array(x.length);
  for (let n = 0; n < N; n++) for (let k = 0; k < C; k++) for (let i = 0; i < H * W; i++) {
    y[at(i, k, n)] = x[at(i, k, n)] - param[0] * L[i + H * W * n] ** param[1];
  }
  return y;
}

/** dzdx = dzdy - 2ab x (sum_k dzdy) L^(b-1), and `scale` = |dzdy| + |2ab x| (sum_k |dzdy|) L^(b-1) (the cancelling terms' size). */
export function noffsetBackwardRef(x: ArrayLike<number>, shape: number[], param: readonly [number, number], dzdy: ArrayLike<number>):
  { dzdx: Float64Array; scale: Float64Array } {
  const [H, W, C, N] = shape;
  const [a, b] = param;
  const at = idx(H * W, C);
  const L = pixelL(x, shape);
  const dzdx = new Float64Array(x.length);
  const scale = new Float64Array(x.length);
  for (let n = 0; n < N; n++) for (let i = 0; i < H * W; i++) {
    let s = 0;
    let sa = 0;
    for (let k = 0; k < C; k++) { s += dzdy[at(i, k, n)]; sa += Math.abs(dzdy[at(i, k, n)]); }
    const Lp = L[i + H * W * n] ** (b - 1);
    for (let k = 0; k < C; k++) {
      const e = at(i, k, n);
      dzdx[e] = dzdy[e] - 2 * a * b * x[e] * s * Lp;
      scale[e] = Math.abs(dzdy[e]) + Math.abs(2 * a * b * x[e]) * sa * Lp;
    }
  }
  return { dzdx, scale };
}
