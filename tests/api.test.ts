// The README's examples, run as written (lightly adapted only where a file
// path is needed), so the documentation cannot drift from the code.
import { beforeAll, describe, expect, it } from 'vitest';
import { init, randn, nnconv, nnpool, nnrelu, checkDerivative, derLine, Tensor } from '../src/index.js';

beforeAll(() => init());

describe('README examples', () => {
  it('a strided, padded, grouped convolution', () => {
    const x = randn([56, 56, 64, 2], { seed: 1 });       // H x W x C x N, column-major
    const w = randn([3, 3, 16, 32], { seed: 2 });        // FC = 16 divides C = 64: 4 groups of 8 filters
    const b = randn([32], { seed: 3 });
    const opts = { pad: [1, 1, 0, 1], stride: 2 };       // [top, bottom, left, right]; [sy, sx] or one number
    const y = nnconv(x, w, b, opts);                     // y.size() -> [28, 28, 32, 2]
    const { dzdx, dzdw, dzdb } = nnconv(x, w, b, randn(y.size()), opts);
    const { dzdw: only } = nnconv(x, w, b, randn(y.size()), { ...opts, der: { x: false, b: false } });
    const p = nnpool(nnrelu(y), [3, 3], { stride: 2, pad: 1, method: 'max' });
    expect(y.size()).toEqual([28, 28, 32, 2]);
    expect(dzdx!.size()).toEqual([56, 56, 64, 2]);
    expect(dzdw!.size()).toEqual([3, 3, 16, 32]);
    expect(dzdb!.size()).toEqual([32, 1]);
    expect(only!.size()).toEqual([3, 3, 16, 32]);
    expect(p.size()).toEqual([14, 14, 32, 2]);
  });

  // Seeded like practical(): the check's error is relative to sum(dzdw .* e), which an unlucky
  // direction can bring near 0 on a small image, so the draws are fixed rather than left to the stream.
  it('part 2 of the practical, as the MATLAB table reads', () => {
    const x = new Tensor(randn([96, 128, 3], { seed: 4 }).data.map((v) => 0.5 + 0.2 * v), [96, 128, 3]);
    const w = randn([5, 5, 3, 10], { seed: 1 });
    const y = nnconv(x, w, null);
    const dzdy = randn(y.size(), { seed: 2 });
    const { dzdx, dzdw } = nnconv(x, w, null, dzdy);
    const r = checkDerivative((x) => nnconv(x, w, null), x, dzdy, dzdx!);
    expect(derLine(r)).toMatch(/^der: empirical: -?\d+\.\d{6}, computed: -?\d+\.\d{6}, error: \d+\.\d\d %$/);
    expect(r.error).toBeLessThan(0.05);
    const w1 = randn([5, 5, 3, 10], { seed: 5 }); const rho2 = 10;
    const x2 = nnconv(x, w1, null);
    const x3 = nnpool(x2, rho2);
    const dzdx3 = randn(x3.size(), { seed: 6 });
    const dzdx2 = nnpool(x2, rho2, dzdx3);
    const { dzdw: dzdw1 } = nnconv(x, w1, null, dzdx2);
    expect(checkDerivative((w) => nnpool(nnconv(x, w, null), rho2), w1, dzdx3, dzdw1!).error).toBeLessThan(0.05);
    expect(dzdw!.size()).toEqual([5, 5, 3, 10]);
  });
});
