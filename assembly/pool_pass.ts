// The two separable passes of nnpool, built on the line primitives.
//
// Horizontal pass (along j, across columns): one output line is the
// combination of up to pw source columns, SIMD along i. With stride 1 and a
// wide pool it runs van Herk / Gil-Werman: padded positions are cut into
// blocks of pw; S[t] holds the combination of positions t..pw-1 of block b
// (a suffix) and G that of positions 0..t-1 of block b+1 (a prefix), so the
// window [b*pw + t, b*pw + t + pw) is comb(S[t], G): about three combines per
// column whatever pw is.
//
// Vertical pass (along i, within one line): a stride-1 sliding window of k by
// doubling, in place: after the level of width w, line[i] combines
// [i, i + w). Max windows overlap the last two levels (max is idempotent);
// sums add disjoint power-of-two pieces (k in binary). Cost: log2(k) vector
// passes over a line that stays in L1.
//
// REQUIRES: padded position P of the horizontal pass is source column
// P - pad; columns outside [0, w) are the identity; p0 never decreases between
// hReset() calls; S holds pw lines of L floats (and twins), G one line.

import { VEC, vecFloor, ld4, st4, ld1, st1 } from './simd';
import { ARG, SUM, lineFill, lineCopy, colLoad, colPost, colPre, lineComb, ldi, sti, ldi1, sti1 } from './pool_lines';

let vhBlock: i32 = -1;
let vhLen: i32 = 0;

/** Forget the running state (call before each plane). */
export function hReset(): void {
  vhBlock = -1;
  vhLen = 0;
}

/** Column c of a plane of n-long columns, or 0 (identity) outside [0, w). */
// @ts-ignore: decorator
@inline function col(src: usize, n: i32, w: i32, c: i32): usize {
  return c >= 0 && c < w ? src + (<usize>(c * n) << 2) : 0;
}

/** Whether the running form is cheaper: direct costs pw combines per output, running about 2*sx + 1. */
export function useRunning(pw: i32, sx: i32): bool {
  return pw > 2 * sx + 1;
}

/**
 * dst[i] = comb over source columns c = P - pad, P in [p0, p0 + pw), of src(i, c).
 * Direct form: the columns one after the other.
 */
export function hDirect(mode: i32, src: usize, n: i32, w: i32, p0: i32, pw: i32, pad: i32, dst: usize): void {
  let c0 = p0 - pad;
  let c1 = c0 + pw;
  if (c0 < 0) c0 = 0;
  if (c1 > w) c1 = w;
  if (c0 >= c1) { lineFill(mode, dst, n); return; }
  colLoad(mode, dst, col(src, n, w, c0), c0 * n, n);
  for (let c = c0 + 1; c < c1; c++) colPost(mode, dst, dst, col(src, n, w, c), c * n, n);
}

/** The same result as hDirect by van Herk / Gil-Werman; S: pw lines of stride L floats, G: one line. */
export function hRunning(mode: i32, src: usize, n: i32, w: i32, p0: i32, pw: i32, pad: i32, dst: usize,
  S: usize, G: usize, L: i32): void {
  const b = p0 / pw;
  const t = p0 - b * pw;
  const lb = <usize>L << 2;
  if (b != vhBlock) {
    // S[u] = comb over P in [b*pw + u, (b+1)*pw), built from the right: S[u] = comb(col(q + u), S[u + 1]).
    const q = b * pw - pad;
    const last = q + pw - 1;
    colLoad(mode, S + <usize>(pw - 1) * lb, col(src, n, w, last), last * n, n);
    for (let u = pw - 2; u >= 0; u--) {
      const su = S + <usize>u * lb;
      colPre(mode, su, col(src, n, w, q + u), (q + u) * n, su + lb, n);
    }
    vhBlock = b;
    vhLen = 0;
  }
  if (t == 0) { lineCopy(mode, dst, S, n); return; }
  // G = comb over P in [(b+1)*pw, (b+1)*pw + t), extended from the left as t grows.
  const q1 = (b + 1) * pw - pad;
  for (; vhLen < t; vhLen++) {
    const c = q1 + vhLen;
    if (vhLen == 0) colLoad(mode, G, col(src, n, w, c), c * n, n);
    else colPost(mode, G, G, col(src, n, w, c), c * n, n);
  }
  lineComb(mode, dst, S + <usize>t * lb, G, n);
}

