import { beforeAll, describe, expect, it } from 'vitest';
import { init, nnloss, randn, Tensor, checkDerivativeElementwise, type LossType, type LossOptions } from '../src/index.js';
import { planLoss, lossForward, lossBackward } from '../src/blocks/loss.js';
import { labelValues } from '../src/blocks/labels.js';
import { reserve, write, read } from '../src/wasm.js';
import { lossForwardRef, lossBackwardRef, repmatLabels, broadcast, type Shape4, type LossRefOptions } from './ref/loss.js';
import { distinct, expectExact } from './helpers.js';
import { numder64, expectNear, uniform } from './numerics.js';

beforeAll(() => init());

const CATEGORICAL: LossType[] = ['classerror', 'topkerror', 'log', 'softmaxlog', 'mhinge', 'mshinge'];
const ATTRIBUTE: LossType[] = ['binaryerror', 'binarylog', 'logistic', 'hinge'];
const KINKED = ['classerror', 'topkerror', 'mhinge', 'mshinge', 'binaryerror', 'hinge'];
/** The spacing of float32 numbers at |v|. */
const ulp32 = (v: number): number => {
  const f = new Float32Array([Math.abs(v)]);
  new Int32Array(f.buffer)[0] += 1;
  return f[0] - Math.abs(Math.fround(v));
};
const one = (v: number): Tensor => new Tensor(Float32Array.of(v), [1, 1]);
const t4 = (data: ArrayLike<number>, shape: readonly number[]): Tensor => new Tensor(Float32Array.from(data), shape);

interface Case { x: Tensor; c: Tensor; iw: Tensor; dzdy: Tensor; s: Shape4 }

/**
 * MatConvNet's nnloss.m getx: 4x5 pixels, 3 images; 3 classes with one label per pixel, or
 * 5 attributes of +-1; instance weights rand(h, w) / (h w) (rand(h, w, 5) / (h w 5) for
 * attributes); x as it draws it per loss. Losses with kinks get distinct values on a grid
 * of 0.047 offset by 0.02, at least 0.007 from every kink and tie (steps of 1e-3 stay clear).
 */
function getx(loss: string, seed: number): Case {
  const [h, w, N] = [4, 5, 3];
  const attr = ATTRIBUTE.includes(loss as LossType);
  const C = attr ? 5 : 3;
  const s: Shape4 = [h, w, C, N];
  const n = h * w * C * N;
  const u = uniform(n, seed);
  let x: Tensor;
  if (KINKED.includes(loss)) x = distinct([...s], seed, 0.047, 0.02 - 0.047 * Math.floor(n / 2));
  else if (loss === 'log') {
    const v = Array.from(u, (a) => a * 0.6 + 0.2);
    for (let q = 0; q < N; q++) for (let p = 0; p < h * w; p++) {
      let sum = 0;
      for (let k = 0; k < C; k++) sum += v[p + h * w * (k + C * q)];
      for (let k = 0; k < C; k++) v[p + h * w * (k + C * q)] /= sum;
    }
    x = t4(v, s);
  } else if (loss === 'binarylog') x = t4(Array.from(u, (a) => a * 0.6 + 0.2), s);
  else x = randn(s, { seed });
  const r = uniform(n, seed + 1);
  const c = attr ? t4(Array.from(randn(s, { seed: seed + 2 }).data, Math.sign), s)
    : t4(Array.from(r.subarray(0, h * w * N), (a) => 1 + Math.floor(a * C)), [h, w, 1, N]);
  const iw = attr ? t4(Array.from(uniform(h * w * C, seed + 3), (a) => a / (h * w * C)), [h, w, C])
    : t4(Array.from(uniform(h * w, seed + 3), (a) => a / (h * w)), [h, w]);
  return { x, c, iw, dzdy: one(randn([1], { seed: seed + 4 }).data[0]), s };
}

/** c .* (randn(size(c)) > 0): about half the labels ignored. */
function nullify(c: Tensor, seed: number): Tensor {
  const r = randn(c.shape, { seed });
  return t4(Array.from(c.data, (v, i) => (r.data[i] > 0 ? v : 0)), c.shape);
}

