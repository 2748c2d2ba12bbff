// nnconv with empty filters (SEMANTICS §1.6): MatConvNet's identity bank
// [1, 1, C, C], i.e. padding and subsampling with an optional bias.
//   forward:  y(i, j, c, n)    = xpad(i*sy - pt, j*sx - pl, c, n) + b[c]
//   backward: dzdx(a, e, c, n) = p(i, j, c, n) when a = i*sy - pt and e = j*sx - pl, else 0
// REQUIRES: H, W, C >= 1, N >= 0, Ho = floor((H + pt + pb - 1)/sy) + 1 >= 1 (Wo alike),
// pads >= 0, strides >= 1; x/dzdx hold H*W*C*N floats, y/dzdy Ho*Wo*C*N, b is 0 or C floats.

import { VEC, ld4, st4, ld1, st1 } from './simd';

/** First output index whose source i*s - pad lies at or after 0. */
// @ts-ignore: decorator
@inline function firstIn(pad: i32, s: i32): i32 {
  return (pad + s - 1) / s;
}

/** One past the last output index whose source i*s - pad lies before n (at least lo). */
// @ts-ignore: decorator
@inline function lastIn(n: i32, pad: i32, s: i32, out: i32, lo: i32): i32 {
  return max(lo, min(out, (n - 1 + pad) / s + 1));
}

export function conv_identity_forward(x: usize, b: usize, y: usize, H: i32, W: i32, C: i32, N: i32,
  Ho: i32, Wo: i32, pt: i32, pl: i32, sy: i32, sx: i32): void {
  const iLo = min(Ho, firstIn(pt, sy));
  const iHi = lastIn(H, pt, sy, Ho, iLo);
  const jLo = min(Wo, firstIn(pl, sx));
  const jHi = lastIn(W, pl, sx, Wo, jLo);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const bc: f32 = b == 0 ? 0 : load<f32>(b + (<usize>c << 2));
      const bv = f32x4.splat(bc);
      for (let j = 0; j < Wo; j++) {
        const yo = y + (<usize>(Ho * (j + Wo * (c + C * n))) << 2);
        const inside = j >= jLo && j < jHi;
        const lo = inside ? iLo : Ho;
        const hi = inside ? iHi : Ho;
        // Rows outside [lo, hi) see only padding: they hold the bias.
        for (let i = 0; i < lo; i++) st1(yo, i, bc);
        for (let i = hi; i < Ho; i++) st1(yo, i, bc);
        if (lo >= hi) continue;
        // y(i) = x(i*sy - pt) + b, from the source column j*sx - pl.
        const xo = x + (<usize>(H * (j * sx - pl + W * (c + C * n))) << 2);
        let i = lo;
        if (sy == 1) {
          const xs = xo - (<usize>pt << 2);
          for (; i + VEC <= hi; i += VEC) st4(yo, i, f32x4.add(ld4(xs, i), bv));
        }
        for (; i < hi; i++) st1(yo, i, ld1(xo, i * sy - pt) + bc);
      }
    }
  }
}

export function conv_identity_backward(dzdy: usize, dzdx: usize, H: i32, W: i32, C: i32, N: i32,
  Ho: i32, Wo: i32, pt: i32, pl: i32, sy: i32, sx: i32): void {
  const iLo = min(Ho, firstIn(pt, sy));
  const iHi = lastIn(H, pt, sy, Ho, iLo);
  const zero = f32x4.splat(0);
  // Everything nothing maps to is 0: clear dzdx first, then copy the sampled positions.
  const total = H * W * C * N;
  let q = 0;
  for (; q + VEC <= total; q += VEC) st4(dzdx, q, zero);
  for (; q < total; q++) st1(dzdx, q, 0);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      for (let j = 0; j < Wo; j++) {
        const e = j * sx - pl;
        if (e < 0 || e >= W) continue;
        const po = dzdy + (<usize>(Ho * (j + Wo * (c + C * n))) << 2);
        const xo = dzdx + (<usize>(H * (e + W * (c + C * n))) << 2);
        let i = iLo;
        if (sy == 1) {
          const xs = xo - (<usize>pt << 2);
          for (; i + VEC <= iHi; i += VEC) st4(xs, i, ld4(po, i));
        }
        for (; i < iHi; i++) st1(xo, i * sy - pt, ld1(po, i));
      }
    }
  }
}
