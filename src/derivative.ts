// Numerical derivative checks: the practical's directional test (part 2) and
// MatConvNet's element-wise test (xtest/suite/nntest.m), for any block, any
// input and whole chains. SEMANTICS §5.
//
// Both take the function of the one input being checked, with every other
// input held fixed by a closure, exactly as the MATLAB lines do:
//   MATLAB:  yp = vl_nnconv(x + eta*ex, w, []);  ...
//   here:    checkDerivative((x) => nnconv(x, w, null), x, dzdy, dzdx)

import { Tensor, tensorArg, randn } from './tensor.js';
import { checkOptions, finite, dims } from './options.js';

export interface CheckOptions {
  /** Step along the random direction (default 1e-4, as in the practical). */
  eta?: number;
  /** Seed of the random directions (default 1, so a check is reproducible). */
  seed?: number;
  /** Use (f(x + eta e) - f(x - eta e)) / 2 eta instead of the forward difference (default false). */
  central?: boolean;
  /** Number of random directions; the result is the one with the largest error (default 1). */
  directions?: number;
}

export interface CheckResult {
  /** sum(dzdy .* (f(x + eta e) - f(x)) / eta), accumulated in float64. */
  empirical: number;
  /** sum(dzdx .* e), accumulated in float64. */
  computed: number;
  /** |1 - empirical / computed|; the practical prints it as a percentage. */
  error: number;
  /** Every direction's result when `directions` > 1 (the worst one is returned above). */
  all: { empirical: number; computed: number; error: number }[];
}

/**
 * The practical's directional derivative check.
 *
 * `f` maps the input being checked to the block's (or chain's) output;
 * `x` is the point, `dzdy` the projection (shape of f(x)) and `dzdx` the
 * derivative to check (shape of x), e.g. from the block's backward mode.
 * A random direction `e ~ randn(size(x))` gives
 *   empirical = sum(dzdy .* (f(x + eta e) - f(x)) / eta),  computed = sum(dzdx .* e).
 *
 * What to expect in float32 (SEMANTICS §5.1): f is evaluated in float32, so
 * f(x + eta e) - f(x) loses digits. With eta = 1e-4 on the practical's conv,
 * errors of 0.05%–0.8% (w.r.t. x) and 0.08%–3.6% (conv then max-pool 10,
 * w.r.t. w) are normal; a wrong derivative gives errors of tens of percent or
 * more. `central: true` or a larger eta (linear blocks) reduce the noise.
 */
export function checkDerivative(
  f: (x: Tensor) => Tensor, x: Tensor, dzdy: Tensor, dzdx: Tensor, opts: CheckOptions = {},
): CheckResult {
  const who = 'checkDerivative';
  const o = planCheck(who, x, dzdx, opts);
  const y0 = o.central ? null : outputOf(who, f, x, dzdy);
  const all = [];
  for (let d = 0; d < o.directions; d++) {
    const e = randn(x.shape, { seed: (o.seed + d) >>> 0 });
    const yp = outputOf(who, f, axpy(x, o.eta, e), dzdy);
    const ym = y0 ?? outputOf(who, f, axpy(x, -o.eta, e), dzdy);
    const span = o.central ? 2 * o.eta : o.eta;
    const empirical = projectedDifference(dzdy.data, yp.data, ym.data) / span;
    const computed = dot(dzdx.data, e.data);
    all.push({ empirical, computed, error: Math.abs(1 - empirical / computed) });
  }
  const worst = all.reduce((a, b) => (b.error > a.error || Number.isNaN(b.error) ? b : a));
  return { ...worst, all };
}

export interface ElementwiseOptions {
  /** Step added to each element in turn (default 1e-3 times the largest |x|, at least 1e-3). */
  delta?: number;
  /**
   * Absolute tolerance. Default, as MatConvNet's `eq`: max(1% of the range,
   * 0.1% of the largest magnitude) over both arrays. A negative value means
   * "the default, but at least |tau|".
   */
  tau?: number;
}

export interface ElementwiseResult {
  /** Largest |numerical - dzdx| over all elements. */
  worst: number;
  /** The tolerance it was held to. */
  tolerance: number;
  /** worst <= tolerance. */
  ok: boolean;
  /** Linear (column-major) index of the worst element. */
  at: number;
  /** The numerical derivative, shape of x. */
  numerical: Tensor;
}

/**
 * MatConvNet's element-wise check (`nntest.der`): perturb every element of x
 * by `delta` in turn and accumulate sum(dzdy .* (f(x + delta e_i) - f(x))) /
 * delta in float64. Costs one forward call per element: for small tensors.
 * Keep inputs away from kinks (relu at 0, max-pool ties) by more than delta.
 */
