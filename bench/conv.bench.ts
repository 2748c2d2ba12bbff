// nnconv forward and backward against tfjs-wasm on the practical's conv
// (x 384x512x3, w 5x5x3x10) and a VGG layer (x 56x56x64, w 3x3x64x64, pad 1).
// tfjs stores NHWC and filters [FH, FW, C, K]; layouts are converted once,
// outside the timed region. tfjs-wasm has no filter-gradient kernel, so its dw
// is the usual rewrite: conv2d of x transposed to [C, H, W, N] with dzdy
// transposed to [Ho, Wo, N, K] as the filter, then transposed back.
import { bench, tf, toNHWC, toRowMajor, relDiff, type Case } from './harness.js';
import { nnconv, randn } from '../src/index.js';

type Pad4 = [number, number, number, number];




function layer(name: string, xs: number[], ws: number[], pad: Pad4, goals: [number, number]): Case[] {
  const x = randn(xs, { seed: 1 });
  const w = randn(ws, { seed: 2 });
  const y = nnconv(x, w, null, { pad });
  const p = randn(y.shape, { seed: 3 });
  const tx = toNHWC(x), tw = toRowMajor(w), tp = toNHWC(p);
  const tpad: [[number, number], [number, number], [number, number], [number, number]] =
    [[0, 0], [pad[0], pad[1]], [pad[2], pad[3]], [0, 0]];
  const peerY = () => tf.conv2d(tx, tw, 1, tpad);
  const peerDx = () => tf.conv2dTranspose(tp, tw, tx.shape, 1, tpad as never);
  // dw[u, v, c, k] = sum_{n,i,j} x[n, i+u-pt, j+v-pl, c] * p[n, i, j, k]: batch C, channels N.
  const peerDw = () => tf.transpose(tf.conv2d(tf.transpose(tx, [3, 1, 2, 0]) as tf.Tensor4D,
    tf.transpose(tp, [1, 2, 0, 3]) as tf.Tensor4D, 1, tpad), [1, 2, 0, 3]);
  // Sanity, once: the peers compute the same numbers as nnconv.
  const d = nnconv(x, w, null, p, { pad });
  const errs = [relDiff(toNHWC(y).dataSync() as Float32Array, peerY().dataSync() as Float32Array),
    relDiff(toNHWC(d.dzdx!).dataSync() as Float32Array, peerDx().dataSync() as Float32Array),
    relDiff(toRowMajor(d.dzdw!).dataSync() as Float32Array, peerDw().dataSync() as Float32Array)];
  if (errs.some((e) => !(e < 1e-4))) throw new Error(`${name}: nnconv and tfjs disagree (y, dx, dw rel. diff ${errs.join(', ')})`);
  const [Ho, Wo, K] = y.shape;
  const fwdFlops = 2 * Ho * Wo * K * ws[0] * ws[1] * ws[2] * (xs[3] ?? 1);
  return [
    { name: `${name} forward`, ours: () => nnconv(x, w, null, { pad }), peer: () => peerY().dataSync(),
      flops: fwdFlops, goal: goals[0] },
    { name: `${name} backward (dzdx + dzdw)`, ours: () => nnconv(x, w, null, p, { pad, der: { b: false } }),
      peer: () => { peerDx().dataSync(); peerDw().dataSync(); }, flops: 2 * fwdFlops, goal: goals[1] },
    { name: `${name} backward dzdx only`, ours: () => nnconv(x, w, null, p, { pad, der: { w: false, b: false } }),
      peer: () => peerDx().dataSync(), flops: fwdFlops },
    { name: `${name} backward dzdw only`, ours: () => nnconv(x, w, null, p, { pad, der: { x: false, b: false } }),
      peer: () => peerDw().dataSync(), flops: fwdFlops },
  ];
}

const only = process.env.CONV_BENCH_ONLY; // e.g. "forward" while tuning

await bench('nnconv (float32, 1 thread)', () => {
  const cases = [
    ...layer('practical 384x512x3 * 5x5x3x10', [384, 512, 3], [5, 5, 3, 10], [0, 0, 0, 0], [0.5, 0.15]),
    ...layer('VGG 56x56x64 * 3x3x64x64 pad 1', [56, 56, 64], [3, 3, 64, 64], [1, 1, 1, 1], [0.9, 0.2]),
  ];
  return only ? cases.filter((c) => c.name.includes(only)) : cases;
});
