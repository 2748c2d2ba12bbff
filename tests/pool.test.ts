import { beforeAll, describe, expect, it } from 'vitest';
import { init, nnconv, nnpool, randn, Tensor } from '../src/index.js';
import { poolForwardRef, poolBackwardRef, poolOutSize, type PoolRefParams } from './ref/pool.js';
import { distinct, expectClose, expectExact } from './helpers.js';
import { bandColumns, planPool } from '../src/blocks/pool.js';

beforeAll(() => init());

type Pad4 = [number, number, number, number];
const pair = (v: number | number[]): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);
const quad = (v: number | number[]): Pad4 => (typeof v === 'number' ? [v, v, v, v] : (v.slice() as Pad4));

/** Forward and backward of both methods against the §2 reference (max exact, avg to rounding). */
function checkCase(x: Tensor, pool: number | number[], stride: number | number[], pad: number | number[]): void {
  for (const method of ['max', 'avg'] as const) {
    const p: PoolRefParams = { pool: pair(pool), stride: pair(stride), pad: quad(pad), method };
    const opts = { method, stride, pad };
    const y = nnpool(x, pool, opts);
    const [Ho, Wo] = poolOutSize(x.shape, p);
    expect(y.shape).toEqual([Ho, Wo, x.shape[2], x.shape[3]]);
    const dzdy = distinct(y.shape, 17, 0.25, -0.125 * y.numel);
    const d = nnpool(x, pool, dzdy, opts);
    expect(d.shape).toEqual(x.shape);
    const yr = poolForwardRef(x.data, x.shape, p);
    const dr = poolBackwardRef(x.data, x.shape, dzdy.data, p);
    if (method === 'max') {
      expectExact(y.data, yr, `${method} y`);
      expectExact(d.data, dr, `${method} dzdx`);
    } else {
      // Sums in another order than the reference: a few float32 roundings of the largest terms.
      const big = (a: Float32Array): number => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      expectClose(y.data, yr, 1e-5, 1e-6 * big(x.data), `${method} y`);
      expectClose(d.data, dr, 1e-5, 1e-6 * big(dzdy.data), `${method} dzdx`);
    }
  }
}

describe('nnpool: the worked example of SEMANTICS §2.6', () => {
  // x(i, j) = 1 + i + 3j: rows [1 4 7; 2 5 8; 3 6 9]; pool 3, pad 1, stride 1.
  const x = new Tensor(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), [3, 3]);
  const ones = new Tensor(new Float32Array(9).fill(1), [3, 3]);
  const rows = (t: Tensor): number[][] => [0, 1, 2].map((i) => [0, 1, 2].map((j) => t.at(i, j)));

  it('avg y = [3 4.5 6; 3.5 5 6.5; 4 5.5 7] (the corner divides by 4, not 9)', () => {
    const y = nnpool(x, 3, { method: 'avg', pad: 1 });
    expect(rows(y)).toEqual([[3, 4.5, 6], [3.5, 5, 6.5], [4, 5.5, 7]]);
  });

  it('max y = [5 8 8; 6 9 9; 6 9 9]', () => {
    expect(rows(nnpool(x, 3, { pad: 1 }))).toEqual([[5, 8, 8], [6, 9, 9], [6, 9, 9]]);
  });

  it('avg backward with p = ones: dzdx(0,0) = 0.69444, centre 1.77778', () => {
    const d = nnpool(x, 3, ones, { method: 'avg', pad: 1 });
    expect(d.at(0, 0)).toBeCloseTo(1 / 4 + 1 / 6 + 1 / 6 + 1 / 9, 6);
    expect(d.at(0, 0)).toBeCloseTo(0.69444, 5);
    expect(d.at(1, 1)).toBeCloseTo(1.77778, 5);
  });

  it('max backward with p = ones: [0 0 0; 0 1 2; 0 2 4]', () => {
    expect(rows(nnpool(x, 3, ones, { pad: 1 }))).toEqual([[0, 0, 0], [0, 1, 2], [0, 2, 4]]);
  });

  it('ties: a 2x2 constant, pool 2, p = 1 sends the whole 1 to dzdx(0,0)', () => {
    const c = new Tensor(new Float32Array(4).fill(7), [2, 2]);
    const d = nnpool(c, 2, new Tensor(Float32Array.from([1]), [1, 1]));
    expect(Array.from(d.data)).toEqual([1, 0, 0, 0]);
  });
});

