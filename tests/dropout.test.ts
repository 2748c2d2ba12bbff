import { beforeAll, describe, expect, it } from 'vitest';
import { init, nndropout, randn, checkDerivativeElementwise, Tensor } from '../src/index.js';
import { planDropout, dropoutMask, dropoutForward, dropoutBackward } from '../src/blocks/dropout.js';
import { uniformRandom } from '../src/random.js';
import { reserve, write, read, ELEMENT_CHUNK as CH } from '../src/wasm.js';
import { dropoutMaskRef, dropoutApplyRef, uniformRef } from './ref/dropout.js';
import { expectExact } from './helpers.js';

beforeAll(() => init());

// The first uniforms of seed 1 and seed 42 in units of 2^-24 (xoshiro128** seeded by splitmix32,
// top 24 bits): any runtime must give exactly these.
const GOLD1 = [9539625, 12648827, 14921554, 8221179, 7895062, 16498188, 5921815, 8980029];
const GOLD42 = [11083292, 2128694, 1874047, 13672414, 1327172, 442083];

describe('the uniform generator', () => {
  it('gives the golden first values for seeds 1 and 42', () => {
    const a = new Float32Array(8);
    uniformRandom(a, 1);
    expect(Array.from(a, (v) => v * 2 ** 24)).toEqual(GOLD1);
    const b = new Float32Array(6);
    uniformRandom(b, 42);
    expect(Array.from(b, (v) => v * 2 ** 24)).toEqual(GOLD42);
  });

  it('equals an independent implementation of the published algorithms over a long stream', () => {
    for (const seed of [0, 7, 0xffffffff]) {
      const a = new Float32Array(100003);
      uniformRandom(a, seed);
      expectExact(a, uniformRef(a.length, seed), `seed ${seed}`);
    }
  });

  it('values are in [0, 1) and spread evenly', () => {
    const a = new Float32Array(1 << 20);
    uniformRandom(a, 3);
    const bins = new Array(16).fill(0);
    let lo = 1, hi = 0;
    for (const v of a) { bins[Math.floor(v * 16)]++; lo = Math.min(lo, v); hi = Math.max(hi, v); }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    // each bin holds 65536 on average, standard deviation about 248: 6 sigma
    for (const c of bins) expect(Math.abs(c - 65536)).toBeLessThan(1500);
  });
});

