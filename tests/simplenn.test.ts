import { beforeAll, describe, expect, it } from 'vitest';
import {
  init, simplenn, simplennTidy, nnconv, nnconvt, nnpool, nnrelu, nndropout, nnbnorm, nnpdist, nnnormalize, nnspnorm, nnnoffset,
  nnsigmoid, nnsoftmax, nnloss, nnsoftmaxloss, checkDerivativeElementwise, randn, zeros, Tensor,
  type Layer, type Res, type SimpleNN,
} from '../src/index.js';
import { kernels, memoryBytes, reserve } from '../src/wasm.js';
import { expectExact } from './helpers.js';
import { characterCNN, scale } from './nets.js';

beforeAll(() => init());

const copyOf = (t: Tensor): Tensor => new Tensor(t.data.slice(), t.shape);
const w = (ly: Layer, j: number): Tensor => ly.weights![j]!;

const convtOpts = (ly: Layer): { upsample: number[]; crop: number[]; numGroups: number } =>
  ({ upsample: ly.upsample as number[], crop: ly.crop as number[], numGroups: ly.numGroups as number });

/** The blocks called one by one, as vl_simplenn calls them: outputs and, for dzdy, every derivative. */
function byBlocks(net: SimpleNN, x: Tensor, dzdy: Tensor): { xs: Tensor[]; dzdx: Tensor[]; dzdw: (Tensor | null)[][] } {
  const xs = [x];
  for (const ly of net.layers) {
    const a = xs[xs.length - 1];
    if (ly.type === 'conv') xs.push(nnconv(a, w(ly, 0), w(ly, 1), { pad: ly.pad as number, stride: ly.stride as number, dilate: ly.dilate as number }));
    else if (ly.type === 'pool') xs.push(nnpool(a, ly.pool as number, { method: ly.method as 'max', pad: ly.pad as number, stride: ly.stride as number }));
    else if (ly.type === 'relu') xs.push(nnrelu(a, { leak: ly.leak as number }));
    else if (ly.type === 'convt') xs.push(nnconvt(a, w(ly, 0), w(ly, 1), convtOpts(ly)));
    else if (ly.type === 'sigmoid') xs.push(nnsigmoid(a));
    else if (ly.type === 'softmax') xs.push(nnsoftmax(a));
    else if (ly.type === 'softmaxloss') xs.push(nnsoftmaxloss(a, ly.class as Tensor));
    else if (ly.type === 'loss') xs.push(nnloss(a, ly.class as number[]));
    else throw new Error(`byBlocks: ${ly.type}`);
  }
  const n = net.layers.length;
  const dzdx: Tensor[] = new Array(n + 1);
  const dzdw: (Tensor | null)[][] = new Array(n).fill(null).map(() => []);
  dzdx[n] = dzdy;
  for (let l = n - 1; l >= 0; l--) {
    const ly = net.layers[l];
    if (ly.type === 'conv') {
      const d = nnconv(xs[l], w(ly, 0), w(ly, 1), dzdx[l + 1], { pad: ly.pad as number, stride: ly.stride as number, dilate: ly.dilate as number });
      dzdx[l] = d.dzdx;
      dzdw[l] = [d.dzdw, d.dzdb];
    } else if (ly.type === 'convt') {
      const d = nnconvt(xs[l], w(ly, 0), w(ly, 1), dzdx[l + 1], convtOpts(ly));
      dzdx[l] = d.dzdx;
      dzdw[l] = [d.dzdw, d.dzdb];
    } else if (ly.type === 'sigmoid') {
      dzdx[l] = nnsigmoid(xs[l], dzdx[l + 1]);
    } else if (ly.type === 'softmax') {
      dzdx[l] = nnsoftmax(xs[l], dzdx[l + 1]);
    } else if (ly.type === 'softmaxloss') {
      dzdx[l] = nnsoftmaxloss(xs[l], ly.class as Tensor, dzdx[l + 1]);
    } else if (ly.type === 'loss') {
      dzdx[l] = nnloss(xs[l], ly.class as number[], dzdx[l + 1]);
    } else if (ly.type === 'pool') {
      dzdx[l] = nnpool(xs[l], ly.pool as number, dzdx[l + 1], { method: ly.method as 'max', pad: ly.pad as number, stride: ly.stride as number });
    } else {
      dzdx[l] = nnrelu(xs[l], dzdx[l + 1], { leak: ly.leak as number });
    }
  }
  return { xs, dzdx, dzdw };
}

/** Labels 1..C for N images, seeded (MATLAB's randi(C, N, 1)). */
function labels(C: number, N: number, seed: number): Tensor {
  return new Tensor(randn([N], { seed }).data.map((v) => 1 + (Math.floor(Math.abs(v) * 1000) % C)), [N, 1]);
}

/** MatConvNet's nnsimplenn net: the character CNN with 10 classes (a 1x1 last conv, output 2x2x10) and softmaxloss. */
function suiteNet(N: number): SimpleNN {
  const net = simplennTidy(characterCNN(5));
  net.layers[6].weights = [scale(randn([1, 1, 500, 10], { seed: 9 }), 0.01), zeros([1, 10])];
  net.layers[7].class = labels(10, N, 10);
  return net;
}

