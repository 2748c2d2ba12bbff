// nnconv forward kernel (SEMANTICS §1.4) and the bias derivative (§1.5).
//
//   y(i, j, k, n) = b[k] + sum_{u<FH, v<FW, c'<FC} w(u, v, c', k) *
//                   xpad(i*sy + u*dy - pt, j*sx + v*dx - pl, g(k)*FC + c', n)
//
// For each image and group this is one matrix product Y = A * B, where A is the
// im2row matrix (output pixel p = i + Ho*j by patch element r = u + FH*(v + FW*c'))
// and B = reshape(w, [R, Kg]) for the group. Y's columns are y's channel planes,
// so results are stored straight into y. A is never built whole: 8 pixels at a
// time are packed into an 8*R block (L1-sized) and multiplied by every filter
// tile of the group (conv/gemm.ts). Packing does the padding, stride and
// dilation, so one micro-kernel serves every option combination. Blocks of 8
// rows that need no padding at stride 1 are not packed at all: the kernel reads
// them in place through a table of patch offsets. Layers with 8+ filters per
// group, 16+ output rows and stride 1 along both axes take Winograd column pairs
// instead (conv/wino.ts). Outputs that reach no padding may take other paths
// (forwardPath): patch elements in the lanes for at most 4 output pixels in all
// (conv/dot.ts), one product over the batch for small maps (conv/batch.ts),
// filters in the lanes otherwise (conv/lanes.ts).
//
// DIMS, in this order everywhere: H, W, C, N, FH, FW, FC, K, Ho, Wo, pt, pl, sy, sx, dy, dx.
// REQUIRES (checked by planConv in src/blocks/conv.ts): all sizes >= 1 except N >= 0;
// C % FC == 0, K % (C/FC) == 0; Ho, Wo from SEMANTICS §1.3 and >= 1; pads >= 0;
// strides and dilations >= 1; scratch holds conv_forward_scratch(DIMS) floats;
// y holds Ho*Wo*K*N floats and aliases nothing; b is 0 or holds K floats.

import { gemm8, tileWidth } from './gemm';
import { winoApplies, winoScratch, winoPrepare, winoPair } from './wino';
import { VEC, vecFloor, ld4 } from '../simd';
import { batchApplies, batchForwardScratch, batchForward } from './batch';
import { lanesApplies, lanesScratch, lanesForward } from './lanes';
import { dotApplies, dotScratch, dotForward } from './dot';

// The forward paths, as forwardPath returns them.
const PIXELS = 0, LANES = 1, BATCH = 2, DOT = 3;

/** Which path conv_forward takes for these DIMS (the scratch, the dispatch and the pool's split all ask here). */
function forwardPath(H: i32, W: i32, C: i32, N: i32, FH: i32, FW: i32, FC: i32, K: i32,
  Ho: i32, Wo: i32, pt: i32, pl: i32, sy: i32, sx: i32, dy: i32, dx: i32): i32 {
  if (dotApplies(H, W, C, N, FH, FW, FC, Ho, Wo, pt, pl, sy, sx, dy, dx)) return DOT;
  if (batchApplies(H, W, C, FH, FW, FC, Ho, Wo, pt, pl, sy, sx, dy, dx)) return BATCH;
  if (!winoApplies(Ho, Wo, FW, K / (C / FC), sy, sx, dx) && lanesApplies(H, W, C, FH, FW, FC, Ho, Wo, pt, pl, sy, sx, dy, dx)) return LANES;
  return PIXELS;
}

/** Floats of filter pack (R*K, rounded to whole vectors), one 8-pixel A block and two offset tables. */
export function conv_forward_scratch(H: i32, W: i32, C: i32, N: i32, FH: i32, FW: i32, FC: i32, K: i32,
  Ho: i32, Wo: i32, pt: i32, pl: i32, sy: i32, sx: i32, dy: i32, dx: i32): i32 {
  const R = FH * FW * FC;
  const wino = winoApplies(Ho, Wo, FW, K / (C / FC), sy, sx, dx);
  // Only the pixel path runs as prepare + pixels (streamed by the facade, split by pixel ranges
  // by the pool); the others always run whole, in their own scratch.
  const path = forwardPath(H, W, C, N, FH, FW, FC, K, Ho, Wo, pt, pl, sy, sx, dy, dx);
  if (path == DOT) return dotScratch(FH, FW, FC);
  if (path == BATCH) return batchForwardScratch(C, N, FH, FW, FC, K, Ho, Wo);
  if (path == LANES) return lanesScratch(FH, FW, FC, K);
  return ((R * K + 3) & ~3) + 8 * R + 2 * R + (wino ? winoScratch(H, FH, FW, FC, K, Ho, dy) + 4 : 0);
}

