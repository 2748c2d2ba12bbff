// Tensor: a Float32Array with a 4-D column-major shape [H, W, C, N], exactly
// MatConvNet's layout: element (i, j, k, n) is data[i + H*(j + W*(k + C*n))].

import { normalRandom } from './random.js';
import { checkOptions, tagOf, matlabSize } from './options.js';

export type Shape4 = [number, number, number, number];

export class Tensor {
  /** The elements, column-major (first index fastest). */
  readonly data: Float32Array;
  /** Always 4 long: [H, W, C, N]; missing trailing dimensions are 1. */
  readonly shape: Shape4;

  /**
   * Wrap `data` (not copied) with `shape`, 1 to 4 non-negative integers.
   * Throws when `data.length` differs from the product of `shape`.
   */
  constructor(data: Float32Array, shape: readonly number[]) {
    if (Object.prototype.toString.call(data) !== '[object Float32Array]') {
      throw new Error(`Tensor: data must be a Float32Array, got ${tagOf(data)}`);
    }
    this.shape = toShape4('Tensor', shape);
    const numel = this.shape[0] * this.shape[1] * this.shape[2] * this.shape[3];
    if (data.length !== numel) {
      throw new Error(`Tensor: data has ${data.length} elements but shape [${shape.join(', ')}] needs ${numel}`);
    }
    this.data = data;
  }

  /** MATLAB's size(): trailing singleton dimensions dropped, never fewer than 2. */
  size(): number[] {
    return matlabSize(this.shape);
  }

  /** Number of elements. */
  get numel(): number {
    return this.data.length;
  }

  /** Element (i, j, k, n), 0-based. */
  at(i: number, j = 0, k = 0, n = 0): number {
    const [H, W, C] = this.shape;
    return this.data[i + H * (j + W * (k + C * n))];
  }

  /**
   * Build an [H, W, C] tensor from row-major interleaved pixels (the order of
   * image files and canvases: data[(i*W + j)*C + k]). Values are converted to
   * float32 as they are; see im2single for scaling.
   */
  static fromHWC(data: ArrayLike<number>, height: number, width: number, channels = 1): Tensor {
    if (typeof data !== 'object' || data === null || typeof data.length !== 'number') {
      throw new Error(`Tensor.fromHWC: data must be an array or typed array of numbers, got ${tagOf(data)}`);
    }
    const [H, W, C] = toShape4('Tensor.fromHWC', [height, width, channels]);
    if (data.length !== H * W * C) {
      throw new Error(`Tensor.fromHWC: data has ${data.length} elements but ${H}x${W}x${C} needs ${H * W * C}`);
    }
    const out = new Float32Array(H * W * C);
    // out(i, j, k) = data[(i*W + j)*C + k]
    for (let k = 0; k < C; k++) {
      for (let j = 0; j < W; j++) {
        const o = H * (j + W * k);
        for (let i = 0; i < H; i++) out[o + i] = data[(i * W + j) * C + k];
      }
    }
    return new Tensor(out, [H, W, C]);
  }

  /** Row-major interleaved copy of image `n` (data[(i*W + j)*C + k]), the inverse of fromHWC. */
  toHWC(n = 0): Float32Array {
    const [H, W, C, N] = this.shape;
    if (!Number.isInteger(n) || n < 0 || n >= N) throw new Error(`Tensor.toHWC: image ${n} is outside 0..${N - 1}`);
    const out = new Float32Array(H * W * C);
    for (let k = 0; k < C; k++) {
      for (let j = 0; j < W; j++) {
        const o = H * (j + W * (k + C * n));
        for (let i = 0; i < H; i++) out[(i * W + j) * C + k] = this.data[o + i];
      }
    }
    return out;
  }
}

/** Options of randn. */
export interface RandnOptions {
  /** Seed of a fresh generator; without it the numbers continue the package's shared stream. */
  seed?: number;
}

/**
 * Standard normal samples (mean 0, variance 1) as float32, column-major.
 * With `{ seed }` the result depends only on the seed and the shape, in every
 * runtime: the generator (xoshiro128**, Marsaglia's polar method) uses only
 * integer and correctly rounded float64 arithmetic, no Math.log.
 */
export function randn(shape: readonly number[], opts: RandnOptions = {}): Tensor {
  checkOptions('randn', opts, ['seed']);
  const s = toShape4('randn', shape);
  const out = floatsFor('randn', s);
  normalRandom(out, opts.seed);
  return new Tensor(out, s);
}

/** A tensor of zeros. */
export function zeros(shape: readonly number[]): Tensor {
  const s = toShape4('zeros', shape);
  return new Tensor(floatsFor('zeros', s), s);
}

/** A Float32Array for shape s, or an Error naming the shape when the runtime cannot make one that long. */
function floatsFor(who: string, s: Shape4): Float32Array {
  const n = s[0] * s[1] * s[2] * s[3];
  try {
    return new Float32Array(n);
  } catch (e) {
    throw new Error(`${who}: shape [${s.join(', ')}] has ${n} elements, more than this runtime can allocate as a Float32Array`, { cause: e });
  }
}

/** Check a shape (1..4 non-negative integers) and pad it to 4 with ones. */
export function toShape4(who: string, shape: readonly number[]): Shape4 {
  if (!Array.isArray(shape) || shape.length < 1 || shape.length > 4) {
    throw new Error(`${who}: shape must be an array of 1 to 4 sizes [H, W, C, N], got ${JSON.stringify(shape)}`);
  }
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new Error(`${who}: shape [${shape.join(', ')}] must hold non-negative integers`);
    }
  }
  const s = [...shape, 1, 1, 1].slice(0, 4) as Shape4;
  return s;
}

/**
 * True for a Tensor of this or another copy of the package (a bundle and its
 * sources in one page are two classes), so blocks test the shape, not the class.
 */
export function isTensor(v: unknown): v is Tensor {
  return typeof v === 'object' && v !== null &&
    Object.prototype.toString.call((v as Tensor).data) === '[object Float32Array]' &&
    Array.isArray((v as Tensor).shape) && (v as Tensor).shape.length === 4;
}

/**
 * The argument as a Tensor of this package, or an Error naming it. Its shape is checked here (a
 * Tensor's shape is a plain array that its owner may have changed) and a Tensor-shaped object
 * that is not one of ours (another copy of the package, or a Tensor that went through
 * structuredClone or postMessage, which keep the fields but not the class) is wrapped, data not
 * copied, so that the blocks see `numel` and the rest of the class.
 */
export function tensorArg(who: string, name: string, v: unknown): Tensor {
  if (!isTensor(v)) throw new Error(`${who}: ${name} must be a Tensor, got ${tagOf(v)}`);
  if (!v.shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)) {
    throw new Error(`${who}: ${name} has shape [${v.shape.join(', ')}], which must hold non-negative integers`);
  }
  const [H, W, C, N] = v.shape;
  if (v.data.length !== H * W * C * N) {
    throw new Error(`${who}: ${name} has ${v.data.length} elements but its shape [${v.shape.join(', ')}] needs ${H * W * C * N}`);
  }
  const { data, shape } = v;
  return v instanceof Tensor ? v : new Tensor(data, shape);
}
