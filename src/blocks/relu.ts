// nnrelu: rectified linear unit with optional leak (SEMANTICS §3).

import { Tensor, tensorArg, isTensor } from '../tensor.js';
import { checkOptions, finite, dims, splitArity } from '../options.js';
import { kernels, streamPlanes } from '../wasm.js';

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
  const { dzdy, opts } = splitArity<ReluOptions>('nnrelu', a, b, isTensor);
  const p = planRelu(x, dzdy, opts);
  return p.dzdy === null ? reluForward(p) : reluBackward(p);
}

// Element-wise, so the "planes" streamed through the arena are single elements, 16384 at a
// time: each chunk is transformed while it is in L2, and memory traffic is the copies alone.
const CHUNK = 16384;

function reluForward(p: ReluPlan): Tensor {
  const k = kernels();
  const y = streamPlanes('nnrelu', p.n, 2 * CHUNK, [[p.x.data, 1]], 1, 0,
    ([px, py], m) => k.relu_forward(px, py, m, p.leak));
  return new Tensor(y, p.x.shape);
}

function reluBackward(p: ReluPlan): Tensor {
  const k = kernels();
  const d = streamPlanes('nnrelu', p.n, 3 * CHUNK, [[p.x.data, 1], [p.dzdy!.data, 1]], 1, 0,
    ([px, pp, pd], m) => k.relu_backward(px, pp, pd, m, p.leak));
  return new Tensor(d, p.x.shape);
}
