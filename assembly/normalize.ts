// nnnormalize kernels: LRN across channels (SEMANTICS §4.1, NETWORKS "nnblocks decisions").
//   L(k)    = kappa + alpha * sum_{q = k - m1}^{k + m2} x(q)^2        (channels outside [0, C) add 0)
//   y(k)    = x(k) * L(k)^-beta
//   dzdx(q) = p(q) L(q)^-beta - 2 alpha beta x(q) * sum_{t = q - m2}^{q + m1} p(t) x(t) L(t)^(-beta-1)
// (p = dzdy; the backward window is the forward one transposed). Where L = 0 (kappa = 0 and the
// window all zero) L^-beta and L^(-beta-1) are taken as 0: y = 0 there, as MatConvNet's CPU path
// gives, and the derivative stays finite (exact maths has 0 * Inf = NaN).
//
// Layout [m, C, N]: channel k of pixel i of image n is element i + m*(k + C*n), so a pixel's
// channels are m floats apart. A group of 8 pixels (two f32x4, so every loop has two independent
// chains) runs down all C channels; its column of squares and partial sums lives in scratch
// lines of C + w - 1 pairs of vectors (L1-sized). The last m % 8 pixels of an image are gathered
// into a zero-padded column and run through the same group code, so a tail pixel gets exactly
// what a vector lane gets.
//
// Window sums: van Herk / Gil-Werman over blocks of w = m1 + m2 + 1 positions,
// Suf (from a position to the end of its block) + Pre (from the start of the next block), about
// three adds per channel whatever w is. Each result is a sum of exactly its own window's terms
// (at most w - 1 additions), so it has the error bound of the direct window sum. A running sum
// that adds the entering square and subtracts the leaving one would not: it keeps the rounding
// errors of the largest squares it ever held, so after a channel of x = 1e3 leaves, a window of
// squares near 1e-6 is off by about 1e6 * 6e-8 = 0.06 (relative error 1e4, or a negative L and
// NaN when kappa = 0), and such errors pile up over C = 96+ channels. (tests/normalize.test.ts
// has that case.)
//
// REQUIRES: x, y (dzdy, dzdx) hold m*C*N floats, y (dzdx) no alias of the inputs; C >= 1,
// 0 <= m1, m2 <= C - 1 (the plan clips the window: channels outside [0, C) add nothing);
// scratch holds normalize_scratch(C, m1, m2) floats, 16-byte aligned.

import { vpow } from './vmath';

// @ts-ignore: decorator
@inline export function ldv(p: usize, u: i32): v128 {
  return v128.load(p + (<usize>u << 4));
}

// @ts-ignore: decorator
@inline export function stv(p: usize, u: i32, v: v128): void {
  v128.store(p + (<usize>u << 4), v);
}

/**
 * dst[u] = src[u]^e for n vectors (dst may be src), for src >= 0. The exponents of LRN's, spnorm's
 * and noffset's defaults (and their derivatives' e - 1) take paths of correctly rounded square
 * roots and divisions, faster than exp(e log x) and more accurate, over the whole range where
 * x^e is a normal float (denormal x included): e = 1 exact; 0.5 (sqrt x) and -1 (1/x) within
 * 0.5 ulp; -0.5 (1/sqrt x) and -2 ((1/x)/x) within 1.5 ulp; -0.75 (sqrt(sqrt x)/x) and -1.5
 * (sqrt(1/x)/x) within 2 ulp (normalize.spec.ts measures them on a sample of every float). Other exponents go through
 * vpow: 3 ulp where |e ln x| <= 2, and beyond that the logarithm's 2 ulp of relative error grow
 * into about |e ln x| * 2 ulp at worst. Special values as vpow: 0^e = +Inf for e < 0 and +0 for
 * e > 0, +Inf^e = +0 for e < 0, NaN gives NaN, and x < 0 gives NaN except on the integer paths
 * (e = 1, -1, -2), which give the power itself. Lines of vectors (not a v128 function) keep the
 * choice of path out of the loop.
 */
