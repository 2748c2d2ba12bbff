// The solvers of cnnTrain (NETWORKS.md §3.1, §3.5): MatConvNet's built-in momentum SGD and the four
// of examples/+solver/ (adam, adagrad, rmsprop, adadelta), one shape for all:
//   { defaults, step(w, state, grad, opts, lr) -> state, check?(state, n) }
// `grad` is already normalised by the batch size and holds the weight decay (g' = g / B + λ w);
// `w` is updated in place. The state starts as the number 0 (MatConvNet's `state.solverState{l}{j}
// = 0`) and each solver grows it into MatConvNet's own shape, so a checkpoint holds the same
// variables a MATLAB one does: sgd and adagrad/rmsprop an array (the momentum buffer, the running
// g^2), adam `{ m, v, t }`, adadelta `{ g_sqr, delta_sqr }`. Arrays are float32 (MATLAB's single);
// every formula is evaluated in float64 and rounded once when stored; later formulas read the
// stored (float32) value, as MATLAB's single arithmetic does.

import { checkOptions, show } from '../options.js';

/** float32 rounding: what a stored state value is (an assignment's value in JS is the unrounded one). */
const f = Math.fround;

/** A solver's state: 0 before its first step, then an array or a struct of arrays, as MatConvNet's. */
export type SolverState =
  | 0
  | Float32Array
  | { m: Float32Array | 0; v: Float32Array | 0; t: number }
  | { g_sqr: Float32Array | 0; delta_sqr: Float32Array | 0 };

/** One update rule: its options with their defaults, and a step that updates `w` in place. */
export interface Solver<O extends Record<string, number | boolean> = Record<string, number | boolean>> {
  readonly name: string;
  readonly defaults: Readonly<O>;
  /** Update `w` in place from the normalised gradient `grad` with learning rate `lr`; returns the new state. */
  step(w: Float32Array, state: SolverState, grad: Float32Array, opts: O, lr: number): SolverState;
  /**
   * Throws as `step` would on `state` for a weight of n elements, changing nothing: cnnTrain checks
   * every weight's state before its first update. Optional for a solver of one's own.
   */
  check?(state: SolverState, n: number): void;
}

/** `check` from a solver's state reader: a state of 0 always passes (nothing is allocated for it). */
function checker<T>(read: (state: SolverState, n: number) => T): (state: SolverState, n: number) => void {
  return (state, n) => { if (state !== 0) read(state, n); };
}

/** The state's array for `what`, of w's length: a fresh zero array when it is still 0. */
function buffer(who: string, what: string, s: unknown, n: number): Float32Array {
  if (s === 0) return new Float32Array(n);
  if (!(s instanceof Float32Array)) throw new Error(`${who}: ${what} must be 0 or a Float32Array, got ${show(s)}`);
  if (s.length !== n) throw new Error(`${who}: ${what} has ${s.length} elements but the weight has ${n}`);
  return s;
}

function struct(who: string, state: unknown, fields: readonly string[]): Record<string, unknown> {
  if (typeof state !== 'object' || state === null || ArrayBuffer.isView(state) ||
    !fields.every((f) => f in (state as object))) {
    throw new Error(`${who}: state must be 0 or { ${fields.join(', ')} }, got ${show(state)}`);
  }
  return state as Record<string, unknown>;
}

/**
 * MatConvNet's built-in SGD (cnn_train's accumulateGradients): m ← μ·m − g;
 * delta = nesterov ? μ·m − g : m; w ← w + lr·delta. The buffer m holds no learning rate.
 */
const sgdState = (s: SolverState, n: number): Float32Array => buffer('sgd', 'state (the momentum buffer)', s, n);
export const sgd: Solver<{ momentum: number; nesterov: boolean }> = {
  name: 'sgd',
  defaults: Object.freeze({ momentum: 0.9, nesterov: false }),
  check: checker(sgdState),
  step(w, state, grad, opts, lr) {
    const m = sgdState(state, w.length);
    const mu = opts.momentum;
    if (opts.nesterov) {
      for (let i = 0; i < w.length; i++) {
        const mi = (m[i] = f(mu * m[i] - grad[i]));
        w[i] += lr * (mu * mi - grad[i]);
      }
    } else {
      for (let i = 0; i < w.length; i++) w[i] += lr * (m[i] = f(mu * m[i] - grad[i]));
    }
    return m;
  },
};

