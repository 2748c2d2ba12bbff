// nnconv against the naive reference (tests/ref/conv.ts), forward and backward,
// over parameter grids modelled on MatConvNet's xtest/suite/nnconv.m.
//
// Inputs are distinct small integers (MatConvNet's randperm trick), so every
// product and partial sum is an integer below 2^24 and float32 arithmetic is
// exact in any summation order: results must equal the reference exactly.
import { beforeAll, describe, expect, it } from 'vitest';
import { init, nnconv, randn, Tensor, type ConvOptions } from '../src/index.js';
import { convForwardRef, convBackwardRef, convSizeRef, type RefDims } from './ref/conv.js';
import { distinct, expectClose, expectExact, residentRun } from './helpers.js';
import { planConv, spanOf, convForward, convForwardScratch } from '../src/blocks/conv.js';
import { kernels } from '../src/wasm.js';
import { limitThreads } from '../src/threads.js';

beforeAll(() => init());

type Tuple = number | number[];
interface Case { x: number[]; w: number[]; bias?: boolean; pad?: Tuple; stride?: Tuple; dilate?: Tuple; oneThread?: boolean }

const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);
const four = (s: number[]) => [...s, 1, 1, 1].slice(0, 4);
const tuple = (v: Tuple | undefined, n: number, dflt: number) =>
  v === undefined ? new Array(n).fill(dflt) : typeof v === 'number' ? new Array(n).fill(v) : v;

/** Centred distinct integers: a permutation of 1..n shifted to about -n/2 .. n/2. */
const ints = (shape: number[], seed: number) => distinct(shape, seed, 1, -Math.floor(numel(shape) / 2));

export function refDims(c: Case): RefDims {
  const [H, W, C, N] = four(c.x);
  const [FH, FW, FC, K] = four(c.w);
  return { H, W, C, N, FH, FW, FC, K, pad: tuple(c.pad, 4, 0), stride: tuple(c.stride, 2, 1), dilate: tuple(c.dilate, 2, 1) };
}

const label = (c: Case) => `x ${c.x.join('x')} w ${c.w.join('x')}${c.bias ? ' +b' : ''}` +
  `${c.pad !== undefined ? ` pad ${c.pad}` : ''}${c.stride !== undefined ? ` stride ${c.stride}` : ''}` +
  `${c.dilate !== undefined ? ` dilate ${c.dilate}` : ''}`;

/** Forward and all three derivatives equal the reference exactly. */
function checkExact(c: Case, seed = 1): void {
  const d = refDims(c);
  const x = ints(c.x, seed);
  const w = ints(c.w, seed + 1);
  const b = c.bias ? ints([d.K], seed + 2) : null;
  const opts: ConvOptions = { pad: c.pad, stride: c.stride, dilate: c.dilate };
  const { Ho, Wo } = convSizeRef(d);
  const y = nnconv(x, w, b, opts);
  expect(y.shape).toEqual([Ho, Wo, d.K, d.N]);
  expectClose(y.data, convForwardRef(x.data, w.data, b?.data ?? null, d), 0, 0, 'y');
  const p = ints([Ho, Wo, d.K, d.N], seed + 3);
  const g = nnconv(x, w, b, p, opts);
  const want = convBackwardRef(x.data, w.data, p.data, d);
  expect(g.dzdx!.shape).toEqual(x.shape);
  expect(g.dzdw!.shape).toEqual(w.shape);
  expectClose(g.dzdx!.data, want.dzdx, 0, 0, 'dzdx');
  expectClose(g.dzdw!.data, want.dzdw, 0, 0, 'dzdw');
  if (b === null) expect(g.dzdb).toBeNull();
  else expectClose(g.dzdb!.data, want.dzdb, 0, 0, 'dzdb');
}

function grid(title: string, cases: Case[]): void {
  describe(title, () => {
    for (const [i, c] of cases.entries()) it(label(c), () => checkExact(c, i + 1));
  });
}

const filterShapes: Case[] = [];
for (let FH = 1; FH <= 3; FH++) for (let FW = 1; FW <= 5; FW++) for (const bias of [false, true]) {
  filterShapes.push({ x: [6, 7, 3, 2], w: [FH, FW, 3, 2], bias });
}
grid('filter shapes 1..3 x 1..5, with and without bias', filterShapes);

