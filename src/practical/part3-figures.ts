// exercise3.m's figures as RGB Tensors (toPNG writes them): figure 1 (image,
// positive and negative points) and the six panels of figure 2 (NETWORKS.md §4.2).

import { Tensor } from '../tensor.js';
import { imarraysc } from '../image/convert.js';
import { plotFigure, type Series } from '../plot.js';
import type { Part3Result, Part3State } from './part3.js';

/** MATLAB's `[h, x] = hist(v, nbins)`: nbins equal bins over [min, max], counts h and centres x. */
export function hist(v: ArrayLike<number>, nbins: number): { h: Float64Array; x: Float64Array } {
  let lo = Infinity, hi = -Infinity;
  for (let k = 0; k < v.length; k++) { lo = Math.min(lo, v[k]); hi = Math.max(hi, v[k]); }
  if (!(lo <= hi)) { lo = 0; hi = 1; }
  if (lo === hi) { lo -= nbins / 2; hi += nbins / 2; } // MATLAB: unit-width bins around a constant
  const step = (hi - lo) / nbins;
  const h = new Float64Array(nbins), x = new Float64Array(nbins);
  for (let k = 0; k < nbins; k++) x[k] = lo + (k + 0.5) * step;
  for (let k = 0; k < v.length; k++) h[Math.min(nbins - 1, Math.max(0, Math.floor((v[k] - lo) / step)))]++;
  return { h, x };
}

/** Grey maps side by side, each scaled to its own min..max (imagesc, colormap gray), 8 px white gaps. */
function side(maps: Tensor[]): Tensor {
  const [H, W] = maps[0].shape;
  const all = new Float32Array(H * W * maps.length);
  maps.forEach((m, k) => all.set(m.data, k * H * W));
  return imarraysc(new Tensor(all, [H, W, maps.length]), { layout: [1, maps.length], spacing: 8, fillValue: 1 });
}

/** Figure 1: the image, the positive points (blob centres) and the negative points. */
export function blobsFigure(im: Tensor, pos: Tensor, neg: Tensor): Tensor {
  return side([im, pos, neg]);
}

/** A dashed vertical line x = c from y = 0 to 1 (plot([c c], [0 1], 'b--')): NaN gaps between dashes. */
function dashed(c: number): Series {
  const x: number[] = [], y: number[] = [];
  for (let k = 0; k < 10; k++) x.push(c, c, NaN), y.push(k / 10, k / 10 + 0.06, NaN);
  return { x, y, color: [0, 0, 1], style: '-' };
}

/** Panel 1: the objective curves (error, regularizer, total), ylim [0 1.5]. */
export function objectiveFigure(s: Pick<Part3State, 'E' | 't'>): Tensor {
  const x = Array.from({ length: s.t }, (_, k) => k + 1);
  const labels = ['error', 'regularizer', 'total'];
  return plotFigure([{
    title: 'objective', ylim: [0, 1.5], grid: true,
    series: labels.map((label, r) => ({ x, y: s.E[r].subarray(0, s.t), label, style: '-' as const })),
  }], { width: 480, height: 360 });
}

/** Panel 2: the histograms of the scores x3 on pos (green) and neg (red), 30 bins, xlim [-2 3]. */
export function histogramFigure(x3: Tensor, pos: Tensor, neg: Tensor): Tensor {
  const pick = (m: Tensor): number[] => { const v: number[] = []; m.data.forEach((q, p) => { if (q) v.push(x3.data[p]); }); return v; };
  const curve = (v: number[], label: string, color: [number, number, number]): Series => {
    const { h, x } = hist(v, 30);
    const top = Math.max(...h);
    return { x, y: h.map((c) => c / top), label, color, style: '-' };
  };
  return plotFigure([{
    title: 'histograms of scores', xlim: [-2, 3], grid: true,
    series: [curve(pick(pos), 'pos', [0, 0.7, 0]), curve(pick(neg), 'neg', [1, 0, 0]), dashed(0), dashed(1)],
  }], { width: 480, height: 360 });
}

/** Panel 3: the learned filter (vl_imarraysc(w)), each tap a 32x32 block so it is visible. */
export function filterFigure(w: Tensor): Tensor {
  const [kh, kw] = w.shape, s = 32;
  const big = new Float32Array(kh * s * kw * s);
  for (let j = 0; j < kw * s; j++) for (let i = 0; i < kh * s; i++) big[i + kh * s * j] = w.at(Math.floor(i / s), Math.floor(j / s));
  return imarraysc(new Tensor(big, [kh * s, kw * s]));
}

/** Panels 4 and 5: a map as imagesc shows it (gray). */
export function mapFigure(x: Tensor): Tensor {
  return imarraysc(x);
}

/**
 * Panel 6: `image(cat(3, fp|fn, tp|tn, y==0))`: red where the prediction is
 * wrong (x3 > 0 on neg, x3 < 1 on pos), green where it is right, blue where
 * the label is 0 (ignored).
 */
export function errorMapFigure(x3: Tensor, y: Tensor): Tensor {
  const n = y.numel, [H, W] = y.shape;
  const out = new Float32Array(3 * n);
  for (let p = 0; p < n; p++) {
    const v = x3.data[p], l = y.data[p];
    const fp = v > 0 && l < 0, fn = v < 1 && l > 0, tn = v <= 0 && l < 0, tp = v >= 1 && l > 0;
    out[p] = fp || fn ? 1 : 0;
    out[p + n] = tp || tn ? 1 : 0;
    out[p + 2 * n] = l === 0 ? 1 : 0;
  }
  return new Tensor(out, [H, W, 3]);
}

/** Every figure of part 3, by file name. */
export function part3Figures(r: Part3Result, image: Tensor): Record<string, Tensor> {
  return {
    'blobs.png': blobsFigure(image, r.pos, r.neg),
    'objective.png': objectiveFigure(r),
    'histograms.png': histogramFigure(r.x3, r.pos, r.neg),
    'filter.png': filterFigure(r.w),
    'network-output.png': mapFigure(r.x3),
    'first-layer-output.png': mapFigure(r.x2),
    'error-map.png': errorMapFigure(r.x3, r.y),
  };
}