describe('nnpool equals the §2 reference on MatConvNet-style grids', () => {
  // Sizes that are not multiples of the vector width (4), a batch, mixed signs.
  const xs = [distinct([7, 9, 2, 2], 1, 1, -126), distinct([13, 6, 3, 1], 2, 0.5, -60)];
  for (let ph = 1; ph <= 3; ph++) {
    for (let s = 1; s <= 4; s++) {
      for (let pad = 0; pad < ph && pad <= 2; pad++) {
        it(`pool ${ph}, stride ${s}, pad ${pad}`, () => { for (const x of xs) checkCase(x, ph, s, pad); });
      }
    }
  }
  for (let sy = 1; sy <= 2; sy++) {
    for (let sx = 1; sx <= 3; sx++) {
      it(`pool [3 2], stride [${sy} ${sx}]`, () => { for (const x of xs) checkCase(x, [3, 2], [sy, sx], 0); });
    }
  }
  for (let l = 0; l <= 2; l++) {
    for (let r = 0; r <= 2; r++) {
      it(`pool 3, asymmetric pad [0 0 ${l} ${r}]`, () => { for (const x of xs) checkCase(x, 3, 1, [0, 0, l, r]); });
    }
  }
});

describe('nnpool wide windows (the running max and sums) against the reference', () => {
  const x = distinct([23, 29, 2, 2], 5, 1, -1300);
  const cases: [number | number[], number | number[], number | number[]][] = [
    [10, 1, 0], [10, 1, [9, 0, 3, 9]], [[5, 7], 1, [4, 2, 6, 1]], [[4, 9], 1, [1, 3, 8, 8]],
    [7, 2, 3], [10, 3, [1, 2, 5, 9]], [[6, 12], [1, 2], [5, 5, 11, 0]], [[12, 6], [3, 1], 2],
    [[23, 29], 1, 0], [[23, 29], 1, [22, 22, 28, 28]], [4, 1, 3],
  ];
  for (const [pool, stride, pad] of cases) {
    it(`pool ${JSON.stringify(pool)}, stride ${JSON.stringify(stride)}, pad ${JSON.stringify(pad)}`, () => {
      checkCase(x, pool, stride, pad);
    });
  }
});

describe('nnpool small stride-2 pools (the direct kernel) on tall columns', () => {
  const xs = [distinct([37, 9, 3, 2], 6, 1, -1000), distinct([40, 5, 2], 7, 0.5, -100)];
  for (const ph of [1, 2, 3]) {
    for (const pw of [1, 2, 3]) {
      for (let pad = 0; pad < Math.min(ph, pw); pad++) {
        it(`pool [${ph} ${pw}], stride 2, pad ${pad}`, () => { for (const x of xs) checkCase(x, [ph, pw], [2, 1 + (ph % 3)], pad); });
      }
    }
  }
  it('NaN inside a vector of the direct kernel never wins', () => {
    const x = distinct([24, 4], 3, 1, -50);
    for (const k of [5, 9, 10, 17, 30, 40, 41]) x.data[k] = NaN;
    const p: PoolRefParams = { pool: [3, 3], stride: [2, 2], pad: [1, 1, 1, 1], method: 'max' };
    expectExact(nnpool(x, 3, { stride: 2, pad: 1 }).data, poolForwardRef(x.data, x.shape, p), 'y');
  });
});

describe('nnpool forward in bands of output columns (planes larger than the cache)', () => {
  // [shape, pool, stride, pad]: every case makes at least two bands, the last one partial, and
  // (for the running form, pw > 2*sx + 1) a band boundary inside a block of pw columns.
  const cases: [number[], number | number[], number | number[], number | number[]][] = [
    [[600, 70, 1, 2], 10, 1, 0],
    [[500, 150, 2], [3, 7], 2, [1, 2, 3, 1]],
    [[300, 240], [4, 2], [2, 3], [0, 1, 1, 0]],
    [[400, 200], 2, 2, 0],
    [[300, 260], 3, 2, 1],
  ];
  for (const [shape, pool, stride, pad] of cases) {
    it(`x ${shape.join('x')}, pool ${JSON.stringify(pool)}, stride ${JSON.stringify(stride)}, pad ${JSON.stringify(pad)}`, () => {
      const n = shape.reduce((a, b) => a * b, 1);
      const x = distinct(shape, 21, 1, -n / 2);
      const plan = planPool(x.shape, pool, null, { stride, pad });
      const cols = bandColumns(plan);
      expect(cols).toBeGreaterThan(0);
      expect(plan.Wo).toBeGreaterThan(cols);
      expect(plan.Wo % cols).not.toBe(0);
      if (plan.pool[1] > 2 * plan.stride[1] + 1) expect((cols * plan.stride[1]) % plan.pool[1]).not.toBe(0);
      checkCase(x, pool, stride, pad);
    });
  }
});

