import { beforeAll, describe, expect, it } from 'vitest';
import { init, nnnormalize, randn, Tensor, checkDerivativeElementwise } from '../src/index.js';
import { planNormalize, normalizeForward, normalizeBackward, normalizeScratch } from '../src/blocks/normalize.js';
import { normalizeForwardRef, normalizeBackwardRef, type LrnParam } from './ref/normalize.js';
import { expectExact, expectWithinU, numericalDerivative64, residentRun } from './helpers.js';

beforeAll(() => init());

// Accuracy against the float64 formula (tests/ref/normalize.ts), in units of 2^-24:
// y within 8 (4 ulp) of |y|, dzdx within 10 (5 ulp) of the size of its cancelling terms
// (|p L^-beta| + |2 alpha beta x| sum |p x L^(-beta-1)|). The worst seen over these grids is
// about 5.7 for y and 6.9 for dzdx. MatConvNet's CPU path (fast_pow) is off by up to 0.33%,
// some 55,000 times more. The reference is given the float32 roundings of kappa, alpha and beta,
// which is what the kernels compute with.
const Y_BOUND = 8;
const D_BOUND = 10;

const f32param = (p: readonly number[]): LrnParam => p.map(Math.fround) as unknown as LrnParam;

function checkAgainstRef(x: Tensor, param: LrnParam, p: Tensor, what: string): void {
  const y = nnnormalize(x, param);
  expect(y.shape).toEqual(x.shape);
  expectWithinU(y.data, normalizeForwardRef(x.data, x.shape, f32param(param)), undefined, Y_BOUND, `${what}: y`);
  const d = nnnormalize(x, param, p);
  const r = normalizeBackwardRef(x.data, x.shape, f32param(param), p.data);
  expectWithinU(d.data, r.dzdx, r.scale, D_BOUND, `${what}: dzdx`);
}

describe('nnnormalize equals the float64 formula to a few ulp', () => {
  // MatConvNet's suite (xtest/suite/nnnormalize.m): x = randn(3,2,10,4), param [N .1 .5 .75], N = 2..17.
  for (let depth = 1; depth <= 17; depth++) {
    it(`MatConvNet's grid: N = ${depth}, x 3x2x10x4`, () => {
      checkAgainstRef(randn([3, 2, 10, 4], { seed: depth }), [depth, 0.1, 0.5, 0.75], randn([3, 2, 10, 4], { seed: 100 + depth }), `N ${depth}`);
    });
  }

  // C from 1 to more than N; 15 pixels per channel (a group of 8 and a tail of 7), 2 images;
  // both fast powers, the vpow path, a negative beta (L^0.5) and beta = 0 (y = x).
  const params: LrnParam[] = [[5, 1, 2e-5, 0.75], [5, 0, 1, 0.5], [4, 0.5, 0.3, 1.3], [2, 2, 1e-4, 0.6], [6, 1, 0.1, -0.5],
    [3, 1, 0.5, 0], [1, 0.2, 0.4, 2], [8, 0.01, 2, 0.75]];
  for (const C of [1, 2, 3, 4, 5, 7, 8, 13, 40]) {
    it(`C = ${C}, every param`, () => {
      for (const param of params) {
        checkAgainstRef(randn([5, 3, C, 2], { seed: C }), param, randn([5, 3, C, 2], { seed: 50 + C }), `C ${C}, [${param.join(' ')}]`);
      }
    });
  }

  it('AlexNet conv1 55x55x96 [5 1 2e-5 0.75] (streamed in bands of pixels)', () => {
    checkAgainstRef(randn([55, 55, 96], { seed: 7 }), [5, 1, 2e-5, 0.75], randn([55, 55, 96], { seed: 8 }), 'conv1');
  });

  it('bands ending in a partial group, two images, window wider than C', () => {
    // 1517 pixels of 120 channels: bands of 1088 and 429 pixels (a group of 8 short at the end)
    checkAgainstRef(randn([37, 41, 120, 2], { seed: 9 }), [7, 0.5, 0.2, 0.75], randn([37, 41, 120, 2], { seed: 10 }), '37x41x120x2');
    checkAgainstRef(randn([9, 9, 6, 3], { seed: 11 }), [30, 0.5, 0.2, 0.6], randn([9, 9, 6, 3], { seed: 12 }), 'N 30 > C');
  });

  it('the window sums do not drift: a few huge channels among tiny ones, kappa = 0', () => {
    // A running sum (add the entering square, subtract the leaving one) keeps the rounding
    // errors of the 1e6 squares after they leave: windows of 1e-6 squares would be off by ~0.06.
    const C = 96;
    const x = randn([4, 3, C, 2], { seed: 13 });
    for (let e = 0; e < x.numel; e++) {
      const k = Math.floor(e / 12) % C;
      x.data[e] *= k % 17 === 3 ? 1e3 : 1e-3;
    }
    checkAgainstRef(x, [5, 0, 1, 0.5], randn(x.shape, { seed: 14 }), 'drift');
    checkAgainstRef(x, [9, 0, 2, 0.75], randn(x.shape, { seed: 15 }), 'drift N 9');
  });
});

