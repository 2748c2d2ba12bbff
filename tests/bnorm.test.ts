import { beforeAll, describe, expect, it } from 'vitest';
import { init, nnbnorm, randn, checkDerivativeElementwise, Tensor } from '../src/index.js';
import { planBnorm, bnormForward, bnormBackward } from '../src/blocks/bnorm.js';
import { reserve, write, read } from '../src/wasm.js';
import { bnormMomentsRef, bnormForwardRef, bnormForwardF32Ref, bnormBackwardRef, momentsTensorData, type Shape } from './ref/bnorm.js';
import { expectExact } from './helpers.js';
import { numder64, project, expectNear, expectWithin } from './numder.js';

beforeAll(() => init());

const RANGE = 128; // MatConvNet's test data scale (nntest.m)

/** MatConvNet's test inputs: x = range * randn, g and b = randn / range (nnbnorm.m), seeded. */
function inputs(shape: Shape, seed: number, gShape: number[] = [shape[2], 1]) {
  const x = randn(shape, { seed });
  for (let i = 0; i < x.numel; i++) x.data[i] *= RANGE;
  const g = randn(gShape, { seed: seed + 1 });
  const b = randn(gShape, { seed: seed + 2 });
  for (let i = 0; i < g.numel; i++) { g.data[i] /= RANGE; b.data[i] /= RANGE; }
  const p = randn(shape, { seed: seed + 3 });
  return { x, g, b, p };
}

/** Compare one shape's forward, moments and backward with the float64 reference. */
function checkShape(shape: Shape, seed: number, epsilon = 1e-4): void {
  const { x, g, b, p } = inputs(shape, seed);
  const C = shape[2];
  const ref = bnormMomentsRef(x.data, shape, epsilon);
  const y = nnbnorm(x, g, b, { epsilon });
  const d = nnbnorm(x, g, b, p, { epsilon });
  const m = d.moments.data;
  const what = `${shape.join('x')}`;
  for (let c = 0; c < C; c++) {
    const s = ref.sigma[c];
    if (!(Math.abs(m[c] - ref.mu[c]) <= 1e-6 * (Math.abs(ref.mu[c]) + s))) expect.fail(`${what}: mu[${c}] ${m[c]} want ${ref.mu[c]}`);
    if (!(Math.abs(m[C + c] - s) <= 1e-6 * s)) expect.fail(`${what}: sigma[${c}] ${m[C + c]} want ${s}`);
  }
  expectNear(y.data, bnormForwardRef(x.data, shape, g.data, b.data, ref.mu, ref.sigma), 2e-6, `${what} y`);
  const r = bnormBackwardRef(x.data, shape, g.data, ref.mu, ref.sigma, p.data);
  // The sums cancel (p is zero-mean): their float32 rounding is relative to the sums of magnitudes.
  const sp = new Float64Array(C);
  const spx = new Float64Array(C);
  for (let i = 0; i < x.numel; i++) {
    const c = Math.floor(i / (shape[0] * shape[1])) % C;
    sp[c] += Math.abs(p.data[i]);
    spx[c] += Math.abs(p.data[i] * (x.data[i] - ref.mu[c])) / ref.sigma[c];
  }
  expectWithin(d.dzdb.data, r.dzdb, sp.map((v) => 1e-6 * v), `${what} dzdb`);
  expectWithin(d.dzdg.data, r.dzdg, spx.map((v) => 1e-6 * v), `${what} dzdg`);
  expectNear(d.dzdx.data, r.dzdx, 2e-5, `${what} dzdx`);
}

describe('nnbnorm equals the float64 reference on MatConvNet\'s shape grid', () => {
  // The whole grid of the issue, 2..17 x 2..17 x 1..4 x 2..7 (6144 shapes), one test per H.
  for (let H = 2; H <= 17; H++) {
    it(`H = ${H}, W 2..17, C 1..4, N 2..7`, () => {
      for (let W = 2; W <= 17; W++) {
        for (let C = 1; C <= 4; C++) {
          for (let N = 2; N <= 7; N++) checkShape([H, W, C, N], H * 1000 + W * 40 + C * 8 + N);
        }
      }
    });
  }

  it('large batches, several channel groups and channels larger than a group', () => {
    checkShape([7, 7, 200, 8], 1); // 392 floats a channel: groups of 83 channels
    checkShape([64, 64, 3, 20], 2); // 81920 floats a channel: more than a group
    checkShape([1, 1, 5, 3], 3); // one pixel, three images
    checkShape([9, 1, 2, 1], 4, 1e-3); // N = 1
    checkShape([56, 56, 2, 8], 5, 1e-5);
  });
});

