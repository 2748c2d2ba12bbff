// Shared test helpers: exact and tolerant comparisons of float arrays, and
// distinct-valued inputs (MatConvNet's randperm trick) that keep numerical
// derivatives away from kinks and ties.
import { expect } from 'vitest';
import { Tensor } from '../src/index.js';

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