describe('nnnormalize with kappa = 0 where a pixel is 0 in every channel', () => {
  it('gives y = 0 there, no NaN anywhere, and a finite derivative (0 there)', () => {
    const x = randn([6, 5, 3, 2], { seed: 21 });
    const zero = [0, 7, 13, 29, 30 + 4, 30 + 22];   // pixels (i + 6 j) of image 0, and 30 + of image 1
    for (const z of zero) {
      const n = z >= 30 ? 1 : 0;
      for (let k = 0; k < 3; k++) x.data[(z % 30) + 30 * (k + 3 * n)] = k === 1 ? -0 : 0;
    }
    const param: LrnParam = [5, 0, 1, 0.5];
    const y = nnnormalize(x, param);
    const p = randn(x.shape, { seed: 22 });
    const d = nnnormalize(x, param, p);
    for (let e = 0; e < x.numel; e++) {
      expect(Number.isFinite(y.data[e]), `y[${e}]`).toBe(true);
      expect(Number.isFinite(d.data[e]), `dzdx[${e}]`).toBe(true);
      if (x.data[e] === 0) {
        expect(Object.is(y.data[e], x.data[e]), `y[${e}] is x (+0 or -0)`).toBe(true);
        expect(d.data[e] === 0, `dzdx[${e}] = ${d.data[e]}`).toBe(true);
      }
    }
    // Elsewhere the formula holds as usual (the reference takes L^-beta = 0 where L = 0 too).
    checkAgainstRef(x, param, p, 'zero pixels');
  });

  it('where only the window is 0 (the other channels are not), y is 0 for those channels', () => {
    const C = 10;
    const x = randn([1, 1, C, 1], { seed: 23 });
    for (let k = 0; k < 5; k++) x.data[k] = 0;
    const y = nnnormalize(x, [3, 0, 1, 0.75]);
    // channels 0..3 have windows inside 0..4; channel 4's window reaches channel 5
    for (let k = 0; k < 5; k++) expect(y.data[k]).toBe(0);
    for (let k = 5; k < C; k++) expect(y.data[k]).not.toBe(0);
    checkAgainstRef(x, [3, 0, 1, 0.75], randn(x.shape, { seed: 24 }), 'zero window');
  });
});

describe("nnnormalize in the practical's part 1.4 and MatConvNet's l2 test", () => {
  it('[5 0 1 0.5] on a 3-channel image is per-pixel L2 normalisation x / ||x||', () => {
    const H = 24, W = 17;
    const x = randn([H, W, 3], { seed: 31 });
    for (let e = 0; e < x.numel; e++) x.data[e] = Math.fround(Math.abs(x.data[e]) / 3); // like an image in [0, 1]
    const y = nnnormalize(x, [5, 0, 1, 0.5]);
    const want = new Float64Array(x.numel);
    for (let i = 0; i < H * W; i++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += x.data[i + H * W * k] ** 2;
      for (let k = 0; k < 3; k++) want[i + H * W * k] = x.data[i + H * W * k] / Math.sqrt(s);
    }
    expectWithinU(y.data, want, undefined, 6, 'x / ||x||');
    for (let i = 0; i < H * W; i++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += y.data[i + H * W * k] ** 2;
      expect(Math.abs(s - 1)).toBeLessThan(1e-6);
    }
  });

  it('l2: x = randn(1,1,10,1), [20 0 1 .5] gives sum(y.^2) = 1', () => {
    const y = nnnormalize(randn([1, 1, 10], { seed: 32 }), [20, 0, 1, 0.5]);
    let s = 0;
    for (const v of y.data) s += v * v;
    expect(Math.abs(s - 1)).toBeLessThan(1e-6);
  });
});

