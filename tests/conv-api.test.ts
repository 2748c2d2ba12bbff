// nnconv: the identity bank (w = null), derivative selection, numerical
// derivatives (MatConvNet's element-wise check, SEMANTICS §5.2), input
// immutability and every argument error of SEMANTICS §1.8.
import { beforeAll, describe, expect, it } from 'vitest';
import { init, nnconv, randn, Tensor, zeros, type ConvOptions, type ConvDerivatives } from '../src/index.js';
import { identityForwardRef, identityBackwardRef, type RefDims } from './ref/conv.js';
import { distinct, expectClose, expectExact } from './helpers.js';

beforeAll(() => init());

describe('empty filters: the identity bank of §1.6 (pad, subsample, bias)', () => {
  const cases: { x: number[]; pad: number[]; stride: number[]; bias: boolean }[] = [
    { x: [5, 6, 3, 2], pad: [0, 0, 0, 0], stride: [1, 1], bias: false },
    { x: [5, 6, 3, 2], pad: [1, 2, 0, 3], stride: [1, 1], bias: true },
    { x: [9, 7, 2, 1], pad: [2, 1, 1, 2], stride: [2, 3], bias: true },
    { x: [11, 4, 2, 2], pad: [3, 0, 0, 0], stride: [1, 2], bias: false },
    { x: [2, 3, 4, 1], pad: [5, 4, 3, 6], stride: [3, 2], bias: true }, // mostly padding
  ];
  for (const c of cases) {
    it(`x ${c.x.join('x')} pad [${c.pad}] stride [${c.stride}]${c.bias ? ' +b' : ''}`, () => {
      const [H, W, C, N] = c.x;
      const d: RefDims = { H, W, C, N, FH: 1, FW: 1, FC: C, K: C, pad: c.pad, stride: c.stride, dilate: [1, 1] };
      const x = distinct(c.x, 3, 0.5, -10);
      const b = c.bias ? distinct([1, C], 4, 1, 0.25) : null;
      const y = nnconv(x, null, b, { pad: c.pad, stride: c.stride });
      expectExact(y.data, identityForwardRef(x.data, b?.data ?? null, d), 'y');
      const p = distinct(y.shape, 5, 0.25, -3);
      const g = nnconv(x, null, b, p, { pad: c.pad, stride: c.stride });
      const want = identityBackwardRef(p.data, d);
      expectExact(g.dzdx!.data, want.dzdx, 'dzdx');
      expect(g.dzdw).toBeNull();
      if (b) { expect(g.dzdb!.shape).toEqual(b.shape); expectExact(g.dzdb!.data, want.dzdb, 'dzdb'); }
      else expect(g.dzdb).toBeNull();
    });
  }

  it('treats any zero-element w as empty and a zero-element b as no bias', () => {
    const x = distinct([4, 5, 2], 1);
    const y = nnconv(x, zeros([0, 0, 0, 0]), zeros([0]), { pad: 1 });
    expectExact(y.data, nnconv(x, null, null, { pad: 1 }).data, 'y');
    expect(nnconv(x, zeros([0]), zeros([0]), randn(y.shape), { pad: 1 }).dzdb).toBeNull();
  });
});

describe('der selects the derivatives (MatConvNet NoDerData / NoDerFilters / NoDerBiases)', () => {
  const x = randn([8, 7, 4, 2], { seed: 1 });
  const w = randn([3, 3, 2, 6], { seed: 2 });
  const b = randn([1, 1, 6], { seed: 3 });
  const p = randn([6, 5, 6, 2], { seed: 4 });
  let all: ConvDerivatives;
  beforeAll(() => { all = nnconv(x, w, b, p); });
  for (const der of [{ x: false }, { w: false }, { b: false }, { x: false, w: false }, { x: false, b: false },
    { w: false, b: false }, { x: false, w: false, b: false }]) {
    it(JSON.stringify(der), () => {
      const g = nnconv(x, w, b, p, { der });
      for (const k of ['x', 'w', 'b'] as const) {
        const got = g[`dzd${k}`];
        if ((der as Record<string, boolean>)[k] === false) expect(got).toBeNull();
        else expectExact(got!.data, all[`dzd${k}`]!.data, `dzd${k}`);
      }
    });
  }
  it('gives dzdb the shape of b', () => expect(all.dzdb!.shape).toEqual([1, 1, 6, 1]));
});

/**
 * MatConvNet's numder (nntest.m): add delta to each element in turn and accumulate
 * sum(p .* (f(x + delta e_i) - f(x))) / delta in float64; tolerance 1% of the dynamic range.
 */
function checkNumerical(f: (t: Tensor) => Tensor, t: Tensor, p: Tensor, analytic: Float32Array, delta: number): void {
  const y0 = f(t).data;
  const num = new Float64Array(t.numel);
  for (let q = 0; q < t.numel; q++) {
    const tp = new Tensor(t.data.slice(), t.shape);
    tp.data[q] += delta;
    const y1 = f(tp).data;
    let s = 0;
    for (let r = 0; r < y1.length; r++) s += p.data[r] * (y1[r] - y0[r]);
    num[q] = s / delta;
  }
  let lo = Infinity, hi = -Infinity;
  for (const v of [...num, ...analytic]) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const tau = Math.max(0.01 * (hi - lo), 0.001 * Math.max(hi, -lo));
  for (let q = 0; q < t.numel; q++) {
    if (!(Math.abs(num[q] - analytic[q]) <= tau)) expect.fail(`element ${q}: numerical ${num[q]}, analytic ${analytic[q]}, tau ${tau}`);
  }
}

