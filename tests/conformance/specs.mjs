// The inputs of the conformance cases: seeds, shapes and options. Both the
// generator of expected values (tools/make-conformance.ts, from the naive
// references in tests/ref/) and the cases (cases.mjs) read this table, so
// they cannot drift apart.
export const specs = {
  relu: { shape: [7, 5, 3], seeds: [11, 12], leak: 0.1 },
  // Grouped (G = 2), strided, dilated, asymmetrically padded, batch of 2.
  conv: {
    x: [9, 8, 4, 2], w: [3, 3, 2, 6], b: [6], seeds: [21, 22, 23, 24],
    opts: { pad: [1, 0, 2, 1], stride: [2, 1], dilate: [1, 2] },
  },
  // The practical's layer at a small size.
  convPlain: { x: [12, 10, 3, 1], w: [5, 5, 3, 10], seeds: [31, 32, 33] },
  // Empty filter bank: pad, subsample and bias only.
  convIdentity: { x: [6, 7, 3, 1], b: [3], seeds: [41, 42, 43], opts: { pad: [1, 2, 0, 1], stride: [2, 3] } },
  poolMax: { x: [10, 9, 3, 2], pool: [3, 2], seeds: [51, 52], opts: { method: 'max', pad: [1, 1, 0, 1], stride: [2, 1] } },
  poolAvg: { x: [10, 9, 3, 2], pool: [3, 2], seeds: [53, 54], opts: { method: 'avg', pad: [1, 1, 0, 1], stride: [2, 1] } },
  poolWide: { x: [23, 21, 2, 1], pool: 10, seeds: [55, 56], opts: {} },
  // nnconvt: upsampled, cropped asymmetrically, 3 groups, bias, batch of 2.
  convt: { x: [5, 4, 6, 2], w: [3, 4, 2, 6], b: [6], seeds: [71, 72, 73, 74], opts: { upsample: [2, 3], crop: [1, 0, 2, 1], numGroups: 3 } },
  // nnbnorm: batch statistics, forward and backward (g, b of C elements in other shapes).
  bnorm: { x: [6, 5, 3, 2], g: [1, 1, 3], b: [3], seeds: [71, 72, 73, 74], epsilon: 1e-3 },
  // nndropout: a seeded mask (the generator's numbers in every runtime), y and dzdx through it.
  dropout: { x: [7, 6, 3], seeds: [81, 82], seed: 2026, rate: 0.3 },
  // nnpdist: x0 one vector per image, p = 3 with its root, per-image weights.
  pdist: { x: [4, 5, 3, 2], x0: [1, 1, 3, 2], w: [1, 1, 1, 2], seeds: [91, 92, 93, 94], p: 3 },
  // LRN with an even window (the backward window is the forward one transposed), spnorm with an
  // even window (asymmetric pads) on small planes, noffset with DagNN's default.
  normalize: { x: [5, 3, 10, 2], param: [4, 0.1, 0.5, 0.75], seeds: [71, 72] },
  spnorm: { x: [7, 6, 3, 2], param: [3, 2, 0.5, 0.75], seeds: [73, 74] },
  noffset: { x: [5, 3, 4, 2], param: [1, 0.5], seeds: [75, 76] },
  // Issue 10: sigmoid (x scaled by 8: saturated tails), softmax in both loop shapes (pixel
  // lanes and 1x1 channels), three losses with ignored labels and weights, softmaxloss with
  // a weight channel. Labels are written out; attribute labels are sign(randn(seed)).
  sigmoid: { shape: [9, 7, 3], seeds: [81, 82], scale: 8 },
  softmax: { shapes: [[5, 3, 7, 2], [1, 1, 26, 3]], seeds: [83, 84] },
  loss: {
    x: [2, 3, 4, 2], seeds: [85, 86, 87], classes: [1, 4, 0, 2, 3, 3, 4, 0, 1, 1, 2, 4],
    cases: [
      { loss: 'softmaxlog', instanceWeights: [0.5, 2] },
      { loss: 'mshinge', classWeights: [1, 0.5, 2, 1] },
      { loss: 'logistic', attribute: true },
    ],
  },
  softmaxloss: { x: [2, 3, 5, 2], seeds: [88, 89], c: [1, 5, 0, 2, 3, 4, 0.5, 1, 1, 2, 0, 1.5, 2, 2, 3, 1, 5, 4, 1, 1, 1, 1, 0.25, 3] },
};
