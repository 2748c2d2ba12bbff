// Part 4 of the VGG CNN practical (a character CNN trained with cnn_train on charsdb, then run
// over a sentence): exercise4.m's initializeCharacterCNN, getBatch, getBatchWithJitter and
// decodeCharacters as NETWORKS.md §4.3.3–4.3.6 give them, with the MATLAB quoted.
// Runtime-neutral: charsdb comes in as readMat's values or as assembleCharsDb's object; the
// command (src/cli.ts + part4-run.ts) reads files and writes figures.

import { Tensor } from '../tensor.js';
import { integerStream, normalRandom } from '../random.js';
import { simplennTidy } from '../net/tidy.js';
import type { Layer, Res, SimpleNN } from '../net/types.js';
import { cnnTrain, type Imdb } from '../net/train.js';
import type { TrainStats } from '../net/curves.js';
import { simplenn } from '../net/simplenn.js';
import { netToMat } from '../net/files.js';
import { writeMat } from '../io/mat/writer.js';
import { show, tagOf } from '../options.js';
import { CHARSDB_CLASSES, GLYPH_SIZE, type CharsDb } from './part4-glyphs.js';
import { checkOptions } from '../options.js';

/** Geometry of the character CNN: 32x32x1 -> 1x1x26. */
const SHAPES: readonly (readonly [number, number, number, number])[] = [[5, 5, 1, 20], [5, 5, 20, 50], [4, 4, 50, 500], [2, 2, 500, 26]];

export interface InitCharacterCNNOptions {
  /** Seed of a fresh generator for the four filter banks; without it they continue the shared randn stream (MATLAB's global stream). */
  seed?: number;
}

/**
 * initializeCharacterCNN(): f = 1/100;
 *   conv 5x5x1x20 (f*randn, zero biases) - pool max 2x2 stride 2 - conv 5x5x20x50 - pool max 2x2
 *   stride 2 - conv 4x4x50x500 - relu - conv 2x2x500x26 - softmaxloss, then vl_simplenn_tidy.
 * The filters are drawn in the order conv1, conv3, conv5, conv7 from one stream, as float32.
 */
export function initializeCharacterCNN(opts: InitCharacterCNNOptions = {}): SimpleNN {
  checkOptions('initializeCharacterCNN', opts, ['seed']);
  if (typeof opts !== 'object' || opts === null) throw new Error(`initializeCharacterCNN: opts must be an object, got ${tagOf(opts)}`);
  for (const k of Object.keys(opts)) if (k !== 'seed') throw new Error(`initializeCharacterCNN: unknown option '${k}'`);
  const f = 1 / 100;
  const sizes = SHAPES.map((s) => s[0] * s[1] * s[2] * s[3]);
  const all = new Float32Array(sizes.reduce((a, b) => a + b, 0));
  normalRandom(all, opts.seed); // one stream: conv1's draws, then conv3's, conv5's, conv7's
  let at = 0;
  const conv = (k: number): Layer => {
    const w = all.subarray(at, at + sizes[k]).map((v) => Math.fround(f * v));
    at += sizes[k];
    const s = SHAPES[k];
    return { type: 'conv', weights: [new Tensor(w, [s[0], s[1], s[2], s[3]]), new Tensor(new Float32Array(s[3]), [1, s[3]])], stride: 1, pad: 0 };
  };
  const pool = (): Layer => ({ type: 'pool', method: 'max', pool: [2, 2], stride: 2, pad: 0 });
  return simplennTidy({
    layers: [conv(0), pool(), conv(1), pool(), conv(2), { type: 'relu' }, conv(3), { type: 'softmaxloss' }],
  });
}

/** charsdb as training reads it: images.data with the global mean subtracted, and that mean. */
export interface CharsImdb extends Imdb {
  images: { id: ArrayLike<number>; data: Float32Array; label: ArrayLike<number>; set: ArrayLike<number> };
  meta: { classes: string; sets: string[]; fonts: string[] };
  /** mean(imdb.images.data(:)) before the subtraction (single). */
  imageMean: number;
}

