// API.md's example verbatim (it reads a file path, so Node only), on the
// practical's own 16-bit peppers.png.
import { describe, expect, it } from 'vitest';
import { init, Tensor, randn, zeros, nnconv, nnpool, nnrelu, imread, im2single, checkDerivative } from '../src/index.js';
import { practicalImage } from './practical-data.js';

// Without the practical's own file, the package's sample (also 384x512 RGB) stands in.
const peppers = practicalImage('peppers.png') ?? new URL('../assets/sample.png', import.meta.url).pathname;

describe('API.md example', () => {
  it('runs as written', async () => {
    await init();                                     // once; idempotent; see "Loading" below
    const x = im2single(await imread(peppers));       // Tensor, x.size() -> [384, 512, 3]
    const w = randn([5, 5, 3, 10], { seed: 1 });      // filters H x W x C x K
    const y = nnconv(x, w, null);                     // y.size() -> [380, 508, 10]
    const dzdy = randn(y.size());
    const { dzdx, dzdw, dzdb } = nnconv(x, w, null, dzdy);  // dzdx.size() -> [384, 512, 3]
    const x3 = nnpool(y, 10);                         // max, stride 1, pad 0 by default
    const dzdx2 = nnpool(y, 10, randn(x3.size()));
    const r = nnrelu(x);  const dr = nnrelu(x, randn(x.size()));
    expect(x.size()).toEqual([384, 512, 3]);
    expect(y.size()).toEqual([380, 508, 10]);
    expect(dzdx!.size()).toEqual([384, 512, 3]);
    expect(dzdw!.size()).toEqual([5, 5, 3, 10]);
    expect(dzdb).toBeNull();
    expect(x3.size()).toEqual([371, 499, 10]);
    expect(dzdx2.size()).toEqual([380, 508, 10]);
    expect(r.size()).toEqual(dr.size());
    expect(checkDerivative((t) => nnconv(t, w, null), x, dzdy, dzdx!).error).toBeLessThan(0.05);
    expect(zeros([2]).size()).toEqual([2, 1]);
    expect(Tensor).toBeTypeOf('function');
  });
});
