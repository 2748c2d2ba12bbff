// The worker pool (src/threads.ts): every split kernel gives the same result on 2 threads as on
// one (bit for bit where the order of sums is unchanged, within the float32 tolerance of
// tests/conv.test.ts where a batch sum becomes a sum of per-thread sums), memory stays flat
// over many calls, and dispose() ends the workers. The same pool runs both ways: limitThreads(1)
// keeps every call on the calling thread. Where the runtime has no threads (a page that is not
// cross-origin isolated) the comparisons are skipped, visibly, and the single-thread checks run.
import { afterAll, describe, expect, it } from 'vitest';
import { init, dispose, nnbnorm, nnconv, nnconvt, nndropout, nnnoffset, nnnormalize, nnpool, nnrelu, nnsigmoid, nnsoftmax, nnspnorm, randn, threadCount, Tensor, type ConvOptions } from '../src/index.js';
import { claimBeforeWorkers, claimByWorkers, holdWorkers, parallel, jobCounts, jobsRunByWorkers, limitThreads, workersAlive, workersRunning, workersStopped } from '../src/threads.js';
import { attach, memoryBytes, kernels, onCallingThread, reserve, write, read, type Kernels } from '../src/wasm.js';
import { planConv, spanOf, convForward, convForwardScratch, convBackwardData, convBackwardDataScratch } from '../src/blocks/conv.js';
import { forwardThreads, backwardThreads, streamThreads, setStreamShare } from '../src/blocks/conv-threads.js';
import { expectExact, expectClose, residentRun } from './helpers.js';
import { planPool, poolForward, poolBackward, poolScratch } from '../src/blocks/pool.js';
import { planNormalize, normalizeForward, normalizeBackward, normalizeScratch } from '../src/blocks/normalize.js';
import { planNoffset, noffsetForward, noffsetBackward, noffsetScratch } from '../src/blocks/noffset.js';
import { planBnorm, bnormForward, bnormBackward, bnormThreads } from '../src/blocks/bnorm.js';
import { planSoftmax, softmaxForward, softmaxBackward } from '../src/blocks/softmax.js';
import { planSigmoid, sigmoidForward, sigmoidBackward } from '../src/blocks/sigmoid.js';
import { imageThreads, elementThreads } from '../src/blocks/image-threads.js';
import { planRelu, reluForward, reluBackward } from '../src/blocks/relu.js';
import { dropoutForward, planDropout } from '../src/blocks/dropout.js';
import { planConvt, convtForward, convtForwardScratch, convtBackwardData, convtBackwardDataScratch } from '../src/blocks/convt.js';
import { planSpnorm, spnormForward, spnormBackward, spnormScratch, spnormThreads } from '../src/blocks/spnorm.js';

// Before collecting: whether the pool exists decides which tests are skipped.
await init({ threads: 2 });
afterAll(() => limitThreads(Infinity));

const pooled = () => threadCount() >= 2;

/**
 * How far two orders of a float32 sum of n randn-sized products may drift apart: each of about
 * n additions rounds by u = 2^-24 of a partial sum of about sqrt(n), so n^1.5 u, some 30 times
 * what the tests see and far below a lost or doubled term (about 0.5).
 */
const reassociation = (n: number): number => n ** 1.5 * 2 ** -24;

/** f() on one thread and on the whole pool. */
function both<T>(f: () => T): [T, T] {
  limitThreads(1);
  const one = f();
  limitThreads(Infinity);
  return [one, f()];
}

interface Case { x: number[]; w: number[]; opts?: ConvOptions; what: string }

// Each is large enough to split (src/blocks/conv-threads.ts MIN_MACS per thread).
const cases: Case[] = [
  { x: [100, 120, 3, 1], w: [5, 5, 3, 10], what: 'one image, pixel ranges, Winograd pairs (the practical)' },
  { x: [28, 28, 32, 1], w: [3, 3, 32, 32], opts: { pad: 1 }, what: 'one image, pad 1 (a VGG layer)' },
  { x: [64, 64, 16, 1], w: [3, 3, 16, 32], opts: { stride: 2, pad: 1 }, what: 'one image, stride 2, pad 1 (packed blocks)' },
  { x: [64, 64, 16, 2], w: [3, 3, 16, 32], opts: { stride: 2 }, what: 'two images, stride 2, no pad (filters in the lanes), split by images' },
  { x: [60, 61, 16, 1], w: [3, 3, 8, 32], opts: { pad: [1, 0, 2, 1] }, what: 'one image, two groups, odd Wo, uneven pad' },
  { x: [45, 53, 8, 1], w: [3, 3, 8, 40], opts: { dilate: 2, pad: 1 }, what: 'one image, dilation 2, Ho not a multiple of 8' },
  { x: [40, 40, 16, 4], w: [3, 3, 16, 16], opts: { pad: 1 }, what: 'four images, split by images' },
  { x: [30, 30, 16, 5], w: [3, 3, 16, 32], opts: { stride: [1, 2] }, what: 'five images over 2 threads, stride [1, 2]' },
  { x: [6, 6, 64, 64], w: [6, 6, 64, 64], what: 'fully connected, 64 images' },
  { x: [14, 14, 20, 100], w: [5, 5, 20, 50], what: 'filters in the lanes, a large y (500 000 floats)' },
  // One image on a path other than pixels: split by filters, in units of 8 (the last one short here).
  { x: [18, 18, 48, 1], w: [5, 5, 48, 61], what: 'one image, filters in the lanes (14x14 out), split by filters' },
  { x: [6, 6, 256, 1], w: [3, 3, 256, 600], what: 'one image, 4x4 out (one product over the batch), split by filters' },
  { x: [5, 5, 128, 1], w: [4, 4, 128, 523], what: 'one image, 2x2 out (patch elements in the lanes), split by filters' },
  { x: [1, 1, 4096, 1], w: [1, 1, 4096, 1030], what: 'fully connected, one image (a served net\'s fc layer), split by filters' },
];

