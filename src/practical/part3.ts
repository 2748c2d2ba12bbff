// Part 3 of the VGG CNN practical (a tiny CNN trained by hand-written SGD to
// find black blobs in dots.jpg): exercise3.m, extractBlackBlobs.m and
// tinycnn.m as NETWORKS.md §4.2 gives them, step by step with the MATLAB quoted.
// Runtime-neutral: the caller supplies the grey image and receives the lines
// through `log`; src/cli.ts runs it from a terminal and writes the figures.

import { Tensor, randn } from '../tensor.js';
import { nnconv } from '../blocks/conv.js';
import { nnpool } from '../blocks/pool.js';
import { conv2, imsmooth } from '../image/filters.js';
import { imdilate, strel } from '../image/morph.js';
import { median } from '../image/stats.js';
import { show } from '../options.js';
import { checkOptions } from '../options.js';

/** Blob centres (pos) and background (neg) as 0/1 [H, W] tensors (MATLAB logical). */
export interface Blobs {
  pos: Tensor;
  neg: Tensor;
}

function plane(who: string, im: Tensor): [number, number] {
  if (!(im instanceof Tensor)) throw new Error(`${who}: im must be a Tensor, got ${show(im)}`);
  const [H, W, C, N] = im.shape;
  if (C !== 1 || N !== 1) throw new Error(`${who}: im must be a grey [H, W] image, got ${im.shape.join('x')} (use rgb2gray first)`);
  return [H, W];
}

/** `x > circshift(x, +1, dim) & x > circshift(x, -1, dim)` (sign = 1) or with `<` (sign = -1), wrapping around. */
function isLocalExtremum(x: Float32Array, H: number, W: number, dim: 1 | 2, sign: 1 | -1): Uint8Array {
  const out = new Uint8Array(H * W);
  for (let j = 0; j < W; j++) {
    for (let i = 0; i < H; i++) {
      const v = sign * x[i + H * j];
      const a = dim === 1 ? x[((i + H - 1) % H) + H * j] : x[i + H * ((j + W - 1) % W)];
      const b = dim === 1 ? x[((i + 1) % H) + H * j] : x[i + H * ((j + 1) % W)];
      out[i + H * j] = v > sign * a && v > sign * b ? 1 : 0;
    }
  }
  return out;
}

/**
 * extractBlackBlobs.m's `hessiandet`: the determinant of the Hessian of
 * `imsmooth(im, 2.5)`, `im11 .* im22 - im12.^2`, with the derivatives of conv2
 * 'same' (zero padding).
 */
export function hessianDet(im: Tensor): Tensor {
  const [H, W] = plane('hessianDet', im);
  const ims = imsmooth(im, 2.5);
  //   im11 = conv2(1, [1 -2 1], ims, 'same');  im22 = conv2([1 -2 1], 1, ims, 'same');
  //   im12 = conv2([-1 0 1]/2, [-1 0 1]/2, ims, 'same');
  const im11 = conv2([1], [1, -2, 1], ims, 'same').data;
  const im22 = conv2([1, -2, 1], [1], ims, 'same').data;
  const d = [-0.5, 0, 0.5];
  const im12 = conv2(d, d, ims, 'same').data;
  const score = new Float32Array(H * W);
  for (let p = 0; p < H * W; p++) score[p] = im11[p] * im22[p] - im12[p] * im12[p];
  return new Tensor(score, [H, W]);
}

/**
 * `[pos, neg] = extractBlackBlobs(im)` on a grey [H, W] image: pos marks the
 * points where the Hessian determinant is a strict local maximum along both
 * the columns and the rows (wrapping around) and above 0.0006 — the centres of
 * dark (and bright) blobs; neg is everything farther than a radius-5 disk from
 * them. Both are cleared on a border of 5 pixels at the top and left and 6 at
 * the bottom and right (MATLAB's `[1:b, end-b:end]`, b = 5).
 */
