// The micro-kernel and output transform of nnconv's Winograd column pairs
// (conv/wino.ts): for 8 rows and a tile of filters (16 rows for a tile of 2), the four GEMMs
//   M_t[m, kk] = sum_{r < R_t} A_t[r][m] * B_t[r*nr + kk],  t = a, b, c, d
// (A_t's rows at base + offs[r], offsets and filters of the kinds one after the
// other), then  y(:, j) = M_a + M_b + M_c + bias,  y(:, j+1) = M_b - M_c + M_d + bias.
// REQUIRES: as gemm8 (conv/gemm.ts) for every kind's rows (16 floats readable at each for
// pair16x2); y's columns j and j+1 are cb bytes apart, filters ys bytes apart; 1 <= valid <= 8
// rows are stored (16 for pair16x2).

import { madd } from '../simd';
import { STATICS_BASE, WINO_AT } from '../statics';

/**
 * Output tiles M_a..M_d of one filter tile: kind t at TILES + 160 t, filter kk at + 32 kk
 * (pair16x2: at + 64 kk, its rows 8..15 32 bytes on).
 */
export let TILES: usize = STATICS_BASE + WINO_AT;
/** The two output columns of one filter, for blocks shorter than 8 rows. */
let STAGE: usize = STATICS_BASE + WINO_AT + 4 * 8 * 5 * 4;
/** Move TILES and STAGE into a worker's private statics region at p (memory.ts, thread_statics). */
export function winoStaticsAt(p: usize): void { TILES = p + WINO_AT; STAGE = p + WINO_AT + 4 * 8 * 5 * 4; }

/**
 * 8 rows x 4 filters of a column pair in one call: gemm8x4's loop once per kind (offsets and
 * filters walked through kinds a..d in turn, R_a = R_b = R_d = rab, R_c = rc), M_a..M_c kept in
 * TILES and M_d in registers for the output transform. NOTE: the commonest tile gets its own
 * kernel because with kinds as short as 15 rows (the practical) the set-up, stores and reloads
 * of four separate calls cost a fifth of the work.
 */
export function pair8x4(base: usize, offs: usize, b: usize, rab: i32, rc: i32, y: usize, ys: usize, cb: usize, valid: i32, bias: usize): void {
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (let t = 0; t < 4; t++) {
    c00 = f32x4.splat(0); c01 = c00; c10 = c00; c11 = c00; c20 = c00; c21 = c00; c30 = c00; c31 = c00;
    const end = offs + (<usize>(t == 2 ? rc : rab) << 2);
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
    if (t == 3) break;
    const m = TILES + 160 * <usize>t;
    v128.store(m, c00); v128.store(m, c01, 16);
    v128.store(m, c10, 32); v128.store(m, c11, 48);
    v128.store(m, c20, 64); v128.store(m, c21, 80);
    v128.store(m, c30, 96); v128.store(m, c31, 112);
  }
  emitPair(y, ys, cb, valid, bias, 0, c00, c01);
  emitPair(y, ys, cb, valid, bias, 1, c10, c11);
  emitPair(y, ys, cb, valid, bias, 2, c20, c21);
  emitPair(y, ys, cb, valid, bias, 3, c30, c31);
}

/**
 * 16 rows x the last 2 filters of a group (the practical's 10 = 4 + 4 + 2), valid of them
 * (1..16) stored; the other rows are read, so the transformed columns hold whole 16-row blocks.
 * NOTE: an 8-row tile of 2 makes 5 loads per GEMM row (2 row vectors, 2 filter values, an offset)
 * for 4 multiply-adds, pair8x4 7 for 8; 16 rows make it 7 for 8 too.
 * The two filter values stay in registers and the four row vectors stream through one (8
 * accumulators + 3 live: Node 20 and 22 spilled a 5-filter tile's 10 + 3).
 * Filter kk's rows 8h..8h+7 of kind t go to TILES + 160 t + 64 kk + 32 h.
 */