describe.skipIf(!pooled())('attaching the pool\'s instance again, as tests and benches do', () => {
  // Before: attach(k) without a count put the arena on the workers' statics, and the pool (its own
  // instance attached) split the next conv over them: 13120 of its outputs changed.
  it('keeps the workers\' regions out of the arena', () => {
    const x = randn([64, 64, 16, 1], { seed: 1 }), w = randn([3, 3, 16, 32], { seed: 2 });
    const before = nnconv(x, w, null, { pad: 1 });
    const k = kernels();
    attach(Object.getPrototypeOf(k) as Kernels);
    expect(kernels()).toBe(k);
    expect(threadCount()).toBe(2);
    for (let r = 0; r < 5; r++) expectExact(nnconv(x, w, null, { pad: 1 }).data, before.data, `y ${r} after attaching the raw exports`);
    attach(k);
    for (let r = 0; r < 5; r++) expectExact(nnconv(x, w, null, { pad: 1 }).data, before.data, `y ${r} after attaching the wrapper`);
  });
});

describe.skipIf(!pooled())('nnconv on 2 threads against 1', () => {
  for (const c of cases) {
    it(`${c.what}: x ${c.x.join('x')} w ${c.w.join('x')}`, () => {
      const x = randn(c.x, { seed: 1 });
      const w = randn(c.w, { seed: 2 });
      const b = randn([c.w[3]], { seed: 3 });
      const plan = planConv(x.shape, w.shape, b.shape, null, c.opts);
      expect(forwardThreads(plan), 'the forward pass splits').toBe(2);
      expect(backwardThreads(plan), 'the backward passes split').toBe(c.x[3] >= 2 ? 2 : 1);
      const [y1, y2] = both(() => nnconv(x, w, b, c.opts));
      expectExact(y2.data, y1.data, 'y');
      const p = randn(y1.shape, { seed: 4 });
      const [g1, g2] = both(() => nnconv(x, w, b, p, c.opts));
      expectExact(g2.dzdx!.data, g1.dzdx!.data, 'dzdx');
      expectExact(g2.dzdb!.data, g1.dzdb!.data, 'dzdb');
      // dzdw: per-thread partial sums over the images, then their sum (order changed): the
      // float32 rounding of re-associating Ho*Wo*N terms of about 1, not a term lost (~0.5).
      if (c.x[3] === 1) expectExact(g2.dzdw!.data, g1.dzdw!.data, 'dzdw');
      else expectClose(g2.dzdw!.data, g1.dzdw!.data, 0, reassociation(y1.shape[0] * y1.shape[1] * c.x[3]), 'dzdw');
    });
  }

  // y past four of nnconv's streaming buffers (conv.ts spanOf): on the pool it streams too, each
  // thread filling its own buffer with the one-thread stream's next range, so the bits are one
  // thread's, which are the resident kernel's. Odd range counts leave a last round of one range.
  const streamed: Case[] = [
    { x: [384, 512, 3, 1], w: [5, 5, 3, 10], what: 'the practical (16 ranges of 32 columns)' },
    { x: [100, 90, 3, 2], w: [3, 3, 3, 40], what: 'two images, Winograd pairs, a short last range' },
    { x: [96, 90, 4, 2], w: [3, 3, 2, 40], opts: { pad: 1 }, what: 'two groups, pad 1, an odd number of ranges' },
    { x: [70, 300, 8, 1], w: [3, 3, 8, 128], opts: { stride: 2, pad: 1 }, what: 'stride 2, pad 1 (packed 8-pixel blocks, no Winograd)' },
    { x: [602, 40, 3, 1], w: [3, 3, 3, 32], what: 'a tall image: ranges of column pairs (8 columns overfill a buffer)' },
    { x: [1102, 10, 8, 1], w: [3, 3, 8, 64], what: 'a taller one: one column pair overfills a buffer, so the buffer grows to one' },
  ];
  for (const c of streamed) {
    it(`streamed: ${c.what}: x ${c.x.join('x')} w ${c.w.join('x')}`, () => {
      const x = randn(c.x, { seed: 1 }), w = randn(c.w, { seed: 2 }), b = randn([c.w[3]], { seed: 3 });
      const plan = planConv(x.shape, w.shape, b.shape, null, c.opts);
      const P = plan.Ho * plan.Wo;
      expect(spanOf(plan), 'pixels per streamed range').toBeLessThan(P);
      expect(streamThreads(plan, Math.ceil(P / spanOf(plan))), 'threads filling buffers').toBe(2);
      const sent = jobCounts.sent;
      const [y1, y2] = both(() => nnconv(x, w, b, c.opts));
      expect(jobCounts.sent - sent, 'rounds sent to the worker').toBeGreaterThanOrEqual(Math.floor(P / spanOf(plan) / 2));
      expectExact(y2.data, y1.data, 'y on 2 threads against 1');
      limitThreads(1);
      try {
        const whole = residentRun([x.data, w.data, b.data], y1.numel, convForwardScratch(plan),
          ([px, pw, pb, py, ps]) => convForward(plan, px, pw, pb, py, ps));
        expectExact(y2.data, whole, 'y against the resident kernel');
      } finally {
        limitThreads(Infinity);
      }
      // every range run by the calling thread (the worker late): the worker's buffer and scratch, the same bits
      claimBeforeWorkers(true);
      try {
        expectExact(nnconv(x, w, b, c.opts).data, y1.data, 'y with every range on the calling thread');
      } finally {
        claimBeforeWorkers(false);
      }
      // the calling thread's share is timed; any share in whole units gives the same bits
      const shares: [string, (c0: number, c1: number, u: number) => number][] = [
        ['none', () => 0], ['one unit', (_a, _b, u) => u], ['the whole round', (a, b, u) => Math.ceil((b - a) / u) * u],
        ['varying', (a, _b, u) => ((Math.floor(a / u) * 7) % 5) * u]];
      for (const [what, f] of shares) {
        setStreamShare(f);
        try {
          expectExact(nnconv(x, w, b, c.opts).data, y1.data, `y with the calling thread's share: ${what}`);
        } finally {
          setStreamShare(null);
        }
      }
    });
  }

  it('fully connected, 4 images: shares of 2 keep the tiny-output path; y and dzdx bit for bit, dzdw within the bound of its 4-term sums', () => {
    const x = randn([1, 1, 2048, 4], { seed: 1 }), w = randn([1, 1, 2048, 1024], { seed: 2 }), b = randn([1024], { seed: 3 });
    expect(forwardThreads(planConv(x.shape, w.shape, b.shape, null)), 'the forward pass splits').toBe(2);
    const [y1, y2] = both(() => nnconv(x, w, b));
    expectExact(y2.data, y1.data, 'y');
    const p = randn(y1.shape, { seed: 4 });
    const [g1, g2] = both(() => nnconv(x, w, b, p));
    expectExact(g2.dzdx!.data, g1.dzdx!.data, 'dzdx');
    // Each dzdw is a sum of 4 products, in another order on 2 threads: any order of 4 products,
    // fused (the relaxed builds' FMA) or not, is within 4u of the exact sum, relative to the sum
    // of the products' magnitudes, which is dzdw of |x| and |p|; so two orders within 8u.
    const abs = (t: Tensor) => new Tensor(t.data.map(Math.abs), t.shape);
    const S = nnconv(abs(x), w, null, abs(p)).dzdw!.data;
    for (let i = 0; i < S.length; i++) {
      if (Math.abs(g2.dzdw!.data[i] - g1.dzdw!.data[i]) > 8 * 2 ** -24 * S[i] * 1.0001) {
        expect.fail(`dzdw: element ${i} is ${g2.dzdw!.data[i]}, want ${g1.dzdw!.data[i]} within ${8 * 2 ** -24 * S[i]}`);
      }
    }
  });

  it('fully connected, 6 images: shares of 3 would leave the batch product for the tiny-output path, so the call stays whole', () => {
    const x = randn([1, 1, 1024, 6], { seed: 1 }), w = randn([1, 1, 1024, 1024], { seed: 2 });
    expect(forwardThreads(planConv(x.shape, w.shape, null, null)), 'no split into shares of 3').toBe(1);
    expect(forwardThreads(planConv([1, 1, 1024, 10], w.shape, null, null)), 'shares of 5 take the batch product too').toBe(2);
    const [y1, y2] = both(() => nnconv(x, w, null));
    expectExact(y2.data, y1.data, 'y');
  });

  it('nnconvt (through the conv runners): x 20x20x32x4, w 4x4x16x32, upsample 2, crop 1', () => {
    const x = randn([20, 20, 32, 4], { seed: 1 }), w = randn([4, 4, 16, 32], { seed: 2 }), b = randn([16], { seed: 3 });
    const opts = { upsample: 2, crop: 1 };
    const [y1, y2] = both(() => nnconvt(x, w, b, opts));
    expectExact(y2.data, y1.data, 'y');
    const p = randn(y1.shape, { seed: 4 });
    const [g1, g2] = both(() => nnconvt(x, w, b, p, opts));
    expectExact(g2.dzdx.data, g1.dzdx.data, 'dzdx');
    expectExact(g2.dzdb.data, g1.dzdb.data, 'dzdb');
    expectClose(g2.dzdw.data, g1.dzdw.data, 0, reassociation(x.shape[0] * x.shape[1] * x.shape[3]), 'dzdw');
  });

  it('dzdw of integer data is exact on 2 threads (partial sums of integers do not round)', () => {
    const ints = (shape: number[], seed: number) => {
      const t = randn(shape, { seed });
      for (let i = 0; i < t.data.length; i++) t.data[i] = Math.round(t.data[i] * 3);
      return t;
    };
    const x = ints([40, 40, 16, 4], 1), w = ints([3, 3, 16, 16], 2), p = ints([38, 38, 16, 4], 3);
    const [g1, g2] = both(() => nnconv(x, w, null, p));
    expectExact(g2.dzdw!.data, g1.dzdw!.data, 'dzdw');
  });
});

