// nnconvt against the naive scatter reference (tests/ref/convt.ts) over MatConvNet's own
// grid (xtest/suite/nnconvt.m: basic, upsample_crop, grouped_filters, one_one_image),
// sizes that reach the conv kernels' other paths, element-wise numerical derivatives
// (float64 sums) for x, w and b, its relation to nnconv, input immutability and every
// argument error.
//
// Grid inputs are small seeded integers in -4..4, so every product and partial sum is an
// integer far below 2^24 and float32 arithmetic is exact in any order: results must equal
// the reference exactly.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  init, nnconv, nnconvt, randn, Tensor, zeros, memoryBytes, checkDerivativeElementwise, type ConvtOptions,
} from '../src/index.js';
import { convtForwardRef, convtBackwardRef, convtSizeRef, type ConvtRefDims } from './ref/convt.js';
import { expectClose, expectExact } from './helpers.js';

beforeAll(() => init());

type Tuple = number | number[];
interface Case { x: number[]; w: number[]; bias: boolean; upsample?: Tuple; crop?: Tuple; numGroups?: number }

const four = (s: number[]) => [...s, 1, 1, 1].slice(0, 4);
const tuple = (v: Tuple | undefined, n: number, dflt: number) =>
  v === undefined ? new Array(n).fill(dflt) : typeof v === 'number' ? new Array(n).fill(v) : v;

/** Seeded integers in -4..4 (an LCG), shaped as given. */
function smallInts(shape: number[], seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    v[i] = (s >>> 16) % 9 - 4;
  }
  return new Tensor(v, shape);
}

function refDims(c: Case): ConvtRefDims {
  const [H, W, D, N] = four(c.x);
  const [FH, FW, K] = four(c.w);
  return { H, W, D, N, FH, FW, K, G: c.numGroups ?? 1, upsample: tuple(c.upsample, 2, 1), crop: tuple(c.crop, 4, 0) };
}

const optsOf = (c: Case): ConvtOptions => ({ upsample: c.upsample, crop: c.crop, numGroups: c.numGroups });

const label = (c: Case) => `x ${c.x.join('x')} w ${c.w.join('x')}${c.bias ? ' +b' : ''}` +
  `${c.upsample !== undefined ? ` up ${c.upsample}` : ''}${c.crop !== undefined ? ` crop ${c.crop}` : ''}` +
  `${c.numGroups !== undefined ? ` G ${c.numGroups}` : ''}`;

/** Forward and all three derivatives equal the reference exactly. */
function checkExact(c: Case, seed: number): void {
  const d = refDims(c);
  const { Ho, Wo, C } = convtSizeRef(d);
  const x = smallInts(c.x, seed), w = smallInts(c.w, seed + 1);
  const b = c.bias ? smallInts([1, C], seed + 2) : null;
  const y = nnconvt(x, w, b, optsOf(c));
  expect(y.shape).toEqual([Ho, Wo, C, d.N]);
  expectClose(y.data, convtForwardRef(x.data, w.data, b?.data ?? null, d), 0, 0, `y (${label(c)})`);
  const p = smallInts([Ho, Wo, C, d.N], seed + 3);
  const g = nnconvt(x, w, b, p, optsOf(c));
  const want = convtBackwardRef(x.data, w.data, p.data, d);
  expect(g.dzdx.shape).toEqual(x.shape);
  expect(g.dzdw.shape).toEqual(w.shape);
  expectClose(g.dzdx.data, want.dzdx, 0, 0, `dzdx (${label(c)})`);
  expectClose(g.dzdw.data, want.dzdw, 0, 0, `dzdw (${label(c)})`);
  if (b === null) expect(g.dzdb).toBeNull();
  else {
    expect(g.dzdb!.shape).toEqual(b.shape);
    expectClose(g.dzdb!.data, want.dzdb, 0, 0, `dzdb (${label(c)})`);
  }
}