/** The Winograd scratch: after the offset tables, 16-byte aligned. */
// @ts-ignore: decorator
@inline function winoBase(scratch: usize, R: i32, K: i32): usize {
  return (scratch + (<usize>(((R * K + 3) & ~3) + 10 * R) << 2) + 15) & ~(<usize>15);
}

/**
 * Byte offsets of patch element r = u + FH*(v + FW*c): in x, 4*(u*dy + H*(v*dx + W*c))
 * (at `direct`), and in a packed block, 32*r (at `packed`).
 */
function patchOffsets(direct: usize, packed: usize, H: i32, W: i32, FH: i32, FW: i32, FC: i32, dy: i32, dx: i32): void {
  let r = 0;
  for (let c = 0; c < FC; c++) {
    for (let v = 0; v < FW; v++) {
      for (let u = 0; u < FH; u++) {
        store<u32>(direct + (<usize>r << 2), <u32>(u * dy + H * (v * dx + W * c)) << 2);
        store<u32>(packed + (<usize>r << 2), <u32>r << 5);
        r++;
      }
    }
  }
}

/**
 * Pack the filters of every group as tiles: for the tile of width nr starting at
 * filter kt of group g, B[R*(g*Kg + kt) + r*nr + kk] = w[r + R*(g*Kg + kt + kk)].
 */
function packFilters(w: usize, bp: usize, R: i32, K: i32, Kg: i32): void {
  for (let k0 = 0; k0 < K; k0 += Kg) {
    for (let kt = 0; kt < Kg;) {
      const nr = tileWidth(Kg - kt);
      const src = w + (<usize>(R * (k0 + kt)) << 2);
      const dst = bp + (<usize>(R * (k0 + kt)) << 2);
      for (let kk = 0; kk < nr; kk++) {
        for (let r = 0; r < R; r++) {
          store<f32>(dst + (<usize>(r * nr + kk) << 2), load<f32>(src + (<usize>(r + R * kk) << 2)));
        }
      }
      kt += nr;
    }
  }
}

/**
 * Pack the im2row rows of 8 pixels starting at p0 (p = i + Ho*j), channels of
 * xg (the group's first channel): a[r*8 + m] = xpad(i_m*sy + u*dy - pt, j_m*sx + v*dx - pl, c),
 * r = u + FH*(v + FW*c); pixels m >= valid get 0.
 */
function packPixels(xg: usize, a: usize, p0: i32, valid: i32, H: i32, W: i32, Ho: i32,
  FH: i32, FW: i32, FC: i32, pt: i32, pl: i32, sy: i32, sx: i32, dy: i32, dx: i32): void {
  const i0 = p0 % Ho;
  const j0 = p0 / Ho;
  if (sy == 1 && i0 + valid <= Ho) {
    // Rows i0..i0+7 of one column (those past `valid` are packed but never stored).
    packColumn(xg, a, i0 - pt, j0 * sx - pl, H, W, FH, FW, FC, dy, dx);
    return;
  }
  // General case: each pixel on its own (stride > 1, or a block that wraps to the next column).
  for (let m = 0; m < 8; m++) {
    const p = p0 + m;
    const i = p % Ho;
    const row0 = i * sy - pt;
    const col0 = (p / Ho) * sx - pl;
    let dst = a + (<usize>m << 2);
    for (let c = 0; c < FC; c++) {
      for (let v = 0; v < FW; v++) {
        const col = col0 + v * dx;
        const colIn = m < valid && col >= 0 && col < W;
        const src = xg + (<usize>(H * (col + W * c)) << 2);
        for (let u = 0; u < FH; u++) {
          const row = row0 + u * dy;
          store<f32>(dst, colIn && row >= 0 && row < H ? load<f32>(src + (<usize>row << 2)) : 0);
          dst += 32;
        }
      }
    }
  }
}

/**
 * Rows row..row+7 of a column (at src) that start 1..3 rows above it or end 1..3 rows below
 * it, padded with zeros, as two vector loads of in-range rows and lane shifts. False for
 * other offsets. REQUIRES: H >= 8.
 */
