// nnconv backward, filter derivative (SEMANTICS §1.5), summed over the batch:
//   dzdw(u, v, c', k) = sum_{n, i, j} dzdy(i, j, k, n) *
//                       xpad(i*sy + u*dy - pt, j*sx + v*dx - pl, g(k)*FC + c', n)
// Method: a GEMM dzdw[m, k] = sum_p A[p, m] * B[p, k] over pixels p = (i, j, n),
// with patch rows m = (u, v, c') and B = dzdy, reduced along i (contiguous in
// dzdy) in f32x4 accumulators that are summed across lanes once per tile.
// Per tile (IB output rows x JB output columns of one image and group):
//   Bt = dzdy rows [i0, i0 + IB) (zero past Ho), Kg channels;
//   At = the x columns the tile reads, each split into sy row phases
//        At(m, phase f, column q, c') = xpad(i0*sy - pt + m*sy + f, j0*sx - pl + q, c')
//   so A[(i, j), (u, v, c')] = At(i - i0 + (u*dy) / sy, (u*dy) % sy, (j - j0)*sx + v*dx, c')
//   is contiguous along i for every stride and padding.
// Micro-kernels hold 3..4 patch rows x 1..4 filters in registers.
// REQUIRES: all dims >= 1; Ho, Wo >= 1; pt, pl >= 0; C % FC == 0; K % (C / FC) == 0;
// H + pt + pb >= (FH-1)*dy + 1 and W + pl + pr >= (FW-1)*dx + 1 (pb, pr implied by
// Ho, Wo); scratch holds conv_backward_filter_scratch(...) floats; dzdw aliases
// nothing else. Every element of dzdw is written.

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
          for (let k = 0; k < Kg; ) {
            const nk = Kg - k >= 4 ? 4 : Kg - k >= 2 ? 2 : 1;
            const bt = Bt + (<usize>k) * bks;
            const dw = dzdw + (<usize>(g * Kg + k)) * dks;
            const mb = nk == 4 ? 3 : 4;
            for (let m = 0; m < P; m += mb) {
              // A block past the last patch row repeats row P - 1 and drops its sums.
              const o = offA + ((<usize>m) << 2);
              const m1 = min(m + 1, P - 1), m2 = min(m + 2, P - 1), m3 = min(m + 3, P - 1);
              const a0 = At + <usize>load<i32>(o);
              const a1 = At + <usize>load<i32>(offA + ((<usize>m1) << 2));
              const a2 = At + <usize>load<i32>(offA + ((<usize>m2) << 2));
              const d = dw + ((<usize>m) << 2);
              const nm = min(mb, P - m);
              if (nk == 4) mkw_m3n4(a0, a1, a2, ajs, bt, bks, nj, nv, IB, d, dks, nm);
              else {
                const a3 = At + <usize>load<i32>(offA + ((<usize>m3) << 2));
                if (nk == 2) mkw_m4n2(a0, a1, a2, a3, ajs, bt, bks, nj, nv, IB, d, dks, nm);
                else mkw_m4n1(a0, a1, a2, a3, ajs, bt, nj, nv, IB, d, nm);
              }
            }
            k += nk;
          }
        }
      }
    }
  }
}

