// nnconv backward, filter derivative (SEMANTICS §1.5), summed over the batch:
//   dzdw(u, v, c', k) = sum_{n, i, j} dzdy(i, j, k, n) *
//                       xpad(i*sy + u*dy - pt, j*sx + v*dx - pl, g(k)*FC + c', n)
// Method: a GEMM dzdw[m, k] = sum_p A[p, m] * B[p, k] over pixels p = (i, j, n),
// with patch rows m = (u, v, c') and B = dzdy, reduced along i (contiguous in
// dzdy) in f32x4 accumulators that are summed across lanes once per tile.
// Per tile (IB output rows x JB output columns of one image and group):
//   Bt = dzdy rows [i0, i0 + IB) (zero past Ho), Kg channels, in blocks of nk <= 4
//        filters whose 4-row vectors are interleaved, so a micro-kernel reads
//        all nk of them from one pointer with constant offsets;
//   At = the x columns the tile reads, each split into sy row phases
//        At(m, phase f, column q, c') = xpad(i0*sy - pt + m*sy + f, j0*sx - pl + q, c')
//   so A[(i, j), (u, v, c')] = At(i - i0 + (u*dy) / sy, (u*dy) % sy, (j - j0)*sx + v*dx, c')
//   is contiguous along i for every stride and padding.
// In a last row quad that is not full (Ho % 4), the lanes past Ho hold rows of At
// that other taps read (or none does); they meet dzdy's zeros, which is exact for
// finite x. If one holds a NaN or Inf (0 * NaN is NaN, where MatConvNet reads no x),
// that quad is instead copied per patch row into Tt with those lanes zeroed, its
// columns one flat run of quads (dzdy's in Bq), as in the small path.
// Micro-kernels (conv/backward_filter_mk.ts) hold 2..4 patch rows x 1..4 filters
// in registers. Outputs of at most BATCH_P pixels that reach no padding are one
// matrix product over the whole batch instead (conv/batch.ts), and other outputs
// of at most 16 rows fold the batch into flat runs (conv/backward_filter_small.ts).
// REQUIRES: all dims >= 1; Ho, Wo >= 1; pt, pl >= 0; C % FC == 0; K % (C / FC) == 0;
// H + pt + pb >= (FH-1)*dy + 1 and W + pl + pr >= (FW-1)*dx + 1 (pb, pr implied by
// Ho, Wo); scratch holds conv_backward_filter_scratch(...) floats; dzdw aliases
// nothing else. Every element of dzdw is written.

import { batchApplies, batchFilterScratch, batchFilter } from './batch';
import { floats } from '../sizes';
import { mkw_m2n4, mkw_m3n3, mkw_m4n2, mkw_m4n1 } from './backward_filter_mk';
import { fillA, fillB, fillTail, padLanesFinite } from './backward_filter_fill';
import { SMALL_HO, smallScratch, smallBackwardFilter } from './backward_filter_small';

// At + Bt per tile: 1 MB, half of L2; 256 KB left 512-channel layers 2 columns per tile.
const TILE_FLOATS: i32 = 1 << 18;

// @ts-ignore: decorator
@inline function rowBlockF(Ho: i32): i32 {
  return Ho <= 512 ? (Ho + 3) & ~3 : 256;
}

/** Output columns per tile so that At + Bt ~ TILE_FLOATS. */
function colBlockF(IB: i32, M: i32, Kg: i32, FC: i32, sy: i32, sx: i32, ex: i32, Wo: i32): i32 {
  // A product past TILE_FLOATS makes jb < 1 below; testing in f64 first keeps the i32 ones from wrapping.
  if (<f64>Kg * <f64>IB > <f64>TILE_FLOATS || <f64>FC * <f64>M * <f64>sy * <f64>max(sx, ex + 1) > <f64>TILE_FLOATS) return 1;
  const perCol = Kg * IB + FC * M * sy * sx;
  const jb = (TILE_FLOATS - FC * M * sy * (ex + 1)) / perCol;
  return jb < 1 ? 1 : jb > Wo ? Wo : jb;
}

/** Floats of scratch conv_backward_filter needs: At, Bt and the patch-row offset table. */
export function conv_backward_filter_scratch(H: i32, W: i32, C: i32, N: i32, FH: i32, FW: i32, FC: i32, K: i32,
  Ho: i32, Wo: i32, pt: i32, pl: i32, sy: i32, sx: i32, dy: i32, dx: i32): i32 {
  if (batchApplies(H, W, C, FH, FW, FC, Ho, Wo, pt, pl, sy, sx, dy, dx)) return batchFilterScratch(C, N, FH, FW, FC, K, Ho, Wo);
  if (Ho <= SMALL_HO) return smallScratch(C, N, FH, FW, FC, K, Ho, Wo, sy, dy, dx);
  const Kg = K / (C / FC);
  const ey = (FH - 1) * dy, ex = (FW - 1) * dx;
  const IB = rowBlockF(Ho), M = IB + ey / sy;
  const JB = colBlockF(IB, M, Kg, FC, sy, sx, ex, Wo);
  const Xc = <f64>(JB - 1) * <f64>sx + <f64>(ex + 1);
  const P = <f64>(FH * FW * FC);
  return floats(<f64>FC * Xc * <f64>M * <f64>sy + <f64>Kg * <f64>JB * <f64>IB + 2 * P + 4 * (P + <f64>Kg) * <f64>JB);
}