function packEdge(src: usize, dst: usize, row: i32, H: i32): bool {
  const z = f32x4.splat(0);
  let lo = z, hi = z;
  if (row < 0) {
    // [0 x d, rows 0 .. 7-d]
    const l0 = v128.load(src), l1 = v128.load(src, 16);
    if (row == -1) { lo = v128.shuffle<f32>(z, l0, 3, 4, 5, 6); hi = v128.shuffle<f32>(l0, l1, 3, 4, 5, 6); }
    else if (row == -2) { lo = v128.shuffle<f32>(z, l0, 2, 3, 4, 5); hi = v128.shuffle<f32>(l0, l1, 2, 3, 4, 5); }
    else if (row == -3) { lo = v128.shuffle<f32>(z, l0, 1, 2, 3, 4); hi = v128.shuffle<f32>(l0, l1, 1, 2, 3, 4); }
    else return false;
  } else {
    // [rows row .. H-1, 0 x e], e = row + 8 - H
    const e = row + 8 - H;
    const s = src + (<usize>(H - 8) << 2);
    const l0 = v128.load(s), l1 = v128.load(s, 16);
    if (e == 1) { lo = v128.shuffle<f32>(l0, l1, 1, 2, 3, 4); hi = v128.shuffle<f32>(l1, z, 1, 2, 3, 4); }
    else if (e == 2) { lo = v128.shuffle<f32>(l0, l1, 2, 3, 4, 5); hi = v128.shuffle<f32>(l1, z, 2, 3, 4, 5); }
    else if (e == 3) { lo = v128.shuffle<f32>(l0, l1, 3, 4, 5, 6); hi = v128.shuffle<f32>(l1, z, 3, 4, 5, 6); }
    else return false;
  }
  v128.store(dst, lo);
  v128.store(dst, hi, 16);
  return true;
}

/** Stride-1 rows: the 8 pixels are rows row0..row0+7 of one column, so each r is two vector copies. */
function packColumn(xg: usize, a: usize, row0: i32, col0: i32, H: i32, W: i32,
  FH: i32, FW: i32, FC: i32, dy: i32, dx: i32): void {
  let dst = a;
  for (let c = 0; c < FC; c++) {
    for (let v = 0; v < FW; v++) {
      const col = col0 + v * dx;
      const colIn = col >= 0 && col < W;
      const src = xg + (<usize>(H * (col + W * c)) << 2);
      for (let u = 0; u < FH; u++) {
        const row = row0 + u * dy;
        if (colIn && row >= 0 && row + 8 <= H) {
          const s = src + (<usize>row << 2);
          v128.store(dst, v128.load(s));
          v128.store(dst, v128.load(s, 16), 16);
        } else if (!colIn || row >= H || row + 8 <= 0) {
          // The whole window is padding.
          v128.store(dst, f32x4.splat(0));
          v128.store(dst, f32x4.splat(0), 16);
        } else if (H < 8 || !packEdge(src, dst, row, H)) {
          // NOTE: the window crosses the top or bottom padding by more than 3 rows (or x is short).
          for (let m = 0; m < 8; m++) {
            const rr = row + m;
            store<f32>(dst + (<usize>m << 2), rr >= 0 && rr < H ? load<f32>(src + (<usize>rr << 2)) : 0);
          }
        }
        dst += 32;
      }
    }
  }
}

/** y = conv(x, w) + b for every image, group and 8-pixel block. */
export function conv_forward(x: usize, w: usize, b: usize, y: usize, scratch: usize,
  H: i32, W: i32, C: i32, N: i32, FH: i32, FW: i32, FC: i32, K: i32,
  Ho: i32, Wo: i32, pt: i32, pl: i32, sy: i32, sx: i32, dy: i32, dx: i32): void {
  const path = forwardPath(H, W, C, N, FH, FW, FC, K, Ho, Wo, pt, pl, sy, sx, dy, dx);
  if (path == DOT) dotForward(x, w, b, y, scratch, H, W, C, N, FH, FW, FC, K, Ho, Wo, sy, sx, dy, dx);
  else if (path == BATCH) batchForward(x, w, b, y, scratch, H, W, C, N, FH, FW, FC, K, Ho, Wo, sy, sx, dy, dx);
  else if (path == LANES) lanesForward(x, w, b, y, scratch, H, W, C, N, FH, FW, K, Ho, Wo, sy, sx, dy, dx);
  else {
    conv_forward_prepare(w, scratch, H, W, C, N, FH, FW, FC, K, Ho, Wo, pt, pl, sy, sx, dy, dx);
    conv_forward_pixels(x, b, y, scratch, 0, Ho * Wo, Ho * Wo, H, W, C, N, FH, FW, FC, K, Ho, Wo, pt, pl, sy, sx, dy, dx);
  }
}

