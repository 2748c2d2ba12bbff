// cnnTrain: MatConvNet's cnn_train for simplenn (NETWORKS.md §3, beta25) — epochs of shuffled
// batches, SGD with momentum (or a solver of solvers.ts), statistics per epoch, checkpoints.
// The pieces keep cnn_train's names: processEpoch, accumulateGradients, extractStats, the
// ERROR_FUNCTIONS table. Single process, CPU: no GPU, spmd, parameter server or sub-batches.

import { Tensor, isTensor } from '../tensor.js';
import { checkOptions, dims, integerFrom, show, tagOf } from '../options.js';
import { randperms } from '../random.js';
import { run, type Materialise } from './engine.js';
import { simplennTidy } from './tidy.js';
import { simplennDisplay } from './display.js';
import { layerLabel, type Layer, type Res, type SimpleNN } from './types.js';
import { normaliseGradient, solverOf, updateMoments, type Solver, type SolverName, type SolverState } from './solvers.js';
import { epochSummary, progressLine, type BatchInfo, type EpochStats } from './progress.js';
import type { TrainStats } from './curves.js';
import { checkpointFiles, type CheckpointFiles } from './checkpoint.js';
import { perParam } from './params.js';

const WHO = 'cnnTrain';

/** MatConvNet's imdb: `images` with at least `set` (1 train, 2 val, 3 test) when train/val are not given. */
export interface Imdb {
  images: { set?: ArrayLike<number> | { data: ArrayLike<number> }; [field: string]: unknown };
  meta?: unknown;
  [field: string]: unknown;
}

/** `[images, labels]` for the 0-based indices `batch` into imdb.images (or a promise of it). */
export type GetBatch = (imdb: Imdb, batch: number[]) => [Tensor, unknown] | Promise<[Tensor, unknown]>;

/**
 * A custom error function: one count per label of `errorLabels`, summed over the batch. Its `res`
 * holds what cnnTrain copies out of the run: res[L - 1].x (the predictions), res[L].x (the
 * objective) and, in training, every res[l].dzdw; the other fields are null.
 */
export type ErrorFunction = (labels: unknown, res: Res[]) => ArrayLike<number>;

/** The solver state and the last epoch's statistics, as cnn_train's `state` (saved in checkpoints). */
export interface TrainState {
  /** solverState[l][j] for weight j of layer l: 0 until the first step, then the solver's state. */
  solverState: SolverState[][] | null;
  stats: { train?: EpochStats; val?: EpochStats };
}

/** What `onEpoch` receives after each epoch (after its checkpoint is written). */
export interface EpochInfo {
  epoch: number;
  net: SimpleNN;
  stats: TrainStats;
  state: TrainState;
  /** The one-line summary of the epoch (progress.ts epochSummary). */
  line: string;
}

export interface TrainOptions {
  /** Images per batch (256). */
  batchSize?: number;
  /** Epochs to run, counting those a resumed run has done (300). */
  numEpochs?: number;
  /** A number, or one per epoch (epoch e uses lr[min(e, length) - 1]) (0.001). */
  learningRate?: number | readonly number[];
  /** L2 decay on every weight, times the layer's weightDecay multiplier (5e-4). */
  weightDecay?: number;
  /** SGD momentum (0.9) and Nesterov's update (false). */
  momentum?: number;
  nesterovUpdate?: boolean;
  /** 'sgd' (MatConvNet's built-in, default), 'adam', 'adagrad', 'rmsprop', 'adadelta', or a Solver. */
  solver?: SolverName | Solver;
  /** Options of a solver other than sgd (its defaults otherwise). */
  solverOpts?: Record<string, number | boolean>;
  /** Keep the solver state from epoch to epoch (true); false resets it to 0 every epoch. */
  saveSolverState?: boolean;
  /** 0-based indices of the training and validation images; default imdb.images.set == 1 and == 2. */
  train?: ArrayLike<number> | null;
  val?: ArrayLike<number> | null;
  /** Train on at most this many images per epoch (the first of the shuffled list) (Infinity). */
  epochSize?: number;
  /** 'multiclass' (top1err, top5err; default), 'binary' (binerr), 'none', or a function with errorLabels. */
  errorFunction?: 'multiclass' | 'binary' | 'none' | ErrorFunction;
  errorLabels?: readonly string[];
  /** The shuffle of epoch e (1-based) is drawn from the seed e + randomSeed (0). */
  randomSeed?: number;
  /** Directory for net-epoch-N.mat and net-train.png (Node, Deno, Bun only); none by default. */
  expDir?: string;
  /** Resume from the last complete checkpoint in expDir (true). */
  continue?: boolean;
  /** Passed to simplenn (true): buffers nothing reads again share WebAssembly memory. */
  conserveMemory?: boolean;
  /** Passed to simplenn (Infinity). */
  backPropDepth?: number;
  /** Write net-train.png in expDir after each epoch (true). */
  plotStatistics?: boolean;
  /** Called after each batch; the default hands `info.line` to `log`. */
  onBatch?: (info: BatchInfo) => void | Promise<void>;
  /** Called after each epoch; a number or array it returns becomes the learning rate (all 0: stop). */
  onEpoch?: (info: EpochInfo) => void | number | readonly number[] | Promise<void | number | readonly number[]>;
  /** Receives every line cnn_train prints: the net's table, the resume message, the progress lines. */
  log?: (line: string) => void;
}