const strideDilate: Case[] = [];
for (let s = 1; s <= 3; s++) for (let dl = 1; dl <= 3; dl++) {
  strideDilate.push({ x: [11, 10, 2, 2], w: [2, 3, 2, 3], bias: true, pad: [1, 0, 2, 1], stride: s, dilate: dl });
}
strideDilate.push(
  { x: [11, 10, 2, 1], w: [3, 2, 2, 3], pad: [0, 2, 1, 0], stride: [1, 3], dilate: [2, 1] },
  { x: [11, 10, 2, 1], w: [3, 2, 2, 3], pad: [2, 0, 0, 1], stride: [3, 1], dilate: [1, 3] },
  { x: [12, 9, 2, 1], w: [2, 2, 2, 5], pad: 1, stride: [2, 1], dilate: [1, 2] },
);
grid('stride x dilate [1..3] x [1..3], asymmetric pads', strideDilate);

grid('groups (G = 2, 3, 4, depthwise)', [
  { x: [7, 6, 4, 2], w: [2, 2, 2, 4], bias: true },
  { x: [7, 6, 4, 2], w: [3, 2, 2, 6], pad: 1 },
  { x: [6, 5, 6, 1], w: [2, 3, 2, 6], bias: true, stride: 2 },
  { x: [6, 5, 6, 1], w: [1, 1, 2, 9] },
  { x: [5, 6, 8, 1], w: [3, 3, 2, 8], pad: [1, 1, 0, 2] },
  { x: [5, 6, 8, 1], w: [2, 2, 2, 12], dilate: 2, pad: 1 },
  { x: [9, 6, 5, 1], w: [3, 3, 1, 5], bias: true, pad: 1 },
  { x: [9, 6, 5, 1], w: [3, 3, 1, 10], stride: [2, 1] },
]);

grid('batches, boundaries and sizes around the vector width', [
  { x: [5, 6, 3, 3], w: [3, 3, 3, 4], bias: true, pad: 1 },
  { x: [4, 5, 3, 2], w: [4, 5, 3, 7], bias: true }, // fully connected: output 1x1
  { x: [3, 3, 2, 3], w: [3, 3, 2, 5] },
  { x: [1, 1, 3, 2], w: [1, 1, 3, 4], bias: true }, // 1x1 input
  { x: [1, 1, 3, 2], w: [3, 3, 3, 2], pad: 1 },
  { x: [4, 3, 2, 1], w: [2, 2, 2, 3], bias: true, pad: 3 }, // padding larger than the filter
  { x: [4, 3, 2, 1], w: [2, 2, 2, 3], pad: [4, 0, 0, 5], stride: 2 },
  { x: [9, 2, 2, 1], w: [2, 1, 2, 3], pad: [0, 0, 1, 1] },
  { x: [13, 3, 2, 1], w: [1, 3, 2, 3], pad: [0, 3, 0, 0] },
  { x: [17, 3, 2, 1], w: [3, 2, 2, 7], pad: [2, 1, 1, 0] }, // several 8-row blocks per column
  { x: [16, 3, 2, 1], w: [5, 2, 2, 3], bias: true, pad: [2, 2, 0, 1] }, // windows 1-2 rows past both ends
  { x: [13, 2, 2, 1], w: [1, 2, 2, 3], pad: [0, 3, 1, 0] }, // 3 rows past the bottom
  { x: [16, 2, 2, 1], w: [7, 1, 2, 4], pad: [4, 2, 0, 0] }, // 4 rows past the top
  { x: [16, 4, 3, 1], w: [3, 3, 3, 13] },
  { x: [20, 3, 1, 2], w: [5, 2, 1, 10], bias: true, stride: [1, 2] },
]);

// Outputs of at most 16 pixels that reach no padding: one matrix product over the whole batch
// (assembly/conv/batch.ts) for all three passes: step blocks (R, or Q pixels, past 256), column
// blocks past 512, 4-column tiles with 1..3 left over, dW direct (R % 8 == 0) or via scratch, the
// fully-connected dzdx written in place, groups, strides, dilations, pads the taps never reach.
// (Layers too large for exact integers are among the randn cases below.)
grid('small outputs, one product over the batch', [
  { x: [2, 2, 20, 70], w: [2, 2, 20, 9] },
  { x: [4, 4, 6, 5], w: [2, 2, 2, 6], stride: 2 },
  { x: [7, 6, 3, 2], w: [2, 3, 3, 5], stride: [2, 3], dilate: [2, 1] },
  { x: [5, 5, 4, 3], w: [3, 3, 4, 5], pad: [0, 1, 0, 1], stride: 2 },
]);

