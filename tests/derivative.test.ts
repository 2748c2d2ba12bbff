import { beforeAll, describe, expect, it } from 'vitest';
import { init, nnconv, nnpool, nnrelu, randn, Tensor, checkDerivative, checkDerivativeElementwise, type ConvDerivatives } from '../src/index.js';
import { distinct } from './helpers.js';

beforeAll(() => init());

// A small test block in plain JS: y = a .* x^2 (element-wise), dzdx = 2 a x dzdy.
// `wrong` scales its backward to play a block with a bug.
function square(a: number) {
  const forward = (x: Tensor) => new Tensor(x.data.map((v) => Math.fround(a * v * v)), x.shape);
  const backward = (x: Tensor, p: Tensor, wrong = 1) =>
    new Tensor(x.data.map((v, i) => 2 * a * v * p.data[i] * wrong), x.shape);
  return { forward, backward };
}

describe('checkDerivative (the practical\'s directional test)', () => {
  it('passes a correct derivative and reports empirical ~ computed', () => {
    const b = square(0.5);
    const x = randn([20, 15, 3], { seed: 1 });
    const p = randn([20, 15, 3], { seed: 2 });
    const r = checkDerivative(b.forward, x, p, b.backward(x, p), { eta: 1e-3, central: true });
    expect(r.error).toBeLessThan(1e-3);
    expect(r.empirical).toBeCloseTo(r.computed, 2);
    expect(r.all).toHaveLength(1);
  });

  it('catches a derivative that is off by 10%', () => {
    const b = square(0.5);
    const x = randn([20, 15, 3], { seed: 1 });
    const p = randn([20, 15, 3], { seed: 2 });
    const r = checkDerivative(b.forward, x, p, b.backward(x, p, 1.1), { eta: 1e-3, central: true, directions: 3 });
    expect(r.error).toBeGreaterThan(0.05);
    expect(r.all).toHaveLength(3);
  });

  it('checks nnrelu with respect to x away from the kink, and a chain relu(relu(x) - 1)', () => {
    const x = distinct([9, 8, 2], 4, 0.25, -18); // values -17.75..18, none within 0.25 of 0
    const p = randn(x.shape, { seed: 3 });
    const r = checkDerivative((t) => nnrelu(t, { leak: 0.1 }), x, p, nnrelu(x, p, { leak: 0.1 }));
    // Piecewise linear and no kink crossed: only float32 rounding remains.
    expect(r.error).toBeLessThan(0.01);
    const shift = (t: Tensor) => new Tensor(t.data.map((v) => v - 1), t.shape);
    const chain = (t: Tensor) => nnrelu(shift(nnrelu(t, { leak: 0.1 })), { leak: 0.2 });
    const y1 = shift(nnrelu(x, { leak: 0.1 }));
    const dchain = nnrelu(x, nnrelu(y1, p, { leak: 0.2 }), { leak: 0.1 });
    expect(checkDerivative(chain, x, p, dchain, { eta: 1e-3 }).error).toBeLessThan(0.01);
  });

  it('checks inputs and options', () => {
    const b = square(1);
    const x = randn([3, 3]);
    const p = randn([3, 3]);
    expect(() => checkDerivative(b.forward, x, p, randn([3, 2]))).toThrow('checkDerivative: dzdx is 3x2 but x is 3x3; they must match');
    expect(() => checkDerivative(b.forward, x, randn([2, 2]), p)).toThrow('checkDerivative: dzdy is 2x2 but f(x) is 3x3; they must match');
    expect(() => checkDerivative(b.forward, x, p, p, { eta: 0 })).toThrow('checkDerivative: eta must be positive, got 0');
    expect(() => checkDerivative(b.forward, x, p, p, { step: 1 } as never)).toThrow(/unknown option 'step'/);
    expect(() => checkDerivative(b.forward, x, p, p, { directions: 0 })).toThrow(/directions must be an integer >= 1/);
  });
});

