// Part 3 of the practical (exercise3.m) as functions, on synthetic images of
// black dots drawn here (the practical's dots.jpg is not in the repository;
// tests/practical3.node.test.ts runs it when it is on the machine).
import { beforeAll, describe, expect, it } from 'vitest';
import {
  init, Tensor, randn, checkDerivative, extractBlackBlobs, preprocessDots, tinycnn, trainTinyCNN, formatMatrix,
  part3Figures, hist, toPNG, median, syntheticDots,
} from '../src/index.js';

beforeAll(() => init());

/** A grey H x W image, 0.9 with black (0.1) disks of radius r at the given (row, column) centres. */
function dots(H: number, W: number, centres: [number, number][], r = 3): Tensor {
  const d = new Float32Array(H * W).fill(0.9);
  for (const [ci, cj] of centres) {
    for (let j = 0; j < W; j++) for (let i = 0; i < H; i++) if ((i - ci) ** 2 + (j - cj) ** 2 <= r * r) d[i + H * j] = 0.1;
  }
  return new Tensor(d, [H, W]);
}

const ones = (t: Tensor): [number, number][] => {
  const out: [number, number][] = [];
  for (let j = 0; j < t.shape[1]; j++) for (let i = 0; i < t.shape[0]; i++) if (t.at(i, j)) out.push([i, j]);
  return out;
};

/** A grid of dots, 20 px apart, starting 12 px in. */
function grid(n: number): { im: Tensor; centres: [number, number][] } {
  const centres: [number, number][] = [];
  for (let a = 0; a < n; a++) for (let c = 0; c < n; c++) centres.push([12 + 20 * a, 12 + 20 * c]);
  return { im: dots(24 + 20 * (n - 1), 24 + 20 * (n - 1), centres), centres };
}

describe('syntheticDots (part 3 without dots.jpg)', () => {
  const bytes = (t: Tensor): number[] => Array.from(t.data, (v) => Math.round(255 * v));
  it('is a grey 320x320 image of 8-bit levels, the same in Node and Chromium (fixed sums of the levels)', () => {
    const t = syntheticDots();
    expect(t.shape).toEqual([320, 320, 1, 1]);
    const k = bytes(t);
    expect(k.every((v, i) => v >= 0 && v <= 255 && t.data[i] === Math.fround(v / 255))).toBe(true);
    expect(k.reduce((a, b) => a + b, 0)).toBe(20371011);
    expect([k[0], k[160 + 320 * 160]]).toEqual([230, 203]);
    expect(bytes(syntheticDots({ size: 64, spacing: 16, seed: 1 })).reduce((a, b) => a + b, 0)).toBe(737314);
  });
  it('has dark blobs that extractBlackBlobs finds, and a seed that moves them', () => {
    const { pos } = extractBlackBlobs(syntheticDots());
    expect(ones(pos).length).toBe(205);
    expect(bytes(syntheticDots({ seed: 8 }))).not.toEqual(bytes(syntheticDots()));
  });
  it('names the option and the value it refuses', () => {
    expect(() => syntheticDots({ size: 10 })).toThrow('syntheticDots: size must be an integer in 16..4096, got 10');
    expect(() => syntheticDots({ spacing: 400 })).toThrow('syntheticDots: spacing must be an integer in 8..320, got 400');
    expect(() => syntheticDots({ seed: 1.5 })).toThrow('syntheticDots: seed must be an integer in 0..4294967295, got 1.5');
    expect(() => syntheticDots({ radius: 3 } as never)).toThrow(/unknown option 'radius'/);
  });
});

