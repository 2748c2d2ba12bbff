// The worker pool (init({ threads })): nnblocks on 2 threads against 1 in one default process.
// Rounds alternate init({ threads: 1 }) (today's build, no pool) and init({ threads: 2 }) (the
// shared-memory build and one worker), with dispose() between, so both see the same machine
// load; each row gives the median over rounds of each round's median call, and the ratio
// 2 threads / 1 (lower is better).
//   - practical conv forward (x 384x512x3, w 5x5x3x10) and the VGG layer (56x56x64 * 3x3x64x64,
//     pad 1): one image, split by output pixels;
//   - a fully connected layer on one image, resident (1x1x4096 * 1x1x4096x1024, as a served
//     net's fc layer at batch 1): split by ranges of filters;
//   - conv backward (dzdx + dzdw), split by images: the character CNN's second conv on a batch
//     of 100 (x 14x14x20, w 5x5x20x50) and the VGG layer on 4 images (goal <= 0.6);
//   - cnnTrain of the character CNN: its median step on a batch of 100 and a whole epoch of 20
//     batches (getBatch, shuffle and update included; goal <= 0.6), here with no other library's
//     threads in the process (the peers bench's epoch shares the cores with ORT-web's pool);
//   - a small call (32x32x3 * 3x3x3x8) with threads on against off (goal <= 1.05: it stays on
//     the calling thread), and what sets the small call's ratio: copying its x into WebAssembly
//     memory, which with threads is a SharedArrayBuffer that V8 copies into word by word (100
//     copies a call; also a streamed chunk's 16384 floats), and nnrelu on a tensor that fits in
//     cache; the other blocks called alone on small tensors (nnpool, nnbnorm, nnnoffset,
//     nnsoftmax, nnconvt), which run on the unshared instance too;
//   - a simplenn run that no layer splits (the character CNN at batch 1, a server's call), which
//     runs whole on the unshared instance: threads on against off, the same goal;
//   - the resident passes (no copies, as simplenn runs them) of nnbnorm, nnsoftmax, nnspnorm and
//     nnsigmoid, forward + backward.
// On a machine with 2 cores shared with other work these are loaded-machine figures.
import { init, dispose, nnbnorm, nnconv, nnconvt, nnnoffset, nnpool, nnrelu, nnsoftmax, randn, simplenn, simplennTidy, threadCount, type Res } from '../src/index.js';
import { charCNN, charEpoch, prepareEpoch } from './charcnn.js';
import { median } from './stats.js';
import { resident } from './resident.js';
import { reserve, write } from '../src/wasm.js';
import { planConv, convForward, convForwardScratch } from '../src/blocks/conv.js';
import { planBnorm, bnormForward, bnormBackward } from '../src/blocks/bnorm.js';
import { planSoftmax, softmaxForward, softmaxBackward } from '../src/blocks/softmax.js';
import { planSpnorm, spnormForward, spnormBackward, spnormScratch } from '../src/blocks/spnorm.js';
import { planSigmoid, sigmoidForward, sigmoidBackward } from '../src/blocks/sigmoid.js';

const ROUNDS = Number(process.env.THREADS_BENCH_ROUNDS ?? 5);

function timeCall(f: () => unknown, budgetMs: number): number {
  f(); f();
  const t: number[] = [];
  const t0 = performance.now();
  while (t.length < 3 || (performance.now() - t0 < budgetMs && t.length < 2000)) {
    const a = performance.now();
    f();
    t.push(performance.now() - a);
  }
  return median(t);
}

/** Median step of an epoch of `batches` batches of 100 (the first 3 are warm-up), and the epoch's milliseconds. */
async function train(batches: number): Promise<[number, number]> {
  const steps: number[] = [];
  let last = -1, seen = 0;
  const secs = await charEpoch(batches, () => {
    const now = performance.now();
    if (last >= 0 && ++seen > 2) steps.push(now - last);
    last = now;
  });
  return [median(steps), secs * 1000];
}

