// The arithmetic of nnloss, in JavaScript over the channel vector of each pixel, in
// float64 (vl_nnloss.m of MatConvNet v1.0-beta25, loss by loss; SEMANTICS §4.3).
// x is [H, W, C, N] column-major: channel k of pixel p of image n is x[p + P*(k + C*n)],
// P = H*W. The loss is the float64 sum over pixels (and attributes) and images of
// w * t, with w the element's weight (instance weights times class weights); elements
// whose label is 0 or whose weight is 0 are left out (MatConvNet multiplies their term
// by 0, which is NaN where the term is infinite, e.g. 'log' of a 0 score).

import type { LossPlan } from './loss.js';
import type { LabelValues } from './labels.js';

/** MATLAB's max(x(ci), 1e-8) in single precision: 1e-8 as a float32, and NaN loses. */
const LOG_FLOOR = Math.fround(1e-8);

/** A categorical term: x's channels at b, b + P, ...; c the true class (0-based). */
type Term = (x: Float32Array, b: number, P: number, C: number, c: number, p: LossPlan) => number;
/** Its derivative times g (= dzdy * w), written into dzdx's channels at b (already 0); e: C floats of scratch. */
type Grad = (x: Float32Array, b: number, P: number, C: number, c: number, g: number, dzdx: Float32Array, e: Float64Array) => void;

/** MATLAB's [~, k] = max(v): the first largest value, NaN ignored (index 0 when all are NaN). */
function argmax(x: Float32Array, b: number, P: number, C: number, skip: number): number {
  let best = -1;
  let bv = -Infinity;
  for (let k = 0; k < C; k++) {
    const v = x[b + P * k];
    if (k !== skip && (v > bv || (best < 0 && v === -Infinity))) { best = k; bv = v; }
  }
  return best < 0 && skip < 0 ? 0 : best;
}

/** m + log(sum_k exp(x_k - m)) over the channels at b, b + P, ..., m = max_k x_k (NaN or +Inf in the pixel give NaN, as in MATLAB). */
export function logSumExp(x: Float32Array, b: number, P: number, C: number): number {
  let m = -Infinity;
  for (let k = 0; k < C; k++) m = Math.max(m, x[b + P * k]);
  let s = 0;
  for (let k = 0; k < C; k++) s += Math.exp(x[b + P * k] - m);
  return m + Math.log(s);
}

/**
 * softmax(x) - onehot(c) at the channels at b, times g, into out (MATLAB's ex ./ sum(ex):
 * C exps per pixel, kept in float64 in `e` until the division).
 */
export function softmaxMinusOnehot(x: Float32Array, b: number, P: number, C: number, c: number, g: number,
  e: Float64Array, out: Float32Array): void {
  let m = -Infinity;
  for (let k = 0; k < C; k++) m = Math.max(m, x[b + P * k]);
  let s = 0;
  for (let k = 0; k < C; k++) { e[k] = Math.exp(x[b + P * k] - m); s += e[k]; }
  for (let k = 0; k < C; k++) out[b + P * k] = (e[k] / s - (k === c ? 1 : 0)) * g;
}

/** Largest score among the other classes, NaN ignored (-Infinity when there is none). */
function otherMax(x: Float32Array, b: number, P: number, C: number, c: number): number {
  let m = -Infinity;
  for (let k = 0; k < C; k++) if (k !== c && x[b + P * k] > m) m = x[b + P * k];
  return m;
}

/** max(0, v) as MATLAB computes it: NaN gives 0. */
const pos = (v: number): number => (v > 0 ? v : 0);

const TERMS: Record<string, Term> = {
  classerror: (x, b, P, C, c) => (argmax(x, b, P, C, -1) !== c ? 1 : 0),
  // Rank of c in MATLAB's stable descending sort (NaN first, ties keep the lower class first).
  topkerror: (x, b, P, C, c, p) => {
    const xc = x[b + P * c];
    let rank = 0;
    for (let k = 0; k < C; k++) {
      const v = x[b + P * k];
      const before = xc !== xc ? v !== v && k < c : v !== v || v > xc || (v === xc && k < c);
      if (before) rank++;
    }
    return rank < p.topK ? 0 : 1;
  },
  log: (x, b, P, C, c) => -Math.log(x[b + P * c]),
  softmaxlog: (x, b, P, C, c) => logSumExp(x, b, P, C) - x[b + P * c],
  mhinge: (x, b, P, C, c) => pos(1 - x[b + P * c]),
  mshinge: (x, b, P, C, c) => pos(1 - x[b + P * c] + otherMax(x, b, P, C, c)),
};

const none: Grad = () => undefined;

