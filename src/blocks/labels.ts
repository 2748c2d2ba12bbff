// Labels and weights of the loss blocks (nnloss, nnsoftmaxloss): MatConvNet's label
// forms, checked value by value once, in the plan functions (SEMANTICS §4.3).
//
// Labels are MatConvNet's: classes from 1, 0 = ignore. The runners take the values as a
// plain array (`labelValues(c)`: a Tensor's data, or the array itself) and index them
// with the plan's LabelLayout: channel k of pixel p (p = i + H*j) of image n is
//   c[(perPixel ? p : 0) + (perPixel ? H*W : 1) * (k + channels * n)].

import { isTensor, type Shape4 } from '../tensor.js';
import { dims, show, tagOf } from '../options.js';

/** Label values as the runners read them: a Tensor's data or the array given. */
export type LabelValues = ArrayLike<number>;

/** Where the labels of each pixel are (the plan's record of c's form). */
export interface LabelLayout {
  /** One label (set) per pixel; false: one per image, applied at every pixel. */
  readonly perPixel: boolean;
  /** Channels of c: 1 (classes), 2 (class and weight, nnsoftmaxloss), C (attributes). */
  readonly channels: number;
  /** Number of values in c. */
  readonly count: number;
}

/** An input read as values plus the shape a Tensor gives (null for arrays). */
export interface Given {
  readonly values: LabelValues;
  readonly shape: Shape4 | null;
}

/** The values of labels given as a Tensor, an array or a typed array (what the runners take). */
export function labelValues(c: unknown): LabelValues {
  return isTensor(c) ? c.data : (c as LabelValues);
}

/** Read a Tensor, a number[] or a (non-BigInt) typed array; anything else is an Error naming `name`. */
export function given(who: string, name: string, v: unknown): Given {
  if (isTensor(v)) return { values: v.data, shape: v.shape };
  const typed = ArrayBuffer.isView(v) && !(v instanceof DataView) &&
    !/Big(Int|Uint)64Array/.test(Object.prototype.toString.call(v));
  if (Array.isArray(v) || typed) return { values: v as LabelValues, shape: null };
  throw new Error(`${who}: ${name} must be a Tensor, an array or a typed array, got ${tagOf(v)}`);
}

const same = (a: readonly number[], b: readonly number[]): boolean => a.every((d, i) => d === b[i]);

/** "c[5] (pixel (1, 2) of image 0, channel 0)": where element `idx` of c sits under `l`. */
export function where(name: string, idx: number, l: LabelLayout, x: Shape4): string {
  const [H, W] = x;
  const P = l.perPixel ? H * W : 1;
  const p = idx % P;
  const rest = Math.floor(idx / P);
  const k = rest % l.channels;
  const n = Math.floor(rest / l.channels);
  const at = l.perPixel ? `pixel (${p % H}, ${Math.floor(p / H)}) of image ${n}` : `image ${n}`;
  return `${name}[${idx}] (${at}${l.channels > 1 ? `, channel ${k}` : ''})`;
}

/**
 * The form of c for x's shape: one label per image (N values, vl_nnloss's first test,
 * whatever c's shape), else per pixel with `channels` channels: a Tensor shaped
 * [H, W, channels, N], or an array of H*W*channels*N values in column-major order.
 * `alsoImage` lets a Tensor [1, 1, channels, N] stand for one label set per image
 * (vl_nnsoftmaxloss replicates it). `need` describes the accepted forms for the error.
 */
export function layoutOf(who: string, c: Given, x: Shape4, channels: number[], alsoImage: boolean, need: string): LabelLayout {
  const [H, W, , N] = x;
  const count = c.values.length;
  if (count === N && (channels.includes(1))) return Object.freeze({ perPixel: false, channels: 1, count });
  for (const ch of channels) {
    if (c.shape !== null ? same(c.shape, [H, W, ch, N]) : count === H * W * ch * N && ch === channels[0]) {
      return Object.freeze({ perPixel: true, channels: ch, count });
    }
    if (alsoImage && c.shape !== null && same(c.shape, [1, 1, ch, N])) return Object.freeze({ perPixel: false, channels: ch, count });
  }
  const seen = c.shape !== null ? `is ${dims(c.shape)}` : `has ${count} values`;
  throw new Error(`${who}: c ${seen} but x is ${dims(x)}: ${need}`);
}

