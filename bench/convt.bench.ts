// nnconvt against tfjs-wasm's conv2dTranspose on the layer (x 32x32x64, w 4x4x32x64,
// upsample 2, crop 1: an FCN-style 2x upsampler) and a segmentation-sized one.
//
// tfjs' conv2dTranspose(x, filter, outputShape, strides, pad) is conv2DBackpropInput: the data
// derivative of the conv whose input has outputShape, so its filter is that conv's, row-major
// [FH, FW, K (the transposed conv's output channels), D (its input channels)] — the same axes
// as our column-major w [FH, FW, K, D] — and its pad is the conv's pad, our crop, given
// explicitly as [[0, 0], [ct, cb], [cl, cr], [0, 0]]; strides are our upsample.
// Backward, for information: dzdx is tfjs' conv2d of dzdy with the same filter, stride and
// pad; tfjs-wasm has no filter-gradient kernel, so its dw is the usual rewrite, a conv2d of
// dzdy transposed to [K, Ho, Wo, N] with x transposed to [H, W, N, D] as the filter,
// dilated by the upsampling, then transposed back.
// Layouts are converted once, outside the timed region; copies into and out of wasm are timed.
import { bench, tf, toNHWC, toRowMajor, relDiff, type Case } from './harness.js';
import { nnconvt, randn } from '../src/index.js';




function layer(name: string, xs: number[], ws: number[], up: number, crop: number, goal?: number): Case[] {
  const x = randn(xs, { seed: 1 });
  const w = randn(ws, { seed: 2 });
  const b = randn([ws[2]], { seed: 3 });
  const opts = { upsample: up, crop };
  const y = nnconvt(x, w, null, opts);
  const p = randn(y.shape, { seed: 4 });
  const [Ho, Wo, K, N] = y.shape;
  const tx = toNHWC(x), tw = toRowMajor(w), tp = toNHWC(p), tb = tf.tensor1d(b.data);
  const tpad = [[0, 0], [crop, crop], [crop, crop], [0, 0]] as never;
  const peerY = () => tf.conv2dTranspose(tx, tw, [N, Ho, Wo, K], up, tpad);
  const peerYb = () => tf.add(peerY(), tb);
  const peerDx = () => tf.conv2d(tp, tw, up, tpad);
  // dw[u, v, k, d] = sum_{n,i,j} p[n, i*up + u - crop, j*up + v - crop, k] * x[n, i, j, d]: batch K, channels N.
  const peerDw = () => tf.transpose(tf.conv2d(tf.transpose(tp, [3, 1, 2, 0]) as tf.Tensor4D,
    tf.transpose(tx, [1, 2, 0, 3]) as tf.Tensor4D, 1, tpad, 'NHWC', up), [1, 2, 0, 3]);
  // Sanity, once: the peers compute the same numbers as nnconvt.
  const yb = nnconvt(x, w, b, opts);
  const g = nnconvt(x, w, null, p, opts);
  const errs = [relDiff(toNHWC(y).dataSync() as Float32Array, peerY().dataSync() as Float32Array),
    relDiff(toNHWC(yb).dataSync() as Float32Array, peerYb().dataSync() as Float32Array),
    relDiff(toNHWC(g.dzdx).dataSync() as Float32Array, peerDx().dataSync() as Float32Array),
    relDiff(toRowMajor(g.dzdw).dataSync() as Float32Array, peerDw().dataSync() as Float32Array)];
  if (errs.some((e) => !(e < 1e-4))) {
    throw new Error(`${name}: nnconvt and tfjs disagree (y, y + b, dx, dw rel. diff ${errs.join(', ')})`);
  }
  const flops = 2 * xs[0] * xs[1] * xs[2] * (xs[3] ?? 1) * ws[0] * ws[1] * ws[2];
  return [
    { name: `${name} forward`, ours: () => nnconvt(x, w, null, opts), peer: () => peerY().dataSync(), flops, goal },
    { name: `${name} forward + bias`, ours: () => nnconvt(x, w, b, opts), peer: () => peerYb().dataSync(), flops },
    { name: `${name} backward (dzdx + dzdw)`, ours: () => nnconvt(x, w, null, p, opts),
      peer: () => { peerDx().dataSync(); peerDw().dataSync(); }, flops: 2 * flops },
  ];
}

await bench('nnconvt (float32, 1 thread)', () => [
  ...layer('x 32x32x64 * w 4x4x32x64 up 2 crop 1', [32, 32, 64], [4, 4, 32, 64], 2, 1, 0.5),
  ...layer('x 64x64x21 * w 4x4x21x21 up 2 crop 1', [64, 64, 21], [4, 4, 21, 21], 2, 1),
]);