const px = randn([384, 512, 3], { seed: 1 }), pw = randn([5, 5, 3, 10], { seed: 2 });
const vx = randn([56, 56, 64], { seed: 1 }), vw = randn([3, 3, 64, 64], { seed: 2 });
const cx = randn([14, 14, 20, 100], { seed: 1 }), cw = randn([5, 5, 20, 50], { seed: 2 }), cp = randn([10, 10, 50, 100], { seed: 3 });
const v4 = randn([56, 56, 64, 4], { seed: 1 }), vp4 = randn([56, 56, 64, 4], { seed: 3 });
const sx = randn([32, 32, 3], { seed: 1 }), sw = randn([3, 3, 3, 8], { seed: 2 });
const fx = randn([1, 1, 4096], { seed: 1 }), fw = randn([1, 1, 4096, 1024], { seed: 2 });

const bx = randn([56, 56, 64, 8], { seed: 1 }), bp = randn(bx.shape, { seed: 2 }), bg = randn([64, 1], { seed: 3 });
const bnF = planBnorm(bx.shape, bg.shape, bg.shape, null), bnB = planBnorm(bx.shape, bg.shape, bg.shape, bp.shape);
const smx = randn([32, 32, 21, 16], { seed: 1 }), smp = randn(smx.shape, { seed: 2 });
const smF = planSoftmax(smx.shape, null), smB = planSoftmax(smx.shape, smp.shape);
const spx = randn([56, 56, 64, 2], { seed: 1 }), spp = randn(spx.shape, { seed: 2 });
const spF = planSpnorm(spx.shape, [3, 3, 1, 0.5], null), spB = planSpnorm(spx.shape, [3, 3, 1, 0.5], spp.shape);
const sgx = randn([380, 508, 10], { seed: 1 }), sgp = randn(sgx.shape, { seed: 2 });
const fcF = planConv([1, 1, 4096, 1], [1, 1, 4096, 1024], null, null, undefined);
const sgF = planSigmoid(sgx.shape, null), sgB = planSigmoid(sgx.shape, sgp.shape);

const served = simplennTidy(charCNN('softmax')), sx1 = randn([32, 32, 1, 1], { seed: 13 });
/** The served net's forward at batch 1, passing res back as a server loop does. */
const serve = (): (() => void) => {
  let res: Res[] = [];
  return () => { res = simplenn(served, sx1, null, res); };
};

const chunk = randn([16384, 1], { seed: 4 }).data, rx = randn([64, 64, 16], { seed: 5 });
const qx = randn([56, 56, 16, 2], { seed: 6 }), qb = randn([14, 14, 32, 8], { seed: 7 }), qg = randn([32, 1], { seed: 8 });
const ql = randn([27, 27, 32], { seed: 9 }), qs = randn([1, 1, 1000, 64], { seed: 10 });
const qc = randn([8, 8, 16], { seed: 11 }), qw = randn([4, 4, 8, 16], { seed: 12 });

/** 100 copies of `a` into this init()'s memory, as a call's write() makes them. */
function copies(a: Float32Array): () => () => void {
  return () => {
    const [p] = reserve('bench', a.length);
    return () => { for (let i = 0; i < 100; i++) write(p, a); };
  };
}

