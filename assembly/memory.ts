// Memory contract between the facade (src/wasm.ts) and every kernel.
//
// The facade owns all memory above `arenaBase()`: it grows the WebAssembly
// memory itself and hands each kernel pointers into that arena. Kernels never
// allocate, so nothing here needs the runtime's allocator, and a call of a
// shape seen before cannot grow memory.

/** First 16-byte-aligned address the facade may use. */
export function arenaBase(): usize {
  return (__heap_base + 15) & ~(<usize>15);
}
