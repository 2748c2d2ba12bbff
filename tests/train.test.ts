// cnnTrain (NETWORKS.md §3): one step against the update rule written out by hand, training to zero
// error on a separable set, the shuffle, statistics, the progress line and the curves.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Tensor, init, imread, im2single, loadSimpleNN, randn, saveSimpleNN, simplenn, zeros, type Layer, type Res, type SimpleNN,
} from '../src/index.js';
import { cnnTrain, accumulateGradients, ERROR_FUNCTIONS, type TrainState } from '../src/net/train.js';
import { fixed, progressLine, epochSummary, type BatchInfo, type EpochStats } from '../src/net/progress.js';
import { trainingCurves, trainingCurvesPNG, plottedFields } from '../src/net/curves.js';
import { sgd } from '../src/net/solvers.js';
import { niceTicks, plotFigure } from '../src/plot.js';
import { randperms } from '../src/random.js';
import { expectClose, expectExact } from './helpers.js';
import { barBatch, barCNN, barSet, fcCustom, mlpCustom, pointBatch, separableSet, softmaxLossCustom } from './train-nets.js';

beforeAll(() => init());

const quiet = { log: (): void => {} };

describe('the progress line, as cnn_train prints it', () => {
  it('the issue\'s example', () => {
    const line = progressLine({ mode: 'train', epoch: 1, batch: 12, numBatches: 152, averageSpeed: 1523.4, currentSpeed: 1498.2,
      stats: { objective: 3.211, top1err: 0.87, top5err: 0.5, num: 1200, time: 0.79 } });
    expect(line).toBe('train: epoch 01:  12/152: 1523.4 (1498.2) Hz objective: 3.211 top1err: 0.870 top5err: 0.500');
  });
  it('fields sorted as setdiff sorts them, widths of %02d and %3d', () => {
    const line = progressLine({ mode: 'val', epoch: 123, batch: 1234, numBatches: 5, averageSpeed: 0.04, currentSpeed: Infinity,
      stats: { objective: NaN, binerr: 0.0005, num: 1, time: 1 } });
    expect(line).toBe('val: epoch 123: 1234/  5: 0.0 (Inf) Hz binerr: 0.001 objective: NaN');
  });
  it('%.Nf rounds the exact binary value, ties to even (as C, unlike toFixed)', () => {
    expect(fixed(0.125, 2)).toBe('0.12');
    expect(fixed(0.375, 2)).toBe('0.38');
    expect(fixed(2.5, 0)).toBe('2');
    expect(fixed(3.5, 0)).toBe('4');
    expect(fixed(1.0005, 3)).toBe('1.000'); // 1.0005 is a little below the tie in binary
    expect(fixed(0.0625, 3)).toBe('0.062');
    expect(fixed(-0.0001, 3)).toBe('-0.000');
    expect(fixed(1523.45, 1)).toBe('1523.5'); // 1523.45 is a little above the tie
    expect(fixed(1e22, 1)).toBe('10000000000000000000000.0');
  });
  it('the epoch summary', () => {
    const s = (o: number, n: number): EpochStats => ({ objective: o, top1err: 0.25, top5err: 0, num: n, time: 1.25 });
    expect(epochSummary(3, s(0.5, 100), s(0.75, 20))).toBe('epoch 03: train objective: 0.500 top1err: 0.250 top5err: 0.000 ' +
      '(100 in 1.2 s), val objective: 0.750 top1err: 0.250 top5err: 0.000 (20 in 1.2 s)');
    expect(epochSummary(1, { num: 0, time: 0 }, undefined)).toBe('epoch 01: no samples');
  });
});

