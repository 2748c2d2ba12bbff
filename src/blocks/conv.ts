// nnconv: convolution (cross-correlation) with groups, padding, stride and
// dilation, MatConvNet's vl_nnconv (SEMANTICS §1).

import { Tensor, tensorArg, isTensor, type Shape4 } from '../tensor.js';
import { checkOptions, intTuple, dims, tagOf, splitArity, checkOutputSize } from '../options.js';
import { kernels, reserve, write, read, fresh, onCallingThreadIfSmall, type ConvDims } from '../wasm.js';
import { identityForward, identityBackward, type IdentityDims } from './conv-identity.js';
import * as threaded from './conv-threads.js';

export interface ConvOptions {
  /** Zero padding: p (all sides) or [top, bottom, left, right] (default 0). Any size, as long as
   * the padded input holds the dilated filter. */
  pad?: number | number[];
  /** Step between output samples: s or [sy, sx] (default 1). */
  stride?: number | number[];
  /** Spacing of filter taps: d or [dy, dx] (default 1); extent (F - 1)*d + 1. */
  dilate?: number | number[];
  /** Backward only: which derivatives to compute (default all). A skipped one is returned as
   * null and costs nothing; MatConvNet's NoDerData / NoDerFilters / NoDerBiases. */
  der?: { x?: boolean; w?: boolean; b?: boolean };
}

export interface ConvDerivatives {
  /** dz/dx, the shape of x (null when der.x is false). */
  dzdx: Tensor | null;
  /** dz/dw summed over the batch, the shape of w (null when w is null or der.w is false). */
  dzdw: Tensor | null;
  /** dz/db summed over the batch, the shape of b (null when b is null or der.b is false). */
  dzdb: Tensor | null;
}

/** Options of a backward call that computes every derivative (no `der`): the result's types say so. */
export type AllDerivatives = Omit<ConvOptions, 'der'>;

/**
 * Everything the kernels need, checked once: shapes and numbers only (no Tensors), so
 * simplenn can plan from shapes while the data lives in WebAssembly memory. `dims` is the
 * kernels' DIMS. `identity`: w was empty, MatConvNet's identity bank (run by the facade on
 * the tensors' own arrays, conv-identity.ts; the resident runners refuse it).
 */
export interface ConvPlan {
  readonly H: number; readonly W: number; readonly C: number; readonly N: number;
  readonly FH: number; readonly FW: number; readonly FC: number; readonly K: number;
  readonly Ho: number; readonly Wo: number; readonly G: number;
  readonly identity: boolean; readonly bias: boolean; readonly backward: boolean;
  /** stride is the kernels' (1 on an axis with one output position, see planConv), not always the option's. */
  readonly pad: readonly number[]; readonly stride: readonly number[]; readonly dilate: readonly number[];
  readonly der: { readonly x: boolean; readonly w: boolean; readonly b: boolean };
  readonly dims: ConvDims;
}

const WHO = 'nnconv';

function derFlags(v: unknown): { x: boolean; w: boolean; b: boolean } {
  if (v === undefined) return { x: true, w: true, b: true };
  checkOptions(`${WHO}: der`, v, ['x', 'w', 'b']);
  const o = v as Record<string, unknown>;
  const flag = (k: string): boolean => {
    if (o[k] === undefined) return true;
    if (typeof o[k] !== 'boolean') throw new Error(`${WHO}: der.${k} must be true or false, got ${tagOf(o[k])}`);
    return o[k] as boolean;
  };
  return { x: flag('x'), w: flag('w'), b: flag('b') };
}

const count = (s: readonly number[]): number => s.reduce((a, d) => a * d, 1);

/**
 * Check every argument (SEMANTICS §1.8, in MatConvNet's order) and derive the output size.
 * `wShape` null or of zero elements is the identity bank (§1.6). `b` is the bias's shape, or
 * just its element count (then errors cannot show its shape); null or zero elements: no bias.
 * `dzdyShape` null plans the forward pass.
 */