function grid(title: string, cases: Case[]): void {
  describe(title, () => {
    for (const [i, c] of cases.entries()) it(label(c), () => checkExact(c, i + 1));
  });
}

// nnconvt.m basic: depth 1..3 x numImages 1..4 x numFilters 1..3, x 10x12, f 3x4 (with and without b).
const basic: Case[] = [];
for (let m = 1; m <= 3; m++) for (let n = 1; n <= 4; n++) for (let k = 1; k <= 3; k++) {
  basic.push({ x: [10, 12, m, n], w: [3, 4, k, m], bias: (m + n + k) % 2 === 0 });
  basic.push({ x: [10, 12, m, n], w: [3, 4, k, m], bias: (m + n + k) % 2 !== 0 });
}
grid('basic (nnconvt.m): depth 1..3, images 1..4, filters 1..3, with and without bias', basic);

// nnconvt.m upsample_crop: upsample [upy upx] 1..3 each, crop [pady1 pady2 padx1 padx2] 1..3 each,
// x 5x6x3x2, f 3x4x3x3: all 729 combinations, one test per upsample pair; plus crop 0.
describe('upsample_crop (nnconvt.m): upsample 1..3 x 1..3, every crop in 1..3 on each side, and crop 0', () => {
  for (let upy = 1; upy <= 3; upy++) for (let upx = 1; upx <= 3; upx++) {
    it(`upsample [${upy}, ${upx}]`, () => {
      let seed = 100 * upy + 10 * upx;
      checkExact({ x: [5, 6, 3, 2], w: [3, 4, 3, 3], bias: true, upsample: [upy, upx], crop: 0 }, seed++);
      for (let py1 = 1; py1 <= 3; py1++) for (let py2 = 1; py2 <= 3; py2++) for (let px1 = 1; px1 <= 3; px1++) {
        for (let px2 = 1; px2 <= 3; px2++) {
          checkExact({ x: [5, 6, 3, 2], w: [3, 4, 3, 3], bias: (py1 + px2) % 2 === 0, upsample: [upy, upx],
            crop: [py1, py2, px1, px2] }, seed++);
        }
      }
    });
  }
});

// nnconvt.m grouped_filters: numGroups 1..3 x depth 1..3 x numFilters 1..3; x 10x12x(m*ng)x3,
// f 3x4xkx(m*ng), b k*ng.
const grouped: Case[] = [];
for (let ng = 1; ng <= 3; ng++) for (let m = 1; m <= 3; m++) for (let k = 1; k <= 3; k++) {
  grouped.push({ x: [10, 12, m * ng, 3], w: [3, 4, k, m * ng], bias: true, numGroups: ng });
}
grid('grouped_filters (nnconvt.m): numGroups 1..3, depth 1..3, filters 1..3', grouped);

// nnconvt.m one_one_image: x 1x1x3x4, f (3*fsx)x(fsx) with fsx = (1..2)*up, up 1..2, symmetric-ish
// crops 1..8 below the filter width (and crop 0: the fully-connected shape of the conv kernels).
const oneOne: Case[] = [];
for (let up = 1; up <= 2; up++) for (let f = 1; f <= 2; f++) for (let crop = 0; crop <= 8; crop++) {
  const fsx = f * up;
  if (crop > fsx - 1) continue;
  const ch = Math.floor(crop / 2);
  oneOne.push({ x: [1, 1, 3, 4], w: [3 * fsx, fsx, 3, 3], bias: true, upsample: [up, up], crop: [ch, crop - ch, ch, crop - ch] });
}
grid('one_one_image (nnconvt.m): 1x1 inputs, filters up to 6x2, crops below the filter size', oneOne);