describe('net-train.png', () => {
  const stats = {
    train: [1, 2, 3, 4].map((e) => ({ objective: 2 / e, top1err: 0.5 / e, top5err: 0.1 / e, num: 10, time: 1 })),
    val: [1, 2, 3, 4].map((e) => ({ objective: 2.5 / e, top1err: 0.6 / e, top5err: 0.2 / e, num: 5, time: 1 })),
  };
  it('one panel per statistic, sorted', () => {
    expect(plottedFields(stats)).toEqual(['objective', 'top1err', 'top5err']);
  });
  it('decodes with the expected size, and each panel holds both curves\' colours', async () => {
    const img = await imread(trainingCurvesPNG(stats));
    expect([img.height, img.width, img.channels]).toEqual([280, 960, 3]);
    const t = im2single(img);
    const [H, W] = t.shape;
    for (let p = 0; p < 3; p++) {
      let blue = 0, orange = 0, dark = 0;
      for (let j = p * 320 + 40; j < (p + 1) * 320 - 20; j++) {
        for (let i = 30; i < H - 30; i++) {
          const r = t.data[i + H * j], g = t.data[i + H * (j + W)], b = t.data[i + H * (j + 2 * W)];
          if (b > 0.6 && r < 0.2) blue++;
          if (r > 0.7 && g < 0.45 && b < 0.25) orange++;
          if (r + g + b < 0.6) dark++;
        }
      }
      expect(blue, `panel ${p}: train line`).toBeGreaterThan(100);
      expect(orange, `panel ${p}: val line`).toBeGreaterThan(100);
      expect(dark, `panel ${p}: axes and text`).toBeGreaterThan(500);
    }
  });
  it('ticks: 1, 2 or 5 times a power of ten, limits on whole steps', () => {
    expect(niceTicks(1, 12)).toEqual({ lo: 0, hi: 15, ticks: [0, 5, 10, 15], decimals: 0 });
    expect(niceTicks(0.013, 0.87).ticks.map((v) => +v.toFixed(6))).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.013, 0.87).decimals).toBe(1);
    expect(niceTicks(1, 1)).toMatchObject({ lo: 0, hi: 2, decimals: 1 });
  });
  it('a figure size outside 120..8192 is an Error naming it', () => {
    const panels = [{ series: [] }] as never;
    expect(() => plotFigure(panels, { width: 100 })).toThrow('plotFigure: width must be an integer in 120..8192, got 100');
    expect(() => plotFigure(panels, { height: 300.5 })).toThrow('plotFigure: height must be an integer in 120..8192, got 300.5');
  });
  it('a missing val epoch leaves a gap, not a crash', () => {
    const t = trainingCurves({ train: stats.train, val: [stats.val[0], undefined as unknown as EpochStats, stats.val[2]] });
    expect(t.shape).toEqual([280, 960, 3, 1]);
  });
});

/** A 1x1 conv net (2 inputs, 3 classes; a conv layer or the test's custom one) + the test's loss. */
function linearNet(kind: 'conv' | 'custom', w: number[], b: number[], mult?: { learningRate: number[]; weightDecay: number[] }): SimpleNN {
  const weights = [new Tensor(Float32Array.from(w), [1, 1, 2, 3]), new Tensor(Float32Array.from(b), [1, 3])];
  const fc: Layer = kind === 'conv' ? { type: 'conv', weights } : fcCustom(weights[0], weights[1]);
  if (mult) Object.assign(fc, mult);
  return { layers: [fc, softmaxLossCustom()] };
}

/** dL/dW, dL/db of sum_n softmaxlog(W^T x_n + b, c_n) in float64 (the hand-written gradient). */
function linearGrad(W: number[], b: number[], X: number[][], c: number[]): { dW: number[]; db: number[] } {
  const dW = new Array<number>(6).fill(0), db = new Array<number>(3).fill(0);
  X.forEach((x, n) => {
    const s = [0, 1, 2].map((k) => b[k] + x[0] * W[0 + 2 * k] + x[1] * W[1 + 2 * k]);
    const mx = Math.max(...s);
    const e = s.map((v) => Math.exp(v - mx));
    const z = e[0] + e[1] + e[2];
    for (let k = 0; k < 3; k++) {
      const d = e[k] / z - (k === c[n] - 1 ? 1 : 0);
      db[k] += d;
      dW[0 + 2 * k] += x[0] * d;
      dW[1 + 2 * k] += x[1] * d;
    }
  });
  return { dW, db };
}

