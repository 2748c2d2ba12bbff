// Nets shared by the simplenn, tidy and display tests: the character CNN of the practical
// (NETWORKS.md §4.3.3) with seeded weights, and nets described by shape in
// tests/fixtures/display/nets.json (the same description tools/display-fixtures.m builds in Octave).
import { Tensor, randn, zeros } from '../src/index.js';
import type { Layer, SimpleNN } from '../src/index.js';

/** initializeCharacterCNN(): f = 1/100, filters f*randn, zero biases (seeded here). */
export function characterCNN(seed = 1): SimpleNN {
  const f = 1 / 100;
  const conv = (shape: number[], s: number): Layer => ({
    type: 'conv', weights: [scale(randn(shape, { seed: s }), f), zeros([1, shape[3]])], stride: 1, pad: 0 });
  const pool = (): Layer => ({ type: 'pool', method: 'max', pool: [2, 2], stride: 2, pad: 0 });
  return { layers: [conv([5, 5, 1, 20], seed), pool(), conv([5, 5, 20, 50], seed + 1), pool(),
    conv([4, 4, 50, 500], seed + 2), { type: 'relu' }, conv([2, 2, 500, 26], seed + 3), { type: 'softmaxloss' }] };
}

export function scale(t: Tensor, a: number): Tensor {
  return new Tensor(t.data.map((v) => v * a), t.shape);
}

type Spec = Record<string, unknown>;

function zerosOf(shape: number[]): Tensor {
  return shape.length === 0 ? new Tensor(new Float32Array(0), [0, 0]) : zeros(shape);
}

/** A net of nets.json: weights, filters and biases given by shape become zeros of that shape. */
export function buildNet(spec: Spec): SimpleNN {
  const layers = (spec.layers as Spec[]).map((s) => {
    const ly: Layer = { ...(s as Layer) };
    if (Array.isArray(s.weights)) ly.weights = (s.weights as number[][]).map(zerosOf);
    if (Array.isArray(s.filters)) ly.filters = zerosOf(s.filters as number[]);
    if (Array.isArray(s.biases)) ly.biases = zerosOf(s.biases as number[]);
    if (typeof s.forwardDepth === 'number') {
      const d = s.forwardDepth;
      delete ly.forwardDepth;
      ly.getForwardSize = (_: Layer, sz: number[]) => [sz[0], sz[1], d, sz[3]];
    }
    return ly;
  });
  return spec.meta === undefined ? { layers } : { layers, meta: structuredClone(spec.meta) as Record<string, unknown> };
}
