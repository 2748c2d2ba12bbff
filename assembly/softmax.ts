// nnsoftmax kernels (SEMANTICS §4.2, vl_nnsoftmax.m): softmax over the channels of every pixel.
// x is [H, W, C, N] column-major, its planes S >= P floats apart: with P = H*W pixels per
// image, channel k of pixel p of image n is element p + S*(k + C*n) (S = P for a resident
// tensor; the facade pads S where P is a multiple of 256, see softmaxStride in
// src/blocks/softmax.ts). Floats p >= P of a plane are never read; y gets the same layout.
//   forward:  m = max_k x_k,  e_k = exp(x_k - m),  L = sum_k e_k,  y_k = e_k / L
//   backward: y as above (recomputed from x, as vl_nnsoftmax does), t = sum_k dzdy_k * y_k,
//             dzdx_k = y_k * (dzdy_k - t)
// L and t are summed in f64 (one rounding each, whatever C is), so y is within about
// 2.5 ulp of the softmax of x whenever x_k - m is exact in f32. NaN anywhere in a pixel
// makes that pixel NaN (its exp is NaN, and so is L); so does +Inf (Inf - Inf), as in
// MATLAB. The max is pmax (one x64 instruction; IEEE max takes about seven in V8): it may
// pass over a NaN, which then reaches L through its exp.
// Two shapes of loop:
//  * pixels: 4 pixels of one image in the lanes (P >= 4), their channels S floats apart;
//    the P % 4 last pixels of each image one at a time (P = 2, 3: all of them).
//  * channels: P = 1 (1x1xCxN, a classifier's scores): an image's channels are contiguous,
//    the lanes run along k, and a horizontal max and sum close each image.
// The vector exps of a run (a group's or an image's channels) are vexpn when no x - m of
// the run is below -86.5 (bit for bit vexp), vexp otherwise; either way each lane's value is
// vexp's. In the pixel loops a pixel gives the same y whether a lane or the scalar code serves it:
// the scalar code uses lane 0 of the vector exp (sexp, through exp1) and sums in the same order as a lane.
// REQUIRES: x, y (dzdy, dzdx) hold S*C*N f32 each; P, C, N >= 1; S >= P, S = 1 when P = 1;
// S*C*N < 2^30; outputs do not overlap inputs.

import { VEC, vecFloor, ld4, st4, ld1, st1 } from './simd';
import { vexpn, ek, EXPN_MIN4, EK_LOG2E, EK_ROUND, EK_LN2_HI, EK_LN2_LO, EK_Q4, EK_Q3, EK_Q2, EK_Q1, EK_Q0,
  EK_ONE } from './vmath';
import { exp1, expv } from './vmath_calls';

// @ts-ignore: decorator
@inline function hmax(v: v128): f32 {
  const a = f32x4.pmax(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(f32x4.pmax(a, v128.shuffle<f32>(a, a, 1, 0, 3, 2)), 0);
}

/** The least lane of v (pmin: a NaN may be passed over, as in maxRun). */
// @ts-ignore: decorator
@inline function hmin(v: v128): f32 {
  const a = f32x4.pmin(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(f32x4.pmin(a, v128.shuffle<f32>(a, a, 1, 0, 3, 2)), 0);
}

/** f32x4.pmax of one lane: b where a < b, else a. */
// @ts-ignore: decorator
@inline function pmax1(a: f32, b: f32): f32 {
  return a < b ? b : a;
}

/** The four lanes of v added to the two f64 lanes of s (lanes 0, 1 go to s0; 2, 3 to s1). */
// @ts-ignore: decorator
@inline function acc0(s: v128, v: v128): v128 {
  return f64x2.add(s, f64x2.promote_low_f32x4(v));
}

// @ts-ignore: decorator
@inline function acc1(s: v128, v: v128): v128 {
  return f64x2.add(s, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3)));
}

/** Lanes (s0[0], s0[1], s1[0], s1[1]) rounded to f32. */
// @ts-ignore: decorator
@inline function demote4(s0: v128, s1: v128): v128 {
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(s0), f32x4.demote_f64x2_zero(s1), 0, 1, 4, 5);
}