describe('one cnnTrain step against the update rule written out by hand', () => {
  const X = [[1, 2], [-1, 0.5], [0.25, -2], [2, 1], [-0.5, -1.5]];
  const c = [1, 2, 3, 1, 2];
  const imdb = { images: { data: Float32Array.from(X.flat()), label: c, set: [1, 1, 1, 1, 1] } };
  const W0 = [0.1, -0.2, 0.3, 0.05, -0.1, 0.2], b0 = [0.01, -0.02, 0.03];

  for (const kind of ['conv', 'custom'] as const) {
    it(`${kind} layer: two epochs of one batch: g\' = g/B + λ·mult·w, m ← μm − g\', w ← w + η·mult·m, with multipliers [1 2] and [1 0]`, async () => {
      const lr = 0.5, wd = 0.01, mu = 0.9;
      const mult = { learningRate: [1, 2], weightDecay: [1, 0] };
      const { net } = await cnnTrain(linearNet(kind, W0, b0, mult), imdb, pointBatch,
        { ...quiet, batchSize: 5, numEpochs: 2, learningRate: [lr, lr / 2], weightDecay: wd, momentum: mu, errorFunction: 'none' });
      // By hand, in float64: the batch sum is the same in any order.
      let W = W0.slice(), b = b0.slice();
      const mW = new Array<number>(6).fill(0), mb = new Array<number>(3).fill(0);
      for (const eta of [lr, lr / 2]) {
        const { dW, db } = linearGrad(W, b, X, c);
        for (let i = 0; i < 6; i++) { mW[i] = mu * mW[i] - (dW[i] / 5 + wd * 1 * W[i]); }
        for (let i = 0; i < 3; i++) { mb[i] = mu * mb[i] - (db[i] / 5 + wd * 0 * b[i]); }
        W = W.map((v, i) => v + eta * 1 * mW[i]);
        b = b.map((v, i) => v + eta * 2 * mb[i]);
      }
      expectClose(net.layers[0].weights![0]!.data, Float32Array.from(W), 2e-6, 1e-7, 'W');
      expectClose(net.layers[0].weights![1]!.data, Float32Array.from(b), 2e-6, 1e-7, 'b');
    });

    it(`${kind} layer: Nesterov: delta = μm − g'`, async () => {
      const lr = 0.3, mu = 0.8;
      const { net } = await cnnTrain(linearNet(kind, W0, b0), imdb, pointBatch,
        { ...quiet, batchSize: 5, numEpochs: 2, learningRate: lr, weightDecay: 0, momentum: mu, nesterovUpdate: true, errorFunction: 'none' });
      let W = W0.slice();
      const m = new Array<number>(6).fill(0);
      let b = b0.slice();
      const mb = new Array<number>(3).fill(0);
      for (let step = 0; step < 2; step++) {
        const { dW, db } = linearGrad(W, b, X, c);
        W = W.map((v, i) => { const g = dW[i] / 5; m[i] = mu * m[i] - g; return v + lr * (mu * m[i] - g); });
        b = b.map((v, i) => { const g = db[i] / 5; mb[i] = mu * mb[i] - g; return v + lr * (mu * mb[i] - g); });
      }
      expectClose(net.layers[0].weights![0]!.data, Float32Array.from(W), 2e-6, 1e-7, 'W');
      expectClose(net.layers[0].weights![1]!.data, Float32Array.from(b), 2e-6, 1e-7, 'b');
    });
  }

  it('saveSolverState: false starts every epoch from momentum 0', async () => {
    const lr = 0.5, mu = 0.9;
    const { net } = await cnnTrain(linearNet('conv', W0, b0), imdb, pointBatch,
      { ...quiet, batchSize: 5, numEpochs: 2, learningRate: lr, weightDecay: 0, momentum: mu, saveSolverState: false, errorFunction: 'none' });
    let W = W0.slice(), b = b0.slice();
    for (let step = 0; step < 2; step++) {
      const { dW, db } = linearGrad(W, b, X, c);
      W = W.map((v, i) => v - lr * (dW[i] / 5));
      b = b.map((v, i) => v - lr * (db[i] / 5));
    }
    expectClose(net.layers[0].weights![0]!.data, Float32Array.from(W), 2e-6, 1e-7, 'W');
  });

  it('a custom error function and its labels', async () => {
    const lines: string[] = [];
    const { stats } = await cnnTrain(linearNet('conv', W0, b0), imdb, pointBatch, {
      batchSize: 2, numEpochs: 1, log: (l) => lines.push(l), errorLabels: ['zeros', 'first'],
      errorFunction: (labels, res) => [0, (labels as number[]).filter((v) => v === 1).length + 0 * res.length],
    });
    expect(stats.train[0].zeros).toBe(0);
    expect(stats.train[0].first).toBe(2 / 5);
    expect(lines.at(-1)).toMatch(/ Hz first: 0\.400 objective: \d\.\d{3} zeros: 0\.000$/);
  });

  it('the argument net is not modified; the returned one is tidied and filled', async () => {
    const input = linearNet('conv', W0, b0);
    const { net } = await cnnTrain(input, imdb, pointBatch, { ...quiet, batchSize: 5, numEpochs: 1, errorFunction: 'none' });
    expectExact(input.layers[0].weights![0]!.data, Float32Array.from(W0), 'input weights');
    expect(input.layers[0].learningRate).toBeUndefined();
    expect(net.layers[0].learningRate).toEqual([1, 1]);
    expect(net.layers[0].weightDecay).toEqual([1, 1]);
    expect(net.layers[0].precious).toBe(true);
    expect(net.layers[1].learningRate).toEqual([]);
  });
});

