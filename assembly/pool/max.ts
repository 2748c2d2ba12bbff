// nnpool max kernels (SEMANTICS §2.4 and §2.5).
//   y(i, j)  = max of x(r, s) over r in [i*sy - pt, i*sy - pt + ph) and s in [j*sx - pl, j*sx - pl + pw),
//              both clipped to the input (padding is left out, as if it were -Infinity)
//   dzdx(r*, s*) += dzdy(i, j), where (r*, s*) is the first maximum of window (i, j) in column-major
//              order (strict >), and only when y(i, j) > -Infinity (MatConvNet's acc_max)
// Per plane and output column j: the horizontal pass combines the window's
// columns into the middle of a padded line U (pt identity rows, H rows, pb
// identity rows); the vertical pass slides ph down U in place; row i of y is
// U[i*sy]. Two small pools with stride 2 skip U: 2x2 (no top pad) and 3x3
// with top pad 1 read x directly (maxDirect2, maxDirect3). The argmax is the
// flat index r + H*s carried beside each value (ties to the smaller index, the
// first in column-major order), so the backward pass finds it inside the call
// and needs no cache from the forward.
// REQUIRES: P = C*N planes of H x W (x, dzdx) and Ho x Wo (y, dzdy) from §2.2;
// 0 <= pt, pb < ph and 0 <= pl < pw as §2.2 checks; L >= H + pt + pb + ph rounded up
// to 4; scratch holds pool_scratch(...) floats (pool/pass.ts); dzdx needs no clearing.

import { VEC, vecFloor, ld4, st4, ld1, st1 } from '../simd';
import { MAX, ARG, setTwin, lineFill, ldi, ldi1 } from './lines';
import { hReset, hPass, blockLines, useRunning } from './pass';
import { slideMax, slideMax2, slideArgPart, argShift } from './slide';

/**
 * y = max pooling of x, output columns [j0, j1) of each plane (y holds j1 - j0
 * columns per plane). With j0 > 0 the running state of the previous call goes on:
 * REQUIRES then P = 1 and a previous call that ended at j0 on the same plane, x and scratch.
 * Only the columns of the windows of [j0, j1) and of the blocks of pw the running form
 * starts there are read, so x may be a window's start minus the columns left out
 * (addresses wrap at 2^32); this holds for pool_avg_forward too.
 */
export function pool_max_forward(x: usize, y: usize, scratch: usize, j0: i32, j1: i32, H: i32, W: i32, P: i32,
  ph: i32, pw: i32, sy: i32, sx: i32, pt: i32, pb: i32, pl: i32, Ho: i32, Wo: i32, L: i32): void {
  const lb = <usize>L << 2;
  const S = scratch;
  const sl = blockLines(H, W, Ho, Wo, pw, sx);
  const G = S + <usize>sl * lb;
  const U = G + lb;
  setTwin(<usize>(sl + 5) * lb);
  const len = H + pt + pb;
  const body = U + (<usize>pt << 2);
  // NOTE: measured: reading x at odd row offsets (unaligned loads) made a direct form
  // twice as slow as the separable one, so maxDirect3 reads aligned rows only.
  const direct = sy == 2 && ph == 2 && pt == 0 && !useRunning(pw, sx, H, W);
  const direct3 = sy == 2 && ph == 3 && pt == 1 && !useRunning(pw, sx, H, W);
  for (let c = 0; c < P; c++) {
    const xp = x + ((<usize>c * <usize>H * <usize>W) << 2);
    const yp = y + ((<usize>c * <usize>Ho * <usize>(j1 - j0)) << 2);
    if (j0 == 0 || c > 0) hReset();
    for (let j = j0; j < j1; j++) {
      const yj = yp + ((<usize>(j - j0) * <usize>Ho) << 2);
      const c0 = max(0, j * sx - pl);
      const c1 = min(W, j * sx - pl + pw);
      if (direct && c1 - c0 == 2) {
        maxDirect2(xp + ((<usize>c0 * <usize>H) << 2), yj, H, Ho);
        continue;
      }
      if (direct3) {
        maxDirect3(xp, yj, H, c0, c1, Ho);
        continue;
      }
      hPass(MAX, xp, H, W, j * sx, pw, pl, sx, body, S, G, L);
      lineFill(MAX, U, pt);
      lineFill(MAX, body + (<usize>H << 2), pb);
      if (sy == 1) {
        slideMax(U, len, ph, yj);
      } else if (sy == 2 && ph <= 4) {
        slideMax2(U, ph, yj, Ho);
      } else {
        slideMax(U, len, ph, U);
        for (let i = 0; i < Ho; i++) st1(yj, i, ld1(U, i * sy));
      }
    }
  }
}

