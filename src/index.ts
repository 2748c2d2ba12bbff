// nnblocks for Node, Deno, Bun and browsers: the kernels are inlined in this
// bundle as bytes and compiled by init().
import inlined from '../build/kernels.wasm';
import { initOnce, type InitSource } from './init.js';

export * from './api.js';

/**
 * Load the WebAssembly kernels; await it once before using any block.
 * Without `source`, the module inlined in the package is compiled (no
 * network, no file paths). `source` may be a WebAssembly.Module, bytes, a URL
 * or URL string, a Response, or a promise of one. Idempotent: later and
 * concurrent calls share the first call's promise.
 */
export function init(source?: InitSource | PromiseLike<InitSource>): Promise<void> {
  return initOnce(source ?? inlined);
}
