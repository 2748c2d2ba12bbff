// simplenn on the practical's character CNN (NETWORKS.md §4.3.3, without its loss layer until the
// loss blocks land): the resident run against tfjs-wasm running the same layers (conv2d, maxPool,
// relu), forward at batch 1 and 100; and forward + backward against nnblocks' own blocks called one
// by one (each copying in and out), which is what the resident run saves.
import { bench, tf, type Case } from './harness.js';
import { nnconv, nnpool, nnrelu, randn, simplenn, simplennTidy, Tensor, zeros, type Layer, type Res } from '../src/index.js';

function charCNN() {
  const conv = (shape: number[], seed: number): Layer => ({ type: 'conv',
    weights: [new Tensor(randn(shape, { seed }).data.map((v) => v / 100), shape), zeros([1, shape[3]])], stride: 1, pad: 0 });
  const pool = (): Layer => ({ type: 'pool', method: 'max', pool: [2, 2], stride: 2, pad: 0 });
  return simplennTidy({ layers: [conv([5, 5, 1, 20], 1), pool(), conv([5, 5, 20, 50], 2), pool(), conv([4, 4, 50, 500], 3),
    { type: 'relu' }, conv([2, 2, 500, 26], 4)] });
}

/** tfjs wants filters as [FH, FW, C, K] (ours) and data as NHWC: transposed once, outside the timing. */
function toNHWC(t: Tensor): tf.Tensor4D {
  const [H, W, C, N] = t.shape;
  return tf.transpose(tf.tensor4d(t.data, [N, C, W, H]), [0, 3, 2, 1]) as tf.Tensor4D;
}

const blocksBackward = (net: ReturnType<typeof charCNN>, x: Tensor, dzdy: Tensor): void => {
  const xs = [x];
  for (const ly of net.layers) {
    const a = xs[xs.length - 1];
    xs.push(ly.type === 'conv' ? nnconv(a, ly.weights![0]!, ly.weights![1]!) : ly.type === 'pool' ? nnpool(a, 2, { stride: 2 }) : nnrelu(a));
  }
  let d = dzdy;
  for (let l = net.layers.length - 1; l >= 0; l--) {
    const ly = net.layers[l];
    d = ly.type === 'conv' ? nnconv(xs[l], ly.weights![0]!, ly.weights![1]!, d).dzdx : ly.type === 'pool' ? nnpool(xs[l], 2, d, { stride: 2 }) : nnrelu(xs[l], d);
  }
};

await bench('simplenn: the character CNN (loaded machine figures)', () => {
  const net = charCNN();
  const cases: Case[] = [];
  for (const N of [1, 100]) {
    const x = randn([32, 32, 1, N], { seed: 5 });
    const tx = toNHWC(x);
    const tw = net.layers.map((ly) => (ly.type === 'conv' ? tf.transpose(tf.tensor4d(ly.weights![0]!.data,
      [ly.weights![0]!.shape[3], ly.weights![0]!.shape[2], ly.weights![0]!.shape[1], ly.weights![0]!.shape[0]]), [3, 2, 1, 0]) as tf.Tensor4D : null));
    const tb = net.layers.map((ly) => (ly.type === 'conv' ? tf.tensor1d(ly.weights![1]!.data) : null));
    let res: Res[] = [];
    cases.push({
      name: `forward, batch ${N} (res passed back)`, goal: 0.5,
      ours: () => { res = simplenn(net, x, null, res); },
      peer: () => {
        let a: tf.Tensor4D = tx;
        net.layers.forEach((ly, l) => {
          a = ly.type === 'conv' ? tf.add(tf.conv2d(a, tw[l]!, 1, 'valid'), tb[l]!) as tf.Tensor4D
            : ly.type === 'pool' ? tf.maxPool(a, 2, 2, 'valid') : tf.relu(a);
        });
        return a.dataSync();
      },
    });
  }
  const x = randn([32, 32, 1, 100], { seed: 6 });
  const dzdy = randn([1, 1, 26, 100], { seed: 7 });
  let res: Res[] = [];
  cases.push({ name: 'forward + backward, batch 100: simplenn vs nnblocks blocks one by one (peer column)',
    ours: () => { res = simplenn(net, x, dzdy, res, { conserveMemory: true }); }, peer: () => blocksBackward(net, x, dzdy) });
  return cases;
});
