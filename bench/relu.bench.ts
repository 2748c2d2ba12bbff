// nnrelu forward and backward on the practical's conv output size, 380x508x10.
import { bench, tf } from './harness.js';
import { nnrelu, randn } from '../src/index.js';

// tfjs' relu gradient: dy * step(x), the kernels its autodiff uses.
const reluGrad = (dy: tf.Tensor, xx: tf.Tensor) => tf.mul(dy, tf.step(xx));

await bench('nnrelu (380x508x10, float32)', () => {
  const shape = [380, 508, 10];
  const x = randn(shape, { seed: 1 });
  const p = randn(shape, { seed: 2 });
  // tfjs stores HWC; the element order does not matter to an element-wise op.
  const tx = tf.tensor(x.data, shape);
  const tp = tf.tensor(p.data, shape);
  return [
    { name: 'relu forward', ours: () => nnrelu(x), peer: () => tf.relu(tx).dataSync(), goal: 1 },
    { name: 'relu backward', ours: () => nnrelu(x, p), peer: () => reluGrad(tp, tx).dataSync(), goal: 1 },
    { name: 'leaky relu forward (0.1)', ours: () => nnrelu(x, { leak: 0.1 }), peer: () => tf.leakyRelu(tx, 0.1).dataSync() },
  ];
});
