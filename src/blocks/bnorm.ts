// nnbnorm: batch normalisation (SEMANTICS §4.5, NETWORKS §1.4/§1.6/§1.8; MatConvNet's
// matlab/src/bits/nnbnorm.cu). Kernels in assembly/bnorm.ts.

import { Tensor, tensorArg, isTensor, type Shape4 } from '../tensor.js';
import { checkOptions, finite, dims, show, splitArity } from '../options.js';
import { kernels, onCallingThreadIfSmall, streamChannels } from '../wasm.js';
import { split, threadsFor, type Call, type Job } from '../threads.js';

export interface BnormOptions {
  /** Added to the variance before the square root (default 1e-4, as vl_nnbnorm; simplenn's tidy uses 1e-5). >= 0. */
  epsilon?: number;
  /**
   * A [C, 2] Tensor of [mu, sigma] per channel (sigma already includes epsilon) that replaces the
   * batch statistics (simplenn's test mode). The backward pass then uses them too (see nnbnorm).
   */
  moments?: Tensor;
}

/** The backward pass's results. dzdg and dzdb have the shapes of g and b; moments is [C, 2]. */
export interface BnormDerivatives {
  dzdx: Tensor;
  dzdg: Tensor;
  dzdb: Tensor;
  /** [mu, sigma] per channel: the batch's, or a copy of the given moments. */
  moments: Tensor;
}

/** The plan's options: the numbers of BnormOptions, with the moments' shape in place of the Tensor. */
export interface BnormPlanOptions {
  epsilon?: number;
  /** The shape of the given moments (absent: batch statistics). */
  moments?: Shape4;
}

/** Every size and number the kernels need, checked once (shapes, no data). */
export interface BnormPlan {
  readonly H: number; readonly W: number; readonly C: number; readonly N: number;
  /** H*W, the length of one channel's run in one image. */
  readonly HW: number;
  /** H*W*N, the values per channel the statistics average over. */
  readonly M: number;
  readonly epsilon: number;
  /** True when moments are given (read by the runners), false for batch statistics (written). */
  readonly givenMoments: boolean;
  readonly backward: boolean;
  readonly gShape: Shape4;
  readonly bShape: Shape4;
}

const WHO = 'nnbnorm';
const numel = (s: readonly number[]): number => s.reduce((a, d) => a * d, 1);

/**
 * Check every argument of nnbnorm: g and b with C elements each (any shape), epsilon a finite
 * number >= 0, moments [C, 2], dzdy the size of x, and at least one value per channel when the
 * batch statistics are computed (an empty batch has no mean).
 */
export function planBnorm(xShape: Shape4, gShape: Shape4, bShape: Shape4, dzdyShape: Shape4 | null,
  opts?: BnormPlanOptions): BnormPlan {
  checkOptions(WHO, opts, ['epsilon', 'moments']);
  const [H, W, C, N] = xShape;
  for (const [name, s] of [['g', gShape], ['b', bShape]] as const) {
    if (numel(s) !== C) {
      throw new Error(`${WHO}: ${name} is ${dims(s)} (${numel(s)} elements) but must have one element per channel of x, ` +
        `C = ${C} (x is ${dims(xShape)})`);
    }
  }
  const epsilon = opts?.epsilon === undefined ? 1e-4 : finite(WHO, 'epsilon', opts.epsilon);
  if (epsilon < 0) throw new Error(`${WHO}: epsilon must be >= 0, got ${show(epsilon)}`);
  const ms = opts?.moments;
  if (ms !== undefined && (ms[0] !== C || ms[1] !== 2 || ms[2] !== 1 || ms[3] !== 1)) {
    throw new Error(`${WHO}: moments is ${dims(ms)} but must be ${C}x2 ([mu, sigma] for each of the C = ${C} channels of x, ` +
      `x is ${dims(xShape)})`);
  }
  if (dzdyShape !== null && dzdyShape.some((d, i) => d !== xShape[i])) {
    throw new Error(`${WHO}: dzdy is ${dims(dzdyShape)} but must match y (the size of x), ${dims(xShape)}`);
  }
  const M = H * W * N;
  if (ms === undefined && M === 0 && C > 0) {
    throw new Error(`${WHO}: x is ${dims(xShape)}, no values per channel to compute the batch statistics from; ` +
      'give moments or a non-empty x');
  }
  return Object.freeze({
    H, W, C, N, HW: H * W, M, epsilon, givenMoments: ms !== undefined, backward: dzdyShape !== null,
    gShape: gShape.slice() as Shape4, bShape: bShape.slice() as Shape4,
  });
}

// Threads: the pool splits the channels (each channel's statistics, normalisation and sums are
// its own, so the results are the same bits as on one thread); a channel stays whole.

