// nnconv on small outputs (Ho*Wo <= BATCH_P, every tap inside x: no padding
// reached): all three passes as one matrix product per group over the whole
// batch, rows of 8 in f32x4 lanes (conv/batch_mk.ts). With q = p + P*n the pixels
// of all images (p = i + Ho*j, P = Ho*Wo, Q = P*N) and r = u + FH*(v + FW*c') the
// patch elements (R = FH*FW*FC), im2row A(q, r) = x(i*sy + u*dy, j*sx + v*dx, g*FC + c', n):
//   forward  Y(q, k)  = sum_r A(q, r) W(r, k)      rows q, columns k, steps r
//   filter   dW(r, k) = sum_q A(q, r) dY(q, k)     rows r, columns k, steps q
//   data     dA(r, q) = sum_k W(r, k) dY(q, k)     rows r, columns q, steps k; dzdx = col2im(dA)
// Per image the outputs are too short for the per-image kernels (a 2x2 output
// fills half of one 8-pixel block and streams all of w per image); across the
// batch each product is large. W is read in place (w is R x K, column-major);
// A is packed per 8-row panel and step block as it is used; dY is transposed
// once. Steps go in blocks of KC and columns of NC, so the B block (KC x NC) stays
// in L2 while a row panel (8 x KC) stays in L1.
// REQUIRES: batchApplies(); the callers' REQUIRES (conv/conv.ts, conv/backward_*.ts);
// scratch holds the batch*Scratch() floats.

import { rowPanel } from './batch_mk';
import { floats } from '../sizes';

export const BATCH_P: i32 = 16;
const KC: i32 = 256;
const NC: i32 = 512;

// @ts-ignore: decorator
@inline export function batchApplies(H: i32, W: i32, C: i32, FH: i32, FW: i32, FC: i32, Ho: i32, Wo: i32,
  pt: i32, pl: i32, sy: i32, sx: i32, dy: i32, dx: i32): bool {
  return Ho * Wo <= BATCH_P && pt == 0 && pl == 0 &&
    (Ho - 1) * sy + (FH - 1) * dy < H && (Wo - 1) * sx + (FW - 1) * dx < W;
}

// @ts-ignore: decorator
@inline function up8(n: i32): i32 { return (n + 7) & ~7; }

/** Floats of the two offset tables (R patch elements, Q pixels). */
// @ts-ignore: decorator
@inline function tables(R: i32, Q: i32): i32 { return R + Q; }

export function batchForwardScratch(C: i32, N: i32, FH: i32, FW: i32, FC: i32, K: i32, Ho: i32, Wo: i32): i32 {
  const Q = Ho * Wo * N;
  return floats(<f64>up8(Q) * <f64>K + <f64>(8 * KC) + <f64>tables(FH * FW * FC, Q));
}

export function batchFilterScratch(C: i32, N: i32, FH: i32, FW: i32, FC: i32, K: i32, Ho: i32, Wo: i32): i32 {
  const Q = Ho * Wo * N, R = FH * FW * FC;
  return floats(<f64>Q * <f64>K + <f64>(8 * KC) + <f64>tables(R, Q) + (R % 8 == 0 ? 0 : <f64>up8(R) * <f64>K));
}

export function batchDataScratch(C: i32, N: i32, FH: i32, FW: i32, FC: i32, K: i32, Ho: i32, Wo: i32): i32 {
  const Q = Ho * Wo * N, R = FH * FW * FC;
  return floats(<f64>Q * <f64>K + <f64>up8(R) * <f64>Q + <f64>(8 * KC) + <f64>tables(R, Q));
}

/**
 * offR[r] = 4*(u*dy + H*(v*dx + W*c')), the byte offset of patch element r in a window;
 * offQ[q] = 4*(i*sy + H*(j*sx + W*C*n)), that of pixel q's window in x.
 */
export function offsets(offR: usize, offQ: usize, H: i32, W: i32, C: i32, N: i32, FH: i32, FW: i32, FC: i32,
  Ho: i32, Wo: i32, sy: i32, sx: i32, dy: i32, dx: i32): void {
  let r = 0;
  for (let c = 0; c < FC; c++) {
    for (let v = 0; v < FW; v++) {
      for (let u = 0; u < FH; u++) store<u32>(offR + (<usize>(r++) << 2), <u32>(u * dy + H * (v * dx + W * c)) << 2);
    }
  }
  let q = 0;
  for (let n = 0; n < N; n++) {
    for (let j = 0; j < Wo; j++) {
      for (let i = 0; i < Ho; i++) store<u32>(offQ + (<usize>(q++) << 2), <u32>(i * sy + H * (j * sx + W * C * n)) << 2);
    }
  }
}

/**
 * A row panel of 8 x ns steps: Ap[s*8 + m] = x at xg + rows[m] + steps[s] (bytes) for m < nm, 0 for
 * m >= nm. The forward pass's rows are pixels and steps patch elements; the filter's the reverse.
 */
