// nnbnorm on 56x56x64 x 8 (a ResNet stage-1 layer, batch 8), float32.
// Forward with batch statistics (ours computes mu and sigma too) against tfjs-wasm's
// FusedBatchNorm *given* the moments (its inference form; tfjs-wasm has no training-mode
// batch norm). Every nnblocks call copies x into WASM memory and y out; the tfjs peer only
// copies y out (dataSync), its input already lives in its heap. tfjs-wasm has no batch-norm
// gradient kernel, so the backward pass is measured against memory bandwidth instead: a plain
// copy (fresh array + set) of the same tensor, timed interleaved in the same process; GB/s
// count the bytes a call must move at least (x and dzdy read, dzdx written).
import { bench, tf } from './harness.js';
import { nnbnorm, randn } from '../src/index.js';
import { fresh } from '../src/wasm.js';

const [H, W, C, N] = [56, 56, 64, 8];
const n = H * W * C * N;
const MB = (4 * n) / 1e6;

const rows = await bench(`nnbnorm (${H}x${W}x${C} x ${N}, float32; ${MB.toFixed(1)} MB a tensor)`, () => {
  const x = randn([H, W, C, N], { seed: 1 });
  const g = randn([C], { seed: 2 });
  const b = randn([C], { seed: 3 });
  const p = randn([H, W, C, N], { seed: 4 });
  const d = nnbnorm(x, g, b, p);
  const mu = d.moments.data.slice(0, C);
  const variance = d.moments.data.slice(C).map((s) => s * s - 1e-4);
  // tfjs is NHWC with the channel last; the element order does not change the work.
  const tx = tf.tensor4d(x.data, [N, H, W, C]);
  const tm = tf.tensor1d(mu);
  const tv = tf.tensor1d(variance);
  const tg = tf.tensor1d(g.data);
  const tb = tf.tensor1d(b.data);
  const copy = (): Float32Array => { const o = fresh(n); o.set(x.data); return o; };
  return [
    { name: 'bnorm forward (batch statistics) vs FusedBatchNorm (given moments)', ours: () => nnbnorm(x, g, b),
      peer: () => tf.batchNorm(tx, tm, tv, tb, tg, 1e-4).dataSync(), goal: 1 },
    { name: 'bnorm forward (given moments) vs FusedBatchNorm', ours: () => nnbnorm(x, g, b, { moments: d.moments }),
      peer: () => tf.batchNorm(tx, tm, tv, tb, tg, 1e-4).dataSync() },
    { name: 'bnorm backward (batch statistics) vs a plain copy of x', ours: () => nnbnorm(x, g, b, p), peer: copy },
    { name: 'bnorm forward (batch statistics) vs a plain copy of x', ours: () => nnbnorm(x, g, b), peer: copy },
  ];
});

// Bandwidth: the copy moves 2 tensors (read x, write the fresh array); bnorm backward at least 3
// (read x and dzdy, write dzdx), the forward at least 2.
console.log('\n| pass | ms | GB/s (tensors moved x MB / time) | plain copy GB/s (2 x MB / time) | fraction of copy bandwidth |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const [r, tensors] of [[rows[2], 3], [rows[3], 2]] as const) {
  const ours = (tensors * MB) / r.oursMs;
  const cp = (2 * MB) / r.peerMs;
  console.log(`| ${r.name.replace(/ vs .*/, '')} | ${r.oursMs.toFixed(3)} | ${ours.toFixed(2)} | ${cp.toFixed(2)} | ${(ours / cp).toFixed(2)} |`);
}