// At most 4 output pixels in the whole call, taps inside x: patch elements in the lanes
// (assembly/conv/dot.ts). One pixel (4 filters a tile, the last tile short), 2..4 pixels (4
// pixels x 2 filters, a short tile repeating its last row and column), R below, at and past a
// multiple of 4 (R = 3 is all tail), K below 4 and odd, groups, 2x2 and 2x1 maps from strides
// and dilations, bias or none.
const tiny: Case[] = [
  { x: [3, 3, 5, 1], w: [3, 3, 5, 7], bias: true },
  { x: [3, 3, 5, 2], w: [3, 3, 5, 3] },
  { x: [3, 3, 5, 3], w: [3, 3, 5, 9], bias: true },
  { x: [3, 3, 5, 4], w: [3, 3, 5, 10] },
  { x: [1, 1, 3, 2], w: [1, 1, 3, 5], bias: true },
  { x: [1, 1, 1, 4], w: [1, 1, 1, 3] },
  { x: [2, 2, 4, 1], w: [2, 2, 4, 1] },
  { x: [5, 5, 6, 1], w: [4, 4, 6, 9], bias: true },
  { x: [7, 6, 3, 1], w: [3, 2, 3, 5], stride: [3, 4] },
  { x: [5, 5, 2, 1], w: [2, 2, 2, 4], dilate: 3, bias: true },
  { x: [3, 2, 4, 2], w: [2, 2, 4, 5] },
  { x: [1, 1, 8, 2], w: [1, 1, 4, 6], bias: true },
  { x: [2, 2, 6, 1], w: [2, 2, 2, 9] },
  { x: [4, 4, 4, 1], w: [2, 2, 4, 6], pad: [0, 1, 0, 1], stride: 2 },
];
grid('tiny outputs (at most 4 pixels in the call), patch elements in the lanes', tiny);
it('the tiny-output cases take that path (conv_forward_path 3)', () => {
  for (const c of tiny) {
    const d = refDims(c);
    const p = planConv([d.H, d.W, d.C, d.N], [d.FH, d.FW, d.FC, d.K], null, null, { pad: c.pad, stride: c.stride, dilate: c.dilate });
    expect(kernels().conv_forward_path(...p.dims), label(c)).toBe(3);
  }
});

describe('tiny outputs: an output does not depend on the other pixels of the call', () => {
  // Each output is summed in the same order whichever tile computes it, so an image alone
  // (1 or 2 pixels: filters in the tile's rows) gives the bits it gets in a call of 3 or 4 pixels
  // (pixels in the rows), on data where the order of a sum shows. (Past 4 pixels the batch
  // product takes over, with its own order.)
  for (const [xs, ws] of [[[2, 2, 37, 4], [2, 2, 37, 11]], [[1, 1, 63, 3], [1, 1, 63, 5]], [[3, 2, 4, 2], [2, 2, 4, 5]]]) {
    it(`x ${xs.join('x')} w ${ws.join('x')}: each image alone and in pairs, bit for bit`, () => {
      const x = randn(xs, { seed: 7 }), w = randn(ws, { seed: 8 }), b = randn([ws[3]], { seed: 9 });
      const y = nnconv(x, w, b);
      const per = y.numel / xs[3], img = x.numel / xs[3];
      for (let n = 0; n < xs[3]; n++) {
        const xn = new Tensor(x.data.slice(n * img, (n + 1) * img), [xs[0], xs[1], xs[2], 1]);
        expectExact(nnconv(xn, w, b).data, y.data.subarray(n * per, (n + 1) * per), `image ${n + 1} alone`);
      }
      if (xs[3] >= 2) {
        const pair = new Tensor(x.data.slice(0, 2 * img), [xs[0], xs[1], xs[2], 2]);
        expectExact(nnconv(pair, w, b).data, y.data.subarray(0, 2 * per), 'images 1 and 2');
      }
    });
  }
});