const OPTIONS = ['batchSize', 'numEpochs', 'learningRate', 'weightDecay', 'momentum', 'nesterovUpdate', 'solver',
  'solverOpts', 'saveSolverState', 'train', 'val', 'epochSize', 'errorFunction', 'errorLabels', 'randomSeed', 'expDir',
  'continue', 'conserveMemory', 'backPropDepth', 'plotStatistics', 'onBatch', 'onEpoch', 'log'];

/** The options after checking, with defaults (cnn_train's `opts` plus what processEpoch reads). */
interface Params {
  batchSize: number;
  numEpochs: number;
  learningRate: number[];
  weightDecay: number;
  solver: Solver;
  solverOpts: Record<string, number | boolean>;
  saveSolverState: boolean;
  train: Int32Array;
  val: Int32Array;
  epochSize: number;
  errorFunction: ErrorFunction;
  errorLabels: string[];
  randomSeed: number;
  expDir: string | null;
  continue: boolean;
  conserveMemory: boolean;
  backPropDepth: number;
  plotStatistics: boolean;
  onBatch: (info: BatchInfo) => void | Promise<void>;
  onEpoch: TrainOptions['onEpoch'] | null;
  log: (line: string) => void;
}

// ---------------------------------------------------------------------------------------------
// Error functions (cnn_train's error_multiclass, error_binary, error_none)

/** Labels as a 4-D array broadcast against predictions of shape P: [h, w, c, n] and the values. */
function labelArray(labels: unknown, P: readonly number[]): { shape: number[]; data: ArrayLike<number> } {
  if (isTensor(labels)) return { shape: labels.shape.slice(), data: labels.data };
  const data = Array.isArray(labels) || (ArrayBuffer.isView(labels) && !(labels instanceof DataView))
    ? (labels as ArrayLike<number>) : null;
  if (data === null) throw new Error(`${WHO}: labels must be a Tensor, an array or a typed array, got ${tagOf(labels)}`);
  const numel = P[0] * P[1] * P[2] * P[3];
  // "be resilient to badly formatted labels": one per image is 1x1x1xN.
  if (data.length === P[3]) return { shape: [1, 1, 1, P[3]], data };
  if (data.length === numel) return { shape: P.slice(), data };
  throw new Error(`${WHO}: labels have ${data.length} elements; with predictions of ${P.join('x')} give one per ` +
    `image (${P[3]}) or a Tensor shaped [H, W, 1, N]`);
}

/** Index of element (i, j, k, n) of a broadcast array of shape s (size-1 dimensions repeat). */
const bIndex = (s: readonly number[], i: number, j: number, k: number, n: number): number =>
  (s[0] === 1 ? 0 : i) + s[0] * ((s[1] === 1 ? 0 : j) + s[1] * ((s[2] === 1 ? 0 : k) + s[2] * (s[3] === 1 ? 0 : n)));

