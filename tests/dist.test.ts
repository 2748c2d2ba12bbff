// The shipped bundle (dist/, built by `npm run build`) works in Node and in
// Chromium and computes what the sources compute.
import { describe, expect, it, inject } from 'vitest';
import * as dist from '../dist/index.js';
import * as src from '../src/index.js';
import simdBytes from '../build/kernels.wasm';
import relaxedBytes from '../build/kernels-relaxed.wasm';

// With NNBLOCKS_KERNELS set (tests/setup-kernels.ts) the sources run that build; the bundle
// is then given the same build explicitly, so the two compute with the same kernels.
const distInit = (): Promise<void> => inject('kernels') === '' ? dist.init()
  : dist.init(inject('kernels') === 'relaxed-simd' ? relaxedBytes : simdBytes);

describe('dist/index.js', () => {
  it('exports every API.md name', () => {
    for (const name of ['init', 'Tensor', 'randn', 'zeros', 'nnconv', 'nnpool', 'nnrelu', 'imread', 'im2single',
      'checkDerivative']) {
      expect(typeof (dist as Record<string, unknown>)[name], name).toBe('function');
    }
  });

  it('computes conv and pool, forward and backward, exactly as the sources do', async () => {
    await Promise.all([distInit(), src.init()]);
    const x = dist.randn([11, 9, 4, 2], { seed: 5 });
    const w = dist.randn([3, 3, 2, 6], { seed: 6 });
    const opts = { pad: [1, 0, 2, 1], stride: [2, 1] };
    const y = dist.nnconv(x, w, null, opts);
    const p = dist.randn(y.size(), { seed: 7 });
    expect(Array.from(y.data)).toEqual(Array.from(src.nnconv(x, w, null, opts).data));
    const a = dist.nnconv(x, w, null, p, opts);
    const b = src.nnconv(x, w, null, p, opts);
    expect(Array.from(a.dzdx.data)).toEqual(Array.from(b.dzdx.data));
    expect(Array.from(a.dzdw.data)).toEqual(Array.from(b.dzdw.data));
    const q = dist.randn(dist.nnpool(x, 3, { stride: 2 }).size(), { seed: 8 });
    expect(Array.from(dist.nnpool(x, 3, q, { stride: 2 }).data)).toEqual(Array.from(src.nnpool(x, 3, q, { stride: 2 }).data));
  });

  it('loads its inlined kernels and agrees with the sources bit for bit', async () => {
    await Promise.all([distInit(), src.init()]);
    const x = dist.randn([7, 5, 3], { seed: 3 });
    const p = dist.randn([7, 5, 3], { seed: 4 });
    const a = dist.nnrelu(x, p, { leak: 0.2 });
    const b = src.nnrelu(new src.Tensor(x.data, x.shape), new src.Tensor(p.data, p.shape), { leak: 0.2 });
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    // A tensor of one copy of the package is accepted by the other.
    expect(Array.from(src.nnrelu(x).data)).toEqual(Array.from(dist.nnrelu(x).data));
  });
});
