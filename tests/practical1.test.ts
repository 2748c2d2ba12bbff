// Part 1 of the practical (exercise1.m) as functions, on a small seeded RGB image: the sizes it
// prints, each step against a reference computed here or in tests/ref (never the block under
// test), and the figures.
import { beforeAll, describe, expect, it } from 'vitest';
import { init, Tensor, randn, runPart1, part1Figures, grayColormap, panels, GRAY_LEVELS, PART1_LRN } from '../src/index.js';
import { convForwardRef } from './ref/conv.js';
import { normalizeForwardRef } from './ref/normalize.js';
import { poolForwardRef } from './ref/pool.js';

beforeAll(() => init());

const H = 40, W = 52;
/** A seeded RGB image in [0, 1] with one black pixel (LRN's 0 / 0) at (3, 4). */
function image(): Tensor {
  const r = randn([H, W, 3], { seed: 7 });
  const d = r.data.map((v) => Math.min(1, Math.abs(v) / 3));
  for (let k = 0; k < 3; k++) d[3 + H * (4 + W * k)] = 0;
  return new Tensor(d, [H, W, 3]);
}
const X = (x: Tensor, i: number, j: number, k: number): number => x.data[i + H * (j + W * k)];

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, rel: number, what: string): void {
  expect(got.length, what).toBe(want.length);
  let scale = 0;
  for (let n = 0; n < want.length; n++) scale = Math.max(scale, Math.abs(want[n]));
  for (let n = 0; n < want.length; n++) {
    if (!(Math.abs(got[n] - want[n]) <= rel * scale)) {
      throw new Error(`${what}: element ${n} is ${got[n]}, want ${want[n]} (tolerance ${rel * scale})`);
    }
  }
}