function refOpts(loss: string, s: Shape4, iw: Tensor | null, extra: Partial<LossRefOptions> = {}): LossRefOptions {
  const Cl = ATTRIBUTE.includes(loss as LossType) ? s[2] : 1;
  return { loss, ...extra, weights: iw === null ? undefined : broadcast(iw.data, iw.shape, [s[0], s[1], Cl, s[3]]) };
}

/** Forward within 1 float32 ulp of the float64 reference, backward element-wise within 1 ulp. */
function checkAgainstRef(x: Tensor, c: Tensor, cFull: ArrayLike<number>, dzdy: Tensor, opts: LossOptions, ro: LossRefOptions): void {
  const y = nnloss(x, c, opts);
  expect(y.shape).toEqual([1, 1, 1, 1]);
  const yr = lossForwardRef(x.data, x.shape, cFull, ro);
  expectNear(y.data, [yr], 2 ** -23, 1e-45, `${ro.loss} y`);
  const d = nnloss(x, c, dzdy, opts);
  expect(d.shape).toEqual(x.shape);
  expectNear(d.data, lossBackwardRef(x.data, x.shape, cFull, dzdy.data[0], ro), 2 ** -23, 1e-45, `${ro.loss} dzdx`);
}

describe("nnloss on MatConvNet's grid (nnloss.m: every loss, weighed or not, with and without ignored labels)", () => {
  for (const loss of [...CATEGORICAL, ...ATTRIBUTE]) {
    for (const weighed of [false, true]) {
      for (const nulls of [false, true]) {
        it(`${loss}, ${weighed ? 'instance weights' : 'no weights'}, ${nulls ? 'null categories' : 'all labelled'}`, () => {
          const k = getx(loss, 7 + loss.length);
          const c = nulls ? nullify(k.c, 99) : k.c;
          // topK 2: MatConvNet's grid has 3 classes, and topK may not exceed them
          const base: LossOptions = loss === 'topkerror' ? { loss, topK: 2 } : { loss };
          const opts: LossOptions = weighed ? { ...base, instanceWeights: k.iw } : base;
          const ro = refOpts(loss, k.s, weighed ? k.iw : null, { topK: 2 });
          checkAgainstRef(k.x, c, c.data, k.dzdy, opts, ro);
          // MatConvNet's test.der: element-wise forward differences of the block itself.
          const d = nnloss(k.x, c, k.dzdy, opts);
          const delta = loss === 'log' ? 1e-4 : 1e-3;
          // MatConvNet's default tolerance, but at least the float32 rounding of the loss
          // (a sum of up to 300 terms) that each difference carries: 2 |dzdy| ulp(y) / delta.
          const y = nnloss(k.x, c, opts).data[0];
          const tau = -(2 * Math.abs(k.dzdy.data[0]) * ulp32(y)) / delta;
          const r = checkDerivativeElementwise((t) => nnloss(t, c, opts), k.x, k.dzdy, d, { delta, tau });
          expect(r.ok, `forward differences: worst ${r.worst} > ${r.tolerance} at ${r.at}`).toBe(true);
          // and the strong check: float64 central differences of the reference
          const num = numder64((t) => lossForwardRef(t, k.s, c.data, ro), k.x.data, k.dzdy.data, 1e-6);
          expectNear(d.data, num, 1e-6, 1e-7, `${loss} dzdx vs float64 differences`);
        });
      }
    }
    it(`${loss}: zero instance weights give a zero loss and derivative (nnloss.m instanceWeights)`, () => {
      const k = getx(loss, 3);
      const c = nullify(k.c, 5);
      const opts = { loss, topK: 2, instanceWeights: t4(new Float32Array(k.iw.numel), k.iw.shape) };
      expect(nnloss(k.x, c, opts).data[0]).toBe(0);
      expect(nnloss(k.x, c, k.dzdy, opts).data.every((v) => v === 0)).toBe(true);
    });
  }
});