// @ts-ignore: decorator
@inline function hsum(s0: v128, s1: v128): f64 {
  return (f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s1, 0)) + (f64x2.extract_lane(s0, 1) + f64x2.extract_lane(s1, 1));
}

// The vector loops of both shapes are the same two runs over `count` vectors `stride`
// floats apart (channels of 4 pixels: stride P, count C; contiguous channels: stride 4,
// count C/4), so the module holds one inlined copy of the vector exp.

/** min over the last maxRun, per lane (pmin, so a NaN may hide a lane's min: see expRun). */
let runMin: v128 = f32x4.splat(0);

/**
 * max over the run, per lane (two accumulators: pmax's latency, not its throughput, bounds
 * one); the min too, into runMin, from the same loads.
 */
function maxRun(x: usize, b: i32, stride: i32, count: i32): v128 {
  let m = ld4(x, b);
  let m2 = m;
  let l = m;
  let l2 = m;
  let k = 1;
  for (; k + 1 < count; k += 2) {
    const u = ld4(x, b + stride * k);
    const v = ld4(x, b + stride * (k + 1));
    m = f32x4.pmax(m, u);
    m2 = f32x4.pmax(m2, v);
    l = f32x4.pmin(l, u);
    l2 = f32x4.pmin(l2, v);
  }
  if (k < count) {
    const u = ld4(x, b + stride * k);
    m = f32x4.pmax(m, u);
    l = f32x4.pmin(l, u);
  }
  runMin = f32x4.pmin(l, l2);
  return f32x4.pmax(m, m2);
}

/** Lanes 2, 3 of the last expRun's sums (f64x2); lanes 0, 1 are its result. */
let sumHi: v128 = f64x2.splat(0);

/**
 * e = exp(x - m) over the run, stored into e at eb, es floats apart, summed per lane in f64. x - m <= 0, so the
 * run is in vexpn's range when its least x - m, lo = (run's min) - m, is >= -EXPN_MAX in
 * every lane (f32 subtraction is monotonic, so then every x - m is; a NaN or -Inf min
 * fails): then every vector takes vexpn, bit for bit vexp, in a loop with no test and no
 * call; otherwise every vector takes vexp (called), which gives the denormals, 0 and NaN.
 * A NaN that pmin passed over reaches vexpn, which gives NaN for it as vexp does. vexpn's
 * constants are held in locals (vmath's NOTE).
 */
function expRun(x: usize, e: usize, b: i32, stride: i32, count: i32, m: v128, lo: v128, eb: i32, es: i32): v128 {
  let s0 = f64x2.splat(0);
  let s1 = f64x2.splat(0);
  if (i32x4.all_true(f32x4.ge(lo, EXPN_MIN4()))) {
    const l2e = ek(EK_LOG2E), rnd = ek(EK_ROUND), hi = ek(EK_LN2_HI), lo2 = ek(EK_LN2_LO), q4 = ek(EK_Q4);
    const q3 = ek(EK_Q3), q2 = ek(EK_Q2), q1 = ek(EK_Q1), q0 = ek(EK_Q0), one = ek(EK_ONE);
    for (let k = 0; k < count; k++) {
      const v = vexpn(f32x4.sub(ld4(x, b + stride * k), m), false, l2e, rnd, hi, lo2, q4, q3, q2, q1, q0, one);
      st4(e, eb + es * k, v);
      s0 = acc0(s0, v);
      s1 = acc1(s1, v);
    }
  } else {
    for (let k = 0; k < count; k++) {
      const v = expv(f32x4.sub(ld4(x, b + stride * k), m));
      st4(e, eb + es * k, v);
      s0 = acc0(s0, v);
      s1 = acc1(s1, v);
    }
  }
  sumHi = s1;
  return s0;
}

/**
 * e_k = exp(x_k - m) for the 4 pixels at element b (channels S apart) into e at eb + es k;
 * returns L = sum_k e_k per lane.
 */
function exps4(x: usize, e: usize, b: i32, S: i32, C: i32, eb: i32, es: i32): v128 {
  const m = maxRun(x, b, S, C);
  const s0 = expRun(x, e, b, S, C, m, f32x4.sub(runMin, m), eb, es);
  return demote4(s0, sumHi);
}

