import { beforeAll, describe, expect, it } from 'vitest';
import { init, nnrelu, randn, Tensor } from '../src/index.js';
import { reluForwardRef, reluBackwardRef } from './ref/relu.js';
import { distinct, expectExact } from './helpers.js';
import { ELEMENT_CHUNK as CH } from '../src/wasm.js';

beforeAll(() => init());

// Shapes around the vector width (4) and a batch, so tails are hit at every offset.
// The block streams 2^18-float chunks (ELEMENT_CHUNK), so lengths around one and two chunks come too.
const shapes = [[1, 1], [3, 1], [4, 1], [5, 3], [7, 9, 2], [16, 5, 3, 2], [13, 11, 3, 3],
  [CH - 1, 1], [CH, 1], [CH + 1, 1], [512, 1024, 1, 1], [2 * CH + 7, 1]];
const leaks = [0, 0.01, 0.2, 1, 2];

describe('nnrelu equals the reference exactly', () => {
  for (const shape of shapes) {
    for (const leak of leaks) {
      it(`shape ${shape.join('x')}, leak ${leak}`, () => {
        const x = randn(shape, { seed: shape.length * 100 + shape[0] });
        x.data[0] = 0; // the kink itself: y = 0 and derivative leak
        const p = randn(shape, { seed: 7 });
        const y = nnrelu(x, { leak });
        const d = nnrelu(x, p, { leak });
        expect(y.shape).toEqual(x.shape);
        expectExact(y.data, reluForwardRef(x.data, leak), 'y');
        expectExact(d.data, reluBackwardRef(x.data, p.data, leak), 'dzdx');
        expect(Object.is(y.data[0], 0)).toBe(true);
        expect(d.data[0]).toBe(Math.fround(Math.fround(leak) * p.data[0]));
      });
    }
  }

  it('keeps the default leak at 0 and returns +0 for negatives', () => {
    const x = new Tensor(new Float32Array([-3, -0.5, 0, 0.5, 3]), [5, 1]);
    expect(Array.from(nnrelu(x).data)).toEqual([0, 0, 0, 0.5, 3]);
    expect(Object.is(nnrelu(x).data[0], 0)).toBe(true);
  });

  it('propagates NaN through the leak formula', () => {
    const x = new Tensor(new Float32Array([NaN, 1, -1, NaN, NaN]), [5, 1]);
    const y = nnrelu(x, { leak: 0.1 });
    expect(Number.isNaN(y.data[0])).toBe(true);
    expect(Number.isNaN(y.data[4])).toBe(true);
  });
});

describe('nnrelu numerical derivative away from the kink', () => {
  // Values |x| >= 1 with a step of 1e-2 never cross 0, so the finite difference
  // of the piecewise-linear map is exact up to float64 rounding of the sums.
  for (const leak of [0, 0.1]) {
    it(`element-wise forward differences, leak ${leak}`, () => {
      const x = distinct([4, 3, 2], 3, 1, -12.5); // -11.5 .. 11.5, none near 0
      const p = randn(x.shape, { seed: 11 });
      const d = nnrelu(x, p, { leak });
      const delta = 1e-2;
      const y0 = nnrelu(x, { leak });
      for (let i = 0; i < x.numel; i++) {
        const xp = new Tensor(x.data.slice(), x.shape);
        xp.data[i] += delta;
        const y1 = nnrelu(xp, { leak });
        let s = 0;
        for (let q = 0; q < y0.numel; q++) s += p.data[q] * (y1.data[q] - y0.data[q]);
        expect(s / delta).toBeCloseTo(d.data[i], 3);
      }
    });
  }
});

describe('nnrelu inputs and errors', () => {
  it('never modifies its inputs and returns fresh tensors', () => {
    const x = randn([6, 7, 2], { seed: 5 });
    const p = randn([6, 7, 2], { seed: 6 });
    const xs = x.data.slice();
    const ps = p.data.slice();
    const y = nnrelu(x, { leak: 0.3 });
    const d = nnrelu(x, p, { leak: 0.3 });
    expectExact(x.data, xs, 'x after');
    expectExact(p.data, ps, 'dzdy after');
    expect(y.data).not.toBe(x.data);
    expect(y.data.buffer).not.toBe(d.data.buffer);
  });

  it('rejects a dzdy of the wrong size, naming both sizes', () => {
    const x = randn([4, 5, 3]);
    expect(() => nnrelu(x, randn([4, 5, 2]))).toThrow(/nnrelu: dzdy is 4x5x2 but must match .* 4x5x3/);
  });

  it('rejects unknown options and bad leaks', () => {
    const x = randn([2, 2]);
    expect(() => nnrelu(x, { leek: 0.1 } as never)).toThrow(/nnrelu: unknown option 'leek'/);
    expect(() => nnrelu(x, { leak: NaN })).toThrow(/nnrelu: leak must be a finite number, got NaN/);
    expect(() => nnrelu(x, { leak: '0.1' } as never)).toThrow(/leak must be a finite number/);
  });

  it('rejects a non-tensor x', () => {
    expect(() => nnrelu(new Float32Array(4) as never)).toThrow(/nnrelu: x must be a Tensor, got Float32Array/);
  });
});