describe('nnnormalize derivatives', () => {
  // MatConvNet's check (nntest.der): element-wise forward differences of the block itself.
  for (const depth of [1, 2, 3, 4, 5, 8, 11, 16, 17]) {
    it(`element-wise forward differences, MatConvNet's basic test, N = ${depth}`, () => {
      const x = randn([3, 2, 10, 4], { seed: 40 + depth });
      const p = randn(x.shape, { seed: 60 + depth });
      const param: LrnParam = [depth, 0.1, 0.5, 0.75];
      const d = nnnormalize(x, param, p);
      const r = checkDerivativeElementwise((t) => nnnormalize(t, param), x, p, d, { delta: 1e-3 });
      expect(r.ok, `worst ${r.worst} at ${r.at}, tolerance ${r.tolerance}`).toBe(true);
    });
  }

  // The float64 derivative of the float64 formula (central differences) against the kernels'
  // dzdx: checks the formula of §4.1 itself, including the transposed window for even N.
  const cases: [number[], LrnParam][] = [[[2, 3, 7, 2], [4, 0.5, 0.3, 1.3]], [[3, 2, 6, 1], [2, 2, 1e-1, 0.6]],
    [[2, 2, 9, 2], [5, 1, 2e-1, 0.75]], [[3, 1, 5, 1], [6, 1, 0.1, -0.5]], [[1, 2, 4, 3], [5, 0, 1, 0.5]], [[5, 1, 1, 1], [3, 0.3, 1, 0.75]]];
  for (const [shape, param] of cases) {
    it(`float64 central differences of the formula, ${shape.join('x')}, [${param.join(' ')}]`, () => {
      const x = randn(shape, { seed: shape[2] });
      const p = randn(shape, { seed: 70 + shape[2] });
      const q = f32param(param);
      const num = numericalDerivative64((t) => normalizeForwardRef(t, shape, q), x.data, p.data, 1e-5);
      const ref = normalizeBackwardRef(x.data, shape, q, p.data);
      // the formula's derivative is the numerical one (to the O(h^2) of the differences) ...
      for (let e = 0; e < num.length; e++) expect(Math.abs(num[e] - ref.dzdx[e])).toBeLessThan(1e-8 * (1 + ref.scale[e]));
      // ... and the kernels' dzdx is that derivative within the stated bound
      const d = nnnormalize(x, param, p);
      expectWithinU(d.data, num, ref.scale, D_BOUND + 1, 'dzdx against float64 differences');
    });
  }
});

describe('nnnormalize resident runners', () => {
  for (const shape of [[55, 55, 96, 1], [5, 3, 7, 3], [37, 41, 120, 2], [1, 1, 1, 1]]) {
    it(`compute exactly what the streamed block does, ${shape.join('x')}`, () => {
      const x = randn(shape, { seed: 81 });
      const p = randn(shape, { seed: 82 });
      const param: LrnParam = [5, 1, 2e-5, 0.75];
      const plan = planNormalize(x.shape, param, null);
      const y = residentRun([x.data], x.numel, normalizeScratch(plan), ([px, py, ps]) => normalizeForward(plan, px, py, ps));
      expectExact(y, nnnormalize(x, param).data, 'y');
      const bplan = planNormalize(x.shape, param, p.shape);
      const d = residentRun([x.data, p.data], x.numel, normalizeScratch(bplan),
        ([px, pp, pd, ps]) => normalizeBackward(bplan, px, pp, pd, ps));
      expectExact(d, nnnormalize(x, param, p).data, 'dzdx');
    });
  }

  it('plans clip the window to the channels and freeze', () => {
    const p = planNormalize([4, 4, 6, 1], [30, 1, 1, 0.75], null);
    expect([p.m1, p.m2, p.depth]).toEqual([5, 5, 30]);
    expect(Object.isFrozen(p)).toBe(true);
    const q = planNormalize([4, 4, 6, 1], [4, 1, 1, 0.75], null);
    expect([q.m1, q.m2]).toEqual([1, 2]);
  });
});