describe('nnbnorm statistics stay exact where float32 single-pass sums drift', () => {
  it('|mu| >> sigma over many values: 10000 + randn, 56x56x4x8', () => {
    const shape: Shape = [56, 56, 4, 8];
    const x = randn(shape, { seed: 9 });
    for (let i = 0; i < x.numel; i++) x.data[i] += 10000 + 100 * (Math.floor(i / (56 * 56)) % 4);
    const g = new Tensor(new Float32Array([1, 2, 3, 4]), [4]);
    const b = new Tensor(new Float32Array(4), [4]);
    const m = nnbnorm(x, g, b, randn(shape, { seed: 10 })).moments.data;
    const ref = bnormMomentsRef(x.data, shape, 1e-4);
    for (let c = 0; c < 4; c++) {
      expect(Math.abs(m[c] - ref.mu[c])).toBeLessThanOrEqual(Math.abs(ref.mu[c]) * 1.2e-7);
      expect(Math.abs(m[4 + c] - ref.sigma[c]) / ref.sigma[c]).toBeLessThan(1e-5);
    }
    // What a float32 single pass of sum x and sum x^2 gives here (MatConvNet's CPU loop): far off.
    let s1 = 0, s2 = 0;
    const f = Math.fround;
    for (let q = 0; q < 56 * 56 * 8; q++) {
      const v = x.data[(q % 3136) + 3136 * 4 * Math.floor(q / 3136)];
      s1 = f(s1 + v); s2 = f(s2 + f(v * v));
    }
    const M = 56 * 56 * 8;
    const naive = Math.sqrt(Math.max(0, f(f(s2 / M) - f(f(s1 / M) * f(s1 / M)))) + 1e-4);
    expect(Math.abs(naive - ref.sigma[0]) / ref.sigma[0]).toBeGreaterThan(0.01);
  });

  it('an outlier among the values (the first one included) does not spoil the variance', () => {
    const shape: Shape = [40, 30, 2, 6];
    const x = randn(shape, { seed: 21 });
    for (let i = 0; i < x.numel; i++) x.data[i] += 5;
    x.data[0] = 1e6; // channel 0, first value
    x.data[1200 + 77] = -3e5; // channel 1
    const g = new Tensor(new Float32Array([1, 1]), [2]);
    const m = nnbnorm(x, g, g, randn(shape, { seed: 22 })).moments.data;
    const ref = bnormMomentsRef(x.data, shape, 1e-4);
    for (let c = 0; c < 2; c++) {
      // float32 block partials next to a huge value: a few float32 roundings of it (assembly/bnorm.ts BLOCK)
      expect(Math.abs(m[c] - ref.mu[c]) / Math.abs(ref.mu[c])).toBeLessThan(2e-7);
      expect(Math.abs(m[2 + c] - ref.sigma[c]) / ref.sigma[c]).toBeLessThan(1e-6);
    }
  });

  it('a constant channel has sigma = sqrt(epsilon) and y = b', () => {
    const x = new Tensor(new Float32Array(5 * 4 * 2 * 3).fill(7.25), [5, 4, 2, 3]);
    const g = new Tensor(new Float32Array([2, -1]), [2]);
    const b = new Tensor(new Float32Array([0.5, 3]), [2]);
    const y = nnbnorm(x, g, b, { epsilon: 0.01 });
    for (let i = 0; i < y.numel; i++) expect(y.data[i]).toBe(Math.floor(i / 20) % 2 === 0 ? 0.5 : 3);
    const m = nnbnorm(x, g, b, randn(x.shape, { seed: 1 }), { epsilon: 0.01 }).moments.data;
    expect(Array.from(m)).toEqual([7.25, 7.25, Math.fround(0.1), Math.fround(0.1)]);
  });
});

