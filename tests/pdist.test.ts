import { beforeAll, describe, expect, it } from 'vitest';
import { init, nnpdist, randn, checkDerivativeElementwise, Tensor } from '../src/index.js';
import { planPdist, pdistForward, pdistBackward } from '../src/blocks/pdist.js';
import { reserve, write, read } from '../src/wasm.js';
import { pdistForwardRef, pdistBackwardRef, type Shape, type PdistRefOptions } from './ref/pdist.js';
import { expectExact } from './helpers.js';
import { numder64, project, expectNear } from './numder.js';

beforeAll(() => init());

const RANGE = 128;
const PS = [0.5, 1, 1.5, 2, 3];
type Weights = 'none' | 'pixel' | 'image';

/**
 * MatConvNet's nnpdist.m data: x, x0 = range * randn, then x moved by 5 range wherever
 * |x - x0| < range / 10, so no difference is near the kink at 0.
 */
function data(shape: Shape, oneToOne: boolean, seed: number) {
  const x = randn(shape, { seed });
  const x0s: Shape = oneToOne ? shape : [1, 1, shape[2], shape[3]];
  const x0 = randn(x0s, { seed: seed + 1 });
  for (let i = 0; i < x.numel; i++) x.data[i] *= RANGE;
  for (let i = 0; i < x0.numel; i++) x0.data[i] *= RANGE;
  const HW = shape[0] * shape[1];
  for (let i = 0; i < x.numel; i++) {
    const o = oneToOne ? x0.data[i] : x0.data[Math.floor(i / HW)];
    if (Math.abs(x.data[i] - o) < RANGE * 0.1) x.data[i] += 5 * RANGE;
  }
  return { x, x0, x0s };
}

function weightsOf(kind: Weights, shape: Shape, seed: number): Tensor | undefined {
  if (kind === 'none') return undefined;
  const w = randn(kind === 'pixel' ? [shape[0], shape[1], 1, shape[3]] : [1, 1, 1, shape[3]], { seed });
  for (let i = 0; i < w.numel; i++) w.data[i] = 0.5 + Math.abs(w.data[i]);
  return w;
}

const refOpts = (noRoot: boolean, aggregate: boolean, w?: Tensor): PdistRefOptions =>
  ({ noRoot, aggregate, weights: w ? { data: w.data, shape: w.shape } : undefined });

