// Reference nnconv, straight from SEMANTICS §1.3-1.6: naive loops over the
// formulas, sums in float64, one rounding to float32 at the end. The oracle
// for tests: never optimise it.

export interface RefDims {
  H: number; W: number; C: number; N: number;
  FH: number; FW: number; FC: number; K: number;
  /** [top, bottom, left, right], [sy, sx], [dy, dx] */
  pad: number[]; stride: number[]; dilate: number[];
}

export interface RefOut { Ho: number; Wo: number }

/** §1.3: Ho = floor((H + pt + pb - extY) / sy) + 1, and likewise Wo. */
export function convSizeRef(d: RefDims): RefOut {
  const extY = (d.FH - 1) * d.dilate[0] + 1;
  const extX = (d.FW - 1) * d.dilate[1] + 1;
  return {
    Ho: Math.floor((d.H + d.pad[0] + d.pad[1] - extY) / d.stride[0]) + 1,
    Wo: Math.floor((d.W + d.pad[2] + d.pad[3] - extX) / d.stride[1]) + 1,
  };
}

/** xpad(i, j, c, n): x inside the image, 0 in the padding. */
function xpad(x: Float32Array, d: RefDims, i: number, j: number, c: number, n: number): number {
  if (i < 0 || i >= d.H || j < 0 || j >= d.W) return 0;
  return x[i + d.H * (j + d.W * (c + d.C * n))];
}

/**
 * §1.4: y(i, j, k, n) = b[k] + sum_{u, v, c'} w(u, v, c', k) *
 *   xpad(i*sy + u*dy - pt, j*sx + v*dx - pl, g(k)*FC + c', n),  g(k) = floor(k / (K/G)).
 */
export function convForwardRef(x: Float32Array, w: Float32Array, b: Float32Array | null, d: RefDims): Float32Array {
  const { Ho, Wo } = convSizeRef(d);
  const { FH, FW, FC, K, N } = d;
  const Kg = K / (d.C / FC);
  const y = new Float32Array(Ho * Wo * K * N);
  for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) for (let j = 0; j < Wo; j++) for (let i = 0; i < Ho; i++) {
    let s = b === null ? 0 : b[k];
    const g = Math.floor(k / Kg);
    for (let c = 0; c < FC; c++) for (let v = 0; v < FW; v++) for (let u = 0; u < FH; u++) {
      s += w[u + FH * (v + FW * (c + FC * k))] *
        xpad(x, d, i * d.stride[0] + u * d.dilate[0] - d.pad[0], j * d.stride[1] + v * d.dilate[1] - d.pad[2], g * FC + c, n);
    }
    y[i + Ho * (j + Wo * (k + K * n))] = s;
  }
  return y;
}

/**
 * §1.5: dzdb[k] = sum_{i,j,n} p;  dzdw(u,v,c',k) = sum_{n,i,j} p(i,j,k,n) * xpad(...);
 * dzdx is the scatter-add of w(u,v,c',k) * p(i,j,k,n) onto the same positions, padding discarded.
 */
export function convBackwardRef(x: Float32Array, w: Float32Array, p: Float32Array, d: RefDims):
  { dzdx: Float32Array; dzdw: Float32Array; dzdb: Float32Array } {
  const { Ho, Wo } = convSizeRef(d);
  const { H, W, C, N, FH, FW, FC, K } = d;
  const Kg = K / (C / FC);
  const dx = new Float64Array(H * W * C * N);
  const dw = new Float64Array(FH * FW * FC * K);
  const db = new Float64Array(K);
  for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) for (let j = 0; j < Wo; j++) for (let i = 0; i < Ho; i++) {
    const pv = p[i + Ho * (j + Wo * (k + K * n))];
    db[k] += pv;
    const g = Math.floor(k / Kg);
    for (let c = 0; c < FC; c++) for (let v = 0; v < FW; v++) for (let u = 0; u < FH; u++) {
      const a = i * d.stride[0] + u * d.dilate[0] - d.pad[0];
      const e = j * d.stride[1] + v * d.dilate[1] - d.pad[2];
      const wi = u + FH * (v + FW * (c + FC * k));
      dw[wi] += pv * xpad(x, d, a, e, g * FC + c, n);
      if (a >= 0 && a < H && e >= 0 && e < W) dx[a + H * (e + W * (g * FC + c + C * n))] += w[wi] * pv;
    }
  }
  return { dzdx: Float32Array.from(dx), dzdw: Float32Array.from(dw), dzdb: Float32Array.from(db) };
}

/** §1.6 forward: y(i, j, c, n) = xpad(i*sy - pt, j*sx - pl, c, n) + b[c] (w empty, K = C). */
export function identityForwardRef(x: Float32Array, b: Float32Array | null, d: RefDims): Float32Array {
  const one = { ...d, FH: 1, FW: 1, FC: d.C, K: d.C, dilate: [1, 1] };
  const { Ho, Wo } = convSizeRef(one);
  const y = new Float32Array(Ho * Wo * d.C * d.N);
  for (let n = 0; n < d.N; n++) for (let c = 0; c < d.C; c++) for (let j = 0; j < Wo; j++) for (let i = 0; i < Ho; i++) {
    y[i + Ho * (j + Wo * (c + d.C * n))] =
      xpad(x, d, i * d.stride[0] - d.pad[0], j * d.stride[1] - d.pad[2], c, n) + (b === null ? 0 : b[c]);
  }
  return y;
}

/** §1.6 backward: dzdx(a, e) = p(i, j) where a = i*sy - pt, e = j*sx - pl, else 0; dzdb[c] = sum p. */
export function identityBackwardRef(p: Float32Array, d: RefDims): { dzdx: Float32Array; dzdb: Float32Array } {
  const one = { ...d, FH: 1, FW: 1, FC: d.C, K: d.C, dilate: [1, 1] };
  const { Ho, Wo } = convSizeRef(one);
  const { H, W, C, N } = d;
  const dx = new Float32Array(H * W * C * N);
  const db = new Float64Array(C);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let j = 0; j < Wo; j++) for (let i = 0; i < Ho; i++) {
    const pv = p[i + Ho * (j + Wo * (c + C * n))];
    db[c] += pv;
    const a = i * d.stride[0] - d.pad[0];
    const e = j * d.stride[1] - d.pad[2];
    if (a >= 0 && a < H && e >= 0 && e < W) dx[a + H * (e + W * (c + C * n))] = pv;
  }
  return { dzdx: dx, dzdb: Float32Array.from(db) };
}
