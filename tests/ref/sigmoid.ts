// Reference nnsigmoid in float64, straight from vl_nnsigmoid.m (SEMANTICS §4.4).
// The oracle for tests: never optimise it.

/** y = 1 / (1 + exp(-x)). */
export function sigmoidForwardRef(x: ArrayLike<number>): Float64Array {
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = 1 / (1 + Math.exp(-x[i]));
  return y;
}

/** dzdx = dzdy .* (y .* (1 - y)), y recomputed from x. */
export function sigmoidBackwardRef(x: ArrayLike<number>, dzdy: ArrayLike<number>): Float64Array {
  const y = sigmoidForwardRef(x);
  const d = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) d[i] = dzdy[i] * (y[i] * (1 - y[i]));
  return d;
}