describe('nnbnorm with given moments', () => {
  const shapes: Shape[] = [[2, 2, 1, 2], [8, 17, 3, 7], [13, 8, 4, 2], [5, 3, 6, 4]];
  for (const shape of shapes) {
    it(`reproduces the batch result bit for bit, ${shape.join('x')}`, () => {
      const { x, g, b, p } = inputs(shape, shape[0] * 31 + shape[1]);
      const batch = nnbnorm(x, g, b, p);
      const m = batch.moments;
      expect(m.shape).toEqual([shape[2], 2, 1, 1]);
      const y = nnbnorm(x, g, b);
      expectExact(nnbnorm(x, g, b, { moments: m }).data, y.data, 'y with moments');
      const given = nnbnorm(x, g, b, p, { moments: m });
      expectExact(given.dzdx.data, batch.dzdx.data, 'dzdx with moments');
      expectExact(given.dzdg.data, batch.dzdg.data, 'dzdg with moments');
      expectExact(given.dzdb.data, batch.dzdb.data, 'dzdb with moments');
      expectExact(given.moments.data, m.data, 'moments returned');
      expect(given.moments.data).not.toBe(m.data);
    });
  }

  it('forward: MatConvNet\'s float32 order from any moments, exactly', () => {
    const shape: Shape = [9, 7, 3, 2];
    const { x, g, b } = inputs(shape, 77);
    const m = new Tensor(new Float32Array([1.5, -20, 300, 50, 0.25, 128]), [3, 2]);
    expectExact(nnbnorm(x, g, b, { moments: m }).data, bnormForwardF32Ref(x.data, shape, g.data, b.data, m.data), 'y');
  });

  it('backward: the batch formulas with the given mu and sigma (nnbnorm.cu BatchNormBackwardWithMoment)', () => {
    const shape: Shape = [6, 5, 3, 4];
    const { x, g, b, p } = inputs(shape, 78);
    const mu = [3, -40, 10];
    const sigma = [100, 20, 250];
    const m = new Tensor(new Float32Array([...mu, ...sigma]), [3, 2]);
    const d = nnbnorm(x, g, b, p, { moments: m, epsilon: 0.5 }); // epsilon is not used with moments
    const r = bnormBackwardRef(x.data, shape, g.data, mu, sigma, p.data);
    expectNear(d.dzdx.data, r.dzdx, 1e-5, 'dzdx');
    expectNear(d.dzdg.data, r.dzdg, 1e-6, 'dzdg');
    expectNear(d.dzdb.data, r.dzdb, 1e-6, 'dzdb');
    expectExact(d.moments.data, m.data, 'moments');
  });

  it('an empty batch is fine with given moments (y empty, dzdg = dzdb = 0)', () => {
    const x = new Tensor(new Float32Array(0), [3, 0, 2, 4]);
    const g = new Tensor(new Float32Array([1, 2]), [2]);
    const m = new Tensor(new Float32Array([0, 0, 1, 1]), [2, 2]);
    expect(nnbnorm(x, g, g, { moments: m }).shape).toEqual([3, 0, 2, 4]);
    const d = nnbnorm(x, g, g, x, { moments: m });
    expect(Array.from(d.dzdg.data)).toEqual([0, 0]);
    expect(Array.from(d.dzdb.data)).toEqual([0, 0]);
  });
});