function predictionsOf(res: Res[]): Tensor {
  const P = res[res.length - 2]?.x;
  if (!isTensor(P)) throw new Error(`${WHO}: the error function needs res[L - 1].x, the predictions, but simplenn kept none`);
  return P;
}

/**
 * error_multiclass: P = res[L - 1].x (H x W x C x N); at every pixel the classes sorted by
 * descending score (MATLAB's sort: stable, so ties keep the lower class first; NaN first); a
 * top-1 error when the label is not first, a top-5 error when it is not among the first
 * min(5, C). Labels <= 0 are ignored; a second label channel weighs each pixel. Sums, not rates.
 */
function errorMulticlass(labels: unknown, res: Res[]): number[] {
  const P = predictionsOf(res);
  const [H, W, C, N] = P.shape;
  const L = labelArray(labels, P.shape);
  if (L.shape[2] !== 1 && L.shape[2] !== 2) throw new Error(`${WHO}: multiclass labels have ${L.shape[2]} channels (1, or 2 with weights)`);
  for (let d = 0; d < 4; d++) {
    if (d !== 2 && L.shape[d] !== 1 && L.shape[d] !== P.shape[d]) {
      throw new Error(`${WHO}: labels of ${L.shape.join('x')} do not broadcast against predictions of ${P.shape.join('x')}`);
    }
  }
  const m = Math.min(5, C);
  const p = P.data;
  let top1 = 0, top5 = 0;
  for (let n = 0; n < N; n++) {
    for (let j = 0; j < W; j++) {
      for (let i = 0; i < H; i++) {
        const c = L.data[bIndex(L.shape, i, j, 0, n)];
        let mass = c > 0 ? 1 : 0;
        if (L.shape[2] === 2) mass *= L.data[bIndex(L.shape, i, j, 1, n)];
        if (mass === 0) continue;
        // Rank of class c (1-based) in the stable descending order: the classes before it.
        let rank = C; // not a class: never found
        if (Number.isInteger(c) && c >= 1 && c <= C) {
          const base = i + H * (j + W * C * n);
          const v = p[base + H * W * (c - 1)];
          rank = 0;
          for (let k = 0; k < C; k++) {
            const u = p[base + H * W * k];
            const before = Number.isNaN(u) ? !Number.isNaN(v) || k < c - 1 : u > v || (u === v && k < c - 1);
            if (before) rank++;
          }
        }
        if (rank >= 1) top1 += mass;
        if (rank >= m) top5 += mass;
      }
    }
  }
  return [top1, top5];
}

/** error_binary: the number of elements of P .* labels that are < 0 (labels broadcast). */
function errorBinary(labels: unknown, res: Res[]): number[] {
  const P = predictionsOf(res);
  const L = labelArray(labels, P.shape);
  const S = P.shape.map((d, k) => Math.max(d, L.shape[k]));
  for (let d = 0; d < 4; d++) {
    if ((P.shape[d] !== 1 && P.shape[d] !== S[d]) || (L.shape[d] !== 1 && L.shape[d] !== S[d])) {
      throw new Error(`${WHO}: labels of ${L.shape.join('x')} do not broadcast against predictions of ${P.shape.join('x')}`);
    }
  }
  let count = 0;
  for (let n = 0; n < S[3]; n++) for (let k = 0; k < S[2]; k++) for (let j = 0; j < S[1]; j++) for (let i = 0; i < S[0]; i++) {
    if (P.data[bIndex(P.shape, i, j, k, n)] * L.data[bIndex(L.shape, i, j, k, n)] < 0) count++;
  }
  return [count];
}

export const ERROR_FUNCTIONS = {
  multiclass: { fn: errorMulticlass, labels: ['top1err', 'top5err'] },
  binary: { fn: errorBinary, labels: ['binerr'] },
  none: { fn: (): number[] => [], labels: [] as string[] },
} as const;

// ---------------------------------------------------------------------------------------------
// Options

const integer = (name: string, v: unknown, min: number, orInfinity = false): number => integerFrom(WHO, name, v, min, orInfinity);