// Layers whose taps reach no padding, of one group, too short for Winograd and too large for the
// batch product: filters in the lanes (assembly/conv/lanes.ts), 8 per panel (the last short),
// 4 pixels at a time (the last group short), strides and dilations.
grid('filters in the lanes (no padding reached, one group, fewer than 16 output rows)', [
  { x: [14, 14, 3, 2], w: [5, 5, 3, 10], bias: true },
  { x: [9, 11, 2, 1], w: [3, 2, 2, 8] },
  { x: [12, 10, 2, 2], w: [3, 3, 2, 17], bias: true, stride: [2, 1], dilate: [1, 2] },
  { x: [20, 9, 1, 1], w: [2, 3, 1, 3], stride: 3 },
]);

// Stride 1 along both axes, dilation 1 along W, 16+ output rows and 8+ filters per group: the 1-D
// Winograd column pairs (F(2,3) and F(2,2) chunks) for every FW it splits differently, an
// odd last column done directly, pads wider than x, dilation along H, groups and batches.
const wino: Case[] = [];
for (let FW = 2; FW <= 7; FW++) wino.push({ x: [19, FW + 3, 2, 1], w: [2, FW, 2, 8 + FW], bias: FW % 2 === 0, pad: [1, 0, FW - 1, 1] });
wino.push(
  { x: [18, 5, 4, 1], w: [3, 3, 2, 16], bias: true, pad: 1, dilate: [2, 1] },
  { x: [16, 3, 2, 2], w: [1, 2, 2, 8], bias: true },
  { x: [17, 2, 3, 1], w: [2, 5, 3, 8], pad: [0, 1, 4, 4] },
  { x: [21, 6, 3, 1], w: [5, 5, 3, 10], bias: true, pad: [2, 2, 2, 2] },
  { x: [18, 5, 4, 1], w: [3, 3, 2, 20], bias: true }, // two groups of 10: the 2-filter tile at k0 > 0
  { x: [30, 4, 2, 1], w: [3, 3, 2, 10], bias: true }, // 28 rows: a whole 16-row block of the 2-filter tile, then one of 12
  { x: [75, 3, 1, 2], w: [2, 2, 1, 10] }, // 74 rows: 16-row blocks up to a band's end, a second band of 10
  { x: [26, 4, 2, 1], w: [3, 3, 2, 10], bias: true }, // 24 rows: the last 16-row block stores exactly its first 8
  { x: [22, 5, 2, 1], w: [3, 3, 2, 14], pad: 1, dilate: [2, 1] }, // 4 + 4 + 4 + 2 filters, dilation along H: 18 rows
  { x: [5, 4, 2, 1], w: [3, 3, 2, 8], bias: true, pad: [150, 70, 1, 1] }, // 64-row bands wholly in the padding
  { x: [80, 4, 1, 1], w: [3, 2, 1, 9], dilate: [30, 1] }, // bands taller than 64 rows
);
grid('Winograd column pairs (stride 1, dilation 1 along W, 16+ rows, 8+ filters per group)', wino);

describe('the pad and stride identities (xtest/suite/nnconv.m)', () => {
  it('conv with pad equals conv of the explicitly zero-padded input', () => {
    const x = ints([6, 5, 3, 2], 4);
    const w = ints([3, 2, 3, 4], 5);
    const [pt, pb, pl, pr] = [2, 1, 3, 1];
    const [H, W, C, N] = x.shape;
    const Hp = H + pt + pb, Wp = W + pl + pr;
    const xp = new Float32Array(Hp * Wp * C * N);
    for (let q = 0; q < W * C * N; q++) {
      const j = q % W, cn = Math.floor(q / W);
      for (let i = 0; i < H; i++) xp[i + pt + Hp * (j + pl + Wp * cn)] = x.data[i + H * q];
    }
    const y1 = nnconv(x, w, null, { pad: [pt, pb, pl, pr] });
    const y2 = nnconv(new Tensor(xp, [Hp, Wp, C, N]), w, null);
    expect(y1.shape).toEqual(y2.shape);
    expectClose(y1.data, y2.data, 0, 0, 'y');
  });

  it('conv with stride equals the stride-1 conv subsampled', () => {
    const x = ints([10, 9, 2, 2], 6);
    const w = ints([3, 2, 2, 3], 7);
    const y1 = nnconv(x, w, null, { stride: [3, 2], pad: 1 });
    const y = nnconv(x, w, null, { pad: 1 });
    const [Ho, Wo, K, N] = y1.shape;
    const [H1, W1] = y.shape;
    for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) for (let j = 0; j < Wo; j++) for (let i = 0; i < Ho; i++) {
      expect(y1.at(i, j, k, n)).toBe(y.data[3 * i + H1 * (2 * j + W1 * (k + K * n))]);
    }
  });
});

