// nnblocks for Vercel Edge (the `edge-light` export condition). Like
// edge.ts, but Vercel's bundler hands over a compiled WebAssembly.Module only
// for imports with the `?module` suffix (its documented form for Wasm in Edge
// Functions); a plain .wasm import there is not a Module.
import kernels from './kernels.wasm?module';
import { initOnce, type InitSource, type InitOptions } from './init.js';

export * from './api.js';

/**
 * Load the WebAssembly kernels; await it once before using any block.
 * Without `source`, the module imported from `./kernels.wasm?module` is used.
 * Idempotent: later and concurrent calls share the first call's promise.
 */
export function init(options?: InitOptions): Promise<void>;
export function init(source?: InitSource | PromiseLike<InitSource>, options?: InitOptions): Promise<void>;
export function init(source?: InitSource | PromiseLike<InitSource> | InitOptions, options?: InitOptions): Promise<void> {
  return initOnce(source, options, (kernels as unknown as WebAssembly.Module), null);
}
