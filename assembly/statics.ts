// Static buffers of the kernels (staging tiles, power lines), one region per thread: the
// calling thread's is here, each worker of the pool moves its own (memory.ts, thread_statics).
// NOTE: the shared-memory build (ASC_FEATURE_THREADS) lays the region out just above
// __heap_base instead of with memory.data: with imported memory the zero-filled data
// segment would be kept, ~9 KB of the .wasm. It never allocates, so nothing else lives there.
// The other builds keep memory.data, because as-pect's test builds allocate from __heap_base.

/** Where the calling thread's statics start (16-byte aligned). */
export const STATICS_BASE: usize = ASC_FEATURE_THREADS ? (__heap_base + 15) & ~(<usize>15) : memory.data(9072, 16);

// Byte offsets of each module's statics within a thread's region, each 16-byte aligned.
/** conv/gemm.ts TILE: 8 pixels x 5 filters. */
export const GEMM_AT: usize = 0;
/** conv/wino_mk.ts TILES (4 kinds x 8 x 5) then STAGE (16 floats). */
export const WINO_AT: usize = GEMM_AT + 8 * 5 * 4;
/** spnorm.ts F and G: 1024 floats each. */
export const SPNORM_AT: usize = WINO_AT + 4 * 8 * 5 * 4 + 16 * 4;
/** noffset.ts PW: one vector. */
export const NOFFSET_AT: usize = SPNORM_AT + 2 * 1024 * 4;
/** Bytes of one thread's region. */
export const STATICS_BYTES: usize = NOFFSET_AT + 16; // 9072, memory.data's literal above