describe('realistic values (randn) agree with the reference to float32 rounding', () => {
  const cases: Case[] = [
    { x: [29, 23, 3, 1], w: [5, 5, 3, 10], bias: true }, // the practical's filter bank
    { x: [16, 12, 16, 2], w: [3, 3, 16, 14], bias: true, pad: 1 }, // a VGG-like layer
    { x: [15, 14, 6, 1], w: [3, 3, 3, 6], pad: [0, 2, 1, 0], stride: 2, dilate: [2, 1] },
    // y past four of the facade's streaming buffers (2^19 floats, conv.ts Y_CHUNK), on one
    // thread (a pool computes y whole), so it streams: several pixel ranges, the last one short.
    { x: [100, 90, 3, 2], w: [3, 3, 3, 40], bias: true, oneThread: true },
    { x: [96, 90, 4, 2], w: [3, 3, 2, 40], bias: true, pad: 1, oneThread: true },
    // tall images: ranges of column pairs; one pair past a buffer (the buffer grows to hold one)
    { x: [602, 40, 3, 1], w: [3, 3, 3, 32], bias: true, oneThread: true },
    { x: [1102, 10, 8, 1], w: [3, 3, 8, 64], bias: true, oneThread: true },
    // Winograd blocks with a horizontal stride and dilation, two groups, two images.
    { x: [22, 9, 4, 2], w: [3, 3, 2, 32], bias: true, pad: [1, 1, 0, 0], stride: [1, 2], dilate: [1, 2] },    // Small outputs as one product over the batch (conv/batch.ts): the character CNN's last two
    // layers, steps past one block of 256 (R, and Q pixels), columns past one block of 512
    // (Q = 600), 4-column tiles with 2 left over, the fully-connected dzdx in place.
    { x: [5, 5, 50, 3], w: [4, 4, 50, 30], bias: true },
    { x: [2, 2, 500, 4], w: [2, 2, 500, 26], bias: true },
    { x: [3, 3, 7, 90], w: [2, 2, 7, 6], bias: true },
    { x: [1, 1, 16, 600], w: [1, 1, 16, 5], bias: true },
    { x: [3, 2, 520, 2], w: [3, 2, 520, 3] },
  ];
  for (const c of cases) {
    it(label(c), () => {
      const d = refDims(c);
      const x = randn(c.x, { seed: 1 }), w = randn(c.w, { seed: 2 }), b = randn([d.K], { seed: 3 });
      const opts = { pad: c.pad, stride: c.stride, dilate: c.dilate };
      if (c.oneThread) limitThreads(1);
      let y: Tensor;
      try {
        y = nnconv(x, w, b, opts);
      } finally {
        limitThreads(Infinity);
      }
      const tol = 2e-6 * d.FH * d.FW * d.FC;
      expectClose(y.data, convForwardRef(x.data, w.data, b.data, d), tol, tol, 'y');
      if (c.oneThread) {
        // it did stream, and streaming gave the resident kernel's bits
        const plan = planConv(x.shape, w.shape, b.shape, null, opts);
        expect(spanOf(plan), 'pixels per streamed range').toBeLessThan(y.shape[0] * y.shape[1]);
        const whole = residentRun([x.data, w.data, b.data], y.numel, convForwardScratch(plan),
          ([px, pw, pb, py, ps]) => convForward(plan, px, pw, pb, py, ps));
        expectExact(y.data, whole, 'y against the resident kernel');
      }
      const p = randn(y.shape, { seed: 4 });
      const g = nnconv(x, w, b, p, opts);
      const want = convBackwardRef(x.data, w.data, p.data, d);
      expectClose(g.dzdx!.data, want.dzdx, tol, tol, 'dzdx');
      const tw = 2e-6 * y.shape[0] * y.shape[1] * d.N;
      expectClose(g.dzdw!.data, want.dzdw, tw, tw, 'dzdw');
      expectClose(g.dzdb!.data, want.dzdb, tw, tw, 'dzdb');
    });
  }
});