function numericData(who: string, v: unknown, what: string): { dims: number[]; data: ArrayLike<number> } {
  if (v instanceof Float32Array || v instanceof Float64Array) return { dims: [1, v.length], data: v };
  if (typeof v === 'object' && v !== null && 'data' in v && 'dims' in v) {
    const m = v as { dims: number[]; data: unknown };
    if (ArrayBuffer.isView(m.data) && !(m.data instanceof DataView) && Array.isArray(m.dims)) return { dims: m.dims, data: m.data as unknown as ArrayLike<number> };
  }
  throw new Error(`${who}: ${what} must be a numeric array, got ${tagOf(v)}`);
}

function cellStrings(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  if (typeof v === 'object' && v !== null && (v as { class?: string }).class === 'cell') return (v as { data: unknown[] }).data.map(String);
  return [];
}

/**
 * exercise4.m step 4 on charsdb (readMat's `{ images, meta }` of charsdb.mat, or assembleCharsDb's
 * object): `imageMean = mean(imdb.images.data(:))` over all images, train and val;
 * `imdb.images.data = imdb.images.data - imageMean`. The input is not modified.
 */
export function prepareCharsDb(db: CharsDb | Record<string, unknown>): CharsImdb {
  const who = 'prepareCharsDb';
  const images = (db as { images?: Record<string, unknown> }).images;
  if (typeof images !== 'object' || images === null) throw new Error(`${who}: db must have images (charsdb.mat's variables), got ${tagOf(db)}`);
  const P = GLYPH_SIZE * GLYPH_SIZE;
  // assembleCharsDb's data is a bare Float32Array of 32 x 32 x N; readMat's carries its dims.
  const data = images.data instanceof Float32Array
    ? { dims: [GLYPH_SIZE, GLYPH_SIZE, images.data.length / P], data: images.data }
    : numericData(who, images.data, 'images.data');
  if (!(data.data instanceof Float32Array)) throw new Error(`${who}: images.data must be single (Float32Array), got ${tagOf(data.data)}`);
  if (data.data.length % P !== 0) throw new Error(`${who}: images.data has ${data.data.length} values, not a multiple of ${P}`);
  if (data.dims[0] !== GLYPH_SIZE || data.dims[1] !== GLYPH_SIZE) throw new Error(`${who}: images.data is ${data.dims.join('x')}; charsdb's glyphs are ${GLYPH_SIZE}x${GLYPH_SIZE}xN`);
  const N = data.data.length / P;
  const label = numericData(who, images.label, 'images.label').data;
  const set = numericData(who, images.set, 'images.set').data;
  const id = images.id === undefined ? Float64Array.from({ length: N }, (_, i) => i + 1) : numericData(who, images.id, 'images.id').data;
  if (label.length !== N || set.length !== N) throw new Error(`${who}: images.data has ${N} images but label has ${label.length} and set ${set.length}`);
  let sum = 0;
  for (let i = 0; i < data.data.length; i++) sum += data.data[i];
  const imageMean = Math.fround(sum / Math.max(1, data.data.length));
  const centred = new Float32Array(data.data.length);
  for (let i = 0; i < centred.length; i++) centred[i] = data.data[i] - imageMean;
  const meta = (db as { meta?: Record<string, unknown> }).meta ?? {};
  return {
    images: { id, data: centred, label, set },
    meta: { classes: typeof meta.classes === 'string' ? meta.classes : CHARSDB_CLASSES, sets: cellStrings(meta.sets), fonts: cellStrings(meta.fonts) },
    imageMean,
  };
}

function batchArgs(who: string, imdb: CharsImdb, batch: readonly number[]): number {
  if (typeof imdb !== 'object' || imdb === null || !(imdb.images?.data instanceof Float32Array)) throw new Error(`${who}: imdb must come from prepareCharsDb, got ${tagOf(imdb)}`);
  const N = imdb.images.data.length / (GLYPH_SIZE * GLYPH_SIZE);
  for (const b of batch) if (!Number.isInteger(b) || b < 0 || b >= N) throw new Error(`${who}: batch index ${show(b)} is not an image of imdb (0..${N - 1})`);
  return N;
}

/**
 * getBatch(imdb, batch): `im = 256 * reshape(imdb.images.data(:,:,batch), 32, 32, 1, [])`;
 * `labels = imdb.images.label(1, batch)`. `batch` holds 0-based image indices.
 */
