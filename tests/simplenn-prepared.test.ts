// simplenn keeps each net's plans and layout between calls (src/net/prepared.ts). Whatever a caller
// changes between calls — a weight written in place, a weight or a layer replaced, a field changed in
// place, layers added, another net, labels rewritten, other blocks run in between — a repeated call
// must give exactly what a fresh call gives: here the fresh call runs on a deep copy of the net
// (new layer objects, new arrays), which no earlier call has seen.
import { beforeAll, describe, expect, it } from 'vitest';
import { init, nnconv, randn, simplenn, simplennTidy, Tensor, zeros, type Layer, type Res, type SimpleNN } from '../src/index.js';
import { run } from '../src/net/engine.js';
import { runCounts } from '../src/net/prepared.js';
import { memoryBytes } from '../src/wasm.js';
import { expectExact } from './helpers.js';
import { characterCNN } from './nets.js';

beforeAll(() => init());

const copyTensor = (t: Tensor): Tensor => new Tensor(t.data.slice(), t.shape.slice());
const copyValue = (v: unknown): unknown => (v instanceof Tensor ? copyTensor(v) : Array.isArray(v) ? v.map(copyValue)
  : ArrayBuffer.isView(v) ? (v as Float32Array).slice() : v);
/** A deep copy: a net no call has seen. */
function fresh(net: SimpleNN): SimpleNN {
  return { layers: net.layers.map((ly) => Object.fromEntries(Object.entries(ly).map(([k, v]) => [k, copyValue(v)])) as Layer) };
}

/** Every Tensor of two res arrays equal, bit for bit (null where the other is null). */
function expectSameRes(got: Res[], want: Res[], what: string): void {
  expect(got.length, what).toBe(want.length);
  want.forEach((r, k) => {
    for (const f of ['x', 'dzdx', 'aux'] as const) {
      const a = got[k][f] as Tensor | null;
      const b = r[f] as Tensor | null;
      if (b === null) { expect(a, `${what}: res[${k}].${f}`).toBeNull(); continue; }
      expect(a!.shape, `${what}: res[${k}].${f}`).toEqual(b.shape);
      expectExact(a!.data, b.data, `${what}: res[${k}].${f}`);
    }
    if (r.dzdw === null) { expect(got[k].dzdw, `${what}: res[${k}].dzdw`).toBeNull(); return; }
    r.dzdw.forEach((d, j) => {
      if (d === null) expect(got[k].dzdw![j]).toBeNull();
      else expectExact(got[k].dzdw![j]!.data, d.data, `${what}: res[${k}].dzdw[${j}]`);
    });
  });
}

function labels(C: number, N: number, seed: number): Tensor {
  return new Tensor(randn([N], { seed }).data.map((v) => 1 + (Math.floor(Math.abs(v) * 1000) % C)), [N, 1]);
}

/** The character CNN with softmaxloss, batch 3, and a net with bnorm, dropout, lrn, avg pool and a leaky relu. */
function charNet(): SimpleNN {
  const net = simplennTidy(characterCNN(3));
  net.layers[7].class = labels(26, 3, 4);
  return net;
}
function mixedNet(): SimpleNN {
  return simplennTidy({ layers: [
    { type: 'conv', weights: [randn([3, 3, 2, 6], { seed: 21 }), randn([1, 6], { seed: 22 })], pad: 1 },
    { type: 'bnorm', weights: [randn([6, 1], { seed: 23 }), randn([6, 1], { seed: 24 }), new Tensor(Float32Array.from({ length: 12 }, (_, i) => (i < 6 ? 0.1 * i : 1 + 0.1 * i)), [6, 2])] },
    { type: 'relu', leak: 0.1 },
    { type: 'lrn', param: [3, 1, 0.5, 0.75] },
    { type: 'pool', method: 'avg', pool: 2, stride: 2 },
    { type: 'conv', weights: [randn([2, 2, 6, 4], { seed: 25 }), randn([1, 4], { seed: 26 })] },
    { type: 'softmaxloss', class: [1, 3, 2, 4] },
  ] });
}

const X3 = randn([32, 32, 1, 3], { seed: 30 });
const X4 = randn([8, 6, 2, 4], { seed: 31 });

/** Forward only, forward + backward and test mode: each repeated three times with res passed back, then against a fresh call. */
function check(net: SimpleNN, x: Tensor, what: string, opts?: Parameters<typeof simplenn>[4]): void {
  let r1: Res[] = [];
  let r2: Res[] = [];
  const f = fresh(net);
  const y = simplenn(f, x, null, null, opts).at(-1)!.x!;
  const dzdy = y.numel === 1 ? 1 : randn(y.shape, { seed: 33 });
  for (let i = 0; i < 3; i++) {
    const kept = runCounts.kept;
    r1 = simplenn(net, x, null, r1, opts);
    r2 = simplenn(net, x, dzdy, r2, opts);
    // The third round reuses both prepared runs (so the comparisons below test them); with the
    // pool, a run that no layer split is planned again on the unshared instance in the second.
    if (i === 2) expect(runCounts.kept - kept, `${what}: runs reused`).toBe(2);
  }
  expectSameRes(r1, simplenn(f, x, null, null, opts), `${what} (forward)`);
  expectSameRes(r2, simplenn(f, x, dzdy, null, opts), `${what} (backward)`);
}

