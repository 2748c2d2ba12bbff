// nnconv with empty filters (SEMANTICS §1.6): MatConvNet's identity bank
// [1, 1, C, C], i.e. padding and subsampling with an optional bias.
//   forward:  y(i, j, c, n)    = xpad(i*sy - pt, j*sx - pl, c, n) + b[c]
//   backward: dzdx(a, e, c, n) = dzdy(i, j, c, n) when a = i*sy - pt and e = j*sx - pl, else 0
// It is indexing with at most one addition per element, so it runs here on the
// tensors' own arrays: a WebAssembly kernel would spend its time copying x in and y out.
// REQUIRES (checked by planConv): sizes as in SEMANTICS §1.3 with FH = FW = 1, Ho, Wo >= 1,
// pads >= 0, strides >= 1; b is null or holds C floats.

/** The planes' geometry, in planConv's terms. */
export interface IdentityDims {
  H: number; W: number; C: number; N: number; Ho: number; Wo: number;
  pt: number; pl: number; sy: number; sx: number;
}

/** Output indices [lo, hi) whose source o*s - pad lies inside [0, n). */
function inBounds(n: number, pad: number, s: number, out: number): [number, number] {
  const lo = Math.min(out, Math.ceil(pad / s));
  return [lo, Math.max(lo, Math.min(out, Math.floor((n - 1 + pad) / s) + 1))];
}

/** y = the padded, subsampled x plus the bias (positions in the padding hold the bias alone). */
export function identityForward(x: Float32Array, b: Float32Array | null, d: IdentityDims): Float32Array {
  const { H, W, C, N, Ho, Wo, pt, pl, sy, sx } = d;
  const y = new Float32Array(Ho * Wo * C * N);
  const [iLo, iHi] = inBounds(H, pt, sy, Ho);
  const [jLo, jHi] = inBounds(W, pl, sx, Wo);
  for (let q = 0; q < C * N; q++) {
    const plane = y.subarray(Ho * Wo * q, Ho * Wo * (q + 1));
    if (b !== null) plane.fill(b[q % C]);
    for (let j = jLo; j < jHi; j++) {
      // y(i, j) = x(i*sy - pt, j*sx - pl) for i in [iLo, iHi): one contiguous run when sy = 1.
      const src = H * (j * sx - pl + W * q) - pt;
      const dst = Ho * j;
      if (b === null && sy === 1) {
        plane.set(x.subarray(src + iLo, src + iHi), dst + iLo);
        continue;
      }
      const bc = b === null ? 0 : b[q % C];
      for (let i = iLo; i < iHi; i++) plane[dst + i] = b === null ? x[src + i * sy] : x[src + i * sy] + bc;
    }
  }
  return y;
}

/** dzdx: each dzdy element back at its source position; positions nothing maps to are 0. */
export function identityBackward(p: Float32Array, d: IdentityDims): Float32Array {
  const { H, W, C, N, Ho, Wo, pt, pl, sy, sx } = d;
  const dzdx = new Float32Array(H * W * C * N);
  const [iLo, iHi] = inBounds(H, pt, sy, Ho);
  const [jLo, jHi] = inBounds(W, pl, sx, Wo);
  for (let q = 0; q < C * N; q++) {
    for (let j = jLo; j < jHi; j++) {
      // dzdx(i*sy - pt, j*sx - pl) = dzdy(i, j) for i in [iLo, iHi).
      const dst = H * (j * sx - pl + W * q) - pt;
      const src = Ho * (j + Wo * q);
      if (sy === 1) {
        dzdx.set(p.subarray(src + iLo, src + iHi), dst + iLo);
        continue;
      }
      for (let i = iLo; i < iHi; i++) dzdx[dst + i * sy] = p[src + i];
    }
  }
  return dzdx;
}
