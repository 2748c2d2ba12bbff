// The image helpers of the practical's scripts (NETWORKS §4.0–§4.4): values
// worked out by hand for small inputs, and for conv2 and imresize a naive
// float64 reference written from the documented definitions (tests/ref/image-ops.ts).
import { describe, expect, it } from 'vitest';
import {
  Tensor, randn, conv2, imsmooth, rgb2gray, RGB2GRAY_WEIGHTS, strel, imdilate, median, mean, imresize,
} from '../src/index.js';
import { gaussianTaps } from '../src/image/filters.js';
import { contributions } from '../src/image/resize-kernels.js';
import { cubic } from '../src/image/resize-kernels.js';
import { conv2Ref, keys, resampleMatrix, resizePixel } from './ref/image-ops.js';
import { expectClose, expectExact } from './helpers.js';

/** A Tensor from MATLAB-style rows: m([[1, 2], [3, 4]]) is [1 2; 3 4]. */
function m(rows: number[][], C = 1): Tensor {
  const H = rows.length, W = rows[0].length;
  const d = new Float32Array(H * W * C);
  for (let k = 0; k < C; k++) for (let j = 0; j < W; j++) for (let i = 0; i < H; i++) d[i + H * j + H * W * k] = rows[i][j];
  return new Tensor(d, [H, W, C]);
}
/** The MATLAB-style rows of plane t of a Tensor. */
function rows(x: Tensor, t = 0): number[][] {
  const [H, W] = x.shape;
  return Array.from({ length: H }, (_, i) => Array.from({ length: W }, (_, j) => x.data[i + H * j + H * W * t]));
}
const f32 = (a: ArrayLike<number>) => Float32Array.from(a);

