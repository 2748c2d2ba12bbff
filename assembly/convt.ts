// nnconvt's bias (SEMANTICS §4.6), the one loop nnconvt adds to the conv kernels:
// its forward pass is conv_backward_data, which has no bias term, so the bias of
// each output channel is added to y in place afterwards:
//   y(p, k, n) += b[k]   for p < P = Ho*Wo, k < K (= filters times groups), n < N.
// REQUIRES (checked by planConvt in src/blocks/convt.ts): y holds P*K*N floats,
// b holds K; P, K >= 1, N >= 0.

import { VEC, vecFloor, ld4, st4, ld1, st1 } from './simd';

export function convt_bias_forward(y: usize, b: usize, P: i32, K: i32, N: i32): void {
  const nv = vecFloor(P);
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) {
      const bk = ld1(b, k);
      const bv = f32x4.splat(bk);
      // Plane (k, n) starts at element P*(k + K*n).
      const p = y + (<usize>(P * (k + K * n)) << 2);
      let i = 0;
      for (; i < nv; i += VEC) st4(p, i, f32x4.add(ld4(p, i), bv));
      for (; i < P; i++) st1(p, i, ld1(p, i) + bk);
    }
  }
}