/** Max of x(r, c) over rows [max(0, r0), min(H, r0 + ph)) and columns [c0, c1); NaN never wins. */
function window1(xp: usize, H: i32, c0: i32, c1: i32, r0: i32, ph: i32): f32 {
  let acc: f32 = -Infinity;
  const ra = max(0, r0);
  const rb = min(H, r0 + ph);
  for (let c = c0; c < c1; c++) {
    for (let r = ra; r < rb; r++) { const v = ld1(xp, r + H * c); if (acc < v) acc = v; }
  }
  return acc;
}

/**
 * One output column of y for 2x2 windows with stride 2 down the columns and no
 * top pad, straight from the two columns at xp (the commonest pool): for 4
 * outputs, the column max of rows 2i .. 2i + 7, then the max of its even and
 * odd lanes. Outputs whose loads would leave the column go through window1.
 */
function maxDirect2(xp: usize, yj: usize, H: i32, Ho: i32): void {
  const ninf = f32x4.splat(-Infinity);
  const cb = <usize>H << 2;
  // Vectors of 4 outputs while rows 2i..2i+7 are in the column.
  // NOTE: one bound computed before the loop: measured 20% faster in V8 than testing
  // i + 3 < Ho && 2i + 7 < H on every iteration (here and in maxDirect3).
  const nv = min(Ho - 3, H - 6 >> 1);
  let i = 0;
  for (; i < nv; i += VEC) {
    const q = xp + (<usize>(2 * i) << 2);
    const a0 = f32x4.pmax(f32x4.pmax(ninf, v128.load(q)), v128.load(q + cb));
    const a1 = f32x4.pmax(f32x4.pmax(ninf, v128.load(q, 16)), v128.load(q + cb, 16));
    st4(yj, i, f32x4.pmax(v128.shuffle<f32>(a0, a1, 0, 2, 4, 6), v128.shuffle<f32>(a0, a1, 1, 3, 5, 7)));
  }
  for (; i < Ho; i++) st1(yj, i, window1(xp, H, 0, 2, 2 * i, 2));
}

/**
 * One output column of y for 3 rows, stride 2 and top pad 1 (3x3/2 pad 1), from
 * aligned loads only: B, C = column max of rows 2i..2i+3 and 2i+4..2i+7; output
 * i + l takes rows 2(i+l) - 1, 2(i+l), 2(i+l) + 1: the even lanes of (B, C), the
 * odd lanes, and the odd lanes shifted one on from the previous iteration's (for
 * i = 0 that row is the padding: -Infinity). Rows past the loads go through window1.
 */
function maxDirect3(xp: usize, yj: usize, H: i32, c0: i32, c1: i32, Ho: i32): void {
  const ninf = f32x4.splat(-Infinity);
  const cb = <usize>H << 2;
  const first = xp + <usize>c0 * cb;
  const end = xp + <usize>c1 * cb;
  let prev = ninf;
  let i = 0;
  // Vectors of 4 outputs while rows 2i..2i+7 are in the column.
  const nv = min(Ho - 3, H - 6 >> 1);
  if (c1 - c0 == 3) {
    // Three columns unrolled (every column but the edges).
    for (; i < nv; i += VEC) {
      const p = first + (<usize>(2 * i) << 2);
      const b = f32x4.pmax(f32x4.pmax(f32x4.pmax(ninf, v128.load(p)), v128.load(p + cb)), v128.load(p + 2 * cb));
      const c = f32x4.pmax(f32x4.pmax(f32x4.pmax(ninf, v128.load(p, 16)), v128.load(p + cb, 16)), v128.load(p + 2 * cb, 16));
      const odd = v128.shuffle<f32>(b, c, 1, 3, 5, 7);
      const acc = f32x4.pmax(v128.shuffle<f32>(b, c, 0, 2, 4, 6), odd);
      st4(yj, i, f32x4.pmax(acc, v128.shuffle<f32>(prev, odd, 3, 4, 5, 6)));
      prev = odd;
    }
  }
  for (; i < nv; i += VEC) {
    const o = <usize>(2 * i) << 2;
    let b = ninf;
    let c = ninf;
    for (let p = first + o; p < end; p += cb) {
      b = f32x4.pmax(b, v128.load(p));
      c = f32x4.pmax(c, v128.load(p, 16));
    }
    const odd = v128.shuffle<f32>(b, c, 1, 3, 5, 7);
    const acc = f32x4.pmax(v128.shuffle<f32>(b, c, 0, 2, 4, 6), odd);
    st4(yj, i, f32x4.pmax(acc, v128.shuffle<f32>(prev, odd, 3, 4, 5, 6)));
    prev = odd;
  }
  for (; i < Ho; i++) st1(yj, i, window1(xp, H, c0, c1, 2 * i - 1, 3));
}

