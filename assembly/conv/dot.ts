// nnconv forward for the tiniest outputs: at most DOT_Q output pixels in the whole call (a
// fully-connected layer on 1..4 images, a 2x2 map on one image), every tap inside x. There
// conv/batch.ts fills at most half of its 8-row panels and streams all of w for it: a served
// net's last layers on one image ran at 1/8 to 1/2 of the lanes. Here the lanes run along the
// patch elements r instead, so one pixel fills them:
//   y(q, k) = b[k] + sum_r A(q, r) W(r, k),  W(r, k) = w[r + R k] read in place (w is R x K),
// A(q, r) = x(window of pixel q + offR[r]) packed once per group, a row of R floats per pixel,
// q = p + P n as in conv/batch.ts. Each output has one accumulator: lane l sums r = 4v + l for
// v = 0, 1, ... in order (r < 4V, V = floor(R/4)), then (l0 + l1) + (l2 + l3), then r = 4V ..
// R-1 in order, then b[k], whichever tile computed it, so an output's bits do not depend on Q or
// K; the worker pool's split by images relies on that.
// REQUIRES: dotApplies(); the conv_forward REQUIRES; scratch holds dotScratch() floats.

import { madd } from '../simd';
import { batchApplies, offsets } from './batch';

export const DOT_Q: i32 = 4;

// @ts-ignore: decorator
@inline export function dotApplies(H: i32, W: i32, C: i32, N: i32, FH: i32, FW: i32, FC: i32, Ho: i32, Wo: i32,
  pt: i32, pl: i32, sy: i32, sx: i32, dy: i32, dx: i32): bool {
  return Ho * Wo * N <= DOT_Q && batchApplies(H, W, C, FH, FW, FC, Ho, Wo, pt, pl, sy, sx, dy, dx);
}

/** Floats: DOT_Q packed rows of R (rounded up to a vector), the two offset tables, an 8-vector tile. */
export function dotScratch(FH: i32, FW: i32, FC: i32): i32 {
  const R = FH * FW * FC;
  return DOT_Q * ((R + 3) & ~3) + R + DOT_Q + 32;
}

/**
 * tile[2t + j] = the lane sums of rows a_t and b_j, t < 4, j < 2, over V vectors. Pixel rows and
 * filter columns take either side (IEEE products commute, so the bits are the same).
 */
function dot4x2(a0: usize, a1: usize, a2: usize, a3: usize, b0: usize, b1: usize, V: i32, tile: usize): void {
  const z = f32x4.splat(0);
  let c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
  for (let o: usize = 0, end = <usize>V << 4; o < end; o += 16) {
    const u = v128.load(b0 + o), v = v128.load(b1 + o);
    let a = v128.load(a0 + o);
    c00 = madd(a, u, c00); c01 = madd(a, v, c01);
    a = v128.load(a1 + o);
    c10 = madd(a, u, c10); c11 = madd(a, v, c11);
    a = v128.load(a2 + o);
    c20 = madd(a, u, c20); c21 = madd(a, v, c21);
    a = v128.load(a3 + o);
    c30 = madd(a, u, c30); c31 = madd(a, v, c31);
  }
  v128.store(tile, c00); v128.store(tile, c01, 16);
  v128.store(tile, c10, 32); v128.store(tile, c11, 48);
  v128.store(tile, c20, 64); v128.store(tile, c21, 80);
  v128.store(tile, c30, 96); v128.store(tile, c31, 112);
}

/** y = (l0 + l1) + (l2 + l3) of the tile vector at t, then the r >= 4V terms of row a and column wk in order, then bk. */
function finish(t: usize, a: usize, wk: usize, R4: i32, R: i32, bk: f32): f32 {
  let s = (load<f32>(t) + load<f32>(t, 4)) + (load<f32>(t, 8) + load<f32>(t, 12));
  for (let r = R4; r < R; r++) s += load<f32>(a + (<usize>r << 2)) * load<f32>(wk + (<usize>r << 2));
  return s + bk;
}

/** y = conv(x, w) + b (b = 0: no bias), every element written. */
export function dotForward(x: usize, w: usize, b: usize, y: usize, scratch: usize,
  H: i32, W: i32, C: i32, N: i32, FH: i32, FW: i32, FC: i32, K: i32,
  Ho: i32, Wo: i32, sy: i32, sx: i32, dy: i32, dx: i32): void {
  const G = C / FC, Kg = K / G, R = FH * FW * FC, P = Ho * Wo, Q = P * N, RS = (R + 3) & ~3, V = R >> 2;
  const Ap = scratch;                                  // Ap[q*RS + r] = A(q, r), one group
  const offR = Ap + (<usize>(DOT_Q * RS) << 2), offQ = offR + (<usize>R << 2);
  const tile = offQ + (<usize>DOT_Q << 2);
  const ws = <usize>R << 2, as = <usize>RS << 2;
  if (Q == 0) return;
  offsets(offR, offQ, H, W, C, N, FH, FW, FC, Ho, Wo, sy, sx, dy, dx);
  for (let g = 0; g < G; g++) {
    const xg = x + (<usize>(H * W * FC * g) << 2);
    for (let q = 0; q < Q; q++) {
      const src = xg + <usize>load<u32>(offQ + (<usize>q << 2)), dst = Ap + <usize>q * as;
      for (let r = 0; r < R; r++) store<f32>(dst + (<usize>r << 2), load<f32>(src + <usize>load<u32>(offR + (<usize>r << 2))));
    }
    // Up to 2 pixels: 4 filters x the pixels a tile; more: 4 pixels x 2 filters. A row or
    // column past the last is the last again (computed, not stored).
    const byK = Q <= 2, nk = byK ? 4 : 2, k1 = (g + 1) * Kg;
    const wl = w + <usize>(k1 - 1) * ws, al = Ap + <usize>(Q - 1) * as;
    for (let k0 = g * Kg; k0 < k1; k0 += nk) {
      const wk = w + <usize>k0 * ws;
      if (byK) dot4x2(wk, min(wk + ws, wl), min(wk + 2 * ws, wl), min(wk + 3 * ws, wl), Ap, min(Ap + as, al), V, tile);
      else dot4x2(Ap, Ap + as, min(Ap + 2 * as, al), min(Ap + 3 * as, al), wk, min(wk + ws, wl), V, tile);
      for (let j = 0; j < min(nk, k1 - k0); j++) {
        const k = k0 + j;
        const bk: f32 = b == 0 ? 0 : load<f32>(b + (<usize>k << 2));
        for (let t = 0; t < Q; t++) {
          const v = finish(tile + (<usize>(byK ? 2 * j + t : 2 * t + j) << 4), Ap + <usize>t * as, wk + <usize>j * ws, V << 2, R, bk);
          store<f32>(y + (<usize>(t % P + P * (k + K * (t / P))) << 2), v);
        }
      }
    }
  }
}
