// nnconv backward, filter derivative (SEMANTICS §1.5), summed over the batch:
//   dzdw(u, v, c', k) = sum_{n, i, j} dzdy(i, j, k, n) *
//                       xpad(i*sy + u*dy - pt, j*sx + v*dx - pl, g(k)*FC + c', n)
// Method: a GEMM dzdw[m, k] = sum_p A[p, m] * B[p, k] over pixels p = (i, j, n),
// with patch rows m = (u, v, c') and B = dzdy, reduced along i (contiguous in
// dzdy) in f32x4 accumulators that are summed across lanes once per tile.
// Per tile (IB output rows x JB output columns of one image and group):
//   Bt = dzdy rows [i0, i0 + IB) (zero past Ho), Kg channels, in blocks of nk <= 5
//        filters whose 4-row vectors are interleaved, so a micro-kernel reads
//        all nk of them from one pointer with constant offsets;
//   At = the x columns the tile reads, each split into sy row phases
//        At(m, phase f, column q, c') = xpad(i0*sy - pt + m*sy + f, j0*sx - pl + q, c')
//   so A[(i, j), (u, v, c')] = At(i - i0 + (u*dy) / sy, (u*dy) % sy, (j - j0)*sx + v*dx, c')
//   is contiguous along i for every stride and padding.
// Micro-kernels hold 2..4 patch rows x 1..5 filters in registers: at most 10
// accumulators, because V8 on x64 allocates 15 v128 registers and spills beyond.
// REQUIRES: all dims >= 1; Ho, Wo >= 1; pt, pl >= 0; C % FC == 0; K % (C / FC) == 0;
// H + pt + pb >= (FH-1)*dy + 1 and W + pl + pr >= (FW-1)*dx + 1 (pb, pr implied by
// Ho, Wo); scratch holds conv_backward_filter_scratch(...) floats; dzdw aliases
// nothing else. Every element of dzdw is written.

import { isFullyConnected, fcScratch, fcBackwardFilter } from './conv_backward_fc';

const TILE_FLOATS: i32 = 1 << 16; // At + Bt per tile: 256 KB, inside L2

// @ts-ignore: decorator
@inline function rowBlockF(Ho: i32): i32 {
  return Ho <= 512 ? (Ho + 3) & ~3 : 256;
}

/** Output columns per tile so that At + Bt ~ TILE_FLOATS. */
function colBlockF(IB: i32, M: i32, Kg: i32, FC: i32, sy: i32, sx: i32, ex: i32, Wo: i32): i32 {
  const perCol = Kg * IB + FC * M * sy * sx;
  const jb = (TILE_FLOATS - FC * M * sy * (ex + 1)) / perCol;
  return jb < 1 ? 1 : jb > Wo ? Wo : jb;
}

/** Floats of scratch conv_backward_filter needs: At, Bt and the patch-row offset table. */
export function conv_backward_filter_scratch(H: i32, W: i32, C: i32, N: i32, FH: i32, FW: i32, FC: i32, K: i32,
  Ho: i32, Wo: i32, pt: i32, pl: i32, sy: i32, sx: i32, dy: i32, dx: i32): i32 {
  if (isFullyConnected(H, W, FH, FW, Ho, Wo, pt, pl, dy, dx)) return fcScratch(C, N, FC, K);
  const Kg = K / (C / FC);
  const ey = (FH - 1) * dy, ex = (FW - 1) * dx;
  const IB = rowBlockF(Ho), M = IB + ey / sy;
  const JB = colBlockF(IB, M, Kg, FC, sy, sx, ex, Wo);
  const Xc = (JB - 1) * sx + ex + 1;
  return FC * Xc * M * sy + Kg * JB * IB + FH * FW * FC;
}