/**
 * Adam (+solver/adam.m): m ← β1 m + (1 − β1) g; v ← β2 v + (1 − β2) g²; t ← t + 1;
 * lr_t = lr·sqrt(1 − β2^t)/(1 − β1^t); w ← w − lr_t·m / (sqrt(v) + eps).
 */
function adamState(state: SolverState, n: number): { m: Float32Array; v: Float32Array; t: number } {
  const s = struct('adam', state === 0 ? { m: 0, v: 0, t: 0 } : state, ['m', 'v', 't']);
  const m = buffer('adam', 'state.m', s.m, n);
  const v = buffer('adam', 'state.v', s.v, n);
  if (typeof s.t !== 'number' || !Number.isInteger(s.t) || s.t < 0) throw new Error(`adam: state.t must be a count, got ${show(s.t)}`);
  return { m, v, t: s.t };
}
export const adam: Solver<{ beta1: number; beta2: number; eps: number }> = {
  name: 'adam',
  defaults: Object.freeze({ beta1: 0.9, beta2: 0.999, eps: 1e-8 }),
  check: checker(adamState),
  step(w, state, grad, opts, lr) {
    const { m, v, t: t0 } = adamState(state, w.length);
    const { beta1, beta2, eps } = opts;
    const t = t0 + 1;
    const lrt = lr * (Math.sqrt(1 - beta2 ** t) / (1 - beta1 ** t));
    for (let i = 0; i < w.length; i++) {
      const g = grad[i];
      const mi = (m[i] = f(beta1 * m[i] + (1 - beta1) * g));
      const vi = (v[i] = f(beta2 * v[i] + (1 - beta2) * g * g));
      w[i] -= (lrt * mi) / (Math.sqrt(vi) + eps);
    }
    return { m, v, t };
  },
};

/** AdaGrad (+solver/adagrad.m): G ← ρ G + g² (no 1 − ρ); w ← w − lr·g / (sqrt(G) + ε). */
const adagradState = (s: SolverState, n: number): Float32Array => buffer('adagrad', 'state (g_sqr)', s, n);
export const adagrad: Solver<{ epsilon: number; rho: number }> = {
  name: 'adagrad',
  defaults: Object.freeze({ epsilon: 1e-10, rho: 1 }),
  check: checker(adagradState),
  step(w, state, grad, opts, lr) {
    const G = adagradState(state, w.length);
    const { epsilon, rho } = opts;
    for (let i = 0; i < w.length; i++) {
      const g = grad[i];
      w[i] -= (lr * g) / (Math.sqrt((G[i] = f(G[i] * rho + g * g))) + epsilon);
    }
    return G;
  },
};

/** RMSProp (+solver/rmsprop.m): G ← ρ G + (1 − ρ) g²; w ← w − lr·g / (sqrt(G) + ε). */
const rmspropState = (s: SolverState, n: number): Float32Array => buffer('rmsprop', 'state (g_sqr)', s, n);
export const rmsprop: Solver<{ epsilon: number; rho: number }> = {
  name: 'rmsprop',
  defaults: Object.freeze({ epsilon: 1e-8, rho: 0.99 }),
  check: checker(rmspropState),
  step(w, state, grad, opts, lr) {
    const G = rmspropState(state, w.length);
    const { epsilon, rho } = opts;
    for (let i = 0; i < w.length; i++) {
      const g = grad[i];
      w[i] -= (lr * g) / (Math.sqrt((G[i] = f(G[i] * rho + g * g * (1 - rho)))) + epsilon);
    }
    return G;
  },
};

