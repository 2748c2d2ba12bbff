// nnblocks for Cloudflare Workers (workerd) and Vercel Edge, chosen by the
// `workerd`, `worker` and `edge-light` export conditions. Those runtimes
// refuse to compile WebAssembly from bytes, so the kernels come precompiled
// from a static import of the .wasm file beside this one, which the
// platform's bundler turns into a WebAssembly.Module.
import kernels from './kernels.wasm';
import { initOnce, type InitSource } from './init.js';

export * from './api.js';

/**
 * Load the WebAssembly kernels; await it once before using any block.
 * Without `source`, the module imported from `./kernels.wasm` is used.
 * Idempotent: later and concurrent calls share the first call's promise.
 */
export function init(source?: InitSource | PromiseLike<InitSource>): Promise<void> {
  return initOnce(source ?? (kernels as unknown as WebAssembly.Module));
}