export function conv_backward_filter(x: usize, dzdy: usize, dzdw: usize, scratch: usize,
  H: i32, W: i32, C: i32, N: i32, FH: i32, FW: i32, FC: i32, K: i32,
  Ho: i32, Wo: i32, pt: i32, pl: i32, sy: i32, sx: i32, dy: i32, dx: i32): void {
  if (batchApplies(H, W, C, FH, FW, FC, Ho, Wo, pt, pl, sy, sx, dy, dx)) {
    batchFilter(x, dzdy, dzdw, scratch, H, W, C, N, FH, FW, FC, K, Ho, Wo, sy, sx, dy, dx);
    return;
  }
  if (Ho <= SMALL_HO) {
    smallBackwardFilter(x, dzdy, dzdw, scratch, H, W, C, N, FH, FW, FC, K, Ho, Wo, pt, pl, sy, sx, dy, dx);
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
  const offT = offA + ((<usize>P) << 2);
  const Tt = offT + ((<usize>P) << 2);
  const Bq = Tt + ((<usize>(4 * P * JB)) << 2);
  // Patch row m = u + FH*(v + FW*c') (w's own order) starts at offA[m] in At and offT[m] in Tt.
  for (let c = 0; c < FC; c++) {
    for (let v = 0; v < FW; v++) {
      for (let u = 0; u < FH; u++) {
        const m = u + FH * (v + FW * c);
        const o = (u * dy) / sy + M * ((u * dy) % sy + sy * (v * dx + Xc * c));
        store<i32>(offA + ((<usize>m) << 2), o << 2);
        store<i32>(offT + ((<usize>m) << 2), (m * JB) << 4);
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
        const ni = min(IB, Ho - i0), nf = ni >> 2, nt = ni & 3; // full quads, rows of the last
        const dwg = dzdw + (<usize>(g * Kg)) * dks;
        for (let j0 = 0; j0 < Wo; j0 += JB) {
          const nj = min(JB, Wo - j0);
          fillA(x, At, g * FC, FC, n, i0 * sy - pt, j0 * sx - pl, (nj - 1) * sx + ex + 1, Xc, M, sy, H, W, C);
          fillB(dzdy, Bt, g * Kg, Kg, n, i0, j0, ni, nj, IB, JB, Ho, Wo, K, 0);
          const split = nt > 0 && !padLanesFinite(At, offA, P, nj, ajs, nf, nt);
          const nv = split ? nf : (ni + 3) >> 2;
          if (nv > 0) tileProducts(At, Bt, offA, P, Kg, bks, IB, ajs, nj, nv, dwg, dks);
          if (split) {
            // Bq: Bt's layout for one slot of 4 * nj rows, quad j holding column j's last rows
            fillB(dzdy, Bq, g * Kg, Kg, n, i0 + 4 * nf, j0, nt, nj, 4, nj, Ho, Wo, K, 0);
            fillTail(At, offA, Tt, P, JB, nj, ajs, nf, nt);
            tileProducts(Tt, Bq, offT, P, Kg, (<usize>nj) << 4, 4 * nj, 0, 1, nj, dwg, dks);
          }
        }
      }
    }
  }
}

/** dzdw(m, k) += sum over the tile's pixels of At(pixel, m) * Bt(pixel, k), for the group at dwg. */
export function tileProducts(At: usize, Bt: usize, offA: usize, P: i32, Kg: i32, bks: usize, IB: i32, ajs: usize,
  nj: i32, nv: i32, dwg: usize, dks: usize): void {
  for (let k = 0; k < Kg; ) {
    const nk = min(4, Kg - k);
    const bt = Bt + (<usize>k) * bks;
    const bjs = (<usize>(nk * IB)) << 2; // bytes per output column in this block
    const dw = dwg + (<usize>k) * dks;
    const mb = nk == 4 ? 2 : nk == 3 ? 3 : 4;
    for (let m = 0; m < P; m += mb) {
      // A block past the last patch row repeats row P - 1 and drops its sums.
      const a0 = At + <usize>load<i32>(offA + ((<usize>m) << 2));
      const a1 = At + <usize>load<i32>(offA + ((<usize>min(m + 1, P - 1)) << 2));
      const d = dw + ((<usize>m) << 2);
      const nm = min(mb, P - m);
      if (nk == 4) mkw_m2n4(a0, a1, ajs, bt, bjs, nj, nv, d, dks, nm);
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