function number(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${WHO}: ${name} must be a finite number, got ${show(v)}`);
  return v;
}

function flag(name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new Error(`${WHO}: ${name} must be true or false, got ${show(v)}`);
  return v;
}

function callback<T>(name: string, v: unknown): T | null {
  if (v === undefined) return null;
  if (typeof v !== 'function') throw new Error(`${WHO}: ${name} must be a function, got ${tagOf(v)}`);
  return v as T;
}

function learningRates(v: unknown): number[] {
  const list = typeof v === 'number' ? [v] : Array.isArray(v) ? v : null;
  if (list === null || list.length === 0 || !list.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new Error(`${WHO}: learningRate must be a finite number or a non-empty array of them (one per epoch), got ${show(v)}`);
  }
  return list.slice();
}

/** Image indices of a subset: given (0-based integers below the image count when known) or from imdb.images.set. */
function subset(name: 'train' | 'val', v: unknown, imdb: Imdb): Int32Array {
  // imdb.images.set as an array, a typed array, or readMat's { class, dims, data } (a loaded imdb.mat)
  const raw = imdb.images.set as unknown;
  const set = typeof raw === 'object' && raw !== null && ArrayBuffer.isView((raw as { data?: unknown }).data)
    ? ((raw as { data: ArrayLike<number> }).data) : (raw as ArrayLike<number> | undefined);
  const count = set !== undefined ? set.length : Infinity;
  if (v === undefined || v === null) {
    if (set === undefined) throw new Error(`${WHO}: imdb.images.set is missing; give opts.${name} (0-based image indices) instead`);
    const want = name === 'train' ? 1 : 2;
    const out: number[] = [];
    for (let i = 0; i < set.length; i++) if (Number(set[i]) === want) out.push(i);
    return Int32Array.from(out);
  }
  if (typeof v === 'number' && Number.isNaN(v)) return new Int32Array(0); // MATLAB's NaN: no such pass
  const list = Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView)) ? (v as ArrayLike<number>) : null;
  if (list === null) throw new Error(`${WHO}: ${name} must be an array of 0-based image indices, got ${tagOf(v)}`);
  const out = new Int32Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const x = Number(list[i]);
    if (!Number.isInteger(x) || x < 0 || x >= Math.min(count, 2 ** 31)) {
      throw new Error(`${WHO}: ${name}[${i}] is ${show(list[i])}; indices are 0-based integers below the ${count} images`);
    }
    out[i] = x;
  }
  return out;
}

function parseOptions(opts: TrainOptions | undefined, imdb: Imdb): Params {
  checkOptions(WHO, opts, OPTIONS, ['train', 'val']);
  const o = opts ?? {};
  const log = callback<(line: string) => void>('log', o.log) ?? ((): void => {});
  const sgdOpts = { momentum: number('momentum', o.momentum ?? 0.9), nesterov: flag('nesterovUpdate', o.nesterovUpdate ?? false) };
  const solverName = o.solver ?? 'sgd';
  if (solverName === 'sgd' && o.solverOpts !== undefined) {
    throw new Error(`${WHO}: solverOpts are for the other solvers; sgd takes momentum and nesterovUpdate`);
  }
  const { solver, opts: solverOpts } = solverOf(WHO, solverName, solverName === 'sgd' ? sgdOpts : o.solverOpts);
  let errorFunction: ErrorFunction;
  let errorLabels: string[];
  const ef = o.errorFunction ?? 'multiclass';
  if (typeof ef === 'function') {
    if (!Array.isArray(o.errorLabels) || !o.errorLabels.every((s) => typeof s === 'string' && s !== '')) {
      throw new Error(`${WHO}: a custom errorFunction needs errorLabels, the names of the counts it returns`);
    }
    errorFunction = ef;
    errorLabels = o.errorLabels.slice();
  } else if (typeof ef === 'string' && Object.prototype.hasOwnProperty.call(ERROR_FUNCTIONS, ef)) {
    const e = ERROR_FUNCTIONS[ef as keyof typeof ERROR_FUNCTIONS];
    errorFunction = e.fn;
    errorLabels = o.errorLabels !== undefined ? [...o.errorLabels] : [...e.labels];
    if (errorLabels.length !== e.labels.length) {
      throw new Error(`${WHO}: errorLabels has ${errorLabels.length} names but errorFunction '${ef}' gives ${e.labels.length} counts`);
    }
  } else {
    throw new Error(`${WHO}: unknown error function ${show(ef)}; the error functions are 'multiclass', 'binary', 'none' or a function`);
  }
  const expDir = o.expDir ?? null;
  if (expDir !== null && (typeof expDir !== 'string' || expDir === '')) throw new Error(`${WHO}: expDir must be a directory path, got ${show(expDir)}`);
  return {
    batchSize: integer('batchSize', o.batchSize ?? 256, 1),
    numEpochs: integer('numEpochs', o.numEpochs ?? 300, 0),
    learningRate: learningRates(o.learningRate ?? 0.001),
    weightDecay: number('weightDecay', o.weightDecay ?? 5e-4),
    solver, solverOpts,
    saveSolverState: flag('saveSolverState', o.saveSolverState ?? true),
    train: subset('train', o.train, imdb),
    val: subset('val', o.val, imdb),
    epochSize: integer('epochSize', o.epochSize ?? Infinity, 1, true),
    errorFunction, errorLabels,
    randomSeed: integer('randomSeed', o.randomSeed ?? 0, 0),
    expDir,
    continue: flag('continue', o.continue ?? true),
    conserveMemory: flag('conserveMemory', o.conserveMemory ?? true),
    backPropDepth: o.backPropDepth === undefined ? Infinity : integer('backPropDepth', o.backPropDepth, 1, true),
    plotStatistics: flag('plotStatistics', o.plotStatistics ?? true),
    onBatch: callback<Params['onBatch']>('onBatch', o.onBatch) ?? ((info: BatchInfo): void => log(info.line)),
    onEpoch: callback<TrainOptions['onEpoch']>('onEpoch', o.onEpoch),
    log,
  };
}

// ---------------------------------------------------------------------------------------------
// The loop

const now = (): number => (globalThis.performance?.now() ?? Date.now()) / 1000;

/** Let the event loop run (timers, I/O, rendering) between batches: a macrotask, without setTimeout's 4 ms clamp. */
function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => unknown; MessageChannel?: typeof MessageChannel };
  return new Promise((resolve) => {
    if (typeof g.setImmediate === 'function') g.setImmediate(resolve);
    else if (typeof g.MessageChannel === 'function') {
      const ch = new g.MessageChannel();
      ch.port1.onmessage = (): void => { ch.port1.close(); resolve(); };
      ch.port2.postMessage(0);
    } else setTimeout(resolve, 0);
  });
}

/** A copy of a layer that owns its weights (custom layers keep their prototype, so their methods). */
function ownLayer(ly: Layer): Layer {
  const copy = Object.assign(Object.create(Object.getPrototypeOf(ly) as object) as Layer, ly);
  if (Array.isArray(ly.weights)) copy.weights = ly.weights.map((w) => (isTensor(w) ? new Tensor(w.data.slice(), w.shape) : w));
  return copy;
}

/** stats from the accumulated sums: objective, then one field per error label, each divided by num. */
export function extractStats(errors: ArrayLike<number>, num: number, errorLabels: readonly string[]): EpochStats {
  const stats: Record<string, number> = { objective: errors[0] / num };
  errorLabels.forEach((name, i) => { stats[name] = errors[i + 1] / num; });
  return stats as unknown as EpochStats;
}

/**
 * accumulateGradients (cnn_train, beta25): for layers from last to first, weights from last to
 * first, with B the size of this batch: bnorm moments (weight 3) w ← (1 − lr3) w + (lr3 / B) g;
 * any other weight with η = learningRate · layer.learningRate[j] and λ = weightDecay ·
 * layer.weightDecay[j], if η > 0 or λ > 0: g' = g / B + λ w, then the solver's step with rate η.
 * g' is formed in place in res[l].dzdw[j].
 */
export function accumulateGradients(net: SimpleNN, res: Res[], state: TrainState,
  params: { learningRate: number; weightDecay: number; solver: Solver; solverOpts: Record<string, number | boolean> }, B: number): void {
  const solverState = state.solverState as SolverState[][];
  // Every layer's sizes, multipliers and solver state are checked before the first update, so a
  // bad one leaves the net (and the state) as it was.
  for (const { l, j, w, g, moments, eta, lambda } of gradientSteps(net, res, solverState, params)) {
    if (moments) {
      updateMoments(w.data, g.data, eta, B);
      continue;
    }
    normaliseGradient(g.data, w.data, B, lambda);
    solverState[l][j] = params.solver.step(w.data, solverState[l][j] ?? 0, g.data, params.solverOpts, eta);
  }
}

/** One update: bnorm moments at rate eta (their layer's learningRate), or a solver step at eta with decay lambda. */
interface GradientStep { l: number; j: number; w: Tensor; g: Tensor; moments: boolean; eta: number; lambda: number }

/**
 * The updates res's derivatives make, last layer first (weights whose rate and decay are both 0
 * are left out), each checked against its derivative and its solver state.
 */
function gradientSteps(net: SimpleNN, res: Res[], solverState: SolverState[][],
  params: { learningRate: number; weightDecay: number; solver: Solver }): GradientStep[] {
  const steps: GradientStep[] = [];
  for (let l = net.layers.length - 1; l >= 0; l--) {
    const dzdw = res[l]?.dzdw;
    if (!Array.isArray(dzdw)) continue;
    const ly = net.layers[l];
    for (let j = dzdw.length - 1; j >= 0; j--) {
      const g = dzdw[j];
      if (!isTensor(g) || g.numel === 0) continue;
      const w = ly.weights?.[j];
      // The sizes, not only the counts: a bnorm layer's 2x3 moments would take the batch's 3x2 ones
      // element by element and keep a size that test mode refuses (MATLAB's update errors here).
      if (!isTensor(w) || dims(w.shape) !== dims(g.shape)) {
        throw new Error(`${WHO}: ${layerLabel(l, ly)}: res[${l}].dzdw[${j}] is ${dims(g.shape)} but weights[${j}] is ` +
          `${isTensor(w) ? dims(w.shape) : tagOf(w)}; a weight is updated by a derivative of its own size` +
          (ly.type === 'bnorm' && j === 2 ? ' (bnorm moments are C x 2: [mu, sigma] per channel)' : ''));
      }
      const mult = (f: 'learningRate' | 'weightDecay'): number => {
        const v = ly[f]?.[j];
        if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${WHO}: ${layerLabel(l, ly)}: ${f}[${j}] must be a finite number, got ${show(v)}`);
        return v;
      };
      if (j === 2 && ly.type === 'bnorm') {
        steps.push({ l, j, w, g, moments: true, eta: mult('learningRate'), lambda: 0 });
        continue;
      }
      const lambda = params.weightDecay * mult('weightDecay');
      const eta = params.learningRate * mult('learningRate');
      if (!(eta > 0 || lambda > 0)) continue;
      params.solver.check?.(solverState[l][j] ?? 0, w.numel);
      steps.push({ l, j, w, g, moments: false, eta, lambda });
    }
  }
  return steps;
}