export function extractBlackBlobs(im: Tensor): Blobs {
  const who = 'extractBlackBlobs';
  const [H, W] = plane(who, im);
  if (H < 12 || W < 12) throw new Error(`${who}: im is ${H}x${W}; the 5/6-pixel border needs at least 12x12`);
  const score = hessianDet(im).data;
  //   points = (islocalmax(score,1) & islocalmax(score,2)) | (islocalmin(score,1) & islocalmin(score,2));
  //   points = points & abs(score) > 0.0006;  features = points & score > 0.0006
  const max1 = isLocalExtremum(score, H, W, 1, 1), max2 = isLocalExtremum(score, H, W, 2, 1);
  const min1 = isLocalExtremum(score, H, W, 1, -1), min2 = isLocalExtremum(score, H, W, 2, -1);
  const pos = new Float32Array(H * W);
  for (let p = 0; p < H * W; p++) {
    const point = (max1[p] & max2[p]) | (min1[p] & min2[p]);
    pos[p] = point && Math.abs(score[p]) > 0.0006 && score[p] > 0.0006 ? 1 : 0;
  }
  //   background = ~imdilate(features, strel('disk', 5, 0));
  const dil = imdilate(new Tensor(pos, [H, W]), strel('disk', 5, 0)).data;
  const neg = new Float32Array(H * W);
  for (let p = 0; p < H * W; p++) neg[p] = dil[p] > 0 ? 0 : 1;
  //   b = 5; features([1:b, end-b:end], :) = false; features(:, [1:b, end-b:end]) = false; (same for background)
  const b = 5;
  for (let j = 0; j < W; j++) {
    for (let i = 0; i < H; i++) {
      if (i < b || i >= H - b - 1 || j < b || j >= W - b - 1) { pos[i + H * j] = 0; neg[i + H * j] = 0; }
    }
  }
  return { pos: new Tensor(pos, [H, W]), neg: new Tensor(neg, [H, W]) };
}

/** exercise3.m's preprocessing: `im = imsmooth(im, 3); im = im - median(im(:))`. */
export function preprocessDots(im: Tensor): Tensor {
  plane('preprocessDots', im);
  const s = imsmooth(im, 3);
  const m = median(s);
  return new Tensor(s.data.map((v) => v - m), s.shape);
}

/** What tinycnn returns: the three maps, and with dzdy the derivatives. */
export interface TinyCNNResult {
  x1: Tensor;
  x2: Tensor;
  x3: Tensor;
  dzdx3?: Tensor;
  dzdx2?: Tensor;
  dzdx1?: Tensor;
  dzdw?: Tensor;
  dzdb?: Tensor;
}

/**
 * tinycnn.m: `x2 = vl_nnconv(x1, w, b, 'pad', (size(w) - 1)/2)` (same size for
 * odd filters), `x3 = vl_nnpool(x2, 3, 'pad', 1)` (max, stride 1). With `dzdy`
 * (the derivative of the objective w.r.t. x3) it back-propagates: `dzdx2 =
 * vl_nnpool(x2, 3, dzdx3, 'pad', 1)`, `[dzdx1, dzdw, dzdb] = vl_nnconv(x1, w, b, dzdx2, 'pad', pad1)`.
 * `w` is [kh, kw] with kh, kw odd; `b` is a number or a 1-element Tensor.
 */
export function tinycnn(x: Tensor, w: Tensor, b: Tensor | number, dzdy?: Tensor): TinyCNNResult {
  const who = 'tinycnn';
  const [kh, kw, kc, kn] = w.shape;
  if (kh % 2 !== 1 || kw % 2 !== 1 || kc !== 1 || kn !== 1) throw new Error(`${who}: w must be one [kh, kw] filter with kh and kw odd, got ${w.shape.join('x')}`);
  const tb = typeof b === 'number' ? new Tensor(Float32Array.of(b), [1, 1]) : b;
  if (tb.numel !== 1) throw new Error(`${who}: b must have 1 element, got ${tb.shape.join('x')}`);
  const pad1 = [(kh - 1) / 2, (kh - 1) / 2, (kw - 1) / 2, (kw - 1) / 2];
  const rho2 = 3, pad2 = 1;
  const x2 = nnconv(x, w, tb, { pad: pad1 });
  const x3 = nnpool(x2, rho2, { pad: pad2 });
  if (dzdy === undefined) return { x1: x, x2, x3 };
  const dzdx2 = nnpool(x2, rho2, dzdy, { pad: pad2 });
  const d = nnconv(x, w, tb, dzdx2, { pad: pad1 });
  return { x1: x, x2, x3, dzdx3: dzdy, dzdx2, dzdx1: d.dzdx, dzdw: d.dzdw, dzdb: d.dzdb };
}

