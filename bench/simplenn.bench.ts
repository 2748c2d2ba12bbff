// simplenn on the practical's character CNN (NETWORKS.md §4.3.3): forward of the deployed net
// (softmax in place of the loss) against tfjs-wasm running the same layers (conv2d, maxPool, relu,
// softmax) at batch 1 and 100; and a training step's forward + backward (softmaxloss, dzdy = 1)
// against nnblocks' own blocks called one by one (each copying in and out), which is what the
// resident run saves.
import { bench, benchThreads, median, tf, type Case, toNHWC } from './harness.js';
import { dispose, init, nnconv, nnpool, nnrelu, nnsoftmaxloss, randn, simplenn, simplennTidy, Tensor, type Res } from '../src/index.js';
import { reserve, write } from '../src/wasm.js';
import { charCNN } from './charcnn.js';

const tidyCNN = (last: 'softmax' | 'softmaxloss') => simplennTidy(charCNN(last));


/** The training step's passes, block by block (conv's dzdw and dzdb included, as simplenn computes them). */
const blocksStep = (net: ReturnType<typeof tidyCNN>, x: Tensor, c: Tensor): void => {
  const xs = [x];
  for (const ly of net.layers) {
    const a = xs[xs.length - 1];
    xs.push(ly.type === 'conv' ? nnconv(a, ly.weights![0]!, ly.weights![1]!) : ly.type === 'pool' ? nnpool(a, 2, { stride: 2 })
      : ly.type === 'relu' ? nnrelu(a) : nnsoftmaxloss(a, c));
  }
  let d = new Tensor(Float32Array.of(1), [1, 1]);
  for (let l = net.layers.length - 1; l >= 0; l--) {
    const ly = net.layers[l];
    d = ly.type === 'conv' ? nnconv(xs[l], ly.weights![0]!, ly.weights![1]!, d).dzdx! : ly.type === 'pool' ? nnpool(xs[l], 2, d, { stride: 2 })
      : ly.type === 'relu' ? nnrelu(xs[l], d) : nnsoftmaxloss(xs[l], c, d);
  }
};

/** The forward rows against tfjs (names end in `tag`), and with `step` the training step's row. */
function cases(tag: string, step: boolean): Case[] {
  const net = tidyCNN('softmax');
  const cases: Case[] = [];
  for (const N of [1, 100]) {
    const x = randn([32, 32, 1, N], { seed: 5 });
    const tx = toNHWC(x);
    const tw = net.layers.map((ly) => (ly.type === 'conv' ? tf.transpose(tf.tensor4d(ly.weights![0]!.data,
      [ly.weights![0]!.shape[3], ly.weights![0]!.shape[2], ly.weights![0]!.shape[1], ly.weights![0]!.shape[0]]), [3, 2, 1, 0]) as tf.Tensor4D : null));
    const tb = net.layers.map((ly) => (ly.type === 'conv' ? tf.tensor1d(ly.weights![1]!.data) : null));
    let res: Res[] = [];
    let kept: Res[] = [];
    const peer = (): Float32Array => {
      let a: tf.Tensor4D = tx;
      net.layers.forEach((ly, l) => {
        a = ly.type === 'conv' ? tf.add(tf.conv2d(a, tw[l]!, 1, 'valid'), tb[l]!) as tf.Tensor4D
          : ly.type === 'pool' ? tf.maxPool(a, 2, 2, 'valid') : ly.type === 'relu' ? tf.relu(a) : tf.softmax(a);
      });
      return a.dataSync() as Float32Array;
    };
    cases.push({ name: `forward, batch ${N} (res passed back)${tag}`, goal: 0.5, ours: () => { res = simplenn(net, x, null, res); }, peer });
    // What a server asks for: the output alone (res keeps x and the output; tfjs returns the output).
    cases.push({ name: `forward, batch ${N}, conserveMemory (res keeps the output only)${tag}`, goal: 0.5,
      ours: () => { kept = simplenn(net, x, null, kept, { conserveMemory: true }); }, peer });
  }
  if (!step) return cases;
  const train = tidyCNN('softmaxloss');
  const x = randn([32, 32, 1, 100], { seed: 6 });
  const c = new Tensor(Float32Array.from({ length: 100 }, (_, i) => 1 + (i % 26)), [100, 1]);
  train.layers[7].class = c;
  train.layers[6].precious = true;
  let res: Res[] = [];
  cases.push({ name: 'training step forward + backward, batch 100: simplenn vs nnblocks blocks one by one (peer column)',
    ours: () => { res = simplenn(train, x, 1, res, { conserveMemory: true }); }, peer: () => blocksStep(train, x, c) });
  return cases;
}

