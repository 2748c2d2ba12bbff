// Argument checks of conv2 and imsmooth: the shape word, 2-D kernels and vectors.

import { tensorArg, isTensor } from '../tensor.js';
import { show, tagOf, dims } from '../options.js';
import type { Conv2Shape } from './filters.js';

/** A kernel's values (column-major) and its size m × n. */
export interface Taps { data: ArrayLike<number>; m: number; n: number }

export function shapeArg(who: string, v: unknown): Conv2Shape {
  if (v === undefined) return 'full';
  if (v === 'full' || v === 'same' || v === 'valid') return v;
  throw new Error(`${who}: shape must be 'full', 'same' or 'valid', got ${show(v)}`);
}

/** A 2-D kernel: a Tensor [m, n] or an array (a row vector [1, n]); not empty. */
export function kernelArg(who: string, name: string, v: unknown): Taps {
  if (isTensor(v)) {
    const t = tensorArg(who, name, v);
    if (t.shape[2] !== 1 || t.shape[3] !== 1) throw new Error(`${who}: ${name} must be a 2-D kernel [m, n], got ${dims(t.shape)}`);
    if (t.data.length === 0) throw new Error(`${who}: ${name} must not be empty, got ${dims(t.shape)}`);
    return { data: t.data, m: t.shape[0], n: t.shape[1] };
  }
  const d = numbersArg(who, name, v);
  return { data: d, m: 1, n: d.length };
}

/** A vector (u or v of the separable form): an array, or a Tensor with one non-singleton dimension. */
export function vectorArg(who: string, name: string, v: unknown): Taps {
  if (isTensor(v)) {
    const t = tensorArg(who, name, v);
    if (t.shape.filter((d) => d !== 1).length > 1) throw new Error(`${who}: ${name} must be a vector, got ${dims(t.shape)}`);
    if (t.data.length === 0) throw new Error(`${who}: ${name} must not be empty, got ${dims(t.shape)}`);
    return { data: t.data, m: t.data.length, n: 1 };
  }
  const d = numbersArg(who, name, v);
  return { data: d, m: d.length, n: 1 };
}

function numbersArg(who: string, name: string, v: unknown): Float64Array {
  const ok = Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
  if (!ok) throw new Error(`${who}: ${name} must be a Tensor or an array of numbers, got ${tagOf(v)}`);
  const a = v as ArrayLike<unknown>;
  if (a.length === 0) throw new Error(`${who}: ${name} must not be empty, got []`);
  const d = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) {
    if (typeof a[i] !== 'number') throw new Error(`${who}: ${name}[${i}] must be a number, got ${tagOf(a[i])}`);
    d[i] = a[i] as number;
  }
  return d;
}