export function getBatch(imdb: CharsImdb, batch: readonly number[]): [Tensor, number[]] {
  batchArgs('getBatch', imdb, batch);
  const P = GLYPH_SIZE * GLYPH_SIZE, d = imdb.images.data;
  const im = new Float32Array(P * batch.length);
  for (let k = 0; k < batch.length; k++) {
    const src = batch[k] * P;
    for (let p = 0; p < P; p++) im[k * P + p] = 256 * d[src + p];
  }
  return [new Tensor(im, [GLYPH_SIZE, GLYPH_SIZE, 1, batch.length]), batch.map((b) => Number(imdb.images.label[b]))];
}

/** `randperm(n, k)`: k distinct integers of 0..n-1 (0-based), the first k of a front-to-back Fisher-Yates shuffle. */
export function randpermK(n: number, k: number, randi: (m: number) => number): number[] {
  if (!Number.isInteger(n) || !Number.isInteger(k) || k < 0 || k > n) throw new Error(`randperm: needs 0 <= k <= n integers, got n = ${show(n)}, k = ${show(k)}`);
  const moved = new Map<number, number>();
  const out: number[] = [];
  for (let i = 0; i < k; i++) {
    const j = i + randi(n - i);
    const vj = moved.get(j) ?? j;
    moved.set(j, moved.get(i) ?? i);
    out.push(vj);
  }
  return out;
}

/**
 * getBatchWithJitter(imdb, batch) (NETWORKS.md §4.3.4, with its decisions):
 *   im = data(:,:,batch); labels = label(1,batch); n = numel(batch); train = find(set == 1);
 *   sel = randperm(numel(train), n); im1 = data(:,:,sel);   — indices into the whole array, not into
 *   sel = randperm(numel(train), n); im2 = data(:,:,sel);     `train` (so the context letters are the
 *                                                             first numel(train) images: a-q or so)
 *   ctx = [im1 im2]; ctx(:, 17:48, :) = min(ctx(:, 17:48, :), im);   — the target between two letters
 *   dx = randi(11) - 6; dy = randi(5) - 2;                           — one shift per batch: -5..5, -1..3
 *   im = ctx(min(max((1:32) + dy, 1), 32), (17:48) + dx, :);         — rows clamped, columns 11..52 (0-based)
 *   im = 256 * reshape(im, 32, 32, 1, []);
 * `randi(m)` gives 0..m-1 (default: the shared stream; pass integerStream(seed) for a seeded one);
 * it is drawn from in MATLAB's order: randperm, randperm, randi(11), randi(5).
 */
export function getBatchWithJitter(imdb: CharsImdb, batch: readonly number[], randi: (m: number) => number = integerStream(undefined, 'getBatchWithJitter')): [Tensor, number[]] {
  batchArgs('getBatchWithJitter', imdb, batch);
  const S = GLYPH_SIZE, P = S * S, d = imdb.images.data, n = batch.length;
  let T = 0;
  for (let i = 0; i < imdb.images.set.length; i++) if (imdb.images.set[i] === 1) T++;
  if (T < n) throw new Error(`getBatchWithJitter: randperm(numel(train) = ${T}, n = ${n}) needs at least n training images`);
  const sel1 = randpermK(T, n, randi);
  const sel2 = randpermK(T, n, randi);
  const dx = randi(11) - 5; // randi(11) - 6 with randi in 1..11
  const dy = randi(5) - 1; // randi(5) - 2
  const out = new Float32Array(P * n);
  const ctx = new Float32Array(S * 2 * S);
  for (let k = 0; k < n; k++) {
    // ctx(:, 0..31) = im1, ctx(:, 32..63) = im2, column-major 32 x 64
    ctx.set(d.subarray(sel1[k] * P, sel1[k] * P + P), 0);
    ctx.set(d.subarray(sel2[k] * P, sel2[k] * P + P), P);
    const im = batch[k] * P;
    for (let c = 0; c < S; c++) for (let r = 0; r < S; r++) {
      const q = r + S * (16 + c);
      ctx[q] = Math.min(ctx[q], d[im + r + S * c]);
    }
    for (let c = 0; c < S; c++) for (let r = 0; r < S; r++) {
      const rr = Math.min(S - 1, Math.max(0, r + dy));
      out[k * P + r + S * c] = 256 * ctx[rr + S * (16 + c + dx)];
    }
  }
  return [new Tensor(out, [S, S, 1, n]), batch.map((b) => Number(imdb.images.label[b]))];
}