describe('nnloss label forms', () => {
  const x = randn([3, 2, 4, 5], { seed: 1 });
  const perImage = [2, 4, 0, 1, 3];
  const full = repmatLabels(perImage, 3, 2, 1, 5);
  const d1 = one(0.7);

  it('N labels (array, typed arrays, Tensors of any shape) equal the per-pixel form, forward and backward', () => {
    const want = nnloss(x, t4(full, [3, 2, 1, 5]));
    const wantD = nnloss(x, t4(full, [3, 2, 1, 5]), d1);
    for (const c of [perImage, Int32Array.from(perImage), Uint8Array.from(perImage), Float64Array.from(perImage),
      t4(perImage, [1, 5]), t4(perImage, [5, 1]), t4(perImage, [1, 1, 1, 5])]) {
      expectExact(nnloss(x, c).data, want.data, `y for ${Object.prototype.toString.call(c)}`);
      expectExact(nnloss(x, c, d1).data, wantD.data, 'dzdx');
    }
    checkAgainstRef(x, t4(perImage, [1, 5]), full, d1, {}, { loss: 'softmaxlog' });
  });

  it('per-pixel labels as an array of H*W*N values are read column-major', () => {
    const c = Array.from(uniform(30, 4), (a) => Math.floor(a * 5));
    expectExact(nnloss(x, c).data, nnloss(x, t4(c, [3, 2, 1, 5])).data, 'y');
    checkAgainstRef(x, t4(c, [3, 2, 1, 5]), c, d1, { loss: 'mshinge' }, { loss: 'mshinge' });
  });

  it('attribute losses: [H, W, C, N] of +-1/0, or N labels when C = 1', () => {
    const c = Array.from(randn([3, 2, 4, 5], { seed: 8 }).data, (v) => (Math.abs(v) < 0.3 ? 0 : Math.sign(v)));
    for (const loss of ATTRIBUTE) {
      expectExact(nnloss(x, c, { loss }).data, nnloss(x, t4(c, [3, 2, 4, 5]), { loss }).data, loss);
      checkAgainstRef(x, t4(c, [3, 2, 4, 5]), c, d1, { loss }, { loss });
    }
    const x1 = randn([2, 2, 1, 3], { seed: 9 });
    const c1 = [1, -1, 1];
    checkAgainstRef(x1, t4(c1, [1, 3]), repmatLabels(c1, 2, 2, 1, 3), d1, { loss: 'logistic' }, { loss: 'logistic' });
  });
});