/**
 * In place, for i in [0, m): line[i] = comb(line[i], line[i + d]). Ascending
 * order reads line[i + d] before it is overwritten. In ARG mode the order of
 * the two operands is unknown (different columns), so ties go to the smaller
 * flat index, which is the first in column-major order.
 */
function combShift(mode: i32, p: usize, d: i32, m: i32): void {
  const nv = vecFloor(m);
  let i = 0;
  if (mode == ARG) {
    for (; i < nv; i += VEC) {
      const a = ld4(p, i);
      const b = ld4(p, i + d);
      const ia = ldi(p, i);
      const ib = ldi(p, i + d);
      const win = v128.or(f32x4.lt(a, b), v128.and(f32x4.eq(a, b), i32x4.lt_s(ib, ia)));
      st4(p, i, v128.bitselect(b, a, win));
      sti(p, i, v128.bitselect(ib, ia, win));
    }
    for (; i < m; i++) {
      const a = ld1(p, i);
      const b = ld1(p, i + d);
      const ib = ldi1(p, i + d);
      if (a < b || (a == b && ib < ldi1(p, i))) { st1(p, i, b); sti1(p, i, ib); }
    }
  } else {
    for (; i < nv; i += VEC) st4(p, i, f32x4.pmax(ld4(p, i), ld4(p, i + d)));
    for (; i < m; i++) { const a = ld1(p, i); const b = ld1(p, i + d); st1(p, i, a < b ? b : a); }
  }
}

/** In place: line[i] = max over [i, i + k) for i in [0, len - k + 1). */
export function slideMax(mode: i32, p: usize, len: i32, k: i32): void {
  let w = 1;
  while (w * 2 <= k) {
    combShift(mode, p, w, len - 2 * w + 1);
    w <<= 1;
  }
  if (w < k) combShift(mode, p, k - w, len - k + 1);
}

/** acc[i] += p[i + off] for i in [0, n). */
function addShift(acc: usize, p: usize, off: i32, n: i32): void {
  const nv = vecFloor(n);
  let i = 0;
  for (; i < nv; i += VEC) st4(acc, i, f32x4.add(ld4(acc, i), ld4(p, i + off)));
  for (; i < n; i++) st1(acc, i, ld1(acc, i) + ld1(p, i + off));
}

/**
 * acc[i] = sum of p over [i, i + k) for i in [0, len - k + 1); p is destroyed.
 * k in binary: the level of width w (p[i] = sum over [i, i + w)) is added at
 * offset `done` when bit w of k is set, so the pieces are disjoint.
 */
export function slideSum(p: usize, acc: usize, len: i32, k: i32): void {
  const n = len - k + 1;
  lineFill(SUM, acc, n);
  let done = 0;
  for (let w = 1; w <= k; w <<= 1) {
    if (k & w) {
      addShift(acc, p, done, n);
      done += w;
    }
    if (w * 2 <= k) addShift(p, p, w, len - 2 * w + 1);
  }
}

/** The horizontal pass in its cheaper form for this pool and stride. */
export function hPass(mode: i32, src: usize, n: i32, w: i32, p0: i32, pw: i32, pad: i32, sx: i32, dst: usize,
  S: usize, G: usize, L: i32): void {
  if (useRunning(pw, sx)) hRunning(mode, src, n, w, p0, pw, pad, dst, S, G, L);
  else hDirect(mode, src, n, w, p0, pw, pad, dst);
}

/** Scratch floats the pool kernels need: pw + 5 lines of L floats, and as many i32 for ARG twins. */
export function scratchLines(pw: i32): i32 {
  return pw + 5;
}

/** Number of in-bounds positions of window o: [o*s - pad, o*s - pad + k) clipped to [0, n). */
// @ts-ignore: decorator
@inline export function inBounds(o: i32, s: i32, pad: i32, k: i32, n: i32): i32 {
  const a = o * s - pad;
  return min(n, a + k) - max(0, a);
}
