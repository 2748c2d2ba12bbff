// Writes examples/worker/weights.json: the worker's fixed network, a bank of
// eight hand-made 5x5x3 filters, their biases and the pooling after the ReLU.
// Deterministic (re-running gives the same bytes):  node examples/worker/make-weights.mjs
//
// Each filter lists one 5x5 matrix per colour channel (R, G, B); row i of a
// matrix is filter row i (down the image), column j is filter column j (across).
// So `weights[c][i][j]` is MatConvNet's w(i, j, c) for that filter. nnconv
// correlates (it does not flip the filter), so a filter whose rows go from
// negative (top) to positive (bottom) answers where the image gets brighter
// going down: a horizontal edge.
import { writeFileSync } from 'node:fs';

const zero = () => Array.from({ length: 5 }, () => [0, 0, 0, 0, 0]);
const outer = (a, b, scale) => a.map((ai) => b.map((bj) => (ai * bj) / scale));
const transpose = (m) => m[0].map((_, j) => m.map((row) => row[j]));

// 5x5 Sobel: a derivative [-1 -2 0 2 1] down the rows, binomial smoothing
// [1 4 6 4 1] across; divided by 6 * 16, so a dark-to-bright step (0 -> 1)
// answers at most 0.5 (the sum of the positive weights).
const derivative = [-1, -2, 0, 2, 1];
const smooth = [1, 4, 6, 4, 1];
const horizontal = outer(derivative, smooth, 6 * 16);
const vertical = transpose(horizontal);
// Discrete Laplacian of a Gaussian (sums to 0: flat regions give 0), divided
// by its centre weight 16, on the mean of the three channels.
const laplacian = [
  [0, 0, -1, 0, 0],
  [0, -1, -2, -1, 0],
  [-1, -2, 16, -2, -1],
  [0, -1, -2, -1, 0],
  [0, 0, -1, 0, 0],
].map((row) => row.map((v) => v / (16 * 3)));
// Binomial blur (weights sum to 1) of the mean of the channels.
const blur = outer(smooth, smooth, 256 * 3);

const colours = ['red', 'green', 'blue'];
const onChannel = (m, c) => colours.map((_, k) => (k === c ? m : zero()));
const filters = [
  ...colours.map((name, c) => ({ name: `horizontal edges, ${name}`, bias: -0.05, weights: onChannel(horizontal, c) })),
  ...colours.map((name, c) => ({ name: `vertical edges, ${name}`, bias: -0.05, weights: onChannel(vertical, c) })),
  { name: 'Laplacian (spots and lines), grey', bias: -0.02, weights: [laplacian, laplacian, laplacian] },
  // Bias -0.5: after the ReLU only regions brighter than mid-grey remain.
  { name: 'blur, bright regions, grey', bias: -0.5, weights: [blur, blur, blur] },
];

const net = {
  about: 'Made by make-weights.mjs. weights[c][i][j] is w(i, j, c) of a 5x5x3 filter; conv (stride 1, no pad) -> relu -> pool.',
  pool: { size: [4, 4], stride: [4, 4], method: 'max' },
  filters,
};

// One matrix row per line, so the file reads like the matrices above.
const num = (v) => String(Math.round(v * 1e9) / 1e9);
const matrix = (m) => `[\n${m.map((row) => `          [${row.map(num).join(', ')}]`).join(',\n')}\n        ]`;
const filterText = (f) => `    {\n      "name": ${JSON.stringify(f.name)},\n      "bias": ${num(f.bias)},\n` +
  `      "weights": [\n        ${f.weights.map(matrix).join(',\n        ')}\n      ]\n    }`;
const text = `{\n  "about": ${JSON.stringify(net.about)},\n  "pool": ${JSON.stringify(net.pool)},\n` +
  `  "filters": [\n${filters.map(filterText).join(',\n')}\n  ]\n}\n`;
JSON.parse(text); // the hand formatting must still be JSON
writeFileSync(new URL('./weights.json', import.meta.url), text);
console.log(`wrote weights.json: ${filters.length} filters 5x5x3, pool ${net.pool.size.join('x')} stride ${net.pool.stride.join('x')}`);