describe('conv2: true convolution, MATLAB shapes', () => {
  // b = [1 0; 0 -1] is not symmetric: full(i, j) = a(i, j) − a(i − 1, j − 1); correlation would give a(i, j) − a(i + 1, j + 1).
  const a = m([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
  const b = m([[1, 0], [0, -1]]);
  it('full, same (rows and columns from floor(m/2)) and valid, by hand', () => {
    expect(rows(conv2(a, b))).toEqual([[1, 2, 3, 0], [4, 4, 4, -3], [7, 4, 4, -6], [0, -7, -8, -9]]);
    expect(rows(conv2(a, b, 'full'))).toEqual(rows(conv2(a, b)));
    expect(rows(conv2(a, b, 'same'))).toEqual([[4, 4, -3], [4, 4, -6], [-7, -8, -9]]);
    expect(rows(conv2(a, b, 'valid'))).toEqual([[4, 4], [4, 4]]);
  });

  it('an array kernel is a row vector; MATLAB\'s own examples of conv(u, v, \'same\')', () => {
    // asymmetric [1 10 100]: full row = conv([1 2], [1 10 100]) = [1 12 120 200]
    expect(rows(conv2(m([[1, 2], [3, 4]]), [1, 10, 100]))).toEqual([[1, 12, 120, 200], [3, 34, 340, 400]]);
    expect(rows(conv2(m([[1, 2], [3, 4]]), [1, 10, 100], 'same'))).toEqual([[12, 120], [34, 340]]);
    expect(conv2(m([[1, 2], [3, 4]]), [1, 10, 100], 'valid').shape).toEqual([2, 0, 1, 1]);
    expect(rows(conv2(m([[1, 2, 3]]), [1, 1], 'same'))).toEqual([[3, 5, 3]]);
    // conv(1:10, 7:7:28, 'same') (MATLAB Answers 332847): starts at full's element floor(4/2) + 1
    const ten = m([Array.from({ length: 10 }, (_, i) => i + 1)]);
    expect(rows(conv2(ten, [7, 14, 21, 28], 'same'))).toEqual([[70, 140, 210, 280, 350, 420, 490, 560, 553, 462]]);
    expect(rows(conv2(ten, [7, 14, 21, 28]))).toEqual([[7, 28, 70, 140, 210, 280, 350, 420, 490, 560, 553, 462, 280]]);
  });

  it('equals the naive reference on every plane of [H, W, C, N], for a 2-D kernel and every shape', () => {
    const x = randn([9, 7, 2, 3], { seed: 11 });
    for (const [kh, kw] of [[3, 2], [1, 4], [4, 1], [2, 5], [10, 3]]) {
      const k = randn([kh, kw], { seed: kh * 10 + kw });
      for (const shape of ['full', 'same', 'valid'] as const) {
        const y = conv2(x, k, shape);
        const want: number[] = [];
        let Ho = 0, Wo = 0;
        for (let t = 0; t < 6; t++) {
          const r = conv2Ref(x.data.subarray(63 * t, 63 * (t + 1)), 9, 7, k.data, kh, kw, shape);
          Ho = r.H; Wo = r.W;
          want.push(...r.data);
        }
        expect(y.shape, `${kh}x${kw} ${shape}`).toEqual([Ho, Wo, 2, 3]);
        expectClose(y.data, f32(want), 1e-6, 1e-6, `${kh}x${kw} ${shape}`);
      }
    }
  });

  it('separable conv2(u, v, a): columns with u, then rows with v = conv2(a, u(:) * v(:).\')', () => {
    const x = randn([8, 6, 2, 2], { seed: 3 });
    const u = [1, -3, 0.5], v = [2, 0.25, -1, 4];
    const outer = new Float32Array(12);
    for (let q = 0; q < 4; q++) for (let p = 0; p < 3; p++) outer[p + 3 * q] = u[p] * v[q];
    for (const shape of ['full', 'same', 'valid'] as const) {
      const s = conv2(u, v, x, shape);
      const d = conv2(x, new Tensor(outer, [3, 4]), shape);
      expect(s.shape).toEqual(d.shape);
      expectClose(s.data, d.data, 1e-5, 1e-5, shape);
    }
    // kernels longer than the image (23 taps on 5 rows and 7 columns): every output is a border case
    const h = Array.from(gaussianTaps(3)), small = randn([5, 7], { seed: 4 });
    const outerH = new Float32Array(23 * 23).map((_, i) => h[i % 23] * h[Math.floor(i / 23)]);
    for (const shape of ['full', 'same', 'valid'] as const) {
      const r = conv2Ref(small.data, 5, 7, outerH, 23, 23, shape);
      const s = conv2(h, h, small, shape);
      expect(s.shape.slice(0, 2), shape).toEqual([r.H, r.W]);
      expectClose(s.data, f32(r.data), 1e-5, 1e-7, `23-tap ${shape}`);
    }
    // the vectors may be Tensors of either orientation
    const s1 = conv2(new Tensor(f32(u), [1, 3]), new Tensor(f32(v), [4, 1]), x, 'same');
    expectExact(s1.data, conv2(u, v, x, 'same').data);
  });

  it('hessiandet\'s kernels: [1 -2 1] along rows and columns, and d = [-1 0 1]/2 giving (f[n-1] - f[n+1])/2', () => {
    const H = 5, W = 6;
    const f = randn([H, W], { seed: 8 });
    const at = (i: number, j: number) => (i >= 0 && i < H && j >= 0 && j < W ? f.data[i + H * j] : 0);
    const im11 = conv2([1], [1, -2, 1], f, 'same');
    const im22 = conv2([1, -2, 1], [1], f, 'same');
    const im12 = conv2([-0.5, 0, 0.5], [-0.5, 0, 0.5], f, 'same');
    const w11 = [], w22 = [], w12 = [];
    for (let j = 0; j < W; j++) {
      for (let i = 0; i < H; i++) {
        w11.push(at(i, j - 1) - 2 * at(i, j) + at(i, j + 1));
        w22.push(at(i - 1, j) - 2 * at(i, j) + at(i + 1, j));
        w12.push((at(i - 1, j - 1) - at(i + 1, j - 1) - at(i - 1, j + 1) + at(i + 1, j + 1)) / 4);
      }
    }
    expectClose(im11.data, f32(w11), 1e-6, 1e-6, 'im11');
    expectClose(im22.data, f32(w22), 1e-6, 1e-6, 'im22');
    expectClose(im12.data, f32(w12), 1e-6, 1e-6, 'im12');
  });

  it('does not modify its inputs, and names bad arguments', () => {
    const x = randn([4, 4], { seed: 1 });
    const copy = x.data.slice();
    const k = [1, 2, 3];
    conv2(x, k, 'same');
    conv2(k, k, x, 'valid');
    expectExact(x.data, copy);
    expect(k).toEqual([1, 2, 3]);
    expect(() => conv2(x, k, 'middle' as 'same')).toThrow("conv2: shape must be 'full', 'same' or 'valid', got 'middle'");
    expect(() => conv2(x, randn([3, 3, 2]))).toThrow('conv2: b must be a 2-D kernel [m, n], got 3x3x2');
    expect(() => conv2(randn([2, 2]), k, x)).toThrow('conv2: u must be a vector, got 2x2');
    expect(() => conv2(x, [])).toThrow('conv2: b must not be empty');
    expect(() => conv2(x, 'abc' as unknown as number[])).toThrow('conv2: b must be a Tensor or an array of numbers, got string abc');
    expect(() => conv2([1, 2] as unknown as Tensor, k)).toThrow('conv2: a must be a Tensor, got Array');
    expect(() => conv2(x, [1, 'a'] as unknown as number[])).toThrow('conv2: b[1] must be a number, got string a');
  });
});

describe('imsmooth: the practical\'s Gaussian, w = ceil(3.5 sigma), separable, zero padding', () => {
  it('has 2w + 1 taps (23 for sigma 3, 19 for 2.5) that sum to 1, exp(-t^2 / (2 sigma^2)) / sum', () => {
    for (const [sigma, taps] of [[3, 23], [2.5, 19], [1, 9], [0.2, 3]]) {
      const h = gaussianTaps(sigma);
      expect(h.length, `sigma ${sigma}`).toBe(taps);
      expect(Math.abs(h.reduce((s, v) => s + v, 0) - 1)).toBeLessThan(1e-15);
      const w = (taps - 1) / 2;
      const z = Array.from({ length: taps }, (_, k) => Math.exp(-((k - w) ** 2) / (2 * sigma * sigma)));
      const sum = z.reduce((s, v) => s + v, 0);
      for (let k = 0; k < taps; k++) expect(h[k]).toBeCloseTo(z[k] / sum, 15);
    }
  });

  it('smooths an impulse into the outer product h h\' (rounded per pass), every plane', () => {
    const S = 31, c = 15, x = new Float32Array(S * S * 2);
    x[c + S * c] = 1; x[S * S + c + S * c] = 2;
    const y = imsmooth(new Tensor(x, [S, S, 2]), 3);
    const h = gaussianTaps(3);   // 23 taps, w = 11
    const want = new Float32Array(S * S * 2);
    for (let t = 0; t < 2; t++) {
      for (let q = -11; q <= 11; q++) {
        for (let p = -11; p <= 11; p++) want[t * S * S + c + p + S * (c + q)] = Math.fround(h[q + 11] * Math.fround((t + 1) * h[p + 11]));
      }
    }
    expectExact(y.data, want);
    expect(Math.abs(y.data.subarray(0, S * S).reduce((s, v) => s + v, 0) - 1)).toBeLessThan(1e-5);
  });

  it('equals conv2(h, h, im, \'same\'): a constant image stays constant inside and fades at the zero-padded border', () => {
    const x = new Tensor(new Float32Array(40 * 30).fill(1), [40, 30]);
    const y = imsmooth(x, 2.5);
    const h = Array.from(gaussianTaps(2.5));
    expectExact(y.data, conv2(h, h, x, 'same').data);
    expect(y.at(20, 15)).toBeCloseTo(1, 6);
    const half = h.slice(9).reduce((s, v) => s + v, 0);   // the taps that land inside at a corner
    expect(y.at(0, 0)).toBeCloseTo(half * half, 6);
  });

  it('rejects sigma <= 0 and non-numbers', () => {
    const x = randn([4, 4], { seed: 2 });
    expect(() => imsmooth(x, 0)).toThrow('imsmooth: sigma must be > 0, got 0');
    expect(() => imsmooth(x, -1)).toThrow('imsmooth: sigma must be > 0, got -1');
    expect(() => imsmooth(x, NaN)).toThrow('imsmooth: sigma must be a finite number, got NaN');
    expect(() => imsmooth(x, 1e9)).toThrow('imsmooth: sigma 1000000000 needs 7000000001 Gaussian taps (2 ceil(3.5 sigma) + 1); at most 16777217 are supported');
    expect(() => imsmooth({} as Tensor, 1)).toThrow('imsmooth: im must be a Tensor, got Object');
  });
});

describe('rgb2gray: MATLAB\'s weights, single arithmetic, clamped to [0, 1]', () => {
  const f = Math.fround;
  const [cr, cg, cb] = RGB2GRAY_WEIGHTS.map(f);
  const gray = (r: number, g: number, b: number) => f(f(f(r * cr) + f(g * cg)) + f(b * cb));
  it('known pixels, two images', () => {
    expect(RGB2GRAY_WEIGHTS).toEqual([0.298936021293775, 0.587043074451121, 0.114020904255103]);
    // image 0 pixels: red, green, blue, white, (0.5, 0.25, 1), black; image 1: the same times 0.5
    const px = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1], [0.5, 0.25, 1], [0, 0, 0]];
    const d = new Float32Array(6 * 3 * 2);
    for (let n = 0; n < 2; n++) for (let p = 0; p < 6; p++) for (let k = 0; k < 3; k++) d[p + 6 * k + 18 * n] = px[p][k] / (n + 1);
    const y = rgb2gray(new Tensor(d, [2, 3, 3, 2]));
    expect(y.shape).toEqual([2, 3, 1, 2]);
    expect(Array.from(y.data.subarray(0, 4))).toEqual([f(0.298936021293775), f(0.587043074451121), f(0.114020904255103),
      Math.min(1, gray(1, 1, 1))]);
    expect(y.data[4]).toBe(gray(0.5, 0.25, 1));
    expect(y.data[4]).toBeCloseTo(0.5 * 0.298936021293775 + 0.25 * 0.587043074451121 + 0.114020904255103, 7);
    expect(y.data[5]).toBe(0);
    expect(y.data[6 + 4]).toBe(gray(0.25, 0.125, 0.5));
    expect(y.data[6 + 3]).toBe(gray(0.5, 0.5, 0.5));
  });

  it('saturates outside [0, 1] (min(max(I, 0), 1)), NaN to 0, and wants 3 channels', () => {
    const y = rgb2gray(new Tensor(f32([255, -1, NaN, 0, 0, 0, 0, 0, 0]), [3, 1, 3]));
    expect(Array.from(y.data)).toEqual([1, 0, 0]);
    expect(() => rgb2gray(randn([2, 2, 4]))).toThrow('rgb2gray: x must be an RGB image [H, W, 3, N], got 2x2x4');
    expect(() => rgb2gray(randn([2, 2]))).toThrow('got 2x2');
  });
});