describe('nnloss options', () => {
  const x = randn([2, 3, 4, 2], { seed: 3 });
  const c = [3, 1];
  const full = repmatLabels(c, 2, 3, 1, 2);

  it('arity: an undefined dzdy slot means forward with the options after it; more is an Error', () => {
    expectExact(nnloss(x, c, undefined, { loss: 'mhinge' }).data, nnloss(x, c, { loss: 'mhinge' }).data, 'forward');
    expect(() => nnloss(x, c, { loss: 'log' }, {} as never)).toThrow(/nnloss: unexpected argument after the options: Object/);
    expect(() => nnloss(x, c, new Float32Array(1) as never)).toThrow(/nnloss: dzdy must be a Tensor .* got Float32Array/);
  });

  it("defaults to 'softmaxlog', names in any case", () => {
    expectExact(nnloss(x, c).data, nnloss(x, c, { loss: 'softmaxlog' }).data, 'default');
    expectExact(nnloss(x, c, { loss: 'SoftMaxLog' as LossType }).data, nnloss(x, c).data, 'case');
  });

  it('instance weights: a number, N values, one per label, or a broadcasting Tensor', () => {
    const per = [0.5, 2];
    const wFull = repmatLabels(per, 2, 3, 1, 2);
    const want = lossForwardRef(x.data, x.shape, full, { loss: 'softmaxlog', weights: wFull });
    for (const iw of [per, Float32Array.from(per), t4(per, [1, 1, 1, 2]), Array.from(wFull), t4(wFull, [2, 3, 1, 2])]) {
      expectNear(nnloss(x, c, { instanceWeights: iw }).data, [want], 2 ** -23, 0, 'weighted y');
    }
    const y1 = nnloss(x, c).data[0];
    expectNear(nnloss(x, c, { instanceWeights: 0.25 }).data, [y1 * 0.25], 2 ** -23, 0, 'scalar weight');
    const row = t4([1, 2, 3], [1, 3]); // broadcast along H and N
    checkAgainstRef(x, t4(c, [1, 2]), full, one(1.5), { instanceWeights: row },
      { loss: 'softmaxlog', weights: broadcast(row.data, row.shape, [2, 3, 1, 2]) });
  });

  it('class weights scale the terms of their class (attribute losses: of their channel)', () => {
    const cw = [0.5, 0, 2, 1.5];
    for (const loss of CATEGORICAL) {
      checkAgainstRef(x, t4(c, [1, 2]), full, one(-0.8), { loss, classWeights: cw, instanceWeights: [1, 3], topK: 2 },
        { loss, classWeights: cw, weights: repmatLabels([1, 3], 2, 3, 1, 2), topK: 2 });
    }
    // weights of 1 change nothing; a weight per class picks out that class's pixels
    expectExact(nnloss(x, c, { classWeights: [1, 1, 1, 1] }).data, nnloss(x, c).data, 'ones');
    const only3 = nnloss(x, c, { classWeights: [0, 0, 1, 0] }).data[0];
    expectNear([only3], [nnloss(x, [3, 0]).data[0]], 2 ** -23, 0, 'class 3 alone');
    const a = Array.from(randn([2, 3, 4, 2], { seed: 4 }).data, Math.sign);
    for (const loss of ATTRIBUTE) {
      checkAgainstRef(x, t4(a, [2, 3, 4, 2]), a, one(0.9), { loss, classWeights: cw }, { loss, classWeights: cw });
    }
  });

  it('topkerror: K = 1 is classerror, K = C is never an error; ties keep the lower class first', () => {
    const xs = distinct([2, 3, 4, 2], 5, 0.25, -3);
    expect(nnloss(xs, c, { loss: 'topkerror', topK: 1 }).data[0]).toBe(nnloss(xs, c, { loss: 'classerror' }).data[0]);
    expect(nnloss(xs, c, { loss: 'topkerror', topK: 4 }).data[0]).toBe(0);
    // all four scores equal: the sort keeps 1, 2, 3, 4, so class 3 is in the top 3 but not the top 2
    const flat = t4(new Float32Array(4).fill(0.5), [1, 1, 4]);
    expect(nnloss(flat, [3], { loss: 'topkerror', topK: 3 }).data[0]).toBe(0);
    expect(nnloss(flat, [3], { loss: 'topkerror', topK: 2 }).data[0]).toBe(1);
    expect(nnloss(flat, [1], { loss: 'classerror' }).data[0]).toBe(0);
    expect(nnloss(flat, [2], { loss: 'classerror' }).data[0]).toBe(1);
  });

  it('binaryerror: threshold in float32; sign(0) = 0 counts as an error', () => {
    const xb = t4([0.3, 0.5, 0.7, 0.5], [1, 1, 4]);
    expect(nnloss(xb, [1, 1, 1, -1], { loss: 'binaryerror', threshold: 0.5 }).data[0]).toBe(3);
    expect(nnloss(xb, [-1, 1, 1, 1], { loss: 'binaryerror', threshold: 0.5 }).data[0]).toBe(2);
    expect(nnloss(xb, [-1, 1, 1, 1], { loss: 'binaryerror' }).data[0]).toBe(1);
  });
});