describe('simplenn equals the blocks called one by one', () => {
  for (const [name, make, shape] of [
    ['the character CNN (conv, max pool, relu, softmaxloss)', () => {
      const net = simplennTidy(characterCNN());
      net.layers[7].class = labels(26, 3, 1);
      return net;
    }, [32, 32, 1, 3]],
    ["a 'loss' layer (vl_nnloss without options: softmaxlog), sigmoid, softmax", () => simplennTidy({ layers: [
      { type: 'conv', weights: [randn([3, 3, 2, 5], { seed: 13 }), randn([1, 5], { seed: 14 })] },
      { type: 'sigmoid' },
      { type: 'softmax' },
      { type: 'loss', class: [1, 0, 5, 3] },
    ] }), [4, 3, 2, 4]],
    ['padded, strided, dilated, avg-pooled, leaky', () => simplennTidy({ layers: [
      { type: 'conv', weights: [randn([3, 3, 3, 8], { seed: 3 }), randn([8, 1], { seed: 4 })], pad: [1, 2, 0, 1], stride: [2, 1], dilate: 2 },
      { type: 'relu', leak: 0.1 },
      { type: 'pool', method: 'avg', pool: [3, 2], pad: [1, 1, 0, 1], stride: 2 },
      { type: 'conv', weights: [randn([2, 2, 8, 5], { seed: 5 }), new Tensor(new Float32Array(0), [0, 0])], pad: 1 },
      { type: 'pool', pool: 2 },
    ] }), [17, 13, 3, 2]],
    ['with transposed convolutions (upsample, crop, groups)', () => simplennTidy({ layers: [
      { type: 'convt', weights: [randn([3, 4, 2, 4], { seed: 6 }), randn([1, 4], { seed: 7 })], upsample: [2, 3], crop: [1, 0, 2, 1], numGroups: 2 },
      { type: 'relu' },
      { type: 'conv', weights: [randn([3, 3, 4, 3], { seed: 8 }), randn([3, 1], { seed: 9 })], stride: 2 },
      { type: 'convt', weights: [randn([2, 2, 2, 3], { seed: 10 }), new Tensor(new Float32Array(0), [0, 0])] },
    ] }), [5, 4, 4, 2]],
  ] as [string, () => SimpleNN, number[]][]) {
    it(name, () => {
      const net = make();
      const x = randn(shape, { seed: 11 });
      const fwd = simplenn(net, x);
      const y = fwd[net.layers.length].x!;
      const dzdy = randn(y.shape, { seed: 12 });
      const res = simplenn(net, x, dzdy);
      const want = byBlocks(net, x, dzdy);
      expect(res.length).toBe(net.layers.length + 1);
      expect(res[0].x).toBe(x);
      expect(res[net.layers.length].dzdx).toBe(dzdy);
      for (let k = 0; k <= net.layers.length; k++) {
        expect(res[k].x!.shape, `res[${k}].x`).toEqual(want.xs[k].shape);
        expectExact(res[k].x!.data, want.xs[k].data, `res[${k}].x`);
        expectExact(fwd[k].x!.data, want.xs[k].data, `forward-only res[${k}].x`);
        expectExact(res[k].dzdx!.data, want.dzdx[k].data, `res[${k}].dzdx`);
        expect(fwd[k].dzdx, 'forward-only dzdx').toBeNull();
      }
      net.layers.forEach((ly, l) => {
        if (ly.type !== 'conv' && ly.type !== 'convt') { expect(res[l].dzdw).toBeNull(); return; }
        expect(res[l].dzdw!.length).toBe(2);
        expectExact(res[l].dzdw![0]!.data, want.dzdw[l][0]!.data, `res[${l}].dzdw[0]`);
        expect(res[l].dzdw![0]!.shape).toEqual(w(ly, 0).shape);
        if (want.dzdw[l][1] === null) expect(res[l].dzdw![1]).toBeNull();
        else {
          expectExact(res[l].dzdw![1]!.data, want.dzdw[l][1]!.data, `res[${l}].dzdw[1]`);
          expect(res[l].dzdw![1]!.shape).toEqual(w(ly, 1).shape);
        }
        expect(res[l].time).toBeGreaterThanOrEqual(0);
        expect(res[l].backwardTime).toBeGreaterThanOrEqual(0);
      });
      expect(res[net.layers.length].time).toBe(0);
    });
  }
});

describe("simplenn's backward against element-wise numerical derivatives", () => {
  // conv -> relu -> max pool -> conv -> convt: the input and every weight, float64 sums of float32 outputs.
  const net = simplennTidy({ layers: [
    { type: 'conv', weights: [randn([3, 3, 2, 3], { seed: 21 }), randn([1, 3], { seed: 22 })], pad: 1 },
    { type: 'relu' },
    { type: 'pool', pool: 2, stride: 2 },
    { type: 'conv', weights: [randn([3, 3, 3, 2], { seed: 23 }), randn([1, 2], { seed: 24 })] },
    { type: 'convt', weights: [randn([2, 3, 2, 2], { seed: 27 }), randn([1, 2], { seed: 28 })], upsample: 2, crop: [0, 0, 1, 0] },
  ] });
  const x = randn([6, 6, 2, 2], { seed: 25 });
  const dzdy = randn([2, 2, 2, 2], { seed: 26 });
  let res: Res[] = [];
  beforeAll(() => { res = simplenn(net, x, dzdy); });
  const output = (n: SimpleNN, t: Tensor): Tensor => simplenn(n, t).at(-1)!.x!;
  it('for the input', () => {
    const r = checkDerivativeElementwise((t) => output(net, t), x, dzdy, res[0].dzdx!);
    expect(r.worst, `worst at ${r.at}`).toBeLessThanOrEqual(r.tolerance);
  });
  for (const [l, j] of [[0, 0], [0, 1], [3, 0], [3, 1], [4, 0], [4, 1]]) {
    it(`for layer ${l}'s weights[${j}]`, () => {
      const withW = (t: Tensor): SimpleNN => ({ layers: net.layers.map((ly, i) => (i !== l ? ly
        : { ...ly, weights: ly.weights!.map((v, k) => (k === j ? t : v)) })) });
      const r = checkDerivativeElementwise((t) => output(withW(t), x), w(net.layers[l], j), dzdy, res[l].dzdw![j]!);
      expect(r.worst, `worst at ${r.at}`).toBeLessThanOrEqual(r.tolerance);
    });
  }
});

