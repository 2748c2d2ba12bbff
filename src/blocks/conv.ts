// nnconv: convolution (cross-correlation) with groups, padding, stride and
// dilation, MatConvNet's vl_nnconv (SEMANTICS §1).

import { Tensor, tensorArg, isTensor } from '../tensor.js';
import { checkOptions, intTuple, dims, tagOf, splitArity, checkOutputSize } from '../options.js';
import { kernels, reserve, write, read, fresh, type ConvDims } from '../wasm.js';
import { identityForward, identityBackward, type IdentityDims } from './conv-identity.js';

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

/** Everything both passes need, checked once. `dims` is the kernels' DIMS. */
export interface ConvPlan {
  readonly x: Tensor; readonly w: Tensor | null; readonly b: Tensor | null; readonly dzdy: Tensor | null;
  readonly H: number; readonly W: number; readonly C: number; readonly N: number;
  readonly FH: number; readonly FW: number; readonly FC: number; readonly K: number;
  readonly Ho: number; readonly Wo: number; readonly G: number;
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

/** Check every argument (SEMANTICS §1.8, in MatConvNet's order) and derive the output size. */
export function planConv(x: unknown, w: unknown, b: unknown, dzdy: unknown, opts: ConvOptions | undefined): ConvPlan {
  const tx = tensorArg(WHO, 'x', x);
  let tw = w === null ? null : tensorArg(WHO, 'w', w);
  let tb = b === null ? null : tensorArg(WHO, 'b', b);
  checkOptions(WHO, opts, ['pad', 'stride', 'dilate', 'der']);
  const [H, W, C, N] = tx.shape;
  if (H * W * C === 0) throw new Error(`${WHO}: x is ${dims(tx.shape)}; H, W and C must be at least 1`);
  const stride = intTuple(WHO, 'stride', opts?.stride ?? 1, 2, 1);
  const pad = intTuple(WHO, 'pad', opts?.pad ?? 0, 4, 0);
  const dilate = intTuple(WHO, 'dilate', opts?.dilate ?? 1, 2, 1);
  const der = derFlags(opts?.der);
  if (opts?.der !== undefined && dzdy === undefined) {
    throw new Error(`${WHO}: der selects derivatives, so it needs dzdy (the backward call nnconv(x, w, b, dzdy, opts))`);
  }
  // Any zero-element w is MatConvNet's empty filter bank, and a zero-element b means no bias (§1.6).
  if (tw !== null && tw.numel === 0) tw = null;
  if (tb !== null && tb.numel === 0) tb = null;
  if (tw === null && (dilate[0] !== 1 || dilate[1] !== 1)) {
    throw new Error(`${WHO}: dilate must be 1 when w is empty (the identity filter bank), got [${dilate.join(', ')}]`);
  }
  const [FH, FW, FC, K] = tw === null ? [1, 1, C, C] : tw.shape;
  const extY = (FH - 1) * dilate[0] + 1;
  const extX = (FW - 1) * dilate[1] + 1;
  if (H + pad[0] + pad[1] < extY || W + pad[2] + pad[3] < extX) {
    throw new Error(`${WHO}: the padded input ${H + pad[0] + pad[1]}x${W + pad[2] + pad[3]} (x ${dims(tx.shape)}, ` +
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
  let tp: Tensor | null = null;
  if (dzdy !== undefined) {
    tp = tensorArg(WHO, 'dzdy', dzdy);
    const want = [Ho, Wo, K, N];
    if (tp.shape.some((d, i) => d !== want[i])) {
      throw new Error(`${WHO}: dzdy is ${dims(tp.shape)} but must have the size of y, ${dims(want)}`);
    }
  }
  if (tb !== null && tb.numel !== K) {
    throw new Error(`${WHO}: b has ${tb.numel} elements (${dims(tb.shape)}) but must have K=${K}` +
      (tw === null ? ' (C, since w is empty)' : ''));
  }
  const d: ConvDims = [H, W, C, N, FH, FW, FC, K, Ho, Wo, pad[0], pad[2], stride[0], stride[1], dilate[0], dilate[1]];
  return Object.freeze({ x: tx, w: tw, b: tb, dzdy: tp, H, W, C, N, FH, FW, FC, K, Ho, Wo, G,
    pad, stride, dilate, der, dims: d });
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
  const p = planConv(x, w, b, dzdy, opts);
  return p.dzdy === null ? convForward(p) : convBackward(p);
}

// y streams through a cache-sized WASM buffer when it is large: the kernel fills the buffer
// for a range of output pixels of every plane, and the planes' pieces are copied out at once,
// while they are still in cache. y never makes the round trip through main memory twice,
// and the arena holds x, w and this buffer only.
const Y_CHUNK = 65536;

/**
 * Output pixels per streamed range: whole groups of 8 columns when they fit the buffer, so
 * ranges keep the kernel's 8-pixel blocks and Winograd column pairs intact; else 8-pixel blocks.
 */
function spanOf(p: ConvPlan): number {
  const P = p.Ho * p.Wo;
  const planes = p.K * p.N;
  if (p.w === null || P * planes <= 4 * Y_CHUNK) return P;
  const fits = Y_CHUNK / planes;
  const unit = 8 * p.Ho;
  return Math.min(P, fits >= unit ? Math.floor(fits / unit) * unit : Math.max(8, Math.floor(fits / 8) * 8));
}

function convForward(p: ConvPlan): Tensor {
  const k = kernels();
  const P = p.Ho * p.Wo;
  const planes = p.K * p.N;
  const ny = P * planes;
  if (p.w === null) return new Tensor(identityForward(p.x.data, p.b?.data ?? null, identityDims(p)), [p.Ho, p.Wo, p.K, p.N]);
  const scratch = k.conv_forward_scratch(...p.dims);
  const span = spanOf(p);
  const [px, pw, pb, py, ps] = reserve(WHO, p.x.numel, p.w.numel, p.b?.numel ?? 0, span * planes, scratch);
  write(px, p.x.data);
  write(pw, p.w.data);
  if (p.b !== null) write(pb, p.b.data);
  const bias = p.b === null ? 0 : pb;
  if (span === P) {
    k.conv_forward(px, pw, bias, py, ps, ...p.dims);
    return new Tensor(read(py, ny), [p.Ho, p.Wo, p.K, p.N]);
  }
  k.conv_forward_prepare(pw, ps, ...p.dims);
  const out = fresh(ny);
  const buf = new Float32Array(k.memory.buffer, py, span * planes);
  for (let p0 = 0; p0 < P; p0 += span) {
    const len = Math.min(span, P - p0);
    k.conv_forward_pixels(px, bias, py, ps, p0, p0 + len, len, ...p.dims);
    for (let q = 0; q < planes; q++) out.set(buf.subarray(q * len, (q + 1) * len), q * P + p0);
  }
  return new Tensor(out, [p.Ho, p.Wo, p.K, p.N]);
}

function convBackward(p: ConvPlan): ConvDerivatives {
  const k = kernels();
  const wantX = p.der.x;
  const wantW = p.der.w && p.w !== null;
  const wantB = p.der.b && p.b !== null;
  // x is only read for dzdw and w only for dzdx, and dzdy not at all when only the identity
  // bank's dzdx is wanted: reserve and copy just what the kernels will read.
  const needX = wantW;
  const needW = wantX && p.w !== null;
  const needP = needW || wantW || wantB;
  const scratch = Math.max(needW ? k.conv_backward_data_scratch(...p.dims) : 0,
    wantW ? k.conv_backward_filter_scratch(...p.dims) : 0);
  const nw = p.w?.numel ?? 0;
  const [px, pw, pp, pdx, pdw, pdb, ps] = reserve(WHO, needX ? p.x.numel : 0, needW ? nw : 0, needP ? p.dzdy!.numel : 0,
    needW ? p.x.numel : 0, wantW ? nw : 0, wantB ? p.K : 0, scratch);
  if (needX) write(px, p.x.data);
  if (needW) write(pw, p.w!.data);
  if (needP) write(pp, p.dzdy!.data);
  let dzdx: Tensor | null = null;
  let dzdw: Tensor | null = null;
  let dzdb: Tensor | null = null;
  if (wantX && p.w === null) dzdx = new Tensor(identityBackward(p.dzdy!.data, identityDims(p)), p.x.shape);
  if (needW) {
    k.conv_backward_data(pw, pp, pdx, ps, ...p.dims);
    dzdx = new Tensor(read(pdx, p.x.numel), p.x.shape);
  }
  if (wantW) {
    k.conv_backward_filter(px, pp, pdw, ps, ...p.dims);
    dzdw = new Tensor(read(pdw, nw), p.w!.shape);
  }
  if (wantB) {
    k.conv_backward_bias(pp, pdb, p.Ho * p.Wo, p.K, p.N);
    dzdb = new Tensor(read(pdb, p.K), p.b!.shape);
  }
  return { dzdx, dzdw, dzdb };
}

function identityDims(p: ConvPlan): IdentityDims {
  return { H: p.H, W: p.W, C: p.C, N: p.N, Ho: p.Ho, Wo: p.Wo, pt: p.pad[0], pl: p.pad[2], sy: p.stride[0], sx: p.stride[1] };
}