// Shapes that take the conv kernels' other paths: the forward (conv_backward_data) with tiles
// cut across columns and channel chunks, dzdx (conv_forward) with Winograd column pairs
// (upsample 1, 16+ rows, 8+ channels per group) and with strided packing, dzdw
// (conv_backward_filter) with more than 16 rows (its general path) and groups.
grid('sizes around the conv kernels\' paths', [
  { x: [18, 7, 16, 1], w: [3, 3, 4, 16], bias: true, crop: 1 }, // dzdx: Winograd pairs
  { x: [17, 6, 16, 2], w: [3, 2, 3, 16], bias: false, crop: [1, 0, 0, 1], numGroups: 2 }, // Winograd, 8 per group
  { x: [20, 9, 5, 2], w: [4, 4, 3, 5], bias: true, upsample: 2, crop: 1 }, // the bench's layer, small
  { x: [19, 5, 4, 1], w: [5, 3, 2, 4], bias: true, upsample: [3, 2], crop: [2, 1, 0, 3] },
  { x: [9, 33, 3, 1], w: [2, 5, 7, 3], bias: true, upsample: [1, 3], crop: [0, 1, 4, 2] },
  { x: [6, 5, 6, 2], w: [3, 3, 1, 6], bias: true, upsample: 2, numGroups: 6 }, // depthwise
  { x: [4, 4, 2, 1], w: [7, 7, 2, 2], bias: false, crop: [4, 5, 3, 5] }, // crops as wide as x: output 1x2
  { x: [3, 2, 5, 2], w: [1, 1, 4, 5], bias: true, upsample: [2, 3] }, // 1x1 filters: zeros between samples
  { x: [2, 3, 2, 1], w: [2, 2, 3, 2], bias: true, upsample: 4 }, // upsample larger than the filter
]);

describe('realistic values (randn) agree with the reference to float32 rounding', () => {
  const cases: Case[] = [
    { x: [16, 16, 32, 2], w: [4, 4, 16, 32], bias: true, upsample: 2, crop: 1 }, // an FCN-style 2x upsampler
    { x: [24, 20, 64, 1], w: [4, 4, 32, 64], bias: true, upsample: 2, crop: 1 }, // the bench's shape, smaller
    { x: [13, 11, 12, 3], w: [5, 3, 6, 12], bias: true, upsample: [3, 2], crop: [1, 2, 0, 1], numGroups: 3 },
  ];
  for (const c of cases) {
    it(label(c), () => {
      const d = refDims(c);
      const x = randn(c.x, { seed: 1 }), w = randn(c.w, { seed: 2 }), b = randn([d.K * d.G], { seed: 3 });
      const y = nnconvt(x, w, b, optsOf(c));
      const tol = 2e-6 * d.FH * d.FW * (d.D / d.G);
      expectClose(y.data, convtForwardRef(x.data, w.data, b.data, d), tol, tol, 'y');
      const p = randn(y.shape, { seed: 4 });
      const g = nnconvt(x, w, b, p, optsOf(c));
      const want = convtBackwardRef(x.data, w.data, p.data, d);
      expectClose(g.dzdx.data, want.dzdx, 2e-6 * d.FH * d.FW * d.K, 2e-6 * d.FH * d.FW * d.K, 'dzdx');
      const tw = 2e-6 * d.H * d.W * d.N, tb = 2e-6 * y.shape[0] * y.shape[1] * d.N;
      expectClose(g.dzdw.data, want.dzdw, tw, tw, 'dzdw');
      expectClose(g.dzdb!.data, want.dzdb, tb, tb, 'dzdb');
    });
  }
});

