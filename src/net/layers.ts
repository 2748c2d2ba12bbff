// simplenn's table of layer kinds (NETWORKS.md §1.4, §1.6): for each type, tidy's defaults and a plan
// made from shapes alone, whose forward and backward run the block's resident runners on byte
// addresses of WebAssembly memory. simplenn.ts holds the loops and knows no layer type.

import { isTensor, type Shape4, type Tensor } from '../tensor.js';
import { show, tagOf } from '../options.js';
import {
  planConv, convForward, convForwardScratch, convBackwardData, convBackwardDataScratch, convBackwardFilter,
  convBackwardFilterScratch, convBackwardBias, type ConvOptions, type ConvPlan,
} from '../blocks/conv.js';
import { identityBackward, identityForward } from '../blocks/conv-identity.js';
import {
  planConvt, convtForward, convtForwardScratch, convtBackwardData, convtBackwardDataScratch, convtBackwardFilter,
  convtBackwardFilterScratch, convtBackwardBias, type ConvtOptions,
} from '../blocks/convt.js';
import {
  copyFloats, field, numberField, numel, view, weight, type HostKind, type LayerKind, type LayerPlan, type ResidentKind,
} from './kind.js';
import { planBnorm, bnormForward, bnormBackward } from '../blocks/bnorm.js';
import { planDropout, dropoutMask, dropoutForward, dropoutBackward } from '../blocks/dropout.js';
import { planPdist, pdistForward, pdistBackward } from '../blocks/pdist.js';
import { planNormalize, normalizeScratch, normalizeForward, normalizeBackward } from '../blocks/normalize.js';
import { planNoffset, noffsetScratch, noffsetForward, noffsetBackward } from '../blocks/noffset.js';
import { planSpnorm, spnormScratch, spnormForward, spnormBackward } from '../blocks/spnorm.js';
import { planSigmoid, sigmoidForward, sigmoidBackward } from '../blocks/sigmoid.js';
import { planSoftmax, softmaxForward, softmaxBackward } from '../blocks/softmax.js';
import { planLoss, lossForward, lossBackward } from '../blocks/loss.js';
import { planSoftmaxLoss, softmaxLossForward, softmaxLossBackward } from '../blocks/softmaxloss.js';
import { labelValues, type LabelValues } from '../blocks/labels.js';
import { planPool, poolBackward, poolForward, poolScratch, type PoolOptions } from '../blocks/pool.js';
import { planRelu, reluBackward, reluForward } from '../blocks/relu.js';
import { DEFAULTS } from './defaults.js';
import { LAYER_TYPES, type CustomLayer, type LayerType } from './types.js';

const conv: ResidentKind = {
  defaults: DEFAULTS.conv,
  plan(ly, x, ctx) {
    const w = weight(ly, 0, false);
    const b = weight(ly, 1, false);
    // MatConvNet passes layer.opts (cuDNN settings and the like) on to vl_nnconv; nnconv has none of them.
    const opts = { pad: field(ly, 'pad'), stride: field(ly, 'stride'), dilate: field(ly, 'dilate') } as ConvOptions;
    const f = planConv(x, w?.shape ?? null, b?.shape ?? null, null, opts);
    const y: Shape4 = [f.Ho, f.Wo, f.K, f.N];
    const p = ctx.backward ? planConv(x, w?.shape ?? null, b?.shape ?? null, y, opts) : f;
    const inputs = [w, b].filter((t): t is Tensor => t !== null).map((t) => t.data);
    const dzdw = [w === null ? null : w.shape, b === null ? null : b.shape];
    if (p.identity) return identityConv(p, y, inputs, dzdw, b !== null, ctx.dzdx);
    const pb = b === null ? -1 : 1;
    return {
      y, inputs, dzdw, aux: null,
      scratch: Math.max(convForwardScratch(p), ctx.backward ? Math.max(convBackwardDataScratch(p), convBackwardFilterScratch(p)) : 0),
      forward: (a) => convForward(p, a.x, a.inputs[0], pb < 0 ? 0 : a.inputs[pb], a.y, a.scratch),
      backward: (a) => {
        if (ctx.dzdx) convBackwardData(p, a.inputs[0], a.dzdy, a.dzdx, a.scratch);
        convBackwardFilter(p, a.x, a.dzdy, a.dzdw[0], a.scratch);
        if (pb > 0) convBackwardBias(p, a.dzdy, a.dzdw[1]);
      },
    };
  },
};

