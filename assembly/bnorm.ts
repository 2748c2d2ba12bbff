// nnbnorm kernels (SEMANTICS §4.5, MatConvNet's matlab/src/bits/nnbnorm.cu).
// x, y, dzdy, dzdx are [HW, C, N] column-major: channel c of image n is the run
// of HW floats starting at element HW*(c + C*n). mu, sigma, g, b, dzdg, dzdb
// hold C floats each (moments [C, 2] is mu = m, sigma = m + 4*C). Each kernel serves the
// channels c0 <= c < c1 of the whole tensors (a channel's results depend on that channel
// alone, so the worker pool splits the channels and gets the same bits).
//   statistics  mu = mean(x), sigma = sqrt(max(0, mean(x^2) - mu^2) + eps), over M = HW*N
//   normalise   y = (g / sigma) * (x - mu) + b                   (MatConvNet's float32 order)
//   backward    dzdb = sum p, dzdg = sum(p .* (x - mu)) / sigma,
//               dzdx = G1 * (p - dzdb / M) - G2 * (x - mu),
//               G1 = g / sigma, G2 = G1 * dzdg / (M * sigma)     (float32, as nnbnorm.cu)
// Sums: float32 vector partial sums over blocks of at most BLOCK elements, each
// block added into float64 totals, so a channel of any size drifts no more than
// one block does. The statistics take two passes (bnorm_moments): the mean, then
// sums of x - K and (x - K)^2 about K = that mean: var = mean((x-K)^2) - mean(x-K)^2
// is the same number as mean(x^2) - mu^2 without its cancellation when |mu| >> sigma.

import { VEC, vecFloor, ld4, st4, ld1, st1 } from './simd';

/**
 * Elements per float32 partial sum (a multiple of 2 * VEC): each of the four accumulators adds
 * BLOCK / 8 = 32 terms, so a block partial is off by at most about 32 float32 roundings of its
 * largest term (2e-6 relative in the worst case, one huge value early in a block; measured 3e-7
 * with a 1e6 outlier among values near 5). 1024 was 7% faster on the statistics and 4x less exact.
 */
const BLOCK: i32 = 256;

// The float64 totals of the last sum2() call.
let tot1: f64 = 0;
let tot2: f64 = 0;

// @ts-ignore: decorator
@inline function hsum(v: v128): f64 {
  return <f64>f32x4.extract_lane(v, 0) + <f64>f32x4.extract_lane(v, 1) +
    <f64>f32x4.extract_lane(v, 2) + <f64>f32x4.extract_lane(v, 3);
}

/**
 * Channel c's sums into tot1, tot2 (inlined with a constant STATS): with STATS, of x - k and (x - k)^2; else of
 * p and p * (x - k) (the backward's, k = mu). Runs n = 0..N-1 of HW floats at
 * element HW*(c + C*n) of x (and of p), each run in blocks from its own start even where the
 * runs are contiguous (C == 1): a channel's sums are then the same bits whatever the other
 * channels beside it, so nnbnorm's channel groups and the pool's channel shares do not change them.
 */
// @ts-ignore: decorator
@inline function sum2(STATS: bool, x: usize, p: usize, k: f32, HW: i32, C: i32, N: i32, c: i32): void {
  const kv = f32x4.splat(k);
  let s1: f64 = 0;
  let s2: f64 = 0;
  for (let n = 0; n < N; n++) {
    // run start: element HW*(c + C*n)
    const o = <usize>HW * (<usize>c + <usize>C * <usize>n) << 2;
    const xr = x + o;
    const pr = p + o;
    const nv = vecFloor(HW);
    let i = 0;
    while (i < nv) {
      const end = min(nv, i + BLOCK);
      let a1 = f32x4.splat(0);
      let a2 = f32x4.splat(0);
      let b1 = f32x4.splat(0);
      let b2 = f32x4.splat(0);
      for (; i + 2 * VEC <= end; i += 2 * VEC) {
        const t = f32x4.sub(ld4(xr, i), kv);
        const u = f32x4.sub(ld4(xr, i + VEC), kv);
        if (STATS) {
          a1 = f32x4.add(a1, t); a2 = f32x4.add(a2, f32x4.mul(t, t));
          b1 = f32x4.add(b1, u); b2 = f32x4.add(b2, f32x4.mul(u, u));
        } else {
          const q = ld4(pr, i);
          const r = ld4(pr, i + VEC);
          a1 = f32x4.add(a1, q); a2 = f32x4.add(a2, f32x4.mul(q, t));
          b1 = f32x4.add(b1, r); b2 = f32x4.add(b2, f32x4.mul(r, u));
        }
      }
      for (; i < end; i += VEC) {
        const t = f32x4.sub(ld4(xr, i), kv);
        if (STATS) {
          a1 = f32x4.add(a1, t); a2 = f32x4.add(a2, f32x4.mul(t, t));
        } else {
          const q = ld4(pr, i);
          a1 = f32x4.add(a1, q); a2 = f32x4.add(a2, f32x4.mul(q, t));
        }
      }
      s1 += hsum(f32x4.add(a1, b1));
      s2 += hsum(f32x4.add(a2, b2));
    }
    for (; i < HW; i++) {
      const t = ld1(xr, i) - k;
      if (STATS) {
        s1 += <f64>t; s2 += <f64>(t * t);
      } else {
        const q = ld1(pr, i);
        s1 += <f64>q; s2 += <f64>(q * t);
      }
    }
  }
  tot1 = s1;
  tot2 = s2;
}

