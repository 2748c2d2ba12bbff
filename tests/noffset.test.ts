import { beforeAll, describe, expect, it } from 'vitest';
import { init, nnnoffset, randn, Tensor, checkDerivativeElementwise } from '../src/index.js';
import { planNoffset, noffsetForward, noffsetBackward, noffsetScratch } from '../src/blocks/noffset.js';
import { noffsetForwardRef, noffsetBackwardRef } from './ref/noffset.js';
import { expectExact, expectWithinU, numericalDerivative64, residentRun } from './helpers.js';

beforeAll(() => init());

// Accuracy against the float64 formula (tests/ref/noffset.ts), in units of 2^-24, relative to
// the size of the terms that cancel (|x| + |a L^b| for y; |dzdy| + |2ab x| sum|dzdy| L^(b-1) for
// dzdx): within 10 (5 ulp). The channel sums are float64, so L is within half an ulp; the worst
// seen is about 7 (b = 1.5 through vpow), 4 on the sqrt paths of DagNN's default [1 0.5].
const BOUND = 10;

type Param = readonly [number, number];
const f32param = (p: Param): Param => [Math.fround(p[0]), Math.fround(p[1])];

function checkAgainstRef(x: Tensor, param: Param, p: Tensor, what: string): void {
  const y = nnnoffset(x, param);
  expect(y.shape).toEqual(x.shape);
  const yr = noffsetForwardRef(x.data, x.shape, f32param(param));
  const scale = yr.map((v, e) => Math.abs(x.data[e]) + Math.abs(x.data[e] - v));
  expectWithinU(y.data, yr, scale, BOUND, `${what}: y`);
  const r = noffsetBackwardRef(x.data, x.shape, f32param(param), p.data);
  expectWithinU(nnnoffset(x, param, p).data, r.dzdx, r.scale, BOUND, `${what}: dzdx`);
}

describe('nnnoffset equals the float64 formula to a few ulp', () => {
  const params: Param[] = [[1, 0.5], [0.3, 0.25], [2, 1.5], [1, 1], [0.5, -0.5], [-1, 0.75]];
  for (const C of [1, 2, 3, 4, 5, 16, 100]) {
    it(`C = ${C}, 5x3 pixels (a tail of 3), 2 images, every param`, () => {
      for (const param of params) {
        checkAgainstRef(randn([5, 3, C, 2], { seed: C }), param, randn([5, 3, C, 2], { seed: 20 + C }), `C ${C} [${param.join(' ')}]`);
      }
    });
  }

  it('a large image streamed in bands of pixels (55x55x96)', () => {
    checkAgainstRef(randn([55, 55, 96], { seed: 3 }), [1, 0.5], randn([55, 55, 96], { seed: 4 }), '55x55x96');
  });

  it('clamps L at 1e-8 where a pixel is 0 (and the derivative uses the clamped L)', () => {
    const x = randn([3, 2, 4], { seed: 5 });
    for (let k = 0; k < 4; k++) x.data[1 + 6 * k] = 0;
    const y = nnnoffset(x, [1, 0.5]);
    for (let k = 0; k < 4; k++) expect(y.data[1 + 6 * k]).toBe(-Math.fround(Math.sqrt(Math.fround(1e-8))));
    checkAgainstRef(x, [1, 0.5], randn(x.shape, { seed: 6 }), 'zero pixel');
  });

  it("takes MATLAB's max(NaN, 1e-8) = 1e-8: a NaN channel leaves its pixel's other channels finite", () => {
    const x = randn([2, 2, 3], { seed: 7 });
    x.data[2 + 4] = NaN; // pixel 2, channel 1
    const y = nnnoffset(x, [1, 0.5]);
    expect(Number.isNaN(y.data[2 + 4])).toBe(true);
    expect(y.data[2]).toBe(Math.fround(x.data[2] - Math.fround(Math.sqrt(Math.fround(1e-8)))));
    expect(Number.isFinite(y.data[2 + 8])).toBe(true);
  });
});

