// MATLAB's median(x(:)) and mean(x(:)): statistics of all elements.

import { isTensor, type Tensor } from '../tensor.js';
import { tagOf } from '../options.js';

/** Data for median and mean: a Tensor (single), a Float32Array (single) or other numbers (double). */
export type Elements = Tensor | ArrayLike<number>;

/**
 * MATLAB's `m = median(x(:))` of every element of `x` (default 'includenan'):
 * NaN if any element is NaN or there are none; for an odd count the middle
 * value of the sorted elements; for an even count the mean of the two middle
 * values a ≤ b as median.m's `meanof` takes it: `a + (b − a)/2`, or `(a + b)/2`
 * when their signs differ or one is infinite. For a Tensor or Float32Array
 * (MATLAB single) that arithmetic is rounded to float32; for other arrays it is
 * float64. Selection, not a full sort: O(n). Inputs are not modified.
 */
export function median(x: Elements): number {
  const { d, single } = elements('median', x);
  const n = d.length;
  if (n === 0) return NaN;
  for (let i = 0; i < n; i++) if (d[i] !== d[i]) return NaN;
  const k = (n - 1) >> 1;
  select(d, k);
  const a = d[k];
  if (n % 2 === 1) return a;
  let b = d[k + 1];
  for (let i = k + 2; i < n; i++) if (d[i] < b) b = d[i];
  const r = single ? Math.fround : (v: number) => v;
  if (Math.sign(a) !== Math.sign(b) || !Number.isFinite(a) || !Number.isFinite(b)) return r(r(a + b) / 2);
  return r(a + r(r(b - a) / 2));
}

/**
 * MATLAB's `m = mean(x(:))` of every element: the sum divided by the count
 * (NaN when empty; NaN and ±Inf propagate). Summed in float64; for a Tensor or
 * Float32Array (MATLAB single) the result is rounded to float32. MATLAB sums
 * single data in single precision, so its last digits can differ.
 */
export function mean(x: Elements): number {
  const { d, single } = elements('mean', x, false);
  let s = 0;
  for (let i = 0; i < d.length; i++) s += d[i];
  const m = s / d.length;
  return single ? Math.fround(m) : m;
}

function elements(who: string, x: unknown, copy = true): { d: Float64Array | Float32Array; single: boolean } {
  if (isTensor(x)) return { d: copy ? Float64Array.from(x.data) : x.data, single: true };
  if (x instanceof Float32Array || Object.prototype.toString.call(x) === '[object Float32Array]') {
    const f = x as Float32Array;
    return { d: copy ? Float64Array.from(f) : f, single: true };
  }
  const ok = Array.isArray(x) || (ArrayBuffer.isView(x) && !(x instanceof DataView));
  if (!ok) throw new Error(`${who}: x must be a Tensor or an array of numbers, got ${tagOf(x)}`);
  const a = x as ArrayLike<unknown>;
  const d = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) {
    if (typeof a[i] !== 'number') throw new Error(`${who}: x[${i}] must be a number, got ${tagOf(a[i])}`);
    d[i] = a[i] as number;
  }
  return { d, single: false };
}

/**
 * Rearrange d so that d[k] is the k-th smallest, everything before it ≤ d[k]
 * and everything after ≥ d[k] (no NaN). Quickselect with a median-of-three
 * pivot; after 64 rounds without finishing it sorts the remaining range.
 */
function select(d: Float64Array | Float32Array, k: number): void {
  let lo = 0, hi = d.length - 1;
  for (let round = 0; hi > lo; round++) {
    if (round === 64) { d.subarray(lo, hi + 1).sort(); return; }
    const mid = (lo + hi) >>> 1;
    const a = d[lo], b = d[mid], c = d[hi];
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
    let i = lo, j = hi;
    while (i <= j) {
      while (d[i] < pivot) i++;
      while (d[j] > pivot) j--;
      if (i <= j) { const t = d[i]; d[i] = d[j]; d[j] = t; i++; j--; }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}
