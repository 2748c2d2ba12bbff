// Element-wise numerical derivatives in float64 (central differences) of a float64 function,
// for checking a block's float32 backward pass against its float64 reference forward, and
// the comparison with MatConvNet's tolerance rule (nntest.m: about 1% of the range).
import { expect } from 'vitest';

/** d/dv_i of f at v for every i: (f(v + h e_i) - f(v - h e_i)) / 2h, in float64. */
export function numder64(f: (v: Float64Array) => number, v: ArrayLike<number>, h: number): Float64Array {
  const w = Float64Array.from(v);
  const out = new Float64Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const c = w[i];
    w[i] = c + h;
    const a = f(w);
    w[i] = c - h;
    const b = f(w);
    w[i] = c;
    out[i] = (a - b) / (2 * h);
  }
  return out;
}

/** sum(p .* y) in float64. */
export function project(p: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += p[i] * y[i];
  return s;
}

/** |got - want| <= rel * max|want| (+ a tiny floor) everywhere; reports the worst element. */
export function expectNear(got: ArrayLike<number>, want: ArrayLike<number>, rel: number, what: string): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  let big = 0;
  for (let i = 0; i < want.length; i++) big = Math.max(big, Math.abs(want[i]));
  const tol = rel * big + 1e-30;
  let worst = -1;
  let err = 0;
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i] - want[i]);
    if (!(e <= err)) { err = e; worst = i; }
  }
  if (!(err <= tol)) expect.fail(`${what}: element ${worst} is ${got[worst]}, want ${want[worst]} (error ${err}, tolerance ${tol})`);
}

/** |got[i] - want[i]| <= tol[i] everywhere (tol one per element, e.g. from the sums' magnitudes). */
export function expectWithin(got: ArrayLike<number>, want: ArrayLike<number>, tol: ArrayLike<number>, what: string): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i] - want[i]);
    if (!(e <= tol[i])) expect.fail(`${what}: element ${i} is ${got[i]}, want ${want[i]} (error ${e}, tolerance ${tol[i]})`);
  }
}
