// simplenn's prepared runs (prepared.ts) with the worker pool: a split pass needs every thread's
// scratch, so a run planned on one thread must not be reused on two (and back). Each setting is
// compared with a fresh call (a deep copy of the net) under the same setting.
import { afterAll, describe, expect, it } from 'vitest';
import { init, randn, simplenn, simplennTidy, threadCount, Tensor, zeros, type Layer, type Res, type SimpleNN } from '../src/index.js';
import { limitThreads, splitCount, threads } from '../src/threads.js';
import { kernels, memoryBytes, read, reserve, RUN_HERE_MAX, write } from '../src/wasm.js';
import { forwardThreads } from '../src/blocks/conv-threads.js';
import { planConv } from '../src/blocks/conv.js';
import { runCounts } from '../src/net/prepared.js';
import { expectExact } from './helpers.js';

await init({ threads: 2 });
afterAll(() => limitThreads(Infinity));

const copy = (net: SimpleNN): SimpleNN => ({ layers: net.layers.map((ly) => ({ ...ly,
  weights: ly.weights?.map((w) => (w === null ? null : new Tensor(w.data.slice(), w.shape))) }) as Layer) });

describe.skipIf(threadCount() < 2)('simplenn kept between calls, 1 and 2 threads alternating', () => {
  it('each call equals a fresh call on the same number of threads', () => {
    const net = simplennTidy({ layers: [
      { type: 'conv', weights: [randn([5, 5, 3, 10], { seed: 1 }), zeros([1, 10])] },
      { type: 'relu' },
      { type: 'pool', pool: 2, stride: 2 },
      { type: 'conv', weights: [randn([3, 3, 10, 4], { seed: 2 }), randn([1, 4], { seed: 3 })] },
      { type: 'softmaxloss', class: [3] },
    ] });
    const x = randn([100, 120, 3, 1], { seed: 4 });
    limitThreads(Infinity);
    expect(forwardThreads(planConv(x.shape, [5, 5, 3, 10], [1, 10], null)), 'the first layer splits').toBe(2);
    let res: Res[] = [];
    [1, Infinity, 1, Infinity].forEach((t, round) => {
      limitThreads(t);
      const planned = runCounts.planned;
      for (let i = 0; i < 2; i++) res = simplenn(net, x, 1, res);
      // The first call on a thread count plans (the split passes' scratch differs); later ones reuse that run.
      expect(runCounts.planned - planned, `threads ${t}, round ${round}: runs planned`).toBe(round < 2 ? 1 : 0);
      const want = simplenn(copy(net), x, 1);
      for (let k = 0; k < want.length; k++) {
        expectExact(res[k].x!.data, want[k].x!.data, `threads ${t}: res[${k}].x`);
        expectExact(res[k].dzdx!.data, want[k].dzdx!.data, `threads ${t}: res[${k}].dzdx`);
      }
      expectExact(res[0].dzdw![0]!.data, want[0].dzdw![0]!.data, `threads ${t}: res[0].dzdw[0]`);
    });
  });
});

