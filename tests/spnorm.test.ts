import { beforeAll, describe, expect, it } from 'vitest';
import { init, nnspnorm, randn, Tensor, checkDerivativeElementwise } from '../src/index.js';
import { planSpnorm, spnormForward, spnormBackward, spnormScratch } from '../src/blocks/spnorm.js';
import { spnormForwardRef, spnormBackwardRef, type SpnormParam } from './ref/spnorm.js';
import { expectExact, expectWithinU, numericalDerivative64, residentRun } from './helpers.js';

beforeAll(() => init());

// Accuracy against the float64 formula (tests/ref/spnorm.ts), in units of 2^-24: y within 10
// (5 ulp) of |y|, dzdx within 10 of the size of its cancelling terms. The worst seen is about 6
// (beta = 2, alpha = 10: the window mean's rounding, raised to the power 2). The reference gets
// the float32 roundings of alpha and beta, as the kernels.
const BOUND = 10;

const f32param = (p: readonly number[]): SpnormParam => p.map(Math.fround) as unknown as SpnormParam;

function checkAgainstRef(x: Tensor, param: SpnormParam, p: Tensor, what: string): void {
  const y = nnspnorm(x, param);
  expect(y.shape).toEqual(x.shape);
  expectWithinU(y.data, spnormForwardRef(x.data, x.shape, f32param(param)), undefined, BOUND, `${what}: y`);
  const r = spnormBackwardRef(x.data, x.shape, f32param(param), p.data);
  expectWithinU(nnspnorm(x, param, p).data, r.dzdx, r.scale, BOUND, `${what}: dzdx`);
}

describe('nnspnorm equals the float64 formula to a few ulp', () => {
  it("MatConvNet's basic case: 13x17x4x5, [3 3 0.1 0.75]", () => {
    checkAgainstRef(randn([13, 17, 4, 5], { seed: 1 }), [3, 3, 0.1, 0.75], randn([13, 17, 4, 5], { seed: 2 }), 'basic');
  });

  // Odd and even windows (even ones reach one pixel further down/right), windows larger than the
  // image (clipped), 1x1; both fast powers, beta = 2 (1/f^2), the vpow path and DagNN's default.
  const params: SpnormParam[] = [[2, 2, 10, 2], [1, 1, 0.5, 1.2], [3, 2, 1, 0.5], [4, 5, 0.3, 0.75], [5, 1, 2, 0.6], [1, 6, 0.1, 2],
    [9, 9, 1, 0.75], [2, 3, 0, 1]];
  for (const shape of [[7, 6, 3, 2], [1, 5, 2, 1], [4, 1, 1, 3], [11, 9, 1, 1], [2, 2, 2, 2]]) {
    it(`${shape.join('x')}, every param`, () => {
      for (const param of params) {
        checkAgainstRef(randn(shape, { seed: shape[0] }), param, randn(shape, { seed: 10 + shape[1] }), `${shape.join('x')} [${param.join(' ')}]`);
      }
    });
  }

  it('planes streamed one by one (a 300x250 plane) and many at once (40 channels of 7x6)', () => {
    checkAgainstRef(randn([300, 250, 2], { seed: 3 }), [3, 3, 0.1, 0.75], randn([300, 250, 2], { seed: 4 }), '300x250x2');
    checkAgainstRef(randn([7, 6, 40, 3], { seed: 5 }), [2, 2, 10, 2], randn([7, 6, 40, 3], { seed: 6 }), '7x6x40x3');
  });

  it('takes the mean of squares over in-image pixels only, with the window [i - floor((PH-1)/2), i + ceil((PH-1)/2)]', () => {
    // x = [1; 2; 3] with [2 1 1 1]: windows rows {0,1}, {1,2}, {2}: N2 = [5/2, 13/2, 9], y = x / (1 + N2)
    const y = nnspnorm(new Tensor(new Float32Array([1, 2, 3]), [3, 1]), [2, 1, 1, 1]);
    expectWithinU(y.data, [1 / 3.5, 2 / 7.5, 3 / 10], undefined, 2, 'y');
    // a 3x3 window on a 2x2 image: every window is the whole image (clipped), N2 = (1+4+9+16)/4
    const z = nnspnorm(new Tensor(new Float32Array([1, 2, 3, 4]), [2, 2]), [3, 3, 2, 0.5]);
    expectWithinU(z.data, [1, 2, 3, 4].map((v) => v / 4), undefined, 2, '3x3 on 2x2');
  });
});

