// Loading paths that exist only where Node's APIs do: file: URLs and a
// WebAssembly.Module made in another realm (as edge-runtime's vm context does).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import { initOnce, instantiateKernels, type InitSource } from '../src/init.js';
import { init, dispose, nnconv, nnpool, randn, threadCount } from '../src/index.js';
import { kernels, onCallingThread } from '../src/wasm.js';
import { expectExact } from './helpers.js';

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

// With a pool, init() also loads the single-threaded build for the calling thread's calls
// (wasm.ts onCallingThread). That build only makes copies faster: when it cannot load, init()
// must still work, and the pool's instance then runs those calls.
describe('init with a pool whose single-threaded build fails to load', () => {
  const shared = (): Uint8Array => new Uint8Array(readFileSync(new URL('../build/kernels-shared.wasm', import.meta.url)));
  const broken: [string, () => InitSource][] = [
    ['bytes that do not compile', () => Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0xff)],
    ['a build that throws as it is made', () => { throw new Error('no single build'); }],
  ];
  for (const [what, single] of broken) {
    it(`${what}: the pool starts, and a small call runs on the pool's instance with the same bits`, async () => {
      const x = randn([32, 32, 3], { seed: 5 }), w = randn([3, 3, 3, 8], { seed: 6 });
      // the SIMD build, as the shared one given below (the relaxed build's FMAs round differently)
      await init(readFileSync(wasmUrl), { threads: 1 });
      const want = nnconv(x, w, null).data, wantPool = nnpool(x, 2).data;
      dispose();
      try {
        await initOnce(undefined, { threads: 2 }, { single, shared });
        expect(threadCount()).toBe(2);
        const k = kernels();
        expect(onCallingThread(() => kernels()), 'no unshared instance to switch to').toBe(k);
        expectExact(nnconv(x, w, null).data, want, 'y');
        expectExact(nnpool(x, 2).data, wantPool, 'a streamed block');
      } finally {
        dispose();
      }
    });
  }
});
