// GEMM micro-kernels of the batched small-output path (conv/batch.ts). One call
// computes a tile of 8 rows x nr columns of C over S steps:
//   C(m, j) (+)= sum_{s < S} A_s[m] * B(s, j),   m < 8, j < nr
// A_s = the 8 floats at a + s*as (bytes): a packed panel (as = 32) or 8 consecutive
// floats of a matrix read in place (as = its column stride). B(s, j) at
// b + s*bs + j*bj, splatted once per step and used for both A vectors.
// C(m, j) at c + 4m + j*cs; add: C += the product, else C = the product.
// 8 x 4: V8 (TurboFan, x64) loads all of a step's operands before its
// arithmetic, so 8 accumulators + 2 A vectors + 4 splats = 14 of the 15 xmm
// registers it gives wasm; 8 x 5 (17) and 12 x 3 (15) spill accumulators and run
// at 23 and 21 GFLOP/s where 8 x 4 runs at 52 (L1-resident, one core, register
// peak ~52). Every multiply-add is madd (simd.ts).
// REQUIRES: a + s*as + [0, 32) and every B(s, j), C(m, j) addressable; S >= 0.

import { madd } from '../simd';

// @ts-ignore: decorator
@inline function put(c: usize, lo: v128, hi: v128, add: bool): void {
  if (add) {
    lo = f32x4.add(lo, v128.load(c));
    hi = f32x4.add(hi, v128.load(c, 16));
  }
  v128.store(c, lo);
  v128.store(c, hi, 16);
}

export function mk8x4(a: usize, as: usize, b: usize, bs: usize, bj: usize, S: i32, c: usize, cs: usize, add: bool): void {
  const z = f32x4.splat(0);
  let c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
  const b2 = bj << 1, b3 = b2 + bj;
  for (let s = 0; s < S; s++) {
    const a0 = v128.load(a), a1 = v128.load(a, 16);
    let w = v128.load32_splat(b);
    c00 = madd(a0, w, c00); c01 = madd(a1, w, c01);
    w = v128.load32_splat(b + bj);
    c10 = madd(a0, w, c10); c11 = madd(a1, w, c11);
    w = v128.load32_splat(b + b2);
    c20 = madd(a0, w, c20); c21 = madd(a1, w, c21);
    w = v128.load32_splat(b + b3);
    c30 = madd(a0, w, c30); c31 = madd(a1, w, c31);
    a += as;
    b += bs;
  }
  put(c, c00, c01, add);
  put(c + cs, c10, c11, add);
  put(c + 2 * cs, c20, c21, add);
  put(c + 3 * cs, c30, c31, add);
}

/**
 * nr <= 3 columns (the remainders) in one loop, 3 columns computed (the last again where nr < 3)
 * and nr stored. Each column is summed in mk8x4's order, so a column's bits do not depend on the
 * tile that computed it: the worker pool splits the data derivative by images, which moves
 * columns (pixels) between tiles.
 */
export function mk8x3(a: usize, as: usize, b: usize, bs: usize, bj: usize, S: i32, nr: i32, c: usize, cs: usize, add: bool): void {
  const z = f32x4.splat(0);
  let c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z;
  const b1 = nr > 1 ? bj : 0, b2 = nr > 2 ? bj << 1 : b1;
  for (let s = 0; s < S; s++) {
    const a0 = v128.load(a), a1 = v128.load(a, 16);
    let w = v128.load32_splat(b);
    c00 = madd(a0, w, c00); c01 = madd(a1, w, c01);
    w = v128.load32_splat(b + b1);
    c10 = madd(a0, w, c10); c11 = madd(a1, w, c11);
    w = v128.load32_splat(b + b2);
    c20 = madd(a0, w, c20); c21 = madd(a1, w, c21);
    a += as;
    b += bs;
  }
  put(c, c00, c01, add);
  if (nr > 1) put(c + cs, c10, c11, add);
  if (nr > 2) put(c + 2 * cs, c20, c21, add);
}

/** Rows 8 x columns [0, nc) in tiles of 4 (and 1..3 left over), arguments as the micro-kernels'. */
export function rowPanel(a: usize, as: usize, b: usize, bs: usize, bj: usize, S: i32, nc: i32, c: usize, cs: usize, add: bool): void {
  for (let j = 0; j < nc;) {
    const rem = nc - j;
    const nr = min(rem, 4);
    const bb = b + <usize>j * bj, cc = c + <usize>j * cs;
    if (nr == 4) mk8x4(a, as, bb, bs, bj, S, cc, cs, add);
    else mk8x3(a, as, bb, bs, bj, S, nr, cc, cs, add);
    j += nr;
  }
}