export function planConv(xShape: Shape4, wShape: Shape4 | null, b: readonly number[] | number | null,
  dzdyShape: Shape4 | null, opts: ConvOptions | undefined): ConvPlan {
  checkOptions(WHO, opts, ['pad', 'stride', 'dilate', 'der']);
  const [H, W, C, N] = xShape;
  if (H * W * C === 0) throw new Error(`${WHO}: x is ${dims(xShape)}; H, W and C must be at least 1`);
  const stride = intTuple(WHO, 'stride', opts?.stride ?? 1, 2, 1);
  const pad = intTuple(WHO, 'pad', opts?.pad ?? 0, 4, 0);
  const dilate = intTuple(WHO, 'dilate', opts?.dilate ?? 1, 2, 1);
  const der = derFlags(opts?.der);
  if (opts?.der !== undefined && dzdyShape === null) {
    throw new Error(`${WHO}: der selects derivatives, so it needs dzdy (the backward call nnconv(x, w, b, dzdy, opts))`);
  }
  // Any zero-element w is MatConvNet's empty filter bank, and a zero-element b means no bias (§1.6).
  const identity = wShape === null || count(wShape) === 0;
  const bn = b === null ? 0 : typeof b === 'number' ? b : count(b);
  if (identity && (dilate[0] !== 1 || dilate[1] !== 1)) {
    throw new Error(`${WHO}: dilate must be 1 when w is empty (the identity filter bank), got [${dilate.join(', ')}]`);
  }
  const [FH, FW, FC, K] = identity ? [1, 1, C, C] : wShape!;
  const extY = (FH - 1) * dilate[0] + 1;
  const extX = (FW - 1) * dilate[1] + 1;
  if (H + pad[0] + pad[1] < extY || W + pad[2] + pad[3] < extX) {
    throw new Error(`${WHO}: the padded input ${H + pad[0] + pad[1]}x${W + pad[2] + pad[3]} (x ${dims(xShape)}, ` +
      `pad [${pad.join(', ')}]) is smaller than the dilated filter ${extY}x${extX} (w ${FH}x${FW}, dilate [${dilate.join(', ')}])`);
  }
  if (C % FC !== 0) {
    throw new Error(`${WHO}: w has FC=${FC} but x has C=${C}; C must be a multiple of FC (groups G = C/FC)` +
      (FC > C ? ', and the filter is deeper than the input' : ''));
  }
  const G = C / FC;
  if (K % G !== 0) throw new Error(`${WHO}: w has K=${K} filters, not a multiple of the G=${G} groups (C=${C} / FC=${FC})`);
  const Ho = Math.floor((H + pad[0] + pad[1] - extY) / stride[0]) + 1;
  const Wo = Math.floor((W + pad[2] + pad[3] - extX) / stride[1]) + 1;
  checkOutputSize(WHO, [Ho, Wo, K, N], `check pad [${pad.join(', ')}] and stride [${stride.join(', ')}]`);
  if (dzdyShape !== null) {
    const want = [Ho, Wo, K, N];
    if (dzdyShape.some((d, i) => d !== want[i])) {
      throw new Error(`${WHO}: dzdy is ${dims(dzdyShape)} but must have the size of y, ${dims(want)}`);
    }
  }
  if (bn !== 0 && bn !== K) {
    throw new Error(`${WHO}: b has ${bn} elements${typeof b === 'number' ? '' : ` (${dims(b!)})`} but must have K=${K}` +
      (identity ? ' (C, since w is empty)' : ''));
  }
  // An axis with one output position only ever multiplies its stride by 0, so the kernels get 1
  // there: the same products (y and dzdx bit for bit; dzdw's tiles, sized by the stride, may sum
  // them in another order), and no scratch sized by a step no window takes (conv's data
  // derivative keeps stride^2 phase tables: a stride of 50000 asked for more than 2^31 floats).
  const ks = [Ho === 1 ? 1 : stride[0], Wo === 1 ? 1 : stride[1]];
  const d: ConvDims = [H, W, C, N, FH, FW, FC, K, Ho, Wo, pad[0], pad[2], ks[0], ks[1], dilate[0], dilate[1]];
  return Object.freeze({ H, W, C, N, FH, FW, FC, K, Ho, Wo, G, identity, bias: bn !== 0, backward: dzdyShape !== null,
    pad, stride: ks, dilate, der, dims: d });
}

