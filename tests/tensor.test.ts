import { beforeAll, describe, expect, it } from 'vitest';
import { Tensor, randn, zeros, init, nnconv, nnconvt, nnloss, nnsoftmaxloss, nnpdist, nnpool, nnrelu } from '../src/index.js';
import { ln } from '../src/random.js';

describe('Tensor', () => {
  it('pads the shape to 4 and reports MATLAB sizes', () => {
    const t = new Tensor(new Float32Array(384 * 512 * 3), [384, 512, 3]);
    expect(t.shape).toEqual([384, 512, 3, 1]);
    expect(t.size()).toEqual([384, 512, 3]);
    expect(new Tensor(new Float32Array(10), [1, 10]).size()).toEqual([1, 10]);
    expect(new Tensor(new Float32Array(10), [10]).size()).toEqual([10, 1]);
    expect(new Tensor(new Float32Array(6), [2, 3, 1, 1]).size()).toEqual([2, 3]);
    expect(new Tensor(new Float32Array(6), [1, 1, 1, 6]).size()).toEqual([1, 1, 1, 6]);
    expect(new Tensor(new Float32Array(0), [0, 3]).size()).toEqual([0, 3]);
  });

  it('indexes column-major, first index fastest', () => {
    const data = new Float32Array(2 * 3 * 4 * 2).map((_, i) => i);
    const t = new Tensor(data, [2, 3, 4, 2]);
    expect(t.at(1, 2, 3, 1)).toBe(1 + 2 * (2 + 3 * (3 + 4 * 1)));
    expect(t.at(1)).toBe(1);
    expect(t.at(0, 1)).toBe(2);
  });

  it('rejects data of the wrong length, naming both sizes', () => {
    expect(() => new Tensor(new Float32Array(5), [2, 3])).toThrow('Tensor: data has 5 elements but shape [2, 3] needs 6');
  });

  it('rejects bad shapes and non-Float32Array data', () => {
    expect(() => new Tensor(new Float32Array(1), [])).toThrow(/shape must be an array of 1 to 4 sizes/);
    expect(() => new Tensor(new Float32Array(1), [1, 1, 1, 1, 1])).toThrow(/1 to 4 sizes/);
    expect(() => new Tensor(new Float32Array(2), [2.5, 1])).toThrow(/non-negative integers/);
    expect(() => new Tensor(new Float32Array(2), [-2, -1])).toThrow(/non-negative integers/);
    expect(() => new Tensor(new Float32Array(2), [NaN])).toThrow(/non-negative integers/);
    expect(() => new Tensor(new Float64Array(2) as never, [2])).toThrow('Tensor: data must be a Float32Array, got Float64Array');
    expect(() => new Tensor([1, 2] as never, [2])).toThrow('got Array');
  });

  it('keeps the caller\'s array (no copy) so large tensors cost nothing to wrap', () => {
    const d = new Float32Array(4);
    expect(new Tensor(d, [4]).data).toBe(d);
  });

  it('converts to and from row-major HWC (image) order', () => {
    // A 2x3 RGB image, row-major interleaved: pixel (i, j) channel k = 100i + 10j + k.
    const hwc = new Float32Array(2 * 3 * 3);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) hwc[(i * 3 + j) * 3 + k] = 100 * i + 10 * j + k;
    const t = Tensor.fromHWC(hwc, 2, 3, 3);
    expect(t.size()).toEqual([2, 3, 3]);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) expect(t.at(i, j, k)).toBe(100 * i + 10 * j + k);
    expect(Array.from(t.toHWC())).toEqual(Array.from(hwc));
    expect(() => Tensor.fromHWC(hwc, 2, 3, 2)).toThrow('Tensor.fromHWC: data has 18 elements but 2x3x2 needs 12');
    expect(() => Tensor.fromHWC(null as never, 2, 2, 1)).toThrow('Tensor.fromHWC: data must be an array or typed array of numbers, got null');
    expect(() => Tensor.fromHWC('abcd' as never, 2, 2, 1)).toThrow('Tensor.fromHWC: data must be an array or typed array of numbers, got string abcd');
    expect(() => t.toHWC(1)).toThrow('Tensor.toHWC: image 1 is outside 0..0');
  });
});

