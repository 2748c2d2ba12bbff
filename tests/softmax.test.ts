import { beforeAll, describe, expect, it } from 'vitest';
import { init, nnsoftmax, randn, Tensor, checkDerivativeElementwise } from '../src/index.js';
import { planSoftmax, softmaxForward, softmaxBackward, softmaxStride } from '../src/blocks/softmax.js';
import { reserve, write, read } from '../src/wasm.js';
import { softmaxForwardRef, softmaxBackwardRef } from './ref/softmax.js';
import { expectExact } from './helpers.js';
import { worstUlps, numder64, expectNear, uniform } from './numerics.js';

beforeAll(() => init());

type Shape4 = [number, number, number, number];

/** x on a grid of 1/64 in [-8, 8): every x - max is exact in float32, so only exp, the sum and the division round. */
function gridX(s: Shape4, seed: number): Tensor {
  const u = uniform(s[0] * s[1] * s[2] * s[3], seed);
  return new Tensor(Float32Array.from(u, (v) => Math.floor(v * 1024 - 512) / 64), s);
}

/** Largest |x_q - max| over each pixel's channels, per element (the rounding of x - m scales with it). */
function spread(x: Float32Array, s: Shape4): Float64Array {
  const [H, W, C, N] = s;
  const P = H * W;
  const out = new Float64Array(x.length);
  for (let n = 0; n < N; n++) {
    for (let p = 0; p < P; p++) {
      let m = -Infinity;
      let lo = Infinity;
      for (let k = 0; k < C; k++) { m = Math.max(m, x[p + P * (k + C * n)]); lo = Math.min(lo, x[p + P * (k + C * n)]); }
      for (let k = 0; k < C; k++) out[p + P * (k + C * n)] = m - lo;
    }
  }
  return out;
}

// Pixels per image around the vector width (pixel lanes from 4, H = W = 1 along the channels),
// channels around it too, and the two shapes of the goals.
const SHAPES: Shape4[] = [];
for (const [H, W] of [[1, 1], [2, 1], [3, 1], [2, 2], [5, 1], [7, 1], [2, 4], [3, 3]]) {
  for (const C of [1, 2, 3, 4, 5, 7, 10, 21]) SHAPES.push([H, W, C, H === 1 ? 3 : 2]);
}
SHAPES.push([1, 1, 1000, 3], [1, 1, 1001, 2], [32, 32, 21, 1], [13, 11, 26, 2]);

describe('nnsoftmax accuracy against float64', () => {
  for (const s of SHAPES) {
    it(`${s.join('x')}: y within 3 ulp of the exact softmax (x - max exact); dzdx within its conditioning`, () => {
      const x = gridX(s, s[0] * 1000 + s[1] * 100 + s[2]);
      const y = nnsoftmax(x);
      expect(y.shape).toEqual(s);
      const w = worstUlps(y.data, softmaxForwardRef(x.data, s));
      expect(w.ulps, `worst at element ${w.at}`).toBeLessThanOrEqual(3);
      const p = randn(s, { seed: 7 });
      const d = nnsoftmax(x, p);
      const ref = softmaxBackwardRef(x.data, s, p.data);
      // dzdx = y (dzdy - t): the float32 error is a few ulp of y times |dzdy| + |t| (|t| <= max |dzdy|).
      const yr = softmaxForwardRef(x.data, s);
      let pmax = 0;
      for (const v of p.data) pmax = Math.max(pmax, Math.abs(v));
      for (let i = 0; i < d.numel; i++) {
        const tol = yr[i] * (Math.abs(p.data[i]) + pmax) * 2 ** -21 + 1e-44;
        if (!(Math.abs(d.data[i] - ref[i]) <= tol)) expect.fail(`dzdx[${i}] = ${d.data[i]}, want ${ref[i]} (tol ${tol})`);
      }
    });
  }

  it('randn scores x 10 (x - max rounds): within the rounding of x - max, as MATLAB single', () => {
    for (const s of [[4, 3, 10, 3], [1, 1, 1000, 2]] as Shape4[]) {
      const x = randn(s, { seed: 9 });
      for (let i = 0; i < x.numel; i++) x.data[i] *= 10;
      const y = nnsoftmax(x);
      const yr = softmaxForwardRef(x.data, s);
      const sp = spread(x.data, s);
      for (let i = 0; i < y.numel; i++) {
        // relative error <= (3 ulp) + |x_k - m| 2^-24 (this element) + max_q |x_q - m| 2^-24 (the sum)
        const tol = yr[i] * (3 * 2 ** -23 + 2 * sp[i] * 2 ** -24) + 1e-44;
        if (!(Math.abs(y.data[i] - yr[i]) <= tol)) expect.fail(`y[${i}] = ${y.data[i]}, want ${yr[i]} (tol ${tol})`);
      }
    }
  });
});

