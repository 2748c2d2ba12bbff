// Naive float64 references for the image helpers, written from the documented
// definitions (MATLAB's conv2 and imresize help text, Keys 1981), not from src/.
// The oracle for tests: never optimise it.

/** MATLAB conv2(A, B, shape) of one column-major H×W plane, in float64, straight from the sum. */
export function conv2Ref(a: ArrayLike<number>, H: number, W: number, b: ArrayLike<number>, m: number, n: number,
  shape: 'full' | 'same' | 'valid'): { data: Float64Array; H: number; W: number } {
  const FH = H + m - 1, FW = W + n - 1;
  const full = new Float64Array(FH * FW);
  // full(i, j) = Σ_{p, q} b(p, q) a(i − p, j − q), zero outside a
  for (let j = 0; j < FW; j++) {
    for (let i = 0; i < FH; i++) {
      let s = 0;
      for (let q = 0; q < n; q++) {
        for (let p = 0; p < m; p++) {
          const ia = i - p, ja = j - q;
          if (ia >= 0 && ia < H && ja >= 0 && ja < W) s += b[p + m * q] * a[ia + H * ja];
        }
      }
      full[i + FH * j] = s;
    }
  }
  let r0 = 0, c0 = 0, Ho = FH, Wo = FW;
  if (shape === 'same') { r0 = Math.floor(m / 2); c0 = Math.floor(n / 2); Ho = H; Wo = W; }
  if (shape === 'valid') { r0 = m - 1; c0 = n - 1; Ho = Math.max(H - m + 1, 0); Wo = Math.max(W - n + 1, 0); }
  const out = new Float64Array(Ho * Wo);
  for (let j = 0; j < Wo; j++) for (let i = 0; i < Ho; i++) out[i + Ho * j] = full[i + r0 + FH * (j + c0)];
  return { data: out, H: Ho, W: Wo };
}

/** Keys' cubic convolution kernel with parameter a (MATLAB uses a = −0.5). */
export function keys(x: number, a = -0.5): number {
  const t = Math.abs(x);
  if (t <= 1) return (a + 2) * t ** 3 - (a + 3) * t ** 2 + 1;
  if (t < 2) return a * t ** 3 - 5 * a * t ** 2 + 8 * a * t - 4 * a;
  return 0;
}

export const REF_KERNELS: Record<string, { f: (x: number) => number; width: number }> = {
  bicubic: { f: keys, width: 4 },
  bilinear: { f: (x) => Math.max(0, 1 - Math.abs(x)), width: 2 },
  nearest: { f: (x) => (x >= -0.5 && x < 0.5 ? 1 : 0), width: 1 },
  lanczos3: { f: (x) => (x === 0 ? 1 : Math.abs(x) < 3 ? (3 * Math.sin(Math.PI * x) * Math.sin(Math.PI * x / 3)) / (Math.PI * Math.PI * x * x) : 0), width: 6 },
};

/**
 * Dense resampling matrix R (out × in, row-major) of one dimension, from
 * imresize's documented model: output pixel o (1-based) sits at
 * u = o/scale + (1 − 1/scale)/2 in input coordinates; input pixel j gets weight
 * k(u − j), with k stretched to s·k(s·x) when shrinking with antialiasing
 * (s = scale); pixels beyond the ends are the mirror images 1, 2, ... / n, n−1, ...
 * (symmetric padding); each row is divided by its sum.
 */
export function resampleMatrix(inLen: number, outLen: number, scale: number, kernel: string, antialias: boolean): Float64Array {
  const { f, width } = REF_KERNELS[kernel];
  const s = antialias && scale < 1 ? scale : 1;
  const R = new Float64Array(outLen * inLen);
  const mirror = (j: number): number => {   // 1-based j -> 0-based index in 0..inLen-1
    let k = ((j - 1) % (2 * inLen) + 2 * inLen) % (2 * inLen);
    if (k >= inLen) k = 2 * inLen - 1 - k;
    return k;
  };
  for (let o = 1; o <= outLen; o++) {
    const u = o / scale + (1 - 1 / scale) / 2;
    const reach = width / s / 2 + 2;
    let sum = 0;
    for (let j = Math.floor(u - reach); j <= Math.ceil(u + reach); j++) {
      const w = s * f(s * (u - j));
      R[(o - 1) * inLen + mirror(j)] += w;
      sum += w;
    }
    for (let j = 0; j < inLen; j++) R[(o - 1) * inLen + j] /= sum;
  }
  return R;
}

/** One output pixel (io, jo) of plane t: Σ_a Σ_b Rr(io, a) x(a, b) Rc(jo, b), float64. */
export function resizePixel(x: ArrayLike<number>, H: number, W: number, t: number,
  Rr: Float64Array, Rc: Float64Array, io: number, jo: number): number {
  let s = 0;
  for (let b = 0; b < W; b++) {
    const wc = Rc[jo * W + b];
    if (wc === 0) continue;
    for (let a = 0; a < H; a++) s += Rr[io * H + a] * x[a + H * b + H * W * t] * wc;
  }
  return s;
}