export function conv_backward_filter(x: usize, dzdy: usize, dzdw: usize, scratch: usize,
  H: i32, W: i32, C: i32, N: i32, FH: i32, FW: i32, FC: i32, K: i32,
  Ho: i32, Wo: i32, pt: i32, pl: i32, sy: i32, sx: i32, dy: i32, dx: i32): void {
  if (isFullyConnected(H, W, FH, FW, Ho, Wo, pt, pl, dy, dx)) {
    fcBackwardFilter(x, dzdy, dzdw, scratch, H, W, C, N, FC, K);
    return;
  }
  const G = C / FC, Kg = K / G;
  const ey = (FH - 1) * dy, ex = (FW - 1) * dx;
  const IB = rowBlockF(Ho), M = IB + ey / sy;
  const JB = colBlockF(IB, M, Kg, FC, sy, sx, ex, Wo);
  const Xc = (JB - 1) * sx + ex + 1;
  const P = FH * FW * FC; // patch rows
  const At = scratch;
  const Bt = At + ((<usize>(FC * Xc * M * sy)) << 2);
  const offA = Bt + ((<usize>(Kg * JB * IB)) << 2);
  // Patch row m = u + FH*(v + FW*c') (w's own order) starts at this byte offset in At.
  for (let c = 0; c < FC; c++) {
    for (let v = 0; v < FW; v++) {
      for (let u = 0; u < FH; u++) {
        const m = u + FH * (v + FW * c);
        const o = (u * dy) / sy + M * ((u * dy) % sy + sy * (v * dx + Xc * c));
        store<i32>(offA + ((<usize>m) << 2), o << 2);
      }
    }
  }
  memory.fill(dzdw, 0, (<usize>(P * K)) << 2);
  const ajs = (<usize>(M * sy * sx)) << 2; // At bytes per output column
  const bks = (<usize>(IB * JB)) << 2;     // Bt bytes per filter
  const dks = (<usize>P) << 2;             // dzdw bytes per filter
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < G; g++) {
      for (let i0 = 0; i0 < Ho; i0 += IB) {
        const ni = min(IB, Ho - i0), nv = (ni + 3) >> 2;
        for (let j0 = 0; j0 < Wo; j0 += JB) {
          const nj = min(JB, Wo - j0);
          fillB(dzdy, Bt, g * Kg, Kg, n, i0, j0, ni, nj, IB, JB, Ho, Wo, K);
          fillA(x, At, g * FC, FC, n, i0 * sy - pt, j0 * sx - pl, (nj - 1) * sx + ex + 1, Xc, M, sy, H, W, C);
          tileProducts(At, Bt, offA, P, Kg, bks, IB, ajs, nj, nv, dzdw + (<usize>(g * Kg)) * dks, dks);
        }
      }
    }
  }
}

/** dzdw(m, k) += sum over the tile's pixels of At(pixel, m) * Bt(pixel, k), for the group at dwg. */
function tileProducts(At: usize, Bt: usize, offA: usize, P: i32, Kg: i32, bks: usize, IB: i32, ajs: usize,
  nj: i32, nv: i32, dwg: usize, dks: usize): void {
  for (let k = 0; k < Kg; ) {
    const nk = min(5, Kg - k);
    const bt = Bt + (<usize>k) * bks;
    const bjs = (<usize>(nk * IB)) << 2; // bytes per output column in this block
    const dw = dwg + (<usize>k) * dks;
    const mb = nk >= 4 ? 2 : nk == 3 ? 3 : 4;
    for (let m = 0; m < P; m += mb) {
      // A block past the last patch row repeats row P - 1 and drops its sums.
      const a0 = At + <usize>load<i32>(offA + ((<usize>m) << 2));
      const a1 = At + <usize>load<i32>(offA + ((<usize>min(m + 1, P - 1)) << 2));
      const d = dw + ((<usize>m) << 2);
      const nm = min(mb, P - m);
      if (nk == 5) mkw_m2n5(a0, a1, ajs, bt, bjs, nj, nv, d, dks, nm);
      else if (nk == 4) mkw_m2n4(a0, a1, ajs, bt, bjs, nj, nv, d, dks, nm);
      else {
        const a2 = At + <usize>load<i32>(offA + ((<usize>min(m + 2, P - 1)) << 2));
        if (nk == 3) mkw_m3n3(a0, a1, a2, ajs, bt, bjs, nj, nv, d, dks, nm);
        else {
          const a3 = At + <usize>load<i32>(offA + ((<usize>min(m + 3, P - 1)) << 2));
          if (nk == 2) mkw_m4n2(a0, a1, a2, a3, ajs, bt, bjs, nj, nv, d, dks, nm);
          else mkw_m4n1(a0, a1, a2, a3, ajs, bt, bjs, nj, nv, d, nm);
        }
      }
    }
    k += nk;
  }
}