describe('nnsoftmax: large and special scores', () => {
  const col = (v: number[]): Tensor => new Tensor(Float32Array.from(v), [1, 1, v.length]);

  it('x = +-100 and +-1e4 do not overflow (max subtracted)', () => {
    expect(Array.from(nnsoftmax(col([1e4, -1e4, 0])).data)).toEqual([1, 0, 0]);
    expect(Array.from(nnsoftmax(col([-1e4, -1e4])).data)).toEqual([0.5, 0.5]);
    expect(Array.from(nnsoftmax(col([1e4, 1e4, 1e4, 1e4, 1e4])).data)).toEqual(new Array(5).fill(Math.fround(0.2)));
    const y = nnsoftmax(col([100, -100, 99]));
    expectNear(y.data, [1 / (1 + Math.exp(-1) + Math.exp(-200)), 0, Math.exp(-1) / (1 + Math.exp(-1))], 3 * 2 ** -23, 1e-44, 'y');
    expect(y.data[1]).toBe(0); // exp(-200) underflows in float32
    // the same in pixel lanes: 4 pixels of 3 channels
    const x = new Tensor(Float32Array.from([1e4, -1e4, 100, -100, -1e4, 1e4, -100, 100, 0, 0, 0, 0]), [4, 1, 3]);
    const e = Math.fround(Math.exp(-100)); // a float32 denormal, kept
    expect(Array.from(nnsoftmax(x).data)).toEqual([1, 0, 1, 0, 0, 1, 0, 1, 0, 0, e, e]);
  });

  it('NaN or +Infinity makes its pixel NaN, -Infinity a 0, as in MATLAB; other pixels are unaffected', () => {
    // pixels (NaN, 1, 3), (1, 2, 4), (Inf, 0, 5), (0, -Inf, 3)
    const x = new Tensor(Float32Array.from([NaN, 1, Infinity, 0, 1, 2, 0, -Infinity, 3, 4, 5, 3]), [4, 1, 3]);
    const y = nnsoftmax(x);
    for (const k of [0, 1, 2]) {
      expect(Number.isNaN(y.data[0 + 4 * k])).toBe(true);
      expect(Number.isNaN(y.data[2 + 4 * k])).toBe(true);
    }
    expect(y.data[1]).toBeCloseTo(Math.exp(-3) / (Math.exp(-3) + Math.exp(-2) + 1), 7);
    expect(y.data[3 + 4 * 1]).toBe(0);
    expect(y.data[3 + 4 * 2]).toBeCloseTo(1 / (1 + Math.exp(-3)), 7);
  });

  it('a tail pixel gives the same y as a lane: pixel 4 of 5 repeats pixel 0', () => {
    const s: Shape4 = [5, 1, 21, 2];
    const x = randn(s, { seed: 31 });
    for (let k = 0; k < 42; k++) x.data[4 + 5 * k] = x.data[5 * k];
    const p = randn(s, { seed: 32 });
    for (let k = 0; k < 42; k++) p.data[4 + 5 * k] = p.data[5 * k];
    const y = nnsoftmax(x);
    const d = nnsoftmax(x, p);
    for (let k = 0; k < 42; k++) {
      expect(y.data[4 + 5 * k]).toBe(y.data[5 * k]);
      expect(d.data[4 + 5 * k]).toBe(d.data[5 * k]);
    }
  });

  it('32x32 maps (channels 4 KB apart, e kept in a run of the last plane): each pixel equals lane 0 of a 4x1 call', () => {
    // P = 1024: the groups far from the image's end keep e_k in a contiguous run of y's last plane,
    // the last ones in place; both, and the tail-free pixel lanes of a 4x1xC call, compute alike.
    for (const C of [3, 21, 60, 255, 256]) {
      const s: Shape4 = [32, 32, C, 2];
      const P = 1024;
      const x = randn(s, { seed: C });
      const p = randn(s, { seed: C + 1 });
      // specials in some pixels: +-1e4, -Inf (a 0), NaN and +Inf (a NaN pixel), a score 100 below the rest
      const put = (q: number, k: number, n: number, v: number) => { x.data[q + P * (k + C * n)] = v; };
      put(5, 0, 0, 1e4); put(6, C - 1, 0, -1e4); put(7, 1, 0, -Infinity); put(600, 2, 1, NaN);
      put(601, 0, 1, Infinity); put(1020, C - 1, 1, -100); put(13, 2, 0, 1e4); put(13, 0, 0, -1e4);
      const y = nnsoftmax(x).data;
      const d = nnsoftmax(x, p).data;
      for (const n of [0, 1]) {
        for (const q of [0, 5, 6, 7, 13, 100, 600, 601, 1000 - 4 * C, 1015, 1020, 1023]) {
          if (q < 0) continue;
          const one = new Float32Array(4 * C);
          const dp = new Float32Array(4 * C);
          for (let k = 0; k < C; k++) {
            one[4 * k] = x.data[q + P * (k + C * n)];
            dp[4 * k] = p.data[q + P * (k + C * n)];
            for (let l = 1; l < 4; l++) { one[l + 4 * k] = l - k; dp[l + 4 * k] = k; }
          }
          const y1 = nnsoftmax(new Tensor(one, [4, 1, C])).data;
          const d1 = nnsoftmax(new Tensor(one, [4, 1, C]), new Tensor(dp, [4, 1, C])).data;
          for (let k = 0; k < C; k++) {
            const i = q + P * (k + C * n);
            expect(Object.is(y[i], y1[4 * k]) || (Number.isNaN(y[i]) && Number.isNaN(y1[4 * k])), `C ${C} y pixel ${q} image ${n} channel ${k}`).toBe(true);
            expect(Object.is(d[i], d1[4 * k]) || (Number.isNaN(d[i]) && Number.isNaN(d1[4 * k])), `C ${C} dzdx pixel ${q} image ${n} channel ${k}`).toBe(true);
          }
        }
      }
    }
  });

  it('backward recomputes exactly the forward y: dzdy = onehot(k) gives y_k (e_k - y) in float32', () => {
    const s: Shape4 = [3, 3, 6, 2];
    const x = randn(s, { seed: 41 });
    const y = nnsoftmax(x).data;
    const p = new Float32Array(x.numel);
    for (let n = 0; n < 2; n++) for (let q = 0; q < 9; q++) p[q + 9 * (2 + 6 * n)] = 1; // dzdy = 1 at channel 2
    const d = nnsoftmax(x, new Tensor(p, s)).data;
    for (let i = 0; i < d.length; i++) {
      const q = i % 9;
      const n = Math.floor(i / 54);
      const t = y[q + 9 * (2 + 6 * n)]; // sum_k dzdy_k y_k = y_2
      expect(d[i]).toBe(Math.fround(y[i] * Math.fround(p[i] - t)));
    }
  });
});

