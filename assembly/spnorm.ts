// nnspnorm element-wise kernels (NETWORKS §5, vl_nnspnorm). The window means are avg pooling:
//   N2 = avgpool(x^2, [PH PW], pad [pt pb pl pr], stride 1)    (pool/avg.ts; divides by the in-image count)
//   f  = 1 + alpha N2
//   forward:  y = f^-beta x
//   backward: q = f^(-beta-1) dzdy x, t = avgpool_backward(q) (pool/avg.ts),
//             dzdx = f^-beta dzdy - 2 alpha beta x t
// The facade runs square -> pool -> spnorm_forward, and square -> pool -> spnorm_backward -> pool
// backward -> spnorm_combine_backward. The powers go through powLine (normalize.ts) in blocks of
// BLOCK floats held in static lines F and G; a tail element reads its power from a lane of the
// same vector computation, so every element gets what a lane gets.
// REQUIRES: every buffer holds n floats; an output may be the input of the same index (in place)
// only where said.

import { VEC, vecFloor, ld4, st4, ld1, st1 } from './simd';
import { powLine } from './normalize';
import { STATICS_BASE, SPNORM_AT } from './statics';

const BLOCK: i32 = 1024;
let F: usize = STATICS_BASE + SPNORM_AT;
let G: usize = STATICS_BASE + SPNORM_AT + BLOCK * 4;
/** Move F and G into a worker's private statics region at p (memory.ts, thread_statics). */
export function spnormStaticsAt(p: usize): void { F = p + SPNORM_AT; G = p + SPNORM_AT + BLOCK * 4; }

/** s = x^2, n elements (s may be x). */
export function spnorm_square_forward(x: usize, s: usize, n: i32): void {
  const nv = vecFloor(n);
  let i = 0;
  for (; i < nv; i += VEC) {
    const v = ld4(x, i);
    st4(s, i, f32x4.mul(v, v));
  }
  for (; i < n; i++) {
    const v = ld1(x, i);
    st1(s, i, v * v);
  }
}

/** F[j] = 1 + alpha n2[i0 + j] for j < cnt (<= BLOCK), then G = F^e over the vectors that hold them. */
function powers(n2: usize, i0: i32, cnt: i32, alpha: f32, e: f32): void {
  const va = f32x4.splat(alpha);
  const one = f32x4.splat(1);
  const cv = vecFloor(cnt);
  let j = 0;
  for (; j < cv; j += VEC) st4(F, j, f32x4.add(one, f32x4.mul(va, ld4(n2, i0 + j))));
  for (; j < cnt; j++) st1(F, j, <f32>1 + alpha * ld1(n2, i0 + j));
  powLine(F, G, (cnt + VEC - 1) / VEC, e);
}

/** y = (1 + alpha n2)^-beta x, n elements. */
export function spnorm_forward(x: usize, n2: usize, y: usize, n: i32, alpha: f32, beta: f32): void {
  for (let i0 = 0; i0 < n; i0 += BLOCK) {
    const cnt = min(BLOCK, n - i0);
    powers(n2, i0, cnt, alpha, -beta);
    const cv = vecFloor(cnt);
    let j = 0;
    for (; j < cv; j += VEC) st4(y, i0 + j, f32x4.mul(ld4(G, j), ld4(x, i0 + j)));
    for (; j < cnt; j++) st1(y, i0 + j, ld1(G, j) * ld1(x, i0 + j));
  }
}

/**
 * d = f^-beta dzdy (dzdx's first term) and q = f^(-beta-1) dzdy x (the pool backward's input),
 * f = 1 + alpha n2; n elements.
 */
export function spnorm_backward(x: usize, n2: usize, dzdy: usize, q: usize, d: usize, n: i32, alpha: f32, beta: f32): void {
  for (let i0 = 0; i0 < n; i0 += BLOCK) {
    const cnt = min(BLOCK, n - i0);
    powers(n2, i0, cnt, alpha, -beta);
    const cv = vecFloor(cnt);
    let j = 0;
    for (; j < cv; j += VEC) {
      const g = ld4(G, j);
      const p = ld4(dzdy, i0 + j);
      st4(d, i0 + j, f32x4.mul(g, p));
      st4(q, i0 + j, f32x4.mul(f32x4.mul(f32x4.div(g, ld4(F, j)), p), ld4(x, i0 + j)));
    }
    for (; j < cnt; j++) {
      const g = ld1(G, j);
      const p = ld1(dzdy, i0 + j);
      st1(d, i0 + j, g * p);
      st1(q, i0 + j, (g / ld1(F, j)) * p * ld1(x, i0 + j));
    }
  }
}

/** dzdx = d - ab2 x t (ab2 = 2 alpha beta), n elements; dzdx may be d. */
export function spnorm_combine_backward(x: usize, t: usize, d: usize, dzdx: usize, n: i32, ab2: f32): void {
  const c = f32x4.splat(ab2);
  const nv = vecFloor(n);
  let i = 0;
  for (; i < nv; i += VEC) st4(dzdx, i, f32x4.sub(ld4(d, i), f32x4.mul(f32x4.mul(c, ld4(x, i)), ld4(t, i))));
  for (; i < n; i++) st1(dzdx, i, ld1(d, i) - ab2 * ld1(x, i) * ld1(t, i));
}