describe('simplenn kept between calls equals a fresh call', () => {
  it('repeated calls, and a weight written in place between them (data.set, one element, fill)', () => {
    const net = charNet();
    check(net, X3, 'repeated');
    const w = net.layers[2].weights![0]!;
    w.data.set(randn(w.shape, { seed: 40 }).data.map((v) => v / 50));
    check(net, X3, 'conv filters rewritten');
    net.layers[4].weights![1]!.data[17] = 0.25;
    check(net, X3, 'one bias element');
    net.layers[0].weights![0]!.data.fill(0.01);
    check(net, X3, 'filled');
    const m = mixedNet();
    check(m, X4, 'mixed net');
    m.layers[1].weights![0]!.data[2] = -3;
    check(m, X4, 'bnorm gain written in place');
    m.layers[1].weights![2]!.data[8] = 4;
    check(m, X4, 'bnorm moments written in place (test mode)', { mode: 'test' });
  });

  it('a weight, the weights array or a layer replaced; a field changed, in place or not', () => {
    const net = charNet();
    check(net, X3, 'before');
    net.layers[6].weights![0] = randn([2, 2, 500, 26], { seed: 41 });
    check(net, X3, 'weights[0] replaced');
    net.layers[4].weights = [new Tensor(randn([4, 4, 50, 500], { seed: 42 }).data.map((v) => v / 100), [4, 4, 50, 500]), zeros([1, 500])];
    check(net, X3, 'weights array replaced');
    net.layers[4].weights[1] = new Tensor(new Float32Array(0), [0, 0]);
    check(net, X3, 'bias removed');
    net.layers[1] = { ...net.layers[1], method: 'avg' };
    check(net, X3, 'pool layer replaced (avg)');
    net.layers[3].method = 'avg';
    check(net, X3, 'pool method changed in place');
    (net.layers[3].pool as number[])[0] = 1;
    check(net, X3, 'pool size changed inside its array');
    (net.layers[3].pool as number[])[0] = 2;
    net.layers[0].pad = [1, 1, 1, 1];
    net.layers[2].pad = 1;
    net.layers[4].weights[0] = new Tensor(randn([5, 5, 50, 500], { seed: 43 }).data.map((v) => v / 100), [5, 5, 50, 500]);
    check(net, X3, 'pads added (other sizes downstream)');
    net.layers[5].leak = 0.2;
    check(net, X3, 'relu leak');
    const m = mixedNet();
    check(m, X4, 'mixed');
    (m.layers[3].param as number[])[2] = 2;
    check(m, X4, 'lrn alpha changed inside its array');
    m.layers[1].epsilon = 0.5;
    check(m, X4, 'bnorm epsilon');
  });

  it('layers added, removed or reordered in the same array; another net; nets sharing layers', () => {
    const net = charNet();
    check(net, X3, 'before');
    net.layers.splice(5, 0, { type: 'relu', leak: 0.3, precious: false, name: 'extra' });
    check(net, X3, 'a layer inserted');
    net.layers.splice(5, 1);
    net.layers.splice(6, 0, { type: 'dropout', rate: 0.5, name: 'drop', precious: false });
    check(net, X3, 'dropout in test mode', { mode: 'test' });
    const forward = net.layers.slice(0, 7);
    const a = { layers: forward };
    const b = { layers: forward.slice() };
    // (its dropout draws a new mask per call in normal mode: test mode passes x through)
    check(a, X3, 'a prefix of the layers (another array)', { mode: 'test' });
    check(b, X3, 'the same layer objects in a third array', { mode: 'test' });
    const other = charNet();
    other.layers[0].weights![0]!.data.reverse();
    check(other, X3, 'another net of the same shape');
    check(net, X3, 'the first net again', { mode: 'test' });
  });

  it('labels rewritten in place; batch sizes, modes and options alternating past the entries kept per net', () => {
    const net = charNet();
    check(net, X3, 'before');
    (net.layers[7].class as Tensor).data.set([26, 1, 13]);
    check(net, X3, 'labels written in place');
    const m = mixedNet();
    check(m, X4, 'before');
    (m.layers[6].class as number[]).reverse();
    check(m, X4, 'a plain label array reversed in place');
    (m.layers[6].class as number[])[0] = 0;
    check(m, X4, 'a zero label (ignored)');
    (m.layers[6].class as number[])[0] = 7;
    expect(() => simplenn(m, X4)).toThrow(/c\[0\] \(image 0\) is 7; labels must be/);
    expect(() => simplenn(fresh(m), X4)).toThrow(/c\[0\] \(image 0\) is 7; labels must be/);
    (m.layers[6].class as number[])[0] = 2;
    const fwd = simplennTidy({ layers: net.layers.slice(0, 7) });
    for (let round = 0; round < 2; round++) {
      for (const N of [1, 2, 5]) {
        const x = randn([32, 32, 1, N], { seed: 50 + N });
        check(fwd, x, `batch ${N}`);
        check(fwd, x, `batch ${N}, conserveMemory`, { conserveMemory: true });
        check(fwd, x, `batch ${N}, backPropDepth 3`, { backPropDepth: 3 });
      }
    }
  });

  it('a wrong weight put in place of a right one gives the fresh call\'s Error, not the old plan', () => {
    const net = charNet();
    check(net, X3, 'before');
    const keep = net.layers[2].weights![0];
    net.layers[2].weights![0] = randn([5, 5, 21, 50], { seed: 60 });
    expect(() => simplenn(net, X3)).toThrow(/layer 2.*21/);
    net.layers[2].weights![0] = keep;
    check(net, X3, 'restored');
  });

  it('other blocks run between calls (they overwrite the arena): the next call is still right', () => {
    const net = charNet();
    let res: Res[] = [];
    res = simplenn(net, X3, 1, res);
    const big = nnconv(randn([64, 64, 16, 4], { seed: 61 }), randn([3, 3, 16, 32], { seed: 62 }), null);
    expect(big.shape).toEqual([62, 62, 32, 4]);
    res = simplenn(net, X3, 1, res);
    expectSameRes(res, simplenn(fresh(net), X3, 1), 'after nnconv');
  });
});