describe('runPart1 (exercise1.m)', () => {
  it('prints every step with the size MATLAB gives: 384x512 in, the script\'s sizes out', () => {
    const x = new Tensor(new Float32Array(384 * 512 * 3).fill(0.5), [384, 512, 3]);
    const r = runPart1(x, { seed: 3 });
    const sizes = r.lines.filter((l) => / size /.test(l)).map((l) => l.trim().split(/ +size /));
    expect(sizes.map(([, s]) => s)).toEqual(['384x512x3', '5x5x3x10', '380x508x10', '24x32x10', '388x516x10', '3x3x3', '382x510',
      '1x3x3x2', '384x510x2', '384x510x2', '370x498x3', '384x512x3']);
    expect(sizes[2][0]).toBe('y = vl_nnconv(x, w, [])');
    expect(sizes[3][0]).toBe("y_ds = vl_nnconv(x, w, [], 'stride', 16)");
    expect(sizes[4][0]).toBe("y_pad = vl_nnconv(x, w, [], 'pad', 4)");
    expect(sizes[11][0]).toBe('y_nrm = vl_nnnormalize(x, [5 0 1 0.5])');
    expect(r.lines.filter((l) => /^Part 1\.\d/.test(l))).toEqual(['Part 1.1: linear convolution',
      'Part 1.2: non-linear gating (ReLU)', 'Part 1.3: pooling', 'Part 1.4: normalisation']);
  });

  it('draws the bank from the seed and convolves with it, plain, with stride 16 and with pad 4 (tests/ref/conv)', () => {
    const x = image();
    const r = runPart1(x, { seed: 5 });
    expect(Array.from(r.w.data)).toEqual(Array.from(randn([5, 5, 3, 10], { seed: 5 }).data));
    expect(Array.from(runPart1(x, { seed: 6 }).w.data)).not.toEqual(Array.from(r.w.data));
    const d = { H, W, C: 3, N: 1, FH: 5, FW: 5, FC: 3, K: 10, pad: [0, 0, 0, 0], stride: [1, 1], dilate: [1, 1] };
    expect(r.y.size()).toEqual([36, 48, 10]);
    expectClose(r.y.data, convForwardRef(x.data, r.w.data, null, d), 1e-5, 'y');
    expect(r.yDs.size()).toEqual([3, 3, 10]);
    expectClose(r.yDs.data, convForwardRef(x.data, r.w.data, null, { ...d, stride: [16, 16] }), 1e-5, 'y_ds');
    expect(r.yPad.size()).toEqual([44, 56, 10]);
    expectClose(r.yPad.data, convForwardRef(x.data, r.w.data, null, { ...d, pad: [4, 4, 4, 4] }), 1e-5, 'y_pad');
  });

  it('gives the 5-point Laplacian of R+G+B, written out here', () => {
    const x = image();
    const r = runPart1(x);
    expect(r.wLap.size()).toEqual([3, 3, 3]);
    expect(r.yLap.size()).toEqual([H - 2, W - 2]);
    const s = (i: number, j: number) => X(x, i, j, 0) + X(x, i, j, 1) + X(x, i, j, 2);
    const want = new Float64Array((H - 2) * (W - 2));
    for (let j = 0; j < W - 2; j++) for (let i = 0; i < H - 2; i++) {
      want[i + (H - 2) * j] = s(i, j + 1) + s(i + 2, j + 1) + s(i + 1, j) + s(i + 1, j + 2) - 4 * s(i + 1, j + 1);
    }
    expectClose(r.yLap.data, want, 1e-6, 'y_lap');
  });

  it('gives the horizontal derivative x(i,j) - x(i,j+2) over RGB and its negation, then their ReLU', () => {
    const x = image();
    const r = runPart1(x);
    expect(r.wEdge.size()).toEqual([1, 3, 3, 2]);
    expect(r.yEdge.size()).toEqual([H, W - 2, 2]);
    const n = H * (W - 2);
    for (let j = 0; j < W - 2; j++) for (let i = 0; i < H; i++) {
      let d = 0;
      for (let k = 0; k < 3; k++) d += X(x, i, j, k) - X(x, i, j + 2, k);
      const p = i + H * j;
      expect(Math.abs(r.yEdge.data[p] - d)).toBeLessThanOrEqual(1e-6);
      expect(r.yEdge.data[p + n]).toBe(-r.yEdge.data[p]);
      expect(r.zEdge.data[p]).toBe(Math.max(0, r.yEdge.data[p]));
      expect(r.zEdge.data[p + n]).toBe(Math.max(0, r.yEdge.data[p + n]));
    }
  });

  it('max-pools over 15x15 windows (tests/ref/pool)', () => {
    const x = image();
    const r = runPart1(x);
    expect(r.yPool.size()).toEqual([H - 14, W - 14, 3]);
    expect(Array.from(r.yPool.data)).toEqual(Array.from(poolForwardRef(x.data, [H, W, 3, 1],
      { pool: [15, 15], stride: [1, 1], pad: [0, 0, 0, 0], method: 'max' })));
  });

  it('normalises with [5 0 1 0.5]: x / |x| per pixel (tests/ref/normalize and by hand), 0 at a black pixel', () => {
    const x = image();
    const r = runPart1(x);
    expect(PART1_LRN).toEqual([5, 0, 1, 0.5]);
    expectClose(r.yNrm.data, normalizeForwardRef(x.data, [H, W, 3, 1], [5, 0, 1, 0.5]), 1e-6, 'y_nrm');
    for (const [i, j] of [[0, 0], [10, 20], [39, 51]]) {
      const norm = Math.hypot(X(x, i, j, 0), X(x, i, j, 1), X(x, i, j, 2));
      for (let k = 0; k < 3; k++) expect(X(r.yNrm, i, j, k)).toBeCloseTo(X(x, i, j, k) / norm, 6);
    }
    for (let k = 0; k < 3; k++) expect(X(r.yNrm, 3, 4, k)).toBe(0);
    expect(r.yNrm.data.every((v) => Number.isFinite(v))).toBe(true);
  });

  it('refuses what exercise1.m cannot run on, naming the argument', () => {
    expect(() => runPart1(randn([20, 20, 1], { seed: 1 }))).toThrow(/runPart1: x must be one RGB \[H, W, 3\] image, got 20x20x1x1/);
    expect(() => runPart1(randn([14, 40, 3], { seed: 1 }))).toThrow(/runPart1: x is 14x40; .*at least 15x15/);
    expect(() => runPart1(image(), { seed: -1 })).toThrow(/seed must be an integer >= 0/);
    expect(() => runPart1(image(), { sed: 1 } as never)).toThrow(/unknown option 'sed'/);
  });
});

