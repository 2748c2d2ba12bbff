// nnconv forward against its peers in one process, interleaved call by call so
// every column sees the same machine load (issue 13, item 4): nnblocks with the
// SIMD build and with the relaxed-SIMD build (1 thread each), nnblocks on 2 threads
// (the pool init({ threads: 2 }) starts, over the build init() picks), onnxruntime-web
// (wasm EP, SIMD) with 1 and with 2 threads, and tfjs-wasm (SIMD, 1 thread), on
// the practical's conv (x 384x512x3, w 5x5x3x10) and the VGG layer (x 56x56x64,
// w 3x3x64x64, pad 1). Prints median ms per column and the ratios, and which Node
// ran it: the relaxed build needs an engine with relaxed SIMD (Node 22+;
// `npm run bench -- peers --node=22` runs this under the cached Node 22).
//
// ORT gets a one-node ONNX model (Conv, weights as an initializer), written here
// as protobuf bytes; its layout is NCHW with weights [K, C, FH, FW], converted
// once outside the timed region. All columns read their result back into a
// fresh JS array (nnblocks returns one; ORT's output tensor's data is one; tfjs
// with dataSync()). Then a short cnnTrain epoch of the character CNN (20 batches of 100)
// with each nnblocks build on 1 thread and on 2, in images/s (its peers cannot train a conv
// layer in WebAssembly).
import * as ort from 'onnxruntime-web';
import { median, setup, tf, toNHWC, toRowMajor, relDiff } from './harness.js';
import { dispose, init, nnconv, randn, Tensor, threadCount } from '../src/index.js';
import { instantiateKernels } from '../src/init.js';
import { kernelsInfo, relaxedSimdSupported } from '../src/builds.js';
import { attach, kernels, type Kernels } from '../src/wasm.js';
import simdBytes from '../build/kernels.wasm';
import relaxedBytes from '../build/kernels-relaxed.wasm';
import { BATCH, charEpoch } from './charcnn.js';

// ---- a minimal ONNX (protobuf) writer: just what a one-Conv model needs ----
const varint = (n: number): number[] => {
  const out: number[] = [];
  do { let b = n % 128; n = Math.floor(n / 128); if (n > 0) b |= 0x80; out.push(b); } while (n > 0);
  return out;
};
const key = (field: number, wire: number): number[] => varint(field * 8 + wire);
const vfield = (field: number, n: number): number[] => [...key(field, 0), ...varint(n)];
const bfield = (field: number, bytes: ArrayLike<number>): number[] => [...key(field, 2), ...varint(bytes.length), ...Array.from(bytes)];
const sfield = (field: number, s: string): number[] => bfield(field, new TextEncoder().encode(s));

function valueInfo(name: string, dims: number[]): number[] {
  const shape = dims.flatMap((d) => bfield(1, vfield(1, d))); // TensorShapeProto.dim { dim_value }
  const tensorType = [...vfield(1, 1), ...bfield(2, shape)]; // elem_type FLOAT, shape
  return [...sfield(1, name), ...bfield(2, bfield(1, tensorType))]; // name, type { tensor_type }
}

/** ONNX model: y = Conv(x, w) with `pads` [top, left, bottom, right], w an initializer in NCHW order. */
function convModel(xDims: number[], wDims: number[], w: Float32Array, pads: number[], yDims: number[]): Uint8Array {
  const attr = [...sfield(1, 'pads'), ...pads.flatMap((p) => vfield(8, p)), ...vfield(20, 7)]; // ints, type INTS
  const node = [...sfield(1, 'x'), ...sfield(1, 'w'), ...sfield(2, 'y'), ...sfield(4, 'Conv'), ...bfield(5, attr)];
  const init = [...wDims.flatMap((d) => vfield(1, d)), ...vfield(2, 1), ...sfield(8, 'w'),
    ...bfield(9, new Uint8Array(w.buffer, w.byteOffset, w.byteLength))];
  const graph = [...bfield(1, node), ...sfield(2, 'conv'), ...bfield(5, init),
    ...bfield(11, valueInfo('x', xDims)), ...bfield(12, valueInfo('y', yDims))];
  const opset = [...sfield(1, ''), ...vfield(2, 13)];
  return Uint8Array.from([...vfield(1, 8), ...bfield(8, opset), ...bfield(7, graph)]);
}

/** Column-major [H, W, C, N] (ours) to NCHW. */
function toNCHW(t: Tensor): Float32Array {
  const [H, W, C, N] = t.shape;
  const out = new Float32Array(t.data.length);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let j = 0; j < W; j++) for (let i = 0; i < H; i++) {
    out[((n * C + c) * H + i) * W + j] = t.data[i + H * (j + W * (c + C * n))];
  }
  return out;
}

