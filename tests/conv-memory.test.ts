// WASM memory high-water of nnconv on the practical's sizes. This file runs in a
// fresh module instance (vitest isolates test files), so memory holds nothing
// else yet: memory never shrinks, and the first call below sets the mark.
import { beforeAll, describe, expect, it } from 'vitest';
import { init, nnconv, nnconvt, nnpool, randn } from '../src/index.js';
import { attach, attached, kernels, memoryBytes, type Kernels } from '../src/wasm.js';

beforeAll(() => init());

describe('nnconv memory', () => {
  it('stays below twice the bytes of x, w, dzdy and the three derivatives (practical forward + backward)', () => {
    const x = randn([384, 512, 3], { seed: 1 });
    const w = randn([5, 5, 3, 10], { seed: 2 });
    const b = randn([10], { seed: 3 });
    const y = nnconv(x, w, b);
    const dzdy = randn(y.shape, { seed: 4 });
    const g = nnconv(x, w, b, dzdy);
    const bytes = 4 * (x.numel + w.numel + dzdy.numel + g.dzdx!.numel + g.dzdw!.numel + g.dzdb!.numel);
    expect(memoryBytes()).toBeLessThan(2 * bytes);
    // A second identical round must not grow memory at all.
    const before = memoryBytes();
    nnconv(x, w, b);
    nnconv(x, w, b, dzdy);
    expect(memoryBytes()).toBe(before);
  });
});

describe('a kernel scratch past 2^31 floats is an Error, not a short scratch written past', () => {
  // Before: the kernels' i32 sizes wrapped (50000^2 * 3 floats of phase tables; 2 * 65536 * 32768 pool
  // lines), Math.max with the other pass hid the rest, and the kernels trapped out of bounds or
  // wrote past their scratch.
  it('conv and convt with strides of 50000, pool with a 16384x65531 window', () => {
    const x = randn([4, 4, 1, 1], { seed: 1 });
    const w = randn([2, 2, 1, 1], { seed: 2 });
    expect(nnconv(x, w, null, { stride: 50000, pad: 1 }).shape).toEqual([1, 1, 1, 1]);
    expect(() => nnconv(x, w, null, randn([1, 1], { seed: 3 }), { stride: 50000, pad: 1 }))
      .toThrow(/^nnblocks: conv's data derivative would need more than 2\^31 floats of scratch for these sizes and options \(4, 4, 1, 1, 2, 2, .*\); the kernels address 32 bits$/);
    expect(() => nnconvt(randn([1, 1, 1, 1], { seed: 4 }), w, null, { upsample: 50000, crop: [1, 0, 1, 0] }))
      .toThrow(/^nnblocks: conv's data derivative would need more than 2\^31 floats/);
    const px = randn([2, 1, 1, 1], { seed: 5 });
    const pad = [8191, 8191, 32765, 32765];
    expect(() => nnpool(px, [16384, 65531], { pad })).toThrow(/^nnblocks: pooling would need more than 2\^31 floats of scratch/);
    expect(() => nnpool(px, [16384, 65531], randn([1, 1], { seed: 6 }), { pad })).toThrow(/^nnblocks: pooling would need more than 2\^31 floats/);
    // and the module goes on computing
    expect(nnconv(x, w, null, randn([3, 3], { seed: 7 })).dzdx!.shape).toEqual([4, 4, 1, 1]);
  });

  it('also when raw exports are attached (as tests and benches do), with one wrapper per instance', () => {
    const checked = kernels();
    const raw = Object.getPrototypeOf(checked) as Kernels; // init() attached a wrapper over the exports
    try {
      attach(raw);
      expect(attached()).toBe(checked); // the same wrapper: the pool tells its instance by identity
      attach(checked);
      expect(attached()).toBe(checked);
      attach(raw);
      const x = randn([4, 4, 1, 1], { seed: 1 });
      expect(() => nnconv(x, randn([2, 2, 1, 1], { seed: 2 }), null, randn([1, 1], { seed: 3 }), { stride: 50000, pad: 1 }))
        .toThrow(/^nnblocks: conv's data derivative would need more than 2\^31 floats/);
    } finally {
      attach(checked);
    }
  });
});
