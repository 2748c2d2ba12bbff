// Register-blocked GEMM micro-kernels for nnconv's forward pass.
//
// One call computes an 8-pixel x nr-filter tile of y:
//   y[m, kk] = bias[kk] + sum_{r < R} A_r[m] * B[r*nr + kk],   m < 8, kk < nr
// where A_r = the 8 floats at base + offs[r] (bytes): the 8 pixels' im2row
// entries for patch element r. They are either a packed block (offs[r] = 32 r)
// or, for stride-1 blocks away from the padding, 8 consecutive rows of x read in
// place, so most of the practical's conv is never copied. B is a packed filter
// tile (nr floats per r). The 8 pixels are 2 f32x4 vectors; each B value is
// splatted once per r and used for both, so an 8x4 tile keeps 8 accumulators.
// NOTE: not 8x5: V8 on x64 leaves 15 xmm registers to wasm and TurboFan loads
// all of a step's operands first, so 10 accumulators + 2 A + 5 splats spill two
// accumulators (measured 23 GFLOP/s L1-resident against 52 for 8x4; conv/batch_mk.ts).
// Output: y[m + ys*kk] for m < valid (ys in bytes between filters).
// REQUIRES: base + offs[r] holds 8 floats for every r < R, B holds nr*R floats,
// R >= 0 (0 stores the bias alone), 1 <= valid <= 8; bias is 0 (no bias) or points at nr floats.

import { madd } from '../simd';
import { STATICS_BASE, GEMM_AT } from '../statics';

/** Staging area for partial tiles (8 pixels x 4 filters; room for 5), also conv/backward_data_mk.ts' short blocks; each thread's own (statics.ts). */
export let TILE: usize = STATICS_BASE + GEMM_AT;
/** Move TILE into a worker's private statics region at p (memory.ts, thread_statics). */
export function gemmStaticsAt(p: usize): void { TILE = p + GEMM_AT; }

// @ts-ignore: decorator
@inline function splatBias(bias: usize, kk: i32): v128 {
  return bias == 0 ? f32x4.splat(0) : v128.load32_splat(bias + (<usize>kk << 2));
}

/** Store the two vectors of filter kk: straight to y when the tile is full, else via TILE. */
// @ts-ignore: decorator
@inline function put(y: usize, ys: usize, kk: i32, valid: i32, lo: v128, hi: v128): void {
  const dst = valid == 8 ? y + ys * <usize>kk : TILE + (<usize>kk << 5);
  v128.store(dst, lo);
  v128.store(dst, hi, 16);
}

/** Copy the first `valid` pixels of nr staged filters to y (partial tiles only). */
function flushTile(y: usize, ys: usize, nr: i32, valid: i32): void {
  if (valid == 8) return;
  for (let kk = 0; kk < nr; kk++) {
    for (let m = 0; m < valid; m++) {
      store<f32>(y + ys * <usize>kk + (<usize>m << 2), load<f32>(TILE + (<usize>(kk * 8 + m) << 2)));
    }
  }
}

/** 8 pixels x 4 filters. */
export function gemm8x4(base: usize, offs: usize, b: usize, R: i32, bias: usize, y: usize, ys: usize, valid: i32): void {
  let c00 = splatBias(bias, 0), c01 = c00;
  let c10 = splatBias(bias, 1), c11 = c10;
  let c20 = splatBias(bias, 2), c21 = c20;
  let c30 = splatBias(bias, 3), c31 = c30;
  const end = offs + (<usize>R << 2);
  while (offs < end) {
    const a = base + load<u32>(offs);
    const a0 = v128.load(a);
    const a1 = v128.load(a, 16);
    let w = v128.load32_splat(b);
    c00 = madd(a0, w, c00); c01 = madd(a1, w, c01);
    w = v128.load32_splat(b, 4);
    c10 = madd(a0, w, c10); c11 = madd(a1, w, c11);
    w = v128.load32_splat(b, 8);
    c20 = madd(a0, w, c20); c21 = madd(a1, w, c21);
    w = v128.load32_splat(b, 12);
    c30 = madd(a0, w, c30); c31 = madd(a1, w, c31);
    offs += 4;
    b += 16;
  }
  put(y, ys, 0, valid, c00, c01);
  put(y, ys, 1, valid, c10, c11);
  put(y, ys, 2, valid, c20, c21);
  put(y, ys, 3, valid, c30, c31);
  flushTile(y, ys, 4, valid);
}

/**
 * 8 pixels x nr filters (nr <= 3, the remainders and depthwise): filters in pairs (4 accumulator
 * chains, not 2: a lone filter's loop waits on its adds), then the odd one.
 */
export function gemm8xN(base: usize, offs: usize, b: usize, R: i32, nr: i32, bias: usize, y: usize, ys: usize, valid: i32): void {
  const bs = <usize>nr << 2;
  const end = offs + (<usize>R << 2);
  let kk = 0;
  for (; kk + 1 < nr; kk += 2) {
    let c0 = splatBias(bias, kk), c1 = c0, d0 = splatBias(bias, kk + 1), d1 = d0;
    let po = offs;
    let pb = b + (<usize>kk << 2);
    while (po < end) {
      const a = base + load<u32>(po);
      const a0 = v128.load(a), a1 = v128.load(a, 16);
      let w = v128.load32_splat(pb);
      c0 = madd(a0, w, c0); c1 = madd(a1, w, c1);
      w = v128.load32_splat(pb, 4);
      d0 = madd(a0, w, d0); d1 = madd(a1, w, d1);
      po += 4;
      pb += bs;
    }
    put(y, ys, kk, valid, c0, c1);
    put(y, ys, kk + 1, valid, d0, d1);
  }
  if (kk < nr) {
    let c0 = splatBias(bias, kk), c1 = c0;
    let po = offs;
    let pb = b + (<usize>kk << 2);
    while (po < end) {
      const w = v128.load32_splat(pb);
      const a = base + load<u32>(po);
      c0 = madd(v128.load(a), w, c0);
      c1 = madd(v128.load(a, 16), w, c1);
      po += 4;
      pb += bs;
    }
    put(y, ys, kk, valid, c0, c1);
  }
  flushTile(y, ys, nr, valid);
}

/** Width of the next filter tile for `rem` remaining filters: 4s, at most 3 left over. */
// @ts-ignore: decorator
@inline export function tileWidth(rem: i32): i32 {
  return rem >= 4 ? 4 : rem;
}

/** The micro-kernel for a tile of nr filters (nr from tileWidth). */
export function gemm8(base: usize, offs: usize, b: usize, R: i32, nr: i32, bias: usize, y: usize, ys: usize, valid: i32): void {
  if (nr == 4) gemm8x4(base, offs, b, R, bias, y, ys, valid);
  else gemm8xN(base, offs, b, R, nr, bias, y, ys, valid);
}
