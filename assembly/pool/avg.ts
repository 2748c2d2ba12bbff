// nnpool average kernels (SEMANTICS §2.4 and §2.5).
//   y(i, j)  = (sum of x over the window clipped to the input) * scale(i, j),
//              scale = float32(1 / area), area = rows(i) * cols(j), the in-bounds counts (padding
//              adds nothing and counts nothing); MatConvNet's acc_sum also multiplies by 1/area
//   dzdx(r, s) = sum over the windows (i, j) holding (r, s) of dzdy(i, j) * scale(i, j)
// Forward per plane and output column j: horizontal window sums of x into a
// zero-padded line U (running sums when the pool is wide), then vertical
// window sums of ph (doubling), rows i*sy.
// Backward is the adjoint, also separable: q = dzdy * scale; for each input
// column s the horizontal adjoint sums the q columns whose windows hold s
// (a stride-1 window of pw over j with pad pw-1-pl, so the same running sums),
// then the vertical adjoint spreads q rows i*sy over their ph rows: a zero line
// Z with Z[i*sy + ph-1-pt] = that sum, window sums of ph give dzdx(:, s).
// REQUIRES: as pool/max.ts (P planes, §2.2 sizes and pads, L >= H + pt + pb + ph
// rounded up to 4, scratch of pool_scratch(...) floats); the backward pass
// overwrites dzdy (a scratch copy) with q and writes every element of dzdx.

import { VEC, vecFloor, ld4, st4, ld1, st1 } from '../simd';
import { SUM, lineFill } from './lines';
import { hReset, hPass, hRunning, hDirect, useRunning, blockLines, inBounds } from './pass';
import { slideSum, slideSumPart, topLevel, accLevel, topHalf, topQuarters } from './slide';

/** rw[i] = rows(i), the in-bounds rows of output row i, as floats. */
function rowCounts(rw: usize, Ho: i32, sy: i32, pt: i32, ph: i32, H: i32): void {
  for (let i = 0; i < Ho; i++) st1(rw, i, <f32>inBounds(i, sy, pt, ph, H));
}

let scaleCols: f32 = 0;

/**
 * sc[i] = 1 / (rows(i) * cw) in float32, MatConvNet's `scale` (acc_sum multiplies
 * by it). Recomputed only when the column count cw changes (near the edges).
 */
function scales(sc: usize, rw: usize, cw: f32, Ho: i32): void {
  if (cw == scaleCols) return;
  scaleCols = cw;
  const one = f32x4.splat(1);
  const vc = f32x4.splat(cw);
  const nv = vecFloor(Ho);
  let i = 0;
  for (; i < nv; i += VEC) st4(sc, i, f32x4.div(one, f32x4.mul(ld4(rw, i), vc)));
  for (; i < Ho; i++) st1(sc, i, <f32>1 / (ld1(rw, i) * cw));
}

/**
 * y(i, j) = (acc[r] + ((t1[r] + t2[r]) + (t3[r] + t4[r]))) * sc[i], r = i*sy, t1 = top + off:
 * the last pieces of slideSumPart added here (t2 = t1 + h, t3 = t1 + 2h, t4 = t1 + 3h with
 * h = topHalf()). A missing piece (off < 0: no accumulator; h = 0: k = 1; no quarters:
 * t3, t4) reads the line Z of -0 instead: x + -0 is x exactly, zeros' signs included.
 */
function emit(yj: usize, off: i32, sc: usize, sy: i32, Ho: i32, Z: usize): void {
  const h = <usize>topHalf() << 2;
  const acc = off < 0 ? Z : accLevel();
  const t1 = topLevel() + (<usize>max(off, 0) << 2);
  const t2 = h > 0 ? t1 + h : Z;
  const t3 = topQuarters() ? t1 + 2 * h : Z;
  const t4 = topQuarters() ? t1 + 3 * h : Z;
  const nv = sy == 1 ? vecFloor(Ho) : 0;
  let i = 0;
  for (; i < nv; i += VEC) {
    const t = f32x4.add(f32x4.add(ld4(t1, i), ld4(t2, i)), f32x4.add(ld4(t3, i), ld4(t4, i)));
    st4(yj, i, f32x4.mul(f32x4.add(ld4(acc, i), t), ld4(sc, i)));
  }
  for (; i < Ho; i++) {
    const r = i * sy;
    st1(yj, i, (ld1(acc, r) + ((ld1(t1, r) + ld1(t2, r)) + (ld1(t3, r) + ld1(t4, r)))) * ld1(sc, i));
  }
}

