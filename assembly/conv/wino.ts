// nnconv forward at stride 1 and dilation 1 along W: 1-D Winograd across the
// columns, so two output columns cost fewer multiplications than FW taps each.
//
// The FW taps of a filter row are cut into chunks of 3 (F(2,3)) and of 2
// (F(2,2)). For output columns (j, j+1) and a chunk whose taps g0.. start at
// tap s, with d_q = column j + s + q of the padded input (q = 0..3), element-wise
// down the column:
//   F(2,3): T_a = d0 - d2, T_b = d1 + d2, T_c = d2 - d1, T_d = d3 - d1
//           G_a = g0, G_b = (g0 + g1 + g2)/2, G_c = (g0 - g1 + g2)/2, G_d = g2
//   F(2,2): T_a = d0 - d1, T_b = d1, T_d = d2 - d1;  G_a = g0, G_b = g0 + g1, G_d = g1
//   y(:, j)     = sum over chunks, taps u and channels of  T_a G_a + T_b G_b + T_c G_c
//   y(:, j + 1) = the same sum of                          T_b G_b - T_c G_c + T_d G_d
// (4 products instead of 6 and 3 instead of 4: FW = 3 needs 2/3 of the direct
// work, FW = 5 7/10.) Each kind t = a, b, c, d is one GEMM M_t = A_t * B_t, run by
// micro-kernels on 8-row blocks (16 for a tile of 2 filters; conv/wino_mk.ts), whose rows r = u + FH*(chunk + n_t*c)
// are read in place from the transformed columns (the row shift u*dy is an
// offset, as in the direct kernel). So a column pair is transformed once for all
// FH taps and all filters, whereas along H every tap column would need its own.
// The transformed columns hold the top and bottom padding as zero rows, so every
// row block runs the same code; columns outside x transform as zeros. A pair
// is transformed in bands of 64 output rows, which keeps them in L1. With
// integer inputs every value stays exact (the only fraction is the 1/2), so
// results equal the direct product bit for bit.
// REQUIRES: winoApplies(); the scratch at ws holds winoScratch() floats, 16-byte
// aligned, prepared by winoPrepare() for the same sizes.

import { gemm8, tileWidth } from './gemm';
import { TILES, pair8x4, pair16x2, outputPair } from './wino_mk';
import { vecFloor } from '../simd';


/** F(2,3) chunks of a row of FW taps (FW = 3 n3 + 2 n2, n2 in 0..2). */
// @ts-ignore: decorator
@inline function n3of(FW: i32): i32 { return FW % 3 == 1 ? FW / 3 - 1 : FW / 3; }
/** F(2,2) chunks. */
// @ts-ignore: decorator
@inline function n2of(FW: i32): i32 { return FW % 3 == 0 ? 0 : FW % 3 == 2 ? 1 : 2; }
/** Transformed columns per channel of kind t: every chunk has an a, b and d; only F(2,3) chunks a c. */
// @ts-ignore: decorator
@inline function perC(FW: i32, t: i32): i32 { return t == 2 ? n3of(FW) : n3of(FW) + n2of(FW); }
/** Transformed columns per channel of the kinds before t (t = 4: all of them). */
// @ts-ignore: decorator
@inline function before(FW: i32, t: i32): i32 {
  const n = n3of(FW) + n2of(FW);
  return t <= 2 ? n * t : n * (t - 1) + n3of(FW);
}
/** Output rows per band (at most): a pair's columns are transformed one band at a time, so they stay small. */
const BAND: i32 = 64;
/** Floats per transformed column: every padded row a band's 16-row blocks read (pair16x2), rounded to whole vectors. */
// @ts-ignore: decorator
@inline function colStride(Ho: i32, FH: i32, dy: i32): i32 { return (min(BAND, (Ho + 15) & ~15) + (FH - 1) * dy + 3) & ~3; }