/**
 * conv_forward's path for these DIMS: 0 when it runs as conv_forward_prepare + conv_forward_pixels
 * over all pixels, so that ranges of pixels give the same bits; 1 filters in the lanes; 2 one
 * product over the batch; 3 patch elements in the lanes. The worker pool (src/blocks/conv-threads.ts)
 * splits pixels only on path 0, and images only into shares that take the call's own path.
 */
export function conv_forward_path(H: i32, W: i32, C: i32, N: i32, FH: i32, FW: i32, FC: i32, K: i32,
  Ho: i32, Wo: i32, pt: i32, pl: i32, sy: i32, sx: i32, dy: i32, dx: i32): i32 {
  return forwardPath(H, W, C, N, FH, FW, FC, K, Ho, Wo, pt, pl, sy, sx, dy, dx);
}

/** First half of conv_forward: pack the filters and the patch offsets into scratch. */
export function conv_forward_prepare(w: usize, scratch: usize,
  H: i32, W: i32, C: i32, N: i32, FH: i32, FW: i32, FC: i32, K: i32,
  Ho: i32, Wo: i32, pt: i32, pl: i32, sy: i32, sx: i32, dy: i32, dx: i32): void {
  const R = FH * FW * FC;
  const ap = scratch + (<usize>((R * K + 3) & ~3) << 2);
  const offDirect = ap + (<usize>(8 * R) << 2);
  const Kg = K / (C / FC);
  packFilters(w, scratch, R, K, Kg);
  patchOffsets(offDirect, offDirect + (<usize>R << 2), H, W, FH, FW, FC, dy, dx);
  if (winoApplies(Ho, Wo, FW, Kg, sy, sx, dx)) winoPrepare(w, winoBase(scratch, R, K), H, FH, FW, FC, K, Kg, Ho, dy);
}

/**
 * Second half: output pixels p0 <= p < p1 (p = i + Ho*j) of every filter and image, after
 * conv_forward_prepare on the same scratch, written to y[(p - p0) + ys*(k + K*n)]. The facade
 * streams y through a cache-sized buffer this way. REQUIRES: p0 % 8 == 0, p0 < p1 <= Ho*Wo,
 * ys >= p1 - p0, y holds ys*K*N floats.
 */
export function conv_forward_pixels(x: usize, b: usize, y: usize, scratch: usize, p0: i32, p1: i32, ys: i32,
  H: i32, W: i32, C: i32, N: i32, FH: i32, FW: i32, FC: i32, K: i32,
  Ho: i32, Wo: i32, pt: i32, pl: i32, sy: i32, sx: i32, dy: i32, dx: i32): void {
  const R = FH * FW * FC;
  const Kg = K / (C / FC);
  const bp = scratch;
  const ap = bp + (<usize>((R * K + 3) & ~3) << 2);
  const offDirect = ap + (<usize>(8 * R) << 2);
  const offPacked = offDirect + (<usize>R << 2);
  const extY = (FH - 1) * dy;
  const extX = (FW - 1) * dx;
  const wino = winoApplies(Ho, Wo, FW, Kg, sy, sx, dx);
  for (let n = 0; n < N; n++) {
    for (let k0 = 0; k0 < K; k0 += Kg) {
      // Group g = k0 / Kg reads channels g*FC ... g*FC + FC - 1.
      const xg = x + (<usize>(H * W * ((k0 / Kg) * FC + C * n)) << 2);
      const yg = y + (<usize>(ys * (k0 + K * n) - p0) << 2);
      if (wino) {
        winoRange(xg, b, yg, ap, bp, offDirect, offPacked, winoBase(scratch, R, K), p0, p1, H, W, Ho, Wo, ys, FH, FW, FC, K, Kg, k0,
          pt, pl, dy, extY, extX);
        continue;
      }
      // Blocks of 8 consecutive pixels p = i + Ho*j, across column ends.
      for (let p = p0; p < p1; p += 8) {
        block(xg, b, yg, ap, bp, offDirect, offPacked, p, min(8, p1 - p), H, W, Ho, ys, FH, FW, FC, Kg, k0,
          pt, pl, sy, sx, dy, dx, extY, extX);
      }
    }
  }
}

/**
 * Pixels [p0, p1) column by column: a Winograd pair where two whole columns lie in the
 * range, 8-row direct blocks for the rest (an odd last column, a range cut inside a column).
 * REQUIRES: winoApplies(), so sy = sx = dx = 1.
 */
