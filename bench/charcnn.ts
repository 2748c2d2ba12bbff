// The practical's character CNN (NETWORKS.md §4.3.3) as initializeCharacterCNN() builds it, for the
// benches: f = 1/100, f * randn filters (seeded), zero biases, ending in `last`.
import { randn, Tensor, zeros, type Layer, type SimpleNN } from '../src/index.js';

export function charCNN(last: 'softmaxloss' | 'softmax' = 'softmaxloss'): SimpleNN {
  const conv = (shape: number[], seed: number): Layer => ({ type: 'conv',
    weights: [new Tensor(randn(shape, { seed }).data.map((v) => v / 100), shape), zeros([1, shape[3]])], stride: 1, pad: 0 });
  const pool = (): Layer => ({ type: 'pool', method: 'max', pool: [2, 2], stride: 2, pad: 0 });
  return { layers: [conv([5, 5, 1, 20], 1), pool(), conv([5, 5, 20, 50], 2), pool(), conv([4, 4, 50, 500], 3),
    { type: 'relu' }, conv([2, 2, 500, 26], 4), { type: last }] };
}
