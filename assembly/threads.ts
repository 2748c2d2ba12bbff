// The one kernel the worker pool adds (src/threads.ts): summing the partial results
// that workers computed over their share of a batch (nnconv's dzdw).
// REQUIRES: dst and src hold n floats each and do not overlap (or are the same buffer).

import { lineComb, SUM } from './pool/lines';

/** dst[i] += src[i], n elements: pooling's line sum, with dst as its first line. */
export function thread_add(dst: usize, src: usize, n: i32): void {
  lineComb(SUM, dst, dst, src, n);
}