/** MatConvNet's identity filter bank (empty filters): nnconv computes it in JS (conv-identity.ts), here on views. */
function identityConv(p: ConvPlan, y: Shape4, inputs: Float32Array[], dzdw: (Shape4 | null)[], bias: boolean, dzdx: boolean): LayerPlan {
  const d = { H: p.H, W: p.W, C: p.C, N: p.N, Ho: p.Ho, Wo: p.Wo, pt: p.pad[0], pl: p.pad[2], sy: p.stride[0], sx: p.stride[1] };
  const nx = p.H * p.W * p.C * p.N;
  const ny = p.Ho * p.Wo * p.K * p.N;
  return {
    y, inputs, dzdw, aux: null, scratch: 0,
    forward: (a) => view(a.y, ny).set(identityForward(view(a.x, nx), bias ? view(a.inputs[0], p.K) : null, d)),
    backward: (a) => {
      if (dzdx) view(a.dzdx, nx).set(identityBackward(view(a.dzdy, ny), d));
      if (bias) convBackwardBias(p, a.dzdy, a.dzdw[1]);
    },
  };
}

const convt: ResidentKind = {
  defaults: DEFAULTS.convt,
  plan(ly, x, ctx) {
    const w = weight(ly, 0, true)!;
    const b = weight(ly, 1, false);
    const opts = { upsample: field(ly, 'upsample'), crop: field(ly, 'crop'), numGroups: field(ly, 'numGroups') } as ConvtOptions;
    const f = planConvt(x, w.shape, b?.shape ?? null, null, opts);
    const y: Shape4 = [f.Ho, f.Wo, f.K * f.G, f.N];
    const p = ctx.backward ? planConvt(x, w.shape, b?.shape ?? null, y, opts) : f;
    return {
      y, inputs: b === null ? [w.data] : [w.data, b.data], dzdw: [w.shape, b === null ? null : b.shape], aux: null,
      scratch: Math.max(convtForwardScratch(p), ctx.backward ? Math.max(convtBackwardDataScratch(p), convtBackwardFilterScratch(p)) : 0),
      forward: (a) => convtForward(p, a.x, a.inputs[0], b === null ? 0 : a.inputs[1], a.y, a.scratch),
      backward: (a) => {
        if (ctx.dzdx) convtBackwardData(p, a.inputs[0], a.dzdy, a.dzdx, a.scratch);
        convtBackwardFilter(p, a.x, a.dzdy, a.dzdw[0], a.scratch);
        if (b !== null) convtBackwardBias(p, a.dzdy, a.dzdw[1]);
      },
    };
  },
};
const pool: ResidentKind = {
  defaults: DEFAULTS.pool,
  plan(ly, x, ctx) {
    const opts = { method: field(ly, 'method'), pad: field(ly, 'pad'), stride: field(ly, 'stride') } as PoolOptions;
    const f = planPool(x, field(ly, 'pool'), null, opts);
    const y: Shape4 = [f.Ho, f.Wo, f.C, f.N];
    const p = ctx.backward ? planPool(x, field(ly, 'pool'), y, opts) : f;
    // NOTE: the avg backward kernel scales dzdy in place, and dzdy is res[l + 1].dzdx: it gets a copy
    // of dzdy placed after its own scratch (16-byte aligned), so the run's dzdy stays as it was.
    const copyAt = p.method === 'avg' && ctx.backward ? Math.ceil(poolScratch(p) / 4) * 4 : -1;
    const ny = numel(y);
    return {
      y, inputs: [], dzdw: [], aux: null, scratch: copyAt < 0 ? poolScratch(p) : copyAt + ny,
      forward: (a) => poolForward(p, a.x, a.y, a.scratch),
      backward: (a) => {
        if (copyAt < 0) { poolBackward(p, a.x, a.dzdy, a.dzdx, a.scratch); return; }
        const q = a.scratch + 4 * copyAt;
        copyFloats(a.dzdy, q, ny);
        poolBackward(p, a.x, q, a.dzdx, a.scratch);
      },
    };
  },
};

/** A block with a `param` field whose output is the size of x: normalize/lrn, noffset, spnorm. */
function withParam<P>(type: LayerType, plan: (x: Shape4, param: unknown, dzdy: Shape4 | null) => P, scratch: (p: P) => number,
  forward: (p: P, px: number, py: number, ps: number) => void,
  backward: (p: P, px: number, pdzdy: number, pdzdx: number, ps: number) => void): ResidentKind {
  return {
    defaults: DEFAULTS[type],
    plan(ly, x, ctx) {
      const p = plan(x, field(ly, 'param'), ctx.backward ? x : null);
      return { y: x, inputs: [], dzdw: [], aux: null, scratch: scratch(p),
        forward: (a) => forward(p, a.x, a.y, a.scratch), backward: (a) => backward(p, a.x, a.dzdy, a.dzdx, a.scratch) };
    },
  };
}

