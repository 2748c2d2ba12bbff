// WASM memory high-water of nnconv on the practical's sizes. This file runs in a
// fresh module instance (vitest isolates test files), so memory holds nothing
// else yet: memory never shrinks, and the first call below sets the mark.
import { beforeAll, describe, expect, it } from 'vitest';
import { init, nnconv, randn } from '../src/index.js';
import { memoryBytes } from '../src/wasm.js';

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
