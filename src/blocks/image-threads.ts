// The resident passes of the cross-channel blocks (nnnormalize / LRN, nnnoffset, nnsoftmax) split
// their N images over the worker pool (src/threads.ts): each image is computed on its own, so
// results are the same bit for bit. Their kernels take (...tensors, [scratch,] m, C, N, ...numbers)
// on [m, C, N] tensors, and each thread gets its own scratch. The element-wise ones (nnrelu,
// nnsigmoid, nndropout) split their values in whole vectors: kernel(...tensors, n, ...numbers).

import { kernels, type Kernels } from '../wasm.js';
import { split, threadsFor } from '../threads.js';

/** Elements a thread must get before splitting pays. */
const MIN = 1 << 17;

/** Threads for N images of m*C elements each. */
export function imageThreads(m: number, C: number, N: number): number {
  return Math.min(N, threadsFor(m * C * N, MIN));
}

/** Scratch floats for t threads of `one` floats each. */
export function imageScratch(one: number, t: number): number {
  return t > 1 ? t * ((one + 3) & ~3) : one;
}

/**
 * kernel(...ptrs, scratch, m, C, N, ...rest) over images split across t threads; every pointer
 * in `ptrs` is a [m, C, N] tensor (m*C floats per image); `one` is one thread's scratch floats.
 * A kernel without scratch gets ps = null: kernel(...ptrs, m, C, N, ...rest).
 */
export function byImages(name: keyof Kernels, t: number, ptrs: number[], ps: number | null, one: number,
  m: number, C: number, N: number, rest: number[]): void {
  const per = 4 * ((one + 3) & ~3);
  split(kernels(), t, N, (n0, c, i) => {
    const at = ptrs.map((q) => q + 4 * n0 * m * C);
    return [[name, ...(ps === null ? at : [...at, ps + i * per]), m, C, c, ...rest]];
  });
}

/** Values a thread of an element-wise pass gets at the least; shares are multiples of SPAN values. */
const SPAN = 64;

/** Threads for an element-wise pass over n values. */
export function elementThreads(n: number): number {
  return threadsFor(n, MIN);
}

/** kernel(...ptrs, count, ...rest) over [0, n) in t shares of whole SPANs (the last takes the rest). */
export function byElements(name: keyof Kernels, t: number, ptrs: number[], n: number, rest: number[] = []): void {
  split(kernels(), t, Math.ceil(n / SPAN), (s0, c) => {
    const a = s0 * SPAN, z = Math.min(n, (s0 + c) * SPAN);
    return [[name, ...ptrs.map((q) => q + 4 * a), z - a, ...rest]];
  });
}
