// WebAssembly memory is reused across calls and never grows for a shape seen
// before; sizes beyond what wasm32 can address give an Error, not a trap.
import { beforeAll, describe, expect, it } from 'vitest';
import { init, nnconv, nnpool, nnrelu, randn } from '../src/index.js';
import { memoryBytes, reserve, fresh } from '../src/wasm.js';

beforeAll(() => init());

describe('memory reuse', () => {
  const x = randn([33, 17, 3], { seed: 1 });
  const p = randn([33, 17, 3], { seed: 2 });
  const w = randn([3, 3, 3, 4], { seed: 3 });
  const b = randn([4], { seed: 4 });
  const q = randn([17, 9, 4], { seed: 5 });
  const pp = randn([17, 8, 3], { seed: 6 });
  const blocks: [string, () => unknown][] = [
    ['nnrelu forward', () => nnrelu(x, { leak: 0.1 })],
    ['nnrelu backward', () => nnrelu(x, p)],
    ['nnconv forward', () => nnconv(x, w, b, { pad: 1, stride: 2 })],
    ['nnconv backward', () => nnconv(x, w, b, q, { pad: 1, stride: 2 })],
    ['nnpool forward', () => nnpool(x, [3, 2], { stride: 2, pad: [1, 1, 0, 0] })],
    ['nnpool backward', () => nnpool(x, [3, 2], pp, { stride: 2, pad: [1, 1, 0, 0] })],
  ];
  for (const [name, call] of blocks) {
    it(`${name}: 10 000 further calls of one shape leave memory unchanged`, () => {
      call();
      const before = memoryBytes();
      for (let r = 0; r < 10000; r++) call();
      expect(memoryBytes()).toBe(before);
    });
  }
});

describe('too large for WebAssembly memory', () => {
  it('is an Error naming the caller and the sizes, before anything is written', () => {
    const before = memoryBytes();
    expect(() => reserve('nnconv', 2 ** 29, 2 ** 29 + 1)).toThrow(
      /nnconv: needs 4096\.0 MiB of WebAssembly memory for buffers of \[536870912, 536870913\] floats, more than the 4 GiB/);
    expect(memoryBytes()).toBe(before);
  });
});

describe('result arrays', () => {
  it('are the caller\'s own: a fresh ArrayBuffer of exactly the result\'s size, small or large', () => {
    for (const n of [1, 1000, 1 << 16, 3 << 17]) {
      const a = fresh(n);
      expect(a).toBeInstanceOf(Float32Array);
      expect([a.length, a.byteOffset, a.buffer.byteLength]).toEqual([n, 0, 4 * n]);
      expect(fresh(n).buffer).not.toBe(a.buffer);
    }
  });

  it('are written in full even when their memory held older results (large relu, pool, conv twice)', () => {
    // Large enough for the uninitialised allocation; the second round reuses freed memory.
    const x = randn([300, 260, 2], { seed: 7 });
    const w = randn([3, 3, 2, 8], { seed: 8 });
    const first = [nnrelu(x), nnpool(x, 3), nnconv(x, w, null, { pad: 1 })].map((t) => t.data.slice());
    for (let r = 0; r < 3; r++) {
      const again = [nnrelu(x), nnpool(x, 3), nnconv(x, w, null, { pad: 1 })];
      again.forEach((t, i) => expect(t.data).toEqual(first[i]));
    }
    const relu = first[0];
    for (let i = 0; i < x.numel; i++) if (relu[i] !== Math.max(x.data[i], 0)) throw new Error(`relu ${i}`);
  });
});