describe('nnbnorm numerical derivatives', () => {
  // MatConvNet's suite (xtest/suite/nnbnorm.m): rows {2 8 13} x cols {2 8 17} x depth {1 3 4} x batch {2 7},
  // forward differences of the block itself (float32 outputs, float64 sums), deltas range*1e-3, 1e-2, 1e-3.
  for (const H of [2, 8, 13]) {
    it(`the block's forward differences for x, g, b (MatConvNet's grid, rows ${H})`, () => {
      for (const W of [2, 8, 17]) {
        for (const C of [1, 3, 4]) {
          for (const N of [2, 7]) {
            const shape: Shape = [H, W, C, N];
            const { x, g, b, p } = inputs(shape, H * 100 + W * 10 + C + N);
            const d = nnbnorm(x, g, b, p);
            const what = shape.join('x');
            const rx = checkDerivativeElementwise((t) => nnbnorm(t, g, b), x, p, d.dzdx, { delta: RANGE * 1e-3 });
            expect(rx.ok, `${what} x: worst ${rx.worst} > ${rx.tolerance} at ${rx.at}`).toBe(true);
            const rg = checkDerivativeElementwise((t) => nnbnorm(x, t, b), g, p, d.dzdg, { delta: 1e-2 });
            expect(rg.ok, `${what} g: worst ${rg.worst} > ${rg.tolerance}`).toBe(true);
            const rb = checkDerivativeElementwise((t) => nnbnorm(x, g, t), b, p, d.dzdb, { delta: 1e-3 });
            expect(rb.ok, `${what} b: worst ${rb.worst} > ${rb.tolerance}`).toBe(true);
          }
        }
      }
    });
  }

  // Central differences of the float64 reference forward (statistics included), against the
  // kernels' float32 backward: a much tighter check than the float32 forward differences allow.
  const shapes: Shape[] = [[2, 2, 1, 2], [3, 5, 2, 3], [8, 2, 3, 7], [4, 4, 4, 2]];
  for (const shape of shapes) {
    it(`float64 central differences for x, g, b, ${shape.join('x')}`, () => {
      const { x, g, b, p } = inputs(shape, 500 + shape[0]);
      const eps = 1e-4;
      const d = nnbnorm(x, g, b, p, { epsilon: eps });
      const F = (xv: ArrayLike<number>, gv: ArrayLike<number>, bv: ArrayLike<number>): number => {
        const m = bnormMomentsRef(xv, shape, eps);
        return project(p.data, bnormForwardRef(xv, shape, gv, bv, m.mu, m.sigma));
      };
      expectNear(d.dzdx.data, numder64((v) => F(v, g.data, b.data), x.data, 1e-3), 1e-4, 'dzdx');
      expectNear(d.dzdg.data, numder64((v) => F(x.data, v, b.data), g.data, 1e-6), 1e-5, 'dzdg');
      expectNear(d.dzdb.data, numder64((v) => F(x.data, g.data, v), b.data, 1e-6), 1e-5, 'dzdb');
    });
  }
});

