// exercise1.m's eight figures as Tensors (toPNG writes them), NETWORKS.md §4.0/§4.1:
// vl_imarraysc mosaics and imagesc of one channel through MATLAB's `colormap gray`
// (64 grey levels: index clamp(floor(a·x + b + 1), 1, 64) with a = 64/(max - min + eps),
// b = -min·a), imagesc of an RGB array as the colours themselves (truecolor, clamped
// to [0, 1]), and subplot(1, 2, k) as two panels side by side with their titles.

import { Tensor } from '../tensor.js';
import { imarraysc } from '../image/convert.js';
import { ADVANCE, GLYPH_H, GLYPH_W, glyphRow } from '../plot-font.js';
import type { Part1Result } from './part1.js';

/** Rows of MATLAB's default `gray` colormap (64 before R2019b, which the practical used). */
export const GRAY_LEVELS = 64;

/**
 * A map already scaled to [0, 1] per tile (as imarraysc gives it) through the L-row gray colormap:
 * u = (x - min)/(max - min) becomes row min(floor(L·u), L - 1), whose grey is row/(L - 1).
 * (MATLAB's eps in the denominator moves only the maximum, which lands on row L either way.)
 */
export function grayColormap(u: Tensor, L = GRAY_LEVELS): Tensor {
  const out = new Float32Array(u.numel);
  for (let n = 0; n < out.length; n++) out[n] = Math.min(Math.floor(L * u.data[n]), L - 1) / (L - 1);
  return new Tensor(out, u.shape);
}

/** `vl_imarraysc(y) ; colormap gray`: the channels of y tiled, each mapped to its own range. */
export function mosaic(y: Tensor): Tensor {
  return grayColormap(imarraysc(y));
}

/** `imagesc(m) ; colormap gray` for one channel. */
export function imagescGray(m: Tensor): Tensor {
  return grayColormap(imarraysc(m));
}

/** `imagesc(x)` of an RGB array: its colours, clamped to [0, 1] (MATLAB's truecolor display). */
export function truecolor(x: Tensor): Tensor {
  return new Tensor(x.data.map((v) => (v < 0 ? 0 : v > 1 ? 1 : Number.isNaN(v) ? 0 : v)), x.shape);
}

const SCALE = 2; // title text: 2 screen pixels per font pixel
const GAP = 16;

/**
 * subplot(1, n, k) for pictures (grey [H, W] or RGB [H, W, 3]) with optional titles: side by side,
 * GAP white pixels apart and around, each title centred above its picture.
 */
export function panels(items: { image: Tensor; title?: string }[]): Tensor {
  const titled = items.some((p) => p.title);
  const top = titled ? GAP + GLYPH_H * SCALE + 8 : GAP;
  const Hmax = Math.max(...items.map((p) => p.image.shape[0]));
  const H = top + Hmax + GAP;
  const W = GAP + items.reduce((s, p) => s + p.image.shape[1] + GAP, 0);
  const plane = H * W;
  const out = new Float32Array(plane * 3).fill(1);
  let left = GAP;
  for (const { image, title } of items) {
    const [h, w, c] = image.shape;
    for (let k = 0; k < 3; k++) {
      const src = (c === 3 ? k : 0) * h * w;
      // out(top + i, left + j, k) = image(i, j, k or 0)
      for (let j = 0; j < w; j++) out.set(image.data.subarray(src + h * j, src + h * (j + 1)), top + H * (left + j) + plane * k);
    }
    if (title) {
      const tw = (title.length * ADVANCE - 1) * SCALE;
      const j0 = left + Math.round((w - tw) / 2), i0 = GAP;
      for (let n = 0; n < title.length; n++) {
        for (let r = 0; r < GLYPH_H; r++) {
          const bits = glyphRow(title[n], r);
          for (let b = 0; b < GLYPH_W; b++) {
            if (!((bits >> (GLYPH_W - 1 - b)) & 1)) continue;
            for (let di = 0; di < SCALE; di++) for (let dj = 0; dj < SCALE; dj++) {
              const i = i0 + r * SCALE + di, j = j0 + (n * ADVANCE + b) * SCALE + dj;
              if (j >= 0 && j < W) for (let k = 0; k < 3; k++) out[i + H * j + plane * k] = 0;
            }
          }
        }
      }
    }
    left += w + GAP;
  }
  return new Tensor(out, [H, W, 3]);
}

/** Every figure of part 1, by file name (figure numbers as in exercise1.m). */
export function part1Figures(r: Part1Result): Record<string, Tensor> {
  const negAbs = new Tensor(r.yLap.data.map((v) => -Math.abs(v)), r.yLap.shape);
  return {
    // figure(1) ; imagesc(x)
    'figure1-input.png': truecolor(r.x),
    // figure(2..4) ; vl_imarraysc(y) ; colormap gray
    'figure2-conv.png': mosaic(r.y),
    'figure3-conv-stride16.png': mosaic(r.yDs),
    'figure4-conv-pad4.png': mosaic(r.yPad),
    // figure(5) ; subplot(1,2,1) ; imagesc(y_lap) ; title('filter output') ; subplot(1,2,2) ; imagesc(-abs(y_lap)) ; ...
    'figure5-laplacian.png': panels([
      { image: imagescGray(r.yLap), title: 'filter output' },
      { image: imagescGray(negAbs), title: '- abs(filter output)' },
    ]),
    // figure(6) ; subplot(1,2,1) ; vl_imarraysc(y) ; subplot(1,2,2) ; vl_imarraysc(z)
    'figure6-edges-relu.png': panels([{ image: mosaic(r.yEdge) }, { image: mosaic(r.zEdge) }]),
    // figure(7) ; imagesc(y) (pooled RGB) ; figure(8) ; imagesc(y_nrm)
    'figure7-pool15.png': truecolor(r.yPool),
    'figure8-normalize.png': truecolor(r.yNrm),
  };
}
