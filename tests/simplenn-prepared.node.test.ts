// A net's prepared run (prepared.ts) lives in a WeakMap keyed by its layers array: dropping the net
// frees it. Node only: it needs the garbage collector on demand (v8 flag + vm, as --expose-gc gives).
import { beforeAll, expect, it } from 'vitest';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { init, randn, simplenn, simplennTidy, zeros, type SimpleNN } from '../src/index.js';

beforeAll(() => init());

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

it('a dropped net takes its prepared run (plans, layout, weight references) along', async () => {
  const freed: string[] = [];
  const registry = new FinalizationRegistry<string>((what) => freed.push(what));
  const x = randn([12, 12, 1, 2], { seed: 1 });
  (() => {
    const net: SimpleNN = simplennTidy({ layers: [
      { type: 'conv', weights: [randn([5, 5, 1, 64], { seed: 2 }), zeros([1, 64])] },
      { type: 'relu' },
      { type: 'softmaxloss', class: [1, 2] },
    ] });
    for (let i = 0; i < 3; i++) simplenn(net, x, 1);
    simplenn(net, x, null);
    registry.register(net.layers, 'layers');
    registry.register(net.layers[0].weights![0]!.data, 'filters');
  })();
  for (let i = 0; i < 10 && freed.length < 2; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 10));
  }
  expect(freed.sort()).toEqual(['filters', 'layers']);
});

it('the JavaScript heap stays flat over 10 000 calls with res passed back (nothing kept per call)', () => {
  const net: SimpleNN = simplennTidy({ layers: [
    { type: 'conv', weights: [randn([3, 3, 1, 4], { seed: 3 }), zeros([1, 4])] },
    { type: 'relu' },
    { type: 'pool', pool: 2, stride: 2 },
    { type: 'conv', weights: [randn([3, 3, 4, 3], { seed: 4 }), zeros([1, 3])] },
    { type: 'softmaxloss', class: [1, 2] },
  ] });
  const x = randn([10, 10, 1, 2], { seed: 5 });
  let res = simplenn(net, x, 1);
  for (let i = 0; i < 1000; i++) res = simplenn(net, x, 1, res);
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 10_000; i++) res = simplenn(net, x, 1, res);
  gc();
  // A leak of one small object per call would be ~1 MB here.
  expect(process.memoryUsage().heapUsed - before).toBeLessThan(512 * 1024);
});