const normalize = withParam('normalize', planNormalize, normalizeScratch, normalizeForward, normalizeBackward);
const lrn = withParam('lrn', planNormalize, normalizeScratch, normalizeForward, normalizeBackward);
const noffset = withParam('noffset', planNoffset, noffsetScratch, noffsetForward, noffsetBackward);
const spnorm = withParam('spnorm', planSpnorm, spnormScratch, spnormForward, spnormBackward);

/** A block without weights or options whose output is the size of x: sigmoid, softmax. */
function plain<P>(type: LayerType, plan: (x: Shape4, dzdy: Shape4 | null) => P,
  forward: (p: P, px: number, py: number) => void, backward: (p: P, px: number, pdzdy: number, pdzdx: number) => void): ResidentKind {
  return {
    defaults: DEFAULTS[type],
    plan(_ly, x, ctx) {
      const p = plan(x, ctx.backward ? x : null);
      return { y: x, inputs: [], dzdw: [], aux: null, scratch: 0,
        forward: (a) => forward(p, a.x, a.y), backward: (a) => backward(p, a.x, a.dzdy, a.dzdx) };
    },
  };
}

const sigmoid = plain('sigmoid', planSigmoid, sigmoidForward, sigmoidBackward);
const softmax = plain('softmax', planSoftmax, softmaxForward, softmaxBackward);

/** loss and softmaxloss: labels from `class`, computed in JavaScript on views of the run's memory. */
function lossKind<P>(type: LayerType, plan: (x: Shape4, c: unknown, dzdy: Shape4 | null) => P,
  forward: (p: P, px: number, c: LabelValues, py: number) => void,
  backward: (p: P, px: number, c: LabelValues, pdzdy: number, pdzdx: number) => void): ResidentKind {
  return {
    defaults: DEFAULTS[type],
    volatile: true,
    plan(ly, x, ctx) {
      const c = field(ly, 'class');
      const p = plan(x, c, ctx.backward ? [1, 1, 1, 1] : null);
      const v = labelValues(c);
      return { y: [1, 1, 1, 1], inputs: [], dzdw: [], aux: null, scratch: 0,
        forward: (a) => forward(p, a.x, v, a.y), backward: (a) => backward(p, a.x, v, a.dzdy, a.dzdx) };
    },
  };
}

// vl_simplenn calls vl_nnloss(x, class) with no options: a 'loss' layer is the softmax-log loss
// (NETWORKS.md, surprise 3), whatever its help text says.
const loss = lossKind('loss', (x, c, d) => planLoss(x, c, d, undefined), lossForward, lossBackward);
const softmaxloss = lossKind('softmaxloss', planSoftmaxLoss, softmaxLossForward, softmaxLossBackward);

const relu: ResidentKind = {
  defaults: DEFAULTS.relu,
  plan(ly, x, ctx) {
    // vl_simplenn passes the leak only when it is > 0: a negative leak is a plain ReLU.
    const leak = numberField(ly, 'leak');
    const p = planRelu(x, ctx.backward ? x : null, { leak: leak > 0 ? leak : 0 });
    return {
      y: x, inputs: [], dzdw: [], aux: null, scratch: 0,
      forward: (a) => reluForward(p, a.x, a.y),
      backward: (a) => reluBackward(p, a.x, a.dzdy, a.dzdx),
    };
  },
};

const dropout: ResidentKind = {
  defaults: DEFAULTS.dropout,
  plan(ly, x, ctx) {
    const n = numel(x);
    // vl_simplenn's test mode passes x through (y = x, dzdx = dzdy) and leaves aux alone.
    if (ctx.test) {
      return { y: x, inputs: [], dzdw: [], aux: null, scratch: 0,
        forward: (a) => copyFloats(a.x, a.y, n), backward: (a) => copyFloats(a.dzdy, a.dzdx, n) };
    }
    // Each forward pass draws a new mask from the package's shared stream (MATLAB's rand), kept in res[l + 1].aux.
    const f = planDropout(x, null, { rate: numberField(ly, 'rate') });
    const b = ctx.backward ? planDropout(x, x, { mask: x }) : f;
    return {
      y: x, inputs: [], dzdw: [], aux: x, scratch: 0,
      forward: (a) => { dropoutMask(f, a.aux); dropoutForward(f, a.x, a.aux, a.y); },
      backward: (a) => dropoutBackward(b, a.dzdy, a.aux, a.dzdx),
    };
  },
};

