// nnsigmoid forward and backward on the practical's conv output size, 380x508x10.
import { bench, kernelCase, resident, tf, warm } from './harness.js';
import { nnsigmoid, randn } from '../src/index.js';
import { planSigmoid, sigmoidForward, sigmoidBackward } from '../src/blocks/sigmoid.js';

// tfjs' sigmoid gradient (tfjs-core Sigmoid_grad): dy * (y * (1 - y)) from the saved
// forward output y, three element-wise kernels. nnsigmoid recomputes y from x instead,
// as vl_nnsigmoid does.
const sigmoidGrad = (dy: tf.Tensor, y: tf.Tensor) => tf.mul(dy, tf.mul(y, tf.sub(tf.scalar(1), y)));

await bench('nnsigmoid (380x508x10, float32)', () => {
  const shape = [380, 508, 10];
  const x = randn(shape, { seed: 1 });
  const p = randn(shape, { seed: 2 });
  // tfjs stores HWC; the element order does not matter to an element-wise op.
  const tx = tf.tensor(x.data, shape);
  const tp = tf.tensor(p.data, shape);
  const ty = tf.sigmoid(tx);
  const yData = ty.dataSync();
  const fwd = planSigmoid(x.shape, null), bwd = planSigmoid(x.shape, p.shape);
  // Copies on both sides: nnsigmoid takes Float32Arrays and copies them into WebAssembly
  // memory, so the rows with goals time tfjs from the same Float32Arrays (tf.tensor copies
  // them into its heap) to the result's read-back. Its backward takes what tfjs' gradient
  // consumes: dy and the saved y. The "resident" rows keep tfjs' inputs in its heap.
  const cases = [
    { name: 'sigmoid forward', ours: () => nnsigmoid(x), peer: () => tf.sigmoid(tf.tensor(x.data, shape)).dataSync(), goal: 1 },
    { name: 'sigmoid backward', ours: () => nnsigmoid(x, p),
      peer: () => sigmoidGrad(tf.tensor(p.data, shape), tf.tensor(yData, shape)).dataSync(), goal: 1 },
    { name: 'sigmoid forward (tfjs input resident)', ours: () => nnsigmoid(x), peer: () => tf.sigmoid(tx).dataSync() },
    { name: 'sigmoid backward (tfjs inputs resident)', ours: () => nnsigmoid(x, p), peer: () => sigmoidGrad(tp, ty).dataSync() },
    // Kernels alone: both sides' inputs resident and the result left in WebAssembly memory.
    kernelCase('kernel only: sigmoid forward', resident([x.data], 1, () => 0, ([px, py]) => sigmoidForward(fwd, px, py)),
      () => tf.sigmoid(tx)),
    kernelCase('kernel only: sigmoid backward', resident([x.data, p.data], 1, () => 0,
      ([px, pp, pd]) => sigmoidBackward(bwd, px, pp, pd)), () => sigmoidGrad(tp, ty)),
  ];
  warm(cases);
  return cases;
});
