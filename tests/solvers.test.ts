// cnnTrain's solvers (NETWORKS.md §3.1, §3.5) against their update rules written out by hand, step
// by step, on small arrays: float32 storage (Math.fround at every stored value), float64 maths.
import { describe, expect, it } from 'vitest';
import {
  adadelta, adagrad, adam, normaliseGradient, rmsprop, sgd, solverOf, updateMoments, type SolverState,
} from '../src/net/solvers.js';
import { randperms } from '../src/random.js';
import { expectExact } from './helpers.js';

const f = Math.fround;
const W0 = [0.5, -1.25, 2, 0.03125, -0.7];
/** Gradients of five steps: distinct, signed, one exact zero. */
const GRADS = [[0.1, -0.2, 0.3, 0, 1.5], [-0.4, 0.05, 0.2, 0.7, -1], [0.25, 0.25, -0.6, 0.1, 0.3],
  [1, -1, 0.5, -0.5, 0.01], [-0.3, 0.8, 0.9, -0.2, 0.4]];

function run(solver: { step(w: Float32Array, s: SolverState, g: Float32Array, o: never, lr: number): SolverState },
  opts: object, lr: number): { w: Float32Array; states: SolverState[] } {
  const w = Float32Array.from(W0);
  let s: SolverState = 0;
  const states: SolverState[] = [];
  for (const g of GRADS) {
    s = solver.step(w, s, Float32Array.from(g), opts as never, lr);
    states.push(s);
  }
  return { w, states };
}

describe('sgd: m <- mu m - g; w <- w + lr (nesterov ? mu m - g : m)', () => {
  for (const nesterov of [false, true]) {
    it(`nesterov ${nesterov}, five steps from state 0`, () => {
      const mu = 0.9, lr = 0.05;
      const w = W0.map(f), m = W0.map(() => 0);
      for (const g0 of GRADS) {
        const g = g0.map(f);
        for (let i = 0; i < w.length; i++) {
          m[i] = f(mu * m[i] - g[i]);
          const delta = nesterov ? mu * m[i] - g[i] : m[i];
          w[i] = f(w[i] + lr * delta);
        }
      }
      const got = run(sgd, { momentum: mu, nesterov }, lr);
      expectExact(got.w, Float32Array.from(w), 'w');
      expectExact(got.states[4] as Float32Array, Float32Array.from(m), 'momentum buffer');
      // The buffer holds no learning rate: after step 1 it is -g exactly.
      const one = sgd.step(Float32Array.from(W0), 0, Float32Array.from(GRADS[0]), { momentum: mu, nesterov }, lr);
      expectExact(one as Float32Array, Float32Array.from(GRADS[0], (g) => 0 - f(g)), 'm after one step');
    });
  }
  it('is MatConvNet\'s update, not v <- mu v + lr g, when the learning rate changes', () => {
    const w = Float32Array.of(1), g = Float32Array.of(1);
    let s: SolverState = sgd.step(w, 0, g, { momentum: 0.5, nesterov: false }, 0.1); // m = -1, w = 0.9
    s = sgd.step(w, s, g, { momentum: 0.5, nesterov: false }, 1); // m = -1.5, w = 0.9 - 1.5
    expect(w[0]).toBe(f(f(0.9) - 1.5));
    expect((s as Float32Array)[0]).toBe(-1.5);
  });
});

