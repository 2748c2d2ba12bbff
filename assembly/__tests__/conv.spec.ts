import { gemm8x4, gemm8xN } from '../conv/gemm';
import { rowPanel } from '../conv/batch_mk';
import { conv_forward, conv_forward_scratch, conv_backward_bias } from '../conv/conv';

// Small distinct integers (exact in f32 in any order), of both signs.
function ints(n: i32, seed: i32): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = <f32>(((i * 7 + seed * 13) % 23) - 11);
  return a;
}

function packedOffsets(R: i32): Uint32Array {
  const o = new Uint32Array(R);
  for (let r = 0; r < R; r++) o[r] = <u32>r << 5;
  return o;
}

const SENTINEL: f32 = 12345;

/** One micro-kernel on a packed block: every stored element right, nothing past `valid` touched. */
function checkGemm(nr: i32, R: i32, valid: i32, withBias: bool): void {
  const a = ints(8 * R, nr + R);
  const b = ints(nr * R, valid);
  const bias = ints(nr, 3);
  const P = 11; // filter planes 11 floats apart, so writes past `valid` would land in checked slots
  const y = new Float32Array(P * nr);
  y.fill(SENTINEL);
  const offs = packedOffsets(R);
  const bp: usize = withBias ? bias.dataStart : 0;
  if (nr == 4) gemm8x4(a.dataStart, offs.dataStart, b.dataStart, R, bp, y.dataStart, P * 4, valid);
  else gemm8xN(a.dataStart, offs.dataStart, b.dataStart, R, nr, bp, y.dataStart, P * 4, valid);
  for (let kk = 0; kk < nr; kk++) {
    for (let m = 0; m < P; m++) {
      if (m >= valid) { expect<f32>(y[kk * P + m]).toBe(SENTINEL); continue; }
      let s: f32 = withBias ? bias[kk] : 0;
      for (let r = 0; r < R; r++) s += a[r * 8 + m] * b[r * nr + kk];
      expect<f32>(y[kk * P + m]).toBe(s);
    }
  }
}

describe('gemm micro-kernels', () => {
  it('compute every tile width and every partial block exactly, writing only valid pixels', () => {
    for (let nr = 1; nr <= 4; nr++) {
      for (let valid = 1; valid <= 8; valid++) {
        checkGemm(nr, 1, valid, false);
        checkGemm(nr, 7, valid, true);
      }
    }
  });
});

/**
 * rowPanel (conv/batch_mk.ts) over nc columns: C(m, j) (+)= sum_s A_s[m] B(s, j) with A_s 8 floats
 * `as` bytes apart and B(s, j) at 4*(s*bs + j*bj) floats, C columns cs floats apart; exact integers.
 */
function checkPanel(nc: i32, S: i32, as: i32, bs: i32, bj: i32, add: bool): void {
  const a = ints(as * S + 8, nc + S);
  const b = ints(bs * S + bj * nc + 1, S);
  const cs = 11; // columns 11 floats apart: writes past row 7 would land in checked slots
  const c = ints(cs * nc, 5);
  const c0 = ints(cs * nc, 5);
  rowPanel(a.dataStart, <usize>as << 2, b.dataStart, <usize>bs << 2, <usize>bj << 2, S, nc, c.dataStart, <usize>cs << 2, add);
  for (let j = 0; j < nc; j++) {
    for (let m = 0; m < cs; m++) {
      if (m >= 8) { expect<f32>(c[j * cs + m]).toBe(c0[j * cs + m]); continue; }
      let t: f32 = 0;
      for (let s = 0; s < S; s++) t += a[s * as + m] * b[s * bs + j * bj];
      expect<f32>(c[j * cs + m]).toBe(add ? c0[j * cs + m] + t : t);
    }
  }
}

describe('batch micro-kernels', () => {
  it('compute 4-column tiles and 1..3 left over exactly, overwriting or adding, for any strides', () => {
    for (let nc = 1; nc <= 9; nc++) {
      checkPanel(nc, 1, 8, 1, 1, false);
      checkPanel(nc, 7, 8, nc, 1, true);
      checkPanel(nc, 6, 13, 1, 9, false);
      checkPanel(nc, 5, 8, 2, 11, true);
    }
  });
});

/** Scalar §1.4 for one output element. */
function refY(x: Float32Array, w: Float32Array, H: i32, W: i32, C: i32, FH: i32, FW: i32, FC: i32, K: i32,
  pt: i32, pl: i32, sy: i32, sx: i32, dy: i32, dx: i32, i: i32, j: i32, k: i32, n: i32): f32 {
  const g = k / (K / (C / FC));
  let s: f32 = 0;
  for (let c = 0; c < FC; c++) for (let v = 0; v < FW; v++) for (let u = 0; u < FH; u++) {
    const a = i * sy + u * dy - pt;
    const e = j * sx + v * dx - pl;
    if (a < 0 || a >= H || e < 0 || e >= W) continue;
    s += w[u + FH * (v + FW * (c + FC * k))] * x[a + H * (e + W * (g * FC + c + C * n))];
  }
  return s;
}

