// Numerical helpers of the sigmoid, softmax and loss tests: float32 ulp distances to a
// float64 truth, float64 central differences of a reference, seeded uniforms.
import { expect } from "vitest";

/** Distance in ulp between a float32 result and the float64 truth, at the truth's float32 spacing. */
export function ulps(got: number, want: number): number {
  if (Number.isNaN(want)) return Number.isNaN(got) ? 0 : Infinity;
  if (!Number.isFinite(want)) return got === want ? 0 : Infinity;
  const w = Math.abs(Math.fround(want));
  const f = new Float32Array([w]);
  const i = new Int32Array(f.buffer);
  i[0] += 1;
  const spacing = f[0] - w;
  return Math.abs(got - want) / (spacing > 0 ? spacing : 2 ** -149);
}

/** The largest ulp distance over arrays, with where it is. */
export function worstUlps(got: Float32Array, want: ArrayLike<number>): { ulps: number; at: number } {
  let worst = 0;
  let at = -1;
  for (let i = 0; i < want.length; i++) {
    const u = ulps(got[i], want[i]);
    if (u > worst || Number.isNaN(u)) { worst = u; at = i; }
  }
  return { ulps: worst, at };
}

/**
 * sum(dzdy .* (f(x + d e_i) - f(x - d e_i))) / 2d for every element i, in float64, f a
 * float64 reference (a scalar loss or an array). The strong check of a block's backward.
 */
export function numder64(f: (x: Float64Array) => number | Float64Array, x: ArrayLike<number>,
  dzdy: ArrayLike<number>, delta: number): Float64Array {
  const xp = Float64Array.from(x);
  const out = new Float64Array(x.length);
  const proj = (y: number | Float64Array): number => {
    if (typeof y === 'number') return dzdy[0] * y;
    let s = 0;
    for (let q = 0; q < y.length; q++) s += dzdy[q] * y[q];
    return s;
  };
  for (let i = 0; i < x.length; i++) {
    xp[i] = x[i] + delta;
    const a = proj(f(xp));
    xp[i] = x[i] - delta;
    const b = proj(f(xp));
    xp[i] = x[i];
    out[i] = (a - b) / (2 * delta);
  }
  return out;
}

/** |got - want| <= atol + rtol * |want| everywhere; reports the worst element. */
export function expectNear(got: ArrayLike<number>, want: ArrayLike<number>, rtol: number, atol: number, what: string): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const ok = Math.abs(got[i] - want[i]) <= atol + rtol * Math.abs(want[i]) || (Number.isNaN(got[i]) && Number.isNaN(want[i]));
    if (!ok) expect.fail(`${what}: element ${i} is ${got[i]}, want ${want[i]} (rtol ${rtol}, atol ${atol})`);
  }
}

/** Seeded uniforms in [0, 1) (an LCG; MATLAB's rand stands here for shape, not for values). */
export function uniform(n: number, seed: number): Float64Array {
  let s = (seed >>> 0) || 1;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32;
  }
  return out;
}