/** Values a thread must get before splitting pays for waking it. */
const MIN = 1 << 17;

/** Threads for C channels of HW*N values (1: stay on the calling thread). */
export function bnormThreads(HW: number, C: number, N: number): number {
  return Math.min(C, threadsFor(HW * C * N, MIN));
}

/** calls(c0, c1) for t shares of channels [0, C), one share per thread. */
function byChannels(t: number, C: number, calls: (c0: number, c1: number) => Job): void {
  split(kernels(), t, C, (c0, m) => calls(c0, c0 + m));
}

/** Where a pass's C channels of [HW, C, N] tensors are, and its mu and sigma (C floats each). */
interface At { HW: number; C: number; N: number; mu: number; sigma: number }

/** The batch statistics of channels [c0, c1), or nothing when the moments are given. */
function momentCalls(p: BnormPlan, a: At, px: number, c0: number, c1: number): Call[] {
  return p.givenMoments ? [] : [['bnorm_moments', px, a.mu, a.sigma, a.HW, a.C, a.N, c0, c1, p.epsilon]];
}

/** The forward's calls for channels [c0, c1); the moments are computed first unless given. */
function forwardCalls(p: BnormPlan, a: At, px: number, pg: number, pb: number, py: number): (c0: number, c1: number) => Job {
  const { HW, C, N, mu, sigma } = a;
  return (c0, c1) => [...momentCalls(p, a, px, c0, c1), ['bnorm_forward', px, pg, pb, mu, sigma, py, HW, C, N, c0, c1]];
}

/** The backward's calls, as forwardCalls. */
function backwardCalls(p: BnormPlan, a: At, px: number, pg: number, pdzdy: number, pdzdx: number,
  pdzdg: number, pdzdb: number): (c0: number, c1: number) => Job {
  const { HW, C, N, mu, sigma } = a;
  return (c0, c1) => [...momentCalls(p, a, px, c0, c1),
    ['bnorm_backward', px, pg, mu, sigma, pdzdy, pdzdx, pdzdg, pdzdb, HW, C, N, c0, c1]];
}

/**
 * Resident forward: y at py from x at px, g at pg, b at pb; pm is the [C, 2] moments buffer
 * (mu then sigma), read when the plan has given moments and written with the batch's otherwise.
 */
export function bnormForward(p: BnormPlan, px: number, pg: number, pb: number, py: number, pm: number): void {
  const a = { HW: p.HW, C: p.C, N: p.N, mu: pm, sigma: pm + 4 * p.C };
  byChannels(bnormThreads(p.HW, p.C, p.N), p.C, forwardCalls(p, a, px, pg, pb, py));
}

/**
 * Resident backward: dzdx at pdzdx, dzdg at pdzdg, dzdb at pdzdb (C floats each) from x, g and
 * dzdy; pm is the moments buffer as for bnormForward (read if given, else written).
 */
export function bnormBackward(p: BnormPlan, px: number, pg: number, pdzdy: number, pdzdx: number,
  pdzdg: number, pdzdb: number, pm: number): void {
  const a = { HW: p.HW, C: p.C, N: p.N, mu: pm, sigma: pm + 4 * p.C };
  byChannels(bnormThreads(p.HW, p.C, p.N), p.C, backwardCalls(p, a, px, pg, pdzdy, pdzdx, pdzdg, pdzdb));
}

/**
 * y = nnbnorm(x, g, b, opts?) — batch normalisation of each channel c over its M = H*W*N values:
 *   mu = mean(x), sigma = sqrt(max(0, mean(x.^2) - mu^2) + epsilon), y = g(c) (x - mu) / sigma + b(c),
 * the last in MatConvNet's float32 order (g / sigma) * (x - mu) + b. With opts.moments ([C, 2] of
 * [mu, sigma]) those replace the batch statistics.
 *
 * { dzdx, dzdg, dzdb, moments } = nnbnorm(x, g, b, dzdy, opts?) — the derivatives of sum(dzdy .* y):
 *   dzdb = sum p, dzdg = sum(p .* (x - mu)) / sigma,
 *   dzdx = (g / sigma) (p - dzdb / M) - (g dzdg / (M sigma^2)) (x - mu),
 * and the moments used. **With given moments the backward pass uses those mu and sigma in these
 * same batch formulas** (nnbnorm.cu's BatchNormBackwardWithMoment: compute_ders with the given
 * moments, then batch_normalize_backward), so it is not the derivative of the test-mode map
 * y = g (x - mu) / sigma + b (that would be g / sigma .* dzdy); with the batch's own moments it
 * equals the batch backward. moments is then a copy of the given ones.
 *
 * Precision: the per-channel sums are float32 vector partial sums over blocks of 256 values added
 * into float64 totals, and the statistics take two passes over each channel while it is in cache
 * (the mean, then the sums of x - K and (x - K)^2 about K = that mean: the same variance without
 * the cancellation of mean(x.^2) - mu^2), so mu and sigma are the exact ones to about float32
 * rounding for any data and any H*W*N; MatConvNet's CPU code sums x and x.^2 in float32 in one
 * pass and drifts where |mu| >> sigma or M is large.
 *
 * g and b may have any shape with C elements; dzdg and dzdb take their shapes. Inputs are never
 * modified. Channels stream through WebAssembly memory in cache-sized groups (all N runs of a
 * channel together: the statistics need them), so the kernels' passes meet cached memory.
 */
