import { beforeAll, describe, expect, it } from 'vitest';
import { init, nnsoftmaxloss, nnsoftmax, nnloss, randn, Tensor, checkDerivativeElementwise } from '../src/index.js';
import { planSoftmaxLoss, softmaxLossForward, softmaxLossBackward } from '../src/blocks/softmaxloss.js';
import { labelValues } from '../src/blocks/labels.js';
import { reserve, write, read } from '../src/wasm.js';
import { softmaxLossForwardRef, softmaxLossBackwardRef, repmatLabels, type Shape4 } from './ref/loss.js';
import { expectExact } from './helpers.js';
import { numder64, expectNear, uniform } from './numerics.js';

beforeAll(() => init());

const one = (v: number): Tensor => new Tensor(Float32Array.of(v), [1, 1]);
const t4 = (data: ArrayLike<number>, shape: readonly number[]): Tensor => new Tensor(Float32Array.from(data), shape);

/** The labels of MatConvNet's nnsoftmaxloss.m: per image [7 2 1] or per pixel mod(0:3*4*n-1, C) + 1, maybe with weights. */
function labels(multilab: boolean, weighed: boolean, C: number, n: number): { c: Tensor; full: Float64Array; Cl: number } {
  const cls = multilab ? Array.from({ length: 12 * n }, (_, i) => (i % C) + 1) : [7, 2, 1];
  const H = multilab ? 3 : 1;
  const W = multilab ? 4 : 1;
  if (!weighed) {
    const c = t4(cls, [H, W, 1, n]);
    return { c, full: multilab ? Float64Array.from(cls) : repmatLabels(cls, 3, 4, 1, n), Cl: 1 };
  }
  // cat(3, c, rand(size(c))): class then weight, per pixel or per image
  const w = uniform(cls.length, 17);
  const data: number[] = [];
  const P = H * W;
  for (let q = 0; q < n; q++) {
    for (let p = 0; p < P; p++) data.push(cls[p + P * q]);
    for (let p = 0; p < P; p++) data.push(Math.fround(w[p + P * q]));
  }
  const c = t4(data, [H, W, 2, n]);
  return { c, full: multilab ? Float64Array.from(data) : repmatLabels(data, 3, 4, 2, n), Cl: 2 };
}