/** exps4 for one pixel. */
function exps1(x: usize, e: usize, b: i32, S: i32, C: i32): f32 {
  let m = ld1(x, b);
  for (let k = 1; k < C; k++) m = pmax1(m, ld1(x, b + S * k));
  let s: f64 = 0;
  for (let k = 0; k < C; k++) {
    const i = b + S * k;
    const v = exp1(ld1(x, i) - m);
    st1(e, i, v);
    s += <f64>v;
  }
  return <f32>s;
}

/** exps for the C contiguous channels of one 1x1 image at element b. */
function expsC(x: usize, e: usize, b: i32, C: i32): f32 {
  const cv = vecFloor(C);
  let m = cv > 0 ? hmax(maxRun(x, b, VEC, cv >> 2)) : ld1(x, b);
  // the vector part's least x - m, for expRun (hmin: the least lane of runMin)
  const lo = cv > 0 ? hmin(runMin) : <f32>0;
  for (let k = cv; k < C; k++) m = pmax1(m, ld1(x, b + k));
  let s: f64 = 0;
  if (cv > 0) s = hsum(expRun(x, e, b, VEC, cv >> 2, f32x4.splat(m), f32x4.splat(lo - m), b, VEC), sumHi);
  for (let k = cv; k < C; k++) {
    const v = exp1(ld1(x, b + k) - m);
    st1(e, b + k, v);
    s += <f64>v;
  }
  return <f32>s;
}

// NOTE: in the pixel loops the channels are S floats apart, and when S*4 is a multiple of
// 4096 (32x32 maps, resident) every channel of a pixel has the same low 12 address bits. A pass that
// loads y_k and stores y_k in turn (y_k = e_k / L) then has each load wait on the store
// before it (the CPU takes the matching low bits for a dependence): 4K aliasing, 1.7x the
// time on the 32x32x21 map. So the e_k of a group of 4 pixels go to a contiguous run of
// 4C floats in y that only pixels after the group own (the last plane, from the group's
// next pixel on), and the pass reads them there and stores each y_k once. The groups
// within 4C + 4 pixels of the image's end, where there is no such run, keep e in place.
// The same stride puts all C lines of a group in one L1 set (8 ways), so every access misses
// L1 once C > 8: the facade's padded S (planes one line apart in the set index) avoids that.

/** Where the 4 pixels at p (of P, planes S apart) keep their e_k: the run's start, as an element of the image at b. */
// @ts-ignore: decorator
@inline function runAt(b: i32, p: i32, P: i32, S: i32, C: i32): i32 {
  return p + VEC * (C + 1) <= P ? b + S * (C - 1) + p + VEC : b + p;
}

/** The stride of that run: 4 floats, or S in place. */
// @ts-ignore: decorator
@inline function runStep(p: i32, P: i32, S: i32, C: i32): i32 {
  return p + VEC * (C + 1) <= P ? VEC : S;
}

/** y = softmax over the C channels of the one pixel at element i (channels S apart), in place of e. */
function pixel1(x: usize, y: usize, i: i32, S: i32, C: i32): void {
  const L = exps1(x, y, i, S, C);
  for (let k = 0; k < C; k++) st1(y, i + S * k, ld1(y, i + S * k) / L);
}

/** y = softmax over the channels of the image at element b (P pixels, C channels S apart). */
function softmaxImage(x: usize, y: usize, b: i32, P: i32, S: i32, C: i32): void {
  if (P == 1) {
    // y_k = e_k / L along the contiguous channels
    const L = expsC(x, y, b, C);
    const cv = vecFloor(C);
    const L4 = f32x4.splat(L);
    let k = 0;
    for (; k < cv; k += VEC) st4(y, b + k, f32x4.div(ld4(y, b + k), L4));
    for (; k < C; k++) st1(y, b + k, ld1(y, b + k) / L);
    return;
  }
  const pv = vecFloor(P);
  let p = 0;
  for (; p < pv; p += VEC) {
    const eb = runAt(b, p, P, S, C);
    const es = runStep(p, P, S, C);
    const L = exps4(x, y, b + p, S, C, eb, es);
    for (let k = 0; k < C; k++) st4(y, b + p + S * k, f32x4.div(ld4(y, eb + es * k), L));
  }
  for (; p < P; p++) pixel1(x, y, b + p, S, C);
}