export function nnbnorm(x: Tensor, g: Tensor, b: Tensor, opts?: BnormOptions): Tensor;
export function nnbnorm(x: Tensor, g: Tensor, b: Tensor, dzdy: Tensor, opts?: BnormOptions): BnormDerivatives;
export function nnbnorm(x: Tensor, g: Tensor, b: Tensor, a?: Tensor | BnormOptions, c?: BnormOptions): Tensor | BnormDerivatives {
  const { dzdy, opts } = splitArity<BnormOptions>(WHO, a, c, isTensor);
  const tx = tensorArg(WHO, 'x', x);
  const tg = tensorArg(WHO, 'g', g);
  const tb = tensorArg(WHO, 'b', b);
  const tp = dzdy === undefined ? null : tensorArg(WHO, 'dzdy', dzdy);
  const tm = opts?.moments === undefined ? null : tensorArg(WHO, 'moments', opts.moments);
  // The plan checks the options (names included); it takes the moments' shape.
  const po = tm === null ? opts : { ...opts, moments: tm.shape };
  const p = planBnorm(tx.shape, tg.shape, tb.shape, tp === null ? null : tp.shape, po as BnormPlanOptions | undefined);
  // streamed on the calling thread: through the unshared instance when it fits there
  const floats = (): number => tx.numel * (tp === null ? 2 : 3) + 6 * p.C;
  return onCallingThreadIfSmall(false, floats, () => (tp === null ? forward(p, tx, tg, tb, tm) : backward(p, tx, tg, tp, tm)));
}

// Floats of one group (inputs and outputs together): 256 KB, about half of this machine kind's
// L2, so a 56x56x8 channel (25088 floats) goes alone, x and y side by side.
const CHUNK = 1 << 16;

// nnbnorm alone streams groups of channels through the arena on the calling thread: its copies
// in and out are most of its time, and a group sized for the cache is too little to split. The
// arena holds the group's channels as [HW, m, N], and g, b and the moments whole (offset o to
// the group's first).
function forward(p: BnormPlan, x: Tensor, g: Tensor, b: Tensor, m: Tensor | null): Tensor {
  const { HW, C, N } = p;
  const { out } = streamChannels(WHO, HW, C, N, CHUNK, [x.data], 1, [g.data, b.data, m === null ? 2 * C : m.data],
    ([px, py, pg, pb, pm], c0, mc) => {
      const o = 4 * c0;
      const a = { HW, C: mc, N, mu: pm + o, sigma: pm + 4 * C + o };
      byChannels(1, mc, forwardCalls(p, a, px, pg + o, pb + o, py));
    });
  return new Tensor(out[0], x.shape);
}

function backward(p: BnormPlan, x: Tensor, g: Tensor, dzdy: Tensor, m: Tensor | null): BnormDerivatives {
  const { HW, C, N } = p;
  const { out, extras } = streamChannels(WHO, HW, C, N, CHUNK, [x.data, dzdy.data], 1,
    [g.data, m === null ? 2 * C : m.data, C, C],
    ([px, pp, pd, pg, pm, pdg, pdb], c0, mc) => {
      const o = 4 * c0;
      const a = { HW, C: mc, N, mu: pm + o, sigma: pm + 4 * C + o };
      byChannels(1, mc, backwardCalls(p, a, px, pg + o, pp, pd, pdg + o, pdb + o));
    });
  const buffer = kernels().memory.buffer;
  const [, pm, pdg, pdb] = extras;
  const view = (ptr: number, n: number): Float32Array => new Float32Array(buffer, ptr, n).slice();
  return {
    dzdx: new Tensor(out[0], x.shape),
    dzdg: new Tensor(view(pdg, C), p.gShape),
    dzdb: new Tensor(view(pdb, C), p.bShape),
    moments: new Tensor(m === null ? view(pm, 2 * C) : m.data.slice(), [C, 2]),
  };
}
