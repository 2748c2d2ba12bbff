// nnconv backward, fully-connected shape (SEMANTICS §1.7): the filter covers the
// whole input with no top/left padding and no dilation, so the output is 1 x 1
// and both derivatives are plain matrix products over R = H*W*FC patch rows:
//   dzdx(m, g, n) = sum_{k < Kg} w(m, g*Kg + k) * p(g*Kg + k, n)      (m = a + H*(e + W*c'))
//   dzdw(m, g*Kg + k) = sum_n x(m, g, n) * p(g*Kg + k, n)
// The general tiled kernels would multiply the zero padding around the single
// output pixel (FH*FW times the work); here the dzdx micro-kernels run on w or
// x in place, 8..16 consecutive m per call, with p packed as their small operand.
// REQUIRES: isFullyConnected(...) holds; the caller's REQUIRES; scratch holds
// fcScratch(...) floats.

import { mk_r2c4, mk_r2c3, mk_r4c2, mk_r4c1 } from './conv_backward_data_mk';

const PACK_FLOATS: i32 = 1 << 18; // packed p: up to 1 MB at a time
const RB: i32 = 16;               // rows of the widest micro-kernel

// @ts-ignore: decorator
@inline export function isFullyConnected(H: i32, W: i32, FH: i32, FW: i32, Ho: i32, Wo: i32,
  pt: i32, pl: i32, dy: i32, dx: i32): bool {
  return Ho == 1 && Wo == 1 && FH == H && FW == W && pt == 0 && pl == 0 && dy == 1 && dx == 1;
}

/** Columns of the packed operand (S floats each) that fit in PACK_FLOATS: a multiple of 4, or all NC. */
function chunkCols(S: i32, NC: i32): i32 {
  const ch = (PACK_FLOATS / S) & ~3;
  return ch >= NC ? NC : ch < 4 ? min(4, NC) : ch;
}

/** Floats of scratch for a product with S steps and NC packed columns: 2 offset tables, the tail rows, the pack. */
// @ts-ignore: decorator
@inline function gemmScratch(S: i32, NC: i32): i32 {
  return 2 * S + RB * S + S * chunkCols(S, NC);
}

export function fcScratch(C: i32, N: i32, FC: i32, K: i32): i32 {
  const Kg = K / (C / FC);
  return max(gemmScratch(Kg, N), gemmScratch(N, Kg));
}

/** dzdx of the fully-connected shape, every element written. */
export function fcBackwardData(w: usize, dzdy: usize, dzdx: usize, scratch: usize,
  H: i32, W: i32, C: i32, N: i32, FC: i32, K: i32): void {
  const G = C / FC, Kg = K / G, R = H * W * FC;
  for (let g = 0; g < G; g++) {
    // A(m, s = k) = w column g*Kg + k; B(s, c = n) = p(g*Kg + k, n); out column n of group g.
    gemm(w + ((<usize>(R * g * Kg)) << 2), (<usize>R) << 2, Kg, R, dzdy + ((<usize>(g * Kg)) << 2), 1, K, N,
      dzdx + ((<usize>(R * g)) << 2), (<usize>(H * W * C)) << 2, scratch);
  }
}

/** dzdw of the fully-connected shape, summed over the batch, every element written. */
export function fcBackwardFilter(x: usize, dzdy: usize, dzdw: usize, scratch: usize,
  H: i32, W: i32, C: i32, N: i32, FC: i32, K: i32): void {
  const G = C / FC, Kg = K / G, R = H * W * FC;
  for (let g = 0; g < G; g++) {
    // A(m, s = n) = x(m, group g, image n); B(s, c = k) = p(g*Kg + k, n); out column g*Kg + k.
    gemm(x + ((<usize>(R * g)) << 2), (<usize>(H * W * C)) << 2, N, R, dzdy + ((<usize>(g * Kg)) << 2), K, 1, Kg,
      dzdw + ((<usize>(R * g * Kg)) << 2), (<usize>R) << 2, scratch);
  }
}

/**
 * out(m, c) = sum_{s < S} A(m, s) * B(s, c) for m < R, c < NC, where A(m, s) is at
 * a + s*sa + 4m, B(s, c) at b + 4*(s*bs + c*bc), out(m, c) at out + c*cs + 4m.
 */
function gemm(a: usize, sa: usize, S: i32, R: i32, b: usize, bs: i32, bc: i32, NC: i32,
  out: usize, cs: usize, scratch: usize): void {
  const offs = scratch, offsT = offs + ((<usize>S) << 2);
  const tail = offsT + ((<usize>S) << 2), wp = tail + ((<usize>(RB * S)) << 2);
  for (let s = 0; s < S; s++) {
    store<i32>(offs + ((<usize>s) << 2), s * <i32>sa);
    store<i32>(offsT + ((<usize>s) << 2), (RB * s) << 2);
  }
  // Rows past the last full block of RB are copied with zeros after them, so no
  // micro-kernel reads past the end of A.
  const mt = R - R % RB;
  for (let s = 0; s < S; s++) {
    for (let r = 0; r < RB; r++) {
      const v: f32 = mt + r < R ? load<f32>(a + (<usize>s) * sa + ((<usize>(mt + r)) << 2)) : 0;
      store<f32>(tail + ((<usize>(RB * s + r)) << 2), v);
    }
  }
  const CH = chunkCols(S, NC);
  for (let c0 = 0; c0 < NC; c0 += CH) {
    const c1 = min(c0 + CH, NC);
    // Block cb (nc columns) is packed at wp + 4*S*(cb - c0) as wp[s*nc + c] = B(s, cb + c).
    for (let cb = c0; cb < c1; cb += 4) {
      const nc = min(4, c1 - cb), blk = wp + ((<usize>(S * (cb - c0))) << 2);
      for (let s = 0; s < S; s++) {
        for (let c = 0; c < nc; c++) {
          store<f32>(blk + ((<usize>(s * nc + c)) << 2), load<f32>(b + ((<usize>(s * bs + (cb + c) * bc)) << 2)));
        }
      }
    }
    for (let m = 0; m < R; m += RB) {
      const full = m < mt;
      const ap = full ? a + ((<usize>m) << 2) : tail, o = full ? offs : offsT;
      for (let cb = c0; cb < c1; cb += 4) {
        const nc = min(4, c1 - cb), blk = wp + ((<usize>(S * (cb - c0))) << 2);
        const op = out + (<usize>cb) * cs + ((<usize>m) << 2);
        const nr = min(RB, R - m);
        if (nc == 4) { mk_r2c4(ap, o, blk, S, 1, 0, op, cs, min(8, nr), 4); if (nr > 8) mk_r2c4(ap + 32, o, blk, S, 1, 0, op + 32, cs, nr - 8, 4); }
        else if (nc == 3) { mk_r2c3(ap, o, blk, S, 1, 0, op, cs, min(8, nr), 4); if (nr > 8) mk_r2c3(ap + 32, o, blk, S, 1, 0, op + 32, cs, nr - 8, 4); }
        else if (nc == 2) mk_r4c2(ap, o, blk, S, 1, 0, op, cs, nr, 4);
        else mk_r4c1(ap, o, blk, S, 1, 0, op, nr, 4);
      }
    }
  }
}
