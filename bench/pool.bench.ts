// nnpool against tfjs-wasm: the practical's 10x10 stride-1 pooling of the conv
// output (380x508x10), and the small pools of real networks on 112x112x64.
// tfjs stores NHWC: x is converted once, outside the timed region. tfjs-core's
// node bundle registers no gradients, so the backward peers run what tf.grad
// would run: the forward pool (its output is MaxPoolGrad's input) and the
// MaxPoolGrad / AvgPoolGrad kernel. Our backward likewise recomputes the argmax.
// The 3x3 stride 2 pad 1 peer uses tfjs' explicit pad [[0,0],[1,1],[1,1],[0,0]]
// ('same' would pad 0 top/left, 1 bottom/right); for max pooling the cropped
// window and -Infinity padding agree, so both compute the same numbers.
// Every nnblocks call copies x (and dzdy) into WASM memory and y out; the tfjs
// peer only copies y out (dataSync), its input already lives in its heap.
import { bench, tf } from './harness.js';
import { nnpool, randn, type Tensor } from '../src/index.js';

type Pad = 'valid' | number[][];
const nhwc = (t: Tensor): tf.Tensor4D => tf.tensor4d(t.toHWC(), [1, t.shape[0], t.shape[1], t.shape[2]]);
const maxGrad = (x: tf.Tensor4D, dy: tf.Tensor4D, f: number, s: number, pad: Pad) =>
  (tf.engine().runKernel('MaxPoolGrad', { dy, input: x, output: tf.maxPool(x, f, s, pad as 'valid') },
    { filterSize: f, strides: s, pad }) as tf.Tensor).dataSync();
const avgGrad = (x: tf.Tensor4D, dy: tf.Tensor4D, f: number, s: number) =>
  (tf.engine().runKernel('AvgPoolGrad', { dy, input: x }, { filterSize: f, strides: s, pad: 'valid' }) as tf.Tensor).dataSync();

await bench('nnpool (float32)', () => {
  const x = randn([380, 508, 10], { seed: 1 });
  const p = randn([371, 499, 10], { seed: 2 });
  const tx = nhwc(x);
  const tp = nhwc(p);
  const s = randn([112, 112, 64], { seed: 3 });
  const ts = nhwc(s);
  const p2 = randn([56, 56, 64], { seed: 4 });
  const tp2 = nhwc(p2);
  const pad1: Pad = [[0, 0], [1, 1], [1, 1], [0, 0]];
  // POOL_ONLY=text keeps the rows whose name contains it (for quick reruns).
  const only = typeof process !== 'undefined' ? process.env.POOL_ONLY : undefined;
  return ([
    { name: 'max forward 380x508x10, pool 10', ours: () => nnpool(x, 10), peer: () => tf.maxPool(tx, 10, 1, 'valid').dataSync(), goal: 0.15 },
    { name: 'max backward 380x508x10, pool 10', ours: () => nnpool(x, 10, p), peer: () => maxGrad(tx, tp, 10, 1, 'valid'), goal: 0.02, reps: 5 },
    { name: 'avg forward 380x508x10, pool 10', ours: () => nnpool(x, 10, { method: 'avg' }), peer: () => tf.avgPool(tx, 10, 1, 'valid').dataSync(), goal: 0.15 },
    { name: 'avg backward 380x508x10, pool 10', ours: () => nnpool(x, 10, p, { method: 'avg' }), peer: () => avgGrad(tx, tp, 10, 1), goal: 0.03, reps: 5 },
    { name: 'max forward 112x112x64, 2x2 stride 2', ours: () => nnpool(s, 2, { stride: 2 }), peer: () => tf.maxPool(ts, 2, 2, 'valid').dataSync(), goal: 1 },
    { name: 'max backward 112x112x64, 2x2 stride 2', ours: () => nnpool(s, 2, p2, { stride: 2 }), peer: () => maxGrad(ts, tp2, 2, 2, 'valid'), goal: 1 },
    { name: 'max forward 112x112x64, 3x3 stride 2 pad 1', ours: () => nnpool(s, 3, { stride: 2, pad: 1 }), peer: () => tf.maxPool(ts, 3, 2, pad1 as unknown as 'valid').dataSync(), goal: 1 },
    { name: 'max backward 112x112x64, 3x3 stride 2 pad 1', ours: () => nnpool(s, 3, p2, { stride: 2, pad: 1 }), peer: () => maxGrad(ts, tp2, 3, 2, pad1), goal: 1 },
  ]).filter((c) => !only || c.name.includes(only));
});
