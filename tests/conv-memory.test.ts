// WASM memory high-water of nnconv on the practical's sizes. This file runs in a
// fresh module instance (vitest isolates test files), so memory holds nothing
// else yet: memory never shrinks, and the first call below sets the mark.
import { beforeAll, describe, expect, it } from 'vitest';
import { init, nnconv, nnconvt, nnpool, randn } from '../src/index.js';
import { attach, attached, kernels, memoryBytes, type Kernels } from '../src/wasm.js';
import { convBackwardRef, convForwardRef, type RefDims } from './ref/conv.js';
import { expectClose } from './helpers.js';

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
  it('pool with a 16384x65531 window', () => {
    const px = randn([2, 1, 1, 1], { seed: 5 });
    const pad = [8191, 8191, 32765, 32765];
    expect(() => nnpool(px, [16384, 65531], { pad })).toThrow(/^nnblocks: pooling would need more than 2\^31 floats of scratch for these sizes and options \(.*\); the kernels address 32 bits$/);
    expect(() => nnpool(px, [16384, 65531], randn([1, 1], { seed: 6 }), { pad })).toThrow(/^nnblocks: pooling would need more than 2\^31 floats/);
    // and the module goes on computing
    const x = randn([4, 4, 1, 1], { seed: 1 });
    expect(nnconv(x, randn([2, 2, 1, 1], { seed: 2 }), null, randn([3, 3], { seed: 7 })).dzdx!.shape).toEqual([4, 4, 1, 1]);
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
      expect(() => nnpool(randn([2, 1, 1, 1], { seed: 5 }), [16384, 65531], { pad: [8191, 8191, 32765, 32765] }))
        .toThrow(/^nnblocks: pooling would need more than 2\^31 floats/);
    } finally {
      attach(checked);
    }
  });
});

describe('a stride on an axis with one output position moves no window', () => {
  // Before: conv's data derivative kept stride^2 phase tables, so a stride of 50000 asked for more
  // than 2^31 floats of scratch (an Error since the sizes were summed in f64) even where the output
  // has one position and the stride moves no window. Such an axis is planned with stride 1.
  it('conv with strides up to 2^24 on such an axis: y, dzdx and dzdw as the reference computes them at that stride', () => {
    const cases: [number[], number[], number[], number[], number[]][] = [
      // x, w, stride, pad, dilate
      [[4, 4, 1, 1], [2, 2, 1, 1], [50000, 50000], [1, 1, 1, 1], [1, 1]],
      [[4, 9, 1, 1], [2, 2, 1, 1], [50000, 2], [1, 1, 1, 1], [1, 1]],
      [[9, 4, 6, 2], [3, 2, 3, 4], [2, 50000], [1, 1, 1, 1], [1, 2]], // two groups, dilation, one column out
      [[20, 3, 2, 3], [3, 3, 2, 5], [60000, 1], [1, 1, 0, 0], [1, 1]],
      [[5, 6, 2, 1], [2, 3, 2, 3], [2 ** 24, 2 ** 24], [0, 0, 0, 0], [2, 1]],
    ];
    cases.forEach(([xs, ws, stride, pad, dilate], k) => {
      const d: RefDims = { H: xs[0], W: xs[1], C: xs[2], N: xs[3], FH: ws[0], FW: ws[1], FC: ws[2], K: ws[3], pad, stride, dilate };
      const x = randn(xs, { seed: 10 + k }), w = randn(ws, { seed: 20 + k });
      const y = nnconv(x, w, null, { stride, pad, dilate });
      const p = randn(y.shape, { seed: 30 + k });
      const g = nnconv(x, w, null, p, { stride, pad, dilate });
      const ref = convBackwardRef(x.data, w.data, p.data, d);
      const near = (got: Float32Array, want: Float32Array, what: string): void => {
        const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        expectClose(got, want, 0, 1e-5 * scale, `case ${k}: ${what}`);
      };
      near(y.data, convForwardRef(x.data, w.data, null, d), 'y');
      near(g.dzdx!.data, ref.dzdx, 'dzdx');
      near(g.dzdw!.data, ref.dzdw, 'dzdw');
    });
  });

  it('convt with an upsample of 50000 on a one-pixel input: as with upsample 1', () => {
    const w = randn([2, 2, 1, 1], { seed: 2 });
    const one = randn([1, 1, 1, 1], { seed: 6 });
    const same = (a: { data: Float32Array } | null, b: { data: Float32Array } | null): void => expect(Array.from(a!.data)).toEqual(Array.from(b!.data));
    same(nnconvt(one, w, null, { upsample: 50000, crop: [1, 0, 1, 0] }), nnconvt(one, w, null, { crop: [1, 0, 1, 0] }));
    same(nnconvt(one, w, null, randn([1, 1], { seed: 7 }), { upsample: 50000, crop: [1, 0, 1, 0] }).dzdx,
      nnconvt(one, w, null, randn([1, 1], { seed: 7 }), { crop: [1, 0, 1, 0] }).dzdx);
  });
});