describe("conserveMemory and backPropDepth, as MatConvNet's nnsimplenn suite checks them", () => {
  const net = suiteNet(4);
  const n = net.layers.length;
  const x = scale(randn([32, 32, 1, 4], { seed: 31 }), 0.1);
  const dzdy = 1;
  it('simpleRun: forward keeps the output (and the input: nnblocks), backward every dzdw', () => {
    const f = simplenn(net, x, null, null, { conserveMemory: true });
    f.forEach((r, k) => expect(r.x === null, `res[${k}].x`).toBe(k !== 0 && k !== n));
    expect(f[0].x).toBe(x); // MatConvNet clears it; its help text (and nnblocks) keep it
    const b = simplenn(net, x, dzdy, null, { conserveMemory: true });
    for (let k = 1; k < n; k++) {
      expect(b[k].x, `res[${k}].x`).toBeNull();
      expect(b[k].dzdx, `res[${k}].dzdx`).toBeNull();
    }
    expect(b[0].x).toBe(x);
    expect(b[0].dzdx).not.toBeNull();
    expect(b[n].x).not.toBeNull();
    expect(Array.from(b[n].dzdx!.data)).toEqual([1]);
    net.layers.forEach((ly, l) => { if (ly.type === 'conv') expect(b[l].dzdw, `res[${l}].dzdw`).not.toBeNull(); });
    // Dropping results changes no value that is kept.
    const full = simplenn(net, x, dzdy);
    expectExact(b[0].dzdx!.data, full[0].dzdx!.data, 'res[0].dzdx');
    expectExact(b[n].x!.data, full[n].x!.data, 'output');
    expectExact(b[4].dzdw![0]!.data, full[4].dzdw![0]!.data, 'res[4].dzdw[0]');
  });
  it('conserveMemory false keeps every x and dzdx', () => {
    simplenn(net, x, null, null, { conserveMemory: false }).forEach((r, k) => expect(r.x, `res[${k}].x`).not.toBeNull());
    simplenn(net, x, dzdy, null, { conserveMemory: false }).forEach((r, k) => {
      expect(r.x, `res[${k}].x`).not.toBeNull();
      expect(r.dzdx, `res[${k}].dzdx`).not.toBeNull();
    });
  });
  it("precious keeps its layer's output x and dzdx", () => {
    const sel = 2; // MatConvNet's selLayer = 3, 1-based
    const pnet = { layers: net.layers.map((ly, l) => (l === sel ? { ...ly, precious: true } : ly)) };
    simplenn(pnet, x, null, null, { conserveMemory: true }).forEach((r, k) => {
      expect(r.x === null, `res[${k}].x`).toBe(!(k === 0 || k === sel + 1 || k === n));
    });
    const b = simplenn(pnet, x, dzdy, null, { conserveMemory: true });
    for (let k = 1; k < n; k++) {
      expect(b[k].x === null, `res[${k}].x`).toBe(k !== sel + 1);
      expect(b[k].dzdx === null, `res[${k}].dzdx`).toBe(k !== sel + 1);
    }
  });
  it('backPropDepth back-propagates only the top layers', () => {
    const depth = 3;
    const opts = { conserveMemory: true, backPropDepth: depth };
    simplenn(net, x, null, null, opts).forEach((r, k) => { if (k > 0 && k < n) expect(r.x, `res[${k}].x`).toBeNull(); });
    const b = simplenn(net, x, dzdy, null, opts);
    for (let k = 1; k < n; k++) {
      expect(b[k].x, `res[${k}].x`).toBeNull();
      expect(b[k].dzdx, `res[${k}].dzdx`).toBeNull();
    }
    net.layers.forEach((ly, l) => {
      if (ly.type === 'conv') expect(b[l].dzdw === null, `res[${l}].dzdw`).toBe(l < n - depth);
    });
    expect(b[0].dzdx).toBeNull();
    // Without conserveMemory: dzdx from the first back-propagated layer's input up, equal to the full run's.
    const c = simplenn(net, x, dzdy, null, { backPropDepth: depth });
    const full = simplenn(net, x, dzdy);
    for (let k = 0; k <= n; k++) {
      if (k < n - depth) expect(c[k].dzdx, `res[${k}].dzdx`).toBeNull();
      else expectExact(c[k].dzdx!.data, full[k].dzdx!.data, `res[${k}].dzdx`);
    }
    expectExact(c[n - 2].dzdw![0]!.data, full[n - 2].dzdw![0]!.data, 'dzdw of the last conv');
  });
});

