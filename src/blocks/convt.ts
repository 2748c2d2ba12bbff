// nnconvt: transposed convolution, MatConvNet's vl_nnconvt (SEMANTICS §4.6).
//
// x [H, W, D, N], w [FH, FW, K, D], G = numGroups dividing D, y [Ho, Wo, K*G, N]:
//   y(a, e, g*K + k, n) = b[g*K + k] + sum over (i, j, u, v, d in group g) with
//                         a = i*uy + u - ct,  e = j*ux + v - cl,  of  w(u, v, k, d) * x(i, j, d, n)
//   Ho = uy*(H - 1) + FH - ct - cb,  Wo = ux*(W - 1) + FW - cl - cr,
// group g holding the input channels d in [g*D/G, (g+1)*D/G) (contiguous blocks).
//
// MatConvNet computes it with the conv block (bits/nnconv.cu, ConvolutionTranspose), and so do
// we, through the conv kernels: take the conv whose input z is [Ho, Wo, K*G, N], filters w
// [FH, FW, K, D] (D filters of depth K, so K*G / K = G groups, D/G filters per group), stride
// [uy ux] and pad crop. Its output is [H, W, D, N] (floor((Ho + ct + cb - FH)/uy) + 1 = H), and
//   convt forward        y    = that conv's data derivative, with x as its dzdy (conv_backward_data)
//   convt dzdx                = that conv's forward on dzdy (conv_forward, no bias)
//   convt dzdw                = that conv's filter derivative with input dzdy and output
//                               derivative x: the roles of input and output swapped (conv_backward_filter)
//   convt dzdb[c]             = sum of dzdy's channel c (conv_backward_bias over [Ho*Wo, K*G, N])
// and the bias, which conv_backward_data has no term for, is added per channel afterwards
// (convt_bias_forward, the only kernel of this block).

import { Tensor, tensorArg, isTensor, type Shape4 } from '../tensor.js';
import { checkOptions, intTuple, dims, show, splitArity, checkOutputSize, MAX_OPTION } from '../options.js';
import { kernels, reserve, write, read, onCallingThreadIfSmall } from '../wasm.js';
import { forwardThreads, backwardThreads } from './conv-threads.js';
import {
  planConv, type ConvPlan, convForward, convForwardScratch, convBackwardData, convBackwardDataScratch,
  convBackwardFilter, convBackwardFilterScratch,
} from './conv.js';

export interface ConvtOptions {
  /** Upsampling factor (the conv's stride): u or [uy, ux] (default 1). */
  upsample?: number | number[];
  /** Output rows and columns dropped (the conv's pad): c or [top, bottom, left, right] (default 0). */
  crop?: number | number[];
  /** Filter groups G (default 1); G divides D, and y has K*G channels. */
  numGroups?: number;
}

export interface ConvtDerivatives {
  /** dz/dx, the shape of x. */
  dzdx: Tensor;
  /** dz/dw summed over the batch, the shape of w (MATLAB's DZDF). */
  dzdw: Tensor;
  /** dz/db summed over the batch, the shape of b (null when b is null or empty). */
  dzdb: Tensor | null;
}

/**
 * Everything the kernels need, checked once: shapes and numbers only. `conv` is the
 * convolution whose data derivative this block is (see the top of this file).
 */
export interface ConvtPlan {
  readonly H: number; readonly W: number; readonly D: number; readonly N: number;
  readonly FH: number; readonly FW: number; readonly K: number; readonly G: number;
  /** Output size: y is [Ho, Wo, K*G, N]. */
  readonly Ho: number; readonly Wo: number;
  readonly upsample: readonly number[]; readonly crop: readonly number[];
  readonly bias: boolean; readonly backward: boolean;
  readonly conv: ConvPlan;
}

const WHO = 'nnconvt';

const count = (s: readonly number[]): number => s.reduce((a, d) => a * d, 1);

/**
 * Check every argument, in vl_nnconvt.cu's order (unknown options; upsample < 1; crop < 0; a
 * void dimension of w; numGroups < 1; G not dividing w's 4th dimension; that dimension not
 * the depth of x; an empty output; dzdy's size; b's count), and derive the output size.
 * `b` is the bias's shape or element count; null or zero elements: no bias. `dzdyShape` null
 * plans the forward pass.
 */
