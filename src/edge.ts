// nnblocks for Cloudflare Workers, chosen by the `workerd` export condition
// (Vercel Edge has edge-light.ts). workerd refuses to compile WebAssembly from
// bytes, so the kernels come precompiled from a static import of the .wasm
// file beside this one, which wrangler turns into a WebAssembly.Module.
// NOTE: not under the generic `worker` condition: webpack sets it for browser
// Web Workers, where this import would not give a Module.
import kernels from './kernels.wasm';
import { initOnce, type InitSource, type InitOptions } from './init.js';

export * from './api.js';

/**
 * Load the WebAssembly kernels; await it once before using any block.
 * Without `source`, the module imported from `./kernels.wasm` is used.
 * Idempotent: later and concurrent calls share the first call's promise.
 */
export function init(options?: InitOptions): Promise<void>;
export function init(source?: InitSource | PromiseLike<InitSource>, options?: InitOptions): Promise<void>;
export function init(source?: InitSource | PromiseLike<InitSource> | InitOptions, options?: InitOptions): Promise<void> {
  return initOnce(source, options, (kernels as unknown as WebAssembly.Module), null);
}