describe.skipIf(!pooled())('nnpool resident passes (simplenn, cnnTrain) on 2 threads against 1', () => {
  const poolCases: [number[], number[], { method?: 'max' | 'avg'; pad?: number[]; stride?: number }][] = [
    [[64, 64, 32, 2], [2, 2], { stride: 2 }],
    [[48, 50, 24, 6], [3, 3], { method: 'avg', pad: [1, 1, 0, 1], stride: 2 }],
    [[30, 30, 150, 2], [3, 2], { method: 'max', stride: 1 }],
  ];
  for (const [xs, pool, opts] of poolCases) {
    it(`${opts.method ?? 'max'} ${pool.join('x')} on x ${xs.join('x')}: forward and backward bit for bit`, () => {
      const x = randn(xs, { seed: 7 });
      const p = planPool(x.shape, pool, null, opts);
      const ny = p.Ho * p.Wo * p.C * p.N;
      const one = kernels().pool_scratch(p.H, p.W, p.Ho, p.Wo, p.pool[1], p.stride[1], p.dims[12]);
      expect(poolScratch(p), 'the passes split: one scratch per thread').toBe(2 * ((one + 3) & ~3));
      const dzdy = randn([p.Ho, p.Wo, p.C, p.N], { seed: 8 });
      const pb = planPool(x.shape, pool, dzdy.shape, opts);
      const [a, b] = both(() => {
        const y = residentRun([x.data], ny, poolScratch(p), ([px, py, ps]) => poolForward(p, px, py, ps));
        const d = residentRun([x.data, dzdy.data], x.numel, poolScratch(pb), ([px, pp, pd, ps]) => poolBackward(pb, px, pp, pd, ps));
        return [y, d];
      });
      expectExact(b[0], a[0], 'y');
      expectExact(b[1], a[1], 'dzdx');
    });
  }
});

