import { conv_backward_data, conv_backward_data_scratch } from '../conv/backward_data';
import { conv_backward_filter, conv_backward_filter_scratch } from '../conv/backward_filter';

// Each case runs both kernels on distinct-valued inputs and compares every
// element with the scalar loops of SEMANTICS §1.5 written out below (f64 sums).
// Outputs start as NaN so an element the kernel forgets to write fails, and a
// guard element after each output catches writes past the end.

class Conv {
  H: i32 = 7; W: i32 = 6; C: i32 = 3; N: i32 = 1; FH: i32 = 3; FW: i32 = 2; FC: i32 = 3; K: i32 = 5;
  pt: i32 = 0; pb: i32 = 0; pl: i32 = 0; pr: i32 = 0; sy: i32 = 1; sx: i32 = 1; dy: i32 = 1; dx: i32 = 1;
  get Ho(): i32 { return (this.H + this.pt + this.pb - (this.FH - 1) * this.dy - 1) / this.sy + 1; }
  get Wo(): i32 { return (this.W + this.pl + this.pr - (this.FW - 1) * this.dx - 1) / this.sx + 1; }
}

function values(n: i32, seed: i32, ints: bool): Float32Array {
  const a = new Float32Array(n);
  // A permutation of n values spread over [-1, 1): distinct, both signs. With ints, values in
  // -2..2 instead, so sums of many terms stay exact in f32 whatever the order of addition.
  for (let i = 0; i < n; i++) {
    const r = (i * 7919 + seed * 104729) % n;
    a[i] = ints ? <f32>(r % 5 - 2) : <f32>r / <f32>n * 2 - 1;
  }
  return a;
}

/** Largest |kernel - loop| over dzdx and dzdw, scaled by the number of terms each sum has. */
function maxError(o: Conv, ints: bool = false): f64 {
  const H = o.H, W = o.W, C = o.C, N = o.N, FH = o.FH, FW = o.FW, FC = o.FC, K = o.K;
  const Ho = o.Ho, Wo = o.Wo, G = C / FC, Kg = K / G;
  const nx = H * W * C * N, nw = FH * FW * FC * K, np = Ho * Wo * K * N;
  const x = values(nx, 1, ints), w = values(nw, 2, ints), p = values(np, 3, ints);
  const dzdx = new Float32Array(nx + 1), dzdw = new Float32Array(nw + 1);
  dzdx.fill(NaN); dzdw.fill(NaN);
  dzdx[nx] = 123; dzdw[nw] = 321;
  const ns = max(conv_backward_data_scratch(H, W, C, N, FH, FW, FC, K, Ho, Wo, o.pt, o.pl, o.sy, o.sx, o.dy, o.dx),
    conv_backward_filter_scratch(H, W, C, N, FH, FW, FC, K, Ho, Wo, o.pt, o.pl, o.sy, o.sx, o.dy, o.dx));
  const scratch = new Float32Array(ns);
  conv_backward_data(w.dataStart, p.dataStart, dzdx.dataStart, scratch.dataStart,
    H, W, C, N, FH, FW, FC, K, Ho, Wo, o.pt, o.pl, o.sy, o.sx, o.dy, o.dx);
  conv_backward_filter(x.dataStart, p.dataStart, dzdw.dataStart, scratch.dataStart,
    H, W, C, N, FH, FW, FC, K, Ho, Wo, o.pt, o.pl, o.sy, o.sx, o.dy, o.dx);
  const rx = new Float64Array(nx), rw = new Float64Array(nw);
  for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) for (let j = 0; j < Wo; j++) for (let i = 0; i < Ho; i++) {
    const g = k / Kg;
    const pv = <f64>p[i + Ho * (j + Wo * (k + K * n))];
    for (let c = 0; c < FC; c++) for (let v = 0; v < FW; v++) for (let u = 0; u < FH; u++) {
      // a = i*sy + u*dy - pt, e = j*sx + v*dx - pl; contributions in the padding are dropped.
      const a = i * o.sy + u * o.dy - o.pt, e = j * o.sx + v * o.dx - o.pl;
      if (a < 0 || a >= H || e < 0 || e >= W) continue;
      const xi = a + H * (e + W * (g * FC + c + C * n)), wi = u + FH * (v + FW * (c + FC * k));
      rx[xi] += <f64>w[wi] * pv;
      rw[wi] += <f64>x[xi] * pv;
    }
  }
  let err: f64 = 0;
  for (let i = 0; i < nx; i++) err = max(err, abs(<f64>dzdx[i] - rx[i]) / sqrt(<f64>(K * FH * FW)));
  for (let i = 0; i < nw; i++) err = max(err, abs(<f64>dzdw[i] - rw[i]) / sqrt(<f64>(Ho * Wo * N)));
  if (isNaN(err) || dzdx[nx] != 123 || dzdw[nw] != 321) return Infinity;
  return err;
}