describe('accumulateGradients', () => {
  it('layers and weights from last to first; bnorm moments as a moving average; multipliers; the batch size', () => {
    const t = (v: number[], shape = [v.length, 1]): Tensor => new Tensor(Float32Array.from(v), shape);
    const net: SimpleNN = { layers: [
      { type: 'conv', weights: [t([1, 2]), t([3])], learningRate: [1, 0], weightDecay: [0, 1] },
      { type: 'relu', weights: [] },
      { type: 'bnorm', weights: [t([1, 1]), t([0, 0]), t([10, 20, 30, 40], [2, 2])], learningRate: [0, 0, 0.5], weightDecay: [0, 0, 0] },
    ] };
    const res = [
      { dzdw: [t([4, 8]), t([2])] }, { dzdw: null }, { dzdw: [t([1, 1]), t([1, 1]), t([8, 16, 24, 32], [2, 2])] }, {},
    ] as unknown as Res[];
    const state: TrainState = { solverState: [[0, 0], [], [0, 0, 0]], stats: {} };
    accumulateGradients(net, res, state, { learningRate: 0.1, weightDecay: 0.5, solver: sgd, solverOpts: { momentum: 0.9, nesterov: false } }, 4);
    // conv w1: eta = 0.1, lambda = 0: m = -g/4 = [-1, -2]; w = [1 - 0.1, 2 - 0.2]
    expectExact(net.layers[0].weights![0]!.data, Float32Array.of(Math.fround(0.9), Math.fround(1.8)), 'conv filters');
    // conv b: eta = 0, lambda = 0.5: g' = 2/4 + 0.5*3 = 2, m = -2, w += 0 * m
    expectExact(net.layers[0].weights![1]!.data, Float32Array.of(3), 'conv bias');
    expectExact(state.solverState![0][1] as Float32Array, Float32Array.of(-2), 'conv bias momentum');
    // bnorm g, b: eta = lambda = 0: untouched, their state stays 0
    expectExact(net.layers[2].weights![0]!.data, Float32Array.of(1, 1), 'bnorm g');
    expect(state.solverState![2][0]).toBe(0);
    // moments: (1 - 0.5) w + (0.5 / 4) g
    expectExact(net.layers[2].weights![2]!.data, Float32Array.of(6, 12, 18, 24), 'bnorm moments');
    expect(state.solverState![2][2]).toBe(0);
  });
  it('a weight and its derivative of different sizes (the same count) are an Error, not an update', () => {
    const t = (v: number[], shape = [v.length, 1]): Tensor => new Tensor(Float32Array.from(v), shape);
    const moments = t([10, 20, 30, 40, 50, 60], [2, 3]); // C = 3 channels need 3x2
    const net: SimpleNN = { layers: [{ type: 'bnorm', weights: [t([1, 1, 1]), t([0, 0, 0]), moments], learningRate: [1, 1, 0.5], weightDecay: [0, 0, 0] }] };
    const res = [{ dzdw: [t([1, 1, 1]), t([1, 1, 1]), t([1, 2, 3, 4, 5, 6], [3, 2])] }, {}] as unknown as Res[];
    const state: TrainState = { solverState: [[0, 0, 0]], stats: {} };
    expect(() => accumulateGradients(net, res, state, { learningRate: 0.1, weightDecay: 0, solver: sgd, solverOpts: { momentum: 0.9, nesterov: false } }, 2))
      .toThrow("cnnTrain: layer 0: res[0].dzdw[2] is 3x2 but weights[2] is 2x3; a weight is updated by a derivative of its own size (bnorm moments are C x 2: [mu, sigma] per channel)");
    expectExact(moments.data, Float32Array.of(10, 20, 30, 40, 50, 60), 'moments untouched');
  });
  const t = (v: number[]): Tensor => new Tensor(Float32Array.from(v), [v.length, 1]);
  it('checks every layer before it updates any: a bad lower layer leaves the layers above it as they were', () => {
    const top = t([1, 2]), bottom = t([3, 4]);
    const net: SimpleNN = { layers: [
      { type: 'conv', weights: [bottom, t([0])], learningRate: [1, Number.NaN], weightDecay: [1, 0] },
      { type: 'conv', weights: [top, t([0])], learningRate: [1, 1], weightDecay: [1, 0] },
    ] };
    const res = [{ dzdw: [t([1, 1]), t([1])] }, { dzdw: [t([1, 1]), t([1])] }, {}] as unknown as Res[];
    const state: TrainState = { solverState: [[0, 0], [0, 0]], stats: {} };
    expect(() => accumulateGradients(net, res, state, { learningRate: 0.1, weightDecay: 0, solver: sgd, solverOpts: { momentum: 0.9, nesterov: false } }, 2))
      .toThrow('cnnTrain: layer 0: learningRate[1] must be a finite number, got NaN');
    expectExact(top.data, Float32Array.of(1, 2), 'the layer above, untouched');
    expectExact(bottom.data, Float32Array.of(3, 4), 'the bad layer, untouched');
    expect(state.solverState).toEqual([[0, 0], [0, 0]]);
  });
  it('checks every solver state before it updates any: a momentum buffer of the wrong length below leaves the layer above as it was', () => {
    const top = t([1, 2]);
    const net: SimpleNN = { layers: [
      { type: 'conv', weights: [t([3, 4]), t([0])], learningRate: [1, 1], weightDecay: [1, 0] },
      { type: 'conv', weights: [top, t([0])], learningRate: [1, 1], weightDecay: [1, 0] },
    ] };
    const res = [{ dzdw: [t([1, 1]), t([1])] }, { dzdw: [t([1, 1]), t([1])] }, {}] as unknown as Res[];
    const bad = Float32Array.of(0, 0, 0);
    const state: TrainState = { solverState: [[bad, 0], [0, 0]], stats: {} };
    expect(() => accumulateGradients(net, res, state, { learningRate: 0.1, weightDecay: 0, solver: sgd, solverOpts: { momentum: 0.9, nesterov: false } }, 2))
      .toThrow('sgd: state (the momentum buffer) has 3 elements but the weight has 2');
    expectExact(top.data, Float32Array.of(1, 2), 'the layer above, untouched');
    expect(state.solverState).toEqual([[bad, 0], [0, 0]]);
  });
});

