// Reference nnpool, straight from SEMANTICS §2: naive loops over every window.
// The oracle for tests: never optimise it.

export interface PoolRefParams {
  pool: [number, number];
  stride: [number, number];
  pad: [number, number, number, number];
  method: 'max' | 'avg';
}

/** Shape [H, W, C, N] of x and the output size of §2.2. */
export function poolOutSize(shape: number[], p: PoolRefParams): [number, number] {
  const [H, W] = shape;
  const [ph, pw] = p.pool;
  const [sy, sx] = p.stride;
  const [pt, pb, pl, pr] = p.pad;
  return [Math.floor((H + pt + pb - ph) / sy) + 1, Math.floor((W + pl + pr - pw) / sx) + 1];
}

/** Window of output (i, j), §2.3: rows [r0, r1), columns [c0, c1). */
function window(i: number, j: number, H: number, W: number, p: PoolRefParams): [number, number, number, number] {
  const r0 = Math.max(0, i * p.stride[0] - p.pad[0]);
  const r1 = Math.min(H, i * p.stride[0] - p.pad[0] + p.pool[0]);
  const c0 = Math.max(0, j * p.stride[1] - p.pad[2]);
  const c1 = Math.min(W, j * p.stride[1] - p.pad[2] + p.pool[1]);
  return [r0, r1, c0, c1];
}

/**
 * Visit every window in column-major output order: f(o, argmaxIndex or -1, value),
 * o the output's flat index. The max scan is MatConvNet's acc_max: start at
 * -Infinity, columns outer, rows inner, take x only when x > acc.
 */
function eachWindow(x: Float32Array, shape: number[], p: PoolRefParams,
  f: (o: number, arg: number, value: number, area: number, base: number, win: number[]) => void): void {
  const [H, W, C, N] = shape;
  const [Ho, Wo] = poolOutSize(shape, p);
  for (let c = 0; c < C * N; c++) {
    const base = c * H * W;
    for (let j = 0; j < Wo; j++) {
      for (let i = 0; i < Ho; i++) {
        const win = window(i, j, H, W, p);
        const [r0, r1, c0, c1] = win;
        let acc = -Infinity;
        let arg = -1;
        let sum = 0;
        for (let s = c0; s < c1; s++) {
          for (let r = r0; r < r1; r++) {
            const v = x[base + r + H * s];
            if (v > acc) { acc = v; arg = base + r + H * s; }
            sum += v;
          }
        }
        const area = (r1 - r0) * (c1 - c0);
        f(i + Ho * (j + Wo * c), arg, p.method === 'max' ? acc : sum / area, area, base, win);
      }
    }
  }
}

/** y of §2.4 (avg sums in float64, then rounds once). */
export function poolForwardRef(x: Float32Array, shape: number[], p: PoolRefParams): Float32Array {
  const [Ho, Wo] = poolOutSize(shape, p);
  const y = new Float32Array(Ho * Wo * shape[2] * shape[3]);
  eachWindow(x, shape, p, (o, _arg, value) => { y[o] = value; });
  return y;
}

/**
 * dzdx of §2.5. max accumulates in float32 in column-major output order (the
 * order the kernels use, so results are bit-exact); avg in float64.
 */
export function poolBackwardRef(x: Float32Array, shape: number[], dzdy: Float32Array, p: PoolRefParams): Float32Array {
  const [H] = shape;
  if (p.method === 'max') {
    const d = new Float32Array(x.length);
    eachWindow(x, shape, p, (o, arg) => { if (arg >= 0) d[arg] += dzdy[o]; });
    return d;
  }
  const d = new Float64Array(x.length);
  eachWindow(x, shape, p, (o, _arg, _v, area, base, [r0, r1, c0, c1]) => {
    for (let s = c0; s < c1; s++) for (let r = r0; r < r1; r++) d[base + r + H * s] += dzdy[o] / area;
  });
  return Float32Array.from(d);
}