describe('nndropout masks', () => {
  it('mask = (u >= rate) / (1 - rate) from the seeded uniforms, y = mask .* x exactly', () => {
    const shape = [7, 5, 3, 2];
    const x = randn(shape, { seed: 1 });
    for (const rate of [0, 0.1, 0.5, 0.75, 0.999]) {
      const { y, mask } = nndropout(x, { rate, seed: 42 });
      const u = uniformRef(x.numel, 42);
      expectExact(mask.data, dropoutMaskRef(u, rate), `mask rate ${rate}`);
      expectExact(y.data, dropoutApplyRef(x.data, mask.data), `y rate ${rate}`);
      expect(mask.shape).toEqual(x.shape);
      expect(y.shape).toEqual(x.shape);
    }
  });

  it('a rate equal to one of the uniforms keeps that element (u >= rate), the next one up drops it', () => {
    const x = new Tensor(new Float32Array(6).fill(1), [6]);
    const at = GOLD42[0] / 2 ** 24; // u[0] of seed 42
    expect(nndropout(x, { seed: 42, rate: at }).mask.data[0]).toBe(Math.fround(1 / (1 - at)));
    expect(nndropout(x, { seed: 42, rate: at + 1e-12 }).mask.data[0]).toBe(0);
    expect(nndropout(x, { seed: 42, rate: at - 1e-12 }).mask.data[0]).toBe(Math.fround(1 / (1 - at + 1e-12)));
  });

  it('golden first mask values (seed 42, rate 0.5): other runtimes compare these', () => {
    const { mask } = nndropout(new Tensor(new Float32Array(6).fill(1), [6]), { seed: 42 });
    // u = GOLD42 / 2^24 = 0.66, 0.13, 0.11, 0.81, 0.079, 0.026
    expect(Array.from(mask.data)).toEqual([2, 0, 0, 2, 0, 0]);
  });

  it('rate 0 keeps everything with mask 1; the scale is float32(1 / (1 - rate))', () => {
    const x = randn([9, 4], { seed: 2 });
    const r0 = nndropout(x, { rate: 0, seed: 1 });
    expectExact(r0.mask.data, new Float32Array(36).fill(1), 'mask');
    expectExact(r0.y.data, x.data, 'y');
    const r = nndropout(x, { rate: 0.3, seed: 1 });
    for (const v of r.mask.data) expect(v === 0 || v === Math.fround(1 / 0.7)).toBe(true);
  });

  it('statistics: the kept fraction and the mask mean on 380x508x10', () => {
    const x = new Tensor(new Float32Array(380 * 508 * 10).fill(1), [380, 508, 10]);
    for (const rate of [0.5, 0.2, 0.9]) {
      const { mask } = nndropout(x, { rate, seed: 5 });
      let kept = 0;
      let sum = 0;
      for (const v of mask.data) { if (v !== 0) kept++; sum += v; }
      const n = mask.numel;
      const sd = Math.sqrt(rate * (1 - rate) / n);
      expect(Math.abs(kept / n - (1 - rate))).toBeLessThan(6 * sd);
      expect(Math.abs(sum / n - 1)).toBeLessThan(6 * sd / (1 - rate) + 1e-6);
    }
  });

  it('the same seed gives the same mask; other seeds and the shared stream give others', () => {
    const x = randn([20, 30], { seed: 3 });
    const a = nndropout(x, { seed: 9 }).mask.data;
    expectExact(nndropout(x, { seed: 9 }).mask.data, a, 'same seed');
    const b = nndropout(x, { seed: 10 }).mask.data;
    const c = nndropout(x).mask.data;
    const d = nndropout(x).mask.data;
    const differ = (u: Float32Array, v: Float32Array) => u.some((q, i) => q !== v[i]);
    expect(differ(a, b)).toBe(true);
    expect(differ(c, d)).toBe(true); // the shared stream moves on
  });
});

describe('nndropout backward and derivatives', () => {
  it('dzdx = mask .* dzdy through the given mask', () => {
    const shape = [(2 * CH + 1) / 3, 3]; // two streaming chunks and a third of one float (2 * 2^18 + 1 = 3 * 174763)
    const x = randn(shape, { seed: 4 });
    const p = randn(shape, { seed: 5 });
    const { mask } = nndropout(x, { seed: 6, rate: 0.4 });
    expectExact(nndropout(x, p, { mask }).data, dropoutApplyRef(p.data, mask.data), 'dzdx');
  });

  it('forward with a given mask applies it and returns a copy', () => {
    const x = randn([5, 4, 3], { seed: 7 });
    const m = randn([5, 4, 3], { seed: 8 });
    const r = nndropout(x, { mask: m });
    expectExact(r.y.data, dropoutApplyRef(x.data, m.data), 'y');
    expectExact(r.mask.data, m.data, 'mask');
    expect(r.mask.data).not.toBe(m.data);
  });

  it('element-wise numerical derivative through a fixed mask (MatConvNet\'s nndropout.m)', () => {
    const x = randn([4, 5, 10, 3], { seed: 9 });
    for (let i = 0; i < x.numel; i++) x.data[i] *= 128;
    const p = randn(x.shape, { seed: 10 });
    const { mask } = nndropout(x, { seed: 11 });
    const dzdx = nndropout(x, p, { mask });
    const r = checkDerivativeElementwise((t) => nndropout(t, { mask }).y, x, p, dzdx, { delta: 128e-3 });
    expect(r.ok, `worst ${r.worst} > ${r.tolerance} at ${r.at}`).toBe(true);
  });

  it('an undefined dzdy slot means forward with the options after it', () => {
    const x = randn([5, 3], { seed: 16 });
    expectExact(nndropout(x, undefined as never, { seed: 4 }).mask.data, nndropout(x, { seed: 4 }).mask.data, 'mask');
  });

  it('never modifies its inputs', () => {
    const x = randn([6, 7, 2], { seed: 12 });
    const p = randn([6, 7, 2], { seed: 13 });
    const { mask } = nndropout(x, { seed: 1 });
    const copies = [x, p, mask].map((t) => t.data.slice());
    nndropout(x, { mask });
    nndropout(x, p, { mask });
    [x, p, mask].forEach((t, i) => expectExact(t.data, copies[i], `input ${i}`));
  });

  it('resident runners on WebAssembly addresses', () => {
    const x = randn([9, 7, 3], { seed: 14 });
    const p = randn([9, 7, 3], { seed: 15 });
    const plan = planDropout(x.shape, null, { rate: 0.25, seed: 77 });
    const n = x.numel;
    const [px, pm, py, pp, pd] = reserve('test', n, n, n, n, n);
    write(px, x.data); write(pp, p.data);
    dropoutMask(plan, pm);
    dropoutForward(plan, px, pm, py);
    dropoutBackward(plan, pp, pm, pd);
    const [m, y, d] = [read(pm, n), read(py, n), read(pd, n)];
    const want = nndropout(x, { rate: 0.25, seed: 77 });
    expectExact(m, want.mask.data, 'mask');
    expectExact(y, want.y.data, 'y');
    expectExact(d, dropoutApplyRef(p.data, m), 'dzdx');
  });
});