/**
 * Bt holds dzdy(i0 + i, j0 + j, k0 + k, n) for i < ni (0 up to the next multiple of 4),
 * in blocks of nk = min(5, Kg - kb) filters: element (i, j, kb + kk) is at float
 * kb*JB*IB + nk*(j*IB + i - i%4) + 4*kk + i%4, so the nk vectors of one row quad are adjacent.
 */
function fillB(dzdy: usize, Bt: usize, k0: i32, Kg: i32, n: i32, i0: i32, j0: i32, ni: i32, nj: i32,
  IB: i32, JB: i32, Ho: i32, Wo: i32, K: i32): void {
  const nf = ni & ~3;
  for (let kb = 0; kb < Kg; ) {
    const nk = min(5, Kg - kb);
    for (let kk = 0; kk < nk; kk++) {
      for (let j = 0; j < nj; j++) {
        const dst = Bt + ((<usize>(kb * JB * IB + nk * j * IB + 4 * kk)) << 2);
        const src = dzdy + ((<usize>(i0 + Ho * (j0 + j + Wo * (k0 + kb + kk + K * n)))) << 2);
        const step = (<usize>nk) << 4;
        let i = 0, o = dst;
        for (; i < nf; i += 4, o += step) v128.store(o, v128.load(src + ((<usize>i) << 2)));
        if (i < ni) {
          for (let l = 0; l < 4; l++) store<f32>(o + ((<usize>l) << 2), i + l < ni ? load<f32>(src + ((<usize>(i + l)) << 2)) : 0);
        }
      }
    }
    kb += nk;
  }
}

/** At(m, f, q, c) = xpad(r0 + m*sy + f, s0 + q, c0 + c, n) for q < nq (the columns this tile reads). */
function fillA(x: usize, At: usize, c0: i32, FC: i32, n: i32, r0: i32, s0: i32, nq: i32, Xc: i32, M: i32,
  sy: i32, H: i32, W: i32, C: i32): void {
  const colF = M * sy;
  for (let c = 0; c < FC; c++) {
    for (let q = 0; q < nq; q++) {
      const dst = At + ((<usize>(colF * (q + Xc * c))) << 2);
      const s = s0 + q;
      if (s < 0 || s >= W) {
        memory.fill(dst, 0, (<usize>colF) << 2);
        continue;
      }
      const src = x + ((<usize>(H * (s + W * (c0 + c + C * n)))) << 2);
      if (sy == 1) {
        // Rows m in [m0, m1) exist in x: one copy, zeros around it.
        const m0 = min(max(-r0, 0), M);
        const m1 = max(min(H - r0, M), m0);
        memory.fill(dst, 0, (<usize>m0) << 2);
        memory.copy(dst + ((<usize>m0) << 2), src + ((<usize>(r0 + m0)) << 2), (<usize>(m1 - m0)) << 2);
        memory.fill(dst + ((<usize>m1) << 2), 0, (<usize>(M - m1)) << 2);
      } else {
        for (let f = 0; f < sy; f++) {
          const ph = dst + ((<usize>(M * f)) << 2);
          for (let m = 0; m < M; m++) {
            const r = r0 + m * sy + f;
            store<f32>(ph + ((<usize>m) << 2), r >= 0 && r < H ? load<f32>(src + ((<usize>r) << 2)) : 0);
          }
        }
      }
    }
  }
}

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/** dzdw[m, k] += hsum(acc) at d + 4*m + dks*k, for the first nm patch rows. */
// @ts-ignore: decorator
@inline function addTo(d: usize, v: v128): void {
  store<f32>(d, load<f32>(d) + hsum(v));
}

// Micro-kernels: acc(m, k) += At[a_m + j*ajs + 16 t] * Bt[bt + j*bjs + 16 (nk t + k)]
// over output columns j < nj and row quads t < nv; then dzdw[m, k] += sum of lanes.

