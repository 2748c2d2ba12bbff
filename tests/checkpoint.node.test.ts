// cnnTrain's files (checkpoints, continue, net-train.png) and the MAT mapping of simplenn nets
// (saveSimpleNN / loadSimpleNN) on real files: Node only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tensor, init, imread, nnconv, nnrelu, randn, readMat, simplenn, writeMat, zeros, type SimpleNN } from '../src/index.js';
import { cnnTrain, type TrainOptions } from '../src/net/train.js';
import { loadSimpleNN, netFromMat, saveSimpleNN } from '../src/net/files.js';
import { expectExact } from './helpers.js';
import { barBatch, barCNN, barSet, mlpCustom, pointBatch, separableSet } from './train-nets.js';

beforeAll(() => init());

const dirs: string[] = [];
const tmp = (): string => { const d = mkdtempSync(join(tmpdir(), 'nnblocks-train-')); dirs.push(d); return d; };
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

const fixture = (name: string): string => new URL(`./fixtures/nets/${name}`, import.meta.url).pathname;
const weightsOf = (net: SimpleNN): Float32Array[] =>
  net.layers.flatMap((ly) => (ly.weights ?? []).filter((w): w is Tensor => w !== null).map((w) => w.data));

describe('checkpoints and continue', () => {
  const imdb = separableSet(48, 3, 21);
  const base: TrainOptions = { log: () => {}, batchSize: 8, learningRate: [0.05, 0.05, 0.02, 0.02, 0.01], randomSeed: 2 };

  it('net-epoch-N.mat holds net, state and then stats; net-train.png is written', async () => {
    const dir = tmp();
    await cnnTrain(mlpCustom(6, 3, 1), imdb, pointBatch, { ...base, numEpochs: 2, expDir: dir });
    expect(readdirSync(dir).sort()).toEqual(['net-epoch-1.mat', 'net-epoch-2.mat', 'net-train.png']);
    const vars = await readMat(join(dir, 'net-epoch-2.mat'));
    expect(Object.keys(vars)).toEqual(['net', 'state', 'stats']);
    const stats = vars.stats as { train: { class: string; dims: number[]; fields: string[] } };
    expect(stats.train.class).toBe('struct');
    expect(stats.train.dims).toEqual([1, 2]);
    expect(stats.train.fields).toEqual(['objective', 'top1err', 'top5err', 'num', 'time']);
    const state = vars.state as { solverState: { class: string; data: { data: unknown[] }[] } };
    expect(state.solverState.class).toBe('cell');
    // the momentum buffer of fc1's filters: single, of the filters' shape (1x1x2x6)
    expect(state.solverState.data[0].data[0]).toMatchObject({ class: 'single', dims: [1, 1, 2, 6] });
    const img = await imread(join(dir, 'net-train.png'));
    expect([img.height, img.width]).toEqual([280, 960]);
  });

  it('continue resumes from the last complete checkpoint to the same weights as one run', async () => {
    const whole = await cnnTrain(mlpCustom(6, 3, 1), imdb, pointBatch, { ...base, numEpochs: 5 });
    for (const solver of ['sgd', 'adam', 'adadelta'] as const) {
      const dir = tmp();
      const ref = solver === 'sgd' ? whole : await cnnTrain(mlpCustom(6, 3, 1), imdb, pointBatch, { ...base, solver, numEpochs: 5 });
      await cnnTrain(mlpCustom(6, 3, 1), imdb, pointBatch, { ...base, solver, numEpochs: 3, expDir: dir });
      const lines: string[] = [];
      const resumed = await cnnTrain(mlpCustom(6, 3, 1), imdb, pointBatch, { ...base, solver, numEpochs: 5, expDir: dir, log: (s) => lines.push(s) });
      expect(lines).toContain('cnn_train: resuming by loading epoch 3');
      expect(lines.filter((l) => l.startsWith('train: epoch 03'))).toHaveLength(0);
      expect(lines.filter((l) => l.startsWith('train: epoch 04'))).toHaveLength(5);
      const a = weightsOf(resumed.net), b = weightsOf(ref.net);
      expect(a.length).toBe(4);
      a.forEach((w, k) => expectExact(w, b[k], `${solver}: weight ${k}`));
      expect(resumed.stats.train.map((s) => s.objective)).toEqual(ref.stats.train.map((s) => s.objective));
      expect(resumed.stats.val).toHaveLength(5);
    }
  });

  it('a trained conv net: its checkpoint and saveSimpleNN load back to the same predictions', async () => {
    const dir = tmp();
    const bars = barSet(30, 4);
    const { net } = await cnnTrain(barCNN(3), bars, barBatch, { ...base, learningRate: 0.1, batchSize: 10, numEpochs: 2, expDir: dir });
    const [x] = barBatch(bars, [0, 1, 2, 3, 4]);
    const scores = (n: SimpleNN): Float32Array => simplenn({ layers: n.layers.slice(0, -1) }, x, null, null, { mode: 'test' }).at(-1)!.x!.data;
    const want = scores(net);
    expectExact(scores(await loadSimpleNN(join(dir, 'net-epoch-2.mat'))), want, 'from the checkpoint');
    expectExact(scores(await loadSimpleNN(saveSimpleNN(net, { compress: true }))), want, 'from saveSimpleNN');
    const loaded = await loadSimpleNN(join(dir, 'net-epoch-2.mat'));
    expect(loaded.layers[3].precious).toBe(true);
    expect(loaded.layers[0].learningRate).toEqual([1, 1]);
    expect(loaded.layers[4].class).toBeUndefined();
  });

  it('a finished run returns the loaded net; continue: false starts again', async () => {
    const dir = tmp();
    const first = await cnnTrain(mlpCustom(6, 3, 1), imdb, pointBatch, { ...base, numEpochs: 2, expDir: dir });
    let batches = 0;
    const again = await cnnTrain(mlpCustom(6, 3, 1), imdb, pointBatch, { ...base, numEpochs: 2, expDir: dir, onBatch: () => { batches++; } });
    expect(batches).toBe(0);
    weightsOf(again.net).forEach((w, k) => expectExact(w, weightsOf(first.net)[k], `weight ${k}`));
    expect(again.stats.train).toHaveLength(2);
    await cnnTrain(mlpCustom(6, 3, 1), imdb, pointBatch, { ...base, numEpochs: 1, expDir: dir, continue: false, onBatch: () => { batches++; } });
    expect(batches).toBe(5 + 2); // 36 train images, 12 val, batches of 8
  });

  it('the newest N wins; other files are ignored; a file without stats is refused with MatConvNet\'s message', async () => {
    const dir = tmp();
    await cnnTrain(mlpCustom(6, 3, 1), imdb, pointBatch, { ...base, numEpochs: 2, expDir: dir });
    writeFileSync(join(dir, 'net-epoch-10.mat.bak'), 'x');
    writeFileSync(join(dir, 'notes.txt'), 'x');
    // epoch 3 saved but its stats never appended (the process died in between)
    const vars = await readMat(join(dir, 'net-epoch-2.mat'));
    writeFileSync(join(dir, 'net-epoch-3.mat'), writeMat({ net: vars.net, state: vars.state }));
    const path = `${dir}/net-epoch-3.mat`;
    await expect(cnnTrain(mlpCustom(6, 3, 1), imdb, pointBatch, { ...base, numEpochs: 4, expDir: dir }))
      .rejects.toThrow(`cnnTrain: Epoch '${path}' was only partially saved. Delete this file and try again.`);
  });

  it('resuming a net whose custom layer became another type is an Error', async () => {
    const dir = tmp();
    await cnnTrain(mlpCustom(6, 3, 1), imdb, pointBatch, { ...base, numEpochs: 1, expDir: dir });
    const other = mlpCustom(6, 3, 1);
    other.layers[0] = { type: 'relu' };
    await expect(cnnTrain(other, imdb, pointBatch, { ...base, numEpochs: 2, expDir: dir }))
      .rejects.toThrow("layer 0 ('fc1') is a custom layer but the net given has a relu layer there");
  });

  it('an expDir that cannot be made is an Error naming it', async () => {
    const file = join(tmp(), 'f');
    writeFileSync(file, 'x');
    await expect(cnnTrain(mlpCustom(2, 3, 1), imdb, pointBatch, { ...base, numEpochs: 1, expDir: join(file, 'sub') }))
      .rejects.toThrow(`cnnTrain: cannot create expDir '${join(file, 'sub')}'`);
  });
});