export function powLine(src: usize, dst: usize, n: i32, e: f32): void {
  const one = f32x4.splat(1);
  if (e == -0.5) {
    for (let u = 0; u < n; u++) stv(dst, u, f32x4.div(one, f32x4.sqrt(ldv(src, u))));
  } else if (e == -0.75) {
    const zero = f32x4.splat(0);
    const inf = f32x4.splat(Infinity);
    for (let u = 0; u < n; u++) {
      const v = ldv(src, u);
      // x^(1/4) / x; 0 and +Inf give 0/0 and Inf/Inf there, so they are set apart
      const q = f32x4.div(f32x4.sqrt(f32x4.sqrt(v)), v);
      stv(dst, u, v128.bitselect(inf, v128.bitselect(zero, q, f32x4.eq(v, inf)), f32x4.eq(v, zero)));
    }
  } else if (e == 0.5) {
    for (let u = 0; u < n; u++) stv(dst, u, f32x4.sqrt(ldv(src, u)));
  } else if (e == -1) {
    for (let u = 0; u < n; u++) stv(dst, u, f32x4.div(one, ldv(src, u)));
  } else if (e == -1.5) {
    for (let u = 0; u < n; u++) {
      const v = ldv(src, u);
      stv(dst, u, f32x4.div(f32x4.sqrt(f32x4.div(one, v)), v));
    }
  } else if (e == 1) {
    if (dst != src) memory.copy(dst, src, <usize>n << 4);
  } else if (e == -2) {
    for (let u = 0; u < n; u++) {
      const v = ldv(src, u);
      stv(dst, u, f32x4.div(f32x4.div(one, v), v));
    }
  } else {
    const ve = f32x4.splat(e);
    for (let u = 0; u < n; u++) stv(dst, u, vpow(ldv(src, u), ve));
  }
}

// Pixels per group. A line holds pairs: element u of a line at p is the two vectors at p + 32 u
// and p + 32 u + 16.
const PAIR: i32 = 8;

// @ts-ignore: decorator
@inline function ld2(p: usize, u: i32, h: usize): v128 {
  return v128.load(p + (<usize>u << 5) + h);
}

// @ts-ignore: decorator
@inline function st2(p: usize, u: i32, h: usize, v: v128): void {
  v128.store(p + (<usize>u << 5) + h, v);
}

/**
 * Suf[u] = A[u] + A[u + 1] + ... up to the end of u's block of w positions, for u in [0, len)
 * (the last block may be short). With Pre[u], the sum from the start of u's block to u (the
 * producers write it as they write A), the window [k, k + w - 1] starting at offset r of its
 * block is Suf[k] alone when r = 0 (the whole block) and Suf[k] + Pre[k + w - 1] otherwise.
 */
function sufPass(A: usize, Suf: usize, len: i32, w: i32): void {
  let s = (len - 1) % w;
  let a0 = ld2(A, len - 1, 0);
  let a1 = ld2(A, len - 1, 16);
  st2(Suf, len - 1, 0, a0);
  st2(Suf, len - 1, 16, a1);
  for (let u = len - 2; u >= 0; u--) {
    s = s == 0 ? w - 1 : s - 1;
    const v0 = ld2(A, u, 0);
    const v1 = ld2(A, u, 16);
    const start = s == w - 1;
    a0 = start ? v0 : f32x4.add(v0, a0);
    a1 = start ? v1 : f32x4.add(v1, a1);
    st2(Suf, u, 0, a0);
    st2(Suf, u, 16, a1);
  }
}

/** Floats of scratch of both kernels: 5 lines of C + w - 1 pairs (A, G, Pre, Suf, D) and 3 columns of C pairs (the tail). */
export function normalize_scratch(C: i32, m1: i32, m2: i32): i32 {
  return PAIR * (5 * (C + m1 + m2) + 3 * C);
}

// The scratch lines (byte addresses), set by layout().
let lA: usize = 0;
let lG: usize = 0;
let lPre: usize = 0;
let lSuf: usize = 0;
let lD: usize = 0;
let lT0: usize = 0;
let lT1: usize = 0;
let lT2: usize = 0;

/** Lay the scratch lines out (every pass writes what it reads later, pads included). */
function layout(scratch: usize, C: i32, w: i32): void {
  const len = <usize>(C + w - 1) << 5;
  lA = scratch;
  lG = lA + len;
  lPre = lG + len;
  lSuf = lPre + len;
  lD = lSuf + len;
  lT0 = lD + len;
  lT1 = lT0 + (<usize>C << 5);
  lT2 = lT1 + (<usize>C << 5);
}

/**
 * A column of C entries of vs bytes at `dst` from the first nl pixels at p (channel stride cs
 * bytes; nl * 4 < vs), the other lanes 0.
 */
export function gather(p: usize, cs: usize, C: i32, nl: i32, dst: usize, vs: usize): void {
  memory.fill(dst, 0, <usize>C * vs);
  for (let k = 0; k < C; k++) {
    for (let l = 0; l < nl; l++) store<f32>(dst + <usize>k * vs + (<usize>l << 2), load<f32>(p + <usize>k * cs + (<usize>l << 2)));
  }
}

/** The first nl lanes of a column of C entries of vs bytes back to nl pixels at p (channel stride cs bytes). */
export function scatter(src: usize, p: usize, cs: usize, C: i32, nl: i32, vs: usize): void {
  for (let k = 0; k < C; k++) {
    for (let l = 0; l < nl; l++) store<f32>(p + <usize>k * cs + (<usize>l << 2), load<f32>(src + <usize>k * vs + (<usize>l << 2)));
  }
}