describe('nnsoftmax derivatives', () => {
  // MatConvNet's nnsoftmax.m: h in {1, 2, 3}, w in {1, 2}, d = 10, n = 3, x = randn, delta 1e-2.
  for (const h of [1, 2, 3]) {
    for (const w of [1, 2]) {
      it(`MatConvNet's grid ${h}x${w}x10x3: element-wise forward differences`, () => {
        const x = randn([h, w, 10, 3], { seed: 10 * h + w });
        const p = randn(x.shape, { seed: 100 + 10 * h + w });
        const d = nnsoftmax(x, p);
        const r = checkDerivativeElementwise((t) => nnsoftmax(t), x, p, d, { delta: 1e-2 });
        expect(r.ok, `worst ${r.worst} > ${r.tolerance} at ${r.at}`).toBe(true);
        const num = numder64((t) => softmaxForwardRef(t, x.shape), x.data, p.data, 1e-4);
        expectNear(d.data, num, 1e-5, 1e-6, 'dzdx vs float64 differences');
      });
    }
  }
});

describe('nnsoftmax resident runners and streaming', () => {
  it('forward and backward on wasm addresses equal the public block (both shapes; planes padded by the block at P = 256, 512, 1024)', () => {
    // The resident runners keep planes P apart; the block pads them to softmaxStride(P) where P % 256 == 0.
    expect([256, 512, 1024, 1000, 3].map(softmaxStride)).toEqual([272, 528, 1040, 1000, 3]);
    for (const s of [[1, 1, 26, 100], [6, 5, 7, 3], [16, 16, 9, 3], [32, 16, 5, 2], [32, 32, 21, 2]] as Shape4[]) {
      const x = randn(s, { seed: 51 });
      const q = randn(s, { seed: 52 });
      const plan = planSoftmax(x.shape, q.shape);
      const [px, pq, py, pd] = reserve('test', x.numel, x.numel, x.numel, x.numel);
      write(px, x.data);
      write(pq, q.data);
      softmaxForward(plan, px, py);
      softmaxBackward(plan, px, pq, pd);
      expectExact(read(py, x.numel), nnsoftmax(x).data, 'y');
      expectExact(read(pd, x.numel), nnsoftmax(x, q).data, 'dzdx');
    }
  });

  it('images streamed in groups (1x1x1000 x 67, 9x9x40 x 13, 16x16x30 x 11 padded) equal image-by-image results', () => {
    for (const s of [[1, 1, 1000, 67], [9, 9, 40, 13], [16, 16, 30, 11]] as Shape4[]) {
      const x = randn(s, { seed: 61 });
      const y = nnsoftmax(x);
      const per = s[0] * s[1] * s[2];
      for (const n of [0, Math.min(31, s[3] - 2), s[3] - 1]) {
        const one = new Tensor(x.data.slice(n * per, (n + 1) * per), [s[0], s[1], s[2], 1]);
        expectExact(y.data.subarray(n * per, (n + 1) * per), nnsoftmax(one).data, `image ${n}`);
      }
    }
  });
});