/** The sum of every element of the loss output (cnn_train's sum(double(res(end).x))). */
function objectiveOf(res: Res[]): number {
  const y = res[res.length - 1].x;
  if (!isTensor(y)) throw new Error(`${WHO}: simplenn kept no output res[L].x`);
  let s = 0;
  for (let i = 0; i < y.data.length; i++) s += y.data[i];
  return s;
}

interface EpochParams extends Params { epoch: number; lr: number; trainOrder: Int32Array; valOrder: Int32Array }

/** processEpoch: one pass over the (shuffled) train or val list; updates net in train mode. */
async function processEpoch(net: SimpleNN, state: TrainState, p: EpochParams, mode: 'train' | 'val',
  imdb: Imdb, getBatch: GetBatch): Promise<void> {
  if (state.solverState === null) state.solverState = perParam(net, (): SolverState => 0);
  const list = mode === 'train' ? p.trainOrder : p.valOrder;
  const B = p.batchSize;
  const numBatches = Math.ceil(list.length / B);
  const loss = net.layers[net.layers.length - 1];
  const errors = new Float64Array(1 + p.errorLabels.length);
  let stats: EpochStats = { num: 0, time: 0 };
  let num = 0;
  let adjustTime = 0;
  let res: Res[] | null = null;
  // simplenn's engine, copying out only what cnnTrain reads: the predictions res[L - 1].x, the
  // objective res[L].x and the weight derivatives (res is passed back, so its arrays are reused).
  const L = net.layers.length;
  const keep: Materialise = { x: (k) => k >= L - 1, dzdx: () => false, dzdw: mode === 'train', aux: false };
  const start = now();
  for (let t = 0; t < list.length; t += B) {
    const b = t / B;
    const batchSize = Math.min(B, list.length - t);
    const batch = Array.from(list.subarray(t, t + batchSize));
    num += batchSize;
    const got = await getBatch(imdb, batch);
    if (!Array.isArray(got) || got.length < 2 || !isTensor(got[0])) {
      throw new Error(`${WHO}: getBatch must return [images, labels] with images a Tensor, got ${tagOf(got)}` +
        (Array.isArray(got) ? ` [${got.map(tagOf).join(', ')}]` : ''));
    }
    const [im, labels] = got;
    if (im.shape[3] !== batchSize) throw new Error(`${WHO}: getBatch returned ${im.shape[3]} images for a batch of ${batchSize}`);
    loss.class = labels;
    res = run(net, im, mode === 'train' ? 1 : null, res, {
      test: mode !== 'train', conserveMemory: p.conserveMemory, backPropDepth: p.backPropDepth, skipForward: false, accumulate: false,
    }, keep);
    errors[0] += objectiveOf(res);
    const e = p.errorFunction(labels, res);
    if (e.length !== p.errorLabels.length) {
      throw new Error(`${WHO}: the error function gave ${e.length} counts for the ${p.errorLabels.length} errorLabels`);
    }
    for (let i = 0; i < e.length; i++) errors[i + 1] += Number(e[i]);
    if (mode === 'train') accumulateGradients(net, res, state, { ...p, learningRate: p.lr }, batchSize);

    const time = now() - start + adjustTime;
    const batchTime = time - stats.time;
    stats = extractStats(errors, num, p.errorLabels);
    stats.num = num;
    stats.time = time;
    const currentSpeed = batchSize / batchTime;
    const averageSpeed = (t + batchSize) / time;
    if (b === 3) {
      // cnn_train: compensate for the first three iterations, which are outliers.
      adjustTime = 4 * batchTime - time;
      stats.time = time + adjustTime;
    }
    const info = { mode, epoch: p.epoch, batch: b + 1, numBatches, batchSize, stats: { ...stats }, averageSpeed, currentSpeed };
    await p.onBatch({ ...info, line: progressLine(info) });
    await yieldToEventLoop();
  }
  state.stats[mode] = stats;
  if (!p.saveSolverState) state.solverState = null;
}