describe('adam, adagrad, rmsprop, adadelta as +solver/*.m write them', () => {
  it('adam: m, v, t, bias-corrected lr_t', () => {
    const { beta1, beta2, eps } = { beta1: 0.8, beta2: 0.99, eps: 1e-3 };
    const lr = 0.01;
    const w = W0.map(f), m = W0.map(() => 0), v = W0.map(() => 0);
    let t = 0;
    for (const g0 of GRADS) {
      const g = g0.map(f);
      t += 1;
      const lrt = lr * (Math.sqrt(1 - beta2 ** t) / (1 - beta1 ** t));
      for (let i = 0; i < w.length; i++) {
        m[i] = f(beta1 * m[i] + (1 - beta1) * g[i]);
        v[i] = f(beta2 * v[i] + (1 - beta2) * g[i] * g[i]);
        w[i] = f(w[i] - (lrt * m[i]) / (Math.sqrt(v[i]) + eps));
      }
    }
    const got = run(adam, { beta1, beta2, eps }, lr);
    expectExact(got.w, Float32Array.from(w), 'w');
    const s = got.states[4] as { m: Float32Array; v: Float32Array; t: number };
    expect(Object.keys(s)).toEqual(['m', 'v', 't']);
    expectExact(s.m, Float32Array.from(m), 'm');
    expectExact(s.v, Float32Array.from(v), 'v');
    expect(s.t).toBe(5);
  });
  it('adagrad: G <- rho G + g^2 (no 1 - rho), with rho < 1 too', () => {
    for (const rho of [1, 0.7]) {
      const eps = 1e-4, lr = 0.1;
      const w = W0.map(f), G = W0.map(() => 0);
      for (const g0 of GRADS) {
        const g = g0.map(f);
        for (let i = 0; i < w.length; i++) {
          G[i] = f(G[i] * rho + g[i] * g[i]);
          w[i] = f(w[i] - (lr * g[i]) / (Math.sqrt(G[i]) + eps));
        }
      }
      const got = run(adagrad, { epsilon: eps, rho }, lr);
      expectExact(got.w, Float32Array.from(w), `w (rho ${rho})`);
      expectExact(got.states[4] as Float32Array, Float32Array.from(G), `g_sqr (rho ${rho})`);
    }
  });
  it('rmsprop: G <- rho G + (1 - rho) g^2', () => {
    const eps = 1e-8, rho = 0.9, lr = 0.01;
    const w = W0.map(f), G = W0.map(() => 0);
    for (const g0 of GRADS) {
      const g = g0.map(f);
      for (let i = 0; i < w.length; i++) {
        G[i] = f(G[i] * rho + g[i] * g[i] * (1 - rho));
        w[i] = f(w[i] - (lr * g[i]) / (Math.sqrt(G[i]) + eps));
      }
    }
    const got = run(rmsprop, { epsilon: eps, rho }, lr);
    expectExact(got.w, Float32Array.from(w), 'w');
    expectExact(got.states[4] as Float32Array, Float32Array.from(G), 'g_sqr');
  });
  it('adadelta: ignores lr; g_sqr and delta_sqr', () => {
    const eps = 1e-6, rho = 0.9;
    const w = W0.map(f), G = W0.map(() => 0), D = W0.map(() => 0);
    for (const g0 of GRADS) {
      const g = g0.map(f);
      for (let i = 0; i < w.length; i++) {
        G[i] = f(G[i] * rho + g[i] * g[i] * (1 - rho));
        const delta = -Math.sqrt((D[i] + eps) / (G[i] + eps)) * g[i];
        D[i] = f(D[i] * rho + delta * delta * (1 - rho));
        w[i] = f(w[i] + delta);
      }
    }
    for (const lr of [0.001, 100]) {
      const got = run(adadelta, { epsilon: eps, rho }, lr);
      expectExact(got.w, Float32Array.from(w), `w (lr ${lr})`);
      const s = got.states[4] as { g_sqr: Float32Array; delta_sqr: Float32Array };
      expect(Object.keys(s)).toEqual(['g_sqr', 'delta_sqr']);
      expectExact(s.g_sqr, Float32Array.from(G), 'g_sqr');
      expectExact(s.delta_sqr, Float32Array.from(D), 'delta_sqr');
    }
  });
  it('defaults as MatConvNet\'s (solver() with no arguments)', () => {
    expect(sgd.defaults).toEqual({ momentum: 0.9, nesterov: false });
    expect(adam.defaults).toEqual({ beta1: 0.9, beta2: 0.999, eps: 1e-8 });
    expect(adagrad.defaults).toEqual({ epsilon: 1e-10, rho: 1 });
    expect(rmsprop.defaults).toEqual({ epsilon: 1e-8, rho: 0.99 });
    expect(adadelta.defaults).toEqual({ epsilon: 1e-6, rho: 0.9 });
  });
  it('updates w in place and reuses the state arrays it returned', () => {
    const w = Float32Array.from(W0);
    const s1 = rmsprop.step(w, 0, Float32Array.from(GRADS[0]), { ...rmsprop.defaults }, 0.1);
    const s2 = rmsprop.step(w, s1, Float32Array.from(GRADS[1]), { ...rmsprop.defaults }, 0.1);
    expect(s2).toBe(s1);
    expect(w[0]).not.toBe(f(W0[0]));
  });
  it('a state of the wrong size is an Error naming the solver and sizes', () => {
    expect(() => sgd.step(new Float32Array(3), new Float32Array(2), new Float32Array(3), { momentum: 0.9, nesterov: false }, 1))
      .toThrow('sgd: state (the momentum buffer) has 2 elements but the weight has 3');
    expect(() => adam.step(new Float32Array(3), { m: 0, v: new Float32Array(4), t: 1 }, new Float32Array(3), { ...adam.defaults }, 1))
      .toThrow('adam: state.v has 4 elements but the weight has 3');
    expect(() => adadelta.step(new Float32Array(3), new Float32Array(3), new Float32Array(3), { ...adadelta.defaults }, 1))
      .toThrow('adadelta: state must be 0 or { g_sqr, delta_sqr }');
  });
});

