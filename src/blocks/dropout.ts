// nndropout: inverted dropout (SEMANTICS §4.7, NETWORKS §1.4/§1.6; MatConvNet's matlab/vl_nndropout.m).
// The mask comes from the package's own generator (src/random.ts), so a seed gives the same mask in
// every runtime; the products run in the kernel of assembly/dropout.ts.

import { Tensor, tensorArg, isTensor, type Shape4 } from '../tensor.js';
import { checkOptions, finite, dims, show, splitArity } from '../options.js';
import { kernels, streamPlanes, fresh, view, onCallingThread, ELEMENT_CHUNK } from '../wasm.js';
import { byElements, elementThreads } from './image-threads.js';
import { maskRandom } from '../random.js';

export interface DropoutOptions {
  /** Probability of dropping each element, in [0, 1) (default 0.5). Forward only. */
  rate?: number;
  /** Seed of a fresh generator (an integer in 0..2^32-1); without it the mask continues the package's shared stream. Forward only. */
  seed?: number;
  /** A mask (the size of x) to apply instead of drawing one: required by the backward pass; in the forward pass it replaces rate and seed. */
  mask?: Tensor;
}

export interface DropoutResult {
  y: Tensor;
  /** 0 or 1 / (1 - rate) (float32) per element of x. */
  mask: Tensor;
}

/** The plan's options: DropoutOptions with the mask's shape in place of the Tensor. */
export interface DropoutPlanOptions {
  rate?: number;
  seed?: number;
  mask?: Shape4;
}

/** Every size and number the passes need, checked once (shapes, no data). */
export interface DropoutPlan {
  readonly shape: Shape4;
  /** Elements of x (and of the mask). */
  readonly n: number;
  readonly rate: number;
  /** float32(1 / (1 - rate)), the value of a kept element of the mask. */
  readonly scale: number;
  /** The generator's seed, or null for the shared stream. */
  readonly seed: number | null;
  /** True when a mask is given (forward with opts.mask, and every backward pass). */
  readonly givenMask: boolean;
  readonly backward: boolean;
}

const WHO = 'nndropout';

/**
 * Check every argument: rate a finite number in [0, 1), seed an integer in 0..2^32-1, the mask the
 * size of x (and not together with rate or seed), dzdy the size of x; the backward pass takes only
 * and needs the forward's mask.
 */
export function planDropout(xShape: Shape4, dzdyShape: Shape4 | null, opts?: DropoutPlanOptions): DropoutPlan {
  const backward = dzdyShape !== null;
  if (backward) {
    checkOptions(WHO, opts, ['mask']);
    if (opts?.mask === undefined) {
      throw new Error(`${WHO}: the backward pass needs the forward pass's mask, nndropout(x, dzdy, { mask })`);
    }
  } else {
    checkOptions(WHO, opts, ['rate', 'seed', 'mask']);
    if (opts?.mask !== undefined && (opts.rate !== undefined || opts.seed !== undefined)) {
      throw new Error(`${WHO}: give either a mask or rate/seed, not both (got mask and ` +
        `${opts.rate !== undefined ? `rate ${show(opts.rate)}` : `seed ${show(opts.seed)}`})`);
    }
  }
  const rate = opts?.rate === undefined ? 0.5 : finite(WHO, 'rate', opts.rate);
  if (!(rate >= 0 && rate < 1)) throw new Error(`${WHO}: rate must be in [0, 1), got ${show(rate)}`);
  const s = opts?.seed;
  if (s !== undefined && (typeof s !== 'number' || !Number.isInteger(s) || s < 0 || s > 0xffffffff)) {
    throw new Error(`${WHO}: seed must be an integer in 0..4294967295, got ${show(s)}`);
  }
  const ms = opts?.mask;
  if (ms !== undefined && ms.some((d, i) => d !== xShape[i])) {
    throw new Error(`${WHO}: mask is ${dims(ms)} but must match x, ${dims(xShape)}`);
  }
  if (dzdyShape !== null && dzdyShape.some((d, i) => d !== xShape[i])) {
    throw new Error(`${WHO}: dzdy is ${dims(dzdyShape)} but must match y (the size of x), ${dims(xShape)}`);
  }
  return Object.freeze({
    shape: xShape.slice() as Shape4, n: xShape[0] * xShape[1] * xShape[2] * xShape[3],
    rate, scale: Math.fround(1 / (1 - rate)), seed: s ?? null, givenMask: ms !== undefined, backward,
  });
}

