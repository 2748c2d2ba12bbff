// nnrelu kernels (SEMANTICS §3).
//   forward:  y    = x > 0 ? x : leak * x + 0     (+0, not -0, like max(x, 0))
//   backward: dzdx = dzdy * (x > 0 ? 1 : leak)
// The test is a strict x > 0, so the derivative at 0 is `leak`.
// REQUIRES: x, y, dzdy, dzdx hold n f32 each; n >= 0; y/dzdx may alias nothing
// the kernel still reads after writing (in-place on the same index is fine).

import { VEC, vecFloor, ld4, st4, ld1, st1 } from './simd';

/** y = x when x > 0 else leak * x, n elements. */
export function relu_forward(x: usize, y: usize, n: i32, leak: f32): void {
  const zero = f32x4.splat(0);
  const l = f32x4.splat(leak);
  const nv = vecFloor(n);
  let i = 0;
  for (; i < nv; i += VEC) {
    const v = ld4(x, i);
    // Lanes where x > 0 keep x, the others take leak * x + 0: adding +0 turns
    // the -0 of 0 * (negative x) into +0, as MATLAB's max(x, 0) gives, and
    // keeps NaN as NaN, as the leak formula does.
    st4(y, i, v128.bitselect(v, f32x4.add(f32x4.mul(v, l), zero), f32x4.gt(v, zero)));
  }
  for (; i < n; i++) {
    const v = ld1(x, i);
    st1(y, i, v > 0 ? v : v * leak + 0);
  }
}

/** dzdx = dzdy where x > 0 else leak * dzdy, n elements. */
export function relu_backward(x: usize, dzdy: usize, dzdx: usize, n: i32, leak: f32): void {
  const zero = f32x4.splat(0);
  const l = f32x4.splat(leak);
  const nv = vecFloor(n);
  let i = 0;
  for (; i < nv; i += VEC) {
    const p = ld4(dzdy, i);
    st4(dzdx, i, v128.bitselect(p, f32x4.mul(p, l), f32x4.gt(ld4(x, i), zero)));
  }
  for (; i < n; i++) {
    const p = ld1(dzdy, i);
    st1(dzdx, i, ld1(x, i) > 0 ? p : p * leak);
  }
}