describe('nnpdist equals the reference for every p, root, aggregate, weights and x0 form', () => {
  for (const oneToOne of [true, false]) {
    for (const weights of ['none', 'pixel', 'image'] as Weights[]) {
      it(`x0 ${oneToOne ? 'the size of x' : '1x1xCxN'}, weights ${weights}`, () => {
        for (const p of PS) {
          for (const noRoot of [false, true]) {
            for (const aggregate of [false, true]) {
              const shape: Shape = [5, 6, 4, 3];
              const { x, x0, x0s } = data(shape, oneToOne, 10 + p * 4);
              const w = weightsOf(weights, shape, 99);
              const opts = { noRoot, aggregate, instanceWeights: w };
              const what = `p ${p}, noRoot ${noRoot}, aggregate ${aggregate}`;
              const y = nnpdist(x, x0, p, opts);
              expect(y.shape, what).toEqual(aggregate ? [1, 1, 1, 1] : [5, 6, 1, 3]);
              const ro = refOpts(noRoot, aggregate, w);
              expectNear(y.data, pdistForwardRef(x.data, shape, x0.data, x0s, p, ro), 1e-6, `${what} y`);
              const dzdy = randn(y.shape, { seed: 7 });
              const d = nnpdist(x, x0, p, dzdy, opts);
              expectNear(d.dzdx.data, pdistBackwardRef(x.data, shape, x0.data, x0s, p, dzdy.data, ro), 1e-6, `${what} dzdx`);
              expect(d.dzdx0.shape).toEqual(x.shape);
              expectExact(d.dzdx0.data, d.dzdx.data.map((v) => -v), `${what} dzdx0 = -dzdx`);
            }
          }
        }
      });
    }
  }

  it('exact values on a small case', () => {
    const x = new Tensor(new Float32Array([3, 1, 4, -1]), [1, 2, 2]); // pixel 0: (3, 4), pixel 1: (1, -1)
    const x0 = new Tensor(new Float32Array(4), [1, 2, 2]);
    expect(Array.from(nnpdist(x, x0, 2).data)).toEqual([5, Math.fround(Math.SQRT2)]);
    expect(Array.from(nnpdist(x, x0, 2, { noRoot: true }).data)).toEqual([25, 2]);
    expect(Array.from(nnpdist(x, x0, 1).data)).toEqual([7, 2]);
    expect(Array.from(nnpdist(x, x0, 1, { aggregate: true }).data)).toEqual([9]);
    const one = new Tensor(new Float32Array([1, 1]), [1, 2]);
    expect(Array.from(nnpdist(x, x0, 2, one).dzdx.data)).toEqual([0.6, Math.fround(Math.SQRT1_2), 0.8, -Math.fround(Math.SQRT1_2)].map(Math.fround));
  });

  it('epsilon floors the divisions: p = 2 at x = x0, p < 1 at d = 0', () => {
    const x = new Tensor(new Float32Array([2, 0, 5, 0]), [1, 2, 2]);
    const x0 = new Tensor(new Float32Array([2, 0, 5, 1]), [1, 2, 2]); // pixel 0: d = 0
    const one = new Tensor(new Float32Array([1, 1]), [1, 2]);
    const d2 = nnpdist(x, x0, 2, one, { epsilon: 1e-2 }).dzdx.data;
    expect([d2[0], d2[2]]).toEqual([0, 0]); // d = 0: 0 / sqrt(max(0, eps))
    const dh = nnpdist(x, x0, 0.5, one, { noRoot: true, epsilon: 1e-2 }).dzdx.data;
    expect(dh[0]).toBe(0); // sign(0) = 0
    expect(dh[3]).toBeCloseTo(-0.5, 6); // d = -1: p |d|^(p-1) sign(d)
  });
});