describe('conv_backward_data / conv_backward_filter', () => {
  it('match the scalar loops for H = 1..18 (row tails around the vector width and the 8- and 16-row blocks)', () => {
    for (let H = 1; H <= 18; H++) {
      const o = new Conv();
      o.H = H; o.FH = min(3, H);
      expect<f64>(maxError(o)).toBeLessThan(1e-6);
    }
  });

  it('match for every channel and filter count 1..9 (all channel and filter blocks and their remainders)', () => {
    for (let c = 1; c <= 9; c++) {
      const o = new Conv();
      o.C = c; o.FC = c; o.K = 10 - c; o.H = 9;
      expect<f64>(maxError(o)).toBeLessThan(1e-6);
    }
  });

  it('match with asymmetric padding, padding larger than the filter, stride and dilation', () => {
    const o = new Conv();
    o.pt = 1; o.pb = 2; o.pl = 3; o.pr = 0;
    expect<f64>(maxError(o)).toBeLessThan(1e-6);
    o.pt = 5; o.pb = 6; o.pl = 4; o.pr = 5;
    expect<f64>(maxError(o)).toBeLessThan(1e-6);
    const s = new Conv();
    s.H = 11; s.W = 9; s.sy = 2; s.sx = 3; s.pt = 2; s.pb = 1; s.pr = 3;
    expect<f64>(maxError(s)).toBeLessThan(1e-6);
    s.dy = 3; s.dx = 2;
    expect<f64>(maxError(s)).toBeLessThan(1e-6);
    const d = new Conv();
    d.H = 10; d.dy = 2; d.dx = 3; d.W = 8;
    expect<f64>(maxError(d)).toBeLessThan(1e-6);
    // Stride larger than the filter: some output phases receive no tap and must be 0.
    const z = new Conv();
    z.H = 13; z.W = 11; z.FH = 2; z.FW = 1; z.sy = 3; z.sx = 4; z.pt = 1; z.pl = 2; z.pr = 1;
    expect<f64>(maxError(z)).toBeLessThan(1e-6);
  });

  it('match for groups, depthwise, a batch, and 1x1 outputs', () => {
    const g = new Conv();
    g.C = 6; g.FC = 2; g.K = 9; g.N = 2;
    expect<f64>(maxError(g)).toBeLessThan(1e-6);
    const dw = new Conv();
    dw.C = 8; dw.FC = 1; dw.K = 16; dw.FH = 3; dw.FW = 3; dw.pt = 1; dw.pb = 1; dw.pl = 1; dw.pr = 1;
    expect<f64>(maxError(dw)).toBeLessThan(1e-6);
    const fc = new Conv();
    fc.H = 5; fc.W = 4; fc.FH = 5; fc.FW = 4; fc.C = 4; fc.FC = 4; fc.K = 7; fc.N = 3;
    expect<f64>(maxError(fc)).toBeLessThan(1e-6);
  });

  it('match on the fully-connected shape (filter = input, 1x1 output): row tails, batch blocks, groups', () => {
    // R = H*W*C patch rows around the 8- and 16-row blocks; N = 1..5 covers every batch block.
    const rows: i32[] = [1, 7, 8, 9, 16, 17, 33];
    for (let ri = 0; ri < rows.length; ri++) {
      for (let n = 1; n <= 5; n++) {
        const o = new Conv();
        o.H = 1; o.W = 1; o.FH = 1; o.FW = 1; o.C = rows[ri]; o.FC = rows[ri]; o.K = 3; o.N = n;
        expect<f64>(maxError(o)).toBeLessThan(1e-6);
      }
    }
    const f = new Conv();
    f.H = 3; f.W = 3; f.FH = 3; f.FW = 3; f.C = 6; f.FC = 2; f.K = 9; f.N = 4; f.pb = 1; f.pr = 2; f.sy = 2; f.sx = 3;
    expect<f64>(maxError(f)).toBeLessThan(1e-6);
  });

  it('match when a group\'s filters exceed the 1 MB packing chunk (packed 4 channels at a time)', () => {
    const o = new Conv();
    o.H = 1; o.W = 2; o.FH = 1; o.FW = 1; o.C = 8; o.FC = 8; o.K = 40000;
    expect<f64>(maxError(o, true)).toBe(0);
  });

  it('match on outputs taller than 16 rows (dzdw\'s tiled path rather than its short-output path)', () => {
    const o = new Conv();
    o.H = 41; o.W = 5; o.pt = 2; o.pb = 1; o.pl = 1; o.pr = 2;
    expect<f64>(maxError(o)).toBeLessThan(1e-6);
    o.sy = 2; o.sx = 2; o.dy = 2; o.C = 6; o.FC = 3; o.K = 4; o.N = 2;
    expect<f64>(maxError(o)).toBeLessThan(1e-6);
    o.sy = 1; o.dy = 3; o.FH = 4; o.C = 4; o.FC = 1; o.K = 8;
    expect<f64>(maxError(o)).toBeLessThan(1e-6);
  });

  it('match when the image is taller than one row block (H > 512)', () => {
    const o = new Conv();
    o.H = 530; o.W = 3; o.C = 2; o.FC = 2; o.K = 3; o.FH = 4; o.FW = 2; o.pt = 1; o.pb = 2;
    // dzdw sums 1060 products up to ~305 in size: 1e-6 here is ~1 ulp of it, which any other order
    // of summation may cross, so integer values, exact in every order, make the check exact instead.
    expect<f64>(maxError(o, true)).toBe(0);
  });
});
