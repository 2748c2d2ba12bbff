// The resident passes of the cross-channel blocks (nnnormalize / LRN, nnnoffset) split their N
// images over the worker pool (src/threads.ts): each image is computed on its own, so results
// are the same bit for bit. Their kernels take (...tensors, scratch, m, C, N, ...numbers) on
// [m, C, N] tensors, and each thread gets its own scratch.

import { kernels, type Kernels } from '../wasm.js';
import { parallel, share, threadsFor } from '../threads.js';

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
 */
export function byImages(name: keyof Kernels, t: number, ptrs: number[], ps: number, one: number,
  m: number, C: number, N: number, rest: number[]): void {
  const per = 4 * ((one + 3) & ~3);
  parallel(kernels(), Array.from({ length: t }, (_, i) => {
    const [n0, c] = share(N, t, i);
    return [[name, ...ptrs.map((q) => q + 4 * n0 * m * C), ps + i * per, m, C, c, ...rest]];
  }));
}