describe('nnnormalize inputs and errors', () => {
  it('never modifies its inputs and returns fresh tensors', () => {
    const x = randn([6, 7, 9, 2], { seed: 91 });
    const p = randn(x.shape, { seed: 92 });
    const param = [5, 1, 2e-5, 0.75];
    const xs = x.data.slice();
    const ps = p.data.slice();
    const y = nnnormalize(x, param);
    const d = nnnormalize(x, param, p);
    expectExact(x.data, xs, 'x after');
    expectExact(p.data, ps, 'dzdy after');
    expect(param).toEqual([5, 1, 2e-5, 0.75]);
    expect(y.data).not.toBe(x.data);
    expect(d.data.buffer).not.toBe(y.data.buffer);
  });

  it('accepts param as a Float64Array or Float32Array (a MAT-file vector)', () => {
    const x = randn([3, 3, 5], { seed: 93 });
    const want = nnnormalize(x, [5, 1, 0.5, 0.75]).data;
    expectExact(nnnormalize(x, new Float64Array([5, 1, 0.5, 0.75])).data, want, 'Float64Array param');
    expectExact(nnnormalize(x, new Float32Array([5, 1, 0.5, 0.75])).data, want, 'Float32Array param');
  });

  it('rejects a param that is not a plain [N, kappa, alpha, beta]', () => {
    const x = randn([3, 3, 5]);
    const bad: [unknown, RegExp][] = [
      [[5, 1, 2e-5], /nnnormalize: param must be \[N, kappa, alpha, beta\], 4 finite numbers, got \[5, 1, 0.00002\] \(3 elements\)/],
      [[5, 1, 2e-5, 0.75, 1], /param must be \[N, kappa, alpha, beta\].*\(5 elements\)/],
      [5, /param must be .*, got 5/],
      ['5 1 1 1', /param must be .*, got '5 1 1 1'/],
      [null, /param must be .*, got null/],
      [undefined, /param must be .*, got undefined/],
      [{ 0: 5, 1: 1, 2: 1, 3: 1, length: 4 }, /param must be .*, got Object/],
      [[5, NaN, 1, 1], /param must be .*got \[5, NaN, 1, 1\]/],
      [[5, 1, Infinity, 1], /param must be .*got \[5, 1, Infinity, 1\]/],
      [[5, 1, '1', 1], /param must be .*got \[5, 1, '1', 1\]/],
      [new Int32Array([5, 1, 1, 1]), /param must be .*got Int32Array/],
    ];
    for (const [param, re] of bad) expect(() => nnnormalize(x, param as never), String(param)).toThrow(re);
  });

  it('rejects a window size N that is not an integer >= 1', () => {
    const x = randn([3, 3, 5]);
    for (const n of [0, -1, 2.5, 1e-3]) {
      expect(() => nnnormalize(x, [n, 1, 1, 0.75])).toThrow(new RegExp(`nnnormalize: param\\[0\\], the window size N, must be an integer >= 1, got ${n}`));
    }
  });

  it('rejects a dzdy of the wrong size and a non-tensor x or dzdy, naming them', () => {
    const x = randn([4, 5, 3]);
    expect(() => nnnormalize(x, [5, 1, 1, 0.75], randn([4, 5, 2]))).toThrow(/nnnormalize: dzdy is 4x5x2 but must match y \(the size of x\), 4x5x3/);
    expect(() => nnnormalize(new Float32Array(4) as never, [5, 1, 1, 0.75])).toThrow(/nnnormalize: x must be a Tensor, got Float32Array/);
    expect(() => nnnormalize(x, [5, 1, 1, 0.75], [1, 2] as never)).toThrow(/nnnormalize: dzdy must be a Tensor, got Array/);
  });

  it('passes empty tensors through', () => {
    for (const shape of [[0, 3, 4], [3, 3, 0], [2, 2, 3, 0]]) {
      const x = new Tensor(new Float32Array(0), shape);
      expect(nnnormalize(x, [5, 1, 1, 0.75]).shape).toEqual(x.shape);
      expect(nnnormalize(x, [5, 1, 1, 0.75], x).data.length).toBe(0);
    }
  });

  it('propagates NaN and stays within its own pixel', () => {
    const x = randn([2, 2, 6], { seed: 94 });
    x.data[1 + 4 * 2] = NaN; // pixel 1, channel 2
    const y = nnnormalize(x, [3, 1, 1, 0.75]);
    for (let k = 0; k < 6; k++) {
      expect(Number.isNaN(y.data[1 + 4 * k])).toBe(k >= 1 && k <= 3);
      expect(Number.isNaN(y.data[0 + 4 * k])).toBe(false);
    }
  });
});
