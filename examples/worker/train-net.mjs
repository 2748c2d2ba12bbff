// Trains the worker's network and writes examples/worker/net.mat:
//   npm run build && node examples/worker/train-net.mjs
// Inside this repository `nnblocks` resolves to the repository (package
// self-reference), so this runs the freshly built dist/.
//
// The data: shapes.mjs's 24x24 grey pictures of a disc, a square, a ring and a
// cross (2400 to train from seed 1, 400 to validate from seed 2). The net: a
// small CNN, conv 5x5x16 -> relu -> pool 2 -> conv 3x3x32 -> relu -> pool 2 ->
// conv 4x4 to the 4 classes, trained with cnnTrain (SGD with momentum, batches
// of 50, the shuffle seeded) on the pictures minus their mean. Then the loss is
// replaced by a softmax, the mean goes into meta.normalization.averageImage and
// the input size into meta.normalization.imageSize, as MatConvNet's zoo files
// hold them, the class names into meta.classes, and saveSimpleNN writes it.
//
// Deterministic: the weights start from seeded randn, the pictures from seeded
// generators and the shuffle from cnnTrain's randomSeed; saveSimpleNN writes
// the creation time into the MAT header's text, so this script writes a fixed
// text there instead. It refuses to write a net whose validation error is above 2%.
// It also writes samples/<class>.png, one held-out picture per class (seed 3), 96x96, to post.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { init, Tensor, randn, zeros, cnnTrain, saveSimpleNN, loadSimpleNN, simplenn, toPNG } from 'nnblocks';
import { SIZE, CLASSES, DESCRIPTIONS, makeShapes } from './shapes.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const NTRAIN = 2400, NVAL = 400, EPOCHS = 8;
const P = SIZE * SIZE;

await init();
const t0 = performance.now();
const train = makeShapes(NTRAIN, 1), val = makeShapes(NVAL, 2);
let mean = 0;
for (const v of train.data) mean += v;
mean = Math.fround(mean / train.data.length);

// One array of all pictures, mean subtracted; set 1 = train, 2 = val (MatConvNet's imdb).
const N = NTRAIN + NVAL;
const data = new Float32Array(P * N);
data.set(train.data.map((v) => v - mean), 0);
data.set(val.data.map((v) => v - mean), P * NTRAIN);
const imdb = {
  images: {
    label: [...train.labels, ...val.labels],
    set: Array.from({ length: N }, (_, n) => (n < NTRAIN ? 1 : 2)),
  },
};
const getBatch = (db, batch) => {
  const x = new Float32Array(P * batch.length);
  batch.forEach((n, k) => x.set(data.subarray(P * n, P * (n + 1)), P * k));
  return [new Tensor(x, [SIZE, SIZE, 1, batch.length]), batch.map((n) => db.images.label[n])];
};

/** He initialisation: randn * sqrt(2 / fan-in), from a fixed seed per layer. */
const conv = (name, shape, seed) => {
  const w = randn(shape, { seed });
  const s = Math.sqrt(2 / (shape[0] * shape[1] * shape[2]));
  return { type: 'conv', name, weights: [new Tensor(w.data.map((v) => v * s), shape), zeros([1, shape[3]])], stride: 1, pad: 0 };
};
const layers = [
  conv('conv1', [5, 5, 1, 16], 11), { type: 'relu', name: 'relu1' }, { type: 'pool', name: 'pool1', method: 'max', pool: 2, stride: 2 },
  conv('conv2', [3, 3, 16, 32], 12), { type: 'relu', name: 'relu2' }, { type: 'pool', name: 'pool2', method: 'max', pool: 2, stride: 2 },
  conv('conv3', [4, 4, 32, CLASSES.length], 13), { type: 'softmaxloss', name: 'loss' },
];

const last = { train: '', val: '' };
const { net, stats } = await cnnTrain({ layers }, imdb, getBatch, {
  batchSize: 50, numEpochs: EPOCHS, learningRate: 0.01, weightDecay: 5e-4, momentum: 0.9, randomSeed: 0,
  log: (line) => { const m = /^(train|val): epoch/.exec(line); if (m) last[m[1]] = line; },
  onEpoch: () => { console.log(last.train); console.log(last.val); },
});
const valErr = stats.val[EPOCHS - 1].top1err;
const seconds = (performance.now() - t0) / 1000;

// Deploy: the softmax instead of the loss (scores are then probabilities), and the metadata.
net.layers[net.layers.length - 1] = { type: 'softmax', name: 'prob' };
net.meta = {
  normalization: { imageSize: [SIZE, SIZE, 1], averageImage: mean },
  classes: { name: CLASSES, description: DESCRIPTIONS },
  training: `examples/worker/train-net.mjs: cnnTrain on ${NTRAIN} pictures of shapes.mjs (seed 1), ${EPOCHS} epochs, ` +
    `batch 50, lr 0.01; validation top-1 error ${valErr.toFixed(4)} on ${NVAL} (seed 2)`,
};
if (!(valErr <= 0.02)) throw new Error(`train-net: the validation error is ${valErr}, above 0.02; net.mat not written`);

const bytes = saveSimpleNN(net);
// The 116-byte header text (then 8 bytes of subsystem offset, version, endianness) padded with spaces.
const text = 'MATLAB 5.0 MAT-file, Platform: nnblocks, Created by examples/worker/train-net.mjs';
bytes.fill(0x20, 0, 116);
bytes.set(new TextEncoder().encode(text), 0);

// Read it back before writing: it must classify the validation pictures as the trained net did.
const back = await loadSimpleNN(bytes);
const x = getBatch(imdb, Array.from({ length: NVAL }, (_, k) => NTRAIN + k))[0];
const scores = simplenn(back, x, null, null, { mode: 'test' }).at(-1).x;
let wrong = 0;
for (let n = 0; n < NVAL; n++) {
  const s = scores.data.subarray(CLASSES.length * n, CLASSES.length * (n + 1));
  if (s.indexOf(Math.max(...s)) + 1 !== val.labels[n]) wrong++;
}
if (wrong / NVAL > 0.02) throw new Error(`train-net: the saved net misclassifies ${wrong} of ${NVAL} validation pictures`);
writeFileSync(join(here, 'net.mat'), bytes);
console.log(`wrote ${join(here, 'net.mat')}: ${bytes.length} bytes; ${back.layers.map((l) => l.type).join(' ')}; ` +
  `validation error ${wrong}/${NVAL}; ${seconds.toFixed(1)} s of training`);

// One held-out picture per class (seed 3), enlarged 4x, to post: curl --data-binary @examples/worker/samples/ring.png ...
const show = makeShapes(CLASSES.length, 3);
mkdirSync(join(here, 'samples'), { recursive: true });
CLASSES.forEach((c, k) => {
  const S = 4 * SIZE, big = new Float32Array(S * S);
  for (let j = 0; j < S; j++) for (let i = 0; i < S; i++) big[i + S * j] = show.data[P * k + Math.floor(i / 4) + SIZE * Math.floor(j / 4)];
  writeFileSync(join(here, 'samples', `${c}.png`), toPNG(new Tensor(big, [S, S])));
});
console.log(`wrote ${join(here, 'samples')}/: ${CLASSES.map((c) => `${c}.png`).join(', ')}`);