describe('training', () => {
  it('drives the training error of a separable set to 0 within a few epochs', async () => {
    const imdb = separableSet(96, 3, 11);
    const epochs: number[] = [];
    const { stats } = await cnnTrain(mlpCustom(16, 3, 5), imdb, pointBatch, {
      ...quiet, batchSize: 8, numEpochs: 8, learningRate: 0.05, randomSeed: 3,
      onEpoch: ({ epoch }) => { epochs.push(epoch); },
    });
    expect(epochs).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(stats.train).toHaveLength(8);
    expect(stats.train[0].top1err).toBeGreaterThan(0.05);
    expect(stats.train[7].top1err).toBe(0);
    expect(stats.val[7].top1err).toBe(0);
    expect(stats.train[7].objective!).toBeLessThan(stats.train[0].objective! / 4);
    expect(stats.train[7].num).toBe(72);
    expect(stats.val[7].num).toBe(24);
    expect(Object.keys(stats.train[7])).toEqual(['objective', 'top1err', 'top5err', 'num', 'time']);
  });

  it('a conv net with softmaxloss (the character CNN\'s layer kinds) learns oriented bars: train error 0', async () => {
    const imdb = barSet(60, 2);
    const { stats, net } = await cnnTrain(barCNN(7), imdb, barBatch, { ...quiet, batchSize: 10, numEpochs: 10, learningRate: 0.1 });
    expect(stats.train[0].top1err).toBeGreaterThan(0.1);
    expect(stats.train[9].top1err).toBe(0);
    expect(stats.val[9].top1err).toBe(0);
    expect(net.layers[3].precious).toBe(true);
  });

  it('the same seeds give the same weights; another randomSeed another shuffle', async () => {
    const imdb = separableSet(40, 2, 4);
    const opts = { ...quiet, batchSize: 6, numEpochs: 2, learningRate: 0.05 };
    const a = await cnnTrain(mlpCustom(4, 2, 1), imdb, pointBatch, opts);
    const b = await cnnTrain(mlpCustom(4, 2, 1), imdb, pointBatch, opts);
    const c = await cnnTrain(mlpCustom(4, 2, 1), imdb, pointBatch, { ...opts, randomSeed: 1 });
    expectExact(b.net.layers[0].weights![0]!.data, a.net.layers[0].weights![0]!.data, 'repeat');
    expect(Array.from(c.net.layers[0].weights![0]!.data)).not.toEqual(Array.from(a.net.layers[0].weights![0]!.data));
  });
});

