// Reference nnsoftmax in float64, straight from vl_nnsoftmax.m (SEMANTICS §4.2):
//   E = exp(x - max(x, [], 3)); Y = E ./ sum(E, 3);  backward Y .* (dzdY - sum(dzdY .* Y, 3)).
// The oracle for tests: never optimise it.

type Shape4 = readonly [number, number, number, number];

/** Element (i, j, k, n) of an [H, W, C, N] column-major array. */
const at = (s: Shape4, i: number, j: number, k: number, n: number): number => i + s[0] * (j + s[1] * (k + s[2] * n));

export function softmaxForwardRef(x: ArrayLike<number>, s: Shape4): Float64Array {
  const [H, W, C, N] = s;
  const y = new Float64Array(x.length);
  for (let n = 0; n < N; n++) {
    for (let j = 0; j < W; j++) {
      for (let i = 0; i < H; i++) {
        let m = -Infinity;
        for (let k = 0; k < C; k++) m = Math.max(m, x[at(s, i, j, k, n)]);
        let L = 0;
        for (let k = 0; k < C; k++) L += Math.exp(x[at(s, i, j, k, n)] - m);
        for (let k = 0; k < C; k++) y[at(s, i, j, k, n)] = Math.exp(x[at(s, i, j, k, n)] - m) / L;
      }
    }
  }
  return y;
}

export function softmaxBackwardRef(x: ArrayLike<number>, s: Shape4, dzdy: ArrayLike<number>): Float64Array {
  const [H, W, C, N] = s;
  const y = softmaxForwardRef(x, s);
  const d = new Float64Array(x.length);
  for (let n = 0; n < N; n++) {
    for (let j = 0; j < W; j++) {
      for (let i = 0; i < H; i++) {
        let t = 0;
        for (let k = 0; k < C; k++) t += dzdy[at(s, i, j, k, n)] * y[at(s, i, j, k, n)];
        for (let k = 0; k < C; k++) {
          const e = at(s, i, j, k, n);
          d[e] = y[e] * (dzdy[e] - t);
        }
      }
    }
  }
  return d;
}