function winoRange(xg: usize, b: usize, yg: usize, ap: usize, bp: usize, offDirect: usize, offPacked: usize, ws: usize,
  p0: i32, p1: i32, H: i32, W: i32, Ho: i32, Wo: i32, ys: i32, FH: i32, FW: i32, FC: i32, K: i32, Kg: i32, k0: i32,
  pt: i32, pl: i32, dy: i32, extY: i32, extX: i32): void {
  for (let p = p0; p < p1;) {
    const j = p / Ho;
    if (p == Ho * j && j + 1 < Wo && p + 2 * Ho <= p1) {
      winoPair(xg, b, yg, ws, j, H, W, Ho, ys, FH, FW, FC, K, Kg, k0, pt, pl, dy);
      p += 2 * Ho;
    } else {
      const cnt = min(8, min(p1, Ho * (j + 1)) - p);
      block(xg, b, yg, ap, bp, offDirect, offPacked, p, cnt, H, W, Ho, ys, FH, FW, FC, Kg, k0,
        pt, pl, 1, 1, dy, 1, extY, extX);
      p += cnt;
    }
  }
}

/** One block of `valid` <= 8 pixels from p0, by direct GEMM (in place when it can, else packed); planes ys apart. */
function block(xg: usize, b: usize, yg: usize, ap: usize, bp: usize, offDirect: usize, offPacked: usize,
  p0: i32, valid: i32, H: i32, W: i32, Ho: i32, ys: i32, FH: i32, FW: i32, FC: i32, Kg: i32, k0: i32,
  pt: i32, pl: i32, sy: i32, sx: i32, dy: i32, dx: i32, extY: i32, extX: i32): void {
  const row0 = p0 % Ho - pt;
  const col0 = (p0 / Ho) * sx - pl;
  // Direct when the 8 pixels are rows row0..row0+7 of x for every tap: stride 1, one column, no padding.
  const direct = sy == 1 && valid == 8 && row0 + pt + 8 <= Ho && row0 >= 0 && row0 + extY + 8 <= H &&
    col0 >= 0 && col0 + extX < W;
  let base = ap;
  let offs = offPacked;
  if (direct) {
    base = xg + (<usize>(row0 + H * col0) << 2);
    offs = offDirect;
  } else {
    packPixels(xg, ap, p0, valid, H, W, Ho, FH, FW, FC, pt, pl, sy, sx, dy, dx);
  }
  filterTiles(base, offs, bp, b, yg + (<usize>p0 << 2), FH * FW * FC, Kg, k0, ys, valid);
}

/** Every filter tile of one group for one 8-pixel block; y points at filter k0 of that block. */
function filterTiles(base: usize, offs: usize, bp: usize, b: usize, y: usize, R: i32, Kg: i32, k0: i32, P: i32, valid: i32): void {
  const ys = <usize>P << 2;
  for (let kt = 0; kt < Kg;) {
    const nr = tileWidth(Kg - kt);
    const k = k0 + kt;
    const bt = bp + (<usize>(R * k) << 2);
    const bias: usize = b == 0 ? 0 : b + (<usize>k << 2);
    const yt = y + ys * <usize>kt;
    gemm8(base, offs, bt, R, nr, bias, yt, ys, valid);
    kt += nr;
  }
}

/**
 * dzdb[k] = sum_{i, j, n} dzdy(i, j, k, n), dzdy of shape [Ho*Wo, K, N].
 * REQUIRES: dzdy holds HoWo*K*N floats, dzdb holds K; N >= 0.
 */
export function conv_backward_bias(dzdy: usize, dzdb: usize, HoWo: i32, K: i32, N: i32): void {
  const nv = vecFloor(HoWo);
  for (let k = 0; k < K; k++) {
    let s0 = f32x4.splat(0), s1 = s0;
    let t: f32 = 0;
    for (let n = 0; n < N; n++) {
      const p = dzdy + (<usize>(HoWo * (k + K * n)) << 2);
      let i = 0;
      for (; i + 2 * VEC <= nv; i += 2 * VEC) {
        s0 = f32x4.add(s0, ld4(p, i));
        s1 = f32x4.add(s1, ld4(p, i + VEC));
      }
      for (; i < nv; i += VEC) s0 = f32x4.add(s0, ld4(p, i));
      for (; i < HoWo; i++) t += load<f32>(p + (<usize>i << 2));
    }
    const s = f32x4.add(s0, s1);
    store<f32>(dzdb + (<usize>k << 2),
      (f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1)) + (f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3)) + t);
  }
}