export function planConvt(xShape: Shape4, wShape: Shape4, b: readonly number[] | number | null,
  dzdyShape: Shape4 | null, opts: ConvtOptions | undefined): ConvtPlan {
  checkOptions(WHO, opts, ['upsample', 'crop', 'numGroups']);
  const [H, W, D, N] = xShape;
  if (H * W * D === 0) throw new Error(`${WHO}: x is ${dims(xShape)}; H, W and D must be at least 1`);
  const upsample = intTuple(WHO, 'upsample', opts?.upsample ?? 1, 2, 1);
  const crop = intTuple(WHO, 'crop', opts?.crop ?? 0, 4, 0);
  const [FH, FW, K, FD] = wShape;
  if (FH * FW * K === 0) {
    throw new Error(`${WHO}: w is ${dims(wShape)}; its first three dimensions FH, FW and K must be at least 1`);
  }
  const G = opts?.numGroups ?? 1;
  if (typeof G !== 'number' || !Number.isInteger(G) || G < 1 || G > MAX_OPTION) {
    throw new Error(`${WHO}: numGroups must be an integer >= 1, got ${show(opts?.numGroups)}`);
  }
  if (FD % G !== 0) {
    throw new Error(`${WHO}: numGroups G=${G} does not divide w's 4th dimension D=${FD} (w ${dims(wShape)})`);
  }
  if (FD !== D) {
    throw new Error(`${WHO}: w is ${dims(wShape)}, so its 4th dimension D=${FD} must equal the depth of x, ` +
      `but x is ${dims(xShape)} (depth ${D})`);
  }
  const [uy, ux] = upsample;
  const [ct, cb, cl, cr] = crop;
  const Ho = uy * (H - 1) + FH - ct - cb;
  const Wo = ux * (W - 1) + FW - cl - cr;
  if (Ho < 1 || Wo < 1) {
    throw new Error(`${WHO}: the output would be ${Ho}x${Wo}, empty: crop [${crop.join(', ')}] is too large for ` +
      `x ${dims(xShape)} upsampled by [${uy}, ${ux}] with w ${FH}x${FW} (Ho = ${uy}*(${H} - 1) + ${FH} - ${ct} - ${cb}, ` +
      `Wo = ${ux}*(${W} - 1) + ${FW} - ${cl} - ${cr})`);
  }
  const KG = K * G;
  checkOutputSize(WHO, [Ho, Wo, KG, N], `check upsample [${uy}, ${ux}] and the size of w`);
  if (dzdyShape !== null) {
    const want = [Ho, Wo, KG, N];
    if (dzdyShape.some((d, i) => d !== want[i])) {
      throw new Error(`${WHO}: dzdy is ${dims(dzdyShape)} but must have the size of y, ${dims(want)}`);
    }
  }
  const bn = b === null ? 0 : typeof b === 'number' ? b : count(b);
  if (bn !== 0 && bn !== KG) {
    throw new Error(`${WHO}: b has ${bn} elements${typeof b === 'number' ? '' : ` (${dims(b!)})`} but must have ` +
      `K*G=${KG} (K=${K} filters x G=${G} groups), one per output channel`);
  }
  // The conv this block transposes: input [Ho, Wo, K*G, N], filters [FH, FW, K, D], output [H, W, D, N].
  const conv = planConv([Ho, Wo, KG, N], [FH, FW, K, D], null, [H, W, D, N], { pad: crop, stride: upsample });
  return Object.freeze({ H, W, D, N, FH, FW, K, G, Ho, Wo, upsample, crop, bias: bn !== 0,
    backward: dzdyShape !== null, conv });
}

// Resident runners on WebAssembly byte addresses (from reserve()): the conv kernels once over
// whole tensors already in memory, no copies.

/** Scratch floats of convtForward. */
export function convtForwardScratch(p: ConvtPlan): number {
  return convBackwardDataScratch(p.conv);
}

/** y = convt(x, w) + b; pb is ignored when the plan has no bias. */
export function convtForward(p: ConvtPlan, px: number, pw: number, pb: number, py: number, ps: number): void {
  convBackwardData(p.conv, pw, px, py, ps);
  if (p.bias) kernels().convt_bias_forward(py, pb, p.Ho * p.Wo, p.K * p.G, p.N);
}

/** Scratch floats of convtBackwardData. */
export function convtBackwardDataScratch(p: ConvtPlan): number {
  return convForwardScratch(p.conv);
}

/** dzdx [H, W, D, N] = the conv of dzdy with w (every element written). */
export function convtBackwardData(p: ConvtPlan, pw: number, pdzdy: number, pdzdx: number, ps: number): void {
  convForward(p.conv, pdzdy, pw, 0, pdzdx, ps);
}

/** Scratch floats of convtBackwardFilter. */
export function convtBackwardFilterScratch(p: ConvtPlan): number {
  return convBackwardFilterScratch(p.conv);
}