export function pair16x2(base: usize, offs: usize, b: usize, rab: i32, rc: i32, y: usize, ys: usize, cb: usize, valid: i32, bias: usize): void {
  let c00 = f32x4.splat(0), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
  for (let t = 0; t < 4; t++) {
    c00 = f32x4.splat(0); c01 = c00; c02 = c00; c03 = c00; c10 = c00; c11 = c00; c12 = c00; c13 = c00;
    const end = offs + (<usize>(t == 2 ? rc : rab) << 2);
    while (offs < end) {
      const a = base + load<u32>(offs);
      const w0 = v128.load32_splat(b), w1 = v128.load32_splat(b, 4);
      let x = v128.load(a);
      c00 = madd(x, w0, c00); c10 = madd(x, w1, c10);
      x = v128.load(a, 16);
      c01 = madd(x, w0, c01); c11 = madd(x, w1, c11);
      x = v128.load(a, 32);
      c02 = madd(x, w0, c02); c12 = madd(x, w1, c12);
      x = v128.load(a, 48);
      c03 = madd(x, w0, c03); c13 = madd(x, w1, c13);
      offs += 4;
      b += 8;
    }
    if (t == 3) break;
    const m = TILES + 160 * <usize>t;
    v128.store(m, c00); v128.store(m, c01, 16); v128.store(m, c02, 32); v128.store(m, c03, 48);
    v128.store(m, c10, 64); v128.store(m, c11, 80); v128.store(m, c12, 96); v128.store(m, c13, 112);
  }
  const b1: usize = bias == 0 ? 0 : bias + 4;
  const v0 = min(8, valid);
  emitRows(TILES, y, cb, v0, bias, c00, c01);
  emitRows(TILES + 64, y + ys, cb, v0, b1, c10, c11);
  if (valid <= 8) return;
  emitRows(TILES + 32, y + 32, cb, valid - 8, bias, c02, c03);
  emitRows(TILES + 96, y + ys + 32, cb, valid - 8, b1, c12, c13);
}

/** Filter kk of a pair tile: y(:, j) = M_a + M_b + M_c + bias, y(:, j+1) = M_b - M_c + M_d + bias. */
function emitPair(y: usize, ys: usize, cb: usize, valid: i32, bias: usize, kk: i32, d0: v128, d1: v128): void {
  emitRows(TILES + (<usize>kk << 5), y + ys * <usize>kk, cb, valid, bias == 0 ? 0 : bias + (<usize>kk << 2), d0, d1);
}

/** 8 rows of one filter's two output columns at out, from M_a..M_c at m (kinds 160 bytes apart) and M_d in d0, d1. */
function emitRows(m: usize, out: usize, cb: usize, valid: i32, bias: usize, d0: v128, d1: v128): void {
  const bv = bias == 0 ? f32x4.splat(0) : v128.load32_splat(bias);
  const dst0 = valid == 8 ? out : STAGE;
  const dst1 = valid == 8 ? out + cb : STAGE + 32;
  let mb = v128.load(m, 160), mc = v128.load(m, 320);
  v128.store(dst0, f32x4.add(f32x4.add(f32x4.add(v128.load(m), mb), mc), bv));
  v128.store(dst1, f32x4.add(f32x4.add(f32x4.sub(mb, mc), d0), bv));
  mb = v128.load(m, 176); mc = v128.load(m, 336);
  v128.store(dst0, f32x4.add(f32x4.add(f32x4.add(v128.load(m, 16), mb), mc), bv), 16);
  v128.store(dst1, f32x4.add(f32x4.add(f32x4.sub(mb, mc), d1), bv), 16);
  if (valid < 8) {
    memory.copy(out, STAGE, <usize>valid << 2);
    memory.copy(out + cb, STAGE + 32, <usize>valid << 2);
  }
}

/** y(:, j) = M_a + M_b + M_c + bias and y(:, j+1) = M_b - M_c + M_d + bias (cb bytes on) for `valid` rows. */
export function outputPair(y: usize, ys: usize, cb: usize, nr: i32, valid: i32, bias: usize): void {
  for (let kk = 0; kk < nr; kk++) {
    const bv = bias == 0 ? f32x4.splat(0) : v128.load32_splat(bias + (<usize>kk << 2));
    const m = TILES + (<usize>kk << 5);
    const out = y + ys * <usize>kk;
    const dst0 = valid == 8 ? out : STAGE;
    const dst1 = valid == 8 ? out + cb : STAGE + 32;
    for (let h: usize = 0; h < 32; h += 16) {
      const ma = v128.load(m + h), mb = v128.load(m + h, 160), mc = v128.load(m + h, 320), md = v128.load(m + h, 480);
      v128.store(dst0 + h, f32x4.add(f32x4.add(f32x4.add(ma, mb), mc), bv));
      v128.store(dst1 + h, f32x4.add(f32x4.add(f32x4.sub(mb, mc), md), bv));
    }
    if (valid < 8) {
      memory.copy(out, STAGE, <usize>valid << 2);
      memory.copy(out + cb, STAGE + 32, <usize>valid << 2);
    }
  }
}
