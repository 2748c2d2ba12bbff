// nnrelu: rectified linear unit with optional leak (SEMANTICS §3).

import { Tensor, tensorArg, isTensor, type Shape4 } from '../tensor.js';
import { checkOptions, finite, dims, splitArity } from '../options.js';
import { kernels, streamPlanes, onCallingThread, ELEMENT_CHUNK } from '../wasm.js';
import { byElements, elementThreads } from './image-threads.js';

export interface ReluOptions {
  /** Slope for x <= 0 (default 0). y = x for x > 0, leak * x otherwise. */
  leak?: number;
}

/** What both passes need, checked once (from shapes: simplenn plans before the data exists). */
export interface ReluPlan {
  readonly shape: Shape4;
  readonly n: number;
  readonly leak: number;
}

/** Check the options and, for the backward pass, dzdy's shape against x's. */
export function planRelu(x: Shape4, dzdy: Shape4 | null, opts: ReluOptions | undefined): ReluPlan {
  const who = 'nnrelu';
  checkOptions(who, opts, ['leak']);
  const leak = opts?.leak === undefined ? 0 : finite(who, 'leak', opts.leak);
  if (dzdy !== null && dzdy.some((d, i) => d !== x[i])) {
    throw new Error(`${who}: dzdy is ${dims(dzdy)} but must match y (the size of x), ${dims(x)}`);
  }
  return Object.freeze({ shape: x, n: x[0] * x[1] * x[2] * x[3], leak });
}

/** Resident forward: y at `py` from x at `px` (byte addresses in WebAssembly memory). */
export function reluForward(p: ReluPlan, px: number, py: number): void {
  byElements('relu_forward', elementThreads(p.n), [px, py], p.n, [p.leak]);
}

/** Resident backward: dzdx at `pdzdx` from x and dzdy. */
export function reluBackward(p: ReluPlan, px: number, pdzdy: number, pdzdx: number): void {
  byElements('relu_backward', elementThreads(p.n), [px, pdzdy, pdzdx], p.n, [p.leak]);
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
  const tx = tensorArg('nnrelu', 'x', x);
  const tp = dzdy === undefined ? null : tensorArg('nnrelu', 'dzdy', dzdy);
  const p = planRelu(tx.shape, tp?.shape ?? null, opts);
  // streamed on the calling thread, so through the unshared instance when there is one
  return onCallingThread(() => (tp === null ? streamForward(p, tx) : streamBackward(p, tx, tp)));
}

// Element-wise, so the "planes" streamed through the arena are single elements, ELEMENT_CHUNK
// at a time (wasm.ts says why that many).
function streamForward(p: ReluPlan, x: Tensor): Tensor {
  const k = kernels();
  const y = streamPlanes('nnrelu', p.n, 2 * ELEMENT_CHUNK, [[x.data, 1]], 1, 0,
    ([px, py], m) => k.relu_forward(px, py, m, p.leak));
  return new Tensor(y, p.shape);
}

function streamBackward(p: ReluPlan, x: Tensor, dzdy: Tensor): Tensor {
  const k = kernels();
  const d = streamPlanes('nnrelu', p.n, 3 * ELEMENT_CHUNK, [[x.data, 1], [dzdy.data, 1]], 1, 0,
    ([px, pp, pd], m) => k.relu_backward(px, pp, pd, m, p.leak));
  return new Tensor(d, p.shape);
}