const rows: { name: string; f?: () => unknown; make?: () => () => unknown; budget: number; goal?: number }[] = [
  { name: 'practical conv forward 384x512x3 * 5x5x3x10', f: () => nnconv(px, pw, null), budget: 600 },
  { name: 'VGG layer forward 56x56x64 * 3x3x64x64 pad 1', f: () => nnconv(vx, vw, null, { pad: 1 }), budget: 400 },
  { name: 'conv backward (dzdx + dzdw) 14x14x20x100 * 5x5x20x50', f: () => nnconv(cx, cw, null, cp, { der: { b: false } }),
    budget: 600, goal: 0.6 },
  { name: 'conv backward (dzdx + dzdw) VGG layer, 4 images', f: () => nnconv(v4, vw, null, vp4, { pad: 1, der: { b: false } }),
    budget: 600, goal: 0.6 },
  // One image on a path other than pixels (a served net's fc layer): split by ranges of filters.
  { name: 'resident fully connected forward, one image, 1x1x4096 * 1x1x4096x1024', budget: 300,
    make: resident([fx.data, fw.data], 1, () => convForwardScratch(fcF), ([x, w, y, s]) => convForward(fcF, x, w, 0, y, s)) },
  { name: 'small call 32x32x3 * 3x3x3x8 (threads on vs off)', f: () => nnconv(sx, sw, null), budget: 300, goal: 1.05 },
  { name: 'simplenn forward, character CNN, batch 1 (no layer splits; threads on vs off)', make: serve, budget: 300, goal: 1.05 },
  { name: "copy the small call's x (3072 floats) into WebAssembly memory, 100 times", budget: 200, make: copies(sx.data) },
  { name: 'copy a streamed chunk (16384 floats) into WebAssembly memory, 100 times', budget: 200, make: copies(chunk) },
  { name: 'nnrelu 64x64x16 (streamed, on the calling thread)', f: () => nnrelu(rx), budget: 300 },
  // The other blocks called alone also stay on the calling thread (streamed, or too small to split).
  { name: 'nnpool 2x2 stride 2 on 56x56x16 x 2 (streamed)', f: () => nnpool(qx, 2, { stride: 2 }), budget: 200 },
  { name: 'nnbnorm 14x14x32 x 8 (streamed)', f: () => nnbnorm(qb, qg, qg), budget: 200 },
  { name: 'nnnoffset 27x27x32 [1 0.5] (streamed)', f: () => nnnoffset(ql, [1, 0.5]), budget: 200 },
  { name: 'nnsoftmax 1x1x1000 x 64 (streamed)', f: () => nnsoftmax(qs), budget: 200 },
  { name: 'nnconvt 8x8x16 * 4x4x8x16, upsample 2, crop 1', f: () => nnconvt(qc, qw, null, { upsample: 2, crop: 1 }), budget: 200 },
  // The other blocks' resident passes, forward then backward in one call (split by channels,
  // images, planes and value ranges).
  { name: 'resident bnorm forward + backward 56x56x64 x 8', budget: 300,
    // s: the moments (mu, sigma: 128 floats), then dzdg and dzdb (64 each)
    make: resident([bx.data, bp.data, bg.data, bg.data], 2, () => 256, ([x, p, g, b, y, d, s]) => {
      bnormForward(bnF, x, g, b, y, s); bnormBackward(bnB, x, g, p, d, s + 512, s + 768, s); }) },
  { name: 'resident softmax forward + backward 32x32x21 x 16', budget: 300,
    make: resident([smx.data, smp.data], 2, () => 0, ([x, p, y, d]) => { softmaxForward(smF, x, y); softmaxBackward(smB, x, p, d); }) },
  { name: 'resident spnorm forward + backward 56x56x64 x 2, [3 3 1 0.5]', budget: 300,
    make: resident([spx.data, spp.data], 2, () => spnormScratch(spB), ([x, p, y, d, s]) => {
      spnormForward(spF, x, y, s); spnormBackward(spB, x, p, d, s); }) },
  { name: 'resident sigmoid forward + backward 380x508x10', budget: 300,
    make: resident([sgx.data, sgp.data], 2, () => 0, ([x, p, y, d]) => { sigmoidForward(sgF, x, y); sigmoidBackward(sgB, x, p, d); }) },
];

const ms = new Map<string, [number[], number[]]>();
const TRAIN = 'cnnTrain step, character CNN, batch 100';
const EPOCH = 'cnnTrain epoch, character CNN, 20 batches of 100 (no validation)';
for (const r of [...rows.map((r) => r.name), TRAIN, EPOCH]) ms.set(r, [[], []]);
let seen = '';
prepareEpoch(20);
for (let round = 0; round < ROUNDS; round++) {
  for (const [i, threads] of [1, 2].entries()) {
    await init({ threads });
    seen += `${threadCount()}`;
    for (const r of rows) ms.get(r.name)![i].push(timeCall(r.make ? r.make() : r.f!, r.budget));
    const [step, epoch] = await train(20);
    ms.get(TRAIN)![i].push(step);
    ms.get(EPOCH)![i].push(epoch);
    dispose();
  }
}
if (!/^(12)+$/.test(seen)) throw new Error(`threads bench: the pool did not start (thread counts ${seen})`);

console.log(`\n## nnblocks threads: 2 threads against 1 (init({ threads })), ${ROUNDS} alternating rounds\n`);
console.log('| workload | 1 thread, ms | 2 threads, ms | ratio 2/1 | goal |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const [name, [a, b]] of ms) {
  const goal = name === TRAIN || name === EPOCH ? 0.6 : rows.find((r) => r.name === name)?.goal;
  const one = median(a), two = median(b);
  console.log(`| ${name} | ${one.toFixed(3)} | ${two.toFixed(3)} | ${(two / one).toFixed(2)} | ${goal === undefined ? '' : `<= ${goal}`} |`);
}