export function checkDerivativeElementwise(
  f: (x: Tensor) => Tensor, x: Tensor, dzdy: Tensor, dzdx: Tensor, opts: ElementwiseOptions = {},
): ElementwiseResult {
  const who = 'checkDerivativeElementwise';
  tensorArg(who, 'x', x);
  checkSame(who, 'dzdx', dzdx, 'x', x);
  checkOptions(who, opts, ['delta', 'tau']);
  let big = 0;
  for (const v of x.data) big = Math.max(big, Math.abs(v));
  const delta = opts.delta === undefined ? Math.max(1e-3, 1e-3 * big) : positive(who, 'delta', opts.delta);
  const y0 = outputOf(who, f, x, dzdy);
  const num = new Float32Array(x.numel);
  const xp = new Tensor(x.data.slice(), x.shape);
  for (let i = 0; i < x.numel; i++) {
    xp.data[i] = x.data[i] + delta;
    num[i] = projectedDifference(dzdy.data, outputOf(who, f, xp, dzdy).data, y0.data) / delta;
    xp.data[i] = x.data[i];
  }
  const tolerance = matconvnetTau(num, dzdx.data, opts.tau === undefined ? undefined : finite(who, 'tau', opts.tau));
  let worst = 0;
  let at = 0;
  for (let i = 0; i < num.length; i++) {
    const d = Math.abs(num[i] - dzdx.data[i]);
    if (d > worst || Number.isNaN(d)) { worst = d; at = i; }
  }
  return { worst, tolerance, ok: worst <= tolerance, at, numerical: new Tensor(num, x.shape) };
}

/** MatConvNet's default tolerance for `eq(a, b)`, over both arrays. */
function matconvnetTau(a: Float32Array, b: Float32Array, tau?: number): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (const arr of [a, b]) for (const v of arr) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const def = Math.max(0.01 * (hi - lo), 0.001 * Math.max(hi, -lo));
  if (tau === undefined) return def;
  return tau < 0 ? Math.max(def, -tau) : tau;
}

interface CheckPlan { eta: number; seed: number; central: boolean; directions: number }

function planCheck(who: string, x: Tensor, dzdx: Tensor, opts: CheckOptions): CheckPlan {
  tensorArg(who, 'x', x);
  checkSame(who, 'dzdx', dzdx, 'x', x);
  checkOptions(who, opts, ['eta', 'seed', 'central', 'directions']);
  const directions = opts.directions ?? 1;
  if (!Number.isInteger(directions) || directions < 1) {
    throw new Error(`${who}: directions must be an integer >= 1, got ${String(opts.directions)}`);
  }
  const seed = opts.seed ?? 1;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new Error(`${who}: seed must be an integer in 0..4294967295, got ${String(opts.seed)}`);
  }
  if (opts.central !== undefined && typeof opts.central !== 'boolean') {
    throw new Error(`${who}: central must be true or false, got ${String(opts.central)}`);
  }
  return { eta: opts.eta === undefined ? 1e-4 : positive(who, 'eta', opts.eta), seed, central: opts.central === true, directions };
}

function outputOf(who: string, f: (x: Tensor) => Tensor, x: Tensor, dzdy: Tensor): Tensor {
  const y = f(x);
  tensorArg(who, 'f(x)', y);
  checkSame(who, 'dzdy', dzdy, 'f(x)', y);
  return y;
}

function checkSame(who: string, name: string, a: Tensor, refName: string, ref: Tensor): void {
  tensorArg(who, name, a);
  if (a.shape.some((d, i) => d !== ref.shape[i])) {
    throw new Error(`${who}: ${name} is ${dims(a.shape)} but ${refName} is ${dims(ref.shape)}; they must match`);
  }
}

function positive(who: string, name: string, v: unknown): number {
  const n = finite(who, name, v);
  if (n <= 0) throw new Error(`${who}: ${name} must be positive, got ${n}`);
  return n;
}

/** x + a*e in float32, as MATLAB's single arithmetic does. */
function axpy(x: Tensor, a: number, e: Tensor): Tensor {
  const out = new Float32Array(x.numel);
  const af = Math.fround(a);
  for (let i = 0; i < out.length; i++) out[i] = x.data[i] + Math.fround(af * e.data[i]);
  return new Tensor(out, x.shape);
}

/** sum(p .* (a - b)) in float64. */
function projectedDifference(p: Float32Array, a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) s += p[i] * (a[i] - b[i]);
  return s;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