describe('the shuffle', () => {
  it('batches come from randperm(epoch + randomSeed): train then val, train cut to epochSize', async () => {
    const imdb = separableSet(20, 2, 1);
    const train = [0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 16, 17, 18];
    const val = [3, 7, 11, 15, 19];
    const seen: number[][] = [];
    const record = (db: typeof imdb, batch: number[]): [Tensor, number[]] => { seen.push(batch); return pointBatch(db, batch); };
    await cnnTrain(mlpCustom(3, 2, 1), imdb, record as never, { ...quiet, batchSize: 4, numEpochs: 2, randomSeed: 10, epochSize: 10 });
    const want: number[][] = [];
    for (const epoch of [1, 2]) {
      const [pt, pv] = randperms(epoch + 10, train.length, val.length);
      const order = Array.from(pt, (i) => train[i]).slice(0, 10);
      const vorder = Array.from(pv, (i) => val[i]);
      want.push(order.slice(0, 4), order.slice(4, 8), order.slice(8, 10), vorder.slice(0, 4), vorder.slice(4));
    }
    expect(seen).toEqual(want);
  });
});

describe('statistics', () => {
  it('running averages per sample over the epoch; top-1 and top-5 counts with MATLAB\'s stable sort', async () => {
    // A net whose "predictions" are the input and whose loss is the sum of the labels: every
    // statistic is known in advance.
    const passThrough: Layer = {
      type: 'custom', name: 'id', forward: (_l: Layer, a: Res, r: Res) => ({ ...r, x: a.x }),
      backward: (_l: Layer, a: Res, r: Res) => ({ ...a, dzdx: r.dzdx }),
    } as Layer;
    const sumLoss: Layer = {
      type: 'custom', name: 'sum', forward: (ly: Layer, _a: Res, r: Res) =>
        ({ ...r, x: new Tensor(Float32Array.of((ly.class as number[]).reduce((p, q) => p + q, 0)), [1, 1]) }),
      backward: (_l: Layer, a: Res) => ({ ...a, dzdx: zeros((a.x as Tensor).shape) }),
    } as Layer;
    // 7 classes; image i scores class k with s[i][k]; ties on purpose.
    const scores = [
      [1, 1, 0, 0, 0, 0, 0], // label 2: tie with class 1, which sorts first: top-1 error, not top-5
      [0, 0, 0, 0, 0, 0, 0], // label 7: all tied, rank 6: top-1 and top-5 error
      [0, 0, 0, 0, 0, 0, 0], // label 5: rank 4: top-1 error only
      [3, 2, 1, 0, 0, 0, 9], // label 7: first: no error
      [NaN, 5, 0, 0, 0, 0, 0], // label 2: NaN sorts first in a descending sort: top-1 error
      [0, 0, 1, 0, 0, 0, 0], // label 0: ignored
    ];
    const labels = [2, 7, 5, 7, 2, 0];
    const imdb = { images: { set: [1, 1, 1, 1, 1, 1] } };
    const getBatch = (_: unknown, batch: number[]): [Tensor, number[]] => {
      const x = new Float32Array(7 * batch.length);
      batch.forEach((i, b) => scores[i].forEach((v, k) => { x[k + 7 * b] = v; }));
      return [new Tensor(x, [1, 1, 7, batch.length]), batch.map((i) => labels[i])];
    };
    const infos: BatchInfo[] = [];
    const { stats } = await cnnTrain({ layers: [passThrough, sumLoss] }, imdb, getBatch, {
      ...quiet, batchSize: 4, numEpochs: 1, train: [0, 1, 2, 3, 4, 5], val: [], onBatch: (i) => { infos.push(i); },
    });
    const [p] = randperms(1, 6);
    const order = Array.from(p);
    const err1 = [1, 1, 1, 0, 1, 0], err5 = [0, 1, 0, 0, 0, 0];
    const sum = (idx: number[], v: number[]): number => idx.reduce((s, i) => s + v[i], 0);
    const first = order.slice(0, 4);
    expect(infos.map((i) => [i.batch, i.numBatches, i.batchSize, i.stats.num])).toEqual([[1, 2, 4, 4], [2, 2, 2, 6]]);
    expect(infos[0].stats.objective).toBe(sum(first, labels) / 4);
    expect(infos[0].stats.top1err).toBe(sum(first, err1) / 4);
    expect(infos[0].stats.top5err).toBe(sum(first, err5) / 4);
    expect(stats.train[0].objective).toBe(sum(order, labels) / 6);
    expect(stats.train[0].top1err).toBe(4 / 6);
    expect(stats.train[0].top5err).toBe(1 / 6);
    expect(stats.val[0]).toEqual({ num: 0, time: 0 });
    expect(infos[1].line).toMatch(/^train: epoch 01:   2\/  2: \d+\.\d \(\d+\.\d\) Hz objective: \d+\.\d{3} top1err: 0\.667 top5err: 0\.167$/);
  });
  it('error_binary counts P .* labels < 0', () => {
    const res = [{}, { x: new Tensor(Float32Array.of(1, -2, 3, 0), [1, 1, 1, 4]) }, {}] as unknown as Res[];
    expect(ERROR_FUNCTIONS.binary.fn([1, 1, -1, -1], res)).toEqual([2]);
  });
});

