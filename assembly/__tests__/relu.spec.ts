import { relu_forward, relu_backward } from '../relu';

// Distinct values of both signs, with exact zeros, so every lane sees both
// branches; lengths 0..13 put the scalar tail at every offset around VEC = 4.
function input(n: i32): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = <f32>((i * 7) % 5 - 2) * 0.75 + <f32>(i % 3 == 0 ? 0 : 0.125);
  return x;
}

const leaks: f32[] = [0, 0.01, 0.5, 1, -0.3];

describe('relu_forward', () => {
  it('matches the scalar rule on every length around the vector width, for several leaks', () => {
    for (let li = 0; li < leaks.length; li++) {
      const leak = leaks[li];
      for (let n = 0; n < 14; n++) {
        const x = input(n);
        // A guard element after the end catches writes past n.
        const y = new Float32Array(n + 1);
        y[n] = 123;
        relu_forward(x.dataStart, y.dataStart, n, leak);
        for (let i = 0; i < n; i++) {
          const want: f32 = x[i] > 0 ? x[i] : x[i] * leak + 0;
          expect<f32>(y[i]).toBe(want);
        }
        expect<f32>(y[n]).toBe(123);
      }
    }
  });

  it('gives +0, not -0, for negative inputs when leak = 0 (like max(x, 0))', () => {
    const x = new Float32Array(5);
    for (let i = 0; i < 5; i++) x[i] = -1 - <f32>i;
    const y = new Float32Array(5);
    relu_forward(x.dataStart, y.dataStart, 5, 0);
    for (let i = 0; i < 5; i++) expect<f32>(1 / y[i]).toBe(Infinity);
  });

  it('keeps NaN as NaN', () => {
    const x = new Float32Array(6);
    x.fill(NaN);
    const y = new Float32Array(6);
    relu_forward(x.dataStart, y.dataStart, 6, 0);
    for (let i = 0; i < 6; i++) expect<bool>(isNaN(y[i])).toBe(true);
  });
});

describe('relu_backward', () => {
  it('passes dzdy where x > 0 and leak * dzdy elsewhere, derivative leak at x = 0', () => {
    for (let li = 0; li < leaks.length; li++) {
      const leak = leaks[li];
      for (let n = 0; n < 14; n++) {
        const x = input(n);
        const p = new Float32Array(n);
        for (let i = 0; i < n; i++) p[i] = <f32>(i + 1) * (i % 2 == 0 ? 1 : -1);
        const d = new Float32Array(n + 1);
        d[n] = 123;
        relu_backward(x.dataStart, p.dataStart, d.dataStart, n, leak);
        for (let i = 0; i < n; i++) {
          const want: f32 = x[i] > 0 ? p[i] : p[i] * leak;
          expect<f32>(d[i]).toBe(want);
        }
        expect<f32>(d[n]).toBe(123);
      }
    }
  });
});
