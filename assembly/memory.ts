// Memory contract between the facade (src/wasm.ts) and every kernel.
//
// The facade owns all memory above `arenaBase()`: it grows the WebAssembly
// memory itself and hands each kernel pointers into that arena. Kernels never
// allocate, so nothing here needs the runtime's allocator, and a call of a
// shape seen before cannot grow memory. The calling thread's static buffers
// (statics.ts) are below the arena.
//
// Threads (src/threads.ts): every worker instantiates the same module over one
// shared memory. Globals are per instance, but the static buffers are memory,
// so each worker moves its own to a private region of thread_statics_bytes()
// bytes that the facade reserves for it.

import { STATICS_BASE, STATICS_BYTES } from './statics';
import { gemmStaticsAt } from './conv/gemm';
import { winoStaticsAt } from './conv/wino_mk';
import { spnormStaticsAt } from './spnorm';
import { noffsetStaticsAt } from './noffset';

/** First 16-byte-aligned address the facade may use. */
export function arenaBase(): usize {
  return ASC_FEATURE_THREADS ? STATICS_BASE + STATICS_BYTES : (__heap_base + 15) & ~(<usize>15);
}

/**
 * Move this instance's static buffers to p (16-byte aligned, thread_statics_bytes() bytes
 * that no other thread uses). Called once by each worker before its first kernel.
 */
export function thread_statics(p: usize): void {
  gemmStaticsAt(p);
  winoStaticsAt(p);
  spnormStaticsAt(p);
  noffsetStaticsAt(p);
}

/** Bytes of one thread's statics region. */
export function thread_statics_bytes(): usize {
  return STATICS_BYTES;
}