describe('numerical derivatives (element-wise forward differences, float64 sums) for x, w and b', () => {
  const cases: [string, Case][] = [
    ['basic', { x: [4, 5, 2, 2], w: [3, 4, 3, 2], bias: true }],
    ['upsample and crop', { x: [3, 4, 3, 2], w: [3, 4, 2, 3], bias: true, upsample: [2, 3], crop: [1, 2, 0, 1] }],
    ['groups', { x: [3, 3, 4, 2], w: [2, 3, 2, 4], bias: true, numGroups: 2, upsample: 2, crop: [0, 1, 1, 0] }],
    ['one_one_image', { x: [1, 1, 3, 2], w: [6, 2, 3, 3], bias: true, upsample: 2, crop: [1, 1, 0, 1] }],
  ];
  for (const [name, c] of cases) {
    it(name, () => {
      const d = refDims(c);
      const o = optsOf(c);
      const x = randn(c.x, { seed: 11 }), w = randn(c.w, { seed: 12 }), b = randn([1, d.K * d.G], { seed: 13 });
      const p = randn(nnconvt(x, w, b, o).shape, { seed: 14 });
      const g = nnconvt(x, w, b, p, o);
      const rx = checkDerivativeElementwise((t) => nnconvt(t, w, b, o), x, p, g.dzdx);
      const rw = checkDerivativeElementwise((t) => nnconvt(x, t, b, o), w, p, g.dzdw);
      const rb = checkDerivativeElementwise((t) => nnconvt(x, w, t, o), b, p, g.dzdb!);
      for (const [what, r] of [['x', rx], ['w', rw], ['b', rb]] as const) {
        expect(r.ok, `${what}: worst ${r.worst} at ${r.at}, tolerance ${r.tolerance}`).toBe(true);
      }
    });
  }
});

describe('the definition through nnconv (SEMANTICS §4.6)', () => {
  const c: Case = { x: [5, 4, 6, 2], w: [3, 4, 2, 6], bias: false, upsample: [2, 3], crop: [1, 0, 2, 1], numGroups: 3 };
  const d = refDims(c);
  const { Ho, Wo, C } = convtSizeRef(d);
  const convOpts = { stride: c.upsample, pad: c.crop };
  it('y is the data derivative of nnconv(z, w, [], stride = upsample, pad = crop) with x as its dzdy', () => {
    const x = smallInts(c.x, 1), w = smallInts(c.w, 2), z = smallInts([Ho, Wo, C, d.N], 3);
    expect(nnconv(z, w, null, convOpts).shape).toEqual(x.shape);
    expectClose(nnconvt(x, w, null, optsOf(c)).data, nnconv(z, w, null, x, convOpts).dzdx.data, 0, 0, 'y');
  });
  it('dzdx is nnconv(dzdy, w) and dzdw its filter derivative with x as dzdy; <conv(z), x> = <z, convt(x)>', () => {
    const x = smallInts(c.x, 4), w = smallInts(c.w, 5), p = smallInts([Ho, Wo, C, d.N], 6);
    const g = nnconvt(x, w, null, p, optsOf(c));
    const cg = nnconv(p, w, null, x, convOpts);
    expectClose(g.dzdx.data, nnconv(p, w, null, convOpts).data, 0, 0, 'dzdx');
    expectClose(g.dzdw.data, cg.dzdw.data, 0, 0, 'dzdw');
    const y = nnconvt(x, w, null, optsOf(c)).data, u = nnconv(p, w, null, convOpts).data;
    let a = 0, e = 0;
    for (let i = 0; i < y.length; i++) a += y[i] * p.data[i];
    for (let i = 0; i < u.length; i++) e += u[i] * x.data[i];
    expect(a).toBe(e);
  });
});