/** sum2 with STATS, one copy for both passes of bnorm_moments. */
function statSums(x: usize, k: f32, HW: i32, C: i32, N: i32, c: i32): void {
  sum2(true, x, 0, k, HW, C, N, c);
}

/**
 * Batch statistics of every channel: mu[c], sigma[c] (float32, computed in float64), by the
 * corrected two-pass method: pass 1 gives the mean m1 (sums about 0), pass 2 the sums of
 * t = x - K and t^2 about K = float32(m1), and mu = K + mean(t), var = mean(t^2) - mean(t)^2:
 * with K at the mean the correction mean(t)^2 is tiny, so nothing cancels whatever the data
 * (no outlier can spoil a pivot). Both passes read the channel while it is in cache.
 * REQUIRES: x holds HW*C*N floats, HW*N >= 1, eps >= 0; mu, sigma hold C floats each
 * and do not overlap x; 0 <= c0 <= c1 <= C.
 */
export function bnorm_moments(x: usize, mu: usize, sigma: usize, HW: i32, C: i32, N: i32, c0: i32, c1: i32, eps: f64): void {
  const M = <f64>HW * <f64>N;
  for (let c = c0; c < c1; c++) {
    statSums(x, 0, HW, C, N, c);
    const k = <f32>(tot1 / M);
    statSums(x, k, HW, C, N, c);
    const d = tot1 / M;
    const v = tot2 / M - d * d;
    st1(mu, c, <f32>(<f64>k + d));
    st1(sigma, c, <f32>Math.sqrt((v > 0 ? v : 0) + eps));
  }
}

/**
 * y = (g[c] / sigma[c]) * (x - mu[c]) + b[c], in float32 in that order.
 * REQUIRES: x, y hold HW*C*N floats (y may be x); g, b, mu, sigma C floats each; 0 <= c0 <= c1 <= C.
 */
export function bnorm_forward(x: usize, g: usize, b: usize, mu: usize, sigma: usize, y: usize,
  HW: i32, C: i32, N: i32, c0: i32, c1: i32): void {
  let len = HW;
  let runs = N;
  if (C == 1) { len = HW * N; runs = 1; }
  const nv = vecFloor(len);
  for (let c = c0; c < c1; c++) {
    const a = ld1(g, c) / ld1(sigma, c);
    const m = ld1(mu, c);
    const bb = ld1(b, c);
    const av = f32x4.splat(a);
    const mv = f32x4.splat(m);
    const bv = f32x4.splat(bb);
    for (let n = 0; n < runs; n++) {
      // run start: element HW*(c + C*n)
      const o = <usize>HW * (<usize>c + <usize>C * <usize>n) << 2;
      const xr = x + o;
      const yr = y + o;
      let i = 0;
      for (; i < nv; i += VEC) st4(yr, i, f32x4.add(f32x4.mul(av, f32x4.sub(ld4(xr, i), mv)), bv));
      for (; i < len; i++) st1(yr, i, a * (ld1(xr, i) - m) + bb);
    }
  }
}

/**
 * dzdb[c], dzdg[c] and dzdx for given (or just computed) mu, sigma, as nnbnorm.cu's
 * compute_ders + batch_normalize_backward (the same formulas when moments are given).
 * REQUIRES: x, dzdy, dzdx hold HW*C*N floats (dzdx overlaps neither input); g, mu,
 * sigma, dzdg, dzdb C floats each; HW*N >= 0; 0 <= c0 <= c1 <= C.
 */
export function bnorm_backward(x: usize, g: usize, mu: usize, sigma: usize, dzdy: usize, dzdx: usize,
  dzdg: usize, dzdb: usize, HW: i32, C: i32, N: i32, c0: i32, c1: i32): void {
  let len = HW;
  let runs = N;
  if (C == 1) { len = HW * N; runs = 1; }
  const nv = vecFloor(len);
  const mass = <f32>(<f64>HW * <f64>N);
  for (let c = c0; c < c1; c++) {
    const m = ld1(mu, c);
    const s = ld1(sigma, c);
    sum2(false, x, dzdy, m, HW, C, N, c);
    const db = <f32>tot1;
    const dg = <f32>(tot2 / <f64>s);
    st1(dzdb, c, db);
    st1(dzdg, c, dg);
    const muz = db / mass;
    const g1 = ld1(g, c) / s;
    const g2 = g1 * dg / (mass * s);
    const mv = f32x4.splat(m);
    const zv = f32x4.splat(muz);
    const v1 = f32x4.splat(g1);
    const v2 = f32x4.splat(g2);
    for (let n = 0; n < runs; n++) {
      // run start: element HW*(c + C*n)
      const o = <usize>HW * (<usize>c + <usize>C * <usize>n) << 2;
      const xr = x + o;
      const pr = dzdy + o;
      const dr = dzdx + o;
      let i = 0;
      for (; i < nv; i += VEC) {
        st4(dr, i, f32x4.sub(f32x4.mul(v1, f32x4.sub(ld4(pr, i), zv)), f32x4.mul(v2, f32x4.sub(ld4(xr, i), mv))));
      }
      for (; i < len; i++) st1(dr, i, g1 * (ld1(pr, i) - muz) - g2 * (ld1(xr, i) - m));
    }
  }
}