function pack(xg: usize, Ap: usize, rows: usize, nm: i32, steps: usize, ns: i32): void {
  for (let m = 0; m < 8; m++) {
    let dst = Ap + (<usize>m << 2);
    if (m >= nm) {
      for (let s = 0; s < ns; s++, dst += 32) store<f32>(dst, 0);
      continue;
    }
    const base = xg + <usize>load<u32>(rows + (<usize>m << 2));
    for (let s = 0; s < ns; s++, dst += 32) store<f32>(dst, load<f32>(base + <usize>load<u32>(steps + (<usize>s << 2))));
  }
}

/** y = conv(x, w) + b (b = 0: no bias), every element written. */
export function batchForward(x: usize, w: usize, b: usize, y: usize, scratch: usize,
  H: i32, W: i32, C: i32, N: i32, FH: i32, FW: i32, FC: i32, K: i32,
  Ho: i32, Wo: i32, sy: i32, sx: i32, dy: i32, dx: i32): void {
  const G = C / FC, Kg = K / G, R = FH * FW * FC, P = Ho * Wo, Q = P * N, Q8 = up8(Q);
  const Ct = scratch;                                  // Ct[q + Q8*k] = Y(q, k)
  const Ap = Ct + (<usize>(Q8 * K) << 2);
  const offR = Ap + (<usize>(8 * KC) << 2), offQ = offR + (<usize>R << 2);
  offsets(offR, offQ, H, W, C, N, FH, FW, FC, Ho, Wo, sy, sx, dy, dx);
  const cs = <usize>Q8 << 2;
  for (let g = 0; g < G; g++) {
    const xg = x + (<usize>(H * W * FC * g) << 2);
    for (let k0 = g * Kg; k0 < (g + 1) * Kg; k0 += NC) {
      const nc = min(NC, (g + 1) * Kg - k0);
      for (let s0 = 0; s0 < R; s0 += KC) {
        const ns = min(KC, R - s0);
        for (let q0 = 0; q0 < Q; q0 += 8) {
          pack(xg, Ap, offQ + (<usize>q0 << 2), min(8, Q - q0), offR + (<usize>s0 << 2), ns);
          // B(s, k) = w(s0 + s, k0 + k) at w + 4*(s0 + s + R*(k0 + k)).
          rowPanel(Ap, 32, w + (<usize>(s0 + R * k0) << 2), 4, <usize>R << 2, ns, nc,
            Ct + (<usize>(q0 + Q8 * k0) << 2), cs, s0 > 0);
        }
      }
    }
  }
  // y(p, k, n) = Ct[p + P*n + Q8*k] + b[k].
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) {
      const bk: f32 = b == 0 ? 0 : load<f32>(b + (<usize>k << 2));
      const src = Ct + (<usize>(P * n + Q8 * k) << 2), dst = y + (<usize>(P * (k + K * n)) << 2);
      for (let p = 0; p < P; p++) store<f32>(dst + (<usize>p << 2), load<f32>(src + (<usize>p << 2)) + bk);
    }
  }
}

/** Bt[q*qs + k*ks] = dzdy(p, k, n) for q = p + P*n (floats), every k < K. */
function transposeDzdy(dzdy: usize, Bt: usize, P: i32, K: i32, N: i32, qs: i32, ks: i32): void {
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) {
      const src = dzdy + (<usize>(P * (k + K * n)) << 2), dst = Bt + (<usize>(P * n * qs + k * ks) << 2);
      for (let p = 0; p < P; p++) store<f32>(dst + (<usize>(p * qs) << 2), load<f32>(src + (<usize>p << 2)));
    }
  }
}