describe('weight decay, multipliers and the batch size (accumulateGradients\' arithmetic)', () => {
  it('g\' = g / B + lambda w, then the step with eta = lr * multiplier', () => {
    const B = 7, wd = 5e-4, lrGlobal = 0.02, mult = { lr: 2, wd: 0.5 };
    const w = W0.map(f), m = W0.map(() => 0);
    for (const g0 of GRADS) {
      const g = g0.map(f);
      for (let i = 0; i < w.length; i++) {
        const gp = f((1 / B) * g[i] + wd * mult.wd * w[i]);
        m[i] = f(0.9 * m[i] - gp);
        w[i] = f(w[i] + lrGlobal * mult.lr * m[i]);
      }
    }
    const wt = Float32Array.from(W0);
    let s: SolverState = 0;
    for (const g0 of GRADS) {
      const g = Float32Array.from(g0);
      normaliseGradient(g, wt, B, wd * mult.wd);
      s = sgd.step(wt, s, g, { momentum: 0.9, nesterov: false }, lrGlobal * mult.lr);
    }
    expectExact(wt, Float32Array.from(w), 'w');
  });
  it('bnorm moments: w3 <- (1 - lr3) w3 + (lr3 / B) g', () => {
    const w = Float32Array.of(1, 2, 3, 4), g = Float32Array.of(10, 20, 30, 40);
    updateMoments(w, g, 1, 10); // rate 1 (cnnTrain's default multiplier): the batch's moments
    expectExact(w, Float32Array.of(1, 2, 3, 4), 'rate 1');
    updateMoments(w, Float32Array.of(20, 0, 50, -40), 0.25, 10);
    expectExact(w, Float32Array.of(f(0.75 * 1 + 0.025 * 20), f(0.75 * 2), f(0.75 * 3 + 0.025 * 50), f(0.75 * 4 - 0.025 * 40)), 'rate 0.25');
  });
});

describe('check: the state step would refuse, found before any update', () => {
  it('passes 0 and every state the solvers grow; refuses what step refuses, with step\'s words, changing nothing', () => {
    const w = Float32Array.of(1, 2), g = Float32Array.of(0.5, -0.5);
    const opts = { sgd: { momentum: 0.9, nesterov: false }, adam: adam.defaults, adagrad: adagrad.defaults, rmsprop: rmsprop.defaults, adadelta: adadelta.defaults };
    for (const s of [sgd, adam, adagrad, rmsprop, adadelta]) {
      expect(() => s.check!(0, 2)).not.toThrow();
      const grown = s.step(Float32Array.from(w), 0, g, opts[s.name as keyof typeof opts] as never, 0.1);
      expect(() => s.check!(grown, 2), s.name).not.toThrow();
      expect(() => s.step(Float32Array.from(w), grown, g, opts[s.name as keyof typeof opts] as never, 0.1), s.name).not.toThrow();
      // Of a weight of 3 elements, every grown state is the wrong size: check and step say the same.
      const before = JSON.stringify(grown, (_, v) => (v instanceof Float32Array ? Array.from(v) : v));
      let msg = '';
      try { s.step(new Float32Array(3), grown, new Float32Array(3), opts[s.name as keyof typeof opts] as never, 0.1); } catch (e) { msg = (e as Error).message; }
      expect(msg, s.name).toMatch(/has 2 elements but the weight has 3/);
      expect(() => s.check!(grown, 3), s.name).toThrow(msg);
      expect(JSON.stringify(grown, (_, v) => (v instanceof Float32Array ? Array.from(v) : v)), s.name).toBe(before);
    }
    expect(() => adam.check!({ m: 0, v: 0, t: 1.5 }, 2)).toThrow('adam: state.t must be a count, got 1.5');
    expect(() => adadelta.check!(Float32Array.of(0, 0), 2)).toThrow('adadelta: state must be 0 or { g_sqr, delta_sqr }');
  });
});

