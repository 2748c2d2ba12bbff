// Writes tests/conformance/expected.json: the conformance cases' expected
// outputs, computed by the naive reference loops of tests/ref/ (not by the
// kernels), from the inputs in tests/conformance/specs.mjs.
// Run: node --import tsx tools/make-conformance.ts
import { writeFileSync } from 'node:fs';
import { specs } from '../tests/conformance/specs.mjs';
import { randn } from '../src/tensor.js';
import { reluForwardRef, reluBackwardRef } from '../tests/ref/relu.js';
import { convForwardRef, convBackwardRef, convSizeRef, identityForwardRef, identityBackwardRef } from '../tests/ref/conv.js';
import { poolForwardRef, poolBackwardRef, poolOutSize } from '../tests/ref/pool.js';
import { convtForwardRef, convtBackwardRef, convtSizeRef } from '../tests/ref/convt.js';
import { bnormMomentsRef, bnormForwardRef, bnormBackwardRef } from '../tests/ref/bnorm.js';
import { dropoutMaskRef, dropoutApplyRef, uniformRef } from '../tests/ref/dropout.js';
import { pdistForwardRef, pdistBackwardRef } from '../tests/ref/pdist.js';
import { normalizeForwardRef, normalizeBackwardRef } from '../tests/ref/normalize.js';
import { spnormForwardRef, spnormBackwardRef } from '../tests/ref/spnorm.js';
import { noffsetForwardRef, noffsetBackwardRef } from '../tests/ref/noffset.js';
import { sigmoidForwardRef, sigmoidBackwardRef } from '../tests/ref/sigmoid.js';
import { softmaxForwardRef, softmaxBackwardRef } from '../tests/ref/softmax.js';
import { lossForwardRef, lossBackwardRef, softmaxLossForwardRef, softmaxLossBackwardRef, broadcast } from '../tests/ref/loss.js';

const arr = (a: Float32Array) => Array.from(a);
const four = (s: number[]) => [...s, 1, 1, 1].slice(0, 4);
const pair = (v: number | number[] | undefined, d: number) => (v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : v);
const quad = (v: number | number[] | undefined) => (v === undefined ? [0, 0, 0, 0] : typeof v === 'number' ? [v, v, v, v] : v);

function relu() {
  const s = specs.relu;
  const x = randn(s.shape, { seed: s.seeds[0] }).data;
  const p = randn(s.shape, { seed: s.seeds[1] }).data;
  return { y: arr(reluForwardRef(x, s.leak)), dzdx: arr(reluBackwardRef(x, p, s.leak)) };
}

function conv(s: typeof specs.conv | typeof specs.convPlain) {
  const [H, W, C, N] = four(s.x);
  const [FH, FW, FC, K] = four(s.w);
  const o = (s as typeof specs.conv).opts ?? {};
  const d = { H, W, C, N, FH, FW, FC, K, pad: quad(o.pad), stride: pair(o.stride, 1), dilate: pair(o.dilate, 1) };
  const x = randn(s.x, { seed: s.seeds[0] }).data;
  const w = randn(s.w, { seed: s.seeds[1] }).data;
  const hasB = 'b' in s;
  const b = hasB ? randn((s as typeof specs.conv).b, { seed: s.seeds[2] }).data : null;
  const { Ho, Wo } = convSizeRef(d);
  const p = randn([Ho, Wo, K, N], { seed: s.seeds[hasB ? 3 : 2] }).data;
  const g = convBackwardRef(x, w, p, d);
  return { size: [Ho, Wo, K, N], y: arr(convForwardRef(x, w, b, d)), dzdx: arr(g.dzdx), dzdw: arr(g.dzdw), dzdb: hasB ? arr(g.dzdb) : null };
}

function identity() {
  const s = specs.convIdentity;
  const [H, W, C, N] = four(s.x);
  const d = { H, W, C, N, FH: 1, FW: 1, FC: C, K: C, pad: s.opts.pad, stride: s.opts.stride, dilate: [1, 1] };
  const x = randn(s.x, { seed: s.seeds[0] }).data;
  const b = randn(s.b, { seed: s.seeds[1] }).data;
  const { Ho, Wo } = convSizeRef(d);
  const p = randn([Ho, Wo, C, N], { seed: s.seeds[2] }).data;
  const g = identityBackwardRef(p, d);
  return { size: [Ho, Wo, C, N], y: arr(identityForwardRef(x, b, d)), dzdx: arr(g.dzdx), dzdb: arr(g.dzdb) };
}