/**
 * The first passes of a group: A[u] = x(u - m1)^2 (0 outside the C channels) with its block
 * prefix sums Pre[u] in one pass, then Suf (sufPass).
 */
function squareSums(xp: usize, cs: usize, C: i32, m1: i32, w: i32): void {
  const len = C + w - 1;
  const zero = f32x4.splat(0);
  let a0 = zero;
  let a1 = zero;
  for (let u = 0, r = 0; u < len; u++) {
    const k = u - m1;
    let v0 = zero;
    let v1 = zero;
    if (<u32>k < <u32>C) {
      const q = xp + <usize>k * cs;
      const t0 = v128.load(q);
      const t1 = v128.load(q, 16);
      v0 = f32x4.mul(t0, t0);
      v1 = f32x4.mul(t1, t1);
    }
    st2(lA, u, 0, v0);
    st2(lA, u, 16, v1);
    const start = r == 0;
    a0 = start ? v0 : f32x4.add(a0, v0);
    a1 = start ? v1 : f32x4.add(a1, v1);
    st2(lPre, u, 0, a0);
    st2(lPre, u, 16, a1);
    if (++r == w) r = 0;
  }
  sufPass(lA, lSuf, len, w);
}

// The parameters of the current call, as vectors.
let vKappa: v128 = f32x4.splat(0);
let vAlpha: v128 = f32x4.splat(0);
let vAb2: v128 = f32x4.splat(0);
let negBeta: f32 = 0;

function setParams(kappa: f32, alpha: f32, beta: f32): void {
  vKappa = f32x4.splat(kappa);
  vAlpha = f32x4.splat(alpha);
  vAb2 = f32x4.splat(<f32>2 * alpha * beta);
  negBeta = -beta;
}

/**
 * Pre[k] = L(k) = kappa + alpha * (the window sum of x^2 over [k - m1, k + m2]), k in [0, C): each
 * Pre[k + w - 1] is read before it is overwritten. Then Suf = L^-beta.
 */
function lrnPowers(C: i32, w: i32): void {
  for (let k = 0, r = 0; k < C; k++) {
    let s0 = ld2(lSuf, k, 0);
    let s1 = ld2(lSuf, k, 16);
    if (r != 0) {
      s0 = f32x4.add(s0, ld2(lPre, k + w - 1, 0));
      s1 = f32x4.add(s1, ld2(lPre, k + w - 1, 16));
    }
    st2(lPre, k, 0, f32x4.add(vKappa, f32x4.mul(vAlpha, s0)));
    st2(lPre, k, 16, f32x4.add(vKappa, f32x4.mul(vAlpha, s1)));
    if (++r == w) r = 0;
  }
  powLine(lPre, lSuf, 2 * C, negBeta);
}

/** y of one group of 8 pixels (x at xp, y at yp, channels cs bytes apart). */
function forwardGroup(xp: usize, yp: usize, cs: usize, C: i32, m1: i32, w: i32): void {
  squareSums(xp, cs, C, m1, w);
  lrnPowers(C, w);
  const zero = f32x4.splat(0);
  for (let k = 0; k < C; k++) {
    // L^-beta, 0 where L = 0
    const f0 = v128.bitselect(zero, ld2(lSuf, k, 0), f32x4.eq(ld2(lPre, k, 0), zero));
    const f1 = v128.bitselect(zero, ld2(lSuf, k, 16), f32x4.eq(ld2(lPre, k, 16), zero));
    const o = <usize>k * cs;
    v128.store(yp + o, f32x4.mul(v128.load(xp + o), f0));
    v128.store(yp + o, f32x4.mul(v128.load(xp + o, 16), f1), 16);
  }
}

