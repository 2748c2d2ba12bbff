// nndropout kernel (SEMANTICS §4.7): y = mask .* x, and the backward dzdx = mask .* dzdy
// is the same product (the facade calls this kernel for both passes).
// REQUIRES: x, mask, y hold n floats each; y may be x or mask (same index in place).

import { VEC, vecFloor, ld4, st4, ld1, st1 } from './simd';

/** y[i] = mask[i] * x[i], n elements. */
export function dropout_forward(x: usize, mask: usize, y: usize, n: i32): void {
  const nv = vecFloor(n);
  let i = 0;
  for (; i < nv; i += VEC) st4(y, i, f32x4.mul(ld4(mask, i), ld4(x, i)));
  for (; i < n; i++) st1(y, i, ld1(mask, i) * ld1(x, i));
}