describe('nnpdist numerical derivatives', () => {
  // MatConvNet's suite (xtest/suite/nnpdist.m): oneToOne x noRoot x p {.5 1 2 3} x aggregate, 13x17x4x5
  // (2x2x4x5 with aggregate), forward differences of the block with delta = range * 1e-3.
  for (const oneToOne of [false, true]) {
    for (const noRoot of [false, true]) {
      it(`the block's forward differences, oneToOne ${oneToOne}, noRoot ${noRoot}`, () => {
        for (const p of [0.5, 1, 2, 3]) {
          for (const aggregate of [false, true]) {
            const shape: Shape = aggregate ? [2, 2, 4, 5] : [13, 17, 4, 5];
            const { x, x0 } = data(shape, oneToOne, 40 + p * 2);
            const opts = { noRoot, aggregate };
            const y = nnpdist(x, x0, p, opts);
            const dzdy = randn(y.shape, { seed: 3 });
            for (let i = 0; i < dzdy.numel; i++) dzdy.data[i] = Math.abs(dzdy.data[i]); // test.rand: positive
            const d = nnpdist(x, x0, p, dzdy, opts);
            const what = `p ${p}, aggregate ${aggregate}`;
            const rx = checkDerivativeElementwise((t) => nnpdist(t, x0, p, opts), x, dzdy, d.dzdx, { delta: RANGE * 1e-3 });
            expect(rx.ok, `${what} x: worst ${rx.worst} > ${rx.tolerance} at ${rx.at}`).toBe(true);
            if (oneToOne) {
              const r0 = checkDerivativeElementwise((t) => nnpdist(x, t, p, opts), x0, dzdy, d.dzdx0, { delta: RANGE * 1e-3 });
              expect(r0.ok, `${what} x0: worst ${r0.worst} > ${r0.tolerance} at ${r0.at}`).toBe(true);
            }
          }
        }
      });
    }
  }

  // Central differences of the float64 reference forward against the block's backward, for every
  // combination (weights included), and for the 1x1xCxN x0 the derivative summed over pixels.
  it('float64 central differences for x and x0, every combination', () => {
    for (const oneToOne of [true, false]) {
      for (const weights of ['none', 'pixel', 'image'] as Weights[]) {
        for (const p of PS) {
          for (const noRoot of [false, true]) {
            for (const aggregate of [false, true]) {
              const shape: Shape = [3, 4, 3, 2];
              const { x, x0, x0s } = data(shape, oneToOne, 60 + p * 2);
              const w = weightsOf(weights, shape, 5);
              const ro = refOpts(noRoot, aggregate, w);
              const y = nnpdist(x, x0, p, { noRoot, aggregate, instanceWeights: w });
              const dzdy = randn(y.shape, { seed: 4 });
              const d = nnpdist(x, x0, p, dzdy, { noRoot, aggregate, instanceWeights: w });
              const what = `oneToOne ${oneToOne}, weights ${weights}, p ${p}, noRoot ${noRoot}, aggregate ${aggregate}`;
              const fx = (v: Float64Array) => project(dzdy.data, pdistForwardRef(v, shape, x0.data, x0s, p, ro));
              expectNear(d.dzdx.data, numder64(fx, x.data, 1e-4), 1e-5, `${what} dzdx`);
              const f0 = (v: Float64Array) => project(dzdy.data, pdistForwardRef(x.data, shape, v, x0s, p, ro));
              const n0 = numder64(f0, x0.data, 1e-4);
              if (oneToOne) {
                expectNear(d.dzdx0.data, n0, 1e-5, `${what} dzdx0`);
              } else {
                // dzdx0 has x's size (vl_nnpdist.m); summed over each image's pixels it is the derivative
                const HW = shape[0] * shape[1];
                const summed = new Float64Array(x0.numel);
                for (let i = 0; i < x.numel; i++) summed[Math.floor(i / HW)] += d.dzdx0.data[i];
                expectNear(summed, n0, 1e-5, `${what} dzdx0 summed`);
              }
            }
          }
        }
      }
    }
  });
});