describe('skipForward, accumulate and res reuse', () => {
  const net = suiteNet(2);
  const n = net.layers.length;
  const x = scale(randn([32, 32, 1, 2], { seed: 41 }), 0.1);
  const dzdy = new Tensor(Float32Array.of(1), [1, 1]);
  const clone = (res: Res[]): Res[] => res.map((r) => ({ ...r, x: r.x && copyOf(r.x), dzdx: r.dzdx && copyOf(r.dzdx),
    dzdw: r.dzdw && r.dzdw.map((t) => t && copyOf(t)) }));
  it('skipForward reuses res[l].x and gives the same derivatives', () => {
    const res = simplenn(net, x, dzdy);
    const again = simplenn(net, x, dzdy, clone(res), { skipForward: true });
    for (let k = 0; k <= n; k++) {
      expectExact(again[k].x!.data, res[k].x!.data, `res[${k}].x`);
      expectExact(again[k].dzdx!.data, res[k].dzdx!.data, `res[${k}].dzdx`);
    }
    expectExact(again[0].dzdw![0]!.data, res[0].dzdw![0]!.data, 'res[0].dzdw[0]');
    expect(() => simplenn(net, x, null, null, { skipForward: true }))
      .toThrow('simplenn: skipForward is valid only when the backward pass is computed (pass dzdy)');
    expect(() => simplenn(net, x, dzdy, null, { skipForward: true })).toThrow('simplenn: skipForward needs the res of an earlier call');
    const thin = simplenn(net, x, dzdy, null, { conserveMemory: true });
    expect(() => simplenn(net, x, dzdy, thin, { skipForward: true }))
      .toThrow("simplenn: skipForward: res[1].x (the input of layer 1 ('layer2')) is missing (a run with conserveMemory drops it)");
  });
  it('accumulate adds dzdw into the passed res', () => {
    const res = simplenn(net, x, dzdy);
    const first = res.map((r) => r.dzdw?.map((t) => t && copyOf(t)));
    const arrays = res.map((r) => r.dzdw?.map((t) => t?.data));
    simplenn(net, x, dzdy, res, { accumulate: true });
    net.layers.forEach((ly, l) => {
      if (ly.type !== 'conv') return;
      for (const j of [0, 1]) {
        expect(res[l].dzdw![j]!.data).toBe(arrays[l]![j]);
        expectExact(res[l].dzdw![j]!.data, first[l]![j]!.data.map((v) => 2 * v), `res[${l}].dzdw[${j}]`);
      }
    });
    expect(() => simplenn(net, x, dzdy, null, { accumulate: true }))
      .toThrow("simplenn: layer 0 ('layer1'): accumulate needs res[0].dzdw[0] of 5x5x1x20 from an earlier call, got none");
  });
  it('passing res back reuses its arrays, and WebAssembly memory does not grow', () => {
    const res = simplenn(net, x, dzdy);
    // With the pool, a run that no layer splits moves to the unshared instance on its second call
    // (engine.ts) and grows that memory then: both runs (the loop's two) are made twice first.
    for (let i = 0; i < 2; i++) { simplenn(net, x, dzdy, res); simplenn(net, x); }
    const arrays = res.map((r) => [r.x?.data, r.dzdx?.data, ...(r.dzdw ?? []).map((t) => t?.data)]);
    const bytes = memoryBytes();
    for (let i = 0; i < 3; i++) {
      const x2 = scale(randn([32, 32, 1, 2], { seed: 50 + i }), 0.1);
      net.layers[n - 1].class = labels(10, 2, 50 + i);
      const got = simplenn(net, x2, dzdy, res);
      expect(got).toBe(res);
      expect(res[0].x).toBe(x2);
      res.forEach((r, k) => {
        if (k > 0) expect(r.x!.data, `res[${k}].x`).toBe(arrays[k][0]);
        if (k < n) expect(r.dzdx!.data, `res[${k}].dzdx`).toBe(arrays[k][1]);
        (r.dzdw ?? []).forEach((t, j) => expect(t!.data, `res[${k}].dzdw[${j}]`).toBe(arrays[k][2 + j]));
      });
      expectExact(res[n].x!.data, simplenn(net, x2).at(-1)!.x!.data, 'output after reuse');
    }
    expect(memoryBytes()).toBe(bytes);
  });
  it('never modifies its inputs, and never writes into arrays of x, dzdy or the weights passed as res', () => {
    const x0 = copyOf(x);
    const d0 = copyOf(dzdy);
    const w0 = net.layers.map((ly) => ly.weights!.map((t) => t && copyOf(t)));
    // A res whose x slots hold the input and the weights themselves: copy-out must not write into them.
    const res = simplenn(net, x, dzdy);
    res[1].x = x;
    res[2].x = w(net.layers[0], 0);
    simplenn(net, scale(x, 2), dzdy, res);
    expectExact(x.data, x0.data, 'x');
    expectExact(dzdy.data, d0.data, 'dzdy');
    net.layers.forEach((ly, l) => ly.weights!.forEach((t, j) => expectExact(t!.data, w0[l][j]!.data, `weights ${l} ${j}`)));
    expect(res[1].x).not.toBe(x);
  });
});