/** y = softmax over channels of x, N images of P pixels and C channels, planes S floats apart. */
export function softmax_forward(x: usize, y: usize, P: i32, C: i32, N: i32, S: i32): void {
  for (let n = 0; n < N; n++) softmaxImage(x, y, S * C * n, P, S, C);
}

/**
 * dzdx = y .* (dzdy - sum_k dzdy_k y_k) with y = softmax(x) recomputed by the forward's
 * code (so it is the forward's y bit for bit) into dzdx, 4 pixels (or a 1x1 image) at a
 * time, then projected while in cache. Same sizes as softmax_forward.
 */
export function softmax_backward(x: usize, dzdy: usize, dzdx: usize, P: i32, C: i32, N: i32, S: i32): void {
  for (let n = 0; n < N; n++) {
    const b = S * C * n;
    if (P == 1) {
      softmaxImage(x, dzdx, b, P, S, C);
      projectC(dzdy, dzdx, b, C);
      continue;
    }
    const pv = vecFloor(P);
    let p = 0;
    for (; p < pv; p += VEC) {
      // e_k in dzdx's run (see runAt), y_k = e_k / L back into it, t = sum_k dzdy_k y_k
      // per lane, then dzdx_k = y_k (dzdy_k - t)
      const eb = runAt(b, p, P, S, C);
      const es = runStep(p, P, S, C);
      const L = exps4(x, dzdx, b + p, S, C, eb, es);
      let t0 = f64x2.splat(0);
      let t1 = f64x2.splat(0);
      for (let k = 0; k < C; k++) {
        const j = eb + es * k;
        const yk = f32x4.div(ld4(dzdx, j), L);
        st4(dzdx, j, yk);
        const q = f32x4.mul(ld4(dzdy, b + p + S * k), yk);
        t0 = acc0(t0, q);
        t1 = acc1(t1, q);
      }
      const t = demote4(t0, t1);
      for (let k = 0; k < C; k++) {
        const i = b + p + S * k;
        st4(dzdx, i, f32x4.mul(ld4(dzdx, eb + es * k), f32x4.sub(ld4(dzdy, i), t)));
      }
    }
    for (; p < P; p++) {
      pixel1(x, dzdx, b + p, S, C);
      let s: f64 = 0;
      for (let k = 0; k < C; k++) {
        const i = b + p + S * k;
        s += <f64>(ld1(dzdy, i) * ld1(dzdx, i));
      }
      const t = <f32>s;
      for (let k = 0; k < C; k++) {
        const i = b + p + S * k;
        st1(dzdx, i, ld1(dzdx, i) * (ld1(dzdy, i) - t));
      }
    }
  }
}

/** The projection of softmax_backward for one 1x1 image (y in dzdx, contiguous channels at b). */
function projectC(dzdy: usize, dzdx: usize, b: i32, C: i32): void {
  const cv = vecFloor(C);
  let t0 = f64x2.splat(0);
  let t1 = f64x2.splat(0);
  let k = 0;
  for (; k < cv; k += VEC) {
    const q = f32x4.mul(ld4(dzdy, b + k), ld4(dzdx, b + k));
    t0 = acc0(t0, q);
    t1 = acc1(t1, q);
  }
  let s = hsum(t0, t1);
  for (; k < C; k++) s += <f64>(ld1(dzdy, b + k) * ld1(dzdx, b + k));
  const t = <f32>s;
  const t4 = f32x4.splat(t);
  for (k = 0; k < cv; k += VEC) st4(dzdx, b + k, f32x4.mul(ld4(dzdx, b + k), f32x4.sub(ld4(dzdy, b + k), t4)));
  for (; k < C; k++) st1(dzdx, b + k, ld1(dzdx, b + k) * (ld1(dzdy, b + k) - t));
}