describe('the lowest layer\'s dzdx', () => {
  it('is skipped when res keeps none (cnnTrain), the weight derivatives unchanged; simplenn still returns it', () => {
    for (const make of [charNet, () => {
      // A pool at the bottom: its backward has nothing else to compute, so it is not run at all.
      const n = charNet();
      n.layers.unshift({ type: 'pool', method: 'max', pool: [1, 1], stride: 1, pad: 0, name: 'p0', precious: false, opts: {} });
      return n;
    }]) {
      const net = make();
      const full = simplenn(net, X3, 1);
      expect(full[0].dzdx!.shape).toEqual(X3.shape);
      const L = net.layers.length;
      const o = { test: false, conserveMemory: false, backPropDepth: Infinity, skipForward: false, accumulate: false };
      for (let i = 0; i < 2; i++) {
        const got = run(net, X3, 1, null, o, { x: (k) => k >= L - 1, dzdx: () => false, dzdw: true, aux: false });
        got.forEach((r, k) => expect(r.dzdx, `res[${k}].dzdx`).toBeNull());
        net.layers.forEach((ly, l) => {
          if (ly.type !== 'conv') return;
          for (let j = 0; j < 2; j++) expectExact(got[l].dzdw![j]!.data, full[l].dzdw![j]!.data, `res[${l}].dzdw[${j}]`);
        });
        expectExact(got[L].x!.data, full[L].x!.data, 'objective');
      }
      // simplenn after the skipping run (the same prepared layers, another key) still computes it.
      expectExact(simplenn(net, X3, 1)[0].dzdx!.data, full[0].dzdx!.data, 'res[0].dzdx');
    }
  });
});

describe('memory', () => {
  it('stays flat over 10 000 calls of a small net with res passed back: the same arrays, the same WebAssembly memory', () => {
    const net = simplennTidy({ layers: [
      { type: 'conv', weights: [randn([3, 3, 1, 4], { seed: 70 }), zeros([1, 4])] },
      { type: 'relu' },
      { type: 'pool', pool: 2, stride: 2 },
      { type: 'conv', weights: [randn([3, 3, 4, 3], { seed: 71 }), zeros([1, 3])] },
      { type: 'softmaxloss', class: [1, 2] },
    ] });
    const x = randn([10, 10, 1, 2], { seed: 72 });
    let res = simplenn(net, x, 1);
    res = simplenn(net, x, 1, res);
    const arrays = res.map((r) => r.x?.data);
    const dzdw = res[0].dzdw![0]!.data;
    const bytes = memoryBytes();
    const w = net.layers[0].weights![0]!;
    for (let i = 0; i < 10_000; i++) {
      if (i % 1000 === 999) w.data[i % w.numel] += 0.5;
      res = simplenn(net, x, 1, res);
    }
    expect(memoryBytes()).toBe(bytes);
    res.forEach((r, k) => { if (k > 0) expect(r.x!.data, `res[${k}].x`).toBe(arrays[k]); });
    expect(res[0].dzdw![0]!.data).toBe(dzdw);
    expectSameRes(res, simplenn(fresh(net), x, 1), 'after 10 000 calls');
  });
});
