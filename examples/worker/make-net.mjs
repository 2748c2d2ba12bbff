// Writes examples/worker/net.mat: the worker's network as a simplenn net in a
// MatConvNet model file, made with the package's own saveSimpleNN.
//   npm run build && node examples/worker/make-net.mjs
// Inside this repository `nnblocks` resolves to the repository (package
// self-reference), so this runs the freshly built dist/.
//
// The net is conv -> relu -> pool with the eight hand-made filters of
// weights.json (see make-weights.mjs), their biases and its pooling. Nothing is
// trained: the weights are saved exactly as weights.json has them, so the
// worker's answers stay the edge and blob responses the README describes.
// meta.filters holds the filter names (the worker's GET / lists them) and
// meta.inputSize the depth the net expects.
//
// Deterministic: saveSimpleNN writes the creation time into the MAT header's
// text; this script writes a fixed text there instead, so re-running gives the
// same bytes.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { init, Tensor, saveSimpleNN, loadSimpleNN } from 'nnblocks';

const here = dirname(fileURLToPath(import.meta.url));
const spec = JSON.parse(readFileSync(join(here, 'weights.json'), 'utf8'));

const K = spec.filters.length;
const [FH, FW, FC] = [spec.filters[0].weights[0].length, spec.filters[0].weights[0][0].length, spec.filters[0].weights.length];
// w(i, j, c, k) = filters[k].weights[c][i][j], at i + FH*(j + FW*(c + FC*k)) (column-major)
const w = new Float32Array(FH * FW * FC * K);
spec.filters.forEach((f, k) => f.weights.forEach((m, c) => m.forEach((row, i) => row.forEach((v, j) => {
  w[i + FH * (j + FW * (c + FC * k))] = v;
}))));
const b = Float32Array.from(spec.filters, (f) => f.bias);

const net = {
  layers: [
    { type: 'conv', name: 'conv1', weights: [new Tensor(w, [FH, FW, FC, K]), new Tensor(b, [1, K])], stride: [1, 1], pad: [0, 0, 0, 0] },
    { type: 'relu', name: 'relu1' },
    { type: 'pool', name: 'pool1', method: spec.pool.method, pool: spec.pool.size, stride: spec.pool.stride, pad: [0, 0, 0, 0] },
  ],
  meta: {
    filters: spec.filters.map((f) => f.name),
    inputSize: [NaN, NaN, FC],
    description: 'nnblocks examples/worker: hand-made filters of weights.json, conv -> relu -> pool (not trained)',
  },
};

await init();
const bytes = saveSimpleNN(net);
// The 116-byte header text (then 8 bytes of subsystem offset, version, endianness) padded with spaces.
const text = 'MATLAB 5.0 MAT-file, Platform: nnblocks, Created by examples/worker/make-net.mjs';
bytes.fill(0x20, 0, 116);
bytes.set(new TextEncoder().encode(text), 0);

// Read it back before writing: the same layers, the same weights bit for bit.
const back = await loadSimpleNN(bytes);
const types = back.layers.map((l) => l.type).join(' ');
if (types !== 'conv relu pool') throw new Error(`make-net: read back layers ${types}`);
const [w2, b2] = back.layers[0].weights;
if (!w2.data.every((v, n) => Object.is(v, w[n])) || !b2.data.every((v, n) => Object.is(v, b[n]))) {
  throw new Error('make-net: the weights read back differ');
}
writeFileSync(join(here, 'net.mat'), bytes);
console.log(`wrote ${join(here, 'net.mat')}: ${bytes.length} bytes, layers ${types}, ${K} filters of ${FH}x${FW}x${FC}`);
