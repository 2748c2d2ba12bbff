// Reference nnrelu, straight from SEMANTICS §3, in float32 arithmetic.
// The oracle for tests: never optimise it.

/** y = x > 0 ? x : leak * x (+0 for the -0 of 0 * negative x, as max(x, 0)). */
export function reluForwardRef(x: Float32Array, leak: number): Float32Array {
  const l = Math.fround(leak);
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = x[i] > 0 ? x[i] : Math.fround(l * x[i]) + 0;
  return y;
}

/** dzdx = dzdy * (x > 0 ? 1 : leak); the test is strict, so the derivative at 0 is leak. */
export function reluBackwardRef(x: Float32Array, dzdy: Float32Array, leak: number): Float32Array {
  const l = Math.fround(leak);
  const d = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) d[i] = x[i] > 0 ? dzdy[i] : Math.fround(l * dzdy[i]);
  return d;
}