describe('custom layers', () => {
  const double: Layer = { type: 'custom', name: 'double',
    forward: (_l: Layer, i: Res, o: Res) => ({ ...o, x: nnrelu(new Tensor(i.x!.data.map((v) => 2 * v), i.x!.shape), { leak: 1 }) }),
    backward: (_l: Layer, i: Res, o: Res) => ({ ...i, dzdx: new Tensor(o.dzdx!.data.map((v) => 2 * v), i.x!.shape) }) };
  it('run in JavaScript between resident layers, their blocks leaving the run alone', () => {
    const base = simplennTidy(characterCNN(7));
    base.layers.pop();
    const net = { layers: [...base.layers.slice(0, 2), double, ...base.layers.slice(2)] };
    const x = randn([32, 32, 1, 2], { seed: 61 });
    const dzdy = randn([1, 1, 26, 2], { seed: 62 });
    const res = simplenn(net, x, dzdy);
    const plain = simplenn(base, x, dzdy);
    // double() then conv is conv with doubled input: compare with the net whose third layer's filters are doubled.
    const scaled = { layers: base.layers.map((ly, l) => (l === 2 ? { ...ly, weights: [scale(w(ly, 0), 2), w(ly, 1)] } : ly)) };
    const ref = simplenn(scaled, x, dzdy);
    expectExact(res[3].x!.data, plain[2].x!.data.map((v) => 2 * v), 'custom output');
    expectExact(res.at(-1)!.x!.data, ref.at(-1)!.x!.data, 'output');
    expectExact(res[0].dzdx!.data, ref[0].dzdx!.data, 'dzdx');
    expect(res[2].dzdx).not.toBeNull();
  });
  it("a custom layer's blocks may grow WebAssembly memory and fill it: the run's buffers stay intact", () => {
    const base = simplennTidy(characterCNN(8));
    base.layers.pop();
    const grabber: Layer = { type: 'custom', name: 'grab',
      forward: (_l: Layer, i: Res, o: Res) => {
        const n = memoryBytes() / 4;
        const [p] = reserve('test', n); // more than all memory: it grows, above the run's buffers
        new Float32Array(kernels().memory.buffer, p, n).fill(NaN);
        return { ...o, x: i.x };
      },
      backward: (_l: Layer, i: Res, o: Res) => {
        const [p] = reserve('test', 1 << 16);
        new Float32Array(kernels().memory.buffer, p, 1 << 16).fill(NaN);
        return { ...i, dzdx: o.dzdx };
      } };
    const net = { layers: [...base.layers.slice(0, 3), grabber, ...base.layers.slice(3)] };
    const x = randn([32, 32, 1, 2], { seed: 63 });
    const dzdy = randn([1, 1, 26, 2], { seed: 64 });
    const before = memoryBytes();
    const res = simplenn(net, x, dzdy);
    expect(memoryBytes()).toBeGreaterThan(before);
    const plain = simplenn(base, x, dzdy);
    expectExact(res.at(-1)!.x!.data, plain.at(-1)!.x!.data, 'output');
    expectExact(res[0].dzdx!.data, plain[0].dzdx!.data, 'dzdx');
    expectExact(res[0].dzdw![0]!.data, plain[0].dzdw![0]!.data, 'dzdw');
  });
  it('a custom layer that breaks its contract is named', () => {
    const bad = { layers: [{ type: 'custom', name: 'oops', forward: () => ({ x: 3 }), backward: () => null }] };
    expect(() => simplenn(bad as unknown as SimpleNN, randn([2, 2])))
      .toThrow("simplenn: layer 0 ('oops'): forward must return a res record whose x is a Tensor, got number 3");
    expect(() => simplenn({ layers: [{ type: 'custom', name: 'c' }] }, randn([2, 2])))
      .toThrow("simplenn: layer 0 ('c'): a custom layer needs a function 'forward', got undefined");
    // Its functions may throw what they like: the layer is still named, and the thrown value is the cause.
    for (const [thrown, said] of [['boom', 'threw string boom'], [undefined, 'threw undefined'], [7, 'threw number 7']] as const) {
      const throws = { layers: [{ type: 'custom', name: 't', forward: () => { throw thrown; }, backward: () => null }] };
      expect(() => simplenn(throws as unknown as SimpleNN, randn([2, 2]))).toThrow(`simplenn: layer 0 ('t'): ${said}`);
    }
  });
});

describe('dropout, bnorm and pdist layers', () => {
  it('dropout draws a mask into res[l + 1].aux, applies it both ways, and passes x through in test mode', () => {
    const net = simplennTidy({ layers: [{ type: 'relu' }, { type: 'dropout', rate: 0.3 }, { type: 'relu', leak: 0.1 }] });
    const x = randn([7, 5, 3, 2], { seed: 91 });
    const dzdy = randn(x.shape, { seed: 92 });
    const res = simplenn(net, x, dzdy);
    const mask = res[2].aux as Tensor;
    expect(mask.shape).toEqual(x.shape);
    const scaleKept = Math.fround(1 / 0.7);
    expect(Array.from(mask.data).every((v) => v === 0 || v === scaleKept)).toBe(true);
    expectExact(res[2].x!.data, nndropout(res[1].x!, { mask }).y.data, 'y');
    expectExact(res[1].dzdx!.data, nndropout(res[1].x!, res[2].dzdx!, { mask }).data, 'dzdx');
    expectExact(res[2].dzdx!.data, nnrelu(res[2].x!, dzdy, { leak: 0.1 }).data, 'res[2].dzdx (untouched by the dropout backward)');
    const again = simplenn(net, x, dzdy);
    expect(Array.from((again[2].aux as Tensor).data)).not.toEqual(Array.from(mask.data)); // a new mask each call
    const t = simplenn(net, x, dzdy, null, { mode: 'test' });
    expectExact(t[2].x!.data, t[1].x!.data, 'test-mode y');
    expectExact(t[1].dzdx!.data, t[2].dzdx!.data, 'test-mode dzdx');
    expect(t[2].aux).toBeNull();
  });
  it('skipForward takes the dropout masks from res', () => {
    const net = simplennTidy({ layers: [{ type: 'dropout' }, { type: 'relu' }] });
    const x = randn([4, 4, 2, 1], { seed: 93 });
    const dzdy = randn(x.shape, { seed: 94 });
    const res = simplenn(net, x, dzdy);
    const d0 = copyOf(res[0].dzdx!);
    simplenn(net, x, dzdy, res, { skipForward: true });
    expectExact(res[0].dzdx!.data, d0.data, 'dzdx');
    res[1].aux = null;
    expect(() => simplenn(net, x, dzdy, res, { skipForward: true }))
      .toThrow("simplenn: skipForward: res[1].aux (the mask of layer 0 ('layer1')) must be a Tensor of 4x4x2, got null");
  });
  it('bnorm normalises with the batch in normal mode and with weights[2] in test mode; dzdw[2] is moments * N', () => {
    const C = 3;
    const g = randn([C, 1], { seed: 95 });
    const b = randn([C, 1], { seed: 96 });
    const m = new Tensor(Float32Array.from([0.1, -0.2, 0.3, 1.5, 2, 0.5]), [C, 2]);
    const net = simplennTidy({ layers: [{ type: 'bnorm', weights: [g, b, m], epsilon: 1e-4 }, { type: 'relu' }] });
    const x = randn([5, 4, C, 3], { seed: 97 });
    const dzdy = randn(x.shape, { seed: 98 });
    const res = simplenn(net, x, dzdy);
    expectExact(res[1].x!.data, nnbnorm(x, g, b, { epsilon: 1e-4 }).data, 'y');
    expectExact(res[1].dzdx!.data, nnrelu(res[1].x!, dzdy).data, 'res[1].dzdx (untouched by the bnorm backward)');
    const d = nnbnorm(x, g, b, res[1].dzdx!, { epsilon: 1e-4 });
    expectExact(res[0].dzdx!.data, d.dzdx.data, 'dzdx');
    expectExact(res[0].dzdw![0]!.data, d.dzdg.data, 'dzdg');
    expectExact(res[0].dzdw![1]!.data, d.dzdb.data, 'dzdb');
    expectExact(res[0].dzdw![2]!.data, d.moments.data.map((v) => v * 3), 'moments * N');
    expect(res[0].dzdw!.map((t) => t!.shape)).toEqual([[C, 1, 1, 1], [C, 1, 1, 1], [C, 2, 1, 1]]);
    const t = simplenn(net, x, dzdy, null, { mode: 'test' });
    expectExact(t[1].x!.data, nnbnorm(x, g, b, { epsilon: 1e-4, moments: m }).data, 'test-mode y');
    // vl_simplenn's backward passes no moments, even in test mode: the batch's are recomputed.
    expectExact(t[0].dzdx!.data, nnbnorm(x, g, b, t[1].dzdx!, { epsilon: 1e-4 }).dzdx.data, 'test-mode dzdx');
  });
  it('pdist reads its target from class, with tidy\'s options', () => {
    const x = randn([3, 4, 5, 2], { seed: 99 });
    const x0 = randn([1, 1, 5, 2], { seed: 100 });
    const iw = randn([3, 4, 1, 2], { seed: 101 });
    const net = simplennTidy({ layers: [{ type: 'pdist', class: x0, p: 1.5, instanceWeights: iw }] });
    const dzdy = randn([3, 4, 1, 2], { seed: 102 });
    const res = simplenn(net, x, dzdy);
    const opts = { noRoot: false, epsilon: 1e-3, aggregate: false, instanceWeights: iw };
    expectExact(res[1].x!.data, nnpdist(x, x0, 1.5, opts).data, 'y');
    expectExact(res[0].dzdx!.data, nnpdist(x, x0, 1.5, dzdy, opts).dzdx.data, 'dzdx');
    const agg = simplennTidy({ layers: [{ type: 'pdist', class: x0, aggregate: true, noRoot: true }] });
    expect(simplenn(agg, x, 1)[1].x!.shape).toEqual([1, 1, 1, 1]);
  });
});