describe("nnsoftmaxloss on MatConvNet's grid (nnsoftmaxloss.m: multilab x weighed)", () => {
  const C = 10;
  const n = 3;
  for (const multilab of [false, true]) {
    for (const weighed of [false, true]) {
      it(`${multilab ? 'per-pixel' : 'per-image'} labels, ${weighed ? 'with' : 'without'} a weight channel`, () => {
        const { c, full, Cl } = labels(multilab, weighed, C, n);
        const s: Shape4 = [3, 4, C, n];
        // x = rand / range + 0.001 in MATLAB's units: uniform in (0.001, 1.001)
        const x = t4(Array.from(uniform(3 * 4 * C * n, 5), (a) => a + 0.001), s);
        const y = nnsoftmaxloss(x, c);
        const dzdy = one(randn([1], { seed: 6 }).data[0]);
        const dzdx = nnsoftmaxloss(x, c, dzdy);
        // The composition MatConvNet's test compares with: log loss of the softmax, weights as instance weights.
        const c1 = t4(Array.from({ length: c.numel / Cl }, (_, i) => c.data[(i % (c.shape[0] * c.shape[1])) + c.shape[0] * c.shape[1] * Cl * Math.floor(i / (c.shape[0] * c.shape[1]))]),
          [c.shape[0], c.shape[1], 1, n]);
        const opts = Cl === 1 ? { loss: 'log' as const } : {
          loss: 'log' as const,
          instanceWeights: t4(Array.from({ length: c.numel / 2 }, (_, i) => {
            const P = c.shape[0] * c.shape[1];
            return c.data[(i % P) + P * (1 + 2 * Math.floor(i / P))];
          }), [c.shape[0], c.shape[1], 1, n]),
        };
        const y_ = nnloss(nnsoftmax(x), c1, opts);
        const dzdx_ = nnsoftmax(x, nnloss(nnsoftmax(x), c1, dzdy, opts));
        expectNear(y.data, y_.data, 1e-6, 0, 'y vs the composition');
        expectNear(dzdx.data, dzdx_.data, 1e-5, 1e-7, 'dzdx vs the composition');
        // against the float64 reference
        expectNear(y.data, [softmaxLossForwardRef(x.data, s, full, Cl)], 2 ** -23, 0, 'y');
        expectNear(dzdx.data, softmaxLossBackwardRef(x.data, s, full, Cl, dzdy.data[0]), 2 ** -23, 1e-45, 'dzdx');
        // derivatives: MatConvNet's forward differences (delta 1e-3), then float64 central differences
        const r = checkDerivativeElementwise((t) => nnsoftmaxloss(t, c), x, dzdy, dzdx, { delta: 1e-3 });
        expect(r.ok, `worst ${r.worst} > ${r.tolerance} at ${r.at}`).toBe(true);
        const num = numder64((t) => softmaxLossForwardRef(t, s, full, Cl), x.data, dzdy.data, 1e-6);
        expectNear(dzdx.data, num, 1e-6, 1e-8, 'dzdx vs float64 differences');
        // "now larger input range": x = 128 rand + 0.128, delta 0.128
        const xl = t4(Array.from(uniform(3 * 4 * C * n, 8), (a) => 128 * a + 0.128), s);
        const dl = nnsoftmaxloss(xl, c, dzdy);
        const rl = checkDerivativeElementwise((t) => nnsoftmaxloss(t, c), xl, dzdy, dl, { delta: 0.128 });
        expect(rl.ok, `large range: worst ${rl.worst} > ${rl.tolerance} at ${rl.at}`).toBe(true);
        expectNear(dl.data, softmaxLossBackwardRef(xl.data, s, full, Cl, dzdy.data[0]), 2 ** -23, 1e-45, 'dzdx, large range');
      });
    }
  }
});

describe('nnsoftmaxloss label forms and special values', () => {
  it("the character CNN's last layer, 1x1x26 x 100, labels as an array", () => {
    const x = randn([1, 1, 26, 100], { seed: 3 });
    const c = Array.from(uniform(100, 4), (a) => 1 + Math.floor(a * 26));
    const s: Shape4 = [1, 1, 26, 100];
    expectNear(nnsoftmaxloss(x, c).data, [softmaxLossForwardRef(x.data, s, c, 1)], 2 ** -23, 0, 'y');
    expectNear(nnsoftmaxloss(x, c, one(1)).data, softmaxLossBackwardRef(x.data, s, c, 1, 1), 2 ** -23, 1e-45, 'dzdx');
    // it equals nnloss's default (softmaxlog) loss
    expectExact(nnsoftmaxloss(x, c).data, nnloss(x, c).data, 'y = nnloss softmaxlog');
  });

  it('N labels, typed arrays, H*W*N arrays and Tensors give the same results', () => {
    const x = randn([2, 3, 4, 2], { seed: 5 });
    const want = nnsoftmaxloss(x, t4(repmatLabels([3, 1], 2, 3, 1, 2), [2, 3, 1, 2])).data;
    for (const c of [[3, 1], Int16Array.from([3, 1]), t4([3, 1], [1, 2]), Array.from(repmatLabels([3, 1], 2, 3, 1, 2))]) {
      expectExact(nnsoftmaxloss(x, c).data, want, 'y');
    }
    // [1, 1, 2, N]: class and weight per image, at every pixel
    const cw = t4([3, 0.5, 1, 2], [1, 1, 2, 2]);
    const full = repmatLabels([3, 0.5, 1, 2], 2, 3, 2, 2);
    expectNear(nnsoftmaxloss(x, cw).data, [softmaxLossForwardRef(x.data, x.shape, full, 2)], 2 ** -23, 0, 'per-image weights');
  });

  it('mass: label 0 or weight 0 leaves the pixel out; negative weights count', () => {
    const x = t4([1e4, 0, -1e4, 0], [2, 1, 2]); // pixel 0: (1e4, -1e4), pixel 1: (0, 0)
    expect(nnsoftmaxloss(x, t4([2, 0], [2, 1])).data[0]).toBe(2e4);
    expect(nnsoftmaxloss(x, t4([1, 2], [2, 1])).data[0]).toBe(Math.fround(Math.LN2));
    expect(nnsoftmaxloss(x, t4([2, 1, 0, -1], [2, 1, 2])).data[0]).toBe(Math.fround(-Math.LN2));
    const d = nnsoftmaxloss(x, t4([2, 1, 0, -1], [2, 1, 2]), one(1)).data;
    expect(Array.from(d)).toEqual([0, 0.5, 0, -0.5]); // pixel 1: -(softmax - onehot(1))
  });

  it('x = +-1e4 stays finite; the derivative is softmax - onehot', () => {
    const x = t4([1e4, -1e4, 100, -100], [1, 1, 4]);
    expect(nnsoftmaxloss(x, [1]).data[0]).toBe(0);
    expect(nnsoftmaxloss(x, [2]).data[0]).toBe(2e4);
    expect(Array.from(nnsoftmaxloss(x, [2], one(2)).data)).toEqual([2, -2, 0, 0]);
  });
});

