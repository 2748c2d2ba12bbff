// nnsoftmaxloss: softmax and log loss in one block (SEMANTICS §4.3, vl_nnsoftmaxloss.m of
// v1.0-beta25: a sum over pixels and images, no /N). The character CNN's last layer.

import { Tensor, tensorArg, type Shape4 } from '../tensor.js';
import { dims } from '../options.js';
import { view } from '../wasm.js';
import { logSumExp, softmaxMinusOnehot } from './loss-math.js';
import { given, layoutOf, checkLabels, labelValues, type LabelLayout, type LabelValues } from './labels.js';

/** Everything the runners need, checked once (shapes and the labels' form, not the labels). */
export interface SoftmaxLossPlan {
  readonly shape: Shape4;
  readonly H: number; readonly W: number; readonly C: number; readonly N: number; readonly P: number;
  /** channels 2: channel 1 of c holds each pixel's weight. */
  readonly labels: LabelLayout;
}

const WHO = 'nnsoftmaxloss';

/**
 * Check x's shape, the labels (form and every value) and dzdy's shape (a scalar).
 * simplenn passes `layer.class` here and `labelValues(layer.class)` to the runners.
 */
export function planSoftmaxLoss(x: Shape4, c: unknown, dzdy: Shape4 | null): SoftmaxLossPlan {
  const [H, W, C, N] = x;
  if (H * W * C * N === 0) throw new Error(`${WHO}: x is ${dims(x)}; it needs at least one score`);
  const g = given(WHO, 'c', c);
  const labels = layoutOf(WHO, g, x, [1, 2], true, `it needs N = ${N} labels (one per image), ${dims([H, W, 1, N])} ` +
    `(one per pixel), or ${dims([H, W, 2, N])} / ${dims([1, 1, 2, N])} (class and weight)`);
  checkLabels(WHO, g, labels, x, (v) => Number.isInteger(v) && v >= 0 && v <= C, `labels must be integers 0..${C} (0 = ignore)`, true);
  if (dzdy !== null && dzdy.some((d) => d !== 1)) {
    throw new Error(`${WHO}: dzdy is ${dims(dzdy)} but must match y, 1x1 (the loss is a scalar)`);
  }
  return Object.freeze({ shape: x, H, W, C, N, P: H * W, labels });
}

/**
 * Visit the pixels with a non-zero mass: f(b, c0, mass), b x's index of channel 0, c0 the
 * class from 0, mass = [c > 0] times the weight channel when there is one.
 */
function visit(p: SoftmaxLossPlan, c: LabelValues, f: (b: number, c0: number, mass: number) => void): void {
  const { P, C, N } = p;
  const L = p.labels;
  const lp = L.perPixel ? P : 1;
  for (let n = 0; n < N; n++) {
    for (let pixel = 0; pixel < P; pixel++) {
      const at = (L.perPixel ? pixel : 0) + lp * L.channels * n;
      const label = c[at];
      if (label === 0) continue;
      const mass = L.channels === 2 ? c[at + lp] : 1;
      if (mass !== 0) f(pixel + P * C * n, label - 1, mass);
    }
  }
}

/** sum(mass .* (logsumexp(x) - x_c)) in float64. */
export function softmaxLossValue(p: SoftmaxLossPlan, x: Float32Array, c: LabelValues): number {
  let sum = 0;
  visit(p, c, (b, c0, mass) => { sum += mass * (logSumExp(x, b, p.P, p.C) - x[b + p.P * c0]); });
  return sum;
}

/** dzdx = (softmax(x) - onehot(c)) .* mass .* dzdy, every element written. */
export function softmaxLossDerivative(p: SoftmaxLossPlan, x: Float32Array, c: LabelValues, dzdy: number, dzdx: Float32Array): void {
  const { P, C } = p;
  dzdx.fill(0);
  const e = new Float64Array(C);
  visit(p, c, (b, c0, mass) => softmaxMinusOnehot(x, b, P, C, c0, mass * dzdy, e, dzdx));
}

/** Resident forward: the loss (one float) at `py`, from x at `px` and the labels planned. */
export function softmaxLossForward(p: SoftmaxLossPlan, px: number, c: LabelValues, py: number): void {
  const v = softmaxLossValue(p, view(px, p.P * p.C * p.N), c);
  view(py, 1)[0] = v;
}

/** Resident backward: dzdx at `pdzdx` from x, the labels and dzdy (one float at `pdzdy`). */
export function softmaxLossBackward(p: SoftmaxLossPlan, px: number, c: LabelValues, pdzdy: number, pdzdx: number): void {
  const n = p.P * p.C * p.N;
  softmaxLossDerivative(p, view(px, n), c, view(pdzdy, 1)[0], view(pdzdx, n));
}

/**
 * y = nnsoftmaxloss(x, c) — sum over pixels and images of mass * (logsumexp(x) - x_c), a
 * [1, 1] Tensor (a sum, not a mean: v1.0-beta25).
 * dzdx = nnsoftmaxloss(x, c, dzdy) — (softmax(x) - onehot(c)) .* mass .* dzdy.
 *
 * c: N classes (one per image), [H, W, 1, N] (one per pixel), or with a second channel of
 * weights, [H, W, 2, N] or [1, 1, 2, N] (per image): class, then weight. Classes count from 1;
 * mass = [c > 0] times the weight, so 0 ignores a pixel. A Tensor, an array or a typed array
 * (arrays: N or H*W*N values; the weight channel needs a Tensor). A class outside 0..C, a
 * non-integer, a non-finite weight, a wrong count or shape is an Error naming c, the value
 * and its position. Pixels of mass 0 are left out (MATLAB multiplies their term by 0).
 *
 * JavaScript over each pixel's channels, in float64, then rounded to float32.
 * Inputs are never modified.
 */
export function nnsoftmaxloss(x: Tensor, c: Tensor | ArrayLike<number>, dzdy?: Tensor): Tensor {
  const tx = tensorArg(WHO, 'x', x);
  if (arguments.length > 3) throw new Error(`${WHO}: takes (x, c) or (x, c, dzdy); got ${arguments.length} arguments`);
  const tp = dzdy === undefined ? null : tensorArg(WHO, 'dzdy', dzdy);
  const p = planSoftmaxLoss(tx.shape, c, tp?.shape ?? null);
  const labels = labelValues(c);
  if (tp === null) return new Tensor(Float32Array.of(softmaxLossValue(p, tx.data, labels)), [1, 1]);
  const d = new Float32Array(tx.numel);
  softmaxLossDerivative(p, tx.data, labels, tp.data[0], d);
  return new Tensor(d, tx.shape);
}