/** dzdx of one group of 8 pixels. */
function backwardGroup(xp: usize, pp: usize, dp: usize, cs: usize, C: i32, m1: i32, m2: i32, w: i32): void {
  squareSums(xp, cs, C, m1, w);
  lrnPowers(C, w); // L in Pre, L^-beta in Suf
  const len = C + w - 1;
  const zero = f32x4.splat(0);
  // G[u] = p x L^(-beta-1) at channel u - m2 (0 outside the C channels), its block prefix sums
  // in A (no longer needed), and D[k] = p L^-beta; both powers are 0 where L = 0.
  let a0 = zero;
  let a1 = zero;
  for (let u = 0, r = 0; u < len; u++) {
    const k = u - m2;
    let g0 = zero;
    let g1 = zero;
    if (<u32>k < <u32>C) {
      const L0 = ld2(lPre, k, 0);
      const L1 = ld2(lPre, k, 16);
      const z0 = f32x4.eq(L0, zero);
      const z1 = f32x4.eq(L1, zero);
      const f0 = v128.bitselect(zero, ld2(lSuf, k, 0), z0);
      const f1 = v128.bitselect(zero, ld2(lSuf, k, 16), z1);
      const h0 = v128.bitselect(zero, f32x4.div(f0, L0), z0);
      const h1 = v128.bitselect(zero, f32x4.div(f1, L1), z1);
      const o = <usize>k * cs;
      const p0 = v128.load(pp + o);
      const p1 = v128.load(pp + o, 16);
      st2(lD, k, 0, f32x4.mul(p0, f0));
      st2(lD, k, 16, f32x4.mul(p1, f1));
      g0 = f32x4.mul(f32x4.mul(p0, v128.load(xp + o)), h0);
      g1 = f32x4.mul(f32x4.mul(p1, v128.load(xp + o, 16)), h1);
    }
    st2(lG, u, 0, g0);
    st2(lG, u, 16, g1);
    const start = r == 0;
    a0 = start ? g0 : f32x4.add(a0, g0);
    a1 = start ? g1 : f32x4.add(a1, g1);
    st2(lA, u, 0, a0);
    st2(lA, u, 16, a1);
    if (++r == w) r = 0;
  }
  sufPass(lG, lSuf, len, w);
  // dzdx(q) = D[q] - 2 alpha beta x(q) (the sum of G over [q, q + w - 1], i.e. of p x L^(-beta-1)
  // over channels [q - m2, q + m1])
  for (let q = 0, r = 0; q < C; q++) {
    let s0 = ld2(lSuf, q, 0);
    let s1 = ld2(lSuf, q, 16);
    if (r != 0) {
      s0 = f32x4.add(s0, ld2(lA, q + w - 1, 0));
      s1 = f32x4.add(s1, ld2(lA, q + w - 1, 16));
    }
    const o = <usize>q * cs;
    v128.store(dp + o, f32x4.sub(ld2(lD, q, 0), f32x4.mul(f32x4.mul(vAb2, v128.load(xp + o)), s0)));
    v128.store(dp + o, f32x4.sub(ld2(lD, q, 16), f32x4.mul(f32x4.mul(vAb2, v128.load(xp + o, 16)), s1)), 16);
    if (++r == w) r = 0;
  }
}

/**
 * One body for both passes over N images of C channels of m pixels: dzdy = 0 means forward
 * (y = x L^-beta at y), otherwise backward (dzdx at y).
 */
function run(x: usize, dzdy: usize, y: usize, scratch: usize, m: i32, C: i32, N: i32, m1: i32, m2: i32,
  kappa: f32, alpha: f32, beta: f32): void {
  const w = m1 + m2 + 1;
  layout(scratch, C, w);
  setParams(kappa, alpha, beta);
  const cs = <usize>m << 2;
  const m8 = m & ~(PAIR - 1);
  for (let n = 0; n < N; n++) {
    const o = <usize>n * <usize>C * cs;
    // group i: pixels i..i+7 of every channel, at x + o + 4 i + k cs
    for (let i = 0; i < m8; i += PAIR) {
      const t = o + (<usize>i << 2);
      if (dzdy == 0) forwardGroup(x + t, y + t, cs, C, m1, w);
      else backwardGroup(x + t, dzdy + t, y + t, cs, C, m1, m2, w);
    }
    if (m8 < m) {
      const t = o + (<usize>m8 << 2);
      gather(x + t, cs, C, m - m8, lT0, 32);
      if (dzdy == 0) {
        forwardGroup(lT0, lT2, 32, C, m1, w);
      } else {
        gather(dzdy + t, cs, C, m - m8, lT1, 32);
        backwardGroup(lT0, lT1, lT2, 32, C, m1, m2, w);
      }
      scatter(lT2, y + t, cs, C, m - m8, 32);
    }
  }
}

/** y = x * L^-beta for N images of C channels of m pixels. */
export function normalize_forward(x: usize, y: usize, scratch: usize, m: i32, C: i32, N: i32, m1: i32, m2: i32,
  kappa: f32, alpha: f32, beta: f32): void {
  run(x, 0, y, scratch, m, C, N, m1, m2, kappa, alpha, beta);
}

/** dzdx of LRN for N images of C channels of m pixels (SEMANTICS §4.1). */
export function normalize_backward(x: usize, dzdy: usize, dzdx: usize, scratch: usize, m: i32, C: i32, N: i32,
  m1: i32, m2: i32, kappa: f32, alpha: f32, beta: f32): void {
  run(x, dzdy, dzdx, scratch, m, C, N, m1, m2, kappa, alpha, beta);
}
