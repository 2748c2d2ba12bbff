// Reference nnbnorm, straight from SEMANTICS §4.5 (MatConvNet's nnbnorm.cu formulas), in float64
// unless said otherwise. The oracle for tests: never optimise it.
// x is [H, W, C, N] column-major: element (i, j, c, n) at i + H*(j + W*(c + C*n)).

export type Shape = [number, number, number, number];

/** mu = mean(x), sigma = sqrt(max(0, mean(x^2) - mu^2) + epsilon) per channel, in float64. */
export function bnormMomentsRef(x: ArrayLike<number>, [H, W, C, N]: Shape, epsilon: number): { mu: Float64Array; sigma: Float64Array } {
  const mu = new Float64Array(C);
  const sigma = new Float64Array(C);
  const M = H * W * N;
  for (let c = 0; c < C; c++) {
    let s1 = 0;
    let s2 = 0;
    for (let n = 0; n < N; n++) {
      for (let q = 0; q < H * W; q++) {
        const v = x[q + H * W * (c + C * n)];
        s1 += v;
        s2 += v * v;
      }
    }
    mu[c] = s1 / M;
    sigma[c] = Math.sqrt(Math.max(0, s2 / M - mu[c] * mu[c]) + epsilon);
  }
  return { mu, sigma };
}

/** The [C, 2] moments as float32 ([mu, sigma] column-major). */
export function momentsTensorData(m: { mu: Float64Array; sigma: Float64Array }): Float32Array {
  const C = m.mu.length;
  const out = new Float32Array(2 * C);
  for (let c = 0; c < C; c++) { out[c] = m.mu[c]; out[C + c] = m.sigma[c]; }
  return out;
}

/** y = g (x - mu) / sigma + b, in float64 (mu, sigma per channel as given). */
export function bnormForwardRef(x: ArrayLike<number>, [H, W, C, N]: Shape, g: ArrayLike<number>, b: ArrayLike<number>,
  mu: ArrayLike<number>, sigma: ArrayLike<number>): Float64Array {
  const y = new Float64Array(x.length);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      for (let q = 0; q < H * W; q++) {
        const i = q + H * W * (c + C * n);
        y[i] = g[c] * (x[i] - mu[c]) / sigma[c] + b[c];
      }
    }
  }
  return y;
}

/**
 * y in MatConvNet's float32 order for float32 moments: a = g / sigma, y = a * (x - mu) + b,
 * every operation rounded to float32 (what the kernel computes from the same moments).
 */
export function bnormForwardF32Ref(x: Float32Array, [H, W, C, N]: Shape, g: Float32Array, b: Float32Array,
  moments: Float32Array): Float32Array {
  const f = Math.fround;
  const y = new Float32Array(x.length);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const a = f(g[c] / moments[C + c]);
      for (let q = 0; q < H * W; q++) {
        const i = q + H * W * (c + C * n);
        y[i] = f(f(a * f(x[i] - moments[c])) + b[c]);
      }
    }
  }
  return y;
}

/**
 * The backward formulas, in float64, for the given mu and sigma (the batch's or given ones):
 * dzdb = sum p, dzdg = sum(p (x - mu)) / sigma, dzdx = g/sigma (p - dzdb/M) - g dzdg / (M sigma^2) (x - mu).
 */
export function bnormBackwardRef(x: ArrayLike<number>, [H, W, C, N]: Shape, g: ArrayLike<number>, mu: ArrayLike<number>,
  sigma: ArrayLike<number>, p: ArrayLike<number>): { dzdx: Float64Array; dzdg: Float64Array; dzdb: Float64Array } {
  const M = H * W * N;
  const dzdx = new Float64Array(x.length);
  const dzdg = new Float64Array(C);
  const dzdb = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    let sp = 0;
    let spx = 0;
    for (let n = 0; n < N; n++) {
      for (let q = 0; q < H * W; q++) {
        const i = q + H * W * (c + C * n);
        sp += p[i];
        spx += p[i] * (x[i] - mu[c]);
      }
    }
    dzdb[c] = sp;
    dzdg[c] = spx / sigma[c];
    for (let n = 0; n < N; n++) {
      for (let q = 0; q < H * W; q++) {
        const i = q + H * W * (c + C * n);
        dzdx[i] = (g[c] / sigma[c]) * (p[i] - sp / M) - (g[c] * dzdg[c] / (M * sigma[c] * sigma[c])) * (x[i] - mu[c]);
      }
    }
  }
  return { dzdx, dzdg, dzdb };
}
