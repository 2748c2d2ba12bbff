// nnrelu: rectified linear unit with optional leak (SEMANTICS §3).

import { Tensor, tensorArg, isTensor } from '../tensor.js';
import { checkOptions, finite, dims } from '../options.js';
import { kernels, reserve, write, read } from '../wasm.js';

export interface ReluOptions {
  /** Slope for x <= 0 (default 0). y = x for x > 0, leak * x otherwise. */
  leak?: number;
}

/** What both passes need, checked once. */
interface ReluPlan {
  readonly x: Tensor;
  readonly dzdy: Tensor | null;
  readonly n: number;
  readonly leak: number;
}

function planRelu(x: unknown, dzdy: unknown, opts: ReluOptions | undefined): ReluPlan {
  const who = 'nnrelu';
  const tx = tensorArg(who, 'x', x);
  checkOptions(who, opts, ['leak']);
  const leak = opts?.leak === undefined ? 0 : finite(who, 'leak', opts.leak);
  let tp: Tensor | null = null;
  if (dzdy !== undefined) {
    tp = tensorArg(who, 'dzdy', dzdy);
    if (tp.shape.some((d, i) => d !== tx.shape[i])) {
      throw new Error(`${who}: dzdy is ${dims(tp.shape)} but must match y (the size of x), ${dims(tx.shape)}`);
    }
  }
  return Object.freeze({ x: tx, dzdy: tp, n: tx.data.length, leak });
}

/**
 * y = nnrelu(x, opts?) — forward: y = x where x > 0, leak * x elsewhere.
 * dzdx = nnrelu(x, dzdy, opts?) — backward: dzdx = dzdy where x > 0, leak * dzdy
 * elsewhere (the derivative at exactly 0 is leak). Inputs are not modified.
 */
export function nnrelu(x: Tensor, opts?: ReluOptions): Tensor;
export function nnrelu(x: Tensor, dzdy: Tensor, opts?: ReluOptions): Tensor;
export function nnrelu(x: Tensor, a?: Tensor | ReluOptions, b?: ReluOptions): Tensor {
  const backward = isTensor(a);
  const p = planRelu(x, backward ? a : undefined, backward ? b : (a as ReluOptions | undefined));
  return p.dzdy === null ? reluForward(p) : reluBackward(p);
}

function reluForward(p: ReluPlan): Tensor {
  const [px, py] = reserve('nnrelu', p.n, p.n);
  write(px, p.x.data);
  kernels().relu_forward(px, py, p.n, p.leak);
  return new Tensor(read(py, p.n), p.x.shape);
}

function reluBackward(p: ReluPlan): Tensor {
  const [px, pp, pd] = reserve('nnrelu', p.n, p.n, p.n);
  write(px, p.x.data);
  write(pp, p.dzdy!.data);
  kernels().relu_backward(px, pp, pd, p.n, p.leak);
  return new Tensor(read(pd, p.n), p.x.shape);
}