describe('extractBlackBlobs', () => {
  it('finds the centres of the drawn dots and nothing else; neg keeps a radius-5 disk and the border clear', () => {
    const centres: [number, number][] = [[15, 15], [15, 40], [40, 20], [44, 47]];
    const { pos, neg } = extractBlackBlobs(dots(60, 64, centres));
    expect(pos.shape).toEqual([60, 64, 1, 1]);
    expect(ones(pos)).toEqual([...centres].sort((a, b) => a[1] - b[1] || a[0] - b[0]));
    for (const [ci, cj] of centres) {
      expect(neg.at(ci, cj)).toBe(0);
      expect(neg.at(ci + 5, cj)).toBe(0); // on the disk
      expect(neg.at(ci + 4, cj + 3)).toBe(0); // 16 + 9 <= 25
      expect(neg.at(ci + 6, cj)).toBe(1); // outside it
      expect(neg.at(ci + 4, cj + 4)).toBe(1); // 32 > 25
    }
    // Border: rows 0..4 and H-6..H-1, columns 0..4 and W-6..W-1 are false in both.
    expect(neg.at(4, 30)).toBe(0); expect(neg.at(5, 30)).toBe(1);
    expect(neg.at(53, 30)).toBe(1); expect(neg.at(54, 30)).toBe(0);
    expect(neg.at(30, 57)).toBe(1); expect(neg.at(30, 58)).toBe(0);
  });

  it('clears blob centres on the 5/6-pixel border', () => {
    const { pos } = extractBlackBlobs(dots(40, 40, [[20, 20], [20, 35]]));
    // The dot at column 35 is found by the detector but lies in columns W-6..W-1 = 34..39.
    expect(ones(pos)).toEqual([[20, 20]]);
  });

  it('wants a grey image', () => {
    expect(() => extractBlackBlobs(randn([20, 20, 3], { seed: 1 }))).toThrow(/extractBlackBlobs: im must be a grey \[H, W\] image, got 20x20x3x1/);
  });
});

describe('preprocessDots', () => {
  it('smooths with sigma 3 and subtracts the median, leaving the input alone', () => {
    const im = dots(30, 30, [[15, 15]]);
    const before = Float32Array.from(im.data);
    const p = preprocessDots(im);
    expect(im.data).toEqual(before);
    expect(median(p)).toBeCloseTo(0, 6);
    expect(p.at(15, 15)).toBeLessThan(p.at(15, 5)); // the dot stays dark
  });
});

describe('tinycnn', () => {
  const x = randn([20, 24], { seed: 3 });
  const w = randn([3, 3], { seed: 4 });
  const b = new Tensor(Float32Array.of(0.3), [1, 1]);
  const dzdy = randn([20, 24], { seed: 5 });

  it('keeps the image size (pad 1 conv, pad 1 max pool 3) and its backward passes checkDerivative', () => {
    const r = tinycnn(x, w, b, dzdy);
    expect(r.x2.shape).toEqual([20, 24, 1, 1]);
    expect(r.x3.shape).toEqual([20, 24, 1, 1]);
    // x3 is the 3x3 max of x2 (x2 itself is a pad-1 correlation plus b).
    let x2 = 0.3;
    for (let v = 0; v < 3; v++) for (let u = 0; u < 3; u++) x2 += w.at(u, v) * x.at(4 + u, 6 + v);
    expect(r.x2.at(5, 7)).toBeCloseTo(x2, 4);
    let m = -Infinity;
    for (let v = -1; v <= 1; v++) for (let u = -1; u <= 1; u++) m = Math.max(m, r.x2.at(5 + u, 7 + v));
    expect(r.x3.at(5, 7)).toBe(m);
    // Central differences with a step small enough that no 3x3 max changes its winner.
    const opts = { central: true, eta: 1e-4, seed: 6, directions: 3 };
    expect(checkDerivative((wp) => tinycnn(x, wp, b).x3, w, dzdy, r.dzdw!, opts).error).toBeLessThan(0.01);
    expect(checkDerivative((xp) => tinycnn(xp, w, b).x3, x, dzdy, r.dzdx1!, opts).error).toBeLessThan(0.01);
    expect(checkDerivative((bp) => tinycnn(x, w, bp).x3, b, dzdy, r.dzdb!, opts).error).toBeLessThan(0.01);
    // A wrong derivative fails the same check: the filter flipped (convolution instead of correlation).
    const flipped = new Tensor(Float32Array.from(r.dzdw!.data).reverse(), r.dzdw!.shape);
    expect(checkDerivative((wp) => tinycnn(x, wp, b).x3, w, dzdy, flipped, opts).error).toBeGreaterThan(0.1);
    // dzdb is the sum of dzdx2, which is dzdy routed to the winners.
    let s = 0;
    for (const v of r.dzdx2!.data) s += v;
    expect(r.dzdb!.data[0]).toBeCloseTo(s, 3);
  });

  it('rejects a filter bank', () => {
    expect(() => tinycnn(x, randn([3, 3, 1, 2], { seed: 1 }), 0)).toThrow(/tinycnn: w must be one \[kh, kw\] filter/);
  });
});

