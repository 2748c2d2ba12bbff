// Shared test helpers: exact and tolerant comparisons of float arrays, and
// distinct-valued inputs (MatConvNet's randperm trick) that keep numerical
// derivatives away from kinks and ties.
import { expect } from 'vitest';
import { Tensor } from '../src/index.js';
import { reserve, write, read } from '../src/wasm.js';

/** Bit-for-bit equality (Object.is per element, so -0 and +0 differ and NaN equals NaN). */
export function expectExact(got: Float32Array, want: Float32Array, what = 'values'): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) {
      expect.fail(`${what}: element ${i} is ${got[i]}, want ${want[i]}`);
    }
  }
}

/** |got - want| <= atol + rtol * |want| everywhere; reports the worst element. */
export function expectClose(got: Float32Array, want: Float32Array, rtol: number, atol: number, what = 'values'): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < want.length; i++) {
    const excess = Math.abs(got[i] - want[i]) - (atol + rtol * Math.abs(want[i]));
    if (!(excess <= worstExcess)) { worst = i; worstExcess = excess; }
  }
  if (worst >= 0) expect.fail(`${what}: element ${worst} is ${got[worst]}, want ${want[worst]} (rtol ${rtol}, atol ${atol})`);
}

/** A seeded permutation of 1..n scaled by `step`, shaped as given: all values distinct. */
export function distinct(shape: number[], seed: number, step = 1, offset = 0): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = i + 1;
  let s = seed >>> 0 || 1;
  for (let i = n - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    const t = v[i]; v[i] = v[j]; v[j] = t;
  }
  for (let i = 0; i < n; i++) v[i] = v[i] * step + offset;
  return new Tensor(v, shape);
}

/** The unit roundoff of float32 (half an ulp at 1). Accuracy bounds below are multiples of it. */
export const U32 = 2 ** -24;

/**
 * Largest |got - want| / scale over all elements, in units of U32 (scale defaults to |want|; a
 * zero scale needs an exact zero). For outputs made of cancelling terms, `scale` is the size of
 * the terms (the references return it), which bounds the rounding error of any evaluation order.
 */
export function worstU(got: Float32Array, want: ArrayLike<number>, scale?: ArrayLike<number>): { u: number; at: number } {
  let u = 0;
  let at = -1;
  for (let i = 0; i < got.length; i++) {
    const s = scale === undefined ? Math.abs(want[i]) : scale[i];
    const e = s === 0 ? (got[i] === 0 ? 0 : Infinity) : Math.abs(got[i] - want[i]) / s / U32;
    if (!(e <= u)) { u = e; at = i; }
  }
  return { u, at };
}

/** worstU(...) <= bound, reporting the worst element. */
export function expectWithinU(got: Float32Array, want: ArrayLike<number>, scale: ArrayLike<number> | undefined, bound: number, what: string): void {
  const { u, at } = worstU(got, want, scale);
  if (!(u <= bound)) {
    expect.fail(`${what}: element ${at} is ${got[at]}, want ${want[at]}${scale ? ` (scale ${scale[at]})` : ''}: ` +
      `${u.toFixed(2)} x 2^-24 relative, more than the bound of ${bound}`);
  }
}

/**
 * The derivative of sum(p .* f(x)) with respect to each element of x by central differences
 * (f(x + h e_i) - f(x - h e_i)) / 2h, all in float64: f is a float64 reference, so the result is
 * the true derivative to about h^2 (no float32 rounding of the outputs).
 */
export function numericalDerivative64(f: (x: Float64Array) => Float64Array, x: ArrayLike<number>, p: ArrayLike<number>, h: number): Float64Array {
  const xp = Float64Array.from(x);
  const d = new Float64Array(xp.length);
  for (let i = 0; i < xp.length; i++) {
    const v = xp[i];
    xp[i] = v + h;
    const a = f(xp);
    xp[i] = v - h;
    const b = f(xp);
    xp[i] = v;
    let s = 0;
    for (let q = 0; q < a.length; q++) s += p[q] * (a[q] - b[q]);
    d[i] = s / (2 * h);
  }
  return d;
}

/**
 * Run a block's resident runner on copies of `inputs` in WebAssembly memory: `run` gets the
 * inputs' byte addresses, then the output's and the scratch's (`scratch` floats). Returns the output.
 */
export function residentRun(inputs: Float32Array[], out: number, scratch: number, run: (ptrs: number[]) => void): Float32Array {
  const ptrs = reserve('test', ...inputs.map((a) => a.length), out, scratch);
  inputs.forEach((a, i) => write(ptrs[i], a));
  run(ptrs);
  return read(ptrs[inputs.length], out);
}