describe.skipIf(!pooled())('nnnormalize (LRN) and nnnoffset resident passes on 2 threads against 1', () => {
  const blocks = [
    { name: 'nnnormalize [5, 1, 1e-4, 0.75]', param: [5, 1, 1e-4, 0.75], plan: planNormalize, scratch: normalizeScratch,
      fwd: normalizeForward, bwd: normalizeBackward, one: (C: number) => kernels().normalize_scratch(C, 2, 2) },
    { name: 'nnnoffset [1, 0.5]', param: [1, 0.5], plan: planNoffset, scratch: noffsetScratch,
      fwd: noffsetForward, bwd: noffsetBackward, one: (C: number) => kernels().noffset_scratch(C) },
  ] as const;
  for (const b of blocks) {
    it(`${b.name} on x 32x32x64x5: forward and backward bit for bit`, () => {
      const x = randn([32, 32, 64, 5], { seed: 9 });
      const dzdy = randn(x.shape, { seed: 10 });
      const p = b.plan(x.shape, b.param, null) as never;
      const pb = b.plan(x.shape, b.param, dzdy.shape) as never;
      expect(b.scratch(p), 'the passes split: one scratch per thread').toBe(2 * ((b.one(64) + 3) & ~3));
      const [r1, r2] = both(() => [
        residentRun([x.data], x.numel, b.scratch(p), ([px, py, ps]) => b.fwd(p, px, py, ps)),
        residentRun([x.data, dzdy.data], x.numel, b.scratch(pb), ([px, pp, pd, ps]) => b.bwd(pb, px, pp, pd, ps)),
      ]);
      expectExact(r2[0], r1[0], 'y');
      expectExact(r2[1], r1[1], 'dzdx');
    });
  }
});

describe.skipIf(!pooled())('nnsoftmax (by images) and nnsigmoid (by values) resident passes on 2 threads against 1', () => {
  const blocks = [
    // 32x32x21 x 13 images: 279 552 values; the values' split point is not a multiple of the image.
    { name: 'nnsoftmax', shape: [32, 32, 21, 13], plan: planSoftmax, fwd: softmaxForward, bwd: softmaxBackward,
      splits: () => imageThreads(32 * 32, 21, 13) },
    // 380x508x3 minus one column and an odd tail: the shares meet at a whole vector
    { name: 'nnsigmoid', shape: [380, 507, 3, 1], plan: planSigmoid, fwd: sigmoidForward, bwd: sigmoidBackward,
      splits: () => elementThreads(380 * 507 * 3) },
  ] as const;
  for (const b of blocks) {
    it(`${b.name} on x ${b.shape.join('x')}: forward and backward bit for bit`, () => {
      expect(b.splits(), 'the passes split').toBe(2);
      const x = randn([...b.shape], { seed: 21 });
      // scores up to +-100 send some vectors through the full-range exp
      const xs = x.data.map((v, i) => (i % 97 === 0 ? 40 * v : v));
      const dzdy = randn(x.shape, { seed: 22 });
      const p = b.plan(x.shape, null), pb = b.plan(x.shape, dzdy.shape);
      const [r1, r2] = both(() => [
        residentRun([xs], x.numel, 0, ([px, py]) => b.fwd(p as never, px, py)),
        residentRun([xs, dzdy.data], x.numel, 0, ([px, pp, pd]) => b.bwd(pb as never, px, pp, pd)),
      ]);
      expectExact(r2[0], r1[0], 'y');
      expectExact(r2[1], r1[1], 'dzdx');
    });
  }
});

describe.skipIf(!pooled())('nnrelu (leaky) and nndropout resident passes on 2 threads against 1 (split by values)', () => {
  it('x 380x507x3 (an odd tail): relu forward and backward, and the mask product, bit for bit', () => {
    const shape = [380, 507, 3, 1] as const;
    const x = randn([...shape], { seed: 41 }), dzdy = randn([...shape], { seed: 42 });
    const mask = Float32Array.from(randn([...shape], { seed: 43 }).data, (v) => (v > 0 ? 2 : 0));
    const p = planRelu([...shape], null, { leak: 0.1 }), pb = planRelu([...shape], [...shape], { leak: 0.1 });
    expect(elementThreads(x.numel), 'the passes split').toBe(2);
    const dp = { n: x.numel } as never;
    const [r1, r2] = both(() => [
      residentRun([x.data], x.numel, 0, ([px, py]) => reluForward(p, px, py)),
      residentRun([x.data, dzdy.data], x.numel, 0, ([px, pp, pd]) => reluBackward(pb, px, pp, pd)),
      residentRun([x.data, mask], x.numel, 0, ([px, pm, py]) => dropoutForward(dp, px, pm, py)),
    ]);
    ['relu y', 'relu dzdx', 'mask .* x'].forEach((what, i) => expectExact(r2[i], r1[i], what));
  });
});

describe.skipIf(!pooled())('nnspnorm resident passes on 2 threads against 1 (split by planes)', () => {
  it('x 63x61x7x5 (35 planes, an odd share, shares that meet inside a vector), window 5x3: forward and backward bit for bit', () => {
    const x = randn([63, 61, 7, 5], { seed: 31 });
    const dzdy = randn(x.shape, { seed: 32 });
    const param = [5, 3, 0.5, 0.75];
    const p = planSpnorm(x.shape, param, null), pb = planSpnorm(x.shape, param, dzdy.shape);
    expect(spnormThreads(p), 'the passes split').toBe(2);
    const [r1, r2] = both(() => [
      residentRun([x.data], x.numel, spnormScratch(p), ([px, py, ps]) => spnormForward(p, px, py, ps)),
      residentRun([x.data, dzdy.data], x.numel, spnormScratch(pb), ([px, pp, pd, ps]) => spnormBackward(pb, px, pp, pd, ps)),
    ]);
    expectExact(r2[0], r1[0], 'y');
    expectExact(r2[1], r1[1], 'dzdx');
  });
});