describe('solverOf', () => {
  it('names, defaults and overrides', () => {
    expect(solverOf('cnnTrain', 'adam', { beta1: 0.5 }).opts).toEqual({ beta1: 0.5, beta2: 0.999, eps: 1e-8 });
    expect(solverOf('cnnTrain', 'rmsprop', undefined).solver).toBe(rmsprop);
    const mine = { name: 'mine', defaults: { k: 1 }, step: (w: Float32Array): SolverState => w };
    expect(solverOf('cnnTrain', mine, { k: 2 }).opts).toEqual({ k: 2 });
  });
  it('errors', () => {
    expect(() => solverOf('cnnTrain', 'adamw', undefined)).toThrow("cnnTrain: solver must be one of 'sgd', 'adam', 'adagrad', 'rmsprop', 'adadelta'");
    expect(() => solverOf('cnnTrain', 'adam', { beta: 1 })).toThrow("cnnTrain: solverOpts: unknown option 'beta'; the options are 'beta1', 'beta2', 'eps'");
    expect(() => solverOf('cnnTrain', 'adam', { eps: NaN })).toThrow('cnnTrain: solverOpts.eps must be a finite number, got NaN');
  });
});

describe('randperms (the epoch shuffle)', () => {
  it('permutations of 0..n-1, drawn one after the other from one seed', () => {
    const [a, b] = randperms(7, 100, 37);
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(b).sort((x, y) => x - y)).toEqual(Array.from({ length: 37 }, (_, i) => i));
    const [a2, b2] = randperms(7, 100, 37);
    expect(a2).toEqual(a);
    expect(b2).toEqual(b);
    expect(randperms(8, 100)[0]).not.toEqual(a);
    // The val order depends on what the train order drew before it.
    expect(randperms(7, 99, 37)[1]).not.toEqual(b);
  });
  it('the same orders in every runtime (golden values, xoshiro128** seeded by splitmix32)', () => {
    expect(Array.from(randperms(1, 10)[0])).toEqual(GOLDEN_1_10);
    expect(Array.from(randperms(4294967295, 12)[0])).toEqual(GOLDEN_MAX_12);
  });
  it('uniform over orders: 6000 shuffles of 3 give each of the 6 orders about 1000 times', () => {
    const count = new Map<string, number>();
    for (let s = 0; s < 6000; s++) {
      const k = randperms(s, 3)[0].join('');
      count.set(k, (count.get(k) ?? 0) + 1);
    }
    expect(count.size).toBe(6);
    for (const c of count.values()) expect(Math.abs(c - 1000)).toBeLessThan(120);
  });
  it('edge sizes and errors', () => {
    expect(randperms(0, 0, 1).map((p) => Array.from(p))).toEqual([[], [0]]);
    expect(() => randperms(-1, 3)).toThrow('randperm: seed must be an integer in 0..4294967295, got -1');
    expect(() => randperms(1, 2.5)).toThrow('randperm: size must be an integer');
  });
});

// From an independent Python implementation of the same generator and Fisher-Yates
// (splitmix32 seeding, xoshiro128**, rejection above the largest multiple of n below 2^32).
const GOLDEN_1_10 = [4, 1, 5, 6, 3, 0, 9, 7, 2, 8];
const GOLDEN_MAX_12 = [11, 0, 1, 7, 8, 3, 10, 4, 5, 9, 6, 2];

describe('params', () => {
  it('eachParam, paramName, perParam', async () => {
    const { eachParam, paramName, perParam } = await import('../src/net/params.js');
    const { zeros } = await import('../src/tensor.js');
    const net = { layers: [{ type: 'conv', weights: [zeros([1, 1, 2, 3]), null] }, { type: 'relu' }, { type: 'bnorm', weights: [zeros([3]), zeros([3]), zeros([3, 2])] }] };
    const seen: string[] = [];
    eachParam(net, (l, j, w) => seen.push(`${paramName(l, j)}:${w === null ? 'null' : w.numel}`));
    expect(seen).toEqual(['l1_1:6', 'l1_2:null', 'l3_1:3', 'l3_2:3', 'l3_3:6']);
    expect(perParam(net, () => 0)).toEqual([[0, 0], [], [0, 0, 0]]);
  });
});
