// vl_simplenn_tidy's defaults for every layer type (NETWORKS.md §2.1), beyond `name`, `precious` and
// `weights` that every non-custom layer gets. One table for every type, also those whose blocks are
// not in simplenn's LAYERS yet: tidy must not depend on which kernels exist.

import type { LayerType } from './types.js';

/** Fresh default values (arrays are new each call, so tidied layers never share them). */
export const DEFAULTS: Record<LayerType, () => Record<string, unknown>> = {
  conv: () => ({ pad: 0, stride: 1, dilate: 1, opts: [] }),
  // nnblocks: MatConvNet's tidy has `case 'pool'` twice and never reaches the arm with method 'max'.
  pool: () => ({ method: 'max', pad: 0, stride: 1, opts: [] }),
  convt: () => ({ crop: 0, upsample: 1, numGroups: 1, opts: [] }),
  relu: () => ({ leak: 0 }),
  dropout: () => ({ rate: 0.5 }),
  normalize: () => ({ param: [5, 1, 0.0001 / 5, 0.75] }),
  lrn: () => ({ param: [5, 1, 0.0001 / 5, 0.75] }),
  // NOTE: tidy's epsilon (1e-3) differs from nnpdist's own default (1e-6), and bnorm's 1e-5 from nnbnorm's 1e-4.
  pdist: () => ({ noRoot: false, aggregate: false, p: 2, epsilon: 1e-3, instanceWeights: null }),
  bnorm: () => ({ epsilon: 1e-5 }),
  softmax: () => ({}),
  softmaxloss: () => ({}),
  loss: () => ({}),
  sigmoid: () => ({}),
  noffset: () => ({}),
  spnorm: () => ({}),
  custom: () => ({}),
};

/** Types whose `weights` are [filters, biases] (legacy `filters`/`biases`) and whose backward writes dzdw. */
export const WEIGHTED: readonly string[] = ['conv', 'convt', 'bnorm'];
