// nnsigmoid: the logistic function, element-wise (SEMANTICS §4.4, vl_nnsigmoid.m).

import { Tensor, tensorArg, type Shape4 } from '../tensor.js';
import { dims } from '../options.js';
import { kernels, streamPlanes, onCallingThread, ELEMENT_CHUNK } from '../wasm.js';
import { byElements, elementThreads } from './image-threads.js';

/** What both passes need, checked once (from shapes). */
export interface SigmoidPlan {
  readonly shape: Shape4;
  readonly n: number;
}

const WHO = 'nnsigmoid';

/** Check dzdy's shape against x's for the backward pass (the forward pass has nothing else to check). */
export function planSigmoid(x: Shape4, dzdy: Shape4 | null): SigmoidPlan {
  if (dzdy !== null && dzdy.some((d, i) => d !== x[i])) {
    throw new Error(`${WHO}: dzdy is ${dims(dzdy)} but must match y (the size of x), ${dims(x)}`);
  }
  return Object.freeze({ shape: x, n: x[0] * x[1] * x[2] * x[3] });
}

/** Resident forward: y at `py` from x at `px` (byte addresses in WebAssembly memory). */
export function sigmoidForward(p: SigmoidPlan, px: number, py: number): void {
  byElements('sigmoid_forward', elementThreads(p.n), [px, py], p.n);
}

/** Resident backward: dzdx at `pdzdx` from x and dzdy (y is recomputed from x). */
export function sigmoidBackward(p: SigmoidPlan, px: number, pdzdy: number, pdzdx: number): void {
  byElements('sigmoid_backward', elementThreads(p.n), [px, pdzdy, pdzdx], p.n);
}

/**
 * y = nnsigmoid(x) — forward: y = 1 / (1 + exp(-x)) element by element.
 * dzdx = nnsigmoid(x, dzdy) — backward: dzdx = dzdy .* (y .* (1 - y)), with y
 * recomputed from x as vl_nnsigmoid does.
 *
 * float32 throughout; y is within 3 ulp of the exact sigmoid of x (the kernels' exp
 * is within 1.5 ulp). As in MATLAB's single precision, x < -88.7 gives y = 0 (exp(-x)
 * overflows) and x > 17 gives y = 1; NaN gives NaN. Inputs are never modified.
 */
export function nnsigmoid(x: Tensor, dzdy?: Tensor): Tensor {
  const tx = tensorArg(WHO, 'x', x);
  if (arguments.length > 2) throw new Error(`${WHO}: takes (x) or (x, dzdy); got ${arguments.length} arguments`);
  const tp = dzdy === undefined ? null : tensorArg(WHO, 'dzdy', dzdy);
  const p = planSigmoid(tx.shape, tp?.shape ?? null);
  // Element-wise: chunks of each operand stream through the arena on the calling thread (so
  // through the unshared instance when there is one).
  return new Tensor(onCallingThread(() => stream(p, tx, tp)), p.shape);
}

function stream(p: SigmoidPlan, tx: Tensor, tp: Tensor | null): Float32Array {
  const k = kernels();
  return tp === null
    ? streamPlanes(WHO, p.n, 2 * ELEMENT_CHUNK, [[tx.data, 1]], 1, 0, ([px, py], m) => k.sigmoid_forward(px, py, m))
    : streamPlanes(WHO, p.n, 3 * ELEMENT_CHUNK, [[tx.data, 1], [tp.data, 1]], 1, 0,
      ([px, pp, pd], m) => k.sigmoid_backward(px, pp, pd, m));
}