describe('checkDerivative passes the real blocks with respect to every input, and chains', () => {
  const x = randn([20, 18, 4, 2], { seed: 21 });
  const w = randn([3, 3, 2, 6], { seed: 22 });
  const b = randn([6], { seed: 23 });
  const opts = { pad: [1, 0, 1, 2], stride: [2, 1] };
  const p = randn([10, 19, 6, 2], { seed: 24 }); // the size of y
  let g: ConvDerivatives;
  beforeAll(async () => {
    await init();
    g = nnconv(x, w, b, p, opts);
  });
  const central = { central: true, eta: 1e-2 }; // conv is linear: a large step costs nothing

  it('nnconv w.r.t. x, w and b (grouped, strided, padded, N = 2)', () => {
    expect(checkDerivative((t) => nnconv(t, w, b, opts), x, p, g.dzdx!, central).error).toBeLessThan(1e-3);
    expect(checkDerivative((t) => nnconv(x, t, b, opts), w, p, g.dzdw!, central).error).toBeLessThan(1e-3);
    expect(checkDerivative((t) => nnconv(x, w, t, opts), b, p, g.dzdb!, central).error).toBeLessThan(1e-3);
  });

  it('nnpool max and avg, and conv -> relu -> pool w.r.t. w', () => {
    // Pooling is checked element by element, as MatConvNet does: distinct values 1 apart and a
    // step of 0.1 keep every max-pool argmax in place, so the difference is exact up to rounding.
    // (A random direction's sum(dzdx .* e) can come out near 0 for pooling, which makes the
    // relative error of checkDerivative meaningless on small inputs.)
    const xd = distinct([7, 6, 2, 2], 7);
    for (const method of ['max', 'avg'] as const) {
      const q = randn(nnpool(xd, 3, { method, stride: 2, pad: 1 }).size(), { seed: 25 });
      const d = nnpool(xd, 3, q, { method, stride: 2, pad: 1 });
      const r = checkDerivativeElementwise((t) => nnpool(t, 3, { method, stride: 2, pad: 1 }), xd, q, d, { delta: 0.1 });
      expect(r.ok, `${method}: worst ${r.worst} at ${r.at}, tolerance ${r.tolerance}`).toBe(true);
      expect(r.worst).toBeLessThan(1e-3); // values up to 168: float32 ulp 1.5e-5 over a step of 0.1
    }
    const chain = (t: Tensor) => nnpool(nnrelu(nnconv(x, t, b, opts)), 2);
    const y1 = nnconv(x, w, b, opts);
    const r1 = nnrelu(y1);
    const q = randn(nnpool(r1, 2).size(), { seed: 26 });
    const dw = nnconv(x, w, b, nnrelu(y1, nnpool(r1, 2, q)), opts).dzdw!;
    expect(checkDerivative(chain, w, q, dw, { central: true }).error).toBeLessThan(0.05);
  });

  it('catches a filter derivative off by 5%', () => {
    const wrong = new Tensor(g.dzdw!.data.map((v) => v * 1.05), g.dzdw!.shape);
    expect(checkDerivative((t) => nnconv(x, t, b, opts), w, p, wrong, central).error).toBeGreaterThan(0.04);
  });
});

describe('checkDerivativeElementwise (MatConvNet\'s der)', () => {
  it('passes a correct derivative and holds it to MatConvNet\'s default tolerance', () => {
    const b = square(2);
    const x = distinct([4, 3, 2], 5, 1, -12);
    const p = randn(x.shape, { seed: 6 });
    const r = checkDerivativeElementwise(b.forward, x, p, b.backward(x, p), { delta: 1e-2 });
    expect(r.ok).toBe(true);
    expect(r.tolerance).toBeGreaterThan(0);
    expect(r.numerical.shape).toEqual(x.shape);
  });

  it('fails a wrong derivative and says where', () => {
    const b = square(2);
    const x = distinct([4, 3, 2], 5, 1, -12);
    const p = randn(x.shape, { seed: 6 });
    const d = b.backward(x, p);
    d.data[7] += 5;
    const r = checkDerivativeElementwise(b.forward, x, p, d, { delta: 1e-2 });
    expect(r.ok).toBe(false);
    expect(r.at).toBe(7);
    expect(r.worst).toBeGreaterThan(r.tolerance);
  });

  it('never modifies x', () => {
    const x = distinct([3, 3], 2);
    const before = x.data.slice();
    checkDerivativeElementwise((t) => nnrelu(t), x, randn([3, 3]), randn([3, 3]));
    expect(Array.from(x.data)).toEqual(Array.from(before));
  });
});
