import { beforeAll, describe, expect, it } from 'vitest';
import { init, nnsigmoid, randn, Tensor, checkDerivativeElementwise } from '../src/index.js';
import { planSigmoid, sigmoidForward, sigmoidBackward } from '../src/blocks/sigmoid.js';
import { reserve, write, read, ELEMENT_CHUNK as CH } from '../src/wasm.js';
import { sigmoidForwardRef, sigmoidBackwardRef } from './ref/sigmoid.js';
import { expectExact } from './helpers.js';
import { worstUlps, numder64, expectNear } from './numerics.js';

beforeAll(() => init());

const f32 = (a: ArrayLike<number>): Float32Array => Float32Array.from(a);

describe('nnsigmoid accuracy against float64', () => {
  it('forward is within 3 ulp of 1 / (1 + exp(-x)) on [-87, 17] and 1 above', () => {
    // Every 0.001 from -87 to 17 (where y is below 1), then the saturated range.
    const xs: number[] = [];
    for (let i = -87000; i <= 17000; i++) xs.push(i / 1000 + 0.0003);
    const x = new Tensor(f32(xs), [xs.length, 1]);
    const y = nnsigmoid(x);
    const w = worstUlps(y.data, sigmoidForwardRef(x.data));
    expect(w.ulps, `worst at x = ${x.data[w.at]}`).toBeLessThanOrEqual(3);
    const big = nnsigmoid(new Tensor(f32([17.5, 20, 50, 88, 100, 1e4, Infinity]), [7, 1]));
    expect(Array.from(big.data)).toEqual([1, 1, 1, 1, 1, 1, 1]);
  });

  it('saturates as MATLAB single does: 0 below -88.7, NaN stays NaN', () => {
    const y = nnsigmoid(new Tensor(f32([-100, -1e4, -Infinity, NaN, -88, 0]), [6, 1]));
    expect(Object.is(y.data[0], 0) && Object.is(y.data[1], 0) && Object.is(y.data[2], 0)).toBe(true);
    expect(Number.isNaN(y.data[3])).toBe(true);
    expect(y.data[4]).toBeGreaterThan(0); // exp(88) is finite: y = 1 / (1 + 1.65e38)
    expect(y.data[4]).toBeCloseTo(Math.exp(-88), 45);
    expect(y.data[5]).toBe(0.5);
  });

  it('backward is dzdy * (y * (1 - y)) of the forward y, in float32 (bit for bit)', () => {
    const x = randn([37, 29, 3], { seed: 3 });
    for (let i = 0; i < x.numel; i++) x.data[i] *= 6;
    const p = randn(x.shape, { seed: 4 });
    const y = nnsigmoid(x);
    const d = nnsigmoid(x, p);
    const want = new Float32Array(x.numel);
    for (let i = 0; i < want.length; i++) want[i] = Math.fround(p.data[i] * Math.fround(y.data[i] * Math.fround(1 - y.data[i])));
    expectExact(d.data, want, 'dzdx');
  });

  it('backward is close to float64 where y (1 - y) is well conditioned (|x| < 4)', () => {
    const x = randn([64, 50], { seed: 5 });
    const p = randn(x.shape, { seed: 6 });
    const d = nnsigmoid(x, p);
    // 1 - y loses relative accuracy as y -> 1: |x| < 4 keeps it within 2^-19.
    expectNear(d.data, sigmoidBackwardRef(x.data, p.data), 2 ** -18, 1e-30, 'dzdx');
  });

  it('backward at x = +-100 is 0, as y (1 - y) is', () => {
    const x = new Tensor(f32([-100, 100, -1e4, 1e4]), [4, 1]);
    const d = nnsigmoid(x, new Tensor(f32([1, 1, 1, 1]), [4, 1]));
    expect(Array.from(d.data)).toEqual([0, 0, 0, 0]);
  });
});