describe('numerical derivatives of conv, bnorm, relu, dropout (the mask it drew held fixed), pool, lrn, softmaxloss', () => {
  const net = simplennTidy({ layers: [
    { type: 'conv', weights: [randn([3, 3, 2, 4], { seed: 111 }), randn([1, 4], { seed: 112 })], pad: 1 },
    { type: 'bnorm', weights: [randn([4, 1], { seed: 113 }), randn([4, 1], { seed: 114 })] },
    { type: 'relu' },
    { type: 'dropout', rate: 0.25 },
    { type: 'pool', pool: 2, stride: 2 },
    { type: 'lrn', param: [3, 1, 0.5, 0.75] },
    { type: 'conv', weights: [randn([3, 3, 4, 3], { seed: 115 }), randn([1, 3], { seed: 116 })] },
    { type: 'softmaxloss', class: [1, 3, 2] },
  ] });
  const x = randn([6, 6, 2, 3], { seed: 117 });
  const dzdy = new Tensor(Float32Array.of(1), [1, 1]);
  let res: Res[] = [];
  beforeAll(() => { res = simplenn(net, x, 1); });
  // The function whose derivative res holds: the same net with layer 3's mask fixed.
  const fixed = (layers: Layer[]): SimpleNN => ({ layers: layers.map((ly, l) => (l !== 3 ? ly : { type: 'custom', name: 'mask',
    forward: (_: Layer, i: Res, o: Res) => ({ ...o, x: nndropout(i.x!, { mask: res[4].aux as Tensor }).y }),
    backward: (_: Layer, i: Res) => i })) });
  const output = (layers: Layer[], t: Tensor): Tensor => simplenn(fixed(layers), t).at(-1)!.x!;
  // Steps of 1e-3: bnorm's outputs come within 1e-3 of relu's kink, which the default step (1e-3
  // of the largest |x|, here 3e-3) would cross.
  const delta = 1e-3;
  it('for the input', () => {
    const r = checkDerivativeElementwise((t) => output(net.layers, t), x, dzdy, res[0].dzdx!, { delta });
    expect(r.worst, `worst at ${r.at}`).toBeLessThanOrEqual(r.tolerance);
  });
  const withW = (l: number, j: number, t: Tensor): Layer[] =>
    net.layers.map((ly, i) => (i !== l ? ly : { ...ly, weights: ly.weights!.map((v, k) => (k === j ? t : v)) }));
  for (const [l, j] of [[0, 0], [1, 0], [1, 1], [6, 0], [6, 1]]) {
    it(`for layer ${l}'s weights[${j}]`, () => {
      const r = checkDerivativeElementwise((t) => output(withW(l, j, t), x), w(net.layers[l], j), dzdy, res[l].dzdw![j]!, { delta });
      expect(r.worst, `worst at ${r.at}`).toBeLessThanOrEqual(r.tolerance);
    });
  }
  it("for layer 0's bias, which bnorm cancels: both derivatives are zero", () => {
    // The true derivative is 0 (bnorm subtracts each channel's mean), so the numerical one is the
    // float32 rounding of the forward pass divided by the step, and the default tolerance (relative
    // to the values' own range) means nothing; both must be small against the filters' derivative.
    const r = checkDerivativeElementwise((t) => output(withW(0, 1, t), x), w(net.layers[0], 1), dzdy, res[0].dzdw![1]!, { delta: 0.1 });
    const scale = Math.max(...Array.from(res[0].dzdw![0]!.data, Math.abs));
    for (const v of res[0].dzdw![1]!.data) expect(Math.abs(v)).toBeLessThanOrEqual(1e-6 * scale);
    for (const v of r.numerical.data) expect(Math.abs(v)).toBeLessThanOrEqual(1e-3 * scale);
  });
});

