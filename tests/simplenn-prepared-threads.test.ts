// simplenn's prepared runs (prepared.ts) with the worker pool: a split pass needs every thread's
// scratch, so a run planned on one thread must not be reused on two (and back). Each setting is
// compared with a fresh call (a deep copy of the net) under the same setting.
import { afterAll, describe, expect, it } from 'vitest';
import { init, randn, simplenn, simplennTidy, threadCount, Tensor, zeros, type Layer, type Res, type SimpleNN } from '../src/index.js';
import { limitThreads } from '../src/threads.js';
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