// Resident runners: the kernels once over whole tensors already in WebAssembly memory, at
// byte addresses from reserve(); no copies. Plans with the identity bank have no kernel here.

function kernelPlan(p: ConvPlan): ConvDims {
  if (p.identity) throw new Error(`${WHO}: the identity filter bank (w empty) has no resident kernel; nnconv runs it on the tensors`);
  return p.dims;
}

/** Scratch floats of convForward. */
// With a worker pool, large layers split across threads (conv-threads.ts); the scratch sizes
// then hold every thread's scratch.
export function convForwardScratch(p: ConvPlan): number {
  const t = threaded.forwardThreads(p);
  return t > 1 ? threaded.forwardScratch(p, t) : kernels().conv_forward_scratch(...kernelPlan(p));
}

/** y = conv(x, w) + b; pb is 0 (or anything) when the plan has no bias. */
export function convForward(p: ConvPlan, px: number, pw: number, pb: number, py: number, ps: number): void {
  const t = threaded.forwardThreads(p);
  if (t > 1) threaded.forward(p, t, px, pw, p.bias ? pb : 0, py, ps);
  else kernels().conv_forward(px, pw, p.bias ? pb : 0, py, ps, ...kernelPlan(p));
}

/** Scratch floats of convBackwardData. */
export function convBackwardDataScratch(p: ConvPlan): number {
  const t = threaded.backwardThreads(p);
  return t > 1 ? threaded.dataScratch(p, t) : kernels().conv_backward_data_scratch(...kernelPlan(p));
}

/** dzdx of §1.5 (every element written). */
export function convBackwardData(p: ConvPlan, pw: number, pdzdy: number, pdzdx: number, ps: number): void {
  const t = threaded.backwardThreads(p);
  if (t > 1) threaded.backwardData(p, t, pw, pdzdy, pdzdx, ps);
  else kernels().conv_backward_data(pw, pdzdy, pdzdx, ps, ...kernelPlan(p));
}

/** Scratch floats of convBackwardFilter. */
export function convBackwardFilterScratch(p: ConvPlan): number {
  const t = threaded.backwardThreads(p);
  return t > 1 ? threaded.filterScratch(p, t) : kernels().conv_backward_filter_scratch(...kernelPlan(p));
}

/**
 * dzdw of §1.5, summed over the batch (every element written). Split over threads, the batch
 * sum is a sum of per-thread partial sums: float32 rounding may differ from one thread's.
 */
export function convBackwardFilter(p: ConvPlan, px: number, pdzdy: number, pdzdw: number, ps: number): void {
  const t = threaded.backwardThreads(p);
  if (t > 1) threaded.backwardFilter(p, t, px, pdzdy, pdzdw, ps);
  else kernels().conv_backward_filter(px, pdzdy, pdzdw, ps, ...kernelPlan(p));
}

/** dzdb[k] = sum of dzdy's plane k over the batch (K floats; the identity bank too). */
export function convBackwardBias(p: ConvPlan, pdzdy: number, pdzdb: number): void {
  kernels().conv_backward_bias(pdzdy, pdzdb, p.Ho * p.Wo, p.K, p.N);
}

/**
 * y = nnconv(x, w, b, opts?): y(i,j,k,n) = b[k] + sum_{u,v,c'} w(u,v,c',k) xpad(i*sy + u*dy - pt,
 * j*sx + v*dx - pl, g(k)*FC + c', n), no filter flip; x [H,W,C,N], w [FH,FW,FC,K] or null (the
 * identity bank: pad, subsample, bias), b K elements or null; y [Ho,Wo,K,N].
 * {dzdx, dzdw, dzdb} = nnconv(x, w, b, dzdy, opts?): the projected derivatives, w and b summed over
 * the batch; opts.der skips the ones not needed. Inputs are not modified.
 */