describe.skipIf(!pooled())('nnbnorm on 2 threads against 1 (split by channels)', () => {
  // 56x56x64x2: 401 408 values, enough for 2 threads (src/blocks/bnorm.ts MIN per thread).
  const x = randn([56, 56, 64, 2], { seed: 11 });
  const g = randn([64, 1], { seed: 12 }), b = randn([64, 1], { seed: 13 });
  const dzdy = randn(x.shape, { seed: 14 });
  const moments = new Tensor(Float32Array.from({ length: 128 }, (_, i) => (i < 64 ? 0.1 * (i - 32) : 0.5 + i / 64)), [64, 2]);

  /** The resident passes over the whole tensors: y, dzdx, dzdg, dzdb and the moments buffer. */
  function resident(given: boolean): Float32Array[] {
    const opts = given ? { moments: moments.shape } : undefined;
    const pf = planBnorm(x.shape, g.shape, b.shape, null, opts);
    const pb = planBnorm(x.shape, g.shape, b.shape, dzdy.shape, opts);
    const n = x.numel;
    const [px, pg, pbb, pp, py, pd, pdg, pdb, pm] = reserve('test', n, 64, 64, n, n, n, 64, 64, 128);
    [[px, x.data], [pg, g.data], [pbb, b.data], [pp, dzdy.data], [pm, moments.data]].forEach(([q, d]) => write(q as number, d as Float32Array));
    bnormForward(pf, px, pg, pbb, py, pm);
    const y = read(py, n), m1 = read(pm, 128);
    bnormBackward(pb, px, pg, pp, pd, pdg, pdb, pm);
    return [y, m1, read(pd, n), read(pdg, 64), read(pdb, 64)];
  }

  it('splits this size and keeps a small one on the calling thread', () => {
    expect(bnormThreads(56 * 56, 64, 2)).toBe(2);
    expect(bnormThreads(8 * 8, 16, 2)).toBe(1);
    expect(bnormThreads(256 * 256, 1, 4), 'one channel stays whole').toBe(1);
  });

  for (const given of [false, true]) {
    it(`resident passes${given ? ', moments given' : ' (batch statistics)'}: y, moments, dzdx, dzdg, dzdb bit for bit`, () => {
      const [one, two] = both(() => resident(given));
      ['y', 'moments', 'dzdx', 'dzdg', 'dzdb'].forEach((what, i) => expectExact(two[i], one[i], what));
    });
    it(`nnbnorm itself${given ? ', moments given' : ''} (streamed on the calling thread) equals the split resident passes`, () => {
      const opts = given ? { moments } : {};
      const [one, two] = both(() => [nnbnorm(x, g, b, opts), nnbnorm(x, g, b, dzdy, opts)] as const);
      expectExact(two[0].data, one[0].data, 'y');
      for (const k of ['dzdx', 'dzdg', 'dzdb', 'moments'] as const) expectExact(two[1][k].data, one[1][k].data, k);
      // nnbnorm streams groups of channels; a channel's sums do not depend on its group.
      const r = resident(given);
      expectExact(one[0].data, r[0], 'y against the resident pass');
      expectExact(one[1].dzdx.data, r[2], 'dzdx against the resident pass');
    });
  }
});

/**
 * Seeded values written at the start of the attached instance's arena, where every call reserves
 * its first buffer: intact() is false once a call has run there.
 */
function arenaSentinel(): { intact: () => boolean } {
  const values = randn([4096, 1], { seed: 7 }).data;
  const [at] = reserve('test', values.length);
  write(at, values);
  return { intact: () => read(at, values.length).every((v, i) => Object.is(v, values[i])) };
}

