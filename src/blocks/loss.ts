// nnloss: MatConvNet's ten losses (SEMANTICS §4.3, vl_nnloss.m of v1.0-beta25: sums,
// not averages, over pixels and images). The arithmetic is in loss-math.ts.

import { Tensor, tensorArg, isTensor, type Shape4 } from '../tensor.js';
import { checkOptions, finite, dims, show, splitArity } from '../options.js';
import { view } from '../wasm.js';
import {
  given, layoutOf, checkLabels, instanceWeightsOf, classWeightsOf, labelValues,
  type LabelLayout, type LabelValues, type Weights,
} from './labels.js';
import { lossValue, lossDerivative } from './loss-math.js';

export type LossType = 'softmaxlog' | 'log' | 'classerror' | 'topkerror' | 'mhinge' | 'mshinge' |
  'binaryerror' | 'binarylog' | 'logistic' | 'hinge';

const CATEGORICAL: readonly string[] = ['softmaxlog', 'log', 'classerror', 'topkerror', 'mhinge', 'mshinge'];
const ATTRIBUTE: readonly string[] = ['binaryerror', 'binarylog', 'logistic', 'hinge'];

export interface LossOptions {
  /** The loss (any letter case); default 'softmaxlog', as vl_nnloss's. */
  loss?: LossType;
  /**
   * Weight of each term: a number, a Tensor that broadcasts to the labels ([H, W, 1, N],
   * or [H, W, C, N] for the attribute losses; each size 1 or equal), or an array of N
   * values (one per image) or of one per label.
   */
  instanceWeights?: number | Tensor | ArrayLike<number>;
  /** One weight per class (attribute losses: per channel), C values. MatConvNet declares this option but never reads it; see nnloss. */
  classWeights?: Tensor | ArrayLike<number>;
  /** K of 'topkerror' (default 5); at most C. */
  topK?: number;
  /** Threshold of 'binaryerror' (default 0), rounded to float32 as MATLAB's single arithmetic does. */
  threshold?: number;
}

/** Everything the runners need, checked once. Holds shapes and numbers (the weights), not the labels. */
export interface LossPlan {
  readonly loss: LossType;
  /** One label per score (the attribute losses), not one class per pixel. */
  readonly attribute: boolean;
  readonly shape: Shape4;
  readonly H: number; readonly W: number; readonly C: number; readonly N: number; readonly P: number;
  readonly labels: LabelLayout;
  readonly topK: number;
  readonly threshold: number;
  readonly instanceWeights: Weights | null;
  readonly classWeights: Float64Array | null;
}

const WHO = 'nnloss';

/**
 * Check x's shape, the labels c (form and every value), the options and dzdy's shape
 * (a scalar) once. simplenn passes `layer.class` here and `labelValues(layer.class)`
 * to the runners.
 */
export function planLoss(x: Shape4, c: unknown, dzdy: Shape4 | null, opts: LossOptions | undefined): LossPlan {
  checkOptions(WHO, opts, ['loss', 'instanceWeights', 'classWeights', 'topK', 'threshold']);
  const name = opts?.loss ?? 'softmaxlog';
  const loss = (typeof name === 'string' ? name.toLowerCase() : name) as LossType;
  const attribute = ATTRIBUTE.includes(loss);
  if (!attribute && !CATEGORICAL.includes(loss)) {
    throw new Error(`${WHO}: loss must be one of ${[...CATEGORICAL, ...ATTRIBUTE].map((s) => `'${s}'`).join(', ')}, got ${show(name)}`);
  }
  const [H, W, C, N] = x;
  if (H * W * C * N === 0) throw new Error(`${WHO}: x is ${dims(x)}; it needs at least one score`);
  const topK = opts?.topK ?? 5;
  if (typeof topK !== 'number' || !Number.isInteger(topK) || topK < 1) {
    throw new Error(`${WHO}: topK must be an integer >= 1, got ${show(topK)}`);
  }
  if (loss === 'topkerror' && topK > C) {
    throw new Error(`${WHO}: topK ${topK} is more than the C = ${C} classes of x (${dims(x)})`);
  }
  const threshold = Math.fround(opts?.threshold === undefined ? 0 : finite(WHO, 'threshold', opts.threshold));
  const g = given(WHO, 'c', c);
  const labels = attribute
    ? layoutOf(WHO, g, x, [C], false, `the attribute loss '${loss}' needs one label (+1, -1, 0 = ignore) per score, ` +
      `${dims([H, W, C, N])}${C === 1 ? `, or N = ${N} (one per image)` : ''}`)
    : layoutOf(WHO, g, x, [1], false, `loss '${loss}' needs N = ${N} labels (one per image) or ${dims([H, W, 1, N])} (one per pixel)`);
  if (attribute) checkLabels(WHO, g, labels, x, (v) => v === 1 || v === -1 || v === 0, 'attribute labels must be +1, -1 or 0 (ignore)', false);
  else checkLabels(WHO, g, labels, x, (v) => Number.isInteger(v) && v >= 0 && v <= C, `labels must be integers 0..${C} (0 = ignore)`, false);
  const instanceWeights = opts?.instanceWeights === undefined ? null
    : instanceWeightsOf(WHO, opts.instanceWeights, [H, W, attribute ? C : 1, N]);
  const classWeights = opts?.classWeights === undefined ? null : classWeightsOf(WHO, opts.classWeights, C);
  if (dzdy !== null && dzdy.some((d) => d !== 1)) {
    throw new Error(`${WHO}: dzdy is ${dims(dzdy)} but must match y, 1x1 (the loss is a scalar)`);
  }
  return Object.freeze({ loss, attribute, shape: x, H, W, C, N, P: H * W, labels, topK, threshold, instanceWeights, classWeights });
}