/**
 * Check every label: channel 0 (or every channel for attributes) against `ok`, a weight
 * channel (channel 1 of a 2-channel layout) for finiteness. The Error names c, the value
 * and its position.
 */
export function checkLabels(who: string, c: Given, l: LabelLayout, x: Shape4, ok: (v: number) => boolean,
  rule: string, weightChannel: boolean): void {
  const v = c.values;
  const P = l.perPixel ? x[0] * x[1] : 1;
  for (let idx = 0; idx < v.length; idx++) {
    const a = v[idx];
    const isWeight = weightChannel && Math.floor(idx / P) % l.channels === 1;
    const good = isWeight ? typeof a === 'number' && Number.isFinite(a) : typeof a === 'number' && ok(a);
    if (!good) {
      throw new Error(`${who}: ${where('c', idx, l, x)} is ${show(a)}; ${isWeight ? 'a weight must be a finite number' : rule}`);
    }
  }
}

/** Instance weights broadcast to the labels' [H, W, Cl, N]: the values and a stride per dimension (0 = broadcast). */
export interface Weights {
  readonly data: Float64Array;
  readonly strides: readonly [number, number, number, number];
}

/**
 * instanceWeights: a number; a Tensor whose every size is 1 or the labels' (bsxfun's
 * rule); or an array of 1, N (one per image) or H*W*Cl*N values (column-major).
 */
export function instanceWeightsOf(who: string, v: unknown, to: Shape4): Weights {
  const name = 'instanceWeights';
  let shape: number[];
  let values: ArrayLike<number>;
  if (typeof v === 'number') {
    values = [v];
    shape = [1, 1, 1, 1];
  } else {
    const g = given(who, name, v);
    values = g.values;
    const n = values.length;
    const all = to[0] * to[1] * to[2] * to[3];
    if (g.shape !== null) shape = g.shape;
    else if (n === 1) shape = [1, 1, 1, 1];
    else if (n === all) shape = to.slice();
    else if (n === to[3]) shape = [1, 1, 1, to[3]];
    else {
      throw new Error(`${who}: ${name} has ${n} values; give 1, N = ${to[3]} (one per image) or ${all} ` +
        `(one per label, ${dims(to)}), or a Tensor that broadcasts to ${dims(to)}`);
    }
    if (shape.some((d, i) => d !== 1 && d !== to[i])) {
      throw new Error(`${who}: ${name} is ${dims(shape)} but must broadcast to the labels' ${dims(to)} ` +
        '(each size 1 or equal)');
    }
  }
  const data = new Float64Array(values.length);
  for (let i = 0; i < data.length; i++) {
    const a = values[i];
    if (typeof a !== 'number' || !Number.isFinite(a)) {
      throw new Error(`${who}: ${name}[${i}] is ${show(a)}; weights must be finite numbers`);
    }
    data[i] = a;
  }
  const s: number[] = [];
  let step = 1;
  for (let d = 0; d < 4; d++) { s.push(shape[d] === 1 ? 0 : step); step *= shape[d]; }
  return Object.freeze({ data, strides: s as unknown as [number, number, number, number] });
}

/** classWeights: C finite numbers (a Tensor, an array or a typed array). */
export function classWeightsOf(who: string, v: unknown, C: number): Float64Array {
  const g = given(who, 'classWeights', v);
  if (g.values.length !== C) {
    throw new Error(`${who}: classWeights has ${g.values.length} values but x has C = ${C} channels (one weight per class)`);
  }
  const out = new Float64Array(C);
  for (let i = 0; i < C; i++) {
    const a = g.values[i];
    if (typeof a !== 'number' || !Number.isFinite(a)) {
      throw new Error(`${who}: classWeights[${i}] is ${show(a)}; weights must be finite numbers`);
    }
    out[i] = a;
  }
  return out;
}