describe('inputs and errors', () => {
  it('never modifies its inputs', () => {
    const x = randn([5, 4, 4, 2], { seed: 1 }), w = randn([3, 2, 3, 4], { seed: 2 }), b = randn([6], { seed: 3 });
    const o = { upsample: 2, crop: [1, 0, 0, 1], numGroups: 2 };
    const p = randn(nnconvt(x, w, b, o).shape, { seed: 4 });
    const saved = [x, w, b, p].map((t) => t.data.slice());
    nnconvt(x, w, b, o);
    nnconvt(x, w, b, p, o);
    [x, w, b, p].forEach((t, i) => expectExact(t.data, saved[i], `input ${i}`));
  });

  it('treats a zero-element b as no bias and gives dzdb the shape of b', () => {
    const x = randn([3, 4, 2], { seed: 1 }), w = randn([2, 2, 3, 2], { seed: 2 });
    const y = nnconvt(x, w, zeros([0]));
    expectExact(y.data, nnconvt(x, w, null).data, 'y');
    expect(nnconvt(x, w, zeros([0]), randn(y.shape)).dzdb).toBeNull();
    expect(nnconvt(x, w, randn([1, 1, 3]), randn(y.shape)).dzdb!.shape).toEqual([1, 1, 3, 1]);
  });

  it('reuses WebAssembly memory: a second identical round does not grow it', () => {
    const x = randn([20, 18, 16, 2], { seed: 1 }), w = randn([4, 4, 8, 16], { seed: 2 }), b = randn([16], { seed: 3 });
    const o = { upsample: 2, crop: 1, numGroups: 2 };
    const p = randn(nnconvt(x, w, b, o).shape, { seed: 4 });
    nnconvt(x, w, b, p, o);
    const before = memoryBytes();
    nnconvt(x, w, b, o);
    nnconvt(x, w, b, p, o);
    expect(memoryBytes()).toBe(before);
  });

  it('accepts an empty batch (zero derivatives for w and b)', () => {
    const x = zeros([3, 4, 2, 0]), w = randn([2, 2, 3, 2], { seed: 1 }), b = randn([3], { seed: 2 });
    const y = nnconvt(x, w, b, { upsample: 2 });
    expect(y.shape).toEqual([6, 8, 3, 0]);
    const g = nnconvt(x, w, b, zeros([6, 8, 3, 0]), { upsample: 2 });
    expect(g.dzdx.shape).toEqual([3, 4, 2, 0]);
    expectExact(g.dzdw.data, new Float32Array(w.numel), 'dzdw');
    expectExact(g.dzdb!.data, new Float32Array(3), 'dzdb');
  });

  const x = randn([5, 6, 4]);
  const w = randn([3, 3, 2, 4]);
  const bad: [string, () => unknown, RegExp][] = [
    ['x not a tensor', () => nnconvt(new Float32Array(4) as never, w, null), /nnconvt: x must be a Tensor, got Float32Array/],
    ['w not a tensor', () => nnconvt(x, null as never, null), /nnconvt: w must be a Tensor, got null/],
    ['b not a tensor', () => nnconvt(x, w, [1, 2] as never), /nnconvt: b must be a Tensor, got Array/],
    ['unknown option', () => nnconvt(x, w, null, { stride: 2 } as never),
      /nnconvt: unknown option 'stride'; the options are 'upsample', 'crop', 'numGroups'/],
    ['upsample 0', () => nnconvt(x, w, null, { upsample: 0 }), /nnconvt: upsample must hold integers >= 1, got 0/],
    ['upsample 1.5', () => nnconvt(x, w, null, { upsample: [1, 1.5] }), /nnconvt: upsample must hold integers >= 1, got \[1, 1.5\]/],
    ['upsample of 3 values', () => nnconvt(x, w, null, { upsample: [1, 2, 3] }), /nnconvt: upsample must be a number or \[y, x\], got \[1, 2, 3\]/],
    ['negative crop', () => nnconvt(x, w, null, { crop: [0, -1, 0, 0] }), /nnconvt: crop must hold integers >= 0, got \[0, -1, 0, 0\]/],
    ['crop of 2 values', () => nnconvt(x, w, null, { crop: [1, 1] }), /nnconvt: crop must be a number or \[top, bottom, left, right\]/],
    ['empty x', () => nnconvt(zeros([0, 3, 4]), w, null), /nnconvt: x is 0x3x4; H, W and D must be at least 1/],
    ['void filter dimension', () => nnconvt(x, zeros([3, 0, 2, 4]), null), /nnconvt: w is 3x0x2x4; its first three dimensions/],
    ['numGroups 0', () => nnconvt(x, w, null, { numGroups: 0 }), /nnconvt: numGroups must be an integer >= 1, got 0/],
    ['numGroups 1.5', () => nnconvt(x, w, null, { numGroups: 1.5 }), /nnconvt: numGroups must be an integer >= 1, got 1.5/],
    ['numGroups not a number', () => nnconvt(x, w, null, { numGroups: '2' } as never), /nnconvt: numGroups must be an integer >= 1, got '2'/],
    ['G not dividing D', () => nnconvt(x, w, null, { numGroups: 3 }),
      /nnconvt: numGroups G=3 does not divide w's 4th dimension D=4 \(w 3x3x2x4\)/],
    ['w\'s 4th dimension not the depth', () => nnconvt(x, randn([3, 3, 2, 3]), null),
      /nnconvt: w is 3x3x2x3, so its 4th dimension D=3 must equal the depth of x, but x is 5x6x4 \(depth 4\)/],
    ['a 3-D w (D = 1) for a deeper x', () => nnconvt(x, randn([3, 3, 2]), null), /nnconvt: w is 3x3x2, so its 4th dimension D=1/],
    ['crop too large', () => nnconvt(x, w, null, { crop: [4, 3, 0, 0] }),
      /nnconvt: the output would be 0x8, empty: crop \[4, 3, 0, 0\] is too large for x 5x6x4 upsampled by \[1, 1\] with w 3x3/],
    ['crop too large across', () => nnconvt(x, w, null, { upsample: [1, 2], crop: [0, 0, 13, 0] }),
      /nnconvt: the output would be 7x0, empty.*Wo = 2\*\(6 - 1\) \+ 3 - 13 - 0/],
    ['dzdy size', () => nnconvt(x, w, null, randn([7, 8, 3])), /nnconvt: dzdy is 7x8x3 but must have the size of y, 7x8x2/],
    ['dzdy size with groups', () => nnconvt(x, w, null, randn([7, 8, 2]), { numGroups: 2 }),
      /nnconvt: dzdy is 7x8x2 but must have the size of y, 7x8x4/],
    ['b count', () => nnconvt(x, w, randn([1, 3])), /nnconvt: b has 3 elements \(1x3\) but must have K\*G=2 \(K=2 filters x G=1 groups\)/],
    ['b count with groups', () => nnconvt(x, w, randn([2]), { numGroups: 2 }), /nnconvt: b has 2 elements \(2x1\) but must have K\*G=4/],
    ['dzdy not a tensor', () => nnconvt(x, w, null, 3 as never), /nnconvt: dzdy must be a Tensor/],
    ['an argument after the options', () => (nnconvt as (...a: unknown[]) => unknown)(x, w, null, {}, {}),
      /nnconvt: unexpected argument after the options/],
  ];
  for (const [name, f, re] of bad) it(`rejects ${name}`, () => expect(f).toThrow(re));

  it('checks in vl_nnconvt.cu\'s order: upsample, crop, w, numGroups, depth, output, dzdy, b', () => {
    const all = { upsample: 0, crop: -1, numGroups: 0 };
    expect(() => nnconvt(x, randn([3, 3, 2, 3]), randn([9]), all)).toThrow(/upsample/);
    expect(() => nnconvt(x, randn([3, 3, 2, 3]), randn([9]), { ...all, upsample: 1 })).toThrow(/crop/);
    expect(() => nnconvt(x, zeros([3, 0, 2, 3]), randn([9]), { numGroups: 0 })).toThrow(/first three dimensions/);
    expect(() => nnconvt(x, randn([3, 3, 2, 3]), randn([9]), { numGroups: 0 })).toThrow(/numGroups must be/);
    expect(() => nnconvt(x, randn([3, 3, 2, 3]), randn([9]), { numGroups: 2 })).toThrow(/does not divide/);
    expect(() => nnconvt(x, randn([3, 3, 2, 3]), randn([9]), { crop: 9 })).toThrow(/4th dimension D=3 must equal/);
    expect(() => nnconvt(x, w, randn([9]), randn([2, 2]), { crop: 9 })).toThrow(/output would be/);
    expect(() => nnconvt(x, w, randn([9]), randn([2, 2]))).toThrow(/dzdy is 2x2/);
  });
});
