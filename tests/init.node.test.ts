// Loading paths that exist only where Node's APIs do: file: URLs and a
// WebAssembly.Module made in another realm (as edge-runtime's vm context does).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import { instantiateKernels } from '../src/init.js';

const wasmUrl = new URL('../build/kernels.wasm', import.meta.url);

describe('init sources under Node', () => {
  it('reads a file: URL with fs (Node 20 fetch cannot)', async () => {
    const k = await instantiateKernels(wasmUrl);
    expect(typeof k.relu_backward).toBe('function');
    const k2 = await instantiateKernels(wasmUrl.href);
    expect(typeof k2.relu_forward).toBe('function');
  });

  it('names an unreadable file: URL', async () => {
    await expect(instantiateKernels('file:///nonexistent/kernels.wasm')).rejects.toThrow(/init: cannot read file:\/\/\/nonexistent\/kernels.wasm: .*ENOENT/);
  });

  it('recognises a Module compiled in another realm, where instanceof fails', async () => {
    const bytes = readFileSync(wasmUrl);
    const ctx = vm.createContext({ bytes: new Uint8Array(bytes) });
    const foreign = vm.runInContext('new WebAssembly.Module(bytes)', ctx);
    expect(foreign instanceof WebAssembly.Module).toBe(false);
    const k = await instantiateKernels(foreign);
    expect(typeof k.relu_forward).toBe('function');
  });
});
