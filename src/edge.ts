// nnblocks for Cloudflare Workers, chosen by the `workerd` export condition
// (Vercel Edge has edge-light.ts). workerd refuses to compile WebAssembly from
// bytes, so the kernels come precompiled from static imports of the two .wasm
// builds beside this one, which wrangler turns into WebAssembly.Modules.
// NOTE: not under the generic `worker` condition: webpack sets it for browser
// Web Workers, where this import would not give a Module.
import simd from './kernels.wasm';
import relaxed from './kernels-relaxed.wasm';
import { initOnce, type InitSource } from './init.js';
import { chooseBuild } from './builds.js';

export * from './api.js';

/**
 * Load the WebAssembly kernels; await it once before using any block.
 * Without `source`, one of the modules imported beside this file is used: `./kernels-relaxed.wasm`
 * (fused multiply-adds) where the engine accepts relaxed SIMD, else `./kernels.wasm`.
 * Idempotent: later and concurrent calls share the first call's promise.
 */
export function init(source?: InitSource | PromiseLike<InitSource>): Promise<void> {
  return initOnce(source ?? chooseBuild({ simd, relaxed } as unknown as { simd: WebAssembly.Module; relaxed: WebAssembly.Module }));
}
