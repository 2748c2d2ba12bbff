// nnconv forward with filters in the f32x4 lanes, for layers whose taps reach no
// padding and that take neither Winograd (conv/wino.ts) nor one product over the
// batch (conv/batch.ts), e.g. the character CNN's 5x5x20x50 on 14x14x20 (10x10 out).
// There 8-pixel blocks (pixels in lanes) wrap from one output column to the next in
// 8 of every 13 blocks, and each such block is packed element by element: the
// packing costs a third of the products. Here the lanes hold 8 filters instead:
//   y(p_t, k0 + m) = b[k0 + m] + sum_r Wp[r][m] * x(base_t + off[r]),   m < 8, t < 4
// for 4 pixels p_t at any positions (their windows read in place, one splat per
// pixel and step), r = u + FH*(v + FW*c) with off[r] = 4*(u*dy + H*(v*dx + W*c)),
// and Wp the filters packed once per call as panels of 8 (zero past K). Nothing
// of x is copied, no pixel is computed twice, and only the last panel of filters
// runs short lanes.
// REQUIRES: lanesApplies(); the conv_forward REQUIRES; scratch holds lanesScratch() floats.

import { madd } from '../simd';

// @ts-ignore: decorator
@inline export function lanesApplies(H: i32, W: i32, C: i32, FH: i32, FW: i32, FC: i32, Ho: i32, Wo: i32,
  pt: i32, pl: i32, sy: i32, sx: i32, dy: i32, dx: i32): bool {
  return C == FC && pt == 0 && pl == 0 && (Ho - 1) * sy + (FH - 1) * dy < H && (Wo - 1) * sx + (FW - 1) * dx < W;
}

/** Floats: the packed filters (R x K rounded up to 8), the offset table, a 4 x 8 output tile. */
export function lanesScratch(FH: i32, FW: i32, FC: i32, K: i32): i32 {
  const R = FH * FW * FC;
  return R * ((K + 7) & ~7) + R + 32;
}

/**
 * tile[t*8 + m] = sum_{s < S} A_s[m] * x(b_t + offs[s]) for 4 pixels t (A_s = 8 floats at a + 32 s).
 * 8 accumulators + 2 A vectors + 4 splats: 14 of V8's 15 xmm registers.
 */
export function mkLanes(a: usize, offs: usize, S: i32, b0: usize, b1: usize, b2: usize, b3: usize, tile: usize): void {
  const z = f32x4.splat(0);
  let c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
  const end = offs + (<usize>S << 2);
  while (offs < end) {
    const o = <usize>load<u32>(offs);
    const a0 = v128.load(a), a1 = v128.load(a, 16);
    let w = v128.load32_splat(b0 + o);
    c00 = madd(a0, w, c00); c01 = madd(a1, w, c01);
    w = v128.load32_splat(b1 + o);
    c10 = madd(a0, w, c10); c11 = madd(a1, w, c11);
    w = v128.load32_splat(b2 + o);
    c20 = madd(a0, w, c20); c21 = madd(a1, w, c21);
    w = v128.load32_splat(b3 + o);
    c30 = madd(a0, w, c30); c31 = madd(a1, w, c31);
    offs += 4;
    a += 32;
  }
  v128.store(tile, c00); v128.store(tile, c01, 16);
  v128.store(tile, c10, 32); v128.store(tile, c11, 48);
  v128.store(tile, c20, 64); v128.store(tile, c21, 80);
  v128.store(tile, c30, 96); v128.store(tile, c31, 112);
}

/** Window origin of output pixel p = i + Ho*j of the image at xn. */
// @ts-ignore: decorator
@inline function origin(xn: usize, p: i32, H: i32, Ho: i32, sy: i32, sx: i32): usize {
  return xn + (<usize>((p % Ho) * sy + H * ((p / Ho) * sx)) << 2);
}

/** y = conv(x, w) + b (b = 0: no bias), every element written. */
export function lanesForward(x: usize, w: usize, b: usize, y: usize, scratch: usize,
  H: i32, W: i32, C: i32, N: i32, FH: i32, FW: i32, K: i32, Ho: i32, Wo: i32, sy: i32, sx: i32, dy: i32, dx: i32): void {
  const R = FH * FW * C, P = Ho * Wo, K8 = (K + 7) & ~7;
  const Wp = scratch;                                   // panel kp: Wp[(kp*R + r)*8 + m] = w(r, 8 kp + m)
  const offs = Wp + (<usize>(R * K8) << 2);
  const tile = offs + (<usize>R << 2);
  for (let k = 0; k < K8; k++) {
    const dst = Wp + (<usize>((k >> 3) * R * 8 + (k & 7)) << 2);
    for (let r = 0; r < R; r++) store<f32>(dst + (<usize>r << 5), k < K ? load<f32>(w + (<usize>(r + R * k) << 2)) : 0);
  }
  let r = 0;
  for (let c = 0; c < C; c++) {
    for (let v = 0; v < FW; v++) {
      for (let u = 0; u < FH; u++) store<u32>(offs + (<usize>(r++) << 2), <u32>(u * dy + H * (v * dx + W * c)) << 2);
    }
  }
  for (let n = 0; n < N; n++) {
    const xn = x + (<usize>(H * W * C * n) << 2);
    for (let k0 = 0; k0 < K; k0 += 8) {
      const a = Wp + (<usize>(k0 * R) << 2);
      const nk = min(8, K - k0);
      for (let p = 0; p < P; p += 4) {
        // Pixels past the last are the last one again, computed and not stored.
        const np = min(4, P - p);
        mkLanes(a, offs, R, origin(xn, p, H, Ho, sy, sx), origin(xn, p + min(1, np - 1), H, Ho, sy, sx),
          origin(xn, p + min(2, np - 1), H, Ho, sy, sx), origin(xn, p + min(3, np - 1), H, Ho, sy, sx), tile);
        // y(p + t, k0 + m, n) = tile[t*8 + m] + b[k0 + m].
        const out = y + (<usize>(p + P * (k0 + K * n)) << 2);
        for (let m = 0; m < nk; m++) {
          const bk: f32 = b == 0 ? 0 : load<f32>(b + (<usize>(k0 + m) << 2));
          const o = out + (<usize>(P * m) << 2);
          for (let t = 0; t < np; t++) store<f32>(o + (<usize>t << 2), load<f32>(tile + (<usize>(t * 8 + m) << 2)) + bk);
        }
      }
    }
  }
}