/** A net of every layer type that has no functions, with distinct weights. */
function zooNet(): SimpleNN {
  const ramp = (shape: number[], a: number): Tensor => {
    const n = shape.reduce((p, q) => p * q, 1);
    return new Tensor(Float32Array.from({ length: n }, (_, i) => a * (i + 1) - 0.5), shape);
  };
  return {
    layers: [
      { type: 'conv', name: 'conv1', weights: [ramp([3, 3, 2, 4], 0.01), ramp([1, 4], 0.1)], pad: [1, 1, 0, 0], stride: 1,
        learningRate: [1, 2], weightDecay: [1, 0] },
      { type: 'bnorm', weights: [ramp([4, 1], 1), ramp([4, 1], 0.5), ramp([4, 2], 0.25)], epsilon: 1e-4 },
      { type: 'relu', leak: 0.1 },
      { type: 'pool', method: 'avg', pool: [2, 2], stride: 2, pad: [0, 1, 0, 1] },
      { type: 'lrn', param: [5, 1, 2e-5, 0.75] },
      { type: 'dropout', rate: 0.25 },
      { type: 'conv', name: 'fc', weights: [ramp([2, 2, 4, 3], 0.02), null] },
      { type: 'softmaxloss', precious: true },
    ],
    meta: { classes: { name: ['cat', 'dog', 'fish'], description: ['a cat', 'a big dog', 'fish'] }, inputSize: [8, 8, 2, 16] },
  };
}