const GRADS: Record<string, Grad> = {
  classerror: none,
  topkerror: none,
  log: (x, b, P, C, c, g, dzdx) => {
    const xc = x[b + P * c];
    dzdx[b + P * c] = -g / (xc > LOG_FLOOR ? xc : LOG_FLOOR);
  },
  softmaxlog: (x, b, P, C, c, g, dzdx, e) => softmaxMinusOnehot(x, b, P, C, c, g, e, dzdx),
  mhinge: (x, b, P, C, c, g, dzdx) => {
    if (x[b + P * c] < 1) dzdx[b + P * c] = -g;
  },
  // The margin against the first largest other class q; with no other class above
  // -Infinity (C = 1, or all others -Infinity or NaN) the term is 0 and so is its
  // derivative (beta25 writes +dzdy at c when C = 1, against its own forward).
  mshinge: (x, b, P, C, c, g, dzdx) => {
    const q = argmax(x, b, P, C, c);
    if (q < 0) return;
    if (Math.fround(x[b + P * c] - x[b + P * q]) < 1) {
      dzdx[b + P * c] = -g;
      dzdx[b + P * q] = g;
    }
  },
};

/** Attribute terms and derivatives (divided by g) of one score x with label c = ±1. */
const ATTR: Record<string, { t: (x: number, c: number, th: number) => number; d: (x: number, c: number) => number }> = {
  // sign(x - threshold) ~= c; sign of 0 is 0 and of NaN is NaN, both errors.
  binaryerror: { t: (x, c, th) => ((x > th ? 1 : x < th ? -1 : 0) === c && x === x ? 0 : 1), d: () => 0 },
  binarylog: { t: (x, c) => -Math.log(c * (x - 0.5) + 0.5), d: (x, c) => -1 / (x + (c - 1) * 0.5) },
  logistic: {
    t: (x, c) => {
      const a = -c * x;
      const m = pos(a);
      return m + Math.log(Math.exp(-m) + Math.exp(a - m));
    },
    d: (x, c) => -c / (1 + Math.exp(c * x)),
  },
  hinge: { t: (x, c) => pos(1 - c * x), d: (x, c) => (c * x < 1 ? -c : 0) },
};

/** Weight of element (pixel, k, n): instance weight times class weight (class `cls`, 1-based, or attribute k). */
function weightOf(p: LossPlan, pixel: number, k: number, n: number, cls: number): number {
  let w = 1;
  const iw = p.instanceWeights;
  if (iw !== null) {
    const s = iw.strides;
    w = iw.data[(pixel % p.H) * s[0] + Math.floor(pixel / p.H) * s[1] + k * s[2] + n * s[3]];
  }
  if (p.classWeights !== null) w *= p.classWeights[p.attribute ? k : cls - 1];
  return w;
}

/**
 * Visit every labelled element with a non-zero weight: categorical losses call
 * `f(b, c0, w)` per pixel (b: x's index of channel 0, c0: the class from 0), attribute
 * losses `f(i, label, w)` per element of x.
 */
function visit(p: LossPlan, c: LabelValues, f: (b: number, label: number, w: number) => void): void {
  const { P, C, N } = p;
  const L = p.labels;
  const lp = L.perPixel ? P : 1;
  const K = p.attribute ? C : 1;
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) {
      for (let pixel = 0; pixel < P; pixel++) {
        const label = c[(L.perPixel ? pixel : 0) + lp * (k + L.channels * n)];
        if (label === 0) continue;
        const w = weightOf(p, pixel, k, n, label);
        if (w === 0) continue;
        const b = pixel + P * (k + C * n);
        f(b, p.attribute ? label : label - 1, w);
      }
    }
  }
}

/** The loss: sum of w * t over labelled elements, in float64. */
export function lossValue(p: LossPlan, x: Float32Array, c: LabelValues): number {
  let sum = 0;
  if (p.attribute) {
    const a = ATTR[p.loss].t;
    visit(p, c, (i, label, w) => { sum += w * a(x[i], label, p.threshold); });
  } else {
    const t = TERMS[p.loss];
    visit(p, c, (b, c0, w) => { sum += w * t(x, b, p.P, p.C, c0, p); });
  }
  return sum;
}

/** dzdx (every element written) of the loss projected on dzdy. */
export function lossDerivative(p: LossPlan, x: Float32Array, c: LabelValues, dzdy: number, dzdx: Float32Array): void {
  dzdx.fill(0);
  if (p.attribute) {
    const d = ATTR[p.loss].d;
    if (p.loss === 'binaryerror') return;
    visit(p, c, (i, label, w) => { dzdx[i] = dzdy * w * d(x[i], label); });
  } else {
    const g = GRADS[p.loss];
    if (g === none) return;
    const e = new Float64Array(p.C);
    visit(p, c, (b, c0, w) => g(x, b, p.P, p.C, c0, dzdy * w, dzdx, e));
  }
}
