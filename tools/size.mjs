// npm run size: what a browser or edge user downloads. Bundles, for the
// browser, minified and gzipped: an app that uses every block (with images and
// derivative checks; the package is side-effect free, so a bundler drops the
// rest), and one that uses the whole package (networks, training, MAT files,
// the image helpers); measures the four .wasm builds in dist/. Exits 1 above the budgets.
// index.js carries the relaxed and shared builds as patches against the SIMD one, so all are in the bundles.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const BUDGET_BLOCKS_GZ = 96 * 1024; // issue 10: every block of MatConvNet together
const BUDGET_BUNDLE_GZ = 128 * 1024; // everything, networks and files included
const BUDGET_WASM = 48 * 1024;
const BLOCKS = ['init', 'Tensor', 'randn', 'zeros', 'nnconv', 'nnconvt', 'nnpool', 'nnrelu', 'nnnormalize', 'nnspnorm',
  'nnnoffset', 'nnsoftmax', 'nnsigmoid', 'nnloss', 'nnsoftmaxloss', 'nnbnorm', 'nndropout', 'nnpdist', 'imread',
  'im2single', 'toPNG', 'imarraysc', 'checkDerivative', 'checkDerivativeElementwise'];

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

async function bundle(entry, conditions, contents) {
  const out = await build({
    ...(contents ? { stdin: { contents, resolveDir: '.', loader: 'js' } } : { entryPoints: [entry] }),
    bundle: true, minify: true, format: 'esm', platform: 'browser',
    conditions, write: false, logLevel: 'silent', external: ['*.wasm'],
  });
  return out.outputFiles[0].contents;
}

const blocks = await bundle(null, [], `export { ${BLOCKS.join(', ')} } from './dist/index.js';`);
const main = await bundle('dist/index.js', []);
const edge = await bundle('dist/edge.js', ['workerd', 'worker']);
// every build; each has the budget
const wasmFiles = ['dist/kernels.wasm', 'dist/kernels-relaxed.wasm', 'dist/kernels-shared.wasm', 'dist/kernels-shared-relaxed.wasm'];
const rows = [
  ['browser bundle of every block (+ images, derivative checks, deps, inlined wasm), minified', blocks.length,
    gzipSync(blocks, { level: 9 }).length, BUDGET_BLOCKS_GZ],
  ['browser bundle of the whole package (+ networks, training, MAT files, image helpers), minified', main.length, gzipSync(main, { level: 9 }).length, BUDGET_BUNDLE_GZ],
  ...(edge ? [['edge bundle (dist/edge.js + deps, wasm separate), minified', edge.length, gzipSync(edge, { level: 9 }).length, undefined]] : []),
  ...wasmFiles.map((f) => { const b = readFileSync(f); return [f, b.length, gzipSync(b, { level: 9 }).length, undefined]; }),
];
let over = false;
for (const [name, raw, gz, budget] of rows) {
  const flag = budget === undefined ? '' : gz <= budget ? ` (budget ${kb(budget)} gzipped: ok)` : ` (budget ${kb(budget)} gzipped: OVER)`;
  if (budget !== undefined && gz > budget) over = true;
  console.log(`${name}: ${kb(raw)}, ${kb(gz)} gzipped${flag}`);
}
let wasmOk = true;
for (const f of wasmFiles) {
  const n = readFileSync(f).length;
  if (n > BUDGET_WASM) wasmOk = false;
  console.log(`${f.slice(5)} ${kb(n)} against a budget of ${kb(BUDGET_WASM)}: ${n <= BUDGET_WASM ? 'ok' : 'OVER'}`);
}
process.exit(over || !wasmOk ? 1 : 0);
