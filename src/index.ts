// nnblocks for Node, Deno, Bun and browsers: the kernels are inlined in this
// bundle as bytes, and init() compiles the build the engine runs best. The
// SIMD build is inlined whole; the relaxed-SIMD, shared-memory and shared
// relaxed-SIMD builds as patches of a few hundred bytes to 2 KB against it
// (tools/wasm-delta.mjs), rebuilt only when chosen.
import simd from '../build/kernels.wasm';
import relaxedPatch from '../build/kernels-relaxed.wasm?patch-from=kernels.wasm';
import sharedPatch from '../build/kernels-shared.wasm?patch-from=kernels.wasm';
import sharedRelaxedPatch from '../build/kernels-shared-relaxed.wasm?patch-from=kernels.wasm';
import { initOnce, type InitSource, type InitOptions } from './init.js';
import { chooseBuild } from './builds.js';
import { applyPatch } from './wasm-patch.js';

export * from './api.js';

/**
 * Load the WebAssembly kernels; await it once before using any block.
 * Without `source`, a module inlined in the package is compiled (no network, no file paths):
 * the relaxed-SIMD build (fused multiply-adds) where the engine accepts relaxed SIMD, else the
 * SIMD build, each in its shared-memory form when a worker pool runs; kernelsInfo() says
 * which. `source` may be a WebAssembly.Module, bytes, a URL or URL string, a Response, or a
 * promise of one; it is used as is. `options.threads` (or init({ threads })) sets the pool's
 * size, the calling thread included (default: the machine's cores where the runtime allows
 * workers and shared memory); dispose() ends it. Idempotent: later and concurrent calls share
 * the first call's promise (a `threads` that asks for another pool size is an Error until
 * dispose()). A dispose() before it resolves cancels it: the promise rejects with an Error
 * named AbortError (not reported as unhandled when nobody awaits it).
 */
export function init(options?: InitOptions): Promise<void>;
export function init(source?: InitSource | PromiseLike<InitSource>, options?: InitOptions): Promise<void>;
export function init(source?: InitSource | PromiseLike<InitSource> | InitOptions, options?: InitOptions): Promise<void> {
  return initOnce(source, options, {
    single: () => chooseBuild({ simd, get relaxed() { return applyPatch(simd, relaxedPatch); } }),
    shared: () => chooseBuild({
      get simd() { return applyPatch(simd, sharedPatch); },
      get relaxed() { return applyPatch(simd, sharedRelaxedPatch); },
    }),
  });
}