/**
 * Worth it when column pairs exist, enough filters share each transformed column, and the
 * columns are tall enough to amortise the transform. NOTE: measured against the direct path
 * in one process: 0.63-0.88 of its time from 16 rows up (0.76 on 56x56x256, 0.83 on the
 * practical); with 14 or 7 rows and 128+ channels it was 1.1-1.7 times slower.
 */
export function winoApplies(Ho: i32, Wo: i32, FW: i32, Kg: i32, sy: i32, sx: i32, dx: i32): bool {
  return sy == 1 && sx == 1 && dx == 1 && FW >= 2 && Wo >= 2 && Ho >= 16 && Kg >= 8;
}

// Scratch layout from ws, in floats (R = before(FW, 4) * FH * FC rows over all kinds):
//   transformed filters (R * K, tile (k, nr) at R * k, kinds a..d within it) | row offsets (R u32) |
//   a zero column (H) | transformed columns (before(FW, 4) * FC of colStride floats).
// @ts-ignore: decorator
@inline function zeroAt(ws: usize, R: i32, K: i32): usize { return ws + (<usize>((R * (K + 1) + 3) & ~3) << 2); }
// @ts-ignore: decorator
@inline function colsAt(ws: usize, R: i32, K: i32, H: i32): usize { return zeroAt(ws, R, K) + (<usize>((H + 3) & ~3) << 2); }

export function winoScratch(H: i32, FH: i32, FW: i32, FC: i32, K: i32, Ho: i32, dy: i32): i32 {
  const R = before(FW, 4) * FH * FC;
  return ((R * (K + 1) + 3) & ~3) + ((H + 3) & ~3) + before(FW, 4) * FC * colStride(Ho, FH, dy);
}

/** Filter transform G of kind t for one chunk: taps g0, g1 (, g2) `step` bytes apart from g. */
function transformed(g: usize, step: usize, t: i32, three: bool): f32 {
  const g0 = load<f32>(g), g1 = load<f32>(g + step);
  if (!three) return t == 0 ? g0 : t == 1 ? g0 + g1 : g1;
  const g2 = load<f32>(g + 2 * step);
  return t == 0 ? g0 : t == 1 ? (g0 + g1 + g2) * 0.5 : t == 2 ? (g0 - g1 + g2) * 0.5 : g2;
}

/**
 * Once per call: the transformed filters (tile (k, nr) at R*k holds B_a, B_b, B_c, B_d one
 * after the other, B_t packed like packFilters: [r*nr + kk], r = u + FH*(chunk + n_t*c)), the
 * offsets of the rows of A_t in the transformed columns (kinds one after the other, so one
 * walk covers all four), and the zero column.
 */
export function winoPrepare(w: usize, ws: usize, H: i32, FH: i32, FW: i32, FC: i32, K: i32, Kg: i32, Ho: i32, dy: i32): void {
  const n3 = n3of(FW);
  const cols = before(FW, 4) * FC;
  const R = cols * FH;
  const z = zeroAt(ws, R, K);
  memory.fill(z, 0, colsAt(ws, R, K, H) - z);
  // Row r0_t + u + FH*(ci + n_t*c) is row u + FH*q of transformed column q = before(t)*FC + ci + n_t*c.
  let off = ws + (<usize>(R * K) << 2);
  for (let q = 0; q < R; q++, off += 4) store<u32>(off, <u32>((q / FH) * colStride(Ho, FH, dy) + (q % FH) * dy) << 2);
  for (let k0 = 0; k0 < K; k0 += Kg) {
    for (let kt = 0; kt < Kg;) {
      const nr = tileWidth(Kg - kt);
      let dst = ws + (<usize>(R * (k0 + kt)) << 2);
      for (let t = 0; t < 4; t++) {
        for (let c = 0; c < FC; c++) {
          for (let ci = 0; ci < perC(FW, t); ci++) {
            const s = ci < n3 ? 3 * ci : 3 * n3 + 2 * (ci - n3);
            for (let u = 0; u < FH; u++, dst += <usize>nr << 2) {
              for (let kk = 0; kk < nr; kk++) {
                const g = w + (<usize>(u + FH * (s + FW * (c + FC * (k0 + kt + kk)))) << 2);
                store<f32>(dst + (<usize>kk << 2), transformed(g, <usize>FH << 2, t, ci < n3));
              }
            }
          }
        }
      }
      kt += nr;
    }
  }
}

