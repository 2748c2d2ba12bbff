// imresize's interpolation kernels and their widths (imresize.m's getMethodInfo),
// and the table of weights and indices each output pixel uses (its contributions).

/** imresize's method names: the general methods and the kernel names MATLAB accepts. */
export type ResizeMethod = 'bicubic' | 'bilinear' | 'nearest' | 'cubic' | 'triangle' | 'box' | 'lanczos2' | 'lanczos3';

/** A kernel f, zero outside −width/2 <= x < width/2. */
export interface ResizeKernel {
  readonly f: (x: number) => number;
  readonly width: number;
}

/**
 * Keys' cubic convolution kernel with a = −0.5 (imresize.m's `cubic`):
 * ```
 * f = (1.5*absx3 - 2.5*absx2 + 1) .* (absx <= 1) + ...
 *     (-0.5*absx3 + 2.5*absx2 - 4*absx + 2) .* ((1 < absx) & (absx <= 2));
 * ```
 */
export function cubic(x: number): number {
  const a = Math.abs(x), a2 = a * a, a3 = a2 * a;
  if (a <= 1) return 1.5 * a3 - 2.5 * a2 + 1;
  if (a <= 2) return -0.5 * a3 + 2.5 * a2 - 4 * a + 2;
  return 0;
}

/** `f = (x+1) .* ((-1 <= x) & (x < 0)) + (1-x) .* ((0 <= x) & (x <= 1))`. */
export function triangle(x: number): number {
  if (-1 <= x && x < 0) return x + 1;
  if (0 <= x && x <= 1) return 1 - x;
  return 0;
}

/** `f = (-0.5 <= x) & (x < 0.5)`. */
export function box(x: number): number {
  return -0.5 <= x && x < 0.5 ? 1 : 0;
}

const EPS = 2 ** -52;

/** `f = (sin(pi*x) .* sin(pi*x/2) + eps) ./ ((pi^2 * x.^2 / 2) + eps); f = f .* (abs(x) < 2)`. */
export function lanczos2(x: number): number {
  if (!(Math.abs(x) < 2)) return 0;
  return (Math.sin(Math.PI * x) * Math.sin(Math.PI * x / 2) + EPS) / ((Math.PI * Math.PI) * (x * x) / 2 + EPS);
}

/** `f = (sin(pi*x) .* sin(pi*x/3) + eps) ./ ((pi^2 * x.^2 / 3) + eps); f = f .* (abs(x) < 3)`. */
export function lanczos3(x: number): number {
  if (!(Math.abs(x) < 3)) return 0;
  return (Math.sin(Math.PI * x) * Math.sin(Math.PI * x / 3) + EPS) / ((Math.PI * Math.PI) * (x * x) / 3 + EPS);
}

/** Each method's kernel and width: 'nearest' is the box, 'bilinear' the triangle, 'bicubic' the cubic. */
export const KERNELS: Readonly<Record<ResizeMethod, ResizeKernel>> = Object.freeze({
  bicubic: { f: cubic, width: 4 },
  bilinear: { f: triangle, width: 2 },
  nearest: { f: box, width: 1 },
  cubic: { f: cubic, width: 4 },
  triangle: { f: triangle, width: 2 },
  box: { f: box, width: 1 },
  lanczos2: { f: lanczos2, width: 4 },
  lanczos3: { f: lanczos3, width: 6 },
});

/** Weights and 0-based input indices of each output pixel of one dimension: P per output. */
export interface Contributions {
  readonly out: number;
  readonly P: number;
  readonly weights: Float64Array;
  readonly indices: Int32Array;
}

/** imresize.m's `contributions(in_length, out_length, scale, kernel, kernel_width, antialiasing)`. */
export function contributions(inLength: number, outLength: number, scale: number,
  kernel: (x: number) => number, kernelWidth: number, antialiasing: boolean): Contributions {
  let h = kernel, width = kernelWidth;
  if (scale < 1 && antialiasing) {
    h = (t: number) => scale * kernel(scale * t);
    width = kernelWidth / scale;
  }
  const P = Math.ceil(width) + 2;
  const w = new Float64Array(outLength * P);
  const idx = new Int32Array(outLength * P);
  for (let o = 0; o < outLength; o++) {
    const u = (o + 1) / scale + 0.5 * (1 - 1 / scale);
    const left = Math.floor(u - width / 2);
    let sum = 0;
    for (let p = 0; p < P; p++) { w[o * P + p] = h(u - (left + p)); sum += w[o * P + p]; }
    for (let p = 0; p < P; p++) {
      w[o * P + p] /= sum;
      const m = ((left + p - 1) % (2 * inLength) + 2 * inLength) % (2 * inLength);   // mod(indices-1, 2*in)
      idx[o * P + p] = m < inLength ? m : 2 * inLength - 1 - m;
    }
  }
  // kill = find(~any(weights, 1)): drop the tap positions that are 0 for every output
  const keep: number[] = [];
  for (let p = 0; p < P; p++) {
    let any = false;
    for (let o = 0; o < outLength && !any; o++) any = w[o * P + p] !== 0;
    if (any) keep.push(p);
  }
  const Pk = keep.length;
  const wk = new Float64Array(outLength * Pk), ik = new Int32Array(outLength * Pk);
  for (let o = 0; o < outLength; o++) {
    for (let q = 0; q < Pk; q++) { wk[o * Pk + q] = w[o * P + keep[q]]; ik[o * Pk + q] = idx[o * P + keep[q]]; }
  }
  return Object.freeze({ out: outLength, P: Pk, weights: wk, indices: ik });
}