describe('lrn, normalize, spnorm and noffset layers against their blocks', () => {
  it('forward and backward, one by one', () => {
    const net = simplennTidy({ layers: [
      { type: 'conv', weights: [randn([3, 3, 3, 6], { seed: 121 }), randn([1, 6], { seed: 122 })], pad: 1 },
      { type: 'lrn' },
      { type: 'normalize', param: [3, 2, 0.1, 0.5] },
      { type: 'spnorm', param: [3, 2, 0.5, 0.75] },
      { type: 'noffset', param: [0.5, 0.5] },
    ] });
    expect(net.layers[1].param).toEqual([5, 1, 0.0001 / 5, 0.75]);
    const x = randn([6, 5, 3, 2], { seed: 123 });
    const dzdy = randn([6, 5, 6, 2], { seed: 124 });
    const res = simplenn(net, x, dzdy);
    const f = (ly: Layer, a: Tensor, d?: Tensor): Tensor => {
      const param = ly.param as number[];
      switch (ly.type) {
        case 'lrn': case 'normalize': return d ? nnnormalize(a, param, d) : nnnormalize(a, param);
        case 'spnorm': return d ? nnspnorm(a, param, d) : nnspnorm(a, param);
        default: return d ? nnnoffset(a, param, d) : nnnoffset(a, param);
      }
    };
    const xs = [x, nnconv(x, w(net.layers[0], 0), w(net.layers[0], 1), { pad: 1 })];
    for (let l = 1; l < net.layers.length; l++) xs.push(f(net.layers[l], xs[l]));
    let d = dzdy;
    for (let l = net.layers.length - 1; l >= 1; l--) {
      expectExact(res[l + 1].dzdx!.data, d.data, `res[${l + 1}].dzdx`);
      d = f(net.layers[l], xs[l], d);
    }
    xs.forEach((t, k) => expectExact(res[k].x!.data, t.data, `res[${k}].x`));
    expectExact(res[1].dzdx!.data, d.data, 'res[1].dzdx');
  });
  it('spnorm and noffset need their param (tidy has no default)', () => {
    for (const type of ['spnorm', 'noffset']) {
      expect(() => simplenn(simplennTidy({ layers: [{ type }] }), randn([4, 4, 2])))
        .toThrow(`simplenn: layer 0 ('layer1'): missing field 'param'`);
    }
  });
});

describe('dzdy as a number, and mode', () => {
  it('the number 1 stands for the derivative of a one-element output', () => {
    const net = simplennTidy({ layers: [{ type: 'conv', weights: [randn([5, 5, 2, 1], { seed: 81 }), randn([1, 1], { seed: 82 })] }, { type: 'relu', leak: 0.5 }] });
    const x = randn([5, 5, 2, 1], { seed: 83 });
    const a = simplenn(net, x, 1);
    const b = simplenn(net, x, new Tensor(Float32Array.of(1), [1, 1]));
    expect(a[2].dzdx!.shape).toEqual([1, 1, 1, 1]);
    expect(Array.from(a[2].dzdx!.data)).toEqual([1]);
    expectExact(a[0].dzdx!.data, b[0].dzdx!.data, 'dzdx');
    expectExact(a[0].dzdw![0]!.data, b[0].dzdw![0]!.data, 'dzdw');
    expectExact(simplenn(net, x, 0.5)[0].dzdx!.data, b[0].dzdx!.data.map((v) => v / 2), 'dzdx for dzdy 0.5');
  });
  it("mode 'test' changes nothing for conv, pool and relu", () => {
    const net = simplennTidy(characterCNN(3));
    net.layers.pop();
    const x = randn([32, 32, 1, 2], { seed: 84 });
    expectExact(simplenn(net, x, null, null, { mode: 'test' }).at(-1)!.x!.data, simplenn(net, x).at(-1)!.x!.data, 'output');
  });
});