describe('nnnoffset derivatives', () => {
  for (const param of [[1, 0.5], [0.3, 0.25], [2, 1.5]] as Param[]) {
    it(`element-wise forward differences, [${param.join(' ')}]`, () => {
      const x = randn([4, 3, 5, 2], { seed: 31 });
      const p = randn(x.shape, { seed: 32 });
      const r = checkDerivativeElementwise((t) => nnnoffset(t, param), x, p, nnnoffset(x, param, p), { delta: 1e-3 });
      expect(r.ok, `worst ${r.worst} at ${r.at}, tolerance ${r.tolerance}`).toBe(true);
    });

    it(`float64 central differences of the formula, [${param.join(' ')}]`, () => {
      const shape = [3, 2, 6, 2];
      const x = randn(shape, { seed: 33 });
      const p = randn(shape, { seed: 34 });
      const q = f32param(param);
      const num = numericalDerivative64((t) => noffsetForwardRef(t, shape, q), x.data, p.data, 1e-5);
      const ref = noffsetBackwardRef(x.data, shape, q, p.data);
      for (let e = 0; e < num.length; e++) expect(Math.abs(num[e] - ref.dzdx[e])).toBeLessThan(1e-8 * (1 + ref.scale[e]));
      expectWithinU(nnnoffset(x, param, p).data, num, ref.scale, BOUND + 1, 'dzdx against float64 differences');
    });
  }
});

describe('nnnoffset resident runners', () => {
  for (const shape of [[55, 55, 96, 1], [5, 3, 7, 3], [1, 1, 1, 1]]) {
    it(`compute exactly what the streamed block does, ${shape.join('x')}`, () => {
      const x = randn(shape, { seed: 41 });
      const p = randn(shape, { seed: 42 });
      const param: Param = [0.7, 0.5];
      const plan = planNoffset(x.shape, param, null);
      const y = residentRun([x.data], x.numel, noffsetScratch(plan), ([px, py, ps]) => noffsetForward(plan, px, py, ps));
      expectExact(y, nnnoffset(x, param).data, 'y');
      const bplan = planNoffset(x.shape, param, p.shape);
      const d = residentRun([x.data, p.data], x.numel, noffsetScratch(bplan), ([px, pp, pd, ps]) => noffsetBackward(bplan, px, pp, pd, ps));
      expectExact(d, nnnoffset(x, param, p).data, 'dzdx');
    });
  }
});

describe('nnnoffset inputs and errors', () => {
  it('never modifies its inputs', () => {
    const x = randn([6, 7, 3, 2], { seed: 51 });
    const p = randn(x.shape, { seed: 52 });
    const xs = x.data.slice();
    const ps = p.data.slice();
    nnnoffset(x, [1, 0.5]);
    nnnoffset(x, [1, 0.5], p);
    expectExact(x.data, xs, 'x after');
    expectExact(p.data, ps, 'dzdy after');
  });

  it('rejects a param that is not a plain [a, b] of finite numbers', () => {
    const x = randn([4, 4, 2]);
    expect(() => nnnoffset(x, [1] as never)).toThrow(/nnnoffset: param must be \[a, b\], 2 finite numbers, got \[1\] \(1 elements\)/);
    expect(() => nnnoffset(x, [1, 0.5, 2] as never)).toThrow(/nnnoffset: param must be \[a, b\].*\(3 elements\)/);
    expect(() => nnnoffset(x, [1, NaN])).toThrow(/nnnoffset: param must be .*got \[1, NaN\]/);
    expect(() => nnnoffset(x, 0.5 as never)).toThrow(/nnnoffset: param must be .*got 0.5/);
  });

  it('rejects a dzdy of the wrong size, naming both sizes', () => {
    expect(() => nnnoffset(randn([4, 5, 3]), [1, 0.5], randn([5, 4, 3]))).toThrow(/nnnoffset: dzdy is 5x4x3 but must match y \(the size of x\), 4x5x3/);
  });

  it('passes empty tensors through', () => {
    for (const shape of [[0, 3, 4], [3, 3, 0]]) {
      const x = new Tensor(new Float32Array(0), shape);
      expect(nnnoffset(x, [1, 0.5]).shape).toEqual(x.shape);
      expect(nnnoffset(x, [1, 0.5], x).data.length).toBe(0);
    }
  });
});