// One thread (like for like with tfjs-wasm's one), then 2 threads: what init() gives by default
// on a 2-core machine, so what a user of this machine sees.
const threads = benchThreads();
await bench('simplenn: the character CNN (loaded machine figures)', () => cases(threads === 1 ? '' : `, ${threads} threads`, true), threads);
if (threads === 1) {
  await bench('simplenn: the character CNN, 2 threads (what init() gives on this 2-core machine)', () => cases(', 2 threads', false), 2);
  dispose();
  await init({ threads: 1 });
}

// The engine's own share of a training step: the step's time against the sum of the layers' forward
// and backward times that simplenn records in res (planning, layout, copies in and out are the rest).
{
  const train = tidyCNN('softmaxloss');
  train.layers[7].class = new Tensor(Float32Array.from({ length: 100 }, (_, i) => 1 + (i % 26)), [100, 1]);
  train.layers[6].precious = true;
  const x = randn([32, 32, 1, 100], { seed: 8 });
  let res: Res[] = [];
  for (let i = 0; i < 3; i++) res = simplenn(train, x, 1, res, { conserveMemory: true });
  let total = 0;
  let layers = 0;
  const reps = 10;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    res = simplenn(train, x, 1, res, { conserveMemory: true });
    total += performance.now() - t0;
    layers += res.reduce((s, r) => s + r.time + r.backwardTime, 0) * 1000;
  }
  console.log(`\ntraining step, batch 100: ${(total / reps).toFixed(2)} ms, of which the layers ${(layers / reps).toFixed(2)} ms ` +
    `(engine ${((total - layers) / reps).toFixed(2)} ms, ratio ${(total / layers).toFixed(3)}); ` +
    `${(100 / (total / reps / 1000)).toFixed(0)} images/s forward + backward (no update)`);
}

// Where a forward call's time goes (batch 1 is the per-call case): the layers' kernels (the sum of
// res[l].time), the copy of the weights into WebAssembly memory (the same arrays copied alone, as
// each call does: 1.9 MB), and the rest of the engine (checks, the prepared run's snapshot
// comparison, x in, res out). Medians over interleaved calls.
{
  const net = tidyCNN('softmax');
  const weights = net.layers.flatMap((ly) => (ly.weights ?? []).filter((w): w is Tensor => w !== null && w.numel > 0).map((w) => w.data));
  const copyWeights = (): void => {
    const ptrs = reserve('simplenn.bench', ...weights.map((w) => w.length));
    weights.forEach((w, i) => write(ptrs[i], w));
  };
  for (const N of [1, 100]) {
    const x = randn([32, 32, 1, N], { seed: 9 });
    let res: Res[] = [];
    for (let i = 0; i < 20; i++) res = simplenn(net, x, null, res);
    const total: number[] = [], layers: number[] = [], copy: number[] = [];
    const reps = N === 1 ? 400 : 20;
    for (let i = 0; i < reps; i++) {
      let t0 = performance.now();
      res = simplenn(net, x, null, res);
      total.push(performance.now() - t0);
      layers.push(res.reduce((a, r) => a + r.time, 0) * 1000);
      t0 = performance.now();
      copyWeights();
      copy.push(performance.now() - t0);
    }
    const [t, l, c] = [median(total), median(layers), median(copy)];
    console.log(`forward, batch ${N}: ${t.toFixed(3)} ms = layers ${l.toFixed(3)} + weights copied in ${c.toFixed(3)} ` +
      `(${(weights.reduce((a, w) => a + w.length, 0) * 4 / 2 ** 20).toFixed(2)} MiB) + the rest of the engine ${(t - l - c).toFixed(3)} ms`);
  }
}