describe('randn and zeros', () => {
  it('name a shape too large to allocate', () => {
    expect(() => randn([1e6, 1e6])).toThrow('randn: shape [1000000, 1000000, 1, 1] has 1000000000000 elements, more than this runtime can allocate as a Float32Array');
    expect(() => zeros([1e6, 1e6])).toThrow('zeros: shape [1000000, 1000000, 1, 1] has 1000000000000 elements');
  });
  it('is reproducible for a seed and differs between seeds', () => {
    const a = randn([5, 5, 3, 10], { seed: 1 });
    const b = randn([5, 5, 3, 10], { seed: 1 });
    const c = randn([5, 5, 3, 10], { seed: 2 });
    expect(a.shape).toEqual([5, 5, 3, 10]);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(a.data)).not.toEqual(Array.from(c.data));
  });

  it('gives the documented numbers in every runtime (golden values for seed 1)', () => {
    // Recorded from the generator itself; Node and Chromium (and, in the
    // conformance suite, Deno, Bun and workerd) must agree bit for bit.
    const a = randn([6], { seed: 1 });
    expect(Array.from(a.data)).toEqual([
      0.16813211143016815, 0.9542843103408813, -0.430600106716156,
      -2.152186632156372, -2.1137263774871826, 0.04029909893870354,
    ]);
  });

  it('is standard normal: mean ~0, variance ~1, symmetric tails', () => {
    const n = 200000;
    const d = randn([n], { seed: 42 }).data;
    let s = 0, s2 = 0, big = 0;
    for (const v of d) { s += v; s2 += v * v; if (Math.abs(v) > 1.959964) big++; }
    const mean = s / n;
    const variance = s2 / n - mean * mean;
    // 5 standard errors: sd(mean) = 1/sqrt(n) = 0.0022; sd(var) = sqrt(2/n) = 0.0032.
    expect(Math.abs(mean)).toBeLessThan(0.011);
    expect(Math.abs(variance - 1)).toBeLessThan(0.016);
    // P(|z| > 1.96) = 0.05; sd of the share = sqrt(0.05*0.95/n) = 0.00049.
    expect(Math.abs(big / n - 0.05)).toBeLessThan(0.0025);
  });

  it('continues a shared stream without a seed', () => {
    const a = randn([4]);
    const b = randn([4]);
    expect(Array.from(a.data)).not.toEqual(Array.from(b.data));
  });

  it('rejects bad seeds and unknown options', () => {
    expect(() => randn([2], { seed: 1.5 })).toThrow(/randn: seed must be an integer/);
    expect(() => randn([2], { seed: -1 })).toThrow(/randn: seed must be an integer/);
    expect(() => randn([2], { sed: 1 } as never)).toThrow(/randn: unknown option 'sed'/);
    expect(() => randn([2, -1])).toThrow(/randn: shape \[2, -1\] must hold non-negative integers/);
  });

  it('makes zeros of any shape', () => {
    const z = zeros([3, 4, 2]);
    expect(z.size()).toEqual([3, 4, 2]);
    expect(z.data.every((v) => v === 0)).toBe(true);
  });

  it('computes its own logarithm to within 2 ulp of Math.log', () => {
    for (const x of [1, 0.5, 0.75, 1e-3, 1e-300, 5e-324, 0.999999, 0.7071067811865476, 0.123456789]) {
      const want = Math.log(x);
      expect(Math.abs(ln(x) - want)).toBeLessThanOrEqual(2 * Number.EPSILON * Math.max(1, Math.abs(want)));
    }
  });
});

describe('Tensors as the blocks take them', () => {
  beforeAll(() => init());
  // structuredClone and postMessage keep data and shape but not the class (no numel, no size()).
  const plain = (t: Tensor): Tensor => ({ data: t.data, shape: [...t.shape] }) as unknown as Tensor;
  it('a Tensor that lost its class (structuredClone, postMessage) works in every block, as the Tensor does', () => {
    const x = randn([5, 5, 2, 3], { seed: 1 });
    const w = randn([3, 3, 2, 4], { seed: 2 });
    const y = nnconv(x, w, null);
    const p = randn(y.shape, { seed: 3 });
    const same = (a: Tensor, b: Tensor) => { expect(a.shape).toEqual(b.shape); expect(Array.from(a.data)).toEqual(Array.from(b.data)); };
    same(nnconv(plain(x), plain(w), null), y);
    same(nnconv(plain(x), plain(w), null, plain(p)).dzdx!, nnconv(x, w, null, p).dzdx!);
    same(nnconvt(plain(y), plain(w), null), nnconvt(y, w, null));
    const s = randn([1, 1, 4, 3], { seed: 4 });
    const one = new Tensor(Float32Array.of(1), [1, 1]);
    same(nnloss(plain(s), [1, 2, 3], one), nnloss(s, [1, 2, 3], one));
    same(nnsoftmaxloss(plain(s), [1, 2, 3], one), nnsoftmaxloss(s, [1, 2, 3], one));
    const x0 = randn(s.shape, { seed: 5 });
    const d = randn([1, 1, 1, 3], { seed: 6 });
    same(nnpdist(plain(s), plain(x0), 2, plain(d)).dzdx, nnpdist(s, x0, 2, d).dzdx);
    expect(structuredClone(x).constructor).not.toBe(Tensor);
    same(nnrelu(structuredClone(x)), nnrelu(x));
  });
  it('a shape that is not sizes is an Error naming the block and the argument, whatever made it', () => {
    const t = (shape: unknown[]) => ({ data: new Float32Array(12), shape }) as unknown as Tensor;
    expect(() => nnsoftmaxloss(t([-1, -1, 4, 3]), [1, 2, 3])).toThrow('nnsoftmaxloss: x has shape [-1, -1, 4, 3], which must hold non-negative integers');
    expect(() => nnloss(t([-1, -1, 4, 3]), [1, 2, 3])).toThrow('nnloss: x has shape [-1, -1, 4, 3], which must hold non-negative integers');
    expect(() => nnpool({ data: new Float32Array(180), shape: [2.5, 12, 3, 2] } as unknown as Tensor, 2))
      .toThrow('nnpool: x has shape [2.5, 12, 3, 2], which must hold non-negative integers');
    expect(() => nnrelu(t(['2', '2', '3', '1']))).toThrow('nnrelu: x has shape [2, 2, 3, 1], which must hold non-negative integers');
    const x = randn([2, 3], { seed: 1 });
    (x.shape as number[])[0] = 3;
    expect(() => nnrelu(x)).toThrow('nnrelu: x has 6 elements but its shape [3, 3, 1, 1] needs 9');
  });
});