// MatConvNet reads x only where a window does, so a NaN or Inf elsewhere (rows past the last
// window, rows between strided windows) never reaches its results. Before, the filter derivative's
// lanes past the last output row (to a multiple of 4) met dzdy's zeros on those rows, and 0 * NaN
// is NaN: 92 of 558 such configs had NaN in dzdw where the reference is finite.
/** A seeded linear congruential stream: rnd() in [0, 1), ri(a, b) an integer in [a, b]. */
function lcg(seed: number): { rnd: () => number; ri: (a: number, b: number) => number } {
  const rnd = (): number => { seed = (seed * 1103515245 + 12345) >>> 0; return seed / 2 ** 32; };
  return { rnd, ri: (a, b) => a + Math.floor(rnd() * (b - a + 1)) };
}

/** `first`, then random configurations with an output up to `count` in all; H up to maxH with chance pTall, else 20. */
function randomDims(r: ReturnType<typeof lcg>, first: RefDims[], count: number,
  lim: { W: number; N: number; sy: number; sx: number; maxH: number; pTall: number }): RefDims[] {
  const { rnd, ri } = r;
  const cases = [...first];
  while (cases.length < count) {
    const G = ri(1, 2), FC = ri(1, 3), FH = ri(1, 4), FW = ri(1, 4), dy = ri(1, 2), dx = ri(1, 2), sy = ri(1, lim.sy);
    const d: RefDims = { H: 0, W: ri((FW - 1) * dx + 1, lim.W), C: G * FC, N: ri(1, lim.N), FH, FW, FC, K: G * ri(1, 5),
      pad: [ri(0, 2), ri(0, 2), ri(0, 2), ri(0, 2)], stride: [sy, ri(1, lim.sx)], dilate: [dy, dx] };
    d.H = ri((FH - 1) * dy + 1, rnd() < lim.pTall ? lim.maxH : 20);
    const { Ho, Wo } = convSizeRef(d);
    if (Ho >= 1 && Wo >= 1) cases.push(d);
  }
  return cases;
}

describe('NaN in x where no window reads stays out of y, dzdx and dzdw', () => {
  const cases = randomDims(lcg(12345), [{ H: 8, W: 3, C: 1, N: 1, FH: 2, FW: 1, FC: 1, K: 1, pad: [1, 0, 0, 0], stride: [9, 1], dilate: [1, 1] }],
    150, { W: 20, N: 3, sy: 6, sx: 6, maxH: 60, pTall: 0.3 });
  it.each(cases.map((d) => [`x ${d.H}x${d.W}x${d.C}x${d.N} w ${d.FH}x${d.FW}x${d.FC}x${d.K} pad ${d.pad} stride ${d.stride} dilate ${d.dilate}`, d] as const))('%s', (_, d) => {
    const { Ho, Wo } = convSizeRef(d);
    const read = (n: number, o: number, f: number, s: number, e: number, p: number): boolean[] => {
      const r = new Array<boolean>(n).fill(false);
      for (let i = 0; i < o; i++) for (let u = 0; u < f; u++) { const at = i * s + u * e - p; if (at >= 0 && at < n) r[at] = true; }
      return r;
    };
    const rows = read(d.H, Ho, d.FH, d.stride[0], d.dilate[0], d.pad[0]);
    const x = randn([d.H, d.W, d.C, d.N], { seed: d.H * 31 + d.W });
    for (let e = 0; e < x.numel; e++) if (!rows[e % d.H]) x.data[e] = e % 2 ? NaN : -Infinity;
    const w = randn([d.FH, d.FW, d.FC, d.K], { seed: 2 }), b = randn([d.K], { seed: 3 }), p = randn([Ho, Wo, d.K, d.N], { seed: 4 });
    const opts = { pad: d.pad, stride: d.stride, dilate: d.dilate };
    const y = nnconv(x, w, b, opts);
    const g = nnconv(x, w, b, p, opts);
    const ref = convBackwardRef(x.data, w.data, p.data, d);
    // random data: the bound the builds test uses, 2e-6 per summed product relative to the scale
    const near = (got: Float32Array, want: Float32Array, terms: number, what: string): void => {
      const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      expectClose(got, want, 0, 2e-6 * terms * scale, what);
    };
    near(y.data, convForwardRef(x.data, w.data, b.data, d), d.FH * d.FW * d.FC, 'y');
    near(g.dzdw!.data, ref.dzdw, Ho * Wo * d.N, 'dzdw');
    expect(g.dzdx!.data.every((v, i) => rows[i % d.H] ? Number.isFinite(v) : v === 0)).toBe(true);
  });
});

