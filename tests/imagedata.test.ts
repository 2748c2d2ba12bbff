// toImageData: tensors to canvas RGBA bytes, the same samples as toPNG, colormaps as MATLAB's.
import { describe, expect, it } from 'vitest';
import { imread, toPNG, toImageData, imarraysc, Tensor } from '../src/index.js';
import { distinct } from './helpers.js';

/** The RGBA bytes of pixel (i, j). */
const px = (r: { width: number; data: Uint8ClampedArray }, i: number, j: number): number[] =>
  Array.from(r.data.subarray(4 * (i * r.width + j), 4 * (i * r.width + j) + 4));

describe('toImageData', () => {
  it('gives the samples toPNG writes, row-major RGBA with alpha 255, for grey and RGB', async () => {
    for (const shape of [[5, 7], [5, 7, 3]]) {
      const x = distinct(shape, 3, 0.013, -0.1); // distinct values, some outside [0, 1]
      const r = toImageData(x);
      expect([r.height, r.width, r.data.length]).toEqual([5, 7, 4 * 35]);
      expect(r.data).toBeInstanceOf(Uint8ClampedArray);
      const png = await imread(toPNG(x));
      const C = png.channels;
      for (let p = 0; p < 35; p++) {
        const want = C === 1 ? [png.data[p], png.data[p], png.data[p], 255] : [...png.data.subarray(3 * p, 3 * p + 3), 255];
        expect(Array.from(r.data.subarray(4 * p, 4 * p + 4))).toEqual(want);
      }
    }
  });

  it('reads column-major tensors: x(i, j) lands at row i, column j', () => {
    // x(i, j) = (i + 10 j) / 255 on a 2x3 grid, column-major
    const x = new Tensor(Float32Array.from([0, 1, 10, 11, 20, 21], (v) => v / 255), [2, 3]);
    const r = toImageData(x);
    expect(px(r, 0, 0)).toEqual([0, 0, 0, 255]);
    expect(px(r, 1, 0)).toEqual([1, 1, 1, 255]);
    expect(px(r, 0, 2)).toEqual([20, 20, 20, 255]);
    expect(px(r, 1, 2)).toEqual([21, 21, 21, 255]);
    const rgb = new Tensor(Float32Array.from([0.2, 0.4, 0.6], (v) => v), [1, 1, 3]);
    expect(px(toImageData(rgb), 0, 0)).toEqual([51, 102, 153, 255]);
  });

  it('clamps, maps NaN to 0, and scales clim to [0, 1]', () => {
    const v = [-1, 0, 0.5, 1, 1.5, NaN];
    const r = toImageData(new Tensor(new Float32Array(v), [1, 6]));
    expect(Array.from({ length: 6 }, (_, j) => px(r, 0, j)[0])).toEqual([0, 0, 128, 255, 255, 0]);
    const s = toImageData(new Tensor(Float32Array.from([-2, 0, 2]), [1, 3]), { clim: [-2, 2] });
    expect([px(s, 0, 0)[0], px(s, 0, 1)[0], px(s, 0, 2)[0]]).toEqual([0, 128, 255]);
  });

  it('picks colormap row min(m - 1, floor(m v)) as imagesc does; jet and hot are MATLAB\'s', () => {
    const cm = [[1, 0, 0], [0, 1, 0], [0, 0, 1]] as const;
    const r = toImageData(new Tensor(Float32Array.from([0, 0.33, 0.34, 0.66, 0.67, 1]), [1, 6]), { colormap: cm });
    expect(Array.from({ length: 6 }, (_, j) => px(r, 0, j).slice(0, 3))).toEqual([[255, 0, 0], [255, 0, 0], [0, 255, 0], [0, 255, 0], [0, 0, 255], [0, 0, 255]]);
    // jet(256): row 1 is [0 0 0.5156], row 256 is [0.5 0 0]; the middle rows 128/129 are yellow-green/orange-ish
    const jet = toImageData(new Tensor(Float32Array.from([0, 1, 127.5 / 256]), [1, 3]), { colormap: 'jet' });
    expect(px(jet, 0, 0).slice(0, 3)).toEqual([0, 0, Math.round((33 / 64) * 255)]);
    expect(px(jet, 0, 1).slice(0, 3)).toEqual([Math.round((32 / 64) * 255), 0, 0]);
    expect(px(jet, 0, 2)[1]).toBe(255); // the middle rows are at full green
    // hot(256): n = 96; row 1 [1/96 0 0], row 256 white
    const hot = toImageData(new Tensor(Float32Array.from([0, 1]), [1, 2]), { colormap: 'hot' });
    expect(px(hot, 0, 0).slice(0, 3)).toEqual([Math.round(255 / 96), 0, 0]);
    expect(px(hot, 0, 1).slice(0, 3)).toEqual([255, 255, 255]);
  });

  it('draws into given bytes', () => {
    const out = new Uint8ClampedArray(4 * 6);
    const r = toImageData(new Tensor(new Float32Array(6).fill(1), [2, 3]), { out });
    expect(r.data).toBe(out);
    expect(Array.from(out)).toEqual(new Array(24).fill(255));
  });

  it('rejects what is not a picture, naming the argument and the sizes', () => {
    expect(() => toImageData(distinct([4, 5, 10], 1))).toThrow(/toImageData: x is 4x5x10, but a picture is \[H, W\] \(grey\) or \[H, W, 3\] \(RGB\); .*imarraysc\(x\)/);
    expect(() => toImageData(distinct([4, 5, 3, 2], 1))).toThrow(/toImageData: x is 4x5x3x2/);
    expect(() => toImageData(distinct([2, 2, 3], 1), { colormap: 'jet' })).toThrow(/colormap is for a grey \[H, W\] tensor, but x is 2x2x3/);
    expect(() => toImageData(distinct([2, 2], 1), { colormap: 'parula' as 'jet' })).toThrow(/colormap must be 'gray', 'jet', 'hot' or .* got 'parula'/);
    expect(() => toImageData(distinct([2, 2], 1), { colormap: [[0, 0, 2]] })).toThrow(/colormap row 0 must be \[r, g, b\] with values in \[0, 1\], got \[0, 0, 2\]/);
    expect(() => toImageData(distinct([2, 2], 1), { clim: [1, 1] })).toThrow(/clim must be \[low, high\] with low < high, got \[1, 1\]/);
    expect(() => toImageData(distinct([2, 2], 1), { out: new Uint8ClampedArray(3) })).toThrow(/out must be a Uint8ClampedArray of 4\*2\*2 = 16 bytes, got Uint8ClampedArray of 3/);
    expect(() => toImageData(distinct([2, 2], 1), { scale: 2 } as never)).toThrow(/unknown option 'scale'/);
    expect(() => toImageData([1, 2] as never)).toThrow(/toImageData: x must be a Tensor/);
  });

  it('takes imarraysc tiles', () => {
    const r = toImageData(imarraysc(distinct([4, 5, 6], 2), { spacing: 1, fillValue: 1 }));
    expect([r.height, r.width]).toEqual([2 * 4 + 1, 3 * 5 + 2]);
  });
});