const bnorm: ResidentKind = {
  defaults: DEFAULTS.bnorm,
  plan(ly, x, ctx) {
    const g = weight(ly, 0, true)!;
    const b = weight(ly, 1, true)!;
    const epsilon = numberField(ly, 'epsilon');
    // Test mode normalises with the stored moments; the backward pass (even in test mode, as in
    // vl_simplenn) recomputes the batch's and returns them as dzdw[2], times N (beta25: additive
    // over sub-batches; cnnTrain divides by the batch size).
    const m = ctx.test ? weight(ly, 2, true)! : null;
    const f = planBnorm(x, g.shape, b.shape, null, m === null ? { epsilon } : { epsilon, moments: m.shape });
    const p = ctx.backward ? planBnorm(x, g.shape, b.shape, x, { epsilon }) : f;
    const C = x[2];
    const N = x[3];
    return {
      y: x, inputs: m === null ? [g.data, b.data] : [g.data, b.data, m.data], dzdw: [g.shape, b.shape, [C, 2, 1, 1]],
      aux: null, scratch: m === null ? 2 * C : 0,
      forward: (a) => bnormForward(f, a.x, a.inputs[0], a.inputs[1], a.y, m === null ? a.scratch : a.inputs[2]),
      backward: (a) => {
        bnormBackward(p, a.x, a.inputs[0], a.dzdy, a.dzdx, a.dzdw[0], a.dzdw[1], a.dzdw[2]);
        const moments = view(a.dzdw[2], 2 * C);
        for (let i = 0; i < moments.length; i++) moments[i] *= N;
      },
    };
  },
};

const pdist: ResidentKind = {
  defaults: DEFAULTS.pdist,
  plan(ly, x, ctx) {
    const x0 = field(ly, 'class');
    if (!isTensor(x0)) throw new Error(`class (the target x0 of pdist) must be a Tensor, got ${tagOf(x0)}`);
    const iw = ly.instanceWeights;
    const w = iw === null || iw === undefined || (isTensor(iw) && iw.numel === 0) ? null : iw;
    if (w !== null && !isTensor(w)) throw new Error(`instanceWeights must be a Tensor or null, got ${tagOf(w)}`);
    const opts = { noRoot: field(ly, 'noRoot') as boolean, epsilon: numberField(ly, 'epsilon'), aggregate: field(ly, 'aggregate') as boolean,
      ...(w === null ? {} : { instanceWeights: w.shape }) };
    const f = planPdist(x, x0.shape, field(ly, 'p'), null, opts);
    const p = ctx.backward ? planPdist(x, x0.shape, field(ly, 'p'), f.yShape, opts) : f;
    return {
      y: f.yShape, inputs: w === null ? [x0.data] : [x0.data, w.data], dzdw: [], aux: null, scratch: 0,
      forward: (a) => pdistForward(f, a.x, a.inputs[0], a.y, w === null ? 0 : a.inputs[1]),
      backward: (a) => pdistBackward(p, a.x, a.inputs[0], a.dzdy, a.dzdx, null, w === null ? 0 : a.inputs[1]),
    };
  },
};

const custom: HostKind = {
  defaults: DEFAULTS.custom,
  host: {
    check(ly) {
      for (const f of ['forward', 'backward']) {
        if (typeof ly[f] !== 'function') throw new Error(`a custom layer needs a function '${f}', got ${tagOf(ly[f])}`);
      }
    },
    forward: (ly, a, b) => (ly as CustomLayer).forward(ly as CustomLayer, a, b),
    backward: (ly, a, b) => (ly as CustomLayer).backward(ly as CustomLayer, a, b),
  },
};

/**
 * One entry per layer type of vl_simplenn (NETWORKS.md §1.4): a missing type or a second entry for
 * one is a compile error.
 */
export const LAYERS = {
  conv, convt, pool, normalize, lrn, spnorm, softmax, loss, softmaxloss, relu, sigmoid, noffset, dropout, bnorm, pdist, custom,
} satisfies Record<LayerType, LayerKind>;

/** The kind of `type`, or an Error that says which types exist. */
export function kindOf(type: unknown): LayerKind {
  if (typeof type !== 'string' || !(LAYER_TYPES as readonly string[]).includes(type)) {
    throw new Error(`unknown type ${show(type)}; the types are ${LAYER_TYPES.map((t) => `'${t}'`).join(', ')}`);
  }
  return LAYERS[type as LayerType];
}
