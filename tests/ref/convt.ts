// Reference nnconvt, straight from the definition (SEMANTICS §4.6) in scatter form: each
// input pixel x(i, j, d, n) times the filter w(:, :, k, d) is added into the upsampled
// output at (i*uy + u, j*ux + v, g*K + k) (g = d's group), the result cropped by
// [ct cb cl cr], plus the bias. The derivatives are those of this scatter: each
// contribution x * w to y(a, e, c, n) sends p(a, e, c, n) * w to dzdx and p * x to dzdw.
// Naive loops, float64 sums, one rounding at the end; never optimise it.

export interface ConvtRefDims {
  H: number; W: number; D: number; N: number;
  FH: number; FW: number; K: number; G: number;
  /** [uy, ux], [ct, cb, cl, cr] */
  upsample: number[]; crop: number[];
}

export function convtSizeRef(d: ConvtRefDims): { Ho: number; Wo: number; C: number } {
  return {
    Ho: d.upsample[0] * (d.H - 1) + d.FH - d.crop[0] - d.crop[1],
    Wo: d.upsample[1] * (d.W - 1) + d.FW - d.crop[2] - d.crop[3],
    C: d.K * d.G,
  };
}

/**
 * Visit every contribution: f(yIndex, xIndex, wIndex) for each (n, d, j, i, k, v, u) whose
 * target a = i*uy + u - ct, e = j*ux + v - cl lies in the cropped output.
 */
function scatter(d: ConvtRefDims, f: (yi: number, xi: number, wi: number) => void): void {
  const { Ho, Wo, C } = convtSizeRef(d);
  const { H, W, D, N, FH, FW, K, G } = d;
  const Dg = D / G;
  for (let n = 0; n < N; n++) for (let dd = 0; dd < D; dd++) for (let j = 0; j < W; j++) for (let i = 0; i < H; i++) {
    const g = Math.floor(dd / Dg);
    const xi = i + H * (j + W * (dd + D * n));
    for (let k = 0; k < K; k++) for (let v = 0; v < FW; v++) for (let u = 0; u < FH; u++) {
      const a = i * d.upsample[0] + u - d.crop[0];
      const e = j * d.upsample[1] + v - d.crop[2];
      if (a < 0 || a >= Ho || e < 0 || e >= Wo) continue;
      f(a + Ho * (e + Wo * (g * K + k + C * n)), xi, u + FH * (v + FW * (k + K * dd)));
    }
  }
}

/** y(a, e, g*K + k, n) = b[g*K + k] + sum of x(i, j, d, n) * w(u, v, k, d) over the contributions. */
export function convtForwardRef(x: Float32Array, w: Float32Array, b: Float32Array | null, d: ConvtRefDims): Float32Array {
  const { Ho, Wo, C } = convtSizeRef(d);
  const y = new Float64Array(Ho * Wo * C * d.N);
  if (b !== null) for (let q = 0; q < C * d.N; q++) y.fill(b[q % C], q * Ho * Wo, (q + 1) * Ho * Wo);
  scatter(d, (yi, xi, wi) => { y[yi] += x[xi] * w[wi]; });
  return Float32Array.from(y);
}

/** dzdx, dzdw (summed over the batch) and dzdb[c] = sum p(:, :, c, :). */
export function convtBackwardRef(x: Float32Array, w: Float32Array, p: Float32Array, d: ConvtRefDims):
  { dzdx: Float32Array; dzdw: Float32Array; dzdb: Float32Array } {
  const { Ho, Wo, C } = convtSizeRef(d);
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  const db = new Float64Array(C);
  scatter(d, (yi, xi, wi) => {
    dx[xi] += p[yi] * w[wi];
    dw[wi] += p[yi] * x[xi];
  });
  for (let q = 0; q < C * d.N; q++) for (let r = 0; r < Ho * Wo; r++) db[q % C] += p[r + Ho * Wo * q];
  return { dzdx: Float32Array.from(dx), dzdw: Float32Array.from(dw), dzdb: Float32Array.from(db) };
}
