// toPNG and imarraysc (tensors out as pictures) in Node and Chromium; imwrite's
// browser error. File writing itself is in image.node.test.ts.
import { describe, expect, it } from 'vitest';
import { imread, im2single, toPNG, imarraysc, Tensor } from '../src/index.js';
import { distinct } from './helpers.js';
import { bytesOf } from './image-fixtures.js';

describe('toPNG', () => {
  it('round-trips exactly through imread at 8 and 16 bits, for 1 to 4 channels', async () => {
    for (const name of ['grey8.png', 'greyalpha8.png', 'rgb8-adam7.png', 'rgba8.png', 'grey16.png', 'greyalpha16.png', 'rgb16.png', 'rgba16.png']) {
      const img = await imread(bytesOf(name));
      const back = await imread(toPNG(im2single(img), { bitDepth: img.bitDepth }));
      expect({ ...back, data: undefined }).toEqual({ ...img, data: undefined });
      expect(Array.from(back.data)).toEqual(Array.from(img.data));
    }
  });

  it('clamps to [0, 1], rounds, and maps NaN to 0', async () => {
    const v = [-1, 0, 0.7 / 255, 0.3 / 255, 0.5, 1, 1.5, NaN];
    const img = await imread(toPNG(new Tensor(new Float32Array(v), [1, v.length])));
    expect([img.height, img.width, img.channels, img.bitDepth]).toEqual([1, 8, 1, 8]);
    expect(Array.from(img.data)).toEqual([0, 0, 1, 0, 128, 255, 255, 0]);
    const img16 = await imread(toPNG(new Tensor(new Float32Array(v), [1, v.length]), { bitDepth: 16 }));
    expect(Array.from(img16.data)).toEqual([0, 0, 180, 77, 32768, 65535, 65535, 0]);
  });

  it('rejects shapes a PNG cannot hold, pointing at imarraysc', () => {
    expect(() => toPNG(distinct([4, 5, 10], 1))).toThrow(/toPNG: x is 4x5x10, but a PNG holds one .* with imarraysc\(x\)/);
    expect(() => toPNG(distinct([4, 5, 3, 2], 1))).toThrow(/toPNG: x is 4x5x3x2/);
    expect(() => toPNG(new Tensor(new Float32Array(0), [0, 3]))).toThrow(/x is 0x3; a PNG needs at least one pixel/);
    expect(() => toPNG(distinct([2, 2], 1), { bitDepth: 12 as 8 })).toThrow(/toPNG: bitDepth must be 8 or 16, got 12/);
    expect(() => toPNG(distinct([2, 2], 1), { depth: 16 } as object)).toThrow(/toPNG: unknown option 'depth'/);
    expect(() => toPNG(new Float32Array(4) as unknown as Tensor)).toThrow(/toPNG: x must be a Tensor/);
  });
});

describe('imarraysc', () => {
  it('tiles the C channels of [H, W, C] on a ceil(sqrt(C))-column grid with per-tile min-max scaling', () => {
    const [H, W, C] = [3, 2, 10];
    const x = distinct([H, W, C], 5, 0.5, -7);
    for (let n = 0; n < H * W; n++) x.data[4 * H * W + n] = 2.5; // tile 4 constant -> 0
    const y = imarraysc(x, { spacing: 1, fillValue: 0.25 });
    const [rows, cols] = [3, 4];
    expect(y.size()).toEqual([rows * H + rows - 1, cols * W + cols - 1]);
    for (let t = 0; t < C; t++) {
      const tile = x.data.subarray(t * H * W, (t + 1) * H * W);
      const lo = Math.min(...tile), hi = Math.max(...tile);
      const r = Math.floor(t / cols), c = t % cols;
      for (let i = 0; i < H; i++) {
        for (let j = 0; j < W; j++) {
          const want = hi > lo ? Math.fround((x.at(i, j, t) - lo) / (hi - lo)) : 0;
          expect(y.at(r * (H + 1) + i, c * (W + 1) + j), `tile ${t} (${i}, ${j})`).toBe(want);
        }
      }
    }
    expect(y.at(H, 0)).toBe(0.25); // spacing row
    expect(y.at(0, W)).toBe(0.25); // spacing column
    expect(y.at(2 * (H + 1), 2 * (W + 1))).toBe(0.25); // the two unused places of the last row
    expect(Math.min(...y.data.filter((v) => v !== 0.25))).toBe(0);
  });

  it('tiles N RGB images of [H, W, 3, N], scaling each over its three channels', () => {
    const x = distinct([2, 3, 3, 5], 9);
    const y = imarraysc(x);
    expect(y.size()).toEqual([2 * 2, 3 * 3, 3]);
    for (let n = 0; n < 5; n++) {
      const img = x.data.subarray(n * 18, (n + 1) * 18);
      const lo = Math.min(...img), hi = Math.max(...img);
      const r = Math.floor(n / 3), c = n % 3;
      for (let k = 0; k < 3; k++) {
        expect(y.at(r * 2 + 1, c * 3 + 2, k)).toBe(Math.fround((x.at(1, 2, k, n) - lo) / (hi - lo)));
      }
    }
    expect(imarraysc(distinct([2, 3, 1, 5], 9)).size()).toEqual([4, 9]);
  });

  it('layout, clim and uniformScale options', () => {
    const x = distinct([2, 2, 3], 2); // values 1..12
    expect(imarraysc(x, { layout: [3, 1] }).size()).toEqual([6, 2]);
    const c = imarraysc(x, { clim: [2, 10] });
    expect(c.at(0, 0, 0)).toBe(Math.min(1, Math.max(0, Math.fround((x.at(0, 0, 0) - 2) / 8))));
    expect(Math.min(...c.data)).toBe(0);
    expect(Math.max(...c.data)).toBe(1);
    const u = imarraysc(x, { uniformScale: true, layout: [1, 3] });
    expect(Array.from(u.data).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, n) => Math.fround(n / 11)));
  });

  it('rejects bad shapes and options with the sizes seen', () => {
    expect(() => imarraysc(distinct([2, 2, 5, 2], 1))).toThrow(/imarraysc: x is 2x2x5x2; with N > 1 images each must be grey \(C = 1\) or RGB \(C = 3\)/);
    expect(() => imarraysc(distinct([2, 2, 5], 1), { layout: [2, 2] })).toThrow(/layout \[2, 2\] has 4 places for 5 tiles/);
    expect(() => imarraysc(distinct([2, 2, 5], 1), { spacing: -1 })).toThrow(/spacing must be an integer >= 0, got -1/);
    expect(() => imarraysc(distinct([2, 2, 5], 1), { clim: [1, 1] })).toThrow(/clim must be \[low, high\] with low < high, got \[1, 1\]/);
    expect(() => imarraysc(distinct([2, 2, 5], 1), { spacng: 1 } as object)).toThrow(/unknown option 'spacng'/);
  });

  it('makes a picture toPNG accepts', async () => {
    const img = await imread(toPNG(imarraysc(distinct([4, 4, 7], 3), { spacing: 1 })));
    expect([img.height, img.width, img.channels]).toEqual([4 * 3 + 2, 4 * 3 + 2, 1]);
  });
});

describe('imwrite without a file system (browser)', () => {
  it.skipIf(typeof document === 'undefined')('imwrite says to use toPNG', async () => {
    const { imwrite } = await import('../src/index.js');
    await expect(imwrite(new Tensor(new Float32Array(4), [2, 2]), 'x.png'))
      .rejects.toThrow(/^imwrite: this runtime has no file system .* use toPNG\(x\)/);
  });

});