describe('nndropout errors', () => {
  const x = randn([4, 5, 3], { seed: 1 });
  it('rate outside [0, 1) or not a number', () => {
    expect(() => nndropout(x, { rate: 1 })).toThrow(/nndropout: rate must be in \[0, 1\), got 1/);
    expect(() => nndropout(x, { rate: -0.1 })).toThrow(/nndropout: rate must be in \[0, 1\), got -0.1/);
    expect(() => nndropout(x, { rate: NaN })).toThrow(/nndropout: rate must be a finite number, got NaN/);
    expect(() => nndropout(x, { rate: '0.5' as never })).toThrow(/nndropout: rate must be a finite number/);
  });
  it('bad seeds', () => {
    expect(() => nndropout(x, { seed: -1 })).toThrow(/nndropout: seed must be an integer in 0..4294967295, got -1/);
    expect(() => nndropout(x, { seed: 1.5 })).toThrow(/nndropout: seed must be an integer/);
  });
  it('masks of the wrong size, missing, or with rate/seed', () => {
    const p = randn(x.shape, { seed: 2 });
    expect(() => nndropout(x, p, { mask: randn([4, 5, 2]) })).toThrow(/nndropout: mask is 4x5x2 but must match x, 4x5x3/);
    expect(() => nndropout(x, { mask: randn([4, 5]) })).toThrow(/nndropout: mask is 4x5 but must match x, 4x5x3/);
    expect(() => nndropout(x, p, {})).toThrow(/nndropout: the backward pass needs the forward pass's mask/);
    expect(() => nndropout(x, p, undefined as never)).toThrow(/nndropout: the backward pass needs the forward pass's mask/);
    expect(() => nndropout(x, p, { mask: p, rate: 0.5 })).toThrow(/nndropout: unknown option 'rate'; the options are 'mask'/);
    expect(() => nndropout(x, { mask: p, seed: 3 })).toThrow(/nndropout: give either a mask or rate\/seed, not both \(got mask and seed 3\)/);
    expect(() => nndropout(x, { mask: [1, 2] as never })).toThrow(/nndropout: mask must be a Tensor, got Array/);
  });
  it('dzdy of the wrong size, unknown options', () => {
    const { mask } = nndropout(x);
    expect(() => nndropout(x, randn([4, 5]), { mask })).toThrow(/nndropout: dzdy is 4x5 but must match y \(the size of x\), 4x5x3/);
    expect(() => nndropout(x, { rates: 0.5 } as never)).toThrow(/nndropout: unknown option 'rates'; the options are 'rate', 'seed', 'mask'/);
  });
});