describe('the pool', () => {
  it('has 2 threads where the runtime allows workers and shared memory', () => {
    const g = globalThis as { crossOriginIsolated?: boolean; SharedArrayBuffer?: unknown };
    if (g.crossOriginIsolated === false || typeof g.SharedArrayBuffer !== 'function') expect(threadCount()).toBe(1);
    else expect(threadCount()).toBe(2);
  });

  // The next test checks its bits against the pool's instance.
  it.skipIf(!pooled())('a small conv (32x32x3 * 3x3x3x8) is below the split threshold: no job reaches the pool, forward or backward', () => {
    const x = randn([32, 32, 3], { seed: 5 }), w = randn([3, 3, 3, 8], { seed: 6 });
    expect(forwardThreads(planConv(x.shape, w.shape, null, null)), 'forward threads').toBe(1);
    const sent = jobCounts.sent;
    const y = nnconv(x, w, null);
    nnconv(x, w, null, y);
    expect(jobCounts.sent - sent, 'jobs sent to the pool').toBe(0);
  });

  // Shared memory copies in and out word by word (V8's relaxed_memmove): calls that stay on the
  // calling thread run on the unshared single-threaded instance init() loads beside the pool's.
  it.skipIf(!pooled())('calls that stay on the calling thread run on the unshared instance: the pool\'s memory is left alone, the bits are the same', () => {
    const x = randn([32, 32, 3], { seed: 5 }), w = randn([3, 3, 3, 8], { seed: 6 }), mask = randn([32, 32, 3], { seed: 8 });
    const k = kernels();
    const p = planConv(x.shape, w.shape, null, null);
    const yPool = residentRun([x.data, w.data], 30 * 30 * 8, convForwardScratch(p), ([px, pw, py, ps]) => convForward(p, px, pw, 0, py, ps));
    const reluPool = residentRun([x.data], x.numel, 0, ([px, py]) => reluForward(planRelu(x.shape, null), px, py));
    const sigPool = residentRun([x.data], x.numel, 0, ([px, py]) => sigmoidForward(planSigmoid(x.shape, null), px, py));
    const dropPool = residentRun([x.data, mask.data], x.numel, 0, ([px, pm, py]) => dropoutForward(
      planDropout(x.shape, null, { mask: mask.shape }), px, pm, py));
    const sentinel = arenaSentinel();
    const y = nnconv(x, w, null);
    const g = nnconv(x, w, null, y);
    const r = nnrelu(x);
    const sig = nnsigmoid(x);
    nnsigmoid(x, r);
    const drop = nndropout(x, { mask });
    expect(kernels(), 'the pool\'s instance attached again').toBe(k);
    expect(sentinel.intact(), 'the pool\'s arena after the calls').toBe(true);
    expectExact(y.data, yPool, 'nnconv y against the pool\'s instance');
    expectExact(r.data, reluPool, 'nnrelu against the pool\'s instance');
    expectExact(sig.data, sigPool, 'nnsigmoid against the pool\'s instance');
    expectExact(drop.y.data, dropPool, 'nndropout against the pool\'s instance');
    const pb = planConv(x.shape, w.shape, null, y.shape);
    const dzdxPool = residentRun([w.data, y.data], x.numel, convBackwardDataScratch(pb),
      ([pw, pp, pd, ps]) => convBackwardData(pb, pw, pp, pd, ps));
    expectExact(g.dzdx!.data, dzdxPool, 'nnconv dzdx against the pool\'s instance');
  });

  // The streamed blocks never split (a group sized for the cache is too little to pay for a
  // worker), and a small convt is the conv kernels on sizes the pool would not split: all of them
  // run where the small conv does, forward and backward.
  it.skipIf(!pooled())('the streamed blocks and a small nnconvt also run on the unshared instance, with the pool\'s bits', () => {
    const x = randn([12, 10, 6, 2], { seed: 21 }), dzdy = randn(x.shape, { seed: 22 });
    const g = randn([6, 1], { seed: 23 }), b = randn([6, 1], { seed: 24 });
    const cw = randn([3, 3, 4, 6], { seed: 25 });
    const n = x.numel, C = g.numel;
    const k = kernels();
    const pp = planPool(x.shape, 2, null, { stride: 2 });
    const pq = randn([pp.Ho, pp.Wo, 6, 2], { seed: 26 });
    const ppb = planPool(x.shape, 2, pq.shape, { stride: 2 });
    const lrn = [3, 1, 0.5, 0.75], off = [1, 0.5], sp = [3, 3, 1, 0.5];
    const [pn, pnb] = [null, x.shape].map((d) => planNormalize(x.shape, lrn, d));
    const [po, pob] = [null, x.shape].map((d) => planNoffset(x.shape, off, d));
    const [pm, pmb] = [null, x.shape].map((d) => planSoftmax(x.shape, d));
    const [ps, psb] = [null, x.shape].map((d) => planSpnorm(x.shape, sp, d));
    const [pb, pbb] = [null, x.shape].map((d) => planBnorm(x.shape, g.shape, b.shape, d, undefined));
    const pt = planConvt(x.shape, cw.shape, null, null, { upsample: 2, crop: 1 });
    const yt = pt.Ho * pt.Wo * pt.K * pt.N;
    const ct = randn([pt.Ho, pt.Wo, pt.K, pt.N], { seed: 27 });
    const ptb = planConvt(x.shape, cw.shape, null, ct.shape, { upsample: 2, crop: 1 });
    expect([backwardThreads(pt.conv), forwardThreads(ptb.conv)], 'the pool would split neither convt pass').toEqual([1, 1]);
    // the resident passes on the pool's instance; bnorm's scratch: the moments, then dzdg and dzdb
    const want: Record<string, Float32Array> = {
      nnpool: residentRun([x.data], pq.numel, poolScratch(pp), ([px, py, q]) => poolForward(pp, px, py, q)),
      'nnpool backward': residentRun([x.data, pq.data], n, poolScratch(ppb), ([px, pd, py, q]) => poolBackward(ppb, px, pd, py, q)),
      nnnormalize: residentRun([x.data], n, normalizeScratch(pn), ([px, py, q]) => normalizeForward(pn, px, py, q)),
      'nnnormalize backward': residentRun([x.data, dzdy.data], n, normalizeScratch(pnb), ([px, pd, py, q]) => normalizeBackward(pnb, px, pd, py, q)),
      nnnoffset: residentRun([x.data], n, noffsetScratch(po), ([px, py, q]) => noffsetForward(po, px, py, q)),
      'nnnoffset backward': residentRun([x.data, dzdy.data], n, noffsetScratch(pob), ([px, pd, py, q]) => noffsetBackward(pob, px, pd, py, q)),
      nnsoftmax: residentRun([x.data], n, 0, ([px, py]) => softmaxForward(pm, px, py)),
      'nnsoftmax backward': residentRun([x.data, dzdy.data], n, 0, ([px, pd, py]) => softmaxBackward(pmb, px, pd, py)),
      nnspnorm: residentRun([x.data], n, spnormScratch(ps), ([px, py, q]) => spnormForward(ps, px, py, q)),
      'nnspnorm backward': residentRun([x.data, dzdy.data], n, spnormScratch(psb), ([px, pd, py, q]) => spnormBackward(psb, px, pd, py, q)),
      nnbnorm: residentRun([x.data, g.data, b.data], n, 2 * C, ([px, pg, pbv, py, q]) => bnormForward(pb, px, pg, pbv, py, q)),
      'nnbnorm backward': residentRun([x.data, g.data, dzdy.data], n, 4 * C,
        ([px, pg, pd, py, q]) => bnormBackward(pbb, px, pg, pd, py, q + 8 * C, q + 12 * C, q)),
      nnconvt: residentRun([x.data, cw.data], yt, convtForwardScratch(pt), ([px, pw, py, q]) => convtForward(pt, px, pw, 0, py, q)),
      'nnconvt dzdx': residentRun([cw.data, ct.data], n, convtBackwardDataScratch(ptb), ([pw, pd, py, q]) => convtBackwardData(ptb, pw, pd, py, q)),
    };
    const sentinel = arenaSentinel();
    const got: Record<string, Tensor> = {
      nnpool: nnpool(x, 2, { stride: 2 }), 'nnpool backward': nnpool(x, 2, pq, { stride: 2 }),
      nnnormalize: nnnormalize(x, lrn), 'nnnormalize backward': nnnormalize(x, lrn, dzdy),
      nnnoffset: nnnoffset(x, off), 'nnnoffset backward': nnnoffset(x, off, dzdy),
      nnsoftmax: nnsoftmax(x), 'nnsoftmax backward': nnsoftmax(x, dzdy),
      nnspnorm: nnspnorm(x, sp), 'nnspnorm backward': nnspnorm(x, sp, dzdy),
      nnbnorm: nnbnorm(x, g, b), 'nnbnorm backward': nnbnorm(x, g, b, dzdy).dzdx,
      nnconvt: nnconvt(x, cw, null, { upsample: 2, crop: 1 }), 'nnconvt dzdx': nnconvt(x, cw, null, ct, { upsample: 2, crop: 1 }).dzdx,
    };
    expect(kernels(), 'the pool\'s instance attached again').toBe(k);
    expect(sentinel.intact(), 'the pool\'s arena after the calls').toBe(true);
    for (const [name, y] of Object.entries(got)) expectExact(y.data, want[name], `${name} against the pool's instance`);
  });

  // Past 2^18 floats a call's copies run at the memory bus's speed either way, and the unshared
  // memory must stay small; a call the pool splits needs the pool's instance.
  it.skipIf(!pooled())('calls too large for the unshared instance, or split, use the pool\'s', () => {
    const big = randn([128, 128, 8, 3], { seed: 31 }), g = randn([8, 1], { seed: 32 });
    const x = randn([32, 32, 16, 4], { seed: 33 }), w = randn([3, 3, 16, 16], { seed: 34 });
    const pt = planConvt(x.shape, w.shape, null, null, { upsample: 2 });
    expect(backwardThreads(pt.conv), 'this convt splits').toBe(2);
    const calls: [string, () => unknown][] = [
      ['nnpool', () => nnpool(big, 2)], ['nnnormalize', () => nnnormalize(big, [5, 1, 2e-5, 0.75])],
      ['nnnoffset', () => nnnoffset(big, [1, 0.5])], ['nnsoftmax', () => nnsoftmax(big)],
      ['nnspnorm', () => nnspnorm(big, [3, 3, 1, 0.5])], ['nnbnorm', () => nnbnorm(big, g, g)],
      ['nnconvt, split', () => nnconvt(x, w, null, { upsample: 2 })],
    ];
    for (const [name, call] of calls) {
      const sentinel = arenaSentinel();
      const sent = jobCounts.sent;
      call();
      expect(sentinel.intact(), `${name} wrote the pool's arena`).toBe(false);
      if (name.endsWith('split')) expect(jobCounts.sent - sent, `${name}: jobs sent`).toBeGreaterThan(0);
    }
  });

  it.skipIf(!pooled())('onCallingThread attaches the pool\'s instance again after an Error, and runs nested calls where it is', () => {
    const k = kernels();
    let inner: Kernels | null = null;
    const big = planConv([100, 120, 3, 1], [5, 5, 3, 10], null, null);
    expect(forwardThreads(big), 'split outside').toBe(2);
    let reached = false;
    expect(() => onCallingThread(() => {
      inner = kernels();
      expect(inner).not.toBe(k);
      expect(forwardThreads(big), 'nothing split inside').toBe(1);
      onCallingThread(() => expect(kernels()).toBe(inner));
      reached = true;
      throw new Error('thrown by f');
    })).toThrow(/^thrown by f$/);
    expect(reached).toBe(true);
    expect(kernels()).toBe(k);
    expect(forwardThreads(big), 'split again after').toBe(2);
  });

  it.skipIf(!pooled())('each job runs once, by its worker or by the calling thread when the worker has not claimed it: the same bits either way', async () => {
    const x = randn([40, 40, 16, 4], { seed: 1 }), w = randn([3, 3, 16, 16], { seed: 2 }), p = randn([38, 38, 16, 4], { seed: 3 });
    limitThreads(1);
    const y1 = nnconv(x, w, null), g1 = nnconv(x, w, null, p);
    limitThreads(Infinity);
    const check = (what: string): void => {
      expectExact(nnconv(x, w, null).data, y1.data, `y (${what})`);
      const g = nnconv(x, w, null, p);
      expectExact(g.dzdx.data, g1.dzdx.data, `dzdx (${what})`);
      expectClose(g.dzdw.data, g1.dzdw.data, 0, reassociation(38 * 38 * 4), `dzdw (${what})`);
    };
    // Every worker late: the calling thread claims each job before its own share; a worker that
    // wakes finds its job taken and runs nothing.
    let ran = jobsRunByWorkers(), sent = jobCounts.sent, claimed = jobCounts.claimed;
    claimBeforeWorkers(true);
    try {
      for (let i = 0; i < 5; i++) check('the caller claimed every job');
    } finally {
      claimBeforeWorkers(false);
    }
    expect(jobCounts.sent - sent, 'jobs sent').toBe(15);
    expect(jobCounts.claimed - claimed, 'jobs the caller claimed').toBe(15);
    expect(jobsRunByWorkers() - ran, 'jobs the workers ran').toBe(0);
    // Then as usual: whoever claims a job runs it, once.
    ran = jobsRunByWorkers(); sent = jobCounts.sent; claimed = jobCounts.claimed;
    for (let i = 0; i < 20; i++) check('as usual');
    expect(jobCounts.sent - sent).toBe(60);
    expect((jobCounts.claimed - claimed) + (jobsRunByWorkers() - ran), 'claimed here + run by workers').toBe(60);
  });

  // Before: the worker's trap was caught and only flagged, so the Error said nothing of what went
  // wrong (one CI run failed this way and could not be told apart from a wrong pointer).
  it.skipIf(!pooled())('a kernel that traps in a worker is an Error naming the worker, the kernel and the trap; the pool goes on', () => {
    const k = kernels();
    const [ok] = reserve('test', 16);
    write(ok, new Float32Array(16).fill(1));
    const outside = memoryBytes() + 65536; // past the end of memory: a trap, not a write
    claimByWorkers(true);
    try {
      expect(() => parallel(k, [[['thread_add', ok, ok, 16]], [['thread_add', outside, outside, 16]]]))
        .toThrow(/^nnblocks: a kernel failed in worker 1 of the thread pool \(thread_add\): memory access out of bounds$/);
    } finally {
      claimByWorkers(false);
    }
    expect(Array.from(read(ok, 16)), "the caller's share ran").toEqual(new Array(16).fill(2));
    const x = randn([40, 40, 16, 4], { seed: 1 }), w = randn([3, 3, 16, 16], { seed: 2 });
    const [a, b] = both(() => nnconv(x, w, null));
    expectExact(b.data, a.data, 'y after the failed job');
  });

  it('10 000 small calls and 200 split calls leave WebAssembly memory flat', () => {
    const x = randn([32, 32, 3], { seed: 5 }), w = randn([3, 3, 3, 8], { seed: 6 });
    const X = randn([40, 40, 16, 4], { seed: 1 }), W = randn([3, 3, 16, 16], { seed: 2 });
    const P = randn([38, 38, 16, 4], { seed: 3 });
    nnconv(x, w, null);
    nnconv(X, W, null);
    nnconv(X, W, null, P);
    const before = memoryBytes();
    for (let i = 0; i < 10000; i++) nnconv(x, w, null);
    for (let i = 0; i < 100; i++) { nnconv(X, W, null); nnconv(X, W, null, P); }
    expect(memoryBytes()).toBe(before);
  });

  it('without threads asked for, init() does not wait for the workers; until one runs, its share runs here, with the same bits', async () => {
    dispose();
    await init(); // the default pool (tests/setup-threads.ts: 2 threads where they run)
    const x = randn([14, 14, 20, 8], { seed: 1 }), w = randn([5, 5, 20, 50], { seed: 2 });
    const p = randn([10, 10, 50, 8], { seed: 3 });
    expect(backwardThreads(planConv(x.shape, w.shape, null, p.shape, undefined))).toBe(threadCount()); // split
    holdWorkers(true);
    const held = nnconv(x, w, null, p);
    holdWorkers(false);
    if (threadCount() > 1) {
      // Wait (event loop turns, not time) until the worker says it runs.
      for (let i = 0; i < 2000 && workersRunning() < threadCount() - 1; i++) await new Promise((r) => setTimeout(r, 5));
      expect(workersRunning()).toBe(threadCount() - 1);
    }
    const run = nnconv(x, w, null, p);
    expectExact(run.dzdw.data, held.dzdw.data, 'dzdw (partial sums in the same order)');
    expectExact(run.dzdx.data, held.dzdx.data, 'dzdx');
    dispose();
    await init({ threads: 2 });
  });

  it('init() options are checked', async () => {
    // On a fresh load (a later call's are checked too: tests/init.test.ts).
    dispose();
    await expect(init({ threads: 0 })).rejects.toThrow(/init: threads must be a whole number >= 1, got 0/);
    await expect(init({ threads: 1.5 })).rejects.toThrow(/got 1.5/);
    await expect(init({ thread: 2 } as never)).rejects.toThrow(/unknown option thread/);
    await init({ threads: 2 });
  });

  it('dispose() before init() has finished cancels it: its promise rejects, nothing stays loaded, the next init() works', async () => {
    const had = threadCount();
    dispose();
    const early = init({ threads: 2 });
    dispose();
    await expect(early).rejects.toMatchObject({ name: 'AbortError', message: /dispose\(\) was called before init\(\) finished/ });
    expect(threadCount()).toBe(1);
    expect(workersAlive(), 'workers left running').toBe(0);
    expect(() => nnconv(randn([4, 4]), randn([3, 3]), null)).toThrow(/await init\(\)/);
    // Later: once the kernels are attached (the workers may still be starting), by event-loop turns.
    const late = init({ threads: 2 });
    let settled = false;
    late.then(() => { settled = true; }, () => { settled = true; });
    const attached = (): boolean => { try { nnconv(randn([4, 4]), randn([3, 3]), null); return true; } catch { return false; } };
    for (let i = 0; i < 20000 && !attached() && !settled; i++) await new Promise((r) => setTimeout(r, 0));
    dispose();
    // Either way (the pool was still starting, or init() had just finished), nothing of it is left.
    await late.catch((e: Error) => expect(e.name).toBe('AbortError'));
    expect(threadCount()).toBe(1);
    expect(workersAlive(), 'workers of the cancelled pool left running').toBe(0);
    expect(() => nnconv(randn([4, 4]), randn([3, 3]), null)).toThrow(/await init\(\)/);
    await init({ threads: 2 });
    expect(threadCount()).toBe(had);
    expect(workersAlive()).toBe(had - 1);
    const x = randn([64, 64, 16, 1], { seed: 1 }), w = randn([3, 3, 16, 32], { seed: 2 });
    const [a, b] = both(() => nnconv(x, w, null));
    expectExact(b.data, a.data, 'y after a cancelled init');
  });

  it('dispose() ends every worker; blocks then ask for init() again, and init() starts a new pool', async () => {
    const had = threadCount();
    dispose();
    expect(await workersStopped()).toBe(had - 1);
    expect(threadCount()).toBe(1);
    expect(() => nnconv(randn([4, 4]), randn([3, 3]), null)).toThrow(/await init\(\)/);
    await init({ threads: 2 });
    expect(threadCount()).toBe(had);
    const x = randn([64, 64, 16, 1], { seed: 1 }), w = randn([3, 3, 16, 32], { seed: 2 });
    const [a, b] = both(() => nnconv(x, w, null));
    expectExact(b.data, a.data, 'y after a new pool');
  });
});