describe('nnpool edge cases', () => {
  it('H and W from 1 to 9 around the vector width', () => {
    for (let H = 1; H <= 9; H++) {
      for (const W of [1, 2, 5]) {
        const x = distinct([H, W, 2], H * 10 + W, 1, -H * W);
        checkCase(x, 1, 1, 0);
        checkCase(x, [Math.min(H, 2), 1], 1, 0);
        if (H >= 4 && W >= 5) checkCase(x, [4, 5], 1, [3, 0, 4, 2]);
      }
    }
  });

  it('all-negative windows take the largest negative, never a padded zero', () => {
    const x = distinct([9, 10, 3], 3, 1, -300);
    checkCase(x, 3, 2, 1);
    checkCase(x, 6, 1, [5, 5, 5, 5]);
    const y = nnpool(new Tensor(new Float32Array(4).fill(-5), [2, 2]), 2, { pad: 1 });
    expect(Array.from(y.data)).toEqual(new Array(9).fill(-5));
  });

  it('stride larger than the pool leaves gaps with zero derivative', () => {
    const x = distinct([11, 10, 2], 8, 1, -100);
    checkCase(x, 2, 5, 0);
    checkCase(x, [1, 3], [4, 6], [0, 0, 2, 1]);
    const d = nnpool(x, 1, randn([3, 2, 2], { seed: 1 }), { stride: 5 });
    let nonzero = 0;
    for (let i = 0; i < d.numel; i++) if (d.data[i] !== 0) nonzero++;
    expect(nonzero).toBe(12);
  });

  it('streams planes through the arena in chunks (uneven last chunk) with the same result', () => {
    // Backward: 210x300 planes, two fit in one chunk of the facade, so 5 planes make chunks of 2, 2 and 1
    // (the forward pass cuts these planes into bands). Forward: 100x120 planes, two per group, 7 planes.
    checkCase(distinct([210, 300, 5], 12, 1, -150000), 3, [1, 2], [1, 2, 0, 1]);
    const x = distinct([100, 120, 7], 14, 1, -42000);
    expect(bandColumns(planPool(x.shape, 3, null, {}))).toBe(0);
    checkCase(x, 3, [1, 2], [1, 2, 0, 1]);
  });

  it('global and near-global pools (the direct form, no block of pw lines) match the reference', () => {
    const x = distinct([300, 300], 13, 1, -45000);
    checkCase(x, 300, 1, 0);
    checkCase(x, [200, 280], [50, 7], [100, 0, 20, 70]);
  });

  it('no channels or no images: empty outputs of the right shape', () => {
    for (const shape of [[5, 6, 0], [5, 6, 2, 0]]) {
      const x = new Tensor(new Float32Array(0), shape);
      const y = nnpool(x, 2, { stride: 2 });
      expect(y.shape).toEqual([2, 3, shape[2], shape[3] ?? 1]);
      expect(nnpool(x, 2, y, { stride: 2, method: 'avg' }).shape).toEqual(x.shape);
      expect(nnpool(x, 2, y, { stride: 2 }).data.length).toBe(0);
    }
  });

  it('pool 1 is the identity (stride 1) and its derivative passes dzdy through', () => {
    const x = randn([5, 7, 3, 2], { seed: 3 });
    const p = randn([5, 7, 3, 2], { seed: 4 });
    expectExact(nnpool(x, 1).data, x.data, 'y');
    expectExact(nnpool(x, 1, { method: 'avg' }).data, x.data, 'avg y');
    expectExact(nnpool(x, 1, p).data, p.data, 'dzdx');
  });

  it('ties everywhere: the first maximum in column-major order wins, as the direct scan', () => {
    // Values from {0, 1, 2}: most windows hold several maxima in different rows and columns.
    const shape = [17, 19, 2, 2];
    const n = shape.reduce((a, b) => a * b);
    const x = new Tensor(Float32Array.from({ length: n }, (_, i) => (i * 7 + ((i * i) % 11)) % 3), shape);
    for (const [pool, stride, pad] of [[2, 1, 0], [3, 1, 1], [3, 2, 1], [10, 1, 4], [[4, 7], 1, [3, 2, 6, 5]], [[7, 4], [2, 1], 3], [6, 2, 2]] as const) {
      checkCase(x, pool as number | number[], stride as number | number[], pad as number | number[]);
    }
    const c = new Tensor(new Float32Array(36).fill(2), [6, 6]);
    for (const pool of [2, 3, 5]) checkCase(c, pool, 1, pool - 1);
  });

  it('NaN never wins: mixed windows give the largest number; all-NaN windows give -Infinity and no derivative', () => {
    const v = new Float32Array(16).fill(NaN);
    v[5] = 3; v[6] = -2; v[15] = -Infinity;
    const x = new Tensor(v, [4, 4]);
    for (const [pool, stride, pad] of [[2, 1, 0], [2, 2, 0], [3, 1, 2], [4, 1, 3]] as const) {
      const p: PoolRefParams = { pool: [pool, pool], stride: [stride, stride], pad: [pad, pad, pad, pad], method: 'max' };
      const y = nnpool(x, pool, { stride, pad });
      expectExact(y.data, poolForwardRef(x.data, x.shape, p), 'y');
      const dzdy = distinct(y.shape, 2, 1, 0);
      expectExact(nnpool(x, pool, dzdy, { stride, pad }).data, poolBackwardRef(x.data, x.shape, dzdy.data, p), 'dzdx');
    }
    const y = nnpool(x, 2, { stride: 2 });
    expect(Array.from(y.data)).toEqual([3, -2, -Infinity, -Infinity]);
    const d = nnpool(x, 2, new Tensor(Float32Array.from([1, 1, 1, 1]), [2, 2]), { stride: 2 });
    expect(Array.from(d.data)).toEqual([0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    // avg is a sum: NaN spreads to every window that holds it.
    expect(Number.isNaN(nnpool(x, 2, { method: 'avg', stride: 2 }).data[0])).toBe(true);
  });
});

describe('nnpool avg equals a depthwise conv with ones / (ph*pw) without padding (SEMANTICS §2.7)', () => {
  for (const [pool, stride] of [[[3, 2], [2, 1]], [[2, 2], 2], [[4, 5], 1]] as const) {
    it(`pool ${JSON.stringify(pool)}, stride ${JSON.stringify(stride)}`, () => {
      const [ph, pw] = pool;
      const x = randn([11, 9, 3, 2], { seed: 31 });
      const w = new Tensor(new Float32Array(ph * pw * 3).fill(1 / (ph * pw)), [ph, pw, 1, 3]);
      const yc = nnconv(x, w, null, { stride: stride as number | number[] });
      const yp = nnpool(x, pool as unknown as number[], { method: 'avg', stride: stride as number | number[] });
      expect(yp.shape).toEqual(yc.shape);
      expectClose(yp.data, yc.data, 1e-5, 1e-6);
      const p = randn(yp.shape, { seed: 32 });
      expectClose(nnpool(x, pool as unknown as number[], p, { method: 'avg', stride: stride as number | number[] }).data,
        nnconv(x, w, null, p, { stride: stride as number | number[] }).dzdx!.data, 1e-5, 1e-6);
    });
  }
});

describe('nnpool numerical derivatives (MatConvNet element-wise check)', () => {
  // Distinct values 1 apart and delta 0.1: no argmax flips, so forward differences are exact
  // up to float rounding of the differences (computed in float64 here).
  for (const [method, pool, stride, pad] of [['max', 3, 1, 1], ['max', [2, 3], [2, 1], [1, 0, 2, 0]], ['max', 5, 1, 2],
    ['avg', 3, 1, 1], ['avg', [2, 3], [2, 1], [1, 0, 2, 0]], ['avg', 5, 1, 2]] as const) {
    it(`${method} pool ${JSON.stringify(pool)} stride ${JSON.stringify(stride)} pad ${JSON.stringify(pad)}`, () => {
      const opts = { method, stride: stride as number | number[], pad: pad as number | number[] };
      const x = distinct([6, 7, 2], 9, 1, -40);
      const y0 = nnpool(x, pool as number | number[], opts);
      const p = randn(y0.shape, { seed: 21 });
      const d = nnpool(x, pool as number | number[], p, opts);
      const delta = 0.1;
      for (let i = 0; i < x.numel; i++) {
        const xp = new Tensor(x.data.slice(), x.shape);
        xp.data[i] += delta;
        const y1 = nnpool(xp, pool as number | number[], opts);
        let s = 0;
        for (let q = 0; q < y0.numel; q++) s += p.data[q] * (y1.data[q] - y0.data[q]);
        expect(s / delta).toBeCloseTo(d.data[i], 3);
      }
    });
  }
});

describe('nnpool inputs and errors', () => {
  it('never modifies its inputs', () => {
    const x = randn([8, 9, 2], { seed: 5 });
    const xs = x.data.slice();
    const y = nnpool(x, 3, { method: 'avg' });
    const p = randn(y.shape, { seed: 6 });
    const ps = p.data.slice();
    nnpool(x, 3, p, { method: 'avg' });
    nnpool(x, 3, p);
    expectExact(x.data, xs, 'x after');
    expectExact(p.data, ps, 'dzdy after');
  });

  it('accepts method in any case and defaults to max, stride 1, pad 0', () => {
    const x = randn([6, 6], { seed: 7 });
    expect(nnpool(x, 2).shape).toEqual([5, 5, 1, 1]);
    expectExact(nnpool(x, 2, { method: 'MAX' as 'max' }).data, nnpool(x, 2).data);
    expectExact(nnpool(x, 2, { method: 'Avg' as 'avg' }).data, nnpool(x, 2, { method: 'avg' }).data);
  });

  it('names the argument and the sizes in every error', () => {
    const x = randn([4, 5, 3]);
    expect(() => nnpool(x, 2, { stride: 0 })).toThrow(/nnpool: stride must hold integers (>= 1|from 1 to \d+), got 0/);
    expect(() => nnpool(x, 0)).toThrow(/nnpool: pool must hold integers (>= 1|from 1 to \d+), got 0/);
    expect(() => nnpool(x, [2, 2, 2])).toThrow(/nnpool: pool must be a number or \[y, x\], got \[2, 2, 2\]/);
    expect(() => nnpool(x, 6)).toThrow(/nnpool: pool 6x6 is larger than the padded input 4x5 \(x is 4x5x3, pad \[0, 0, 0, 0\]\)/);
    expect(() => nnpool(x, 2, { pad: -1 })).toThrow(/nnpool: pad must hold integers (>= 0|from 0 to \d+), got -1/);
    expect(() => nnpool(x, 2, { pad: [0, 2, 0, 0] })).toThrow(/nnpool: pad \[0, 2, 0, 0\] must be smaller than pool 2x2 on each axis \(bottom 2 >= ph 2\)/);
    expect(() => nnpool(x, [3, 2], { pad: [0, 0, 0, 2] })).toThrow(/right 2 >= pw 2/);
    expect(() => nnpool(x, 2, { pad: NaN })).toThrow(/nnpool: pad must hold integers/);
    expect(() => nnpool(x, 2, { method: 'sum' as 'max' })).toThrow(/nnpool: method must be 'max' or 'avg', got 'sum'/);
    expect(() => nnpool(x, 2, { strides: 2 } as never)).toThrow(/nnpool: unknown option 'strides'/);
    expect(nnpool(x, 2, randn([3, 4, 3])).shape).toEqual([4, 5, 3, 1]);
    expect(() => nnpool(x, 2, randn([4, 4, 3]))).toThrow(/nnpool: dzdy is 4x4x3 but must match y, 3x4x3/);
    expect(() => nnpool(new Float32Array(4) as never, 2)).toThrow(/nnpool: x must be a Tensor, got Float32Array/);
    expect(() => nnpool(randn([0, 3]), 1)).toThrow(/nnpool: x is 0x3/);
  });
});