/** Options of {@link trainTinyCNN}; defaults are exercise3.m's constants. */
export interface Part3Options {
  numIterations?: number;
  rate?: number;
  momentum?: number;
  shrinkRate?: number;
  /** Seed of `w = 10*randn(3,3,1)` (MATLAB draws from its default stream). Default 1. */
  seed?: number;
  /** Lines printed: the objective every 10 iterations, then the filter and the bias. */
  log?: (line: string) => void;
  /** Called after iterations 1, 11, 21, … and the last (exercise3.m's plotPeriod), e.g. to redraw figures. */
  onPlot?: (s: Part3State) => void;
}

/** The state at an iteration (what exercise3.m's figure 2 shows). */
export interface Part3State {
  /** Iteration, 1-based. */
  t: number;
  /** E[0][k], E[1][k], E[2][k]: error, regularizer and total objective at iteration k + 1 (k < t). */
  E: [Float64Array, Float64Array, Float64Array];
  w: Tensor;
  b: number;
  x2: Tensor;
  x3: Tensor;
}

export interface Part3Result extends Part3State {
  /** The (smoothed, median-subtracted) image the network sees. */
  im: Tensor;
  pos: Tensor;
  neg: Tensor;
  /** The labels: +1 on pos, -1 on neg, 0 elsewhere. */
  y: Tensor;
}

/** MATLAB's display of a matrix `name = …` in format short (4 decimals, right-aligned columns). */
export function formatMatrix(name: string, m: Tensor | number): string[] {
  const t = typeof m === 'number' ? new Tensor(Float32Array.of(m), [1, 1]) : m;
  const [H, W] = t.shape;
  const cells: string[][] = [];
  for (let i = 0; i < H; i++) {
    const row: string[] = [];
    for (let j = 0; j < W; j++) row.push(t.at(i, j).toFixed(4));
    cells.push(row);
  }
  const width = Math.max(...cells.flat().map((s) => s.length));
  return [`${name} =`, '', ...cells.map((r) => r.map((s) => s.padStart(width + 3)).join('')), ''];
}

function num(who: string, name: string, v: unknown, dflt: number, int = false): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || (int && (!Number.isInteger(v) || v < 1))) {
    throw new Error(`${who}: ${name} must be ${int ? 'an integer >= 1' : 'a finite number'}, got ${show(v)}`);
  }
  return v;
}

/**
 * exercise3.m on a grey image `im0` (rgb2gray(im2single(imread('dots.jpg'))):
 * extractBlackBlobs on the unsmoothed image, the preprocessing, then SGD with
 * momentum on tinycnn's 3x3 filter and bias for the hinge objective
 * `mean(max(0, 1 - x3(pos))) + mean(max(0, x3(neg))) + 0.5*shrinkRate*sum(w(:).^2)`.
 */
