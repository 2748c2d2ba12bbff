// Small nets and data sets for the cnnTrain tests: a separable synthetic set (two clusters per
// class in 2-D, as 1x1x2 images), fully connected layers, and a softmax-log loss written here
// from its formula (NETWORKS.md §5: a sum over the batch of logsumexp(x) - x_c) as a custom layer,
// so that the trainer is tested on arithmetic the test controls.
import { Tensor, nnconv, randn, zeros, type Layer, type Res, type SimpleNN } from '../src/index.js';
import type { Imdb } from '../src/net/train.js';

export function scaled(t: Tensor, a: number): Tensor {
  return new Tensor(t.data.map((v) => v * a), t.shape);
}

/** A 1x1 conv (fully connected on 1x1xD inputs) as a custom layer with weights [w, b]. */
export function fcCustom(w: Tensor, b: Tensor, name = 'fc'): Layer {
  return {
    type: 'custom', name, weights: [w, b],
    forward: (ly: Layer, a: Res, r: Res): Res => ({ ...r, x: nnconv(a.x as Tensor, ly.weights![0]!, ly.weights![1]!) }),
    backward: (ly: Layer, a: Res, r: Res): Res => {
      const d = nnconv(a.x as Tensor, ly.weights![0]!, ly.weights![1]!, r.dzdx as Tensor);
      return { ...a, dzdx: d.dzdx, dzdw: [d.dzdw, d.dzdb] };
    },
  } as Layer;
}

/** Softmax-log loss over the channels of a 1x1xCxN input, summed over the batch; labels 1-based in `class`. */
export function softmaxLossCustom(): Layer {
  const probs = (x: Tensor): Float64Array[] => {
    const [, , C, N] = x.shape;
    return Array.from({ length: N }, (_, n) => {
      const s = Array.from({ length: C }, (_, k) => x.data[k + C * n]);
      const mx = Math.max(...s);
      const e = s.map((v) => Math.exp(v - mx));
      const z = e.reduce((p, q) => p + q, 0);
      return Float64Array.from(e, (v) => v / z);
    });
  };
  return {
    type: 'custom', name: 'loss',
    forward: (ly: Layer, a: Res, r: Res): Res => {
      const x = a.x as Tensor;
      const c = ly.class as number[];
      let y = 0;
      probs(x).forEach((p, n) => { y -= Math.log(p[c[n] - 1]); });
      return { ...r, x: new Tensor(Float32Array.of(y), [1, 1]) };
    },
    backward: (ly: Layer, a: Res, r: Res): Res => {
      const x = a.x as Tensor;
      const C = x.shape[2];
      const c = ly.class as number[];
      const d = new Float32Array(x.numel);
      const dzdy = (r.dzdx as Tensor).data[0];
      probs(x).forEach((p, n) => { for (let k = 0; k < C; k++) d[k + C * n] = (p[k] - (k === c[n] - 1 ? 1 : 0)) * dzdy; });
      return { ...a, dzdx: new Tensor(d, x.shape) };
    },
  } as Layer;
}

/**
 * `n` points of `classes` classes in 2-D: class k (1-based) is two clusters around
 * ±(cos, sin)(2πk/classes)·3 with spread 0.3: separable, but not by one line through 0 for every
 * pair, so the hidden layer matters. set: every 4th image is validation.
 */
export function separableSet(n: number, classes: number, seed: number): Imdb & { images: { data: Float32Array; label: number[]; set: number[] } } {
  const noise = randn([2, n], { seed }).data;
  const data = new Float32Array(2 * n);
  const label: number[] = [];
  const set: number[] = [];
  for (let i = 0; i < n; i++) {
    const k = i % classes;
    const side = Math.floor(i / classes) % 2 === 0 ? 1 : -1;
    const a = (2 * Math.PI * k) / (2 * classes);
    data[2 * i] = side * 3 * Math.cos(a) + 0.3 * noise[2 * i];
    data[2 * i + 1] = side * 3 * Math.sin(a) + 0.3 * noise[2 * i + 1];
    label.push(k + 1);
    set.push(i % 4 === 3 ? 2 : 1);
  }
  return { images: { data, label, set }, meta: { classes } };
}

/** getBatch of separableSet: 1x1x2xB images and their labels. */
export function pointBatch(imdb: Imdb, batch: number[]): [Tensor, number[]] {
  const { data, label } = imdb.images as { data: Float32Array; label: number[] };
  const x = new Float32Array(2 * batch.length);
  batch.forEach((i, b) => { x[2 * b] = data[2 * i]; x[2 * b + 1] = data[2 * i + 1]; });
  return [new Tensor(x, [1, 1, 2, batch.length]), batch.map((i) => label[i])];
}

/** fc 2 -> hidden, relu, fc hidden -> classes, loss: the layers as simplenn runs them (custom fc and loss). */
export function mlpCustom(hidden: number, classes: number, seed: number): SimpleNN {
  return {
    layers: [
      fcCustom(scaled(randn([1, 1, 2, hidden], { seed }), 0.5), zeros([1, hidden]), 'fc1'),
      { type: 'relu' },
      fcCustom(scaled(randn([1, 1, hidden, classes], { seed: seed + 1 }), 0.5), zeros([1, classes]), 'fc2'),
      softmaxLossCustom(),
    ],
  };
}

/**
 * 8x8x1 images of a bar with noise: class 1 vertical, 2 horizontal, 3 a diagonal; the bar's
 * position varies, so the conv layers must learn the orientation. set: every 4th is validation.
 */
export function barSet(n: number, seed: number): Imdb & { images: { data: Float32Array; label: number[]; set: number[] } } {
  const noise = randn([8, 8, 1, n], { seed }).data;
  const data = new Float32Array(64 * n);
  const label: number[] = [];
  const set: number[] = [];
  for (let k = 0; k < n; k++) {
    const c = (k % 3) + 1;
    const at = 1 + ((k * 5) % 6);
    for (let j = 0; j < 8; j++) {
      for (let i = 0; i < 8; i++) {
        const on = c === 1 ? j === at : c === 2 ? i === at : i === j;
        data[i + 8 * j + 64 * k] = (on ? 1 : 0) + 0.1 * noise[i + 8 * j + 64 * k];
      }
    }
    label.push(c);
    set.push(k % 4 === 3 ? 2 : 1);
  }
  return { images: { data, label, set } };
}

export function barBatch(imdb: Imdb, batch: number[]): [Tensor, number[]] {
  const { data, label } = imdb.images as { data: Float32Array; label: number[] };
  const x = new Float32Array(64 * batch.length);
  batch.forEach((i, b) => x.set(data.subarray(64 * i, 64 * i + 64), 64 * b));
  return [new Tensor(x, [8, 8, 1, batch.length]), batch.map((i) => label[i])];
}

/** conv 3x3x1x8, relu, max pool 2, conv 3x3x8x3 to 1x1, softmaxloss: the character CNN's layer kinds. */
export function barCNN(seed: number): SimpleNN {
  return {
    layers: [
      { type: 'conv', weights: [scaled(randn([3, 3, 1, 8], { seed }), 0.3), zeros([1, 8])] },
      { type: 'relu' },
      { type: 'pool', method: 'max', pool: 2, stride: 2 },
      { type: 'conv', weights: [scaled(randn([3, 3, 8, 3], { seed: seed + 1 }), 0.3), zeros([1, 3])] },
      { type: 'softmaxloss' },
    ],
  };
}