describe('options', () => {
  const imdb = separableSet(8, 2, 1);
  const net = (): SimpleNN => mlpCustom(2, 2, 1);
  it('imdb.images.set as readMat gives it (a loaded imdb.mat)', async () => {
    const seen: number[][] = [];
    const set = { class: 'double', dims: [1, 8], data: Float64Array.from(imdb.images.set) };
    await cnnTrain(net(), { images: { ...imdb.images, set } }, (db, b) => { seen.push(b); return pointBatch(imdb, b); },
      { ...quiet, batchSize: 100, numEpochs: 1 });
    expect(seen.map((b) => b.slice().sort((p, q) => p - q))).toEqual([[0, 1, 2, 4, 5, 6], [3, 7]]);
  });
  it('unknown options and bad values are Errors', async () => {
    await expect(cnnTrain(net(), imdb, pointBatch, { batchsize: 3 } as never)).rejects.toThrow("cnnTrain: unknown option 'batchsize'");
    await expect(cnnTrain(net(), imdb, pointBatch, { learningRate: [] })).rejects.toThrow('cnnTrain: learningRate must be a finite number or a non-empty array');
    await expect(cnnTrain(net(), imdb, pointBatch, { batchSize: 0 })).rejects.toThrow('cnnTrain: batchSize must be an integer >= 1, got 0');
    await expect(cnnTrain(net(), imdb, pointBatch, { errorFunction: 'top1' as never })).rejects.toThrow("cnnTrain: unknown error function 'top1'");
    await expect(cnnTrain(net(), imdb, pointBatch, { train: [0, 8] })).rejects.toThrow('cnnTrain: train[1] is 8; indices are 0-based integers below the 8 images');
    await expect(cnnTrain(net(), imdb, pointBatch, { solver: 'sgd', solverOpts: { rho: 1 } })).rejects.toThrow('cnnTrain: solverOpts are for the other solvers');
    await expect(cnnTrain(net(), imdb, (() => [1, 2]) as never, { ...quiet, numEpochs: 1 })).rejects.toThrow('cnnTrain: getBatch must return [images, labels] with images a Tensor');
  });
  it('other solvers train too (adam)', async () => {
    const big = separableSet(64, 2, 2);
    const { stats } = await cnnTrain(mlpCustom(8, 2, 3), big, pointBatch, { ...quiet, batchSize: 8, numEpochs: 6, learningRate: 0.05, solver: 'adam' });
    expect(stats.train[5].top1err).toBe(0);
  });
  it('onEpoch returning 0 stops; the log gets the net\'s table', async () => {
    const lines: string[] = [];
    const { stats } = await cnnTrain(net(), imdb, pointBatch, { log: (s) => lines.push(s), batchSize: 4, numEpochs: 5, onEpoch: ({ epoch }) => (epoch === 2 ? 0 : undefined) });
    expect(stats.train).toHaveLength(2);
    expect(lines[0]).toMatch(/^\s*layer\|/);
    expect(lines.filter((l) => l.startsWith('train: epoch 02:'))).toHaveLength(2);
  });
  const isNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
  it.skipIf(isNode)('a browser has no expDir: a clear Error (Node: checkpoint.node.test.ts)', async () => {
    await expect(cnnTrain(net(), imdb, pointBatch, { ...quiet, expDir: 'x', numEpochs: 1 }))
      .rejects.toThrow("cnnTrain: expDir 'x' needs a file system (Node, Deno or Bun)");
  });
});