/**
 * `{ net, stats } = await cnnTrain(net, imdb, getBatch, opts?)`: MatConvNet's cnn_train for simplenn
 * (beta25). The net is tidied (a copy: the argument is never modified), the layer before the loss
 * made `precious`, missing learningRate / weightDecay multipliers set to ones, and its table
 * (simplennDisplay with the batch size) sent to `log`. Then for each epoch e = 1..numEpochs: the
 * train and val lists are shuffled from the seed e + randomSeed (package generator: the same order
 * in every runtime and after a restart), the train list cut to epochSize, and both are run in
 * batches of batchSize: `[images, labels] = await getBatch(imdb, batch)` (0-based indices),
 * `net.layers.at(-1).class = labels`, simplenn with dzdy = 1 in mode 'normal' (train) or no dzdy
 * in mode 'test' (val), then in training accumulateGradients (losses are sums over the batch, so
 * the gradient is divided by the batch's size). Statistics are running averages per sample over
 * the epoch (the objective and, for 'multiclass', top1err and top5err; 'binary': binerr) with
 * `num` and `time` (the first three batches re-timed as the fourth, as cnn_train does);
 * `stats.train[e - 1]`, `stats.val[e - 1]` keep each epoch's last. One progress line per batch
 * (progress.ts) goes to `onBatch` (default: to `log`). The loop yields to the event loop between
 * batches.
 *
 * With `expDir` (Node, Deno, Bun): after each epoch `net-epoch-<e>.mat` holds `net` and `state`
 * (the solver state), then `stats` is appended (a file without it is refused when resuming), and
 * `net-train.png` shows the curves; with `continue` (default true) training resumes after the last
 * complete checkpoint, and ends there if it has numEpochs epochs already. A browser has no expDir:
 * save the returned net with saveSimpleNN.
 */