describe('strel(\'disk\', r, 0) and imdilate', () => {
  it('disk 5 is the exact disk dx^2 + dy^2 <= 25: 11x11, 81 members, rows of 1 7 9 9 9 11 9 9 9 7 1', () => {
    const se = strel('disk', 5, 0);
    expect(se.neighborhood.shape).toEqual([11, 11, 1, 1]);
    expect(se.origin).toEqual([5, 5]);
    expect(se.offsets.length / 2).toBe(81);
    expect(rows(se.neighborhood).map((r) => r.reduce((s, v) => s + v, 0))).toEqual([1, 7, 9, 9, 9, 11, 9, 9, 9, 7, 1]);
    const member = (dy: number, dx: number) => se.neighborhood.at(5 + dy, 5 + dx);
    expect([member(0, 5), member(5, 0), member(3, 4), member(-4, -3), member(4, 4), member(1, 5), member(5, -1)])
      .toEqual([1, 1, 1, 1, 0, 0, 0]);
    expect(strel('disk', 0, 0).offsets).toEqual(new Int32Array([0, 0]));
    expect(rows(strel('disk', 1, 0).neighborhood)).toEqual([[0, 1, 0], [1, 1, 1], [0, 1, 0]]);
  });

  it('dilating a single pixel gives the disk around it (clipped at the border)', () => {
    const S = 21, x = new Float32Array(S * S);
    x[10 + S * 10] = 1;
    const y = imdilate(new Tensor(x, [S, S]), strel('disk', 5, 0));
    for (let j = 0; j < S; j++) {
      for (let i = 0; i < S; i++) expect(y.data[i + S * j], `(${i}, ${j})`).toBe((i - 10) ** 2 + (j - 10) ** 2 <= 25 ? 1 : 0);
    }
    const corner = new Float32Array(S * S);
    corner[0] = 1;
    const yc = imdilate(new Tensor(corner, [S, S]), strel('disk', 5, 0));
    // the quarter disk i, j >= 0, i^2 + j^2 <= 25: 6 + 5 + 5 + 5 + 4 + 1 pixels
    expect(yc.data.reduce((s, v) => s + v, 0)).toBe(26);
    for (let j = 0; j < 7; j++) for (let i = 0; i < 7; i++) expect(yc.data[i + S * j]).toBe(i * i + j * j <= 25 ? 1 : 0);
  });

  it('reflects the element: a single 1 reproduces an asymmetric neighbourhood around its origin', () => {
    // nhood [1 1 0; 0 1 0; 0 0 1], origin (1, 1) 0-based
    const nh = m([[1, 1, 0], [0, 1, 0], [0, 0, 1]]);
    const x = new Float32Array(25);
    x[2 + 5 * 2] = 1;
    expect(rows(imdilate(new Tensor(x, [5, 5]), strel(nh)))).toEqual(
      [[0, 0, 0, 0, 0], [0, 1, 1, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 0]]);
    expect(rows(imdilate(new Tensor(x, [5, 5]), nh))).toEqual(rows(imdilate(new Tensor(x, [5, 5]), strel(nh))));
  });

  it('grey images: the maximum over the element, pixels outside ignored (-Inf padding)', () => {
    const x = m([[-5, -1, -7], [-3, -9, -2], [-8, -4, -6]], 2);
    const y = imdilate(x, m([[1, 1, 1], [1, 1, 1], [1, 1, 1]]));
    expect(rows(y)).toEqual([[-1, -1, -1], [-1, -1, -1], [-3, -2, -2]]);
    expect(rows(y, 1)).toEqual(rows(y));
    const cross = imdilate(x, strel('disk', 1, 0));
    expect(rows(cross)).toEqual([[-1, -1, -1], [-3, -1, -2], [-3, -4, -2]]);
  });

  it('equals the definition max over members of im(i - dy, j - dx) on grey data, for a disk and a holed neighbourhood', () => {
    const x = randn([23, 19, 2], { seed: 21 });
    x.data[5] = NaN;   // a NaN pixel never wins
    const holed = m([[1, 0, 1, 1], [0, 0, 1, 0], [1, 1, 0, 1]]);   // columns with two runs
    for (const se of [strel('disk', 3, 0), strel('disk', 7, 0), strel(holed)]) {
      const [sm, sn] = se.neighborhood.shape, [oy, ox] = se.origin;
      const want = new Float32Array(x.numel).fill(-Infinity);
      for (let t = 0; t < 2; t++) {
        for (let j = 0; j < 19; j++) {
          for (let i = 0; i < 23; i++) {
            for (let q = 0; q < sn; q++) {
              for (let p = 0; p < sm; p++) {
                const ii = i - (p - oy), jj = j - (q - ox);
                if (!se.neighborhood.at(p, q) || ii < 0 || ii >= 23 || jj < 0 || jj >= 19) continue;
                const v = x.data[ii + 23 * jj + 437 * t];
                if (v > want[i + 23 * j + 437 * t]) want[i + 23 * j + 437 * t] = v;
              }
            }
          }
        }
      }
      expectExact(imdilate(x, se).data, want, `${sm}x${sn}`);
    }
  });

  it('names bad arguments', () => {
    expect(() => strel('disk', 5 as number, undefined as unknown as 0)).toThrow("strel: n must be 0 (the exact disk); MATLAB's n = 4, 6, 8");
    expect(() => strel('disk', 5, 4 as 0)).toThrow('got 4');
    expect(() => strel('disk', 2.5, 0)).toThrow('strel: r must be an integer in 0..4096, got 2.5');
    expect(() => strel('square' as 'disk', 3, 0)).toThrow("strel: shape must be 'disk'");
    expect(() => strel(randn([3, 3, 2]))).toThrow('strel: nhood must be a non-empty 2-D Tensor [m, n], got 3x3x2');
    expect(() => imdilate(randn([3, 3]), {} as ReturnType<typeof strel>)).toThrow('imdilate: se must be a structuring element');
  });
});