describe('nnsoftmax inputs and errors', () => {
  it('never modifies its inputs', () => {
    const x = randn([6, 7, 5], { seed: 5 });
    const p = randn([6, 7, 5], { seed: 6 });
    const xs = x.data.slice();
    const ps = p.data.slice();
    nnsoftmax(x);
    nnsoftmax(x, p);
    expectExact(x.data, xs, 'x after');
    expectExact(p.data, ps, 'dzdy after');
  });

  it('rejects a dzdy of the wrong size, a non-tensor and extra arguments', () => {
    const x = randn([4, 5, 3]);
    expect(() => nnsoftmax(x, randn([4, 5, 2]))).toThrow(/nnsoftmax: dzdy is 4x5x2 but must match .* 4x5x3/);
    expect(() => nnsoftmax([1, 2] as never)).toThrow(/nnsoftmax: x must be a Tensor, got Array/);
    expect(() => (nnsoftmax as (...a: unknown[]) => unknown)(x, x, {})).toThrow(/nnsoftmax: takes \(x\) or \(x, dzdy\)/);
  });

  it('one channel gives 1; an empty tensor stays empty', () => {
    expect(Array.from(nnsoftmax(randn([3, 2, 1, 2], { seed: 1 })).data)).toEqual(new Array(12).fill(1));
    expect(nnsoftmax(new Tensor(new Float32Array(0), [2, 2, 0])).shape).toEqual([2, 2, 0, 1]);
  });
});