describe('README', () => {
  it('train a net, save it, load it and run it (as written, with log collected)', async () => {
    const lines: string[] = [];
    const log = (l: string): void => { lines.push(l); };
    const data = randn([8, 8, 1, 200], { seed: 1 }).data;
    const label = Array.from({ length: 200 }, (_, n) => 1 + (n % 2));
    for (let n = 0; n < 200; n++) for (let k = 0; k < 32; k++) data[64 * n + 32 * (label[n] - 1) + k] += 2;
    const imdb = { images: { data, label, set: label.map((_, n) => (n % 5 ? 1 : 2)) } };
    const getBatch = (db: unknown, batch: number[]): [Tensor, number[]] => [new Tensor(Float32Array.from(batch.flatMap((n) => [...data.subarray(64 * n, 64 * n + 64)])),
      [8, 8, 1, batch.length]), batch.map((n) => label[n])];
    const conv = (shape: number[], seed: number): Layer => ({ type: 'conv', weights: [randn(shape, { seed }), zeros([1, shape[3]])] });
    const layers = [conv([3, 3, 1, 8], 2), { type: 'relu' }, { type: 'pool', pool: 2, stride: 2 }, conv([3, 3, 8, 2], 3), { type: 'softmaxloss' }];
    const { net, stats } = await cnnTrain({ layers }, imdb, getBatch, { batchSize: 20, numEpochs: 3, learningRate: 0.01, log });
    const bytes = saveSimpleNN(net);
    const deployed = await loadSimpleNN(bytes);
    deployed.layers.pop();
    const scores = simplenn(deployed, getBatch(imdb, [0, 1])[0], null, null, { mode: 'test' }).at(-1)!.x!;
    expect(scores.size()).toEqual([1, 1, 2, 2]);
    expect(scores.data[0]).toBeGreaterThan(scores.data[1]); // image 0 is class 1
    expect(scores.data[3]).toBeGreaterThan(scores.data[2]); // image 1 is class 2
    expect(stats.val[2].top1err).toBe(0);
    expect(lines.filter((l) => l.startsWith('train: epoch 03:'))).toHaveLength(8);
  });
});