/** dzdw, summed over the batch, every element written. */
export function batchFilter(x: usize, dzdy: usize, dzdw: usize, scratch: usize,
  H: i32, W: i32, C: i32, N: i32, FH: i32, FW: i32, FC: i32, K: i32,
  Ho: i32, Wo: i32, sy: i32, sx: i32, dy: i32, dx: i32): void {
  const G = C / FC, Kg = K / G, R = FH * FW * FC, P = Ho * Wo, Q = P * N;
  const Bt = scratch;                                  // Bt[q + Q*k] = dY(q, k)
  const Ap = Bt + (<usize>(Q * K) << 2);
  const offR = Ap + (<usize>(8 * KC) << 2), offQ = offR + (<usize>R << 2);
  // dW straight into dzdw when its columns hold whole panels, else via Ct (R8 rows).
  const direct = R % 8 == 0;
  const ldc = direct ? R : up8(R);
  const out = direct ? dzdw : offQ + (<usize>Q << 2);
  if (Q == 0) {
    memory.fill(dzdw, 0, <usize>(R * K) << 2);
    return;
  }
  offsets(offR, offQ, H, W, C, N, FH, FW, FC, Ho, Wo, sy, sx, dy, dx);
  transposeDzdy(dzdy, Bt, P, K, N, 1, Q);
  const cs = <usize>ldc << 2;
  for (let g = 0; g < G; g++) {
    const xg = x + (<usize>(H * W * FC * g) << 2);
    for (let k0 = g * Kg; k0 < (g + 1) * Kg; k0 += NC) {
      const nc = min(NC, (g + 1) * Kg - k0);
      for (let s0 = 0; s0 < Q; s0 += KC) {
        const ns = min(KC, Q - s0);
        for (let r0 = 0; r0 < R; r0 += 8) {
          pack(xg, Ap, offR + (<usize>r0 << 2), min(8, R - r0), offQ + (<usize>s0 << 2), ns);
          // B(s, k) = dY(s0 + s, k0 + k) at Bt + 4*(s0 + s + Q*(k0 + k)).
          rowPanel(Ap, 32, Bt + (<usize>(s0 + Q * k0) << 2), 4, <usize>Q << 2, ns, nc,
            out + (<usize>(r0 + ldc * k0) << 2), cs, s0 > 0);
        }
      }
    }
  }
  if (!direct) {
    for (let k = 0; k < K; k++) memory.copy(dzdw + (<usize>(R * k) << 2), out + (<usize>(ldc * k) << 2), <usize>R << 2);
  }
}

/** dzdx, every element written. */
export function batchData(w: usize, dzdy: usize, dzdx: usize, scratch: usize,
  H: i32, W: i32, C: i32, N: i32, FH: i32, FW: i32, FC: i32, K: i32,
  Ho: i32, Wo: i32, sy: i32, sx: i32, dy: i32, dx: i32): void {
  const G = C / FC, Kg = K / G, R = FH * FW * FC, R8 = up8(R), P = Ho * Wo, Q = P * N;
  const Bq = scratch;                                  // Bq[k + K*q] = dY(q, k)
  const Ct = Bq + (<usize>(Q * K) << 2);               // Ct[r + R8*q] = dA(r, q), one group
  const Tp = Ct + (<usize>(R8 * Q) << 2);              // the last, partial row panel of w
  const offR = Tp + (<usize>(8 * KC) << 2), offQ = offR + (<usize>R << 2);
  offsets(offR, offQ, H, W, C, N, FH, FW, FC, Ho, Wo, sy, sx, dy, dx);
  transposeDzdy(dzdy, Bq, P, K, N, K, 1);
  // The fully-connected shape: pixel q's window is image n's whole x (offR[r] = 4r), so dzdx is dA.
  const whole = G == 1 && P == 1 && FH == H && FW == W && dy == 1 && dx == 1 && R == R8;
  const out = whole ? dzdx : Ct;
  if (!whole) memory.fill(dzdx, 0, <usize>(H * W * C * N) << 2);
  const cs = <usize>R8 << 2;
  for (let g = 0; g < G; g++) {
    for (let q0 = 0; q0 < Q; q0 += NC) {
      const nc = min(NC, Q - q0);
      for (let s0 = 0; s0 < Kg; s0 += KC) {
        const ns = min(KC, Kg - s0);
        const k0 = g * Kg + s0;
        for (let r0 = 0; r0 < R; r0 += 8) {
          // A_s = w(r0 .. r0+7, k0 + s) in place; the last panel, short of 8 rows, packed with zeros.
          let a = w + (<usize>(r0 + R * k0) << 2), as = <usize>R << 2;
          if (r0 + 8 > R) {
            for (let s = 0; s < ns; s++) {
              for (let m = 0; m < 8; m++) {
                store<f32>(Tp + (<usize>(8 * s + m) << 2), r0 + m < R ? load<f32>(a + (<usize>(m + R * s) << 2)) : 0);
              }
            }
            a = Tp;
            as = 32;
          }
          // B(s, q) = dY(q0 + q, k0 + s) at Bq + 4*(k0 + s + K*(q0 + q)).
          rowPanel(a, as, Bq + (<usize>(k0 + K * q0) << 2), 4, <usize>K << 2, ns, nc,
            out + (<usize>(r0 + R8 * q0) << 2), cs, s0 > 0);
        }
      }
    }
    if (whole) continue;
    // col2im: dzdx(window of q, channel g*FC + c', n) += dA(r, q).
    const xg = dzdx + (<usize>(H * W * FC * g) << 2);
    for (let q = 0; q < Q; q++) {
      const base = xg + <usize>load<u32>(offQ + (<usize>q << 2));
      const src = Ct + (<usize>(R8 * q) << 2);
      for (let r = 0; r < R; r++) {
        const d = base + <usize>load<u32>(offR + (<usize>r << 2));
        store<f32>(d, load<f32>(d) + load<f32>(src + (<usize>r << 2)));
      }
    }
  }
}
