// readMat and loadSimpleNN of a ~100 MB model file from a path, v6
// (uncompressed) and v7 (compressed), each in a fresh Node process: MB/s and
// peak memory against the bytes of the weights (goal: peak <= 1.3x the
// weights, FORMATS §1.17 / issue 11).
//
//   npm run bench -- mat        (or: node --import tsx bench/mat.bench.ts)
//
// The file is a simplenn-like `layers` cell of 1x1 structs whose `weights` are
// single arrays (random, so compression gains little, as on real weights), plus
// a `meta` struct. The child reports the RSS just before readMat and the
// process's peak RSS (resourceUsage().maxRSS) after it; the increase is what
// readMat needed. NOTE: Linux children inherit the parent's maxRSS at fork, so
// the files are written by another child and this parent stays small.
// Numbers from a shared machine are noisy; never test on them.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
// The MAT modules directly: readMat needs no WebAssembly, so the child loads nothing else.
import { readMat } from '../src/io/mat/reader.js';
import { writeMat } from '../src/io/mat/writer.js';
import { loadSimpleNN } from '../src/net/files.js';

const MB = 2 ** 20;

if (process.argv[2] === '--child') {
  const [, , , how, path] = process.argv;
  globalThis.gc?.();
  const before = process.memoryUsage().rss;
  const peakBefore = process.resourceUsage().maxRSS * 1024;
  const t0 = performance.now();
  let weights = 0;
  if (how === 'readMat') {
    const vars = await readMat(path);
    const layers = vars.layers as unknown as { data: { weights: { data: { data: Float32Array }[] } }[] };
    for (const l of layers.data) for (const w of l.weights.data) weights += w.data.byteLength;
  } else {
    const net = await loadSimpleNN(path);
    for (const l of net.layers) for (const w of (l as { weights?: { data: Float32Array }[] }).weights ?? []) weights += w.data.byteLength;
  }
  const ms = performance.now() - t0;
  const peak = process.resourceUsage().maxRSS * 1024;
  console.log(JSON.stringify({ ms, weights, before, peakBefore, peak }));
  process.exit(0);
}

/** ~100 MB of float32 weights in 8 conv-like layers, deterministic. */
function model(): Record<string, unknown> {
  let seed = 12345;
  const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5;
  const shapes = [[3, 3, 256, 1280], [3, 3, 512, 1024], [3, 3, 512, 1024], [3, 3, 512, 1024], [3, 3, 512, 1024],
    [1, 1, 4096, 1024], [1, 1, 1024, 512], [1, 1, 512, 1000]];
  const layers = shapes.map((s, i) => {
    const n = s.reduce((a, b) => a * b, 1);
    const w = new Float32Array(n);
    for (let k = 0; k < n; k++) w[k] = rand() * 0.1;
    return {
      type: 'conv', name: `conv${i + 1}`,
      weights: { class: 'cell', dims: [1, 2], data: [{ class: 'single', dims: s, data: w },
        { class: 'single', dims: [1, s[3]], data: new Float32Array(s[3]) }] },
      stride: [1, 1], pad: [1, 1, 1, 1],
    };
  });
  return {
    layers: { class: 'cell', dims: [1, layers.length], data: layers },
    meta: { inputSize: [224, 224, 3], classes: { name: { class: 'cell', dims: [1, 3], data: ['a', 'b', 'c'] } } },
  };
}

if (process.argv[2] === '--write') {
  const m = model();
  for (const compress of [false, true]) writeFileSync(join(process.argv[3], compress ? 'model-v7.mat' : 'model-v6.mat'), writeMat(m as never, { compress }));
  process.exit(0);
}

const self = fileURLToPath(import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'nnblocks-mat-bench-'));
try {
  const w = spawnSync(process.execPath, ['--import', 'tsx', self, '--write', dir], { encoding: 'utf8' });
  if (w.status !== 0) throw new Error(`writing the model failed: ${w.stderr}`);
  const files: [string, string][] = [['v6 (uncompressed)', join(dir, 'model-v6.mat')], ['v7 (compressed)', join(dir, 'model-v7.mat')]];
  console.log('A model file read from a path, a fresh default Node process each');
  console.log('call           file               size MB   weights MB   ms      MB/s (file)   RSS before MB   peak RSS MB   (peak - before) / weights   peak / weights');
  for (const how of ['readMat', 'loadSimpleNN']) for (const [label, path] of files) {
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', self, '--child', how, path], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
    const { ms, weights, before, peakBefore, peak } = JSON.parse(r.stdout.trim().split('\n').pop() as string);
    if (peakBefore > before * 1.2) console.log(`(the child's peak RSS was ${(peakBefore / MB).toFixed(0)} MB before reading: inherited?)`);
    const size = statSync(path).size;
    console.log([
      how.padEnd(14), label.padEnd(18), (size / MB).toFixed(1).padStart(7), (weights / MB).toFixed(1).padStart(12), ms.toFixed(0).padStart(6),
      (size / MB / (ms / 1000)).toFixed(0).padStart(13), (before / MB).toFixed(0).padStart(15), (peak / MB).toFixed(0).padStart(13),
      ((peak - before) / weights).toFixed(2).padStart(27), (peak / weights).toFixed(2).padStart(16),
    ].join(' '));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