/** Bt(i, j, kk) = dzdy(i0 + i, j0 + j, k0 + kk, n) for i < ni, 0 up to the next multiple of 4. */
function fillB(dzdy: usize, Bt: usize, k0: i32, Kg: i32, n: i32, i0: i32, j0: i32, ni: i32, nj: i32,
  IB: i32, JB: i32, Ho: i32, Wo: i32, K: i32): void {
  const pad = ((ni + 3) & ~3) - ni;
  for (let kk = 0; kk < Kg; kk++) {
    for (let j = 0; j < nj; j++) {
      const dst = Bt + ((<usize>(IB * (j + JB * kk))) << 2);
      const src = dzdy + ((<usize>(i0 + Ho * (j0 + j + Wo * (k0 + kk + K * n)))) << 2);
      memory.copy(dst, src, (<usize>ni) << 2);
      if (pad > 0) memory.fill(dst + ((<usize>ni) << 2), 0, (<usize>pad) << 2);
    }
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

// Micro-kernels: acc(m, k) += At[a_m + j*ajs + 16 t] * Bt[bt + k*bks + j*4*IB + 16 t]
// over output columns j < nj and row vectors t < nv; then dzdw[m, k] += sum of lanes.

function mkw_m3n4(a0: usize, a1: usize, a2: usize, ajs: usize, bt: usize, bks: usize, nj: i32, nv: i32, IB: i32,
  d: usize, dks: usize, nm: i32): void {
  let c00 = f32x4.splat(0), c10 = c00, c20 = c00, c01 = c00, c11 = c00, c21 = c00;
  let c02 = c00, c12 = c00, c22 = c00, c03 = c00, c13 = c00, c23 = c00;
  const bjs = (<usize>IB) << 2, len = (<usize>nv) << 4;
  for (let j = 0; j < nj; j++) {
    const ja = (<usize>j) * ajs;
    const p0 = a0 + ja, p1 = a1 + ja, p2 = a2 + ja;
    const q0 = bt + (<usize>j) * bjs, q1 = q0 + bks, q2 = q1 + bks, q3 = q2 + bks;
    for (let t: usize = 0; t < len; t += 16) {
      const x0 = v128.load(p0 + t), x1 = v128.load(p1 + t), x2 = v128.load(p2 + t);
      let y = v128.load(q0 + t);
      c00 = f32x4.add(c00, f32x4.mul(x0, y)); c10 = f32x4.add(c10, f32x4.mul(x1, y)); c20 = f32x4.add(c20, f32x4.mul(x2, y));
      y = v128.load(q1 + t);
      c01 = f32x4.add(c01, f32x4.mul(x0, y)); c11 = f32x4.add(c11, f32x4.mul(x1, y)); c21 = f32x4.add(c21, f32x4.mul(x2, y));
      y = v128.load(q2 + t);
      c02 = f32x4.add(c02, f32x4.mul(x0, y)); c12 = f32x4.add(c12, f32x4.mul(x1, y)); c22 = f32x4.add(c22, f32x4.mul(x2, y));
      y = v128.load(q3 + t);
      c03 = f32x4.add(c03, f32x4.mul(x0, y)); c13 = f32x4.add(c13, f32x4.mul(x1, y)); c23 = f32x4.add(c23, f32x4.mul(x2, y));
    }
  }
  addTo(d, c00); addTo(d + dks, c01); addTo(d + 2 * dks, c02); addTo(d + 3 * dks, c03);
  if (nm > 1) { d += 4; addTo(d, c10); addTo(d + dks, c11); addTo(d + 2 * dks, c12); addTo(d + 3 * dks, c13); }
  if (nm > 2) { d += 4; addTo(d, c20); addTo(d + dks, c21); addTo(d + 2 * dks, c22); addTo(d + 3 * dks, c23); }
}

function mkw_m4n2(a0: usize, a1: usize, a2: usize, a3: usize, ajs: usize, bt: usize, bks: usize, nj: i32, nv: i32,
  IB: i32, d: usize, dks: usize, nm: i32): void {
  let c00 = f32x4.splat(0), c10 = c00, c20 = c00, c30 = c00, c01 = c00, c11 = c00, c21 = c00, c31 = c00;
  const bjs = (<usize>IB) << 2, len = (<usize>nv) << 4;
  for (let j = 0; j < nj; j++) {
    const ja = (<usize>j) * ajs;
    const p0 = a0 + ja, p1 = a1 + ja, p2 = a2 + ja, p3 = a3 + ja;
    const q0 = bt + (<usize>j) * bjs, q1 = q0 + bks;
    for (let t: usize = 0; t < len; t += 16) {
      const y0 = v128.load(q0 + t), y1 = v128.load(q1 + t);
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

function mkw_m4n1(a0: usize, a1: usize, a2: usize, a3: usize, ajs: usize, bt: usize, nj: i32, nv: i32,
  IB: i32, d: usize, nm: i32): void {
  let c0 = f32x4.splat(0), c1 = c0, c2 = c0, c3 = c0;
  const bjs = (<usize>IB) << 2, len = (<usize>nv) << 4;
  for (let j = 0; j < nj; j++) {
    const ja = (<usize>j) * ajs;
    const p0 = a0 + ja, p1 = a1 + ja, p2 = a2 + ja, p3 = a3 + ja;
    const q0 = bt + (<usize>j) * bjs;
    for (let t: usize = 0; t < len; t += 16) {
      const y = v128.load(q0 + t);
      c0 = f32x4.add(c0, f32x4.mul(v128.load(p0 + t), y)); c1 = f32x4.add(c1, f32x4.mul(v128.load(p1 + t), y));
      c2 = f32x4.add(c2, f32x4.mul(v128.load(p2 + t), y)); c3 = f32x4.add(c3, f32x4.mul(v128.load(p3 + t), y));
    }
  }
  addTo(d, c0);
  if (nm > 1) addTo(d + 4, c1);
  if (nm > 2) addTo(d + 8, c2);
  if (nm > 3) addTo(d + 12, c3);
}