describe('median and mean of all elements', () => {
  it('odd count: the middle; even count: meanof(a, b) of the two middle values; NaN and empty give NaN', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([-1, 3])).toBe(1);               // signs differ: (a + b) / 2
    expect(median([1, Infinity])).toBe(Infinity);
    expect(median([-Infinity, Infinity])).toBeNaN();
    expect(median([1, 2, NaN])).toBeNaN();
    expect(median(new Float32Array([NaN]))).toBeNaN();
    expect(median([])).toBeNaN();
    expect(median([7])).toBe(7);
  });

  it('single data in single arithmetic: a + (b - a)/2 rounds to float32', () => {
    const b = 1 + 2 ** -23;
    expect(median([1, b])).toBe(1 + 2 ** -24);
    expect(median(new Float32Array([1, b]))).toBe(1);
    expect(median(new Tensor(f32([b, 1, 5, 0]), [2, 2]))).toBe(1);
  });

  it('equals the sorted middle on 480x480 seeded data, with many ties', () => {
    for (const [n, seed] of [[480 * 480, 1], [480 * 480 - 1, 2], [1001, 3]]) {
      const x = randn([n], { seed });
      for (let i = 0; i < n; i += 3) x.data[i] = Math.round(x.data[i] * 4) / 4;   // ties
      const s = x.data.slice().sort();
      const k = (n - 1) >> 1;
      const want = n % 2 ? s[k] : Math.fround(Math.sign(s[k]) !== Math.sign(s[k + 1])
        ? (s[k] + s[k + 1]) / 2 : s[k] + Math.fround((s[k + 1] - s[k]) / 2));
      const copy = x.data.slice();
      expect(median(x), `n = ${n}`).toBe(want);
      expectExact(x.data, copy);
    }
  });

  it('mean: float64 sum over the count, float32 for single data', () => {
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    expect(mean([0.1, 0.2])).toBe((0.1 + 0.2) / 2);
    expect(mean(f32([0.1, 0.2]))).toBe(Math.fround((Math.fround(0.1) + Math.fround(0.2)) / 2));
    expect(mean([])).toBeNaN();
    expect(() => mean('x' as unknown as number[])).toThrow('mean: x must be a Tensor or an array of numbers, got string x');
    expect(() => median([1, '2'] as unknown as number[])).toThrow('median: x[1] must be a number, got string 2');
  });
});