/** Resident forward: the loss (one float) at `py`, from x at `px` and the labels planned (JS over views of wasm memory). */
export function lossForward(p: LossPlan, px: number, c: LabelValues, py: number): void {
  const v = lossValue(p, view(px, p.P * p.C * p.N), c);
  view(py, 1)[0] = v;
}

/** Resident backward: dzdx at `pdzdx` (every element written) from x, the labels and dzdy (one float at `pdzdy`). */
export function lossBackward(p: LossPlan, px: number, c: LabelValues, pdzdy: number, pdzdx: number): void {
  const n = p.P * p.C * p.N;
  lossDerivative(p, view(px, n), c, view(pdzdy, 1)[0], view(pdzdx, n));
}

/**
 * y = nnloss(x, c, opts?) — the loss of scores x ([H, W, C, N]) for labels c, a [1, 1] Tensor.
 * dzdx = nnloss(x, c, dzdy, opts?) — its derivative projected on dzdy ([1, 1]).
 *
 * Labels c (MatConvNet's): a Tensor, an array or a typed array of N classes (one per image,
 * at every pixel) or of [H, W, 1, N] (one per pixel; an array of H*W*N values is read in
 * column-major order); classes count from 1 and 0 means "ignore". The attribute losses take
 * one label per score, [H, W, C, N] of +1, -1 or 0. A label of another value, a wrong count
 * or a wrong shape is an Error naming c, the value and its position.
 *
 * Losses, per pixel, x_c the score of the true class (vl_nnloss of v1.0-beta25):
 *   classerror  [argmax_k x_k != c] (first maximum, NaN ignored)
 *   topkerror   [c is not among the topK largest] (stable sort: ties keep the lower class first)
 *   log         -log(x_c)                         dzdx_c = -dzdy / max(x_c, 1e-8)
 *   softmaxlog  logsumexp(x) - x_c                 dzdx = dzdy (softmax(x) - onehot(c))
 *   mhinge      max(0, 1 - x_c)                    dzdx_c = -dzdy [x_c < 1]
 *   mshinge     max(0, 1 - x_c + max_{q!=c} x_q)   -dzdy at c, +dzdy at the first such q, when x_c - x_q < 1
 * and per score, c = ±1:
 *   binaryerror [sign(x - threshold) != c]
 *   binarylog   -log(c (x - 0.5) + 0.5)            dzdx = -dzdy / (x + (c - 1)/2)
 *   logistic    log(1 + exp(-c x)) (stably)        dzdx = -dzdy c / (1 + exp(c x))
 *   hinge       max(0, 1 - c x)                    dzdx = -dzdy c [c x < 1]
 * (the error losses have zero derivative). y = sum of w * t over pixels (and scores) and
 * images — a sum, not a mean (v1.0-beta25) — with w = instanceWeights times classWeights.
 *
 * Differences from MatConvNet, on purpose: an ignored label (0) or a zero weight leaves its
 * term out, where MATLAB multiplies it by 0 (NaN for an infinite term); `classWeights`, which
 * vl_nnloss accepts but never reads, multiplies each term by the weight of its class (of its
 * channel for the attribute losses); 'mshinge' with no other class above -Infinity (C = 1)
 * has derivative 0, as its forward is 0 (beta25 writes +dzdy); a topK above C is an Error.
 *
 * Computed in JavaScript over each pixel's channels, in float64 (the sum does not drift on
 * large maps), then rounded to float32. Inputs are never modified.
 */
export function nnloss(x: Tensor, c: Tensor | ArrayLike<number>, opts?: LossOptions): Tensor;
export function nnloss(x: Tensor, c: Tensor | ArrayLike<number>, dzdy: Tensor, opts?: LossOptions): Tensor;
export function nnloss(x: Tensor, c: Tensor | ArrayLike<number>, a?: Tensor | LossOptions, b?: LossOptions): Tensor {
  const { dzdy, opts } = splitArity<LossOptions>(WHO, a, b, isTensor);
  const tx = tensorArg(WHO, 'x', x);
  const tp = dzdy === undefined ? null : tensorArg(WHO, 'dzdy', dzdy);
  const p = planLoss(tx.shape, c, tp?.shape ?? null, opts);
  // JavaScript arithmetic: the same code as the runners, on the Tensors' own arrays.
  const labels = labelValues(c);
  if (tp === null) return new Tensor(Float32Array.of(lossValue(p, tx.data, labels)), [1, 1]);
  const d = new Float32Array(tx.numel);
  lossDerivative(p, tx.data, labels, tp.data[0], d);
  return new Tensor(d, tx.shape);
}
