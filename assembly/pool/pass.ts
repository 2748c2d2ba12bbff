// The two separable passes of nnpool, built on the line primitives.
//
// Horizontal pass (along j, across columns): one output line is the
// combination of up to pw source columns, SIMD along i. When the pool is wide
// for its stride it runs van Herk / Gil-Werman: padded positions are cut into
// blocks of pw; S[t] holds the combination of positions t..pw-1 of block b
// (a suffix) and G that of positions 0..t-1 of block b+1 (a prefix), so the
// window [b*pw + t, b*pw + t + pw) is comb(S[t], G): about three combines per
// column whatever pw is (with stride 1).
//
// The vertical pass is in pool/slide.ts.
//
// REQUIRES: padded position P of the horizontal pass is source column
// P - pad; columns outside [0, w) are the identity; p0 never decreases between
// hReset() calls; S holds pw lines of L floats (and twins), G one line.

import { ARG, lineFill, lineCopy, colLoad, colPost, colPre, lineComb, colsFold, colPostComb } from './lines';
import { floats } from '../sizes';

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

/**
 * Whether the running form is used for a plane of w columns of n rows: it is
 * cheaper when pw > 2*sx + 1 (direct costs pw combines per output, running
 * about 2*sx + 1), and its block of pw lines stays small: at most a quarter of
 * the plane (or 64K floats). Wider pools (global pooling) have few outputs,
 * for which the direct form costs no more.
 */
export function useRunning(pw: i32, sx: i32, n: i32, w: i32): bool {
  return pw > 2 * sx + 1 && <i64>pw * n <= max(<i64>n * w / 4, 1 << 16);
}

/** Lines of the running block S for these sizes (forward over x, avg backward over dzdy): pw or 0. */
export function blockLines(H: i32, W: i32, Ho: i32, Wo: i32, pw: i32, sx: i32): i32 {
  return useRunning(pw, sx, H, W) || (sx == 1 && useRunning(pw, 1, Ho, Wo)) ? pw : 0;
}

/**
 * Floats of scratch for every pool kernel: the block S, then G, U, A, T and
 * the row counts (lines of L floats), and as many i32 again for the argmax
 * twins (avg forward keeps its line of -0 there). The facade asks the module,
 * so the layout lives in one place.
 */
export function pool_scratch(H: i32, W: i32, Ho: i32, Wo: i32, pw: i32, sx: i32, L: i32): i32 {
  return floats(2 * <f64>(blockLines(H, W, Ho, Wo, pw, sx) + 5) * <f64>L);
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
  if (mode != ARG) { colsFold(mode, dst, col(src, n, w, c0), c1 - c0, n); return; }
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
  // The last extension is fused with the combine (with stride 1 it is the only one).
  for (; vhLen < t - 1; vhLen++) {
    const c = q1 + vhLen;
    if (vhLen == 0) colLoad(mode, G, col(src, n, w, c), c * n, n);
    else colPost(mode, G, G, col(src, n, w, c), c * n, n);
  }
  const St = S + <usize>t * lb;
  if (vhLen == t) { lineComb(mode, dst, St, G, n); return; }
  const c = q1 + vhLen;
  if (vhLen == 0) {
    colLoad(mode, G, col(src, n, w, c), c * n, n);
    lineComb(mode, dst, St, G, n);
  } else {
    colPostComb(mode, G, col(src, n, w, c), c * n, St, dst, n);
  }
  vhLen = t;
}

/** The horizontal pass in its cheaper form for this pool and stride. */
export function hPass(mode: i32, src: usize, n: i32, w: i32, p0: i32, pw: i32, pad: i32, sx: i32, dst: usize,
  S: usize, G: usize, L: i32): void {
  if (useRunning(pw, sx, n, w)) hRunning(mode, src, n, w, p0, pw, pad, dst, S, G, L);
  else hDirect(mode, src, n, w, p0, pw, pad, dst);
}


/** Number of in-bounds positions of window o: [o*s - pad, o*s - pad + k) clipped to [0, n). */
// @ts-ignore: decorator
@inline export function inBounds(o: i32, s: i32, pad: i32, k: i32, n: i32): i32 {
  const a = o * s - pad;
  return min(n, a + k) - max(0, a);
}
