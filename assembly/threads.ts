// The one kernel the worker pool adds (src/threads.ts): summing the partial results
// that workers computed over their share of a batch (nnconv's dzdw).
// REQUIRES: dst and src hold n floats each and do not overlap (or are the same buffer).

import { VEC, vecFloor, ld4, st4, ld1, st1 } from './simd';

/** dst[i] += src[i], n elements. */
export function thread_add(dst: usize, src: usize, n: i32): void {
  const nv = vecFloor(n);
  let i = 0;
  for (; i < nv; i += VEC) st4(dst, i, f32x4.add(ld4(dst, i), ld4(src, i)));
  for (; i < n; i++) st1(dst, i, ld1(dst, i) + ld1(src, i));
}