describe('nnsoftmaxloss errors, runners and inputs', () => {
  const x = randn([2, 3, 4, 2], { seed: 3 });
  const bad = (c: unknown) => () => nnsoftmaxloss(x, c as never);

  it('names c, the value and its position; wrong forms; dzdy', () => {
    expect(bad([5, 1])).toThrow(/nnsoftmaxloss: c\[0\] \(image 0\) is 5; labels must be integers 0\.\.4 \(0 = ignore\)/);
    expect(bad([1, 0.5])).toThrow(/c\[1\] \(image 1\) is 0\.5/);
    const w = new Float32Array(24).fill(1);
    w[9] = NaN;
    expect(bad(t4(w, [2, 3, 2, 2]))).toThrow(/nnsoftmaxloss: c\[9\] \(pixel \(1, 1\) of image 0, channel 1\) is NaN; a weight must be a finite number/);
    expect(bad([1, 2, 3, 4])).toThrow(/nnsoftmaxloss: c has 4 values but x is 2x3x4x2: it needs N = 2 labels/);
    expect(bad(t4(new Float32Array(36).fill(1), [2, 3, 3, 2]))).toThrow(/nnsoftmaxloss: c is 2x3x3x2 but x is 2x3x4x2/);
    expect(() => nnsoftmaxloss(x, [1, 2], randn([1, 2]))).toThrow(/nnsoftmaxloss: dzdy is 1x2 but must match y, 1x1/);
    expect(() => (nnsoftmaxloss as (...a: unknown[]) => unknown)(x, [1, 2], one(1), {})).toThrow(/takes \(x, c\) or \(x, c, dzdy\)/);
  });

  it('runners on wasm addresses equal the public block', () => {
    const c = t4([1, 2, 0, 4, 3, 2, 1, 1, 2, 3, 4, 0, 0.5, 1, 2, 1, 0, 3, 1, 1, 2, 2, 1, 1].map((v, i) => (Math.floor(i / 6) % 2 ? v : Math.round(v))), [2, 3, 2, 2]);
    const plan = planSoftmaxLoss(x.shape, c, [1, 1, 1, 1]);
    const [px, py, pp, pd] = reserve('test', x.numel, 1, 1, x.numel);
    write(px, x.data);
    write(pp, Float32Array.of(-0.4));
    softmaxLossForward(plan, px, labelValues(c), py);
    softmaxLossBackward(plan, px, labelValues(c), pp, pd);
    expectExact(read(py, 1), nnsoftmaxloss(x, c).data, 'y');
    expectExact(read(pd, x.numel), nnsoftmaxloss(x, c, one(-0.4)).data, 'dzdx');
  });

  it('never modifies x or c', () => {
    const c = t4([1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2], [2, 3, 1, 2]);
    const xs = x.data.slice();
    const cs = c.data.slice();
    nnsoftmaxloss(x, c);
    nnsoftmaxloss(x, c, one(1));
    expectExact(x.data, xs, 'x');
    expectExact(c.data, cs, 'c');
  });
});