/**
 * Draw a mask into `mask` (p.n floats): u uniform in [0, 1) (float32, src/random.ts), mask =
 * u >= rate ? scale : 0, the comparison exact (u against the double rate; one pass, see maskRandom). A seeded plan draws the
 * same mask each call; without a seed each call continues the shared stream.
 */
export function dropoutMaskInto(p: DropoutPlan, mask: Float32Array): void {
  maskRandom(mask, p.rate, p.scale, p.seed ?? undefined, WHO);
}

/** Resident: a fresh mask at pmask (p.n floats of WebAssembly memory). */
export function dropoutMask(p: DropoutPlan, pmask: number): void {
  dropoutMaskInto(p, view(pmask, p.n));
}

/** Resident forward: y = mask .* x. */
export function dropoutForward(p: DropoutPlan, px: number, pmask: number, py: number): void {
  byElements('dropout_forward', elementThreads(p.n), [px, pmask, py], p.n);
}

/** Resident backward: dzdx = mask .* dzdy (the forward's kernel). */
export function dropoutBackward(p: DropoutPlan, pdzdy: number, pmask: number, pdzdx: number): void {
  byElements('dropout_forward', elementThreads(p.n), [pdzdy, pmask, pdzdx], p.n);
}

/**
 * { y, mask } = nndropout(x, opts?) — mask = (u >= rate) / (1 - rate) with u uniform in [0, 1)
 * (the scale rounded to float32, as MATLAB's single), y = mask .* x. With opts.seed the mask is the
 * same numbers in every runtime (xoshiro128**, src/random.ts); without it the mask continues the
 * package's shared stream (the one randn continues). With opts.mask that mask is applied instead
 * (y = mask .* x; mask is returned as a copy).
 *
 * dzdx = nndropout(x, dzdy, { mask }) — dzdx = mask .* dzdy, through the forward's mask.
 * rate outside [0, 1) is an Error (rate 0 keeps everything with mask 1). Inputs are never modified.
 */
export function nndropout(x: Tensor, opts?: DropoutOptions): DropoutResult;
export function nndropout(x: Tensor, dzdy: Tensor, opts: DropoutOptions): Tensor;
export function nndropout(x: Tensor, a?: Tensor | DropoutOptions, b?: DropoutOptions): DropoutResult | Tensor {
  const { dzdy, opts } = splitArity<DropoutOptions>(WHO, a, b, isTensor);
  const tx = tensorArg(WHO, 'x', x);
  const tp = dzdy === undefined ? null : tensorArg(WHO, 'dzdy', dzdy);
  const tm = opts?.mask === undefined ? null : tensorArg(WHO, 'mask', opts.mask);
  // The plan checks the options (names included); it takes the mask's shape.
  const po = tm === null ? opts : { ...opts, mask: tm.shape };
  const p = planDropout(tx.shape, tp === null ? null : tp.shape, po as DropoutPlanOptions | undefined);
  let mask: Float32Array;
  if (tm !== null) {
    mask = tm.data;
  } else {
    mask = fresh(p.n);
    dropoutMaskInto(p, mask);
  }
  const y = multiply(p, tp === null ? tx.data : tp.data, mask);
  return tp === null ? { y: new Tensor(y, tx.shape), mask: new Tensor(tm === null ? mask : mask.slice(), tx.shape) } : new Tensor(y, tx.shape);
}

// Element-wise, as nnrelu: ELEMENT_CHUNK floats of each operand stream through the arena.
function multiply(p: DropoutPlan, v: Float32Array, mask: Float32Array): Float32Array {
  // streamed on the calling thread, so through the unshared instance when there is one
  return onCallingThread(() => {
    const k = kernels();
    return streamPlanes(WHO, p.n, 3 * ELEMENT_CHUNK, [[v, 1], [mask, 1]], 1, 0,
      ([pv, pm, py], m) => k.dropout_forward(pv, pm, py, m));
  });
}
