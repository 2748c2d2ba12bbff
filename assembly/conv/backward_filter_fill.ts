// Tile fills of nnconv's filter derivative (conv/backward_filter.ts and its small-output
// path, conv/backward_filter_small.ts): copies of dzdy and x with the padding as zeros.
// REQUIRES: the destinations hold the floats the comments name; sources as in the callers.

/**
 * Bt holds dzdy(i0 + i, j0 + j, k0 + k, n) for i < ni (0 up to the next multiple of 4) in
 * column slot s0 + j, in blocks of nk = min(4, Kg - kb) filters: element (i, slot, kb + kk) is at
 * float kb*JB*IB + nk*(slot*IB + i - i%4) + 4*kk + i%4, so the nk vectors of one row quad are adjacent.
 */
export function fillB(dzdy: usize, Bt: usize, k0: i32, Kg: i32, n: i32, i0: i32, j0: i32, ni: i32, nj: i32,
  IB: i32, JB: i32, Ho: i32, Wo: i32, K: i32, s0: i32): void {
  const nf = ni & ~3;
  for (let kb = 0; kb < Kg; ) {
    const nk = min(4, Kg - kb);
    for (let kk = 0; kk < nk; kk++) {
      for (let j = 0; j < nj; j++) {
        const dst = Bt + ((<usize>(kb * JB * IB + nk * (s0 + j) * IB + 4 * kk)) << 2);
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
export function fillA(x: usize, At: usize, c0: i32, FC: i32, n: i32, r0: i32, s0: i32, nq: i32, Xc: i32, M: i32,
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

/**
 * Tt(l, j, m) = lane l of row quad nf of patch row m in output column j of At (offA and ajs as
 * in conv/backward_filter.ts), at float 4*(j + JB*m) + l, for the nt < 4 lanes of the last,
 * partial, quad; 0 past them. In At those lanes hold x rows that other taps read (or none does):
 * they would meet dzdy's zeros, and 0 * NaN is NaN.
 */
export function fillTail(At: usize, offA: usize, Tt: usize, P: i32, JB: i32, nj: i32, ajs: usize, nf: i32, nt: i32): void {
  const keep = i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(nt));
  const quad = (<usize>nf) << 4, rowB = (<usize>JB) << 4;
  for (let m = 0; m < P; m++) {
    let src = At + <usize>load<i32>(offA + ((<usize>m) << 2)) + quad, dst = Tt + (<usize>m) * rowB;
    for (let j = 0; j < nj; j++, src += ajs, dst += 16) v128.store(dst, v128.and(v128.load(src), keep));
  }
}

/** Whether the lanes past the nt < 4 rows of row quad nf hold only finite x, in every patch row and column of At. */
export function padLanesFinite(At: usize, offA: usize, P: i32, nj: i32, ajs: usize, nf: i32, nt: i32): bool {
  const pad = i32x4.ge_s(i32x4(0, 1, 2, 3), i32x4.splat(nt));
  const quad = (<usize>nf) << 4;
  let bad = i32x4.splat(0);
  for (let m = 0; m < P; m++) {
    let src = At + <usize>load<i32>(offA + ((<usize>m) << 2)) + quad;
    for (let j = 0; j < nj; j++, src += ajs) {
      const v = v128.load(src), d = f32x4.sub(v, v); // NaN exactly where v is NaN or +-Inf
      bad = v128.or(bad, f32x4.ne(d, d));
    }
  }
  return !v128.any_true(v128.and(bad, pad));
}
