// nnblocks for Node, Deno, Bun and browsers: the kernels are inlined in this
// bundle as bytes and compiled by init().
import inlined from '../build/kernels.wasm';
import sharedInlined from '../build/kernels-shared.wasm';
import { initOnce, type InitSource, type InitOptions } from './init.js';

export * from './api.js';

/**
 * Load the WebAssembly kernels; await it once before using any block.
 * Without `source`, the module inlined in the package is compiled (no
 * network, no file paths). `source` may be a WebAssembly.Module, bytes, a URL
 * or URL string, a Response, or a promise of one. Idempotent: later and
 * concurrent calls share the first call's promise. `options.threads` (or init({ threads }))
 * sets the worker pool's size (default: the machine's cores where the runtime allows threads;
 * the shared-memory build inlined here is used then); dispose() ends it.
 */
export function init(options?: InitOptions): Promise<void>;
export function init(source?: InitSource | PromiseLike<InitSource>, options?: InitOptions): Promise<void>;
export function init(source?: InitSource | PromiseLike<InitSource> | InitOptions, options?: InitOptions): Promise<void> {
  return initOnce(source, options, inlined, sharedInlined);
}
