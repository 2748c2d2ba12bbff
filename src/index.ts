// nnblocks for Node, Deno, Bun and browsers: the kernels are inlined in this
// bundle as bytes, and init() compiles the build the engine runs best. The
// SIMD build is inlined whole, the relaxed-SIMD build as a patch of a few
// hundred bytes against it (tools/wasm-delta.mjs), rebuilt only when chosen.
import simd from '../build/kernels.wasm';
import relaxedPatch from '../build/kernels-relaxed.wasm?patch-from=kernels.wasm';
import { initOnce, type InitSource } from './init.js';
import { chooseBuild } from './builds.js';
import { applyPatch } from './wasm-patch.js';

export * from './api.js';

/**
 * Load the WebAssembly kernels; await it once before using any block.
 * Without `source`, a module inlined in the package is compiled (no
 * network, no file paths): the relaxed-SIMD build (fused multiply-adds) where
 * the engine accepts relaxed SIMD, else the SIMD build; kernelsInfo() says
 * which. `source` may be a WebAssembly.Module, bytes, a URL
 * or URL string, a Response, or a promise of one; it is used as is. Idempotent: later and
 * concurrent calls share the first call's promise.
 */
export function init(source?: InitSource | PromiseLike<InitSource>): Promise<void> {
  return initOnce(source ?? chooseBuild({ simd, get relaxed() { return applyPatch(simd, relaxedPatch); } }));
}