export async function cnnTrain(net: SimpleNN, imdb: Imdb, getBatch: GetBatch, opts?: TrainOptions): Promise<{ net: SimpleNN; stats: TrainStats }> {
  if (typeof imdb !== 'object' || imdb === null || typeof imdb.images !== 'object' || imdb.images === null) {
    throw new Error(`${WHO}: imdb must be { images: { set, ... } }, got ${tagOf(imdb)}`);
  }
  if (typeof getBatch !== 'function') throw new Error(`${WHO}: getBatch must be a function (imdb, batch) => [images, labels], got ${tagOf(getBatch)}`);
  const p = parseOptions(opts, imdb);
  const files: CheckpointFiles | null = p.expDir === null ? null : await checkpointFiles(WHO, p.expDir);

  let tidy = simplennTidy(net);
  tidy = { ...tidy, layers: tidy.layers.map(ownLayer) };
  if (tidy.layers.length === 0) throw new Error(`${WHO}: the net has no layers`);
  if (tidy.layers.length >= 2) tidy.layers[tidy.layers.length - 2].precious = true;
  p.log(simplennDisplay(tidy, { batchSize: p.batchSize }).replace(/\n$/, ''));
  const evaluateMode = p.train.length === 0;
  if (!evaluateMode) {
    for (const ly of tidy.layers) {
      const J = (ly.weights ?? []).length;
      if (ly.learningRate === undefined) ly.learningRate = new Array<number>(J).fill(1);
      if (ly.weightDecay === undefined) ly.weightDecay = new Array<number>(J).fill(1);
    }
  }

  let stats: TrainStats = { train: [], val: [] };
  let state: TrainState = { solverState: null, stats: {} };
  const start = p.continue && files !== null ? await files.findLastCheckpoint() : 0;
  if (start >= 1 && files !== null) {
    p.log(`cnn_train: resuming by loading epoch ${start}`);
    const loaded = await files.loadState(start, tidy);
    tidy = { ...simplennTidy(loaded.net) };
    ({ state, stats } = loaded);
  }

  let learningRate = p.learningRate;
  for (let epoch = start + 1; epoch <= p.numEpochs; epoch++) {
    const [trainOrder, valOrder] = randperms(epoch + p.randomSeed, p.train.length, p.val.length);
    const ep: EpochParams = {
      ...p, epoch, lr: learningRate[Math.min(epoch, learningRate.length) - 1],
      trainOrder: p.train.map((_, i) => p.train[trainOrder[i]]).subarray(0, Math.min(p.epochSize, p.train.length)),
      valOrder: p.val.map((_, i) => p.val[valOrder[i]]),
    };
    state.stats = {};
    await processEpoch(tidy, state, ep, 'train', imdb, getBatch);
    await processEpoch(tidy, state, ep, 'val', imdb, getBatch);
    if (!evaluateMode && files !== null) await files.saveState(epoch, tidy, state);
    stats = { train: [...stats.train], val: [...stats.val] };
    stats.train[epoch - 1] = state.stats.train as EpochStats;
    stats.val[epoch - 1] = state.stats.val as EpochStats;
    if (!evaluateMode && files !== null) await files.saveStats(epoch, stats);
    if (p.plotStatistics && files !== null) await files.saveCurves(stats);
    const line = epochSummary(epoch, state.stats.train, state.stats.val);
    if (p.onEpoch) {
      const lr = await p.onEpoch({ epoch, net: tidy, stats, state, line });
      if (lr !== undefined && lr !== null) {
        learningRate = learningRates(lr);
        if (learningRate.every((v) => v === 0)) break;
      }
    }
  }
  return { net: tidy, stats };
}