// ---- set-up ----
await setup(); // tfjs-wasm, SIMD, 1 thread
dispose();
await init({ threads: 2 });
if (threadCount() !== 2) throw new Error(`peers bench: init({ threads: 2 }) gave ${threadCount()} threads`);
const pooled = kernels();
const pooledName = `nnblocks 2t ${kernelsInfo().build}`;
const relaxed = relaxedSimdSupported();
const builds: [string, Kernels][] = [['nnblocks simd', await instantiateKernels(simdBytes)]];
if (relaxed) builds.push(['nnblocks relaxed', await instantiateKernels(relaxedBytes)]);
// The 1-thread columns attach their own instance: the pool's workers do not share its memory,
// so every call there stays on this thread (threads() is 1 while another instance is attached).
const all: [string, Kernels][] = [...builds, [pooledName, pooled]];
ort.env.wasm.numThreads = 2; // the pool's size; each session asks for its own intra-op threads
ort.env.wasm.simd = true;
ort.env.logLevel = 'error';

interface Column { name: string; run: () => unknown }

async function layer(name: string, xs: number[], ws: number[], pad: [number, number, number, number]) {
  const x = randn(xs, { seed: 1 }), w = randn(ws, { seed: 2 });
  attach(builds[0][1]);
  const y = nnconv(x, w, null, { pad });
  const [H, W, C] = xs, [FH, FW, , K] = ws, [Ho, Wo] = y.shape;
  const model = convModel([1, C, H, W], [K, C, FH, FW], toNCHW(w), [pad[0], pad[2], pad[1], pad[3]], [1, K, Ho, Wo]);
  const feeds = { x: new ort.Tensor('float32', toNCHW(x), [1, C, H, W]) };
  const want = toNCHW(y);
  const cols: Column[] = [];
  for (const [label, k] of all) {
    cols.push({ name: label, run: () => { attach(k); return nnconv(x, w, null, { pad }); } });
  }
  for (const threads of [1, 2]) {
    const s = await ort.InferenceSession.create(model, { executionProviders: ['wasm'], intraOpNumThreads: threads,
      graphOptimizationLevel: 'all' });
    const got = (await s.run(feeds)).y.data as Float32Array;
    const e = relDiff(got, want);
    if (!(e < 1e-4)) throw new Error(`${name}: ORT (${threads} threads) and nnconv disagree (rel. diff ${e})`);
    cols.push({ name: `ORT ${threads}t`, run: () => s.run(feeds).then((r) => r.y.data) });
  }
  const tx = toNHWC(x), tw = toRowMajor(w);
  const tpad: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [pad[0], pad[1]], [pad[2], pad[3]], [0, 0]];
  const e = relDiff(toNHWC(y).dataSync() as Float32Array, tf.conv2d(tx, tw, 1, tpad).dataSync() as Float32Array);
  if (!(e < 1e-4)) throw new Error(`${name}: tfjs and nnconv disagree (rel. diff ${e})`);
  // NOTE: the typed array must not be tidy()'s result: tidy walks what its function returns for
  // tensors to keep, element by element (about 1.3 s for the practical's 1.9 M floats).
  cols.push({ name: 'tfjs-wasm', run: () => {
    let y: unknown;
    tf.tidy(() => { y = tf.conv2d(tx, tw, 1, tpad).dataSync(); });
    return y;
  } });
  return { name, cols };
}

async function time(c: Column): Promise<number> {
  const t0 = performance.now();
  await c.run();
  return performance.now() - t0;
}

const layers = [
  await layer('practical 384x512x3 * 5x5x3x10 forward', [384, 512, 3, 1], [5, 5, 3, 10], [0, 0, 0, 0]),
  await layer('VGG 56x56x64 * 3x3x64x64 pad 1 forward', [56, 56, 64, 1], [3, 3, 64, 64], [1, 1, 1, 1]),
];

console.log(`\n## nnconv forward against its peers (${process.release.name} ${process.version}, ${relaxed ? 'relaxed SIMD available' :
  'no relaxed SIMD in this engine: run under Node 22+ for the relaxed column'}), median ms, interleaved\n`);
const names = layers[0].cols.map((c) => c.name);
const ratioHeads = [...(relaxed ? ['relaxed / simd 1t (goal <= 0.85 on the practical)'] : []),
  'best nnblocks 1t / ORT 1t', 'nnblocks 2t / ORT 2t (goal <= 0.75 / 0.8)', 'best nnblocks 1t / tfjs (goal <= 0.5 / 0.9)'];