/** Column `col` of channel c of the group at xg, or the zero column outside x. */
// @ts-ignore: decorator
@inline function source(xg: usize, zero: usize, H: i32, W: i32, c: i32, col: i32): usize {
  return col >= 0 && col < W ? xg + (<usize>(H * (col + W * c)) << 2) : zero;
}

/**
 * The input transform of one chunk, n rows: T_a = d0 - d2, T_b = d1 + d2, T_c = d2 - d1,
 * T_d = d3 - d1 when `three`; else T_a = d0 - d1, T_b = d1, T_d = d2 - d1 (tc unused).
 */
function transformChunk(d0: usize, d1: usize, d2: usize, d3: usize, ta: usize, tb: usize, tc: usize, td: usize,
  n: i32, three: bool): void {
  const end = <usize>vecFloor(n) << 2;
  if (three) {
    for (let o: usize = 0; o < end; o += 16) {
      const x0 = v128.load(d0 + o), x1 = v128.load(d1 + o), x2 = v128.load(d2 + o), x3 = v128.load(d3 + o);
      v128.store(ta + o, f32x4.sub(x0, x2));
      v128.store(tb + o, f32x4.add(x1, x2));
      v128.store(tc + o, f32x4.sub(x2, x1));
      v128.store(td + o, f32x4.sub(x3, x1));
    }
  } else {
    for (let o: usize = 0; o < end; o += 16) {
      const x0 = v128.load(d0 + o), x1 = v128.load(d1 + o), x2 = v128.load(d2 + o);
      v128.store(ta + o, f32x4.sub(x0, x1));
      v128.store(tb + o, x1);
      v128.store(td + o, f32x4.sub(x2, x1));
    }
  }
  for (let o = end; o < <usize>n << 2; o += 4) {
    const x1 = load<f32>(d1 + o), x2 = load<f32>(d2 + o);
    if (three) {
      store<f32>(ta + o, load<f32>(d0 + o) - x2);
      store<f32>(tb + o, x1 + x2);
      store<f32>(tc + o, x2 - x1);
      store<f32>(td + o, load<f32>(d3 + o) - x1);
    } else {
      store<f32>(ta + o, load<f32>(d0 + o) - x1);
      store<f32>(tb + o, x1);
      store<f32>(td + o, x2 - x1);
    }
  }
}

/**
 * Transform padded rows [i0, i0 + colStride) of the columns of output columns j, j+1, for every
 * chunk and channel of the group at xg; rows outside x are zeros.
 */
