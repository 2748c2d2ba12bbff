// nnsigmoid kernels (SEMANTICS §4.4, vl_nnsigmoid.m).
//   forward:  y    = 1 / (1 + exp(-x))
//   backward: dzdx = dzdy * (y * (1 - y)), y recomputed from x as vl_nnsigmoid does
// exp is vmath's vexp (1 ulp), so y is within about 2.5 ulp of the exact
// sigmoid of x. x < -88.7 gives exp(-x) = +Inf and y = +0, as single precision
// gives in MATLAB; x > 17 gives y = 1. NaN stays NaN.
// REQUIRES: x, y, dzdy, dzdx hold n f32 each; n >= 0; outputs do not overlap inputs.

import { VEC, vecFloor, ld4, st4, ld1, st1 } from './simd';
import { vexpn, ek, ONE4, EK_ABS, EK_EXPN_MAX, EK_NEG_LOG2E, EK_ROUND, EK_LN2_HI, EK_LN2_LO,
  EK_Q4, EK_Q3, EK_Q2, EK_Q1, EK_Q0, EK_ONE } from './vmath';
import { exp1, expv } from './vmath_calls';

/** sigmoid of one value through sexp (exp1, lane 0 of vexp): a tail element equals a vector lane. */
// @ts-ignore: decorator
@inline function sigmoid1(x: f32): f32 {
  return <f32>1 / (<f32>1 + exp1(-x));
}

/** 1 / (1 + e) per lane. */
// @ts-ignore: decorator
@inline function logistic(e: v128, one: v128): v128 {
  return f32x4.div(one, f32x4.add(one, e));
}

/** y(i) = 1 / (1 + exp(-x(i))), n elements. */
export function sigmoid_forward(x: usize, y: usize, n: i32): void {
  // NOTE: four vectors a step, their exps independent chains that the CPU overlaps, with
  // vmath's constants in locals (see its NOTE; with both, 0.80 ns an element against 1.16 on
  // Node 20, the same bits).
  // Where all four are in vexpn's range (|x| <= 86.5: every finite score a net produces; NaN
  // too, which gives NaN either way) the exp scales once and skips vexp's clamps, bit for bit
  // vexp's value. A step with a lane outside leaves the inner loop, goes through vexp (called)
  // and re-enters it: no call inside the hot loop, so V8 keeps its values in registers.
  // The last n % 16 elements take the scalar tail.
  const l2e = ek(EK_NEG_LOG2E), rnd = ek(EK_ROUND), hi = ek(EK_LN2_HI), lo = ek(EK_LN2_LO), q4 = ek(EK_Q4);
  const q3 = ek(EK_Q3), q2 = ek(EK_Q2), q1 = ek(EK_Q1), q0 = ek(EK_Q0), one = ek(EK_ONE);
  const lim = ek(EK_EXPN_MAX), mask = ek(EK_ABS);
  const n16 = n & ~(4 * VEC - 1);
  let i = 0;
  while (i < n16) {
    for (; i < n16; i += 4 * VEC) {
      const xa = ld4(x, i), xb = ld4(x, i + VEC), xc = ld4(x, i + 2 * VEC), xd = ld4(x, i + 3 * VEC);
      const outA = v128.or(f32x4.gt(v128.and(xa, mask), lim), f32x4.gt(v128.and(xb, mask), lim));
      const outC = v128.or(f32x4.gt(v128.and(xc, mask), lim), f32x4.gt(v128.and(xd, mask), lim));
      if (v128.any_true(v128.or(outA, outC))) break;
      st4(y, i, logistic(vexpn(xa, true, l2e, rnd, hi, lo, q4, q3, q2, q1, q0, one), one));
      st4(y, i + VEC, logistic(vexpn(xb, true, l2e, rnd, hi, lo, q4, q3, q2, q1, q0, one), one));
      st4(y, i + 2 * VEC, logistic(vexpn(xc, true, l2e, rnd, hi, lo, q4, q3, q2, q1, q0, one), one));
      st4(y, i + 3 * VEC, logistic(vexpn(xd, true, l2e, rnd, hi, lo, q4, q3, q2, q1, q0, one), one));
    }
    if (i >= n16) break;
    for (let j = 0; j < 4 * VEC; j += VEC) st4(y, i + j, logistic(expv(f32x4.neg(ld4(x, i + j))), one));
    i += 4 * VEC;
  }
  for (; i < n; i++) st1(y, i, sigmoid1(ld1(x, i)));
}

// The backward pass runs the forward loop into dzdx a block at a time (one copy of the
// exp code in the module) and finishes each block while it is in L1.
const BLOCK: i32 = 1024;

/** dzdx(i) = dzdy(i) * (y(i) * (1 - y(i))) with y(i) = sigmoid(x(i)), n elements. */
export function sigmoid_backward(x: usize, dzdy: usize, dzdx: usize, n: i32): void {
  const one = ONE4();
  for (let i0 = 0; i0 < n; i0 += BLOCK) {
    const m = min(BLOCK, n - i0);
    const o = <usize>i0 << 2;
    sigmoid_forward(x + o, dzdx + o, m);
    const mv = vecFloor(m);
    let i = 0;
    for (; i < mv; i += VEC) {
      const y = ld4(dzdx + o, i);
      st4(dzdx + o, i, f32x4.mul(ld4(dzdy + o, i), f32x4.mul(y, f32x4.sub(one, y))));
    }
    for (; i < m; i++) {
      const y = ld1(dzdx + o, i);
      st1(dzdx + o, i, ld1(dzdy + o, i) * (y * (<f32>1 - y)));
    }
  }
}