console.log(`| workload | ${names.join(' | ')} | ${ratioHeads.join(' | ')} |`);
const pairs: [string, number, number, string][] = [];
console.log(`| --- | ${names.map(() => '---:').join(' | ')} | ${ratioHeads.map(() => '---:').join(' | ')} |`);
for (const { name, cols } of layers) {
  for (let i = 0; i < 2; i++) for (const c of cols) await c.run(); // warm up
  let probe = 0;
  for (const c of cols) probe += await time(c);
  const reps = Math.min(100, Math.max(7, Math.round(8000 / probe)));
  const ms: number[][] = cols.map(() => []);
  for (let r = 0; r < reps; r++) for (const [i, c] of cols.entries()) ms[i].push(await time(c));
  const med = ms.map(median);
  const at = (n: string) => med[cols.findIndex((c) => c.name === n)];
  const best = relaxed ? at('nnblocks relaxed') : at('nnblocks simd');
  const ratios = [...(relaxed ? [at('nnblocks relaxed') / at('nnblocks simd')] : []),
    best / at('ORT 1t'), at(pooledName) / at('ORT 2t'), best / at('tfjs-wasm')];
  console.log(`| ${name} | ${med.map((m) => `${m.toFixed(2)} ms`).join(' | ')} | ${ratios.map((r) => r.toFixed(3)).join(' | ')} |`);
  pairs.push(...[
    ...(relaxed ? [[`${name}: relaxed / simd, 1 thread`, at('nnblocks relaxed'), at('nnblocks simd'), name.startsWith('practical') ? '<= 0.85' : '']] : []),
    [`${name}: nnblocks 2t / ORT 2t`, at(pooledName), at('ORT 2t'), name.startsWith('practical') ? '<= 0.75' : '<= 0.8'],
    [`${name}: best nnblocks 1t / ORT 1t`, best, at('ORT 1t'), ''],
    [`${name}: best nnblocks 1t / tfjs-wasm`, best, at('tfjs-wasm'), name.startsWith('practical') ? '<= 0.5' : '<= 0.9'],
  ] as [string, number, number, string][]);
}
// The same ratios one per row (ours ms, peer ms, ratio, goal), the harness's form, which
// `npm run bench -- peers --repeat=3` gathers over processes.
console.log('\n| ratio | nnblocks ms | peer ms | ratio | goal |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const [n, a, b, g] of pairs) console.log(`| ${n} | ${a.toFixed(3)} | ${b.toFixed(3)} | ${(a / b).toFixed(3)} | ${g} |`);
// ---- a cnnTrain epoch of the character CNN (NETWORKS.md §4.3.3), per build and thread count ----
const BATCHES = 20;
/** Seconds of one epoch on kernels k. */
async function epoch(k: Kernels): Promise<number> {
  attach(k);
  return charEpoch(BATCHES);
}
const secs: number[][] = all.map(() => []);
await epoch(pooled); // warm-up
for (let r = 0; r < 3; r++) for (const [i, [, k]] of all.entries()) secs[i].push(await epoch(k));
console.log(`\n## cnnTrain epoch of the character CNN (${BATCHES} batches of ${BATCH}, no validation), median of 3, interleaved\n`);
console.log('| nnblocks | s per epoch | images/s | ratio to the best 1-thread build |');
console.log('| --- | ---: | ---: | ---: |');
const meds = secs.map(median);
const best1 = Math.min(...meds.slice(0, builds.length));
for (const [i, [name]] of all.entries()) {
  console.log(`| ${name} | ${meds[i].toFixed(2)} | ${(BATCH * BATCHES / meds[i]).toFixed(0)} | ${(meds[i] / best1).toFixed(3)}${i === all.length - 1 ? ' (goal <= 0.6)' : ''} |`);
}
// The goal's ratio once more in the harness's row form, which `--repeat=3` gathers over processes.
console.log('\n| ratio | nnblocks ms | peer ms | ratio | goal |');
console.log('| --- | ---: | ---: | ---: | ---: |');
console.log(`| cnnTrain epoch: ${all[all.length - 1][0]} / best 1-thread build | ${(1000 * meds[meds.length - 1]).toFixed(1)} | ` +
  `${(1000 * best1).toFixed(1)} | ${(meds[meds.length - 1] / best1).toFixed(3)} | <= 0.6 |`);
// ORT keeps worker threads alive; the figures are printed.
process.exit(0);
