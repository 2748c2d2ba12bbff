// simplennTidy: vl_simplenn_tidy (NETWORKS.md §2.1) — legacy fields moved, defaults filled, a new net.

import { Tensor, isTensor, zeros } from '../tensor.js';
import { tagOf } from '../options.js';
import { DEFAULTS, WEIGHTED } from './defaults.js';
import { LAYER_TYPES, layerLabel, type Layer, type LayerType, type SimpleNN } from './types.js';

const WHO = 'simplennTidy';

/**
 * tnet = simplennTidy(net): a new, complete simplenn net, as vl_simplenn_tidy makes it.
 *
 * - The result is `{ layers, meta }` only: any other top-level field of `net` is dropped.
 *   `meta` is a copy of `net.meta`; legacy top-level `classes` and `normalization` move into it
 *   (overriding meta's own); if `meta.normalization` has `border` and `imageSize` but no
 *   `cropSize`, `cropSize = imageSize(1:2) ./ (imageSize(1:2) + border)`.
 * - custom layers are kept as they are (the same object: they may be class instances).
 * - conv, convt and bnorm layers without `weights` get `weights = [filters, biases]` and lose
 *   those two fields; any other layer without `weights` gets `[]`; a bnorm layer with fewer than
 *   3 weights gets moments `zeros([C, 2])` (C = numel of weights[0]).
 * - Missing fields are filled, new ones after the existing: `name = 'layer' + (l + 1)`,
 *   `precious = false`, then the type's defaults: conv `pad 0, stride 1, dilate 1, opts []`;
 *   pool `method 'max', pad 0, stride 1, opts []` (nnblocks: MatConvNet's tidy never sets
 *   `method`); convt `crop 0, upsample 1, numGroups 1, opts []`; relu `leak 0`; dropout
 *   `rate 0.5`; normalize/lrn `param [5 1 1e-4/5 0.75]`; pdist `noRoot false, aggregate false,
 *   p 2, epsilon 1e-3, instanceWeights null`; bnorm `epsilon 1e-5`. A field set to `undefined`
 *   counts as missing. Existing fields are never changed except as below.
 * - Values as a model file gives them (readMat's `{ class, dims, data }`) become what simplenn
 *   reads: weights, `class` and `instanceWeights` Tensors (single arrays shared, others
 *   converted to float32), other numeric fields numbers (one element) or number arrays,
 *   logical ones booleans, cells arrays; `learningRate`/`weightDecay` are always arrays.
 *
 * The input is never modified; weight Tensors are shared with it, not copied (as MATLAB shares
 * arrays until one is written). An unknown type is kept as it is (simplenn rejects it).
 */
export function simplennTidy(net: SimpleNN): SimpleNN {
  if (typeof net !== 'object' || net === null) throw new Error(`${WHO}: net must be an object, got ${tagOf(net)}`);
  const src = net as unknown as Record<string, unknown>;
  const meta: Record<string, unknown> = isPlainObject(src.meta) ? { ...src.meta } : {};
  if (src.classes !== undefined) meta.classes = src.classes;
  if (src.normalization !== undefined) meta.normalization = src.normalization;
  const norm = meta.normalization;
  if (isPlainObject(norm) && norm.cropSize === undefined && norm.border !== undefined && norm.imageSize !== undefined) {
    meta.normalization = { ...norm, cropSize: cropSizeOf(norm.imageSize, norm.border) };
  }
  const layers = cellItems(src.layers);
  if (layers === null) throw new Error(`${WHO}: net.layers must be an array of layers, got ${tagOf(src.layers)}`);
  return { layers: layers.map((ly, l) => tidyLayer(ly, l)), meta };
}

function tidyLayer(v: unknown, l: number): Layer {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new Error(`${WHO}: ${layerLabel(l, v)} must be an object, got ${tagOf(v)}`);
  }
  const src = v as Record<string, unknown>;
  if (typeof src.type !== 'string') {
    throw new Error(`${WHO}: ${layerLabel(l, src)} has no type (a string such as 'conv'), got ${tagOf(src.type)}`);
  }
  if (src.type === 'custom') return v as Layer;
  const ly: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(src)) if (value !== undefined) ly[key] = fromMat(key, value);
  if (WEIGHTED.includes(src.type) && ly.weights === undefined) {
    if (ly.filters === undefined) {
      throw new Error(`${WHO}: ${layerLabel(l, src)}: a ${src.type} layer needs weights (or the legacy filters and biases)`);
    }
    const w = [ly.filters, ly.biases ?? null];
    delete ly.filters;
    delete ly.biases;
    ly.weights = w;
  }
  if (ly.weights === undefined) ly.weights = [];
  const weights = cellItems(ly.weights);
  if (weights === null) throw new Error(`${WHO}: ${layerLabel(l, src)}: weights must be an array, got ${tagOf(ly.weights)}`);
  ly.weights = weights.map((w, j) => asWeight(`${layerLabel(l, src)}: weights[${j}]`, w));
  if (src.type === 'bnorm') {
    const w = ly.weights as (Tensor | null)[];
    if (w.length < 3) {
      const C = w[0]?.numel ?? 0;
      while (w.length < 2) w.push(emptyTensor());
      w.push(zeros([C, 2]));
    }
  }
  const defaults: Record<string, unknown> = { name: `layer${l + 1}`, precious: false,
    ...(isLayerType(src.type) ? DEFAULTS[src.type]() : {}) };
  for (const [key, value] of Object.entries(defaults)) if (ly[key] === undefined) ly[key] = value;
  return ly as Layer;
}