describe('part1Figures', () => {
  it('makes the eight figures: mosaics in 64 grey levels, the Laplacian pair with titles, RGB pool and LRN', () => {
    const x = image();
    const r = runPart1(x);
    const f = part1Figures(r);
    expect(Object.keys(f)).toEqual(['figure1-input.png', 'figure2-conv.png', 'figure3-conv-stride16.png', 'figure4-conv-pad4.png',
      'figure5-laplacian.png', 'figure6-edges-relu.png', 'figure7-pool15.png', 'figure8-normalize.png']);
    // vl_imarraysc of 10 tiles: 4 columns, 3 rows, no spacing.
    expect(f['figure2-conv.png'].size()).toEqual([3 * 36, 4 * 48]);
    expect(f['figure3-conv-stride16.png'].size()).toEqual([9, 12]);
    const levels = new Set(f['figure2-conv.png'].data);
    for (const v of levels) expect(Number.isInteger(Math.round(v * (GRAY_LEVELS - 1) * 1e4) / 1e4)).toBe(true);
    expect(levels.size).toBeLessThanOrEqual(GRAY_LEVELS);
    expect(levels.has(0) && levels.has(1)).toBe(true);
    // subplot(1,2,k) with titles: RGB, white margins, black title pixels above the pictures.
    const lap = f['figure5-laplacian.png'];
    expect(lap.shape[2]).toBe(3);
    expect(lap.shape[1]).toBe(16 + (W - 2) + 16 + (W - 2) + 16);
    const top = lap.shape[0] - 16 - (H - 2);
    let black = 0;
    for (let j = 0; j < lap.shape[1]; j++) for (let i = 0; i < top; i++) if (lap.data[i + lap.shape[0] * j] === 0) black++;
    expect(black).toBeGreaterThan(50);
    expect(f['figure6-edges-relu.png'].shape[2]).toBe(3);
    expect(f['figure7-pool15.png'].size()).toEqual([H - 14, W - 14, 3]);
    expect(Array.from(f['figure8-normalize.png'].data)).toEqual(Array.from(r.yNrm.data));
    expect(Array.from(f['figure1-input.png'].data)).toEqual(Array.from(x.data));
  });

  it('grayColormap maps [0, 1] to the 64 rows of MATLAB\'s gray: floor(64 u), the top on row 64', () => {
    const g = grayColormap(new Tensor(Float32Array.from([0, 1 / 64 - 1e-6, 1 / 64, 0.5, 1]), [5, 1]));
    expect(Array.from(g.data).map((v) => Math.round(v * 63))).toEqual([0, 0, 1, 32, 63]);
  });

  it('panels lays grey and RGB pictures side by side', () => {
    const a = new Tensor(new Float32Array(4 * 5).fill(0.25), [4, 5]);
    const b = new Tensor(new Float32Array(6 * 3 * 3).fill(0.75), [6, 3, 3]);
    const p = panels([{ image: a }, { image: b }]);
    expect(p.size()).toEqual([16 + 6 + 16, 16 + 5 + 16 + 3 + 16, 3]);
    expect(p.data[16 + 38 * 16]).toBeCloseTo(0.25, 6);
    expect(p.data[16 + 38 * (16 + 5 + 16)]).toBeCloseTo(0.75, 6);
    expect(p.data[0]).toBe(1);
  });
});