export function nnconv(x: Tensor, w: Tensor | null, b: Tensor | null, opts?: ConvOptions): Tensor;
export function nnconv(x: Tensor, w: Tensor, b: Tensor, dzdy: Tensor, opts?: AllDerivatives): Required<{ [K in keyof ConvDerivatives]: Tensor }>;
export function nnconv(x: Tensor, w: Tensor, b: null, dzdy: Tensor, opts?: AllDerivatives): { dzdx: Tensor; dzdw: Tensor; dzdb: null };
export function nnconv(x: Tensor, w: Tensor | null, b: Tensor | null, dzdy: Tensor, opts?: ConvOptions): ConvDerivatives;
export function nnconv(x: Tensor, w: Tensor | null, b: Tensor | null, a?: Tensor | ConvOptions, o?: ConvOptions):
  Tensor | ConvDerivatives {
  const { dzdy, opts } = splitArity<ConvOptions>(WHO, a, o, isTensor);
  const tx = tensorArg(WHO, 'x', x);
  const tw = w === null ? null : tensorArg(WHO, 'w', w);
  const tb = b === null ? null : tensorArg(WHO, 'b', b);
  const tp = dzdy === undefined ? null : tensorArg(WHO, 'dzdy', dzdy);
  const p = planConv(tx.shape, tw?.shape ?? null, tb?.shape ?? null, tp?.shape ?? null, opts);
  const t: ConvTensors = { x: tx, w: p.identity ? null : tw, b: p.bias ? tb : null, dzdy: tp };
  const run = (): Tensor | ConvDerivatives => (tp === null ? forward(p, t) : backward(p, t));
  const back = tp !== null;
  const splits = (back ? threaded.backwardThreads(p) : threaded.forwardThreads(p)) !== 1;
  return onCallingThreadIfSmall(splits, () => floatsOf(p, back), run);
}

/** Floats of one call's tensors (with the backward's dzdx and dzdw) and scratch (the larger backward one). */
function floatsOf(p: ConvPlan, back: boolean): number {
  const xw = p.H * p.W * p.C * p.N + p.FH * p.FW * p.FC * p.K;
  const scratch = p.identity ? 0 : back ? Math.max(convBackwardDataScratch(p), convBackwardFilterScratch(p)) : convForwardScratch(p);
  return (back ? 2 : 1) * xw + p.Ho * p.Wo * p.K * p.N + p.K + scratch;
}

/** The facade's data for a plan: w null for the identity bank, b null without a bias. */
interface ConvTensors { x: Tensor; w: Tensor | null; b: Tensor | null; dzdy: Tensor | null }

// y streams through a cache-sized WASM buffer when it is large: the kernel fills the buffer
// for a range of output pixels of every plane, and the planes' pieces are copied out at once,
// while they are still in cache. y never makes the round trip through main memory twice,
// and the arena holds x, w and this buffer only. NOTE: 2^17 floats (512 KB), half of Zen 4's
// L2: the practical's forward against tfjs, in alternating triples of default processes
// (2026-12-07), 0.444-0.480 against 0.552-0.556 with 2^16, while 2^18 and up gave 0.50-0.57.
const Y_CHUNK = 1 << 17;

/**
 * Output pixels per streamed range: whole units of threaded.pixelUnit (8-pixel blocks and
 * Winograd column pairs), as many as fit the buffer, at least one (a larger buffer for a very tall
 * image), so that any range ends where a resident run's block or pair does: a streamed call gives
 * the bits of a resident one. Only where the kernel's own path is prepare + pixels
 * (conv_forward_path 0): the other paths run whole (simplenn, the pool's shares).
 */