export function trainTinyCNN(im0: Tensor, opts: Part3Options = {}): Part3Result {
  checkOptions('trainTinyCNN', opts, ['numIterations', 'rate', 'momentum', 'shrinkRate', 'seed', 'log', 'onPlot']);
  const who = 'trainTinyCNN';
  for (const k of Object.keys(opts)) {
    if (!['numIterations', 'rate', 'momentum', 'shrinkRate', 'seed', 'log', 'onPlot'].includes(k)) throw new Error(`${who}: unknown option '${k}'`);
  }
  const numIterations = num(who, 'numIterations', opts.numIterations, 500, true);
  const rate = num(who, 'rate', opts.rate, 5);
  const momentum = num(who, 'momentum', opts.momentum, 0.9);
  const shrinkRate = num(who, 'shrinkRate', opts.shrinkRate, 0.0001);
  const seed = num(who, 'seed', opts.seed, 1);
  const log = opts.log ?? (() => {});
  const plotPeriod = 10;

  //   [pos, neg] = extractBlackBlobs(im);  im = imsmooth(im, 3); im = im - median(im(:));
  const { pos, neg } = extractBlackBlobs(im0);
  const im = preprocessDots(im0);
  const [H, W] = im.shape;
  const n = H * W;
  let npos = 0, nneg = 0;
  for (let p = 0; p < n; p++) { npos += pos.data[p]; nneg += neg.data[p]; }
  if (npos === 0 || nneg === 0) throw new Error(`${who}: im (${H}x${W}) has ${npos} blob centres and ${nneg} background points; training needs both`);

  //   w = 10 * randn(3, 3, 1); w = single(w - mean(w(:))); b = single(0);
  const r = randn([3, 3, 1], { seed });
  let mu = 0;
  for (const v of r.data) mu += 10 * v;
  mu /= 9;
  const w = new Float32Array(9);
  for (let k = 0; k < 9; k++) w[k] = 10 * r.data[k] - mu;
  let b = 0;
  //   y = zeros(size(pos), 'single'); y(pos) = +1; y(neg) = -1;
  const y = new Float32Array(n);
  for (let p = 0; p < n; p++) y[p] = pos.data[p] ? 1 : neg.data[p] ? -1 : 0;
  //   w_momentum = zeros('like', w); b_momentum = zeros('like', b);  (scalar zeros)
  const wm = new Float32Array(9);
  let bm = 0;
  const E: [Float64Array, Float64Array, Float64Array] = [new Float64Array(numIterations), new Float64Array(numIterations), new Float64Array(numIterations)];
  const wT = (): Tensor => new Tensor(Float32Array.from(w), [3, 3]);
  const dzdx3 = new Float32Array(n);
  let res: TinyCNNResult | null = null;

  for (let t = 1; t <= numIterations; t++) {
    //   res = tinycnn(im, w, b);
    res = tinycnn(im, wT(), b);
    const x3 = res.x3.data;
    const x2 = res.x2;
    //   E(1,t) = mean(max(0, 1 - res.x3(pos))) + mean(max(0, res.x3(neg)));
    //   E(2,t) = 0.5 * shrinkRate * sum(w(:).^2);  E(3,t) = E(1,t) + E(2,t);
    let ep = 0, en = 0, ww = 0;
    for (let p = 0; p < n; p++) {
      if (pos.data[p]) ep += Math.max(0, 1 - x3[p]);
      if (neg.data[p]) en += Math.max(0, x3[p]);
    }
    for (const v of w) ww += v * v;
    E[0][t - 1] = ep / npos + en / nneg;
    E[1][t - 1] = 0.5 * shrinkRate * ww;
    E[2][t - 1] = E[0][t - 1] + E[1][t - 1];
    //   dzdx3 = - single(res.x3 < 1 & pos) / sum(pos(:)) + single(res.x3 > 0 & neg) / sum(neg(:));
    for (let p = 0; p < n; p++) {
      dzdx3[p] = (x3[p] < 1 && pos.data[p] ? -1 / npos : 0) + (x3[p] > 0 && neg.data[p] ? 1 / nneg : 0);
    }
    //   res = tinycnn(im, w, b, dzdx3);
    const g = tinycnn(im, wT(), b, new Tensor(dzdx3, [H, W]));
    const dzdw = g.dzdw!.data, dzdb = g.dzdb!.data[0];
    //   w_momentum = momentum * w_momentum + rate * (res.dzdw + shrinkRate * w);
    //   b_momentum = momentum * b_momentum + rate * 0.1 * res.dzdb;
    //   w = w - w_momentum;  b = b - b_momentum;
    for (let k = 0; k < 9; k++) {
      wm[k] = momentum * wm[k] + rate * (dzdw[k] + shrinkRate * w[k]);
      w[k] = w[k] - wm[k];
    }
    bm = Math.fround(momentum * bm + rate * 0.1 * dzdb);
    b = Math.fround(b - bm);
    if (t % plotPeriod === 0) {
      log(`iteration ${t}: objective ${E[2][t - 1].toFixed(3)} (error ${E[0][t - 1].toFixed(3)}, regularizer ${E[1][t - 1].toFixed(3)})`);
    }
    //   if mod(t-1, plotPeriod) == 0 || t == numIterations: the figure (x2, x3 of this iteration's forward pass)
    if (opts.onPlot && ((t - 1) % plotPeriod === 0 || t === numIterations)) {
      opts.onPlot({ t, E: [E[0].subarray(0, t), E[1].subarray(0, t), E[2].subarray(0, t)], w: wT(), b, x2, x3: res.x3 });
    }
  }
  const wf = wT();
  log(`final objective ${E[2][numIterations - 1].toFixed(4)} after ${numIterations} iterations`);
  log('');
  for (const l of formatMatrix('w', wf)) log(l);
  for (const l of formatMatrix('b', b)) log(l);
  // numIterations >= 1, so the loop ran and res holds the last forward pass.
  const last = res as TinyCNNResult;
  return { t: numIterations, E, w: wf, b, x2: last.x2, x3: last.x3, im, pos, neg, y: new Tensor(y, [H, W]) };
}
