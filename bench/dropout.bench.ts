// nndropout on the practical's conv output size, 380x508x10 (7.7 MB), float32.
// Ours draws the mask in JavaScript (xoshiro128**, src/random.ts: the same numbers in every
// runtime) and multiplies in the WASM kernel; tfjs-wasm's tf.dropout draws with its own
// generator and multiplies. The mask-only row times the generator alone against tfjs'
// randomUniform of the same size (both read back to JavaScript).
import { bench, tf } from './harness.js';
import { nndropout, randn } from '../src/index.js';
import { planDropout, dropoutMaskInto } from '../src/blocks/dropout.js';
import { fresh } from '../src/wasm.js';

await bench('nndropout (380x508x10, float32, rate 0.5)', () => {
  const shape = [380, 508, 10];
  const x = randn(shape, { seed: 1 });
  const p = randn(shape, { seed: 2 });
  const tx = tf.tensor(x.data, shape);
  const { mask } = nndropout(x, { seed: 3 });
  const plan = planDropout(x.shape, null, { seed: 3 });
  return [
    { name: 'dropout forward (mask + y)', ours: () => nndropout(x), peer: () => tf.dropout(tx, 0.5).dataSync() },
    { name: 'mask alone vs randomUniform', ours: () => { const m = fresh(x.numel); dropoutMaskInto(plan, m); return m; },
      peer: () => tf.randomUniform(shape).dataSync() },
    { name: 'dropout backward (mask .* dzdy) vs tf.mul', ours: () => nndropout(x, p, { mask }),
      peer: () => tf.mul(tx, tx).dataSync() },
  ];
});
