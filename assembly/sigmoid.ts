// nnsigmoid kernels (SEMANTICS §4.4, vl_nnsigmoid.m).
//   forward:  y    = 1 / (1 + exp(-x))
//   backward: dzdx = dzdy * (y * (1 - y)), y recomputed from x as vl_nnsigmoid does
// exp is vmath's vexp (1 ulp), so y is within about 2.5 ulp of the exact
// sigmoid of x. x < -88.7 gives exp(-x) = +Inf and y = +0, as single precision
// gives in MATLAB; x > 17 gives y = 1. NaN stays NaN.
// REQUIRES: x, y, dzdy, dzdx hold n f32 each; n >= 0; outputs do not overlap inputs.

import { VEC, vecFloor, ld4, st4, ld1, st1 } from './simd';
import { vexpnNeg, ONE4, EXPN_MAX4, ABS4 } from './vmath';
import { exp1, expv } from './vmath_calls';

/** sigmoid of one value through sexp (exp1, lane 0 of vexp): a tail element equals a vector lane. */
// @ts-ignore: decorator
@inline function sigmoid1(x: f32): f32 {
  return <f32>1 / (<f32>1 + exp1(-x));
}

/** y(i) = 1 / (1 + exp(-x(i))), n elements. */
export function sigmoid_forward(x: usize, y: usize, n: i32): void {
  // NOTE: two vectors per step: their exps are independent chains of ~30 dependent
  // operations, and interleaving them lets the CPU overlap the two. Where both vectors
  // are in vexpn's range (|x| <= 86.5: every finite score a net produces; NaN too, which
  // gives NaN either way) the exp scales once and skips vexp's clamps, bit for bit vexp's
  // value. A pair with a lane outside leaves the inner loop, goes through vexp (called)
  // and re-enters it: no call inside the hot loop, so V8 keeps its values in registers.
  // The last n % 8 elements take the scalar tail.
  const n8 = n & ~(2 * VEC - 1);
  let i = 0;
  while (i < n8) {
    for (; i < n8; i += 2 * VEC) {
      const xa = ld4(x, i);
      const xb = ld4(x, i + VEC);
      const lim = EXPN_MAX4();
      const mask = ABS4();
      if (v128.any_true(v128.or(f32x4.gt(v128.and(xa, mask), lim), f32x4.gt(v128.and(xb, mask), lim)))) break;
      const a = vexpnNeg(xa);
      const b = vexpnNeg(xb);
      st4(y, i, f32x4.div(ONE4(), f32x4.add(ONE4(), a)));
      st4(y, i + VEC, f32x4.div(ONE4(), f32x4.add(ONE4(), b)));
    }
    if (i >= n8) break;
    const a = expv(f32x4.neg(ld4(x, i)));
    const b = expv(f32x4.neg(ld4(x, i + VEC)));
    st4(y, i, f32x4.div(ONE4(), f32x4.add(ONE4(), a)));
    st4(y, i + VEC, f32x4.div(ONE4(), f32x4.add(ONE4(), b)));
    i += 2 * VEC;
  }
  for (; i < n; i++) st1(y, i, sigmoid1(ld1(x, i)));
}

// The backward pass runs the forward loop into dzdx a block at a time (one copy of the
// exp code in the module) and finishes each block while it is in L1.
const BLOCK: i32 = 1024;

/** dzdx(i) = dzdy(i) * (y(i) * (1 - y(i))) with y(i) = sigmoid(x(i)), n elements. */
export function sigmoid_backward(x: usize, dzdy: usize, dzdx: usize, n: i32): void {
  for (let i0 = 0; i0 < n; i0 += BLOCK) {
    const m = min(BLOCK, n - i0);
    const o = <usize>i0 << 2;
    sigmoid_forward(x + o, dzdx + o, m);
    const mv = vecFloor(m);
    let i = 0;
    for (; i < mv; i += VEC) {
      const y = ld4(dzdx + o, i);
      st4(dzdx + o, i, f32x4.mul(ld4(dzdy + o, i), f32x4.mul(y, f32x4.sub(ONE4(), y))));
    }
    for (; i < m; i++) {
      const y = ld1(dzdx + o, i);
      st1(dzdx + o, i, ld1(dzdy + o, i) * (y * (<f32>1 - y)));
    }
  }
}