/** What decodeCharacters finds in the scores res[L].x (1 x W' x 26). */
export interface DecodedCharacters {
  /** classes(pred): one character per output column. */
  text: string;
  /** 1-based class of each column (the first maximum). */
  pred: number[];
  /** The maximum score of each column. */
  score: number[];
  /** The line decodeCharacters prints. */
  line: string;
}

/**
 * decodeCharacters' decoding: for each output column i, `[score(i), pred(i)] = max(res(end).x(1,i,:))`
 * (raw scores, no softmax; the first maximum wins, NaN ignored as max does) and `classes(pred)`; prints
 * `decodeCharacters: decode chars: <string>`. `scores` is res[L].x of the net without its loss
 * (or the Res array), 1 x W' x C.
 */
export function decodeCharacters(scores: Tensor | Res[], classes: string = CHARSDB_CLASSES): DecodedCharacters {
  const who = 'decodeCharacters';
  const x = Array.isArray(scores) ? scores[scores.length - 1]?.x : scores;
  if (!(x instanceof Tensor)) throw new Error(`${who}: scores must be a Tensor (res[L].x) or the res array, got ${tagOf(scores)}`);
  const [H, W, C, N] = x.shape;
  if (H !== 1 || N !== 1) throw new Error(`${who}: scores are ${x.shape.join('x')}; expected 1 x W x C (one image, one row)`);
  if (C !== classes.length) throw new Error(`${who}: scores have ${C} channels but classes has ${classes.length} characters`);
  const pred: number[] = [], score: number[] = [];
  for (let i = 0; i < W; i++) {
    let best = 0, bv = x.data[i];
    for (let c = 1; c < C; c++) {
      const v = x.data[i + W * c];
      if (v > bv || (Number.isNaN(bv) && !Number.isNaN(v))) { bv = v; best = c; } // max ignores NaN
    }
    pred.push(best + 1);
    score.push(bv);
  }
  const text = pred.map((p) => classes[p - 1]).join('');
  return { text, pred, score, line: `decodeCharacters: decode chars: ${text}` };
}

export interface TrainCharacterCNNOptions {
  /** getBatchWithJitter instead of getBatch (exercise4 Part 4.6); the validation pass uses it too, as the script does. */
  jitter?: boolean;
  /** trainOpts.numEpochs (15). */
  numEpochs?: number;
  /** trainOpts.expDir: checkpoints and net-train.png (Node, Deno, Bun); none by default. */
  expDir?: string;
  /** trainOpts.continue (true): resume from expDir's last checkpoint. */
  continue?: boolean;
  /** Seed of initializeCharacterCNN's filters (default: the shared stream). */
  seed?: number;
  /** Seed of getBatchWithJitter's integer stream (default: the shared stream). */
  jitterSeed?: number;
  /** Train on the first epochSize images of each epoch's shuffle (Infinity), for short runs. */
  epochSize?: number;
  /** Every line cnn_train prints, and one per epoch with the validation errors and the speed. */
  log?: (line: string) => void;
  /** Each batch's progress line (default: none; the command draws them in place). */
  onBatch?: (line: string) => void;
}

export interface EpochReport {
  epoch: number;
  top1err: number;
  top5err: number;
  objective: number;
  trainTop1err: number;
  /** Wall seconds of the epoch (train + val) and training images per second. */
  seconds: number;
  imagesPerSecond: number;
}

/**
 * exercise4.m steps 2–6 (or 4.6 with `jitter`): `net = initializeCharacterCNN()`, cnn_train with
 * trainOpts (batchSize 100, numEpochs 15, learningRate 0.001, continue true, expDir), then
 * `net.layers(end) = []` and `net.imageMean = imageMean`. Returns that net (meta.classes set to
 * the imdb's), cnnTrain's statistics and one report per epoch run here.
 */