function checkForward(H: i32, W: i32, C: i32, N: i32, FH: i32, FW: i32, FC: i32, K: i32,
  pt: i32, pb: i32, pl: i32, pr: i32, sy: i32, sx: i32, dy: i32, dx: i32): void {
  const Ho = (H + pt + pb - ((FH - 1) * dy + 1)) / sy + 1;
  const Wo = (W + pl + pr - ((FW - 1) * dx + 1)) / sx + 1;
  const x = ints(H * W * C * N, 1);
  const w = ints(FH * FW * FC * K, 2);
  const ny = Ho * Wo * K * N;
  const y = new Float32Array(ny + 1);
  y[ny] = SENTINEL;
  const s = new Float32Array(conv_forward_scratch(H, W, C, N, FH, FW, FC, K, Ho, Wo, pt, pl, sy, sx, dy, dx));
  conv_forward(x.dataStart, w.dataStart, 0, y.dataStart, s.dataStart, H, W, C, N, FH, FW, FC, K, Ho, Wo, pt, pl, sy, sx, dy, dx);
  for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) for (let j = 0; j < Wo; j++) for (let i = 0; i < Ho; i++) {
    expect<f32>(y[i + Ho * (j + Wo * (k + K * n))]).toBe(refY(x, w, H, W, C, FH, FW, FC, K, pt, pl, sy, sx, dy, dx, i, j, k, n));
  }
  expect<f32>(y[ny]).toBe(SENTINEL);
}

describe('conv_forward', () => {
  it('takes the in-place path for interior 8-row blocks and packs the rest', () => {
    checkForward(19, 4, 2, 1, 3, 2, 2, 7, 0, 0, 0, 0, 1, 1, 1, 1);
    checkForward(21, 3, 3, 2, 3, 2, 3, 9, 1, 2, 1, 0, 1, 1, 2, 1);
    checkForward(16, 5, 4, 1, 2, 2, 2, 6, 0, 0, 0, 0, 1, 2, 1, 1); // two groups, stride in x only
  });
  it('takes Winograd column pairs for 8+ filters per group and 16+ rows at stride 1, every FW split into F(2,3) and F(2,2)', () => {
    for (let FW = 2; FW <= 7; FW++) checkForward(19, FW + 4, 2, 1, 2, FW, 2, 8 + FW, 1, 0, FW - 1, 1, 1, 1, 1, 1);
    checkForward(21, 9, 4, 2, 3, 3, 2, 16, 1, 1, 1, 1, 1, 1, 2, 1); // groups, N = 2, dilation along H
    checkForward(18, 5, 4, 1, 3, 3, 2, 20, 0, 0, 0, 0, 1, 1, 1, 1); // two groups of 10 filters: the 2-filter tile at k0 > 0
    checkForward(30, 4, 2, 1, 3, 3, 2, 10, 0, 0, 0, 0, 1, 1, 1, 1); // 28 rows: a 16-row block of the 2-filter tile, then one of 12
    checkForward(75, 3, 1, 2, 2, 2, 1, 10, 0, 0, 0, 0, 1, 1, 1, 1); // 74 rows: 16-row blocks to a band's end, a band of 10
    checkForward(20, 9, 4, 1, 3, 3, 2, 32, 1, 1, 0, 0, 1, 2, 1, 2); // stride along W: direct blocks
  });
  it('handles strides, dilations and depthwise filters through packing', () => {
    checkForward(13, 6, 3, 1, 2, 3, 1, 3, 1, 1, 2, 2, 2, 1, 2, 2);
    checkForward(9, 9, 2, 2, 3, 3, 2, 5, 3, 3, 3, 3, 3, 2, 1, 1);
  });
});

describe('conv_backward_bias', () => {
  it('sums every plane over pixels and images, for lengths around the vector width', () => {
    for (let P = 1; P < 20; P++) {
      const K = 3, N = 2;
      const p = ints(P * K * N, P);
      const d = new Float32Array(K + 1);
      d[K] = SENTINEL;
      conv_backward_bias(p.dataStart, d.dataStart, P, K, N);
      for (let k = 0; k < K; k++) {
        let s: f32 = 0;
        for (let n = 0; n < N; n++) for (let i = 0; i < P; i++) s += p[i + P * (k + K * n)];
        expect<f32>(d[k]).toBe(s);
      }
      expect<f32>(d[K]).toBe(SENTINEL);
    }
  });
});