describe('nnloss special values', () => {
  const col = (v: number[]): Tensor => t4(v, [1, 1, v.length]);

  it('softmaxlog at +-100 and +-1e4 stays finite (max subtracted)', () => {
    expect(nnloss(col([1e4, -1e4, 0]), [1]).data[0]).toBe(0);
    expect(nnloss(col([1e4, -1e4, 0]), [2]).data[0]).toBe(2e4);
    expect(nnloss(col([-100, 100]), [1]).data[0]).toBe(200);
    const d = nnloss(col([1e4, -1e4, 0]), [2], one(1)).data;
    expect(Array.from(d)).toEqual([1, -1, 0]);
  });

  it('logistic is stable at c x = +-100; log of a 0 score is Infinity', () => {
    expect(nnloss(col([-100]), [1], { loss: 'logistic' }).data[0]).toBe(100);
    // log(exp(0) + exp(-100)) = log(1) = 0, as in MATLAB (single or double)
    expect(nnloss(col([100]), [1], { loss: 'logistic' }).data[0]).toBe(0);
    expect(nnloss(col([100]), [-1], { loss: 'logistic' }).data[0]).toBe(100);
    expect(nnloss(col([0, 1]), [1], { loss: 'log' }).data[0]).toBe(Infinity);
    // 'log' backward floors the score at 1e-8 (in float32), NaN included
    expect(nnloss(col([0, 1]), [1], one(1), { loss: 'log' }).data[0]).toBe(Math.fround(-1 / Math.fround(1e-8)));
  });

  it('an ignored pixel is left out even where its term would be infinite (MATLAB: 0 * Inf = NaN)', () => {
    const x = t4([0, 0.5, 1, 0.5], [2, 1, 2]); // pixel 0: (0, 1), pixel 1: (0.5, 0.5)
    expect(nnloss(x, t4([0, 2], [2, 1]), { loss: 'log' }).data[0]).toBe(Math.fround(-Math.log(0.5)));
    expect(nnloss(x, t4([1, 2], [2, 1]), { loss: 'log', instanceWeights: t4([0, 1], [2, 1]) }).data[0]).toBe(Math.fround(-Math.log(0.5)));
  });

  it("mshinge with one class: loss 0 and derivative 0 (beta25's backward writes +dzdy there)", () => {
    const x = randn([2, 2, 1, 2], { seed: 1 });
    expect(nnloss(x, [1, 1], { loss: 'mshinge' }).data[0]).toBe(0);
    expect(nnloss(x, [1, 1], one(1), { loss: 'mshinge' }).data.every((v) => v === 0)).toBe(true);
  });

  it('sums in float64: 380x508 pixels of equal scores give 193040 log 2 to float32 rounding', () => {
    const x = t4(new Float32Array(380 * 508 * 2).fill(3), [380, 508, 2]);
    expect(nnloss(x, [1]).data[0]).toBe(Math.fround(380 * 508 * Math.LN2));
  });
});