function mkw_m2n5(a0: usize, a1: usize, ajs: usize, bt: usize, bjs: usize, nj: i32, nv: i32,
  d: usize, dks: usize, nm: i32): void {
  let c00 = f32x4.splat(0), c10 = c00, c01 = c00, c11 = c00, c02 = c00, c12 = c00, c03 = c00, c13 = c00, c04 = c00, c14 = c00;
  const len = (<usize>nv) << 4;
  for (let j = 0; j < nj; j++) {
    let p0 = a0 + (<usize>j) * ajs, p1 = a1 + (<usize>j) * ajs;
    let q = bt + (<usize>j) * bjs;
    const qe = q + (<usize>nv) * 80;
    for (; q < qe; p0 += 16, p1 += 16, q += 80) {
      const x0 = v128.load(p0), x1 = v128.load(p1);
      let y = v128.load(q);
      c00 = f32x4.add(c00, f32x4.mul(x0, y)); c10 = f32x4.add(c10, f32x4.mul(x1, y));
      y = v128.load(q, 16);
      c01 = f32x4.add(c01, f32x4.mul(x0, y)); c11 = f32x4.add(c11, f32x4.mul(x1, y));
      y = v128.load(q, 32);
      c02 = f32x4.add(c02, f32x4.mul(x0, y)); c12 = f32x4.add(c12, f32x4.mul(x1, y));
      y = v128.load(q, 48);
      c03 = f32x4.add(c03, f32x4.mul(x0, y)); c13 = f32x4.add(c13, f32x4.mul(x1, y));
      y = v128.load(q, 64);
      c04 = f32x4.add(c04, f32x4.mul(x0, y)); c14 = f32x4.add(c14, f32x4.mul(x1, y));
    }
  }
  addTo(d, c00); addTo(d + dks, c01); addTo(d + 2 * dks, c02); addTo(d + 3 * dks, c03); addTo(d + 4 * dks, c04);
  if (nm > 1) { d += 4; addTo(d, c10); addTo(d + dks, c11); addTo(d + 2 * dks, c12); addTo(d + 3 * dks, c13); addTo(d + 4 * dks, c14); }
}

function mkw_m2n4(a0: usize, a1: usize, ajs: usize, bt: usize, bjs: usize, nj: i32, nv: i32,
  d: usize, dks: usize, nm: i32): void {
  let c00 = f32x4.splat(0), c10 = c00, c01 = c00, c11 = c00, c02 = c00, c12 = c00, c03 = c00, c13 = c00;
  const len = (<usize>nv) << 4;
  for (let j = 0; j < nj; j++) {
    let p0 = a0 + (<usize>j) * ajs, p1 = a1 + (<usize>j) * ajs;
    let q = bt + (<usize>j) * bjs;
    const qe = q + (<usize>nv) * 64;
    for (; q < qe; p0 += 16, p1 += 16, q += 64) {
      const x0 = v128.load(p0), x1 = v128.load(p1);
      let y = v128.load(q);
      c00 = f32x4.add(c00, f32x4.mul(x0, y)); c10 = f32x4.add(c10, f32x4.mul(x1, y));
      y = v128.load(q, 16);
      c01 = f32x4.add(c01, f32x4.mul(x0, y)); c11 = f32x4.add(c11, f32x4.mul(x1, y));
      y = v128.load(q, 32);
      c02 = f32x4.add(c02, f32x4.mul(x0, y)); c12 = f32x4.add(c12, f32x4.mul(x1, y));
      y = v128.load(q, 48);
      c03 = f32x4.add(c03, f32x4.mul(x0, y)); c13 = f32x4.add(c13, f32x4.mul(x1, y));
    }
  }
  addTo(d, c00); addTo(d + dks, c01); addTo(d + 2 * dks, c02); addTo(d + 3 * dks, c03);
  if (nm > 1) { d += 4; addTo(d, c10); addTo(d + dks, c11); addTo(d + 2 * dks, c12); addTo(d + 3 * dks, c13); }
}