describe('saveSimpleNN and loadSimpleNN', () => {
  it('round trip, compressed and not: the tidied net back with every field and weight', async () => {
    const net = zooNet();
    for (const compress of [false, true]) {
      const bytes = saveSimpleNN(net, { compress });
      const back = await loadSimpleNN(bytes);
      expect(back.layers.map((ly) => ly.type)).toEqual(net.layers.map((ly) => ly.type));
      back.layers.forEach((ly, l) => {
        const src = net.layers[l];
        (src.weights ?? []).forEach((w, j) => {
          if (w === null) expect(ly.weights![j] === null || ly.weights![j]!.numel === 0).toBe(true);
          else { expect(ly.weights![j]!.shape).toEqual(w.shape); expectExact(ly.weights![j]!.data, w.data, `layer ${l} weight ${j}`); }
        });
      });
      expect(back.layers[0]).toMatchObject({ name: 'conv1', pad: [1, 1, 0, 0], stride: 1, learningRate: [1, 2], weightDecay: [1, 0], dilate: 1 });
      expect(back.layers[1].epsilon).toBe(1e-4);
      expect(back.layers[2].leak).toBe(0.1);
      expect(back.layers[3]).toMatchObject({ method: 'avg', pool: [2, 2], stride: 2, pad: [0, 1, 0, 1] });
      expect(back.layers[4].param).toEqual([5, 1, 2e-5, 0.75]);
      expect(back.layers[7].precious).toBe(true);
      expect(back.layers[5].name).toBe('layer6');
      expect(back.meta).toEqual({ classes: net.meta!.classes, inputSize: { class: 'double', dims: [1, 4], data: Float64Array.of(8, 8, 2, 16) } });
    }
  });

  it('writes what MATLAB\'s load + vl_simplenn read: layers a 1xL cell of structs, weights cells of single', async () => {
    const vars = await readMat(saveSimpleNN(zooNet()));
    expect(Object.keys(vars)).toEqual(['layers', 'meta']);
    const layers = vars.layers as { class: string; dims: number[]; data: Record<string, unknown>[] };
    expect([layers.class, layers.dims]).toEqual(['cell', [1, 8]]);
    const conv = layers.data[0];
    expect(conv.type).toBe('conv');
    const w = conv.weights as { class: string; dims: number[]; data: { class: string; dims: number[] }[] };
    expect([w.class, w.dims]).toEqual(['cell', [1, 2]]);
    expect(w.data.map((x) => [x.class, x.dims])).toEqual([['single', [3, 3, 2, 4]], ['single', [1, 4]]]);
    expect(conv.pad).toMatchObject({ class: 'double', dims: [1, 4] });
    expect(conv.learningRate).toMatchObject({ class: 'double', dims: [1, 2] });
    expect((layers.data[6].weights as { data: { class: string; dims: number[] }[] }).data[1]).toMatchObject({ class: 'single', dims: [0, 0] });
    expect(layers.data[7].precious).toMatchObject({ class: 'logical', dims: [1, 1] });
    expect((vars.meta as { classes: { name: { class: string } } }).classes.name.class).toBe('cell');
  });

  it('reads the zoo layout as Octave saves it (-v6 and -v7): opts kept, meta as MATLAB holds it', async () => {
    for (const name of ['zoo_v6.mat', 'zoo_v7.mat']) {
      const net = await loadSimpleNN(fixture(name));
      expect(net.layers.map((ly) => ly.type)).toEqual(['conv', 'relu', 'lrn', 'pool', 'conv', 'softmax']);
      const [conv1] = net.layers;
      expect(conv1.weights![0]!.shape).toEqual([3, 3, 3, 4]);
      expect(conv1.weights![0]!.data[0]).toBe(-1);
      expect(conv1.weights![0]!.data[107]).toBe(Math.fround(107 / 100 - 1));
      expect(conv1.weights![1]!.shape).toEqual([4, 1, 1, 1]);
      expectExact(conv1.weights![1]!.data, Float32Array.of(0.1, 0.2, 0.3, 0.4), 'biases');
      expect(conv1.opts).toEqual(['CudnnWorkspaceLimit', 1262485504]);
      expect(conv1).toMatchObject({ pad: [1, 1, 1, 1], stride: [1, 1], dilate: 1, precious: false, size: [3, 3, 3, 4] });
      expect(net.layers[3]).toMatchObject({ method: 'max', pool: [2, 2], pad: [0, 1, 0, 1] });
      const meta = net.meta as { classes: { name: string[]; description: string[] }; normalization: Record<string, unknown> };
      expect(meta.classes.description).toEqual(['tench, Tinca tinca', 'goldfish, Carassius auratus']);
      expect(meta.normalization.interpolation).toBe('bilinear');
      expect(meta.normalization.averageImage).toMatchObject({ class: 'double', dims: [1, 1, 3] });
    }
  });

  it('a loaded conv with MatConvNet\'s cuDNN opts runs as nnconv does (the opts are ignored)', async () => {
    const net = await loadSimpleNN(fixture('zoo_v7.mat'));
    const [conv1, relu1] = net.layers;
    const x = randn([8, 8, 3, 2], { seed: 3 });
    const res = simplenn({ layers: [conv1, relu1] }, x);
    const want = nnrelu(nnconv(x, conv1.weights![0]!, conv1.weights![1]!, { pad: 1 }));
    expectExact(res[2].x!.data, want.data, 'conv1 + relu1');
  });

  it('reads the legacy layout: top-level classes and normalization, filters and biases', async () => {
    const net = await loadSimpleNN(readFileSync(fixture('legacy_v6.mat')));
    expect(net.layers.map((ly) => ly.type)).toEqual(['conv', 'relu', 'softmax']);
    expect(net.layers[0].filters).toBeUndefined();
    expect(net.layers[0].weights!.map((w) => w!.shape)).toEqual([[2, 2, 1, 3], [1, 3, 1, 1]]);
    expect(net.layers[0].name).toBe('layer1');
    const meta = net.meta as { classes: { name: string[] }; normalization: { cropSize: number[] } };
    expect(meta.classes.name).toEqual(['a', 'b', 'c']);
    expect(meta.normalization.cropSize).toEqual([0.75, 0.75]); // tidy's legacy rule: 3 / (3 + 1)
  });

  it('a cnnTrain checkpoint loads too (its net variable)', async () => {
    const dir = tmp();
    const net = zooNet();
    net.layers = [{ type: 'conv', weights: [zeros([1, 1, 2, 3]), zeros([1, 3])] }, { type: 'softmaxloss' }];
    writeFileSync(join(dir, 'c.mat'), writeMat({ net: { layers: (await readMat(saveSimpleNN(net))).layers, meta: {} }, state: {} }));
    const back = await loadSimpleNN(join(dir, 'c.mat'));
    expect(back.layers.map((ly) => ly.type)).toEqual(['conv', 'softmaxloss']);
  });

  it('errors: no net, a MATLAB object or function handle where a layer is, a custom layer to save', async () => {
    await expect(loadSimpleNN(writeMat({ x: 1, y: 'a' }))).rejects.toThrow(
      "loadSimpleNN: the given file holds no simplenn net: no variable 'layers' (nor a struct 'net' with one); its variables are 'x', 'y'");
    const obj = { class: 'object', classname: 'dagnn.Conv', dims: [1, 1], fields: ['size'], data: [{ size: [1, 2] }] };
    await expect(loadSimpleNN(writeMat({ layers: { class: 'cell', dims: [1, 2], data: [{ type: 'relu' }, obj] } as never })))
      .rejects.toThrow("loadSimpleNN: the given file: layers{2} is a MATLAB object of class 'dagnn.Conv'");
    // readMat's placeholder for a function handle inside a struct (MATLAB-written files only)
    const handle = { class: 'function', classname: 'function_handle' };
    expect(() => netFromMat('loadSimpleNN', { layers: { class: 'cell', dims: [1, 1], data: [{ type: 'custom', forward: handle }] } }, "'net.mat'"))
      .toThrow("loadSimpleNN: 'net.mat': layers{1}.forward is a MATLAB function handle");
    expect(() => saveSimpleNN(mlpCustom(2, 2, 1))).toThrow("saveSimpleNN: layer 0 ('fc1') is a custom layer; its functions cannot be saved");
    // Options by name, as writeMat's: a typo must not quietly write the uncompressed file.
    expect(() => saveSimpleNN(zooNet(), { compres: true } as never)).toThrow("saveSimpleNN: unknown option 'compres'; the options are 'compress'");
    expect(() => saveSimpleNN(zooNet(), { compress: 1 } as never)).toThrow('saveSimpleNN: compress must be true or false, got number');
    // A weight loadSimpleNN would refuse is refused here, and a cycle is named, not a stack overflow.
    const fake = { layers: [{ type: 'conv', weights: [{ data: new Float64Array(4), shape: [2, 2, 1, 1] }, null], pad: 0, stride: 1 }] };
    expect(() => saveSimpleNN(fake as never)).toThrow(/^saveSimpleNN: layers\{1\}\.weights .*\{1\} must be a Tensor \(or null\), got Object$/);
    const looped = zooNet();
    (looped.meta as Record<string, unknown>).self = looped.meta;
    expect(() => saveSimpleNN(looped)).toThrow('saveSimpleNN: meta.self is one of its own containers (a cycle), which a MAT file cannot hold');
    await expect(loadSimpleNN(join(tmp(), 'missing.mat'))).rejects.toThrow('missing.mat');
  });

  // Found by a fuzzing helper: readMat's sparse and 3-D char arrays have dims and typed data too,
  // and were read as numbers (a sparse pad became its nonzeros; legacy filters failed with a bare
  // "Tensor: data has 1 elements", no file named).
  it('sparse or char arrays where numbers go: an Error naming the file and layer, never numbers', async () => {
    const sparse = { class: 'sparse', logical: false, dims: [1, 4], ir: Int32Array.of(0), jc: Int32Array.of(0, 1, 1, 1, 1), data: Float64Array.of(1) };
    const w = { class: 'single', dims: [3, 3, 1, 2], data: randn([3, 3, 1, 2], { seed: 1 }).data };
    const b = { class: 'single', dims: [1, 2], data: new Float32Array(2) };
    const file = (layer: object): Uint8Array => writeMat({ layers: { class: 'cell', dims: [1, 1], data: [layer] } } as never);
    const notNumbers = "loadSimpleNN: the given file: simplennTidy: layer 0: weights[0] must be a Tensor (or a numeric array as readMat gives it), got Object";
    await expect(loadSimpleNN(file({ type: 'conv', filters: sparse, biases: b, pad: 0, stride: 1 }))).rejects.toThrow(notNumbers);
    await expect(loadSimpleNN(file({ type: 'conv', weights: { class: 'cell', dims: [1, 2], data: [sparse, b] }, pad: 0, stride: 1 }))).rejects.toThrow(notNumbers);
    const chars = { class: 'char', dims: [2, 2, 2], data: new Uint16Array(8) };
    await expect(loadSimpleNN(file({ type: 'conv', weights: { class: 'cell', dims: [1, 2], data: [chars, b] }, pad: 0, stride: 1 }))).rejects.toThrow(notNumbers);
    const net = await loadSimpleNN(file({ type: 'conv', weights: { class: 'cell', dims: [1, 2], data: [w, b] }, pad: sparse, stride: 1 }));
    expect(() => simplenn(net, randn([5, 5, 1, 1], { seed: 2 }))).toThrow("simplenn: layer 0 ('layer1'): nnconv: pad must be a number or [top, bottom, left, right], got Object");
  });

  it('no stray files: a missing expDir is created', async () => {
    const dir = join(tmp(), 'a', 'b');
    await cnnTrain(mlpCustom(2, 3, 1), separableSet(12, 3, 1), pointBatch, { log: () => {}, batchSize: 4, numEpochs: 1, expDir: dir });
    expect(existsSync(join(dir, 'net-epoch-1.mat'))).toBe(true);
  });
});