// A NaN or Inf that a window does read reaches exactly the outputs it reaches in MatConvNet's
// im2col and GEMMs: the same elements of y, dzdx and dzdw are NaN, +Inf or -Inf. Before, the
// filter derivative's last, partial, row quad read rows of other taps' windows (3 of 217 random
// configs with Ho > 16 had NaN in a dzdw element MatConvNet leaves finite).
describe('NaN and Inf in x reach the outputs they reach in MatConvNet', () => {
  const r = lcg(777), { ri } = r;
  const cases = randomDims(r, [{ H: 19, W: 1, C: 1, N: 1, FH: 3, FW: 1, FC: 1, K: 1, pad: [0, 0, 0, 0], stride: [1, 1], dilate: [1, 1] },
    { H: 530, W: 3, C: 2, N: 1, FH: 4, FW: 2, FC: 2, K: 3, pad: [1, 2, 0, 0], stride: [1, 1], dilate: [1, 1] },
    { H: 516, W: 2, C: 1, N: 1, FH: 3, FW: 1, FC: 1, K: 2, pad: [0, 0, 0, 0], stride: [1, 1], dilate: [1, 1] }],
    120, { W: 12, N: 2, sy: 4, sx: 3, maxH: 90, pTall: 0.7 });
  const kind = (v: number): string => Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : 'finite';
  const sameKinds = (got: Float32Array, want: Float32Array, what: string): void => {
    const i = want.findIndex((v, e) => kind(v) !== kind(got[e]));
    if (i >= 0) expect.fail(`${what}: element ${i} is ${got[i]}, want ${kind(want[i])} (${want[i]})`);
  };
  it.each(cases.map((d, c) => [`x ${d.H}x${d.W}x${d.C}x${d.N} w ${d.FH}x${d.FW}x${d.FC}x${d.K} pad ${d.pad} stride ${d.stride} dilate ${d.dilate}`, d, c] as const))('%s', (_, d, c) => {
    const { Ho, Wo } = convSizeRef(d);
    const x = randn([d.H, d.W, d.C, d.N], { seed: c + 1 });
    // the first case: row 17 is read by taps 1 and 2 only, and the last row quad is 16..19;
    // the second: the same in the third row tile (rows 512..529 of 530 outputs), at x's last row;
    // the third: a last row tile of 2 rows (512, 513 of 514), so no full quad, row 515 read by tap 2 only
    if (c === 0) x.data[17] = NaN;
    else if (c === 1) x.data[529] = Infinity;
    else if (c === 2) x.data[515] = NaN;
    else for (let t = 0; t < 3; t++) x.data[ri(0, x.numel - 1)] = [NaN, Infinity, -Infinity][ri(0, 2)];
    const w = randn([d.FH, d.FW, d.FC, d.K], { seed: 2 }), b = randn([d.K], { seed: 3 }), p = randn([Ho, Wo, d.K, d.N], { seed: 4 });
    const opts = { pad: d.pad, stride: d.stride, dilate: d.dilate };
    const y = nnconv(x, w, b, opts);
    const g = nnconv(x, w, b, p, opts);
    const ref = convBackwardRef(x.data, w.data, p.data, d);
    sameKinds(y.data, convForwardRef(x.data, w.data, b.data, d), 'y');
    sameKinds(g.dzdx!.data, ref.dzdx, 'dzdx');
    sameKinds(g.dzdw!.data, ref.dzdw, 'dzdw');
  });
});
