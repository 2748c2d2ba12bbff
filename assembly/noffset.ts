// nnnoffset kernels (NETWORKS §5, vl_nnnoffset):
//   L(i)    = max(sum_k x(i, k)^2, 1e-8)                       per pixel i of each image
//   y(i, k) = x(i, k) - a L(i)^b                               (the same offset for every channel)
//   dzdx(i, k) = dzdy(i, k) - 2ab x(i, k) (sum_k dzdy(i, k)) L(i)^(b-1)   (the clamp not differentiated)
// Layout [m, C, N] as normalize.ts: a pixel's channels are m floats apart. Four pixels (one f32x4)
// run down their channels; both channel sums are kept in float64 (two f64x2 halves), so L is the
// float32 rounding of the exact sum of squares (each square is exact in float64) and sum dzdy does
// not drift over many channels. max is MATLAB's: a NaN sum gives 1e-8, as max(NaN, 1e-8) does.
// The last m % 4 pixels of an image are gathered into a zero-padded column of vectors (scratch)
// and run through the same group code, so each gets exactly what a vector lane gets.
// REQUIRES: x, y (dzdy, dzdx) hold m*C*N floats; y (dzdx) no alias of the inputs; C >= 0;
// scratch holds noffset_scratch(C) = 12 C floats, 16-byte aligned.

import { VEC, vecFloor } from './simd';
import { powLine, gather, scatter } from './normalize';
import { STATICS_BASE, NOFFSET_AT } from './statics';

// One vector of L for powLine.
let PW: usize = STATICS_BASE + NOFFSET_AT;
/** Move PW into a worker's private statics region at p (memory.ts, thread_statics). */
export function noffsetStaticsAt(p: usize): void { PW = p + NOFFSET_AT; }

// @ts-ignore: decorator
@inline function hiHalf(v: v128): v128 {
  return f64x2.promote_low_f32x4(f32x4.shuffle(v, v, 2, 3, 0, 1));
}

/** Lane sums of four pixels' channels kept as two f64x2 halves. */
let sLo: v128 = f64x2.splat(0);
let sHi: v128 = f64x2.splat(0);
let pLo: v128 = f64x2.splat(0);
let pHi: v128 = f64x2.splat(0);

/** The four f32 roundings of two f64x2 halves. */
// @ts-ignore: decorator
@inline function demote4(lo: v128, hi: v128): v128 {
  return f32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/** L of the group at xp (channels cs bytes apart); with pp != 0 also sum_k dzdy into pLo, pHi. */
function groupL(xp: usize, pp: usize, cs: usize, C: i32): v128 {
  sLo = f64x2.splat(0);
  sHi = sLo;
  pLo = sLo;
  pHi = sLo;
  for (let k = 0; k < C; k++) {
    const o = <usize>k * cs;
    const v = v128.load(xp + o);
    const l = f64x2.promote_low_f32x4(v);
    const h = hiHalf(v);
    sLo = f64x2.add(sLo, f64x2.mul(l, l));
    sHi = f64x2.add(sHi, f64x2.mul(h, h));
    if (pp != 0) {
      const p = v128.load(pp + o);
      pLo = f64x2.add(pLo, f64x2.promote_low_f32x4(p));
      pHi = f64x2.add(pHi, hiHalf(p));
    }
  }
  return f32x4.pmax(f32x4.splat(1e-8), demote4(sLo, sHi)); // 1e-8 < s ? s : 1e-8
}

let vA: v128 = f32x4.splat(0);
let expo: f32 = 0;

/** L^expo of one vector. */
function powL(L: v128): v128 {
  v128.store(PW, L);
  powLine(PW, PW, 1, expo);
  return v128.load(PW);
}

/** y = x - a L^b for one group. */
function forwardGroup(xp: usize, yp: usize, cs: usize, C: i32): void {
  const t = f32x4.mul(vA, powL(groupL(xp, 0, cs, C)));
  for (let k = 0; k < C; k++) {
    const o = <usize>k * cs;
    v128.store(yp + o, f32x4.sub(v128.load(xp + o), t));
  }
}

/** dzdx = dzdy - (2ab (sum dzdy) L^(b-1)) x for one group (vA holds 2ab, expo b - 1). */
function backwardGroup(xp: usize, pp: usize, dp: usize, cs: usize, C: i32): void {
  const L = groupL(xp, pp, cs, C);
  const w = f32x4.mul(vA, f32x4.mul(demote4(pLo, pHi), powL(L)));
  for (let k = 0; k < C; k++) {
    const o = <usize>k * cs;
    v128.store(dp + o, f32x4.sub(v128.load(pp + o), f32x4.mul(w, v128.load(xp + o))));
  }
}

/** Floats of scratch of both kernels: three columns of C vectors for the tail. */
export function noffset_scratch(C: i32): i32 {
  return 3 * VEC * C;
}

/**
 * y = x - a L^b (backward: dzdx = dzdy - 2ab x (sum dzdy) L^(b-1)) for N images of C channels of m
 * pixels: one body for both passes, dzdy = 0 meaning forward (x, y) and otherwise (x, dzdy, dzdx = y).
 */
function run(x: usize, dzdy: usize, y: usize, scratch: usize, m: i32, C: i32, N: i32): void {
  const cs = <usize>m << 2;
  const mv = vecFloor(m);
  const col = <usize>C << 4;
  for (let n = 0; n < N; n++) {
    const o = <usize>n * <usize>C * cs;
    for (let i = 0; i < mv; i += VEC) {
      const t = o + (<usize>i << 2);
      if (dzdy == 0) forwardGroup(x + t, y + t, cs, C);
      else backwardGroup(x + t, dzdy + t, y + t, cs, C);
    }
    if (mv < m) {
      const t = o + (<usize>mv << 2);
      gather(x + t, cs, C, m - mv, scratch, 16);
      if (dzdy == 0) {
        forwardGroup(scratch, scratch + 2 * col, 16, C);
      } else {
        gather(dzdy + t, cs, C, m - mv, scratch + col, 16);
        backwardGroup(scratch, scratch + col, scratch + 2 * col, 16, C);
      }
      scatter(scratch + 2 * col, y + t, cs, C, m - mv, 16);
    }
  }
}

/** y = x - a L^b. */
export function noffset_forward(x: usize, y: usize, scratch: usize, m: i32, C: i32, N: i32, a: f32, b: f32): void {
  vA = f32x4.splat(a);
  expo = b;
  run(x, 0, y, scratch, m, C, N);
}

/** dzdx = dzdy - 2ab x (sum_k dzdy) L^(b-1). */
export function noffset_backward(x: usize, dzdy: usize, dzdx: usize, scratch: usize, m: i32, C: i32, N: i32, a: f32, b: f32): void {
  vA = f32x4.splat(<f32>2 * a * b);
  expo = b - 1;
  run(x, dzdy, dzdx, scratch, m, C, N);
}