describe('nnsigmoid vector lanes and scalar tails', () => {
  it('out-of-range steps among in-range ones (the loop leaves and re-enters its fast path): each element equals the scalar one', () => {
    // |x| > 86.5, +-Inf and NaN at scattered places of every vector of a step, the rest randn.
    const x = randn([2003, 1], { seed: 11 });
    const p = randn([2003, 1], { seed: 12 });
    const specials = [-100, 100, -88, 87, 86.5, -86.5, 86.51, -1e4, Infinity, -Infinity, NaN, -88.7, 88.7];
    for (let j = 0; j < 60; j++) x.data[(j * 37 + (j % 5)) % 2000] = specials[j % specials.length];
    for (let i = 1500; i < 1530; i++) x.data[i] = -90 + i / 100; // a run of out-of-range steps
    const y = nnsigmoid(x);
    const d = nnsigmoid(x, p);
    for (let i = 0; i < x.numel; i++) {
      const one = nnsigmoid(new Tensor(f32([x.data[i]]), [1, 1])).data[0];
      const done = nnsigmoid(new Tensor(f32([x.data[i]]), [1, 1]), new Tensor(f32([p.data[i]]), [1, 1])).data[0];
      if (Number.isNaN(one)) {
        expect(Number.isNaN(y.data[i]) && Number.isNaN(d.data[i]), `x[${i}] = NaN`).toBe(true);
      } else {
        expect(y.data[i], `y[${i}] at x = ${x.data[i]}`).toBe(one);
        expect(d.data[i], `dzdx[${i}] at x = ${x.data[i]}`).toBe(done);
      }
    }
  });

  // Lengths around the vector width, the forward's step (16), the backward block (1024) and the
  // streamed chunk (ELEMENT_CHUNK).
  for (const n of [1, 3, 4, 5, 7, 15, 16, 17, 31, 1023, 1024, 1025, 1029, CH - 1, CH, CH + 1, 2 * CH + 7]) {
    it(`${n} elements: every element equals the same value computed in lane 0`, () => {
      const x = randn([n, 1], { seed: n });
      const p = randn([n, 1], { seed: n + 1 });
      const y = nnsigmoid(x);
      const d = nnsigmoid(x, p);
      // The same values one at a time, each in lane 0 of a 16-element call (one vector step), so a
      // scalar-tail element of the long call is checked against a vector lane.
      const lane0 = (v: number) => new Tensor(f32([v, ...new Array(15).fill(0)]), [16, 1]);
      for (const i of [0, n - 1, n >> 1, Math.max(0, n - 3)]) {
        expect(nnsigmoid(lane0(x.data[i])).data[0], `y[${i}]`).toBe(y.data[i]);
        expect(nnsigmoid(lane0(x.data[i]), lane0(p.data[i])).data[0], `dzdx[${i}]`).toBe(d.data[i]);
      }
      const w = worstUlps(y.data, sigmoidForwardRef(x.data));
      expect(w.ulps).toBeLessThanOrEqual(3);
    });
  }
});

describe('nnsigmoid derivatives', () => {
  it("MatConvNet's test: 5x5 randn, element-wise forward differences (delta 1e-3)", () => {
    const x = randn([5, 5], { seed: 11 });
    const p = randn([5, 5], { seed: 12 });
    const d = nnsigmoid(x, p);
    const r = checkDerivativeElementwise((t) => nnsigmoid(t), x, p, d, { delta: 1e-3 });
    expect(r.ok, `worst ${r.worst} > ${r.tolerance} at ${r.at}`).toBe(true);
  });

  it('float64 central differences of the reference match the block backward', () => {
    const x = randn([7, 6, 2, 2], { seed: 13 });
    for (let i = 0; i < x.numel; i++) x.data[i] *= 3;
    const p = randn(x.shape, { seed: 14 });
    const num = numder64((t) => sigmoidForwardRef(t), x.data, p.data, 1e-5);
    // |x| up to ~9 here: 1 - y near 1 carries float32's absolute 2^-24 error into dzdx.
    expectNear(nnsigmoid(x, p).data, num, 1e-5, 2e-7, 'dzdx');
  });
});

describe('nnsigmoid resident runners', () => {
  it('forward and backward on wasm addresses equal the public block', () => {
    const x = randn([9, 11, 3, 2], { seed: 21 });
    const q = randn(x.shape, { seed: 22 });
    const plan = planSigmoid(x.shape, q.shape);
    const [px, pq, py, pd] = reserve('test', x.numel, x.numel, x.numel, x.numel);
    write(px, x.data);
    write(pq, q.data);
    sigmoidForward(plan, px, py);
    sigmoidBackward(plan, px, pq, pd);
    expectExact(read(py, x.numel), nnsigmoid(x).data, 'y');
    expectExact(read(pd, x.numel), nnsigmoid(x, q).data, 'dzdx');
  });
});

describe('nnsigmoid inputs and errors', () => {
  it('never modifies its inputs', () => {
    const x = randn([6, 7, 2], { seed: 5 });
    const p = randn([6, 7, 2], { seed: 6 });
    const xs = x.data.slice();
    const ps = p.data.slice();
    nnsigmoid(x);
    nnsigmoid(x, p);
    expectExact(x.data, xs, 'x after');
    expectExact(p.data, ps, 'dzdy after');
  });

  it('rejects a dzdy of the wrong size, a non-tensor and extra arguments', () => {
    const x = randn([4, 5, 3]);
    expect(() => nnsigmoid(x, randn([4, 5, 2]))).toThrow(/nnsigmoid: dzdy is 4x5x2 but must match .* 4x5x3/);
    expect(() => nnsigmoid(new Float32Array(4) as never)).toThrow(/nnsigmoid: x must be a Tensor, got Float32Array/);
    expect(() => nnsigmoid(x, {} as never)).toThrow(/nnsigmoid: dzdy must be a Tensor, got Object/);
    expect(() => (nnsigmoid as (...a: unknown[]) => unknown)(x, x, {})).toThrow(/nnsigmoid: takes \(x\) or \(x, dzdy\)/);
  });

  it('keeps an empty tensor empty', () => {
    expect(nnsigmoid(new Tensor(new Float32Array(0), [0, 3])).shape).toEqual([0, 3, 1, 1]);
  });
});
