// The practical's character CNN (NETWORKS.md §4.3.3) as initializeCharacterCNN() builds it, for the
// benches: f = 1/100, f * randn filters (seeded), zero biases, ending in `last`.
import { randn, Tensor, zeros, type Layer, type SimpleNN } from '../src/index.js';
import { cnnTrain } from '../src/net/train.js';

export function charCNN(last: 'softmaxloss' | 'softmax' = 'softmaxloss'): SimpleNN {
  const conv = (shape: number[], seed: number): Layer => ({ type: 'conv',
    weights: [new Tensor(randn(shape, { seed }).data.map((v) => v / 100), shape), zeros([1, shape[3]])], stride: 1, pad: 0 });
  const pool = (): Layer => ({ type: 'pool', method: 'max', pool: [2, 2], stride: 2, pad: 0 });
  return { layers: [conv([5, 5, 1, 20], 1), pool(), conv([5, 5, 20, 50], 2), pool(), conv([4, 4, 50, 500], 3),
    { type: 'relu' }, conv([2, 2, 500, 26], 4), { type: last }] };
}

/** The practical's batch size (cnn_train's batchSize for the character CNN). */
export const BATCH = 100;

/** The data sets, made once per process and size, as a training script loads its imdb once for all epochs. */
const sets = new Map<number, { images: Tensor; labels: number[] }>();

/** Make the data set of an epoch of `batches` batches now, so that no timed epoch makes it. */
export function prepareEpoch(batches: number): void {
  dataSet(BATCH * batches);
}

function dataSet(n: number): { images: Tensor; labels: number[] } {
  let set = sets.get(n);
  if (!set) {
    set = { images: randn([32, 32, 1, n], { seed: 5 }), labels: Array.from({ length: n }, (_, i) => (i * 7 % 26) + 1) };
    sets.set(n, set);
  }
  return set;
}

/**
 * Seconds of one cnnTrain epoch of `batches` batches of BATCH seeded 32x32 images (cnnTrain's own
 * shuffle, no validation); getBatch copies each batch's images out of the set, as a data set's does.
 * The set is made on the first call only: making it inside each epoch left the collector's
 * background threads working through the timed batches, where a 2-thread run has no core to spare.
 */
export async function charEpoch(batches: number, onBatch?: () => void): Promise<number> {
  const { images, labels } = dataSet(BATCH * batches);
  const getBatch = (_: unknown, batch: number[]): [Tensor, number[]] => {
    const x = new Float32Array(32 * 32 * batch.length);
    // cnnTrain's indices are 0-based.
    batch.forEach((b, j) => x.set(images.data.subarray(32 * 32 * b, 32 * 32 * (b + 1)), 32 * 32 * j));
    return [new Tensor(x, [32, 32, 1, batch.length]), batch.map((b) => labels[b])];
  };
  const t0 = performance.now();
  await cnnTrain(charCNN(), { images: { set: new Array<number>(BATCH * batches).fill(1) } }, getBatch, {
    batchSize: BATCH, numEpochs: 1, val: [], log: () => {}, onBatch,
  });
  return (performance.now() - t0) / 1000;
}
