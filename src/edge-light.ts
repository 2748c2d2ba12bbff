// nnblocks for Vercel Edge (the `edge-light` export condition). Like
// edge.ts, but Vercel's bundler hands over a compiled WebAssembly.Module only
// for imports with the `?module` suffix (its documented form for Wasm in Edge
// Functions); a plain .wasm import there is not a Module.
import simd from './kernels.wasm?module';
import relaxed from './kernels-relaxed.wasm?module';
import { initOnce, type InitSource, type InitOptions } from './init.js';
import { chooseBuild } from './builds.js';

export * from './api.js';

type Modules = { simd: WebAssembly.Module; relaxed: WebAssembly.Module };

/**
 * Load the WebAssembly kernels; await it once before using any block.
 * Without `source`, one of the modules imported beside this file is used: `./kernels-relaxed.wasm?module`
 * (fused multiply-adds) where the engine accepts relaxed SIMD, else `./kernels.wasm?module`.
 * These runtimes have no workers, so `options.threads` is accepted and one thread runs.
 * Idempotent: later and concurrent calls share the first call's promise (a `threads` that asks for
 * another pool size is an Error until dispose()). A dispose() before it
 * resolves cancels it: the promise rejects with an Error named AbortError.
 */
export function init(options?: InitOptions): Promise<void>;
export function init(source?: InitSource | PromiseLike<InitSource>, options?: InitOptions): Promise<void>;
export function init(source?: InitSource | PromiseLike<InitSource> | InitOptions, options?: InitOptions): Promise<void> {
  return initOnce(source, options, { single: () => chooseBuild({ simd, relaxed } as unknown as Modules), shared: null });
}
