// The filter banks of part 1 of the VGG CNN practical (exercise1.m), as
// [FH, FW, FC, K] tensors. Column-major like MATLAB: w(i, j, c, k) is
// data[i + FH*(j + FW*(c + FC*k))].
import { Tensor, randn } from 'nnblocks';

/** `taps` (FH x FW, listed row by row as MATLAB prints it) on each of `C` channels, then its negative if `pair`. */
function bank(taps, FH, FW, C, pair) {
  const K = pair ? 2 : 1;
  const data = new Float32Array(FH * FW * C * K);
  for (let k = 0; k < K; k++) {
    const sign = k === 0 ? 1 : -1;
    for (let c = 0; c < C; c++) {
      for (let i = 0; i < FH; i++) {
        for (let j = 0; j < FW; j++) data[i + FH * (j + FW * (c + C * k))] = sign * taps[i * FW + j];
      }
    }
  }
  return new Tensor(data, [FH, FW, C, K]);
}

/**
 * The choices of the page's filter menu. `make(seed)` returns the bank;
 * `describe(seed)` says what it is, with the practical's MATLAB.
 */
export const FILTERS = {
  random: {
    label: 'Random, 5×5×3×10',
    describe: (seed) => `w = randn(5,5,3,10) with seed ${seed}: ten random 5×5 filters over the three colour channels.`,
    make: (seed) => randn([5, 5, 3, 10], { seed }),
  },
  laplacian: {
    label: 'Laplacian, 3×3',
    describe: () => 'w = [0 1 0; 1 −4 1; 0 1 0] on each channel (repmat(w, [1 1 3])): one filter that responds to blobs and thin lines.',
    make: () => bank([0, 1, 0, 1, -4, 1, 0, 1, 0], 3, 3, 3, false),
  },
  vertical: {
    label: 'Vertical edges, 1×3',
    describe: () => 'w = [1 0 −1] (1×3) on each channel and its negative, cat(4, w, −w): left-to-right changes, one map per polarity.',
    make: () => bank([1, 0, -1], 1, 3, 3, true),
  },
  horizontal: {
    label: 'Horizontal edges, 3×1',
    describe: () => 'w = [1; 0; −1] (3×1) on each channel and its negative: top-to-bottom changes, one map per polarity.',
    make: () => bank([1, 0, -1], 3, 1, 3, true),
  },
};