describe('errors name the layer by index and name', () => {
  const net = simplennTidy(characterCNN());
  const x = randn([32, 32, 1, 1], { seed: 71 });
  const dzdy = randn([1, 1, 26, 1], { seed: 72 });
  net.layers.pop();
  const withLayer = (l: number, ly: Layer): SimpleNN => ({ layers: net.layers.map((v, i) => (i === l ? ly : v)) });
  it('an unknown type, in both passes', () => {
    const bad = withLayer(2, { ...net.layers[2], type: 'cnov', name: 'conv2' });
    for (const d of [undefined, dzdy]) expect(() => simplenn(bad, x, d)).toThrow("simplenn: layer 2 ('conv2'): unknown type 'cnov'");
  });
  it('a missing field, weights of the wrong shape, a wrong dzdy', () => {
    const { pad, ...noPad } = net.layers[0];
    void pad;
    expect(() => simplenn(withLayer(0, noPad as Layer), x)).toThrow("simplenn: layer 0 ('layer1'): missing field 'pad'");
    // a null field is not the blocks' null option ("leave it out"): tidy would keep it, so say what to do
    expect(() => simplenn(withLayer(0, { ...net.layers[0], pad: null } as unknown as Layer), x))
      .toThrow("simplenn: layer 0 ('layer1'): field 'pad' is null; give it a value (or remove it where simplennTidy has a default)");
    expect(() => simplenn(withLayer(2, { ...net.layers[2], weights: [zeros([5, 5, 30, 50]), zeros([1, 50])] }), x))
      .toThrow("simplenn: layer 2 ('layer3'): nnconv: w has FC=30 but x has C=20");
    expect(() => simplenn(withLayer(2, { ...net.layers[2], weights: [zeros([5, 5, 20, 50]), zeros([1, 40])] }), x))
      .toThrow("simplenn: layer 2 ('layer3'): nnconv: b has 40 elements (1x40) but must have K=50");
    expect(() => simplenn(net, x, randn([2, 2]))).toThrow("simplenn: dzdy is 2x2 but the net's output res[7].x is 1x1x26");
    expect(() => simplenn(net, x, 1)).toThrow("simplenn: dzdy is the number 1 but the net's output res[7].x is 1x1x26");
    expect(() => simplenn(net, randn([4, 4, 1]))).toThrow("simplenn: layer 0 ('layer1'): nnconv: the padded input 4x4");
  });
  it('a misspelt field is an Error naming the field it is near; other extra fields pass, as in MatConvNet', () => {
    const cases: [number, Record<string, unknown>, string, string][] = [
      [0, { strid: 2 }, 'strid', 'stride'], [0, { Stride: 2 }, 'Stride', 'stride'], [0, { pads: 1 }, 'pads', 'pad'],
      [0, { dilatte: 2 }, 'dilatte', 'dilate'], [1, { methd: 'avg' }, 'methd', 'method'], [1, { pol: 2 }, 'pol', 'pool'],
      [5, { laek: 0.1 }, 'laek', 'leak'],
    ];
    for (const [l, extra, key, near] of cases) {
      const bad = withLayer(l, { ...net.layers[l], ...extra } as Layer);
      const type = net.layers[l].type;
      for (const d of [undefined, dzdy]) {
        expect(() => simplenn(bad, x, d)).toThrow(
          `simplenn: layer ${l} ('layer${l + 1}'): field '${key}' is not one a ${type} layer reads; did you mean '${near}'?`);
      }
    }
    // A model file's own fields, tidy's, the legacy ones and names far from any field are read past.
    const extra = { size: [5, 5, 1, 20], learningRate: [1, 2], weightDecay: [1, 0], momentum: [], filtersLearningRate: 1, padding: 3, note: 'x' };
    const ok = withLayer(0, { ...net.layers[0], ...extra } as Layer);
    expect(simplenn(ok, x)[net.layers.length].x.data).toEqual(simplenn(net, x)[net.layers.length].x.data);
    // A typo added to a net that was already planned is still found (the plan's snapshot sees the new field).
    const again = simplennTidy(characterCNN());
    again.layers.pop();
    simplenn(again, x);
    (again.layers[0] as Record<string, unknown>).strde = 2;
    expect(() => simplenn(again, x)).toThrow("simplenn: layer 0 ('layer1'): field 'strde' is not one a conv layer reads; did you mean 'stride'?");
  });
  it('labels the loss cannot take', () => {
    const full = simplennTidy(characterCNN());
    full.layers[7].class = [27];
    for (const d of [undefined, 1]) {
      expect(() => simplenn(full, x, d)).toThrow("simplenn: layer 7 ('layer8'): nnsoftmaxloss:");
    }
    delete full.layers[7].class;
    expect(() => simplenn(full, x)).toThrow("simplenn: layer 7 ('layer8'): missing field 'class'");
  });
  it('bnorm, convt and pdist weights or targets of the wrong shape', () => {
    const x4 = randn([4, 4, 3, 2], { seed: 73 });
    expect(() => simplenn(simplennTidy({ layers: [{ type: 'bnorm', name: 'bn', weights: [zeros([4, 1]), zeros([3, 1])] }] }), x4))
      .toThrow("simplenn: layer 0 ('bn'): nnbnorm: g is 4x1 (4 elements) but must have one element per channel of x, C = 3");
    expect(() => simplenn(simplennTidy({ layers: [{ type: 'convt', weights: [zeros([2, 2, 5, 4]), zeros([1, 5])] }] }), x4))
      .toThrow("simplenn: layer 0 ('layer1'): nnconvt: w is 2x2x5x4, so its 4th dimension D=4 must equal the depth of x");
    expect(() => simplenn(simplennTidy({ layers: [{ type: 'pdist', class: zeros([4, 4, 2, 2]) }] }), x4))
      .toThrow("simplenn: layer 0 ('layer1'): nnpdist:");
    expect(() => simplenn(simplennTidy({ layers: [{ type: 'bnorm', weights: [zeros([3, 1]), zeros([3, 1])] }] }), x4, null, null, { mode: 'test' }))
      .not.toThrow(); // tidy gave it zero moments
  });
  it('a net without layers gives x back, and dzdy as its derivative', () => {
    const x2 = randn([3, 2], { seed: 74 });
    const d2 = randn([3, 2], { seed: 75 });
    const r = simplenn({ layers: [] }, x2, d2);
    expect(r.length).toBe(1);
    expect(r[0].x).toBe(x2);
    expect(r[0].dzdx).toBe(d2);
    const long = simplenn(net, x, dzdy);
    expect(simplenn({ layers: net.layers.slice(0, 2) }, x, null, long).length).toBe(3);
  });
  it('bad options', () => {
    expect(() => simplenn(net, x, null, null, { mode: 'train' as 'test' })).toThrow("simplenn: unknown mode 'train'; the modes are 'normal' and 'test'");
    expect(() => simplenn(net, x, dzdy, null, { backPropDepth: 0 })).toThrow('simplenn: backPropDepth must be an integer >= 1 or Infinity, got 0');
    expect(() => simplenn(net, x, dzdy, null, { backPropDepth: 1.5 })).toThrow('simplenn: backPropDepth must be an integer >= 1 or Infinity, got 1.5');
    expect(() => simplenn(net, x, dzdy, null, { backPropDepth: NaN })).toThrow('simplenn: backPropDepth must be an integer >= 1 or Infinity, got NaN');
    expect(() => simplenn(net, x, null, null, { conserve: true } as object)).toThrow("simplenn: unknown option 'conserve'");
    expect(() => simplenn(net, x, null, null, { mode: 'TEST' as 'test' })).not.toThrow();
  });
});
