// nnconv forward, stride 1 and dilation 1 along H: 1-D Winograd along the
// columns, so two output rows cost fewer multiplications than FH taps each.
//
// The FH taps of a filter column are cut into chunks of 3 (F(2,3)) and of 2
// (F(2,2)). For output rows (2p, 2p+1) and a chunk whose taps g0.. start at
// tap s, with d_q = xpad(row0 + 2p + s + q) (q = 0..3):
//   F(2,3): m_a = (d0 - d2) g0,  m_b = (d1 + d2)(g0 + g1 + g2)/2,
//           m_c = (d2 - d1)(g0 - g1 + g2)/2,  m_d = (d3 - d1) g2
//   F(2,2): m_a = (d0 - d1) g0,  m_b = d1 (g0 + g1),  m_d = (d2 - d1) g1
//   y(2p) = sum m_a + m_b + m_c,   y(2p+1) = sum m_b - m_c + m_d
// (4 products instead of 6, 3 instead of 4: FH = 3 needs 2/3 of the direct
// work, FH = 5 7/10). Summed over chunks, taps v and channels c, each of the four
// kinds t = a, b, c, d is one GEMM M_t = A_t * B_t over rows r = chunk + n_t*(v + FW*c),
// run by the direct micro-kernels on 8 row pairs; the output transform then
// interleaves the two rows. With integer inputs every value stays exact (the
// only fraction is the 1/2), so results equal the direct product bit for bit.
// Blocks whose rows row0 .. row0 + 14 + FH or columns reach into the padding
// go through a zero-padded copy of each column strip.
// REQUIRES: winoApplies(); the 16 rows of a block lie in one column of y.

import { gemm8, tileWidth } from './conv_gemm';

/** Zero-padded copy of one column strip (15 + FH rows), for blocks that reach into the padding. */
const STRIP_ROWS: i32 = 128;
const STRIP: usize = memory.data(4 * 128, 16);

/** Output tiles M_a..M_d of one filter tile: kind t at TILES + 160 t, filter kk at + 32 kk. */
const TILES: usize = memory.data(4 * 8 * 5 * 4, 16);

/** F(2,3) chunks of a column of FH taps (FH = 3 n3 + 2 n2, n2 in 0..2). */
// @ts-ignore: decorator
@inline function n3of(FH: i32): i32 { return FH % 3 == 1 ? FH / 3 - 1 : FH / 3; }
/** F(2,2) chunks. */
// @ts-ignore: decorator
@inline function n2of(FH: i32): i32 { return FH % 3 == 0 ? 0 : FH % 3 == 2 ? 1 : 2; }
/** Rows per (v, c) of kind t: every chunk has an a, b and d product; only F(2,3) chunks a c. */
// @ts-ignore: decorator
@inline function perVC(FH: i32, t: i32): i32 { return t == 2 ? n3of(FH) : n3of(FH) + n2of(FH); }

/** Worth it when blocks of 16 rows exist and enough filters share each transformed input. */
export function winoApplies(Ho: i32, FH: i32, Kg: i32, sy: i32, dy: i32): bool {
  return sy == 1 && dy == 1 && FH >= 2 && FH + 15 <= STRIP_ROWS && Ho >= 16 && Kg >= 16;
}

/** Floats: per kind, transformed filters (R_t * K) and one packed block (8 * R_t). */
export function winoScratch(FH: i32, FW: i32, FC: i32, K: i32): i32 {
  return (perVC(FH, 0) * 3 + perVC(FH, 2)) * FW * FC * (K + 8) + 4;
}

/** Rows per (v, c) of the kinds before t (t = 4: all of them). */
// @ts-ignore: decorator
@inline function before(FH: i32, t: i32): i32 {
  return perVC(FH, 0) * (min(t, 2) + (t >= 4 ? 1 : 0)) + (t >= 3 ? perVC(FH, 2) : 0);
}
/** Kind t's transformed filters in ws, then (after all filters) its packed block. */
// @ts-ignore: decorator
@inline function filtersOf(ws: usize, t: i32, FH: i32, FW: i32, FC: i32, K: i32): usize {
  return ws + (<usize>(before(FH, t) * FW * FC * K) << 2);
}
// @ts-ignore: decorator
@inline function blockOf(ws: usize, t: i32, FH: i32, FW: i32, FC: i32, K: i32): usize {
  return filtersOf(ws, 4, FH, FW, FC, K) + (<usize>(before(FH, t) * FW * FC * 8) << 2);
}