export function spanOf(p: ConvPlan): number {
  const P = p.Ho * p.Wo;
  const planes = p.K * p.N;
  if (P * planes <= 4 * Y_CHUNK || kernels().conv_forward_path(...p.dims) !== 0) return P;
  const unit = threaded.pixelUnit(p);
  return Math.min(P, Math.max(1, Math.floor(Y_CHUNK / planes / unit)) * unit);
}

function forward(p: ConvPlan, t: ConvTensors): Tensor {
  const shape = [p.Ho, p.Wo, p.K, p.N];
  if (t.w === null) return new Tensor(identityForward(t.x.data, t.b?.data ?? null, identityDims(p)), shape);
  const P = p.Ho * p.Wo;
  const planes = p.K * p.N;
  const ny = P * planes;
  const span = spanOf(p);
  const ranges = Math.ceil(P / span);
  const th = ranges > 1 ? threaded.streamThreads(p, ranges) : 1;
  const scratch = span === P ? convForwardScratch(p) : threaded.streamScratch(p, th);
  // streamed on the pool: two buffers of a round's th ranges (conv-threads.ts streamForward)
  const [px, pw, pb, py, ps] = reserve(WHO, t.x.numel, t.w.numel, p.bias ? p.K : 0, (th > 1 ? 2 * th : 1) * span * planes, scratch);
  write(px, t.x.data);
  write(pw, t.w.data);
  if (t.b !== null) write(pb, t.b.data);
  if (span === P) {
    convForward(p, px, pw, pb, py, ps);
    return new Tensor(read(py, ny), shape);
  }
  const out = fresh(ny);
  threaded.streamForward(p, th, span, px, pw, p.bias ? pb : 0, py, ps, out);
  return new Tensor(out, shape);
}

function backward(p: ConvPlan, t: ConvTensors): ConvDerivatives {
  const wantX = p.der.x;
  const wantW = p.der.w && !p.identity;
  const wantB = p.der.b && p.bias;
  // x is only read for dzdw and w only for dzdx, and dzdy not at all when only the identity
  // bank's dzdx is wanted: reserve and copy just what the kernels will read.
  const needX = wantW;
  const needW = wantX && !p.identity;
  const needP = needW || wantW || wantB;
  const scratch = Math.max(needW ? convBackwardDataScratch(p) : 0, wantW ? convBackwardFilterScratch(p) : 0);
  const nx = t.x.numel;
  const nw = t.w?.numel ?? 0;
  const dzdy = t.dzdy!;
  const [px, pw, pp, pdx, pdw, pdb, ps] = reserve(WHO, needX ? nx : 0, needW ? nw : 0, needP ? dzdy.numel : 0,
    needW ? nx : 0, wantW ? nw : 0, wantB ? p.K : 0, scratch);
  if (needX) write(px, t.x.data);
  if (needW) write(pw, t.w!.data);
  if (needP) write(pp, dzdy.data);
  let dzdx: Tensor | null = null;
  let dzdw: Tensor | null = null;
  let dzdb: Tensor | null = null;
  if (wantX && p.identity) dzdx = new Tensor(identityBackward(dzdy.data, identityDims(p)), t.x.shape);
  if (needW) {
    convBackwardData(p, pw, pp, pdx, ps);
    dzdx = new Tensor(read(pdx, nx), t.x.shape);
  }
  if (wantW) {
    convBackwardFilter(p, px, pp, pdw, ps);
    dzdw = new Tensor(read(pdw, nw), t.w!.shape);
  }
  if (wantB) {
    convBackwardBias(p, pp, pdb);
    dzdb = new Tensor(read(pdb, p.K), t.b!.shape);
  }
  return { dzdx, dzdw, dzdb };
}

function identityDims(p: ConvPlan): IdentityDims {
  return { H: p.H, W: p.W, C: p.C, N: p.N, Ho: p.Ho, Wo: p.Wo, pt: p.pad[0], pl: p.pad[2], sy: p.stride[0], sx: p.stride[1] };
}