/** dzdx = dzdy sent to the argmax of each window, summed where windows share it. */
export function pool_max_backward(x: usize, dzdy: usize, dzdx: usize, scratch: usize, H: i32, W: i32, P: i32,
  ph: i32, pw: i32, sy: i32, sx: i32, pt: i32, pb: i32, pl: i32, Ho: i32, Wo: i32, L: i32): void {
  const lb = <usize>L << 2;
  const S = scratch;
  const sl = blockLines(H, W, Ho, Wo, pw, sx);
  const G = S + <usize>sl * lb;
  const U = G + lb;
  const spare = U + 2 * lb;
  setTwin(<usize>(sl + 5) * lb);
  const len = H + pt + pb;
  const body = U + (<usize>pt << 2);
  for (let c = 0; c < P; c++) {
    const off = (<usize>c * <usize>H * <usize>W) << 2;
    const xp = x + off;
    const dp = dzdx + off;
    const pp = dzdy + ((<usize>c * <usize>Ho * <usize>Wo) << 2);
    // Zero the plane just before scattering into it, while it is in cache.
    memory.fill(dp, 0, (<usize>H * <usize>W) << 2);
    // Windows with no winner (max -Infinity) scatter into a spare float instead of branching.
    const dummy = (<i32>spare - <i32>dp) >> 2;
    hReset();
    for (let j = 0; j < Wo; j++) {
      hPass(ARG, xp, H, W, j * sx, pw, pl, sx, body, S, G, L);
      lineFill(ARG, U, pt);
      lineFill(ARG, body + (<usize>H << 2), pb);
      const d = slideArgPart(U, len, ph);
      scatter(U, d, sy, Ho, dp, pp + ((<usize>j * <usize>Ho) << 2), dummy);
    }
  }
}

// @ts-ignore: decorator
@inline function addTo(dp: usize, k: i32, v: f32): void {
  st1(dp, k, ld1(dp, k) + v);
}

/**
 * dzdx[k] += dzdy(i, j) for the Ho windows of one output column, k = r* + H*s*
 * the flat index of the window's first maximum: the last argmax step
 * comb(U[i*sy], U[i*sy + d]) fused with the scatter when sy = 1.
 */
function scatter(U: usize, d: i32, sy: i32, Ho: i32, dp: usize, pj: usize, dummy: i32): void {
  if (sy != 1 || d == 0) {
    if (d > 0) argShift(U, U, d, (Ho - 1) * sy + 1);
    for (let i = 0; i < Ho; i++) {
      const r = i * sy;
      if (ld1(U, r) > -Infinity) addTo(dp, ldi1(U, r), ld1(pj, i));
    }
    return;
  }
  const ninf = f32x4.splat(-Infinity);
  const none = i32x4.splat(dummy);
  const nv = vecFloor(Ho);
  let i = 0;
  for (; i < nv; i += VEC) {
    const a = ld4(U, i);
    const b = ld4(U, i + d);
    const ia = ldi(U, i);
    const ib = ldi(U, i + d);
    const win = v128.or(f32x4.lt(a, b), v128.and(f32x4.eq(a, b), i32x4.lt_s(ib, ia)));
    const v = v128.bitselect(b, a, win);
    const k = v128.bitselect(v128.bitselect(ib, ia, win), none, f32x4.gt(v, ninf));
    const g = ld4(pj, i);
    addTo(dp, i32x4.extract_lane(k, 0), f32x4.extract_lane(g, 0));
    addTo(dp, i32x4.extract_lane(k, 1), f32x4.extract_lane(g, 1));
    addTo(dp, i32x4.extract_lane(k, 2), f32x4.extract_lane(g, 2));
    addTo(dp, i32x4.extract_lane(k, 3), f32x4.extract_lane(g, 3));
  }
  if (i < Ho) {
    argShift(U + (<usize>i << 2), U + (<usize>i << 2), d, Ho - i);
    for (; i < Ho; i++) if (ld1(U, i) > -Infinity) addTo(dp, ldi1(U, i), ld1(pj, i));
  }
}