/** Filter transform G of kind t for one chunk: taps at w + 4*s, 3 taps if `three`, else 2. */
function transformed(g: usize, t: i32, three: bool): f32 {
  const g0 = load<f32>(g), g1 = load<f32>(g, 4);
  if (!three) return t == 0 ? g0 : t == 1 ? g0 + g1 : g1;
  const g2 = load<f32>(g, 8);
  return t == 0 ? g0 : t == 1 ? (g0 + g1 + g2) * 0.5 : t == 2 ? (g0 - g1 + g2) * 0.5 : g2;
}

/** Pack B_t like packFilters: tile (k, nr) at R_t*k, element [r*nr + kk]. */
export function winoPackFilters(w: usize, ws: usize, FH: i32, FW: i32, FC: i32, K: i32, Kg: i32): void {
  const n3 = n3of(FH);
  for (let t = 0; t < 4; t++) {
    const nt = perVC(FH, t);
    const Rt = nt * FW * FC;
    const bt = filtersOf(ws, t, FH, FW, FC, K);
    for (let k0 = 0; k0 < K; k0 += Kg) {
      for (let kt = 0; kt < Kg;) {
        const nr = tileWidth(Kg - kt);
        for (let kk = 0; kk < nr; kk++) {
          for (let r = 0; r < Rt; r++) {
            // r = chunk + nt*(v + FW*c); kind c (t = 2) only has the F(2,3) chunks.
            const ci = r % nt;
            const vc = r / nt;
            const s = ci < n3 ? 3 * ci : 3 * n3 + 2 * (ci - n3);
            const g = w + (<usize>(s + FH * (vc + FW * FC * (k0 + kt + kk))) << 2);
            store<f32>(bt + (<usize>(Rt * (k0 + kt) + r * nr + kk) << 2), transformed(g, t, ci < n3));
          }
        }
        kt += nr;
      }
    }
  }
}

// @ts-ignore: decorator
@inline function evens(a: v128, b: v128): v128 { return v128.shuffle<f32>(a, b, 0, 2, 4, 6); }
// @ts-ignore: decorator
@inline function odds(a: v128, b: v128): v128 { return v128.shuffle<f32>(a, b, 1, 3, 5, 7); }

/**
 * Input transform of one F(2,3) chunk for 4 row pairs: rows 2p + q of the column at p
 * (q = 0..3, p = 0..3 from byte offset o) are de-interleaved from two pairs of loads.
 */
// @ts-ignore: decorator
@inline function pack3(p: usize, o: usize, pa: usize, pb: usize, pc: usize, pd: usize): void {
  const l0 = v128.load(p + (o << 1)), l1 = v128.load(p + (o << 1), 16);
  const m0 = v128.load(p + (o << 1), 8), m1 = v128.load(p + (o << 1), 24);
  const d0 = evens(l0, l1), d1 = odds(l0, l1), d2 = evens(m0, m1), d3 = odds(m0, m1);
  v128.store(pa + o, f32x4.sub(d0, d2));
  v128.store(pb + o, f32x4.add(d1, d2));
  v128.store(pc + o, f32x4.sub(d2, d1));
  v128.store(pd + o, f32x4.sub(d3, d1));
}

/** The same for an F(2,2) chunk: rows 2p + q, q = 0..2 (the third ones as odd rows seen from p + 4). */
// @ts-ignore: decorator
@inline function pack2(p: usize, o: usize, pa: usize, pb: usize, pd: usize): void {
  const l0 = v128.load(p + (o << 1)), l1 = v128.load(p + (o << 1), 16);
  const m0 = v128.load(p + (o << 1), 4), m1 = v128.load(p + (o << 1), 20);
  const d0 = evens(l0, l1), d1 = odds(l0, l1), d2 = odds(m0, m1);
  v128.store(pa + o, f32x4.sub(d0, d1));
  v128.store(pb + o, d1);
  v128.store(pd + o, f32x4.sub(d2, d1));
}

/**
 * Input transform of one 16-row block into the four packed blocks (8 row pairs = 2 vectors per
 * row), rows in the order r = chunk + n_t*(v + FW*c) of winoPackFilters. Reads rows row0 ..
 * row0 + 14 + FH of each column (the last F(2,3) chunk ends there, an F(2,2) chunk one row
 * before): in place when `inside`, else through STRIP with zeros for the padding.
 */