/**
 * AdaDelta (+solver/adadelta.m), which ignores lr: G ← ρ G + (1 − ρ) g²;
 * Δ = −sqrt((D + ε) / (G + ε))·g; D ← ρ D + (1 − ρ) Δ²; w ← w + Δ.
 */
function adadeltaState(state: SolverState, n: number): { G: Float32Array; D: Float32Array } {
  const s = struct('adadelta', state === 0 ? { g_sqr: 0, delta_sqr: 0 } : state, ['g_sqr', 'delta_sqr']);
  return { G: buffer('adadelta', 'state.g_sqr', s.g_sqr, n), D: buffer('adadelta', 'state.delta_sqr', s.delta_sqr, n) };
}
export const adadelta: Solver<{ epsilon: number; rho: number }> = {
  name: 'adadelta',
  defaults: Object.freeze({ epsilon: 1e-6, rho: 0.9 }),
  check: checker(adadeltaState),
  step(w, state, grad, opts) {
    const { G, D } = adadeltaState(state, w.length);
    const { epsilon, rho } = opts;
    for (let i = 0; i < w.length; i++) {
      const g = grad[i];
      const Gi = (G[i] = f(G[i] * rho + g * g * (1 - rho)));
      const delta = -Math.sqrt((D[i] + epsilon) / (Gi + epsilon)) * g;
      D[i] = D[i] * rho + delta * delta * (1 - rho);
      w[i] += delta;
    }
    return { g_sqr: G, delta_sqr: D };
  },
};

export const SOLVERS = { sgd, adam, adagrad, rmsprop, adadelta } as const;
export type SolverName = keyof typeof SOLVERS;

/**
 * A solver by name or as given (an object with `defaults` and `step`), and its options: the
 * defaults overridden by `opts` (unknown names and non-finite numbers are Errors).
 */
export function solverOf(who: string, solver: unknown, opts: unknown): { solver: Solver; opts: Record<string, number | boolean> } {
  let s: Solver;
  if (typeof solver === 'string' && Object.prototype.hasOwnProperty.call(SOLVERS, solver)) s = SOLVERS[solver as SolverName] as Solver;
  else if (typeof solver === 'object' && solver !== null && typeof (solver as Solver).step === 'function' &&
    typeof (solver as Solver).defaults === 'object') s = solver as Solver;
  else {
    throw new Error(`${who}: solver must be one of ${Object.keys(SOLVERS).map((k) => `'${k}'`).join(', ')} or ` +
      `{ defaults, step(w, state, grad, opts, lr) }, got ${show(solver)}`);
  }
  checkOptions(`${who}: solverOpts`, opts, Object.keys(s.defaults));
  const out: Record<string, number | boolean> = { ...s.defaults, ...(opts as object | undefined) };
  for (const [k, v] of Object.entries(out)) {
    const want = typeof s.defaults[k];
    if (want === 'boolean' ? typeof v !== 'boolean' : typeof v !== 'number' || !Number.isFinite(v)) {
      throw new Error(`${who}: solverOpts.${k} must be ${want === 'boolean' ? 'true or false' : 'a finite number'}, got ${show(v)}`);
    }
  }
  return { solver: s, opts: out };
}

/**
 * bnorm moments (NETWORKS.md §1.8, §3.5, beta25): w3 ← (1 − lr3)·w3 + (lr3 / B)·g, where g is the
 * batch's moments times N (vl_simplenn's ×N) and B the batch size: a moving average with rate lr3
 * (the layer's learningRate(3)); no global learning rate, no weight decay.
 */
export function updateMoments(w: Float32Array, g: Float32Array, lr3: number, B: number): void {
  const a = 1 - lr3;
  const b = lr3 / B;
  for (let i = 0; i < w.length; i++) w[i] = a * w[i] + b * g[i];
}

/** g' = g / B + λ·w in place in g (cnn_train's vl_taccum(1/batchSize, parDer, thisDecay, w)). */
export function normaliseGradient(g: Float32Array, w: Float32Array, B: number, lambda: number): void {
  const a = 1 / B;
  for (let i = 0; i < g.length; i++) g[i] = a * g[i] + lambda * w[i];
}