describe('nnpdist inputs, runners and errors', () => {
  it('an undefined dzdy slot means forward with the options after it', () => {
    const { x, x0 } = data([3, 4, 2, 2], true, 8);
    expectExact(nnpdist(x, x0, 2, undefined, { noRoot: true }).data, nnpdist(x, x0, 2, { noRoot: true }).data, 'y');
  });

  it('never modifies its inputs', () => {
    const shape: Shape = [4, 3, 5, 2];
    const { x, x0 } = data(shape, true, 1);
    const w = weightsOf('pixel', shape, 2)!;
    const p = randn([4, 3, 1, 2], { seed: 3 });
    const copies = [x, x0, w, p].map((t) => t.data.slice());
    nnpdist(x, x0, 3, { instanceWeights: w });
    nnpdist(x, x0, 3, p, { instanceWeights: w });
    [x, x0, w, p].forEach((t, i) => expectExact(t.data, copies[i], `input ${i}`));
  });

  it('resident runners on WebAssembly addresses equal the public function', () => {
    const shape: Shape = [6, 5, 4, 3];
    const { x, x0 } = data(shape, false, 5);
    const w = weightsOf('image', shape, 6)!;
    const opts = { instanceWeights: w.shape, noRoot: false };
    const plan = planPdist(x.shape, x0.shape, 1.5, null, opts);
    const [px, p0, pw, py] = reserve('test', x.numel, x0.numel, w.numel, 90);
    write(px, x.data); write(p0, x0.data); write(pw, w.data);
    pdistForward(plan, px, p0, py, pw);
    const y = read(py, 90);
    expectExact(y, nnpdist(x, x0, 1.5, { instanceWeights: w }).data, 'y');
    const dzdy = randn([6, 5, 1, 3], { seed: 7 });
    const bp = planPdist(x.shape, x0.shape, 1.5, dzdy.shape, opts);
    const [qx, q0, qw, qp, qd, qd0, qe] = reserve('test', x.numel, x0.numel, w.numel, 90, x.numel, x.numel, x.numel);
    write(qx, x.data); write(q0, x0.data); write(qw, w.data); write(qp, dzdy.data);
    pdistBackward(bp, qx, q0, qp, qd, qd0, qw);
    pdistBackward(bp, qx, q0, qp, qe, null, qw);
    const [d, d0, e] = [read(qd, x.numel), read(qd0, x.numel), read(qe, x.numel)];
    const want = nnpdist(x, x0, 1.5, dzdy, { instanceWeights: w });
    expectExact(d, want.dzdx.data, 'dzdx');
    expectExact(d0, want.dzdx0.data, 'dzdx0');
    expectExact(e, want.dzdx.data, 'dzdx without dzdx0');
  });

  const x = randn([4, 5, 3, 2], { seed: 1 });
  const x0 = randn([4, 5, 3, 2], { seed: 2 });
  it('x0 of a wrong size', () => {
    expect(() => nnpdist(x, randn([4, 5, 3]), 2)).toThrow(/nnpdist: x0 is 4x5x3 but must be the size of x, 4x5x3x2, or 1x1x3x2/);
    expect(() => nnpdist(x, randn([1, 1, 3]), 2)).toThrow(/nnpdist: x0 is 1x1x3 but must be/);
    expect(() => nnpdist(x, randn([1, 5, 3, 2]), 2)).toThrow(/nnpdist: x0 is 1x5x3x2/);
  });
  it('p <= 0, NaN, infinite or not a number', () => {
    for (const p of [0, -1, NaN, Infinity]) expect(() => nnpdist(x, x0, p)).toThrow(/nnpdist: p must be a finite number > 0, got/);
    expect(() => nnpdist(x, x0, '2' as never)).toThrow(/nnpdist: p must be a finite number > 0, got '2'/);
  });
  it('bad options', () => {
    expect(() => nnpdist(x, x0, 2, { epsilon: -1 })).toThrow(/nnpdist: epsilon must be >= 0, got -1/);
    expect(() => nnpdist(x, x0, 2, { epsilon: NaN })).toThrow(/nnpdist: epsilon must be a finite number/);
    expect(() => nnpdist(x, x0, 2, { noRoot: 1 as never })).toThrow(/nnpdist: noRoot must be true or false, got 1/);
    expect(() => nnpdist(x, x0, 2, { aggregate: 'yes' as never })).toThrow(/nnpdist: aggregate must be true or false/);
    expect(() => nnpdist(x, x0, 2, { noroot: true } as never)).toThrow(/nnpdist: unknown option 'noroot'; the options are 'noRoot', 'epsilon', 'aggregate', 'instanceWeights'/);
  });
  it('instanceWeights of a wrong size', () => {
    expect(() => nnpdist(x, x0, 2, { instanceWeights: randn([4, 5, 3, 2]) })).toThrow(/nnpdist: instanceWeights is 4x5x3x2 but must broadcast against y's 4x5x1x2/);
    expect(() => nnpdist(x, x0, 2, { instanceWeights: randn([3]) })).toThrow(/nnpdist: instanceWeights is 3x1/);
    expect(() => nnpdist(x, x0, 2, { instanceWeights: [1, 2] as never })).toThrow(/nnpdist: instanceWeights must be a Tensor, got Array/);
  });
  it('dzdy of the wrong size', () => {
    expect(() => nnpdist(x, x0, 2, randn([4, 5, 3, 2]))).toThrow(/nnpdist: dzdy is 4x5x3x2 but must match y, 4x5x1x2/);
    expect(() => nnpdist(x, x0, 2, randn([4, 5, 1, 2]), { aggregate: true })).toThrow(/nnpdist: dzdy is 4x5x1x2 but must match y, 1x1 \(aggregate: a scalar\)/);
    expect(() => nnpdist(x, x0, 2, [1] as never)).toThrow(/nnpdist: dzdy must be a Tensor/);
  });
});