function pool(s: typeof specs.poolMax | typeof specs.poolWide) {
  const o = s.opts as { method?: 'max' | 'avg'; pad?: number[]; stride?: number[] };
  const params = { pool: pair(s.pool, 1) as [number, number], stride: pair(o.stride, 1) as [number, number],
    pad: quad(o.pad) as [number, number, number, number], method: o.method ?? 'max' };
  const shape = four(s.x);
  const x = randn(s.x, { seed: s.seeds[0] }).data;
  const [Ho, Wo] = poolOutSize(shape, params);
  const p = randn([Ho, Wo, shape[2], shape[3]], { seed: s.seeds[1] }).data;
  return { size: [Ho, Wo, shape[2], shape[3]], y: arr(poolForwardRef(x, shape, params)), dzdx: arr(poolBackwardRef(x, shape, p, params)) };
}

function convt() {
  const s = specs.convt;
  const [H, W, D, N] = four(s.x);
  const [FH, FW, K] = four(s.w);
  const d = { H, W, D, N, FH, FW, K, G: s.opts.numGroups, upsample: pair(s.opts.upsample, 1), crop: quad(s.opts.crop) };
  const [x, w, b] = [s.x, s.w, s.b].map((shape, i) => randn(shape, { seed: s.seeds[i] }).data);
  const { Ho, Wo, C } = convtSizeRef(d);
  const p = randn([Ho, Wo, C, N], { seed: s.seeds[3] }).data;
  const g = convtBackwardRef(x, w, p, d);
  return { size: [Ho, Wo, C, N], y: arr(convtForwardRef(x, w, b, d)), dzdx: arr(g.dzdx), dzdw: arr(g.dzdw), dzdb: arr(g.dzdb) };
}

function bnorm() {
  const s = specs.bnorm;
  const shape = four(s.x) as [number, number, number, number];
  const x = randn(s.x, { seed: s.seeds[0] }).data;
  const g = randn(s.g, { seed: s.seeds[1] }).data;
  const b = randn(s.b, { seed: s.seeds[2] }).data;
  const p = randn(s.x, { seed: s.seeds[3] }).data;
  const m = bnormMomentsRef(x, shape, s.epsilon);
  const r = bnormBackwardRef(x, shape, g, m.mu, m.sigma, p);
  return {
    y: arr(bnormForwardRef(x, shape, g, b, m.mu, m.sigma)), dzdx: arr(r.dzdx), dzdg: arr(r.dzdg), dzdb: arr(r.dzdb),
    moments: [...arr(m.mu), ...arr(m.sigma)],
  };
}

function dropout() {
  const s = specs.dropout;
  const n = four(s.x).reduce((a, d) => a * d, 1);
  const x = randn(s.x, { seed: s.seeds[0] }).data;
  const p = randn(s.x, { seed: s.seeds[1] }).data;
  const mask = dropoutMaskRef(uniformRef(n, s.seed), s.rate);
  return { mask: arr(mask), y: arr(dropoutApplyRef(x, mask)), dzdx: arr(dropoutApplyRef(p, mask)) };
}

function pdist() {
  const s = specs.pdist;
  const xs = four(s.x) as [number, number, number, number];
  const x0s = four(s.x0) as [number, number, number, number];
  const x = randn(s.x, { seed: s.seeds[0] }).data;
  const x0 = randn(s.x0, { seed: s.seeds[1] }).data;
  const w = randn(s.w, { seed: s.seeds[2] }).data;
  const o = { weights: { data: w, shape: four(s.w) as [number, number, number, number] } };
  const p = randn([xs[0], xs[1], 1, xs[3]], { seed: s.seeds[3] }).data;
  return { y: arr(pdistForwardRef(x, xs, x0, x0s, s.p, o)), dzdx: arr(pdistBackwardRef(x, xs, x0, x0s, s.p, p, o)) };
}

/** nnnormalize, nnspnorm, nnnoffset: y and dzdx of the float64 references, rounded to float32. */
function channelNorms() {
  const out: Record<string, { y: number[]; dzdx: number[] }> = {};
  const blocks = {
    normalize: [normalizeForwardRef, normalizeBackwardRef],
    spnorm: [spnormForwardRef, spnormBackwardRef],
    noffset: [noffsetForwardRef, noffsetBackwardRef],
  } as const;
  for (const [key, [fwd, bwd]] of Object.entries(blocks)) {
    const s = specs[key as keyof typeof blocks];
    const shape = four(s.x);
    const x = randn(s.x, { seed: s.seeds[0] }).data;
    const p = randn(s.x, { seed: s.seeds[1] }).data;
    const param = s.param.map(Math.fround) as never;
    out[key] = { y: f32(fwd(x, shape, param)), dzdx: f32(bwd(x, shape, param, p).dzdx) };
  }
  return out;
}

