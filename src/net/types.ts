// The simplenn structs as plain objects (NETWORKS.md §1.3, §1.9; API.md "Networks").

import type { Tensor } from '../tensor.js';

/** Every layer type vl_simplenn knows (NETWORKS.md §1.4); 'normalize' and 'lrn' are one block. */
export const LAYER_TYPES = ['conv', 'convt', 'pool', 'normalize', 'lrn', 'spnorm', 'softmax', 'loss', 'softmaxloss',
  'relu', 'sigmoid', 'noffset', 'dropout', 'bnorm', 'pdist', 'custom'] as const;

export type LayerType = typeof LAYER_TYPES[number];

/**
 * A layer: `type` and the fields of its type as MatConvNet names them (conv `pad stride dilate`, pool
 * `pool method pad stride`, relu `leak`, dropout `rate`, lrn `param`, bnorm `epsilon`, loss `class`, ...).
 * `weights` holds Tensors (or null for a missing bias); simplennTidy fills every default.
 */
export interface Layer {
  type: string;
  name?: string;
  precious?: boolean;
  weights?: (Tensor | null)[];
  learningRate?: number[];
  weightDecay?: number[];
  [field: string]: unknown;
}

/**
 * A custom layer: `forward(layer, resIn, resOut)` returns the record res[l + 1] (its `x` the layer's
 * output) and `backward(layer, resIn, resOut)` returns res[l] (its `dzdx` set), as in vl_simplenn.
 */
export interface CustomLayer extends Layer {
  type: 'custom';
  forward(layer: CustomLayer, resIn: Res, resOut: Res): Res;
  backward(layer: CustomLayer, resIn: Res, resOut: Res): Res;
}

/** MatConvNet's simplenn struct: `layers` and the grab-bag `meta` (normalization, classes, inputSize, ...). */
export interface SimpleNN {
  layers: Layer[];
  meta?: Record<string, unknown>;
}

/**
 * One element of vl_simplenn's `res` (0-based: res[0].x is the input, res[l + 1].x layer l's output).
 * A field MATLAB would hold as `[]` is null.
 */
export interface Res {
  /** res[0]: the network input; res[l + 1]: the output of layer l. */
  x: Tensor | null;
  /** dz/d(input of layer l); res[L].dzdx is dzdy. */
  dzdx: Tensor | null;
  /** Derivatives of layer l's OWN weights, one per entry of `weights` (conv, convt, bnorm). */
  dzdw: (Tensor | null)[] | null;
  /** res[l + 1].aux: auxiliary output of layer l (the dropout mask); whatever a custom layer puts there. */
  aux: unknown;
  /** Diagnostics that cnnTrain writes; simplenn leaves it alone. */
  stats: unknown;
  /** Forward seconds of layer l. */
  time: number;
  /** Backward seconds of layer l. */
  backwardTime: number;
}

/** A fresh record with MATLAB's initial values ([] fields, zero times). */
export function emptyRes(): Res {
  return { x: null, dzdx: null, dzdw: null, aux: null, stats: null, time: 0, backwardTime: 0 };
}

/** "layer 3 ('conv2')": how every error names a layer (0-based index, as res and layers are in JS). */
export function layerLabel(l: number, ly: unknown): string {
  const name = typeof ly === 'object' && ly !== null ? (ly as Layer).name : undefined;
  return typeof name === 'string' ? `layer ${l} ('${name}')` : `layer ${l}`;
}