describe('numerical derivatives (element-wise forward differences, float64 sums)', () => {
  const cases: [string, number[], number[], ConvOptions][] = [
    ['plain', [5, 4, 3, 2], [2, 3, 3, 2], {}],
    ['pad, stride, dilate', [7, 6, 2, 1], [2, 2, 2, 3], { pad: [1, 0, 2, 1], stride: [2, 1], dilate: [1, 2] }],
    ['groups', [5, 5, 4, 1], [3, 2, 2, 4], { pad: 1 }],
  ];
  for (const [name, xs, ws, opts] of cases) {
    it(name, () => {
      const x = randn(xs, { seed: 11 }), w = randn(ws, { seed: 12 }), b = randn([ws[3]], { seed: 13 });
      const p = randn(nnconv(x, w, b, opts).shape, { seed: 14 });
      const g = nnconv(x, w, b, p, opts);
      checkNumerical((t) => nnconv(t, w, b, opts), x, p, g.dzdx!.data, 1e-2);
      checkNumerical((t) => nnconv(x, t, b, opts), w, p, g.dzdw!.data, 1e-2);
      checkNumerical((t) => nnconv(x, w, t, opts), b, p, g.dzdb!.data, 1e-2);
    });
  }
  it('identity bank', () => {
    const x = randn([5, 4, 2, 2], { seed: 1 }), b = randn([2], { seed: 2 });
    const opts = { pad: [1, 0, 0, 2], stride: [2, 1] };
    const p = randn(nnconv(x, null, b, opts).shape, { seed: 3 });
    const g = nnconv(x, null, b, p, opts);
    checkNumerical((t) => nnconv(t, null, b, opts), x, p, g.dzdx!.data, 1e-2);
    checkNumerical((t) => nnconv(x, null, t, opts), b, p, g.dzdb!.data, 1e-2);
  });
});

describe('inputs and errors', () => {
  it('never modifies its inputs', () => {
    const x = randn([6, 5, 4], { seed: 1 }), w = randn([3, 2, 2, 4], { seed: 2 }), b = randn([4], { seed: 3 });
    const p = randn([4, 5, 4], { seed: 4 });
    const saved = [x, w, b, p].map((t) => t.data.slice());
    nnconv(x, w, b, { pad: [0, 0, 1, 0] });
    nnconv(x, w, b, p, { pad: [0, 0, 1, 0] });
    [x, w, b, p].forEach((t, i) => expectExact(t.data, saved[i], `input ${i}`));
  });

  const x = randn([5, 6, 4]);
  const w = randn([3, 3, 2, 4]);
  const bad: [string, () => unknown, RegExp][] = [
    ['x not a tensor', () => nnconv(new Float32Array(4) as never, w, null), /nnconv: x must be a Tensor, got Float32Array/],
    ['w not a tensor', () => nnconv(x, [1, 2] as never, null), /nnconv: w must be a Tensor, got Array/],
    ['stride 0', () => nnconv(x, w, null, { stride: 0 }), /nnconv: stride must hold integers >= 1, got 0/],
    ['stride 1.5', () => nnconv(x, w, null, { stride: [1, 1.5] }), /nnconv: stride must hold integers >= 1, got \[1, 1.5\]/],
    ['negative pad', () => nnconv(x, w, null, { pad: [0, -1, 0, 0] }), /nnconv: pad must hold integers >= 0, got \[0, -1, 0, 0\]/],
    ['pad of 3 values', () => nnconv(x, w, null, { pad: [1, 1, 1] }), /nnconv: pad must be a number or \[top, bottom, left, right\]/],
    ['NaN dilate', () => nnconv(x, w, null, { dilate: NaN }), /nnconv: dilate must hold integers >= 1, got NaN/],
    ['dilate with empty w', () => nnconv(x, null, null, { dilate: 2 }), /nnconv: dilate must be 1 when w is empty.*\[2, 2\]/],
    ['filter larger than padded input', () => nnconv(x, randn([4, 3, 2, 4]), null, { dilate: [2, 1] }),
      /nnconv: the padded input 5x6 \(x 5x6x4, pad \[0, 0, 0, 0\]\) is smaller than the dilated filter 7x3/],
    ['C % FC', () => nnconv(x, randn([3, 3, 3, 4]), null), /nnconv: w has FC=3 but x has C=4/],
    ['filter deeper than input', () => nnconv(x, randn([3, 3, 8, 4]), null), /FC=8 but x has C=4.*deeper than the input/],
    ['K % G', () => nnconv(x, randn([3, 3, 2, 5]), null), /nnconv: w has K=5 filters, not a multiple of the G=2 groups/],
    ['dzdy size', () => nnconv(x, w, null, randn([3, 4, 5])), /nnconv: dzdy is 3x4x5 but must have the size of y, 3x4x4/],
    ['b size', () => nnconv(x, w, randn([5])), /nnconv: b has 5 elements \(5x1\) but must have K=4/],
    ['b size, empty w', () => nnconv(x, null, randn([3])), /b has 3 elements .* K=4 \(C, since w is empty\)/],
    ['unknown option', () => nnconv(x, w, null, { strides: 2 } as never), /nnconv: unknown option 'strides'/],
    ['der typo', () => nnconv(x, w, null, randn([3, 4, 4]), { der: { dx: false } } as never), /nnconv: der: unknown option 'dx'/],
    ['der not boolean', () => nnconv(x, w, null, randn([3, 4, 4]), { der: { x: 0 } } as never), /nnconv: der.x must be true or false/],
    ['empty x', () => nnconv(zeros([0, 3, 4]), w, null), /nnconv: x is 0x3x4/],
  ];
  for (const [name, f, re] of bad) it(`rejects ${name}`, () => expect(f).toThrow(re));

  it('accepts an empty batch', () => {
    const y = nnconv(zeros([5, 6, 4, 0]), w, randn([4]));
    expect(y.shape).toEqual([3, 4, 4, 0]);
  });
});