/** y = average pooling of x, output columns [j0, j1) of each plane (as pool_max_forward). */
export function pool_avg_forward(x: usize, y: usize, scratch: usize, j0: i32, j1: i32, H: i32, W: i32, P: i32,
  ph: i32, pw: i32, sy: i32, sx: i32, pt: i32, pb: i32, pl: i32, Ho: i32, Wo: i32, L: i32): void {
  const lb = <usize>L << 2;
  const S = scratch;
  const G = S + <usize>blockLines(H, W, Ho, Wo, pw, sx) * lb;
  const U = G + lb;
  const A = U + lb;
  const sc = A + lb;
  const rw = sc + lb;
  const Z = rw + lb;
  rowCounts(rw, Ho, sy, pt, ph, H);
  scaleCols = 0;
  const len = H + pt + pb;
  for (let i = 0; i < len; i += VEC) st4(Z, i, f32x4.splat(-0.0));
  const body = U + (<usize>pt << 2);
  for (let c = 0; c < P; c++) {
    const xp = x + ((<usize>c * <usize>H * <usize>W) << 2);
    const yp = y + ((<usize>c * <usize>Ho * <usize>(j1 - j0)) << 2);
    if (j0 == 0 || c > 0) hReset();
    for (let j = j0; j < j1; j++) {
      hPass(SUM, xp, H, W, j * sx, pw, pl, sx, body, S, G, L);
      lineFill(SUM, U, pt);
      lineFill(SUM, body + (<usize>H << 2), pb);
      const off = slideSumPart(U, A, len, ph, true);
      scales(sc, rw, <f32>inBounds(j, sx, pl, pw, W), Ho);
      emit(yp + ((<usize>(j - j0) * <usize>Ho) << 2), off, sc, sy, Ho, Z);
    }
  }
}

/** q = dzdy * scale in place, for all P planes (sc: a scratch line). */
function scaleByArea(q: usize, rw: usize, sc: usize, P: i32, Ho: i32, Wo: i32, sx: i32, pl: i32, pw: i32, W: i32): void {
  const nv = vecFloor(Ho);
  scaleCols = 0;
  for (let c = 0; c < P; c++) {
    for (let j = 0; j < Wo; j++) {
      const qj = q + ((<usize>(c * Wo + j) * <usize>Ho) << 2);
      scales(sc, rw, <f32>inBounds(j, sx, pl, pw, W), Ho);
      let i = 0;
      for (; i < nv; i += VEC) st4(qj, i, f32x4.mul(ld4(qj, i), ld4(sc, i)));
      for (; i < Ho; i++) st1(qj, i, ld1(qj, i) * ld1(sc, i));
    }
  }
}

/** dzdx = the adjoint of average pooling applied to dzdy (dzdy is overwritten). */
export function pool_avg_backward(dzdy: usize, dzdx: usize, scratch: usize, H: i32, W: i32, P: i32,
  ph: i32, pw: i32, sy: i32, sx: i32, pt: i32, pb: i32, pl: i32, Ho: i32, Wo: i32, L: i32): void {
  const lb = <usize>L << 2;
  const S = scratch;
  const G = S + <usize>blockLines(H, W, Ho, Wo, pw, sx) * lb;
  const Z = G + lb;
  const T = Z + 2 * lb;
  const rw = T + lb;
  rowCounts(rw, Ho, sy, pt, ph, H);
  scaleByArea(dzdy, rw, T, P, Ho, Wo, sx, pl, pw, W);
  const padL = ph - 1 - pt;
  const lz = H + ph - 1;
  const running = sx == 1 && useRunning(pw, 1, Ho, Wo);
  for (let c = 0; c < P; c++) {
    const qp = dzdy + ((<usize>c * <usize>Ho * <usize>Wo) << 2);
    const dp = dzdx + ((<usize>c * <usize>H * <usize>W) << 2);
    hReset();
    for (let s = 0; s < W; s++) {
      // Horizontal adjoint: sum of q(:, j) over j with j*sx in [s + pl - pw + 1, s + pl].
      const dst = sy == 1 ? Z + (<usize>padL << 2) : T;
      if (running) {
        hRunning(SUM, qp, Ho, Wo, s, pw, pw - 1 - pl, dst, S, G, L);
      } else {
        const a = s + pl - pw + 1;
        const lo = a <= 0 ? 0 : (a + sx - 1) / sx;
        const hi = min(Wo - 1, (s + pl) / sx);
        if (hi >= lo) hDirect(SUM, qp, Ho, Wo, lo, hi - lo + 1, 0, dst);
        else lineFill(SUM, dst, Ho);
      }
      // Vertical adjoint: Z[i*sy + padL] = dst[i], zero elsewhere; dzdx(r, s) = sum of Z over [r, r + ph).
      if (sy == 1) {
        lineFill(SUM, Z, padL);
        lineFill(SUM, dst + (<usize>Ho << 2), lz - padL - Ho);
      } else {
        lineFill(SUM, Z, lz);
        for (let i = 0; i < Ho; i++) st1(Z, i * sy + padL, ld1(T, i));
      }
      slideSum(Z, Z + lb, lz, ph, dp + ((<usize>s * <usize>H) << 2));
    }
  }
}