function transformBand(xg: usize, ws: usize, j: i32, i0: i32, H: i32, W: i32, Ho: i32, FH: i32, FW: i32, FC: i32, K: i32,
  pt: i32, pl: i32, dy: i32): void {
  const n3 = n3of(FW), n = n3 + n2of(FW);
  const R = before(FW, 4) * FH * FC;
  const zero = zeroAt(ws, R, K);
  const hs = colStride(Ho, FH, dy);
  const hb = <usize>hs << 2;
  const cols = colsAt(ws, R, K, H);
  // Band row q is x row r0 + q: rows [ka, kb) of the band lie in x, the rest in the padding
  // (a band may lie wholly in a wide pad).
  const r0 = i0 - pt;
  const ka = min(hs, max(0, -r0));
  const kb = max(ka, min(hs, H - r0));
  if (ka > 0 || kb < hs) {
    for (let q = 0; q < before(FW, 4) * FC; q++) {
      const col = cols + hb * <usize>q;
      memory.fill(col, 0, <usize>ka << 2);
      memory.fill(col + (<usize>kb << 2), 0, <usize>(hs - kb) << 2);
    }
  }
  const dst = cols + (<usize>ka << 2);
  const src = <usize>(r0 + ka) << 2;
  for (let c = 0; c < FC; c++) {
    for (let ci = 0; ci < n; ci++) {
      const three = ci < n3;
      const s = three ? 3 * ci : 3 * n3 + 2 * (ci - n3);
      const q = j + s - pl;
      // Column of kind t for (ci, c): before(t)*FC + ci + n_t*c.
      transformChunk(source(xg, zero, H, W, c, q) + src, source(xg, zero, H, W, c, q + 1) + src,
        source(xg, zero, H, W, c, q + 2) + src, source(xg, zero, H, W, c, q + 3) + src,
        dst + hb * <usize>(ci + n * c), dst + hb * <usize>(before(FW, 1) * FC + ci + n * c),
        dst + hb * <usize>(before(FW, 2) * FC + ci + n3 * c), dst + hb * <usize>(before(FW, 3) * FC + ci + n * c),
        kb - ka, three);
    }
  }
}

/**
 * One column pair: output columns j and j+1 (pixel p = Ho*j at yg + 4 p), band by band, every
 * row block and filter tile of the group; planes ys floats apart.
 */
export function winoPair(xg: usize, b: usize, yg: usize, ws: usize, j: i32, H: i32, W: i32, Ho: i32, ys: i32,
  FH: i32, FW: i32, FC: i32, K: i32, Kg: i32, k0: i32, pt: i32, pl: i32, dy: i32): void {
  const R = before(FW, 4) * FH * FC;
  const cols = colsAt(ws, R, K, H);
  const ysb = <usize>ys << 2;
  for (let i0 = 0; i0 < Ho; i0 += 8) {
    const ib = i0 % BAND;
    if (ib == 0) transformBand(xg, ws, j, i0, H, W, Ho, FH, FW, FC, K, pt, pl, dy);
    const y = yg + (<usize>(Ho * j + i0) << 2);
    const base = cols + (<usize>ib << 2);
    const offs = ws + (<usize>(R * K) << 2);
    for (let kt = 0; kt < Kg;) {
      const nr = tileWidth(Kg - kt);
      const k = k0 + kt;
      const bk = ws + (<usize>(R * k) << 2);
      const bias: usize = b == 0 ? 0 : b + (<usize>k << 2);
      if (nr == 4) {
        pair8x4(base, offs, bk, perC(FW, 0) * FH * FC, perC(FW, 2) * FH * FC, y + ysb * <usize>kt, ysb, <usize>Ho << 2, min(8, Ho - i0), bias);
      } else if (nr == 2) {
        // in 16-row blocks from multiples of 16, so none crosses a band (BAND % 16 == 0), and a
        // short last one reads rows that colStride's rounding to 16 keeps inside the column
        if ((i0 & 15) == 0) {
          pair16x2(base, offs, bk, perC(FW, 0) * FH * FC, perC(FW, 2) * FH * FC, y + ysb * <usize>kt, ysb, <usize>Ho << 2, min(16, Ho - i0), bias);
        }
      } else {
        // Tiles of 1 and 3 are rarer: one gemm8 per kind into TILES.
        for (let t = 0; t < 4; t++) {
          const r0 = before(FW, t) * FH * FC;
          gemm8(base, offs + (<usize>r0 << 2), bk + (<usize>(r0 * nr) << 2), perC(FW, t) * FH * FC, nr, 0,
            TILES + 160 * <usize>t, 32, 8);
        }
        outputPair(y + ysb * <usize>kt, ysb, <usize>Ho << 2, nr, min(8, Ho - i0), bias);
      }
      kt += nr;
    }
  }
}
