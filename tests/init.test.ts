import { describe, expect, it } from 'vitest';
import { init, nnrelu, randn, threadCount } from '../src/index.js';
import { instantiateKernels } from '../src/init.js';
import bytes from '../build/kernels.wasm';

// The first test runs before anything in this file calls init(): vitest gives
// every test file its own module graph.
describe('before init()', () => {
  it('a block throws an Error telling the caller to await init()', () => {
    expect(() => nnrelu(randn([2, 2]))).toThrow(/call `await init\(\)` once before using any block/);
  });
});

describe('init()', () => {
  it('is idempotent and concurrent calls share one promise', async () => {
    const a = init();
    const b = init();
    expect(a).toBe(b);
    await a;
    expect(init()).toBe(a);
    expect(nnrelu(randn([3, 3], { seed: 1 })).size()).toEqual([3, 3]);
  });

  it('checks the options of a later call: the pool size in use shares the load, bad options are refused', async () => {
    const first = init();
    await first;
    expect(init({ threads: threadCount() })).toBe(first);
    await expect(init({ threds: 2 } as never)).rejects.toThrow('init: unknown option threds (init takes { threads })');
    await expect(init({ threads: 0 })).rejects.toThrow('init: threads must be a whole number >= 1, got 0');
    await expect(init(bytes, { threads: 1.5 })).rejects.toThrow('init: threads must be a whole number >= 1, got 1.5');
    expect(init()).toBe(first);
  });
});

const base64 = (u8: Uint8Array): string => {
  let s = '';
  for (const v of u8) s += String.fromCharCode(v);
  return btoa(s);
};
const dataUrl = `data:application/wasm;base64,${base64(bytes)}`;

describe('instantiateKernels accepts every documented source', () => {
  const cases: [string, () => unknown][] = [
    ['a WebAssembly.Module', () => new WebAssembly.Module(bytes)],
    ['a Uint8Array', () => bytes],
    ['an ArrayBuffer', () => bytes.slice().buffer],
    ['a DataView', () => new DataView(bytes.slice().buffer)],
    ['a Response', () => new Response(bytes, { headers: { 'content-type': 'application/wasm' } })],
    ['a URL string', () => dataUrl],
    ['a URL', () => new URL(dataUrl)],
    ['a promise of bytes', () => Promise.resolve(bytes)],
    ['a promise of a Response', () => fetch(dataUrl)],
  ];
  for (const [name, make] of cases) {
    it(name, async () => {
      const k = await instantiateKernels(make() as never);
      expect(typeof k.relu_forward).toBe('function');
      expect(Object.prototype.toString.call(k.memory)).toBe('[object WebAssembly.Memory]');
      expect(k.arenaBase() % 16).toBe(0);
    });
  }
});

describe('instantiateKernels says what arrived when it is not the module', () => {
  const html = new TextEncoder().encode('<!DOCTYPE html><html><body>Not found</body></html>');
  it('an HTML page', async () => {
    await expect(instantiateKernels(html)).rejects.toThrow(/is an HTML page \(50 bytes starting "<!DOCTYPE html><html><body>Not…"\).*instead of kernels.wasm/);
  });
  it('an HTML page served with status 200 from a URL', async () => {
    await expect(instantiateKernels(new Response(html, { headers: { 'content-type': 'text/html' } })))
      .rejects.toThrow(/the response \(content-type text\/html\) is an HTML page/);
  });
  it('an HTTP error status', async () => {
    await expect(instantiateKernels(new Response('missing', { status: 404 }))).rejects.toThrow(/HTTP status 404/);
  });
  it('empty bytes', async () => {
    await expect(instantiateKernels(new Uint8Array(0))).rejects.toThrow('init: the bytes given is empty (0 bytes), not a WebAssembly module');
  });
  it('other bytes', async () => {
    await expect(instantiateKernels(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4, 5])))
      .rejects.toThrow('init: the bytes given is not a WebAssembly module (9 bytes starting 89 50 4e 47 01 02 03 04; a module starts 00 61 73 6d)');
  });
  it('a valid module that is not ours', async () => {
    const empty = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
    await expect(instantiateKernels(empty)).rejects.toThrow(/not nnblocks' kernels.wasm .* lacks the exports memory, arenaBase, relu_forward/);
  });
  it('a truncated module', async () => {
    await expect(instantiateKernels(bytes.subarray(0, bytes.length >> 1))).rejects.toThrow(/init: compiling the kernels failed: /);
  });
  it('something that is no source at all', async () => {
    await expect(instantiateKernels(42 as never)).rejects.toThrow(/init: expected a WebAssembly.Module, bytes .* got number 42/);
  });
});