describe('imresize: MATLAB\'s contributions (bicubic, antialiasing when shrinking, symmetric padding)', () => {
  it('upscaling a ramp by 2: u = x/2 + 1/4, exact inside, mirrored at the ends (by hand)', () => {
    const ramp = new Tensor(f32([1, 2, 3, 4]), [4, 1]);
    // out(1) = cubic(1.75)·f(−1→2) + cubic(0.75)·f(0→1) + cubic(0.25)·f(1) + cubic(1.25)·f(2)
    //        = −0.0234375·2 + 0.2265625 + 0.8671875 − 0.0703125·2 = 0.90625 (replicating the edge would give 0.9296875)
    expect(Array.from(imresize(ramp, [8, 1]).data)).toEqual([0.90625, 1.1796875, 1.7265625, 2.25, 2.75, 3.2734375, 3.8203125, 4.09375]);
    expect(Array.from(imresize(ramp, [8, 1], { method: 'bilinear' }).data)).toEqual([1, 1.25, 1.75, 2.25, 2.75, 3.25, 3.75, 4]);
    expect(Array.from(imresize(ramp, [8, 1], { method: 'nearest' }).data)).toEqual([1, 1, 2, 2, 3, 3, 4, 4]);
    // scale 2 on both dimensions: each column is the same; W = 1 mirrors to itself
    const y = imresize(ramp, 2);
    expect(y.shape).toEqual([8, 2, 1, 1]);
    expect(Array.from(y.data.subarray(8))).toEqual(Array.from(y.data.subarray(0, 8)));
  });

  it('a 1-pixel impulse, shrunk by 2: the stretched kernel 0.5·cubic(0.5x) with antialiasing, cubic(x) without', () => {
    const imp = new Float32Array(16);
    imp[7] = 1;   // pixel 8 (1-based); outputs sit at u = 2o − 0.5
    const x = new Tensor(imp, [16, 1]);
    // 0.5·cubic(o − 4.25): o = 3..6 → 0.5·cubic(1.25), 0.5·cubic(0.25), 0.5·cubic(0.75), 0.5·cubic(1.75)
    expectClose(imresize(x, [8, 1]).data, f32([0, 0, -0.03515625, 0.43359375, 0.11328125, -0.01171875, 0, 0]), 0, 1e-8);
    // cubic(2o − 8.5): o = 4 → cubic(0.5) = 0.5625, o = 5 → cubic(1.5) = −0.0625
    expectExact(imresize(x, [8, 1], { antialiasing: false }).data, f32([0, 0, 0, 0.5625, -0.0625, 0, 0, 0]));
    expectExact(imresize(new Tensor(f32([1, 2, 3, 4, 5, 6, 7, 8]), [8, 1]), [4, 1], { method: 'nearest' }).data, f32([2, 4, 6, 8]));
  });

  it('a constant image stays constant, shrinking and growing, every method', () => {
    const x = new Tensor(new Float32Array(30 * 40 * 2).fill(0.7), [30, 40, 2]);
    for (const method of ['bicubic', 'bilinear', 'nearest', 'box', 'lanczos3'] as const) {
      for (const s of [0.3, 0.5, 1, 1.7]) {
        const y = imresize(x, s, { method });
        expect(y.data.every((v) => v === Math.fround(0.7)), `${method} ${s}`).toBe(true);
      }
    }
  });

  it('size rules: ceil(scale .* size), [rows NaN] and [NaN cols] keep the aspect ratio', () => {
    const sz = (H: number, W: number, s: number | number[]) => imresize(randn([H, W], { seed: 1 }), s).shape.slice(0, 2);
    expect(sz(10, 20, [5, NaN])).toEqual([5, 10]);
    expect(sz(10, 20, [NaN, 7])).toEqual([4, 7]);      // ceil(7 * 10 / 20) = ceil(3.5)
    expect(sz(384, 512, [224, 224])).toEqual([224, 224]);
    expect(sz(384, 512, [NaN, 224])).toEqual([168, 224]);
    expect(sz(5, 7, 0.5)).toEqual([3, 4]);
    expect(sz(3, 3, 1.5)).toEqual([5, 5]);
    expect(sz(50, 10, 1.1)).toEqual([56, 11]);         // 1.1 * 50 = 55.00000000000001 in float64: ceil gives 56, as in MATLAB
    expect(imresize(randn([6, 5, 3, 2], { seed: 4 }), [4, 9]).shape).toEqual([4, 9, 3, 2]);
  });

  it('contributions: rows of weights sum to 1, P = ceil(width / scale) + 2 before dropping zero columns, indices mirrored', () => {
    const c = contributions(512, 224, 224 / 512, cubic, 4, true);
    expect(c.P).toBeLessThanOrEqual(Math.ceil(4 / (224 / 512)) + 2);
    for (let o = 0; o < 224; o++) {
      let s = 0;
      for (let p = 0; p < c.P; p++) { s += c.weights[o * c.P + p]; expect(c.indices[o * c.P + p]).toBeGreaterThanOrEqual(0); }
      expect(Math.abs(s - 1)).toBeLessThan(1e-14);
    }
    const id = contributions(7, 7, 1, cubic, 4, true);   // scale 1: the identity, one tap of weight 1
    expect([id.P, Array.from(id.weights), Array.from(id.indices)]).toEqual([1, [1, 1, 1, 1, 1, 1, 1], [0, 1, 2, 3, 4, 5, 6]]);
    expect(keys(0.75)).toBe(cubic(0.75));
  });

  const cases: [number[], number | number[], string, boolean | undefined][] = [
    [[13, 17, 2], 0.37, 'bicubic', undefined],
    [[13, 17, 2], 2.3, 'bicubic', undefined],
    [[13, 17, 1, 2], [5, 30], 'bicubic', undefined],
    [[12, 9], [NaN, 4], 'bicubic', false],
    [[11, 14, 3], [7, 7], 'bilinear', undefined],
    [[11, 14], [20, 5], 'bilinear', false],
    [[10, 12], 0.45, 'nearest', undefined],
    [[10, 12], 0.45, 'nearest', true],
    [[9, 16], [24, 6], 'lanczos3', undefined],
    [[3, 2], [17, 1], 'bicubic', undefined],
    [[1, 5], [3, 11], 'bicubic', undefined],
  ];
  for (const [shape, s, method, aa] of cases) {
    it(`${shape.join('x')} by ${JSON.stringify(s)} (${method}${aa === undefined ? '' : aa ? ', antialiasing' : ', no antialiasing'}) = the float64 reference`, () => {
      const x = randn(shape, { seed: shape[0] * 7 + shape[1] });
      const copy = x.data.slice();
      const opts = aa === undefined ? { method: method as 'bicubic' } : { method: method as 'bicubic', antialiasing: aa };
      const y = imresize(x, s, opts);
      expectExact(x.data, copy, 'input');
      const [H, W, C, N] = x.shape, [Ho, Wo] = y.shape;
      const sc = typeof s === 'number' ? [s, s] : Number.isNaN(s[0]) ? [s[1] / W, s[1] / W] : [s[0] / H, s[1] / W];
      const antialias = aa ?? method !== 'nearest';
      const Rr = resampleMatrix(H, Ho, sc[0], method, antialias), Rc = resampleMatrix(W, Wo, sc[1], method, antialias);
      const want = new Float32Array(Ho * Wo * C * N);
      for (let t = 0; t < C * N; t++) {
        for (let j = 0; j < Wo; j++) for (let i = 0; i < Ho; i++) want[i + Ho * j + Ho * Wo * t] = resizePixel(x.data, H, W, t, Rr, Rc, i, j);
      }
      expectClose(y.data, want, 1e-5, 2e-6);
    });
  }

  it('384x512x3 to 224x224 (exercise 5): the smaller scale (columns) first; sampled pixels = the reference', () => {
    const x = randn([384, 512, 3], { seed: 5 });
    for (let i = 0; i < x.data.length; i++) x.data[i] = 128 + 40 * x.data[i];   // 0..255-like
    const y = imresize(x, [224, 224]);
    expect(y.shape).toEqual([224, 224, 3, 1]);
    const Rr = resampleMatrix(384, 224, 224 / 384, 'bicubic', true), Rc = resampleMatrix(512, 224, 224 / 512, 'bicubic', true);
    const got: number[] = [], want: number[] = [];
    for (const [i, j, t] of [[0, 0, 0], [223, 223, 2], [0, 223, 1], [223, 0, 0], [111, 57, 1], [17, 200, 2], [150, 3, 0]]) {
      got.push(y.data[i + 224 * j + 224 * 224 * t]);
      want.push(resizePixel(x.data, 384, 512, t, Rr, Rc, i, j));
    }
    expectClose(f32(got), f32(want), 1e-5, 1e-4);
  });

  it('names bad arguments', () => {
    const x = randn([4, 5], { seed: 9 });
    expect(() => imresize(x, 2, { method: 'spline' as 'bicubic' })).toThrow(
      "imresize: method must be one of 'bicubic', 'bilinear', 'nearest', 'cubic', 'triangle', 'box', 'lanczos2', 'lanczos3', got 'spline'");
    expect(() => imresize(x, 2, { antialiasing: 1 as unknown as boolean })).toThrow('imresize: antialiasing must be true or false, got 1');
    expect(() => imresize(x, 2, { Method: 'nearest' } as object)).toThrow("imresize: unknown option 'Method'");
    expect(() => imresize(x, [0, 5])).toThrow('imresize: [numrows, numcols] must be positive integers (one of them may be NaN), got [0, 5]');
    expect(() => imresize(x, [2.5, 3])).toThrow('got [2.5, 3]');
    expect(() => imresize(x, [NaN, NaN])).toThrow('got [NaN, NaN]');
    expect(() => imresize(x, -1)).toThrow('imresize: scale must be a finite number > 0, got -1');
    expect(() => imresize(x, NaN)).toThrow('got NaN');
    expect(() => imresize(x, [1, 2, 3])).toThrow('imresize: scaleOrSize must be a scale factor or [numrows, numcols], got [1, 2, 3]');
    expect(() => imresize(new Tensor(new Float32Array(0), [0, 3]), 2)).toThrow('imresize: im must not be empty, got 0x3');
    // A tiny scale widens the antialiasing kernel to 4 / scale taps: an Error before anything is allocated
    // (1e-8 crashed the process: a V8 fatal error, not catchable), and nothing for antialiasing: false.
    for (const s of [1e-8, 1e-12, 5e-324]) {
      expect(() => imresize(x, s)).toThrow(/^imresize: shrinking the rows from 4 to 1 \(scale .*\) with antialiasing needs (\d+|Infinity) kernel taps per output pixel/);
    }
    expect(() => imresize(x, 1e-8)).toThrow('at most 16777216 are supported: resize in steps, or pass { antialiasing: false }');
    expect(imresize(x, 1e-8, { antialiasing: false }).shape).toEqual([1, 1, 1, 1]);
    expect(imresize(randn([1, 2], { seed: 1 }), [1, 3_000_000], { method: 'bilinear' }).shape).toEqual([1, 3_000_000, 1, 1]);
  });
});