describe('nnloss label and option errors', () => {
  const x = randn([2, 3, 4, 2], { seed: 3 });
  const bad = (c: unknown, opts?: LossOptions) => () => nnloss(x, c as never, opts);

  it('names c, the value and its position', () => {
    expect(bad([1, 2.5])).toThrow(/nnloss: c\[1\] \(image 1\) is 2\.5; labels must be integers 0\.\.4 \(0 = ignore\)/);
    expect(bad([5, 1])).toThrow(/nnloss: c\[0\] \(image 0\) is 5; labels must be integers 0\.\.4/);
    expect(bad([1, -1])).toThrow(/c\[1\] \(image 1\) is -1/);
    expect(bad([NaN, 1])).toThrow(/c\[0\] \(image 0\) is NaN/);
    expect(bad([1, '2'])).toThrow(/c\[1\] \(image 1\) is '2'/);
    const px = new Float32Array(12).fill(1);
    px[7] = 9;
    expect(bad(t4(px, [2, 3, 1, 2]))).toThrow(/nnloss: c\[7\] \(pixel \(1, 0\) of image 1\) is 9/);
    const a = new Float32Array(48).fill(1);
    a[13] = 0.5;
    expect(bad(t4(a, [2, 3, 4, 2]), { loss: 'hinge' })).toThrow(/nnloss: c\[13\] \(pixel \(1, 0\) of image 0, channel 2\) is 0\.5; attribute labels must be \+1, -1 or 0/);
  });

  it('wrong counts and shapes', () => {
    expect(bad([1, 2, 3])).toThrow(/nnloss: c has 3 values but x is 2x3x4x2: loss 'softmaxlog' needs N = 2 labels \(one per image\) or 2x3x1x2 \(one per pixel\)/);
    expect(bad(t4(new Float32Array(24).fill(1), [2, 3, 2, 2]))).toThrow(/nnloss: c is 2x3x2x2 but x is 2x3x4x2/);
    expect(bad(t4(new Float32Array(12).fill(1), [3, 2, 1, 2]))).toThrow(/nnloss: c is 3x2x1x2 but x is 2x3x4x2/);
    expect(bad([1, 1], { loss: 'hinge' })).toThrow(/the attribute loss 'hinge' needs one label \(\+1, -1, 0 = ignore\) per score, 2x3x4x2/);
    expect(bad(new BigInt64Array(2))).toThrow(/nnloss: c must be a Tensor, an array or a typed array, got BigInt64Array/);
    expect(bad('12')).toThrow(/nnloss: c must be a Tensor, an array or a typed array, got string/);
  });

  it('options: unknown names, loss, topK, threshold, weights, dzdy', () => {
    expect(bad([1, 2], { los: 'log' } as never)).toThrow(/nnloss: unknown option 'los'/);
    expect(bad([1, 2], { loss: 'l2' as LossType })).toThrow(/nnloss: loss must be one of 'softmaxlog', .*'hinge', got 'l2'/);
    expect(bad([1, 2], { loss: 'topkerror' })).toThrow(/nnloss: topK 5 is more than the C = 4 classes of x \(2x3x4x2\)/);
    expect(bad([1, 2], { topK: 1.5 })).toThrow(/nnloss: topK must be an integer >= 1, got 1\.5/);
    expect(bad([1, 2], { threshold: NaN })).toThrow(/nnloss: threshold must be a finite number, got NaN/);
    expect(bad([1, 2], { instanceWeights: [1, 2, 3] })).toThrow(/nnloss: instanceWeights has 3 values; give 1, N = 2 \(one per image\) or 12/);
    expect(bad([1, 2], { instanceWeights: t4([1, 2, 3, 4], [1, 1, 4]) })).toThrow(/nnloss: instanceWeights is 1x1x4 but must broadcast to the labels' 2x3x1x2/);
    expect(bad([1, 2], { instanceWeights: [1, NaN] })).toThrow(/nnloss: instanceWeights\[1\] is NaN; weights must be finite/);
    expect(bad([1, 2], { classWeights: [1, 2] })).toThrow(/nnloss: classWeights has 2 values but x has C = 4 channels/);
    expect(() => nnloss(x, [1, 2], randn([2, 1]))).toThrow(/nnloss: dzdy is 2x1 but must match y, 1x1/);
    expect(() => nnloss(randn([0, 3]), [])).toThrow(/nnloss: x is 0x3; it needs at least one score/);
  });
});

describe('nnloss resident runners and inputs', () => {
  it('runners on wasm addresses (labels as a typed array) equal the public block', () => {
    const x = randn([3, 4, 5, 2], { seed: 71 });
    const c = t4(Array.from(uniform(24, 72), (a) => Math.floor(a * 6)), [3, 4, 1, 2]);
    for (const loss of ['softmaxlog', 'mshinge', 'log'] as LossType[]) {
      const opts = { loss, instanceWeights: [0.5, 1.5] };
      const plan = planLoss(x.shape, c, [1, 1, 1, 1], opts);
      const [px, py, pp, pd] = reserve('test', x.numel, 1, 1, x.numel);
      write(px, x.data);
      write(pp, Float32Array.of(0.3));
      lossForward(plan, px, labelValues(c), py);
      lossBackward(plan, px, labelValues(c), pp, pd);
      expectExact(read(py, 1), nnloss(x, c, opts).data, `${loss} y`);
      expectExact(read(pd, x.numel), nnloss(x, c, one(0.3), opts).data, `${loss} dzdx`);
    }
  });

  it('never modifies x, c or the weights', () => {
    const x = randn([2, 2, 3, 2], { seed: 1 });
    const c = t4([1, 2, 3, 0, 1, 2, 3, 1], [2, 2, 1, 2]);
    const iw = [0.5, 2];
    const cw = Float32Array.from([1, 2, 3]);
    const copies = [x.data.slice(), c.data.slice(), iw.slice(), cw.slice()];
    nnloss(x, c, { instanceWeights: iw, classWeights: cw });
    nnloss(x, c, one(1), { instanceWeights: iw, classWeights: cw });
    expectExact(x.data, copies[0] as Float32Array, 'x');
    expectExact(c.data, copies[1] as Float32Array, 'c');
    expect(iw).toEqual(copies[2]);
    expectExact(cw, copies[3] as Float32Array, 'classWeights');
  });
});
