// Reference nnpdist, vl_nnpdist.m line by line (NETWORKS §5) in float64 with MATLAB's bsxfun
// broadcasting written out. Never optimise it.

export type Shape = [number, number, number, number];

export interface PdistRefOptions { noRoot?: boolean; epsilon?: number; aggregate?: boolean; weights?: { data: ArrayLike<number>; shape: Shape } }

/** Element (i, j, k, n) of a column-major array of shape s, broadcasting dimensions of size 1. */
function at(a: ArrayLike<number>, s: Shape, i: number, j: number, k: number, n: number): number {
  const [H, W, C, N] = s;
  return a[(H === 1 ? 0 : i) + H * ((W === 1 ? 0 : j) + W * ((C === 1 ? 0 : k) + C * (N === 1 ? 0 : n)))];
}

/** y: [H, W, 1, N] (or one number with aggregate). */
export function pdistForwardRef(x: ArrayLike<number>, xs: Shape, x0: ArrayLike<number>, x0s: Shape, p: number, o: PdistRefOptions = {}): Float64Array {
  const [H, W, C, N] = xs;
  const y = new Float64Array(H * W * N);
  for (let n = 0; n < N; n++) {
    for (let j = 0; j < W; j++) {
      for (let i = 0; i < H; i++) {
        let s = 0;
        for (let k = 0; k < C; k++) {
          const d = at(x, xs, i, j, k, n) - at(x0, x0s, i, j, k, n);
          s += p === 1 ? Math.abs(d) : p === 2 ? d * d : Math.pow(Math.abs(d), p);
        }
        let v = s;
        if (!o.noRoot) v = p === 1 ? s : p === 2 ? Math.sqrt(s) : Math.pow(s, 1 / p);
        if (o.weights) v *= at(o.weights.data, o.weights.shape, i, j, 0, n);
        y[i + H * (j + W * n)] = v;
      }
    }
  }
  if (o.aggregate) return new Float64Array([y.reduce((a, b) => a + b, 0)]);
  return y;
}

/** dzdx (the size of x); dzdx0 = -dzdx. dzdy is y's size (one number with aggregate). */
export function pdistBackwardRef(x: ArrayLike<number>, xs: Shape, x0: ArrayLike<number>, x0s: Shape, p: number,
  dzdy: ArrayLike<number>, o: PdistRefOptions = {}): Float64Array {
  const [H, W, C, N] = xs;
  const eps = o.epsilon ?? 1e-6;
  const ds: Shape = o.aggregate ? [1, 1, 1, 1] : [H, W, 1, N];
  const out = new Float64Array(x.length);
  for (let n = 0; n < N; n++) {
    for (let j = 0; j < W; j++) {
      for (let i = 0; i < H; i++) {
        let g = at(dzdy, ds, i, j, 0, n);
        if (o.weights) g *= at(o.weights.data, o.weights.shape, i, j, 0, n);
        const d = new Float64Array(C);
        let sp = 0;
        for (let k = 0; k < C; k++) {
          d[k] = at(x, xs, i, j, k, n) - at(x0, x0s, i, j, k, n);
          sp += Math.pow(Math.abs(d[k]), p);
        }
        for (let k = 0; k < C; k++) {
          const a = Math.abs(d[k]);
          const sg = Math.sign(d[k]);
          let v: number;
          if (!o.noRoot) {
            if (p === 1) v = g * sg;
            else if (p === 2) v = g * Math.pow(Math.max(sp, eps), -0.5) * d[k];
            else if (p < 1) v = g * Math.pow(sp, (1 - p) / p) * Math.pow(Math.max(a, eps), p - 1) * sg;
            else v = g * Math.pow(Math.max(sp, eps), (1 - p) / p) * Math.pow(a, p - 1) * sg;
          } else {
            if (p === 1) v = g * sg;
            else if (p === 2) v = 2 * g * d[k];
            else if (p < 1) v = p * g * Math.pow(Math.max(a, eps), p - 1) * sg;
            else v = p * g * Math.pow(a, p - 1) * sg;
          }
          out[i + H * (j + W * (k + C * n))] = v;
        }
      }
    }
  }
  return out;
}