describe('nnbnorm shapes, inputs and the resident runners', () => {
  it('g and b of any shape with C elements; dzdg and dzdb take their shapes', () => {
    const shape: Shape = [4, 3, 3, 2];
    const { x, p } = inputs(shape, 12);
    const g1 = randn([3, 1], { seed: 1 });
    const b1 = randn([3, 1], { seed: 2 });
    const g2 = new Tensor(g1.data.slice(), [1, 1, 3]);
    const b2 = new Tensor(b1.data.slice(), [1, 3]);
    expectExact(nnbnorm(x, g2, b2).data, nnbnorm(x, g1, b1).data, 'y');
    const d = nnbnorm(x, g2, b2, p);
    expect(d.dzdg.shape).toEqual([1, 1, 3, 1]);
    expect(d.dzdb.shape).toEqual([1, 3, 1, 1]);
    expect(d.dzdx.shape).toEqual(shape);
    expect(d.moments.shape).toEqual([3, 2, 1, 1]);
  });

  it('an undefined dzdy slot means forward with the options after it', () => {
    const { x, g, b } = inputs([4, 3, 2, 2], 15);
    expectExact(nnbnorm(x, g, b, undefined, { epsilon: 0.5 }).data, nnbnorm(x, g, b, { epsilon: 0.5 }).data, 'y');
    expect(() => nnbnorm(x, g, b, {}, {} as never)).toThrow(/nnbnorm: unexpected argument after the options/);
  });

  it('never modifies its inputs', () => {
    const shape: Shape = [5, 6, 3, 2];
    const { x, g, b, p } = inputs(shape, 13);
    const m = new Tensor(new Float32Array([1, 2, 3, 4, 5, 6]), [3, 2]);
    const copies = [x, g, b, p, m].map((t) => t.data.slice());
    nnbnorm(x, g, b);
    nnbnorm(x, g, b, p);
    nnbnorm(x, g, b, { moments: m });
    nnbnorm(x, g, b, p, { moments: m });
    [x, g, b, p, m].forEach((t, i) => expectExact(t.data, copies[i], `input ${i}`));
  });

  it('resident runners on WebAssembly addresses equal the public function', () => {
    const shape: Shape = [7, 6, 5, 3];
    const { x, g, b, p } = inputs(shape, 14);
    const plan = planBnorm(x.shape, g.shape, b.shape, null, { epsilon: 1e-3 });
    const n = x.numel;
    const [px, pg, pb, py, pm] = reserve('test', n, 5, 5, n, 10);
    write(px, x.data); write(pg, g.data); write(pb, b.data);
    bnormForward(plan, px, pg, pb, py, pm);
    // read before the public calls below, which reuse the arena
    const [y, m] = [read(py, n), read(pm, 10)];
    expectExact(y, nnbnorm(x, g, b, { epsilon: 1e-3 }).data, 'y');
    const want = nnbnorm(x, g, b, p, { epsilon: 1e-3 });
    expectExact(m, want.moments.data, 'moments');
    const bp = planBnorm(x.shape, g.shape, b.shape, p.shape, { epsilon: 1e-3 });
    const [qx, qg, qp, qd, qdg, qdb, qm] = reserve('test', n, 5, n, n, 5, 5, 10);
    write(qx, x.data); write(qg, g.data); write(qp, p.data);
    bnormBackward(bp, qx, qg, qp, qd, qdg, qdb, qm);
    expectExact(read(qd, n), want.dzdx.data, 'dzdx');
    expectExact(read(qdg, 5), want.dzdg.data, 'dzdg');
    expectExact(read(qdb, 5), want.dzdb.data, 'dzdb');
    expectExact(read(qm, 10), want.moments.data, 'moments');
    // given moments: read, not written
    const gp = planBnorm(x.shape, g.shape, b.shape, null, { moments: [5, 2, 1, 1] });
    expect(gp.givenMoments).toBe(true);
    const mm = momentsTensorData({ mu: Float64Array.from([1, 2, 3, 4, 5]), sigma: Float64Array.from([9, 8, 7, 6, 5]) });
    const [rx, rg, rb, ry, rm] = reserve('test', n, 5, 5, n, 10);
    write(rx, x.data); write(rg, g.data); write(rb, b.data); write(rm, mm);
    bnormForward(gp, rx, rg, rb, ry, rm);
    const [y2, m2] = [read(ry, n), read(rm, 10)];
    expectExact(m2, mm, 'moments untouched');
    expectExact(y2, nnbnorm(x, g, b, { moments: new Tensor(mm, [5, 2]) }).data, 'y with moments');
  });

  it('resident runners with no channels (x 4x4x0x2) run nothing and throw nothing', () => {
    const fp = planBnorm([4, 4, 0, 2], [0, 1, 1, 1], [0, 1, 1, 1], null);
    const bp = planBnorm([4, 4, 0, 2], [0, 1, 1, 1], [0, 1, 1, 1], [4, 4, 0, 2]);
    const [q] = reserve('test', 4);
    const marks = Float32Array.of(1, 2, 3, 4);
    write(q, marks);
    expect(() => { bnormForward(fp, q, q, q, q, q); bnormBackward(bp, q, q, q, q, q, q, q); }).not.toThrow();
    expectExact(read(q, 4), marks, 'memory the passes were pointed at');
  });

  it('a channel streamed alone (a group of one, 127x129x4x2: runs not a whole number of sum blocks) sums as in the whole tensor: the same bits', () => {
    const shape: Shape = [127, 129, 4, 2];
    const { x, g, b, p } = inputs(shape, 15);
    const n = x.numel;
    const fp = planBnorm(x.shape, g.shape, b.shape, null), bp = planBnorm(x.shape, g.shape, b.shape, p.shape);
    const [px, pg, pb, pp, py, pd, pdg, pdb, pm] = reserve('test', n, 4, 4, n, n, n, 4, 4, 8);
    write(px, x.data); write(pg, g.data); write(pb, b.data); write(pp, p.data);
    bnormForward(fp, px, pg, pb, py, pm);
    bnormBackward(bp, px, pg, pp, pd, pdg, pdb, pm);
    const [y, dzdx, dzdg, dzdb, m] = [read(py, n), read(pd, n), read(pdg, 4), read(pdb, 4), read(pm, 8)];
    expectExact(nnbnorm(x, g, b).data, y, 'y');
    const d = nnbnorm(x, g, b, p);
    expectExact(d.dzdx.data, dzdx, 'dzdx');
    expectExact(d.dzdg.data, dzdg, 'dzdg');
    expectExact(d.dzdb.data, dzdb, 'dzdb');
    expectExact(d.moments.data, m, 'moments');
  });
});