// Issue 10: sigmoid, softmax, loss, softmaxloss (float64 references rounded to float32).
const f32 = (a: ArrayLike<number>) => Array.from(Float32Array.from(a));
type S4 = [number, number, number, number];

function sigmoid() {
  const s = specs.sigmoid;
  const x = Float32Array.from(randn(s.shape, { seed: s.seeds[0] }).data, (v) => v * s.scale);
  const p = randn(s.shape, { seed: s.seeds[1] }).data;
  return { y: f32(sigmoidForwardRef(x)), dzdx: f32(sigmoidBackwardRef(x, p)) };
}

function softmax() {
  const s = specs.softmax;
  return s.shapes.map((shape) => {
    const x = randn(shape, { seed: s.seeds[0] }).data;
    const p = randn(shape, { seed: s.seeds[1] }).data;
    return { y: f32(softmaxForwardRef(x, shape as S4)), dzdx: f32(softmaxBackwardRef(x, shape as S4, p)) };
  });
}

function loss() {
  const s = specs.loss;
  const shape = s.x as S4;
  const x = randn(shape, { seed: s.seeds[0] }).data;
  const dzdy = randn([1], { seed: s.seeds[1] }).data[0];
  const attr = Array.from(randn(shape, { seed: s.seeds[2] }).data, Math.sign);
  return s.cases.map((o) => {
    const c = o.attribute ? attr : s.classes;
    const Cl = o.attribute ? shape[2] : 1;
    const weights = o.instanceWeights ? broadcast(o.instanceWeights, [1, 1, 1, 2], [shape[0], shape[1], Cl, shape[3]]) : undefined;
    const ro = { loss: o.loss, weights, classWeights: o.classWeights };
    return { y: f32([lossForwardRef(x, shape, c, ro)])[0], dzdx: f32(lossBackwardRef(x, shape, c, dzdy, ro)) };
  });
}

function softmaxloss() {
  const s = specs.softmaxloss;
  const shape = s.x as S4;
  const x = randn(shape, { seed: s.seeds[0] }).data;
  const dzdy = randn([1], { seed: s.seeds[1] }).data[0];
  return { y: f32([softmaxLossForwardRef(x, shape, s.c, 2)])[0], dzdx: f32(softmaxLossBackwardRef(x, shape, s.c, 2, dzdy)) };
}

const expected = {
  note: 'Generated by tools/make-conformance.ts from the reference loops in tests/ref/; do not edit.',
  randnSeed1: arr(randn([6], { seed: 1 }).data),
  relu: relu(),
  conv: conv(specs.conv),
  convPlain: conv(specs.convPlain),
  convIdentity: identity(),
  poolMax: pool(specs.poolMax),
  poolAvg: pool(specs.poolAvg),
  poolWide: pool(specs.poolWide),
  convt: convt(),
  bnorm: bnorm(),
  dropout: dropout(),
  pdist: pdist(),
  ...channelNorms(),
  sigmoid: sigmoid(),
  softmax: softmax(),
  loss: loss(),
  softmaxloss: softmaxloss(),
};
writeFileSync(new URL('../tests/conformance/expected.json', import.meta.url), JSON.stringify(expected) + '\n');
console.log('tests/conformance/expected.json written');

// A 16-bit RGB PNG encoded by pngjs (not by src/image/png.ts, which imread uses), so
// the decode case cannot share a decoder's bug. 3x2 pixels, values known.
import { PNG } from 'pngjs';
const png = new PNG({ width: 3, height: 2, bitDepth: 16, colorType: 2, inputColorType: 2, inputHasAlpha: false });
const pixels: number[] = [];
for (let i = 0; i < 2 * 3 * 3; i++) pixels.push((i * 3851 + 17) % 65536);
// pngjs takes 16-bit samples as native (little-endian) uint16 and writes them big-endian.
png.data = Buffer.from(new Uint16Array(pixels).buffer);
const bytes = PNG.sync.write(png, { bitDepth: 16, colorType: 2, inputColorType: 2, inputHasAlpha: false });
writeFileSync(new URL('../tests/conformance/fixtures.json', import.meta.url), JSON.stringify({
  note: 'Generated by tools/make-conformance.ts with pngjs; do not edit.',
  rgb16: { base64: bytes.toString('base64'), width: 3, height: 2, channels: 3, bitDepth: 16, pixels },
}) + '\n');
console.log('tests/conformance/fixtures.json written');