function isLayerType(t: string): t is LayerType {
  return (LAYER_TYPES as readonly string[]).includes(t);
}

function cropSizeOf(imageSize: unknown, border: unknown): number[] {
  const insz = toNumberArray(imageSize).slice(0, 2);
  const b = toNumberArray(border);
  return insz.map((s, i) => s / (s + (b.length === 1 ? b[0] : b[i])));
}

// ---------------------------------------------------------------------------------------------
// Values as a model file gives them. readMat's numeric arrays are { class, dims, data } (FORMATS.md).

interface MatNumeric { class: string; dims: number[]; data: ArrayLike<number | bigint> }

/** A full numeric array (readMat's sparse and 3-D char arrays have dims and typed data too, but are not numbers by position). */
function isMatNumeric(v: unknown): v is MatNumeric {
  return typeof v === 'object' && v !== null && !isTensor(v) && typeof (v as MatNumeric).class === 'string' &&
    (v as MatNumeric).class !== 'sparse' && (v as MatNumeric).class !== 'char' &&
    Array.isArray((v as MatNumeric).dims) && ArrayBuffer.isView((v as MatNumeric).data) &&
    !((v as { data: unknown }).data instanceof DataView);
}

function isMatCell(v: unknown): v is { class: 'cell'; dims: number[]; data: unknown[] } {
  return typeof v === 'object' && v !== null && (v as { class?: unknown }).class === 'cell' && Array.isArray((v as { data?: unknown }).data);
}

function cellItems(v: unknown): unknown[] | null {
  if (Array.isArray(v)) return v;
  if (isMatCell(v)) return v.data;
  return null;
}

const TENSOR_FIELDS = ['class', 'instanceWeights'];
const ARRAY_FIELDS = ['learningRate', 'weightDecay'];

/** One field of a layer as simplenn reads it (MAT values converted, everything else as it is). */
function fromMat(key: string, v: unknown): unknown {
  if (isMatCell(v)) return v.data;
  if (!isMatNumeric(v)) return v;
  if (TENSOR_FIELDS.includes(key)) return v.data.length === 0 ? null : matToTensor(key, v);
  const vals = Array.from(v.data as ArrayLike<number | bigint>, Number);
  if (v.class === 'logical') return vals.length === 1 ? vals[0] !== 0 : vals.map((x) => x !== 0);
  return vals.length === 1 && !ARRAY_FIELDS.includes(key) ? vals[0] : vals;
}

function asWeight(what: string, w: unknown): Tensor | null {
  if (w === null) return null;
  if (isTensor(w)) return w;
  if (isMatNumeric(w)) return matToTensor(what, w);
  throw new Error(`${WHO}: ${what} must be a Tensor (or a numeric array as readMat gives it), got ${tagOf(w)}`);
}

/**
 * The one conversion from a MAT numeric array to a Tensor: single data is shared, any other class
 * converted to float32 (MATLAB's single()). Dimensions past the 4th must be 1; complex arrays are refused.
 */
export function matToTensor(what: string, v: MatNumeric): Tensor {
  if ((v as { imag?: unknown }).imag !== undefined) throw new Error(`${WHO}: ${what} is complex; only real arrays can be weights`);
  const dims = v.dims.slice();
  while (dims.length > 4 && dims[dims.length - 1] === 1) dims.pop();
  if (dims.length > 4) throw new Error(`${WHO}: ${what} is ${dims.join('x')}; a Tensor has at most 4 dimensions`);
  const data = v.data instanceof Float32Array ? v.data : Float32Array.from(v.data as ArrayLike<number | bigint>, Number);
  return new Tensor(data, dims.length === 0 ? [0, 0] : dims);
}

function emptyTensor(): Tensor {
  return new Tensor(new Float32Array(0), [0, 0]);
}

function toNumberArray(v: unknown): number[] {
  if (typeof v === 'number') return [v];
  if (Array.isArray(v)) return v.map(Number);
  if (isMatNumeric(v)) return Array.from(v.data as ArrayLike<number | bigint>, Number);
  if (isTensor(v)) return Array.from(v.data);
  return [NaN];
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v) && !isTensor(v);
}

export { toNumberArray, isMatNumeric };