describe('trainTinyCNN', () => {
  it('50 iterations with a fixed seed lower the objective and learn a centre-negative 3x3 filter', () => {
    const { im } = grid(6);
    const lines: string[] = [];
    const plots: number[] = [];
    const r = trainTinyCNN(im, { numIterations: 50, seed: 1, log: (l) => lines.push(l), onPlot: (s) => plots.push(s.t) });
    const [err, reg, tot] = r.E;
    expect(tot.length).toBe(50);
    for (let t = 0; t < 50; t++) expect(tot[t]).toBeCloseTo(err[t] + reg[t], 12);
    expect(tot[49]).toBeLessThan(0.6 * tot[0]);
    expect(r.w.size()).toEqual([3, 3]);
    const w = Array.from(r.w.data);
    const centre = r.w.at(1, 1);
    expect(centre).toBe(Math.min(...w));
    expect(plots).toEqual([1, 11, 21, 31, 41, 50]);
    // A line every 10 iterations, then the filter and the bias as MATLAB displays them.
    const iterLines = lines.filter((l) => l.startsWith('iteration '));
    expect(iterLines).toHaveLength(5);
    expect(iterLines[0]).toMatch(/^iteration 10: objective \d\.\d{3} \(error \d\.\d{3}, regularizer \d\.\d{3}\)$/);
    expect(lines).toContain('w =');
    expect(lines).toContain('b =');
    // Same seed, same run.
    const again = trainTinyCNN(im, { numIterations: 50, seed: 1 });
    expect(again.w.data).toEqual(r.w.data);
  });

  it('draws every figure as a PNG-ready picture', () => {
    const { im } = grid(3);
    const r = trainTinyCNN(im, { numIterations: 3 });
    const figs = part3Figures(r, im);
    expect(Object.keys(figs)).toEqual(['blobs.png', 'objective.png', 'histograms.png', 'filter.png',
      'network-output.png', 'first-layer-output.png', 'error-map.png']);
    const [H, W] = im.shape;
    expect(figs['blobs.png'].shape).toEqual([H, 3 * W + 16, 1, 1]);
    expect(figs['error-map.png'].shape).toEqual([H, W, 3, 1]);
    expect(figs['filter.png'].shape).toEqual([96, 96, 1, 1]);
    for (const t of Object.values(figs)) expect(toPNG(t).length).toBeGreaterThan(60);
    // Error map: blue exactly where the label is 0; red or green exactly where it is not.
    const n = H * W, e = figs['error-map.png'].data;
    for (let p = 0; p < n; p++) {
      expect(e[p + 2 * n]).toBe(r.y.data[p] === 0 ? 1 : 0);
      expect(e[p] + e[p + n]).toBe(r.y.data[p] === 0 ? 0 : 1);
    }
  });
});

describe('helpers', () => {
  it('hist matches MATLAB: nbins equal bins over [min, max], the maximum in the last', () => {
    const { h, x } = hist([0, 1, 1, 2, 3, 4], 4);
    expect(Array.from(x)).toEqual([0.5, 1.5, 2.5, 3.5]);
    expect(Array.from(h)).toEqual([1, 2, 1, 2]);
  });

  it('formatMatrix prints like MATLAB format short', () => {
    expect(formatMatrix('w', new Tensor(Float32Array.of(1, -25.5, 0.25, 3), [2, 2])))
      .toEqual(['w =', '', '     1.0000     0.2500', '   -25.5000     3.0000', '']);
    expect(formatMatrix('b', -0.125)).toEqual(['b =', '', '   -0.1250', '']);
  });
});