function mkw_m3n3(a0: usize, a1: usize, a2: usize, ajs: usize, bt: usize, bjs: usize, nj: i32, nv: i32,
  d: usize, dks: usize, nm: i32): void {
  let c00 = f32x4.splat(0), c10 = c00, c20 = c00, c01 = c00, c11 = c00, c21 = c00, c02 = c00, c12 = c00, c22 = c00;
  const len = (<usize>nv) << 4;
  for (let j = 0; j < nj; j++) {
    const p0 = a0 + (<usize>j) * ajs, p1 = a1 + (<usize>j) * ajs, p2 = a2 + (<usize>j) * ajs;
    let q = bt + (<usize>j) * bjs;
    for (let t: usize = 0; t < len; t += 16, q += 48) {
      const y0 = v128.load(q), y1 = v128.load(q, 16), y2 = v128.load(q, 32);
      let x = v128.load(p0 + t);
      c00 = f32x4.add(c00, f32x4.mul(x, y0)); c01 = f32x4.add(c01, f32x4.mul(x, y1)); c02 = f32x4.add(c02, f32x4.mul(x, y2));
      x = v128.load(p1 + t);
      c10 = f32x4.add(c10, f32x4.mul(x, y0)); c11 = f32x4.add(c11, f32x4.mul(x, y1)); c12 = f32x4.add(c12, f32x4.mul(x, y2));
      x = v128.load(p2 + t);
      c20 = f32x4.add(c20, f32x4.mul(x, y0)); c21 = f32x4.add(c21, f32x4.mul(x, y1)); c22 = f32x4.add(c22, f32x4.mul(x, y2));
    }
  }
  addTo(d, c00); addTo(d + dks, c01); addTo(d + 2 * dks, c02);
  if (nm > 1) { addTo(d + 4, c10); addTo(d + 4 + dks, c11); addTo(d + 4 + 2 * dks, c12); }
  if (nm > 2) { addTo(d + 8, c20); addTo(d + 8 + dks, c21); addTo(d + 8 + 2 * dks, c22); }
}

function mkw_m4n2(a0: usize, a1: usize, a2: usize, a3: usize, ajs: usize, bt: usize, bjs: usize, nj: i32, nv: i32,
  d: usize, dks: usize, nm: i32): void {
  let c00 = f32x4.splat(0), c10 = c00, c20 = c00, c30 = c00, c01 = c00, c11 = c00, c21 = c00, c31 = c00;
  const len = (<usize>nv) << 4;
  for (let j = 0; j < nj; j++) {
    const ja = (<usize>j) * ajs;
    const p0 = a0 + ja, p1 = a1 + ja, p2 = a2 + ja, p3 = a3 + ja;
    let q = bt + (<usize>j) * bjs;
    for (let t: usize = 0; t < len; t += 16, q += 32) {
      const y0 = v128.load(q), y1 = v128.load(q, 16);
      let x = v128.load(p0 + t);
      c00 = f32x4.add(c00, f32x4.mul(x, y0)); c01 = f32x4.add(c01, f32x4.mul(x, y1));
      x = v128.load(p1 + t);
      c10 = f32x4.add(c10, f32x4.mul(x, y0)); c11 = f32x4.add(c11, f32x4.mul(x, y1));
      x = v128.load(p2 + t);
      c20 = f32x4.add(c20, f32x4.mul(x, y0)); c21 = f32x4.add(c21, f32x4.mul(x, y1));
      x = v128.load(p3 + t);
      c30 = f32x4.add(c30, f32x4.mul(x, y0)); c31 = f32x4.add(c31, f32x4.mul(x, y1));
    }
  }
  addTo(d, c00); addTo(d + dks, c01);
  if (nm > 1) { addTo(d + 4, c10); addTo(d + 4 + dks, c11); }
  if (nm > 2) { addTo(d + 8, c20); addTo(d + 8 + dks, c21); }
  if (nm > 3) { addTo(d + 12, c30); addTo(d + 12 + dks, c31); }
}

function mkw_m4n1(a0: usize, a1: usize, a2: usize, a3: usize, ajs: usize, bt: usize, bjs: usize, nj: i32, nv: i32,
  d: usize, nm: i32): void {
  let c0 = f32x4.splat(0), c1 = c0, c2 = c0, c3 = c0;
  const len = (<usize>nv) << 4;
  for (let j = 0; j < nj; j++) {
    const ja = (<usize>j) * ajs;
    const p0 = a0 + ja, p1 = a1 + ja, p2 = a2 + ja, p3 = a3 + ja, q = bt + (<usize>j) * bjs;
    for (let t: usize = 0; t < len; t += 16) {
      const y = v128.load(q + t);
      c0 = f32x4.add(c0, f32x4.mul(v128.load(p0 + t), y)); c1 = f32x4.add(c1, f32x4.mul(v128.load(p1 + t), y));
      c2 = f32x4.add(c2, f32x4.mul(v128.load(p2 + t), y)); c3 = f32x4.add(c3, f32x4.mul(v128.load(p3 + t), y));
    }
  }
  addTo(d, c0);
  if (nm > 1) addTo(d + 4, c1);
  if (nm > 2) addTo(d + 8, c2);
  if (nm > 3) addTo(d + 12, c3);
}