describe('nnspnorm derivatives', () => {
  it("element-wise forward differences (MatConvNet's basic test: 13x17x4x5, dzdy = rand)", () => {
    const x = randn([13, 17, 4, 5], { seed: 21 });
    const p = new Tensor(randn(x.shape, { seed: 22 }).data.map((v) => Math.abs(v) / 3), x.shape);
    const param: SpnormParam = [3, 3, 0.1, 0.75];
    const r = checkDerivativeElementwise((t) => nnspnorm(t, param), x, p, nnspnorm(x, param, p), { delta: 1e-3 });
    expect(r.ok, `worst ${r.worst} at ${r.at}, tolerance ${r.tolerance}`).toBe(true);
  });

  const cases: [number[], SpnormParam][] = [[[5, 4, 2, 1], [3, 3, 0.1, 0.75]], [[4, 5, 1, 2], [2, 2, 10, 2]],
    [[3, 6, 2, 1], [4, 3, 1, 0.5]], [[6, 3, 1, 1], [5, 2, 0.5, 1.2]]];
  for (const [shape, param] of cases) {
    it(`float64 central differences of the formula, ${shape.join('x')}, [${param.join(' ')}]`, () => {
      const x = randn(shape, { seed: shape[0] + 30 });
      const p = randn(shape, { seed: shape[1] + 40 });
      const q = f32param(param);
      const num = numericalDerivative64((t) => spnormForwardRef(t, shape, q), x.data, p.data, 1e-5);
      const ref = spnormBackwardRef(x.data, shape, q, p.data);
      for (let e = 0; e < num.length; e++) expect(Math.abs(num[e] - ref.dzdx[e])).toBeLessThan(1e-8 * (1 + ref.scale[e]));
      expectWithinU(nnspnorm(x, param, p).data, num, ref.scale, BOUND + 1, 'dzdx against float64 differences');
    });
  }
});

describe('nnspnorm resident runners', () => {
  for (const shape of [[13, 17, 4, 5], [300, 250, 2, 1], [1, 1, 1, 1]]) {
    it(`compute exactly what the streamed block does, ${shape.join('x')}`, () => {
      const x = randn(shape, { seed: 51 });
      const p = randn(shape, { seed: 52 });
      const param: SpnormParam = [4, 3, 0.5, 0.75];
      const plan = planSpnorm(x.shape, param, null);
      const y = residentRun([x.data], x.numel, spnormScratch(plan), ([px, py, ps]) => spnormForward(plan, px, py, ps));
      expectExact(y, nnspnorm(x, param).data, 'y');
      const bplan = planSpnorm(x.shape, param, p.shape);
      const d = residentRun([x.data, p.data], x.numel, spnormScratch(bplan), ([px, pp, pd, ps]) => spnormBackward(bplan, px, pp, pd, ps));
      expectExact(d, nnspnorm(x, param, p).data, 'dzdx');
    });
  }

  it('plans map the window to the avg pool: pad [pt pb pl pr], clipped to the image', () => {
    const p = planSpnorm([10, 10, 1, 1], [4, 5, 1, 1], null);
    expect(p.pool?.pool).toEqual([4, 5]);
    expect(p.pool?.pad).toEqual([1, 2, 2, 2]);
    expect([p.pool?.Ho, p.pool?.Wo]).toEqual([10, 10]);
    const q = planSpnorm([3, 2, 1, 1], [9, 8, 1, 1], null);
    expect(q.pool?.pad).toEqual([2, 2, 1, 1]);
    expect(q.pool?.pool).toEqual([5, 3]);
    expect(Object.isFrozen(p)).toBe(true);
  });
});

describe('nnspnorm inputs and errors', () => {
  it('never modifies its inputs', () => {
    const x = randn([6, 7, 3, 2], { seed: 61 });
    const p = randn(x.shape, { seed: 62 });
    const xs = x.data.slice();
    const ps = p.data.slice();
    nnspnorm(x, [3, 3, 0.1, 0.75]);
    nnspnorm(x, [3, 3, 0.1, 0.75], p);
    expectExact(x.data, xs, 'x after');
    expectExact(p.data, ps, 'dzdy after');
  });

  it('rejects a param that is not [PH, PW, alpha, beta] with integer windows', () => {
    const x = randn([4, 4, 2]);
    expect(() => nnspnorm(x, [3, 3, 0.1] as never)).toThrow(/nnspnorm: param must be \[PH, PW, alpha, beta\], 4 finite numbers, got \[3, 3, 0.1\] \(3 elements\)/);
    expect(() => nnspnorm(x, [3, 3, NaN, 1])).toThrow(/nnspnorm: param must be .*got \[3, 3, NaN, 1\]/);
    expect(() => nnspnorm(x, 'a' as never)).toThrow(/nnspnorm: param must be .*got 'a'/);
    expect(() => nnspnorm(x, [0, 3, 1, 1])).toThrow(/nnspnorm: param\[0\], the window PH, must be an integer from 1 to \d+, got 0/);
    expect(() => nnspnorm(x, [3, 1.5, 1, 1])).toThrow(/nnspnorm: param\[1\], the window PW, must be an integer from 1 to \d+, got 1.5/);
    expect(() => nnspnorm(x, [3, 2 ** 30, 1, 1])).toThrow(/param\[1\], the window PW/);
  });

  it('rejects a dzdy of the wrong size, naming both sizes', () => {
    expect(() => nnspnorm(randn([4, 5, 3]), [3, 3, 1, 1], randn([4, 5, 3, 2]))).toThrow(/nnspnorm: dzdy is 4x5x3x2 but must match y \(the size of x\), 4x5x3/);
  });

  it('passes empty tensors through', () => {
    for (const shape of [[0, 3, 4], [3, 0], [2, 2, 0]]) {
      const x = new Tensor(new Float32Array(0), shape);
      expect(nnspnorm(x, [3, 3, 1, 1]).shape).toEqual(x.shape);
      expect(nnspnorm(x, [3, 3, 1, 1], x).data.length).toBe(0);
    }
  });
});