export async function trainCharacterCNN(imdb: CharsImdb, opts: TrainCharacterCNNOptions = {}):
  Promise<{ net: SimpleNN & { imageMean: number }; stats: TrainStats; epochs: EpochReport[] }> {
  checkOptions('trainCharacterCNN', opts, ['jitter', 'numEpochs', 'expDir', 'continue', 'seed', 'jitterSeed', 'epochSize', 'log', 'onBatch']);
  const log = opts.log ?? (() => {});
  const net0 = initializeCharacterCNN(opts.seed === undefined ? {} : { seed: opts.seed });
  const randi = integerStream(opts.jitterSeed, 'getBatchWithJitter');
  const gb = opts.jitter
    ? (db: Imdb, batch: number[]) => getBatchWithJitter(db as CharsImdb, batch, randi)
    : (db: Imdb, batch: number[]) => getBatch(db as CharsImdb, batch);
  const epochs: EpochReport[] = [];
  let t = Date.now();
  const { net, stats } = await cnnTrain(net0, imdb, gb, {
    batchSize: 100, numEpochs: opts.numEpochs ?? 15, learningRate: 0.001, continue: opts.continue ?? true,
    ...(opts.expDir === undefined ? {} : { expDir: opts.expDir }),
    ...(opts.epochSize === undefined ? {} : { epochSize: opts.epochSize }),
    log,
    onBatch: (info) => { opts.onBatch?.(info.line); },
    onEpoch: (info) => {
      const now = Date.now();
      const tr = info.stats.train[info.epoch - 1], va = info.stats.val[info.epoch - 1];
      const r: EpochReport = {
        epoch: info.epoch, top1err: va.top1err ?? NaN, top5err: va.top5err ?? NaN, objective: va.objective ?? NaN, trainTop1err: tr.top1err ?? NaN,
        seconds: (now - t) / 1000, imagesPerSecond: tr.num / tr.time,
      };
      t = now;
      epochs.push(r);
      log(`epoch ${String(r.epoch).padStart(2)}: val top1err ${r.top1err.toFixed(4)} top5err ${r.top5err.toFixed(4)} ` +
        `(train top1err ${r.trainTop1err.toFixed(4)}); ${r.seconds.toFixed(1)} s, ${r.imagesPerSecond.toFixed(1)} train images/s`);
    },
  });
  // net.layers(end) = []; net.imageMean = imageMean;
  const out = { ...net, layers: net.layers.slice(0, -1), meta: { ...(net.meta ?? {}), classes: { name: Array.from(imdb.meta.classes) } }, imageMean: imdb.imageMean };
  return { net: out, stats, epochs };
}

/**
 * exercise4.m step 8 on the sentence image (grey [32, W], 0..1): `im = 256 * (im - net.imageMean)`,
 * `res = vl_simplenn(net, im)`; returns the scores res[L].x (1 x W' x 26) and the input as fed.
 */
export function runOnSentence(net: SimpleNN & { imageMean: number }, im: Tensor): { input: Tensor; scores: Tensor } {
  const [H, W, C, N] = im.shape;
  if (C !== 1 || N !== 1 || H !== GLYPH_SIZE) throw new Error(`runOnSentence: im is ${im.shape.join('x')}; expected a grey ${GLYPH_SIZE} x W image`);
  const x = new Float32Array(H * W);
  for (let i = 0; i < x.length; i++) x[i] = 256 * (im.data[i] - net.imageMean);
  const input = new Tensor(x, [H, W]);
  const res = simplenn(net, input);
  const scores = res[res.length - 1].x;
  if (!(scores instanceof Tensor)) throw new Error('runOnSentence: the net gave no output');
  return { input, scores };
}

/**
 * charscnn.mat's bytes: `save(file, '-struct', 'net')` of the trained net without its loss —
 * variables `layers`, `meta` and `imageMean` (single), as exercise4.m step 6 writes them.
 */
export function saveCharsCNN(net: SimpleNN & { imageMean: number }): Uint8Array {
  const { layers, meta } = netToMat('saveCharsCNN', net);
  return writeMat({ layers, meta, imageMean: { class: 'single', dims: [1, 1], data: Float32Array.of(net.imageMean) } });
}