describe('nnbnorm errors', () => {
  const x = randn([4, 5, 3, 2], { seed: 1 });
  const g = randn([3], { seed: 2 });
  const b = randn([3], { seed: 3 });
  it('g or b with the wrong number of elements', () => {
    expect(() => nnbnorm(x, randn([4], { seed: 1 }), b)).toThrow(/nnbnorm: g is 4x1 \(4 elements\) but must have one element per channel of x, C = 3 \(x is 4x5x3x2\)/);
    expect(() => nnbnorm(x, g, randn([1, 2]))).toThrow(/nnbnorm: b is 1x2 \(2 elements\) .*C = 3/);
  });
  it('epsilon negative or not a number', () => {
    expect(() => nnbnorm(x, g, b, { epsilon: -1e-5 })).toThrow(/nnbnorm: epsilon must be >= 0, got -0.00001/);
    expect(() => nnbnorm(x, g, b, { epsilon: NaN })).toThrow(/nnbnorm: epsilon must be a finite number, got NaN/);
    expect(() => nnbnorm(x, g, b, { epsilon: '1' as never })).toThrow(/nnbnorm: epsilon must be a finite number/);
  });
  it('moments that are not C x 2, or not a Tensor', () => {
    expect(() => nnbnorm(x, g, b, { moments: randn([6, 1]) })).toThrow(/nnbnorm: moments is 6x1 but must be 3x2 .*x is 4x5x3x2/);
    expect(() => nnbnorm(x, g, b, { moments: randn([3, 3]) })).toThrow(/nnbnorm: moments is 3x3 but must be 3x2/);
    expect(() => nnbnorm(x, g, b, randn(x.shape), { moments: randn([2, 3]) })).toThrow(/nnbnorm: moments is 2x3/);
    expect(() => nnbnorm(x, g, b, { moments: [1, 2, 3, 4, 5, 6] as never })).toThrow(/nnbnorm: moments must be a Tensor, got Array/);
  });
  it('dzdy of the wrong size', () => {
    expect(() => nnbnorm(x, g, b, randn([4, 5, 3]))).toThrow(/nnbnorm: dzdy is 4x5x3 but must match y \(the size of x\), 4x5x3x2/);
  });
  it('unknown options, non-tensors, an empty batch without moments', () => {
    expect(() => nnbnorm(x, g, b, { epsilom: 1 } as never)).toThrow(/nnbnorm: unknown option 'epsilom'; the options are 'epsilon', 'moments'/);
    expect(() => nnbnorm(x, g, b, randn(x.shape), { moment: 1 } as never)).toThrow(/nnbnorm: unknown option 'moment'/);
    expect(() => nnbnorm(x, [1, 2, 3] as never, b)).toThrow(/nnbnorm: g must be a Tensor, got Array/);
    expect(() => nnbnorm(x, g, b, 3 as never)).toThrow(/nnbnorm: dzdy must be a Tensor/);
    expect(() => nnbnorm(new Tensor(new Float32Array(0), [4, 5, 3, 0]), g, b)).toThrow(/nnbnorm: x is 4x5x3x0, no values per channel/);
  });
});