function winoPackPixels(xg: usize, ws: usize, row0: i32, col0: i32, inside: bool, H: i32, W: i32,
  FH: i32, FW: i32, FC: i32, K: i32, dx: i32): void {
  const n3 = n3of(FH), n2 = n2of(FH);
  let pa = blockOf(ws, 0, FH, FW, FC, K), pb = blockOf(ws, 1, FH, FW, FC, K);
  let pc = blockOf(ws, 2, FH, FW, FC, K), pd = blockOf(ws, 3, FH, FW, FC, K);
  for (let c = 0; c < FC; c++) {
    for (let v = 0; v < FW; v++) {
      const col = col0 + v * dx;
      let p = xg + (<usize>(row0 + H * (col + W * c)) << 2);
      if (!inside) {
        // strip[q] = xpad(row0 + q, col), q < 15 + FH.
        const colIn = col >= 0 && col < W;
        const src = xg + (<usize>(H * (col + W * c)) << 2);
        for (let q = 0; q < 15 + FH; q++) {
          const rr = row0 + q;
          store<f32>(STRIP + (<usize>q << 2), colIn && rr >= 0 && rr < H ? load<f32>(src + (<usize>rr << 2)) : 0);
        }
        p = STRIP;
      }
      for (let ci = 0; ci < n3; ci++) {
        pack3(p, 0, pa, pb, pc, pd);
        pack3(p, 16, pa, pb, pc, pd);
        pa += 32; pb += 32; pc += 32; pd += 32;
        p += 12;
      }
      for (let ci = 0; ci < n2; ci++) {
        pack2(p, 0, pa, pb, pd);
        pack2(p, 16, pa, pb, pd);
        pa += 32; pb += 32; pd += 32;
        p += 8;
      }
    }
  }
}

/** One 16-row block (rows i0..i0+15 of one column, pixel p0 at yg + 4 p0) for every filter of the group; planes ys floats apart. */
export function winoBlock(xg: usize, b: usize, yg: usize, ws: usize, offPacked: usize, row0: i32, col0: i32, inside: bool,
  p0: i32, H: i32, W: i32, ys: i32, FH: i32, FW: i32, FC: i32, K: i32, Kg: i32, k0: i32, dx: i32): void {
  winoPackPixels(xg, ws, row0, col0, inside, H, W, FH, FW, FC, K, dx);
  const nab = perVC(FH, 0) * FW * FC, nc = perVC(FH, 2) * FW * FC;
  const a0 = blockOf(ws, 0, FH, FW, FC, K), f0 = filtersOf(ws, 0, FH, FW, FC, K);
  const a1 = blockOf(ws, 1, FH, FW, FC, K), f1 = filtersOf(ws, 1, FH, FW, FC, K);
  const a2 = blockOf(ws, 2, FH, FW, FC, K), f2 = filtersOf(ws, 2, FH, FW, FC, K);
  const a3 = blockOf(ws, 3, FH, FW, FC, K), f3 = filtersOf(ws, 3, FH, FW, FC, K);
  const ysb = <usize>ys << 2;
  for (let kt = 0; kt < Kg;) {
    const nr = tileWidth(Kg - kt);
    const k = k0 + kt;
    gemm8(a0, offPacked, f0 + (<usize>(nab * k) << 2), nab, nr, 0, TILES, 32, 8);
    gemm8(a1, offPacked, f1 + (<usize>(nab * k) << 2), nab, nr, 0, TILES + 160, 32, 8);
    gemm8(a2, offPacked, f2 + (<usize>(nc * k) << 2), nc, nr, 0, TILES + 320, 32, 8);
    gemm8(a3, offPacked, f3 + (<usize>(nab * k) << 2), nab, nr, 0, TILES + 480, 32, 8);
    outputTransform(yg + (<usize>p0 << 2) + ysb * <usize>kt, ysb, nr, b == 0 ? 0 : b + (<usize>k << 2));
    kt += nr;
  }
}

/** y(2p) = M_a + M_b + M_c + bias, y(2p+1) = M_b - M_c + M_d + bias, rows interleaved. */
function outputTransform(y: usize, ys: usize, nr: i32, bias: usize): void {
  for (let kk = 0; kk < nr; kk++) {
    const bv = bias == 0 ? f32x4.splat(0) : v128.load32_splat(bias + (<usize>kk << 2));
    const m = TILES + (<usize>kk << 5);
    const out = y + ys * <usize>kk;
    for (let h = 0; h < 2; h++) {
      const o: usize = <usize>h << 4;
      const ma = v128.load(m + o), mb = v128.load(m + o, 160), mc = v128.load(m + o, 320), md = v128.load(m + o, 480);
      const y0 = f32x4.add(f32x4.add(f32x4.add(ma, mb), mc), bv);
      const y1 = f32x4.add(f32x4.add(f32x4.sub(mb, mc), md), bv);
      v128.store(out + (o << 1), v128.shuffle<f32>(y0, y1, 0, 4, 1, 5));
      v128.store(out + (o << 1), v128.shuffle<f32>(y0, y1, 2, 6, 3, 7), 16);
    }
  }
}
