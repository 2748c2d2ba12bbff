// nnsoftmax forward (and backward) on a classifier's scores (1x1x1000, 64 images) and a
// per-pixel map (32x32x21, as a segmentation net's last layer).
import { bench, kernelCase, resident, tf, warm } from './harness.js';
import { nnsoftmax, nnsoftmaxloss, randn, Tensor } from '../src/index.js';
import { planSoftmax, softmaxForward } from '../src/blocks/softmax.js';

// tfjs' softmax gradient (tfjs-core Softmax_grad): y * (dy - sum(dy * y, last axis)).
const softmaxGrad = (dy: tf.Tensor, y: tf.Tensor) =>
  tf.mul(y, tf.sub(dy, tf.sum(tf.mul(dy, y), -1, true)));

await bench('nnsoftmax (float32)', () => {
  const cases = [];
  for (const [name, shape, tshape] of [
    ['1x1x1000 x 64 images', [1, 1, 1000, 64], [64, 1000]],
    ['32x32x21 per pixel', [32, 32, 21, 1], [32 * 32, 21]],
  ] as const) {
    const x = randn(shape as unknown as number[], { seed: 1 });
    const p = randn(shape as unknown as number[], { seed: 2 });
    // tfjs takes the channels last (contiguous); the values are the same draws.
    const tx = tf.tensor(x.data, tshape as unknown as number[]);
    const tp = tf.tensor(p.data, tshape as unknown as number[]);
    const ty = tf.softmax(tx);
    const yData = ty.dataSync();
    const ts = tshape as unknown as number[];
    const plan = planSoftmax(x.shape, null);
    // Copies on both sides (see sigmoid.bench.ts): the rows with goals time tfjs from the
    // same Float32Arrays (tf.tensor copies them into its heap); "resident" rows keep them there.
    cases.push(
      { name: `softmax forward ${name}`, ours: () => nnsoftmax(x), peer: () => tf.softmax(tf.tensor(x.data, ts)).dataSync(), goal: 0.7 },
      { name: `softmax backward ${name}`, ours: () => nnsoftmax(x, p),
        peer: () => softmaxGrad(tf.tensor(p.data, ts), tf.tensor(yData, ts)).dataSync() },
      { name: `softmax forward ${name} (tfjs input resident)`, ours: () => nnsoftmax(x), peer: () => tf.softmax(tx).dataSync() },
      { name: `softmax backward ${name} (tfjs inputs resident)`, ours: () => nnsoftmax(x, p), peer: () => softmaxGrad(tp, ty).dataSync() },
      // The kernels alone: inputs resident on both sides, the result left in WebAssembly memory.
      kernelCase(`kernel only: softmax forward ${name}`,
        resident([x.data], 1, () => 0, ([px, py]) => softmaxForward(plan, px, py)), () => tf.softmax(tx)),
    );
  }
  // The character CNN's last layer: softmaxloss on 1x1x26 x 100 (JavaScript in float64).
  // tfjs: softmaxCrossEntropy summed (forward), softmax - onehot (its gradient).
  const x = randn([1, 1, 26, 100], { seed: 3 });
  const labels = Array.from({ length: 100 }, (_, i) => 1 + ((i * 7) % 26));
  const tl = tf.tensor(x.data, [100, 26]);
  const toh = tf.oneHot(tf.tensor1d(labels.map((c) => c - 1), 'int32'), 26);
  const one = new Tensor(Float32Array.of(1), [1, 1]);
  cases.push(
    { name: 'softmaxloss forward 1x1x26 x 100', ours: () => nnsoftmaxloss(x, labels),
      peer: () => tf.losses.softmaxCrossEntropy(toh, tl, undefined, 0, tf.Reduction.SUM).dataSync() },
    { name: 'softmaxloss backward 1x1x26 x 100', ours: () => nnsoftmaxloss(x, labels, one),
      peer: () => tf.sub(tf.softmax(tl), toh).dataSync() },
  );
  warm(cases);
  return cases;
});
