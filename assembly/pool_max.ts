// nnpool max kernels (SEMANTICS §2.4 and §2.5).
//   y(i, j)  = max of x(r, s) over r in [i*sy - pt, i*sy - pt + ph) and s in [j*sx - pl, j*sx - pl + pw),
//              both clipped to the input (padding is left out, as if it were -Infinity)
//   dzdx(r*, s*) += dzdy(i, j), where (r*, s*) is the first maximum of window (i, j) in column-major
//              order (strict >), and only when y(i, j) > -Infinity (MatConvNet's acc_max)
// Per plane and output column j: the horizontal pass combines the window's
// columns into the middle of a padded line U (pt identity rows, H rows, pb
// identity rows); the vertical pass slides ph down U in place; row i of y is
// U[i*sy]. The argmax is the flat index r + H*s carried beside each value, so
// the backward pass finds it inside the call and needs no cache from the forward.
// REQUIRES: P = C*N planes of H x W (x, dzdx) and Ho x Wo (y, dzdy) from §2.2;
// 0 <= pt, pb < ph and 0 <= pl < pw as §2.2 checks; L >= H + pt + pb + ph rounded up
// to 4; scratch holds 2 * (pw + 5) * L floats; dzdx is zero on entry.

import { ld1, st1 } from './simd';
import { MAX, ARG, setTwin, lineFill, ldi1 } from './pool_lines';
import { hReset, hPass, slideMax, scratchLines } from './pool_pass';

/** y = max pooling of x. */
export function pool_max_forward(x: usize, y: usize, scratch: usize, H: i32, W: i32, P: i32,
  ph: i32, pw: i32, sy: i32, sx: i32, pt: i32, pb: i32, pl: i32, Ho: i32, Wo: i32, L: i32): void {
  const lb = <usize>L << 2;
  const S = scratch;
  const G = S + <usize>pw * lb;
  const U = G + lb;
  setTwin(<usize>scratchLines(pw) * lb);
  const len = H + pt + pb;
  const body = U + (<usize>pt << 2);
  for (let c = 0; c < P; c++) {
    const xp = x + ((<usize>c * <usize>H * <usize>W) << 2);
    const yp = y + ((<usize>c * <usize>Ho * <usize>Wo) << 2);
    hReset();
    for (let j = 0; j < Wo; j++) {
      hPass(MAX, xp, H, W, j * sx, pw, pl, sx, body, S, G, L);
      lineFill(MAX, U, pt);
      lineFill(MAX, body + (<usize>H << 2), pb);
      slideMax(MAX, U, len, ph);
      const yj = yp + ((<usize>j * <usize>Ho) << 2);
      if (sy == 1) memory.copy(yj, U, <usize>Ho << 2);
      else for (let i = 0; i < Ho; i++) st1(yj, i, ld1(U, i * sy));
    }
  }
}

/** dzdx += dzdy sent to the argmax of each window (dzdx zero on entry). */
export function pool_max_backward(x: usize, dzdy: usize, dzdx: usize, scratch: usize, H: i32, W: i32, P: i32,
  ph: i32, pw: i32, sy: i32, sx: i32, pt: i32, pb: i32, pl: i32, Ho: i32, Wo: i32, L: i32): void {
  const lb = <usize>L << 2;
  const S = scratch;
  const G = S + <usize>pw * lb;
  const U = G + lb;
  setTwin(<usize>scratchLines(pw) * lb);
  const len = H + pt + pb;
  const body = U + (<usize>pt << 2);
  for (let c = 0; c < P; c++) {
    const off = (<usize>c * <usize>H * <usize>W) << 2;
    const xp = x + off;
    const dp = dzdx + off;
    const pp = dzdy + ((<usize>c * <usize>Ho * <usize>Wo) << 2);
    hReset();
    for (let j = 0; j < Wo; j++) {
      hPass(ARG, xp, H, W, j * sx, pw, pl, sx, body, S, G, L);
      lineFill(ARG, U, pt);
      lineFill(ARG, body + (<usize>H << 2), pb);
      slideMax(ARG, U, len, ph);
      // dzdx[k] += dzdy(i, j) with k = r* + H*s*, the flat index of the first maximum.
      const pj = pp + ((<usize>j * <usize>Ho) << 2);
      for (let i = 0; i < Ho; i++) {
        const r = i * sy;
        if (ld1(U, r) > -Infinity) {
          const k = ldi1(U, r);
          st1(dp, k, ld1(dp, k) + ld1(pj, i));
        }
      }
    }
  }
}