// With the pool, memory is shared and V8 copies into it word by word: a run in which no layer
// split its work (batch 1 of a small net) ran about 7% slower with threads than without. From its
// second call such a run runs on the unshared instance (engine.ts, Prepared.here).
describe.skipIf(threadCount() < 2)('simplenn runs that no layer splits move to the unshared instance', () => {
  const small = (labels = [2]): SimpleNN => simplennTidy({ layers: [
    { type: 'conv', weights: [randn([5, 5, 1, 8], { seed: 11 }), randn([1, 8], { seed: 12 })] },
    { type: 'pool', pool: 2, stride: 2 },
    { type: 'conv', weights: [randn([5, 5, 8, 12], { seed: 13 }), zeros([1, 12])] },
    { type: 'relu' },
    { type: 'conv', weights: [randn([4, 4, 12, 5], { seed: 14 }), zeros([1, 5])] },
    { type: 'softmaxloss', class: labels },
  ] });
  const x = randn([24, 24, 1, 1], { seed: 15 });
  const expectRes = (got: Res[], want: Res[], what: string): void => {
    for (let k = 0; k < want.length; k++) {
      expectExact(got[k].x!.data, want[k].x!.data, `${what}: res[${k}].x`);
      expectExact(got[k].dzdx!.data, want[k].dzdx!.data, `${what}: res[${k}].dzdx`);
      want[k].dzdw?.forEach((d, j) => expectExact(got[k].dzdw![j]!.data, d!.data, `${what}: res[${k}].dzdw[${j}]`));
    }
  };

  it('the first call plans on the pool\'s instance, later ones run on the unshared one with the same bits; a weight written in place is seen', () => {
    limitThreads(Infinity);
    const net = small();
    const split = splitCount(), here = runCounts.here, planned = runCounts.planned;
    const first = simplenn(net, x, 1);
    expect(splitCount() - split, 'layers that split').toBe(0);
    expect([runCounts.here - here, runCounts.planned - planned], 'moved, planned: the first call').toEqual([0, 1]);
    // Every later call leaves the pool's arena alone (the first call's layout starts where this is).
    const [at] = reserve('test', 4096);
    const seeded = randn([4096, 1], { seed: 16 }).data;
    write(at, seeded);
    let res = simplenn(net, x, 1);
    expect([runCounts.here - here, runCounts.planned - planned], 'moved, planned: the second call').toEqual([1, 2]);
    expectRes(res, first, 'second call against the first');
    res = simplenn(net, x, 1, res);
    expect([runCounts.here - here, runCounts.planned - planned], 'moved, planned: the third call').toEqual([2, 2]);
    expectRes(res, first, 'third call against the first');
    net.layers[2].weights![0]!.data[7] += 0.25;
    res = simplenn(net, x, 1, res);
    expect(runCounts.here - here, 'moved calls').toBe(3);
    expectExact(read(at, seeded.length), seeded, 'the pool\'s arena');
    // a fresh net (a copy) plans on the pool's instance
    expectRes(res, simplenn(copy(net), x, 1), 'after a weight was written in place');
    expect(res[3].x!.data.some((v, i) => v !== first[3].x!.data[i]), 'the written weight changed res[3].x').toBe(true);
    limitThreads(1);
    expectRes(simplenn(copy(net), x, 1), res, 'one thread on the pool\'s instance');
    limitThreads(Infinity);
  });

  it('an Error in a moved run is the fresh call\'s, and leaves the pool\'s instance attached; accumulate adds there too', () => {
    limitThreads(Infinity);
    const net = small();
    const k = kernels();
    let res: Res[] = [];
    for (let i = 0; i < 2; i++) res = simplenn(net, x, 1, res);
    const here = runCounts.here;
    const wrong = randn([2, 1], { seed: 19 });
    let want = '';
    try { simplenn(copy(net), x, wrong); } catch (e) { want = (e as Error).message; }
    expect(want, 'the fresh call throws').toMatch(/^simplenn: dzdy is 2x1/);
    expect(() => simplenn(net, x, wrong, res)).toThrow(want);
    expect(runCounts.here - here, 'the throwing call moved').toBe(1);
    expect([kernels(), threads()], 'attached afterwards, threads').toEqual([k, 2]);
    const once = res.map((r) => r.dzdw?.map((d) => d && d.data.slice()));
    res = simplenn(net, x, 1, res, { accumulate: true });
    expect(runCounts.here - here, 'moved calls').toBe(2);
    res.forEach((r, l) => r.dzdw?.forEach((d, j) => expectExact(d!.data, once[l]![j]!.map((v) => 2 * v), `res[${l}].dzdw[${j}], accumulated`)));
  });

  // cnnTrain on a small net makes four runs (train, val and their shorter last batches), none split.
  it('four moved runs of one net are all kept (four entries on each instance)', () => {
    limitThreads(Infinity);
    const net = small([1, 2, 3, 4]);
    const xs = [1, 2, 3, 4].map((N) => randn([24, 24, 1, N], { seed: 40 + N }));
    const label = net.layers[5];
    const call = (x4: Tensor): void => { label.class = [1, 2, 3, 4].slice(0, x4.shape[3]); simplenn(net, x4, 1); };
    for (let i = 0; i < 2; i++) xs.forEach(call);
    const here = runCounts.here, planned = runCounts.planned;
    for (let i = 0; i < 2; i++) xs.forEach(call);
    expect([runCounts.here - here, runCounts.planned - planned], 'moved, planned again').toEqual([8, 0]);
  });

  it('memory stays flat over 300 moved calls', () => {
    limitThreads(Infinity);
    const net = small();
    let res: Res[] = [];
    for (let i = 0; i < 3; i++) res = simplenn(net, x, 1, res);
    const bytes = memoryBytes(), here = runCounts.here, planned = runCounts.planned;
    for (let i = 0; i < 300; i++) res = simplenn(net, x, 1, res);
    expect([runCounts.here - here, runCounts.planned - planned], 'moved, planned').toEqual([300, 0]);
    expect(memoryBytes(), 'WebAssembly memory, both instances').toBe(bytes);
  });

  // The pool's instance on one thread and the unshared one have the same key (threads() is 1 on both).
  it('alternating 1 and 2 threads, the pool\'s run on one thread and the moved run are both kept', () => {
    const net = small();
    let res: Res[] = [];
    for (const t of [1, Infinity, Infinity]) { limitThreads(t); res = simplenn(net, x, 1, res); }
    const planned = runCounts.planned;
    for (const t of [1, Infinity, 1, Infinity]) { limitThreads(t); res = simplenn(net, x, 1, res); }
    expect(runCounts.planned - planned, 'runs planned again').toBe(0);
    limitThreads(Infinity);
  });

  it('a run that splits nothing but holds more than RUN_HERE_MAX floats stays on the pool\'s instance', () => {
    limitThreads(Infinity);
    const net = simplennTidy({ layers: [{ type: 'softmax' }] });
    const x = randn([260, 256, 16, 1], { seed: 18 });
    expect(x.numel, 'x alone').toBeGreaterThan(RUN_HERE_MAX);
    const split = splitCount(), here = runCounts.here;
    let res: Res[] = [];
    for (let i = 0; i < 3; i++) res = simplenn(net, x, null, res);
    expect([splitCount() - split, runCounts.here - here], 'layers that split, moved calls').toEqual([0, 0]);
  });

  it('a run in which a layer splits stays on the pool\'s instance', () => {
    limitThreads(Infinity);
    const net = small([2, 4, 1, 3]);
    const big = randn([80, 80, 1, 4], { seed: 17 });
    expect(forwardThreads(planConv(big.shape, [5, 5, 1, 8], [1, 8], null)), 'the first layer splits').toBe(2);
    const here = runCounts.here;
    let res: Res[] = [];
    for (let i = 0; i < 3; i++) res = simplenn(net, big, 1, res);
    expect(runCounts.here - here, 'moved calls').toBe(0);
    limitThreads(1);
    expectRes(res.map((r, k) => (k === 0 ? r : { ...r, dzdw: r.dzdw?.map(() => null) ?? null })) as Res[],
      simplenn(copy(net), big, 1).map((r) => ({ ...r, dzdw: null })) as Res[], 'x and dzdx against one thread');
    limitThreads(Infinity);
  });
});