/** dzdw [FH, FW, K, D], summed over the batch: the conv's filter derivative, input dzdy, output derivative x. */
export function convtBackwardFilter(p: ConvtPlan, px: number, pdzdy: number, pdzdw: number, ps: number): void {
  convBackwardFilter(p.conv, pdzdy, px, pdzdw, ps);
}

/** dzdb[c] = sum of dzdy's channel c over pixels and batch (K*G floats). */
export function convtBackwardBias(p: ConvtPlan, pdzdy: number, pdzdb: number): void {
  kernels().conv_backward_bias(pdzdy, pdzdb, p.Ho * p.Wo, p.K * p.G, p.N);
}

/**
 * y = nnconvt(x, w, b, opts?): transposed convolution (the formula at the top of this file);
 * x [H,W,D,N], w [FH,FW,K,D], b K*G elements or null; y [Ho,Wo,K*G,N].
 * {dzdx, dzdw, dzdb} = nnconvt(x, w, b, dzdy, opts?): the projected derivatives, w and b
 * summed over the batch; dzdb is null without a bias. Inputs are not modified.
 */
export function nnconvt(x: Tensor, w: Tensor, b: Tensor | null, opts?: ConvtOptions): Tensor;
export function nnconvt(x: Tensor, w: Tensor, b: Tensor, dzdy: Tensor, opts?: ConvtOptions): { dzdx: Tensor; dzdw: Tensor; dzdb: Tensor };
export function nnconvt(x: Tensor, w: Tensor, b: null, dzdy: Tensor, opts?: ConvtOptions): { dzdx: Tensor; dzdw: Tensor; dzdb: null };
export function nnconvt(x: Tensor, w: Tensor, b: Tensor | null, dzdy: Tensor, opts?: ConvtOptions): ConvtDerivatives;
export function nnconvt(x: Tensor, w: Tensor, b: Tensor | null, a?: Tensor | ConvtOptions, o?: ConvtOptions):
  Tensor | ConvtDerivatives {
  const { dzdy, opts } = splitArity<ConvtOptions>(WHO, a, o, isTensor);
  const tx = tensorArg(WHO, 'x', x);
  const tw = tensorArg(WHO, 'w', w);
  const tb = b === null ? null : tensorArg(WHO, 'b', b);
  const tp = dzdy === undefined ? null : tensorArg(WHO, 'dzdy', dzdy);
  const p = planConvt(tx.shape, tw.shape, tb?.shape ?? null, tp?.shape ?? null, opts);
  const bias = p.bias ? tb : null;
  const back = tp !== null;
  // forward is the conv's data derivative; backward the conv's forward and filter derivative
  const splits = backwardThreads(p.conv) !== 1 || (back && forwardThreads(p.conv) !== 1);
  const floats = (): number => (back ? 2 : 1) * (tx.numel + tw.numel) + p.Ho * p.Wo * p.K * p.G * p.N + p.K * p.G +
    (back ? Math.max(convtBackwardDataScratch(p), convtBackwardFilterScratch(p)) : convtForwardScratch(p));
  return onCallingThreadIfSmall(splits, floats, () => (back ? backward(p, tx, tw, bias, tp) : forward(p, tx, tw, bias)));
}

function forward(p: ConvtPlan, x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  const shape = [p.Ho, p.Wo, p.K * p.G, p.N];
  const ny = count(shape);
  const [px, pw, pb, py, ps] = reserve(WHO, x.numel, w.numel, b?.numel ?? 0, ny, convtForwardScratch(p));
  write(px, x.data);
  write(pw, w.data);
  if (b !== null) write(pb, b.data);
  convtForward(p, px, pw, pb, py, ps);
  return new Tensor(read(py, ny), shape);
}

function backward(p: ConvtPlan, x: Tensor, w: Tensor, b: Tensor | null, dzdy: Tensor): ConvtDerivatives {
  const scratch = Math.max(convtBackwardDataScratch(p), convtBackwardFilterScratch(p));
  const [px, pw, pp, pdx, pdw, pdb, ps] = reserve(WHO, x.numel, w.numel, dzdy.numel, x.numel, w.numel,
    b === null ? 0 : p.K * p.G, scratch);
  write(px, x.data);
  write(pw, w.data);
  write(pp, dzdy.data);
  convtBackwardData(p, pw, pp, pdx, ps);
  const dzdx = new Tensor(read(pdx, x.numel), x.shape);
  convtBackwardFilter(p, px, pp, pdw, ps);
  const dzdw = new Tensor(read(pdw, w.numel), w.shape);
  let dzdb: Tensor | null = null;
  if (b !== null) {
    convtBackwardBias(p, pp, pdb);
    dzdb = new Tensor(read(pdb, b.numel), b.shape);
  }
  return { dzdx, dzdw, dzdb };
}
