// nnrelu: rectified linear unit with optional leak (SEMANTICS §3).

import { Tensor, tensorArg, isTensor } from '../tensor.js';
import { checkOptions, finite, dims, splitArity } from '../options.js';
import { kernels, reserve } from '../wasm.js';

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

// Element-wise blocks stream through WASM memory in chunks that stay in the
// L2 cache: copy a chunk in, transform it in place, copy it out. Memory
// traffic is then the two copies alone, and the arena stays small.
const CHUNK = 16384;

function reluForward(p: ReluPlan): Tensor {
  const out = new Float32Array(p.n);
  const [pc] = reserve('nnrelu', Math.min(p.n, CHUNK));
  const k = kernels();
  const chunk = new Float32Array(k.memory.buffer, pc, Math.min(p.n, CHUNK));
  for (let off = 0; off < p.n; off += CHUNK) {
    const len = Math.min(CHUNK, p.n - off);
    chunk.set(p.x.data.subarray(off, off + len));
    k.relu_forward(pc, pc, len, p.leak);
    out.set(len === CHUNK ? chunk : chunk.subarray(0, len), off);
  }
  return new Tensor(out, p.x.shape);
}

function reluBackward(p: ReluPlan): Tensor {
  const out = new Float32Array(p.n);
  const m = Math.min(p.n, CHUNK);
  const [px, pp] = reserve('nnrelu', m, m);
  const k = kernels();
  const cx = new Float32Array(k.memory.buffer, px, m);
  const cp = new Float32Array(k.memory.buffer, pp, m);
  for (let off = 0; off < p.n; off += CHUNK) {
    const len = Math.min(CHUNK, p.n - off);
    cx.set(p.x.data.subarray(off, off + len));
    cp.set(p.dzdy!.data.subarray(off, off + len));
    k.relu_backward(px, pp, pp, len, p.leak);
    out.set(len === CHUNK ? cp : cp.subarray(0, len), off);
  }
  return new Tensor(out, p.x.shape);
}
