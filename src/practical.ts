// Part 2 of the VGG CNN practical (back-propagation), line for line. The
// MATLAB of exercise2.m is quoted above each step. Runtime-neutral: the
// caller supplies the image; src/cli.ts runs it from a terminal.

import { Tensor, randn } from './tensor.js';
import { nnconv } from './blocks/conv.js';
import { nnpool } from './blocks/pool.js';
import { checkDerivative, type CheckResult } from './derivative.js';

/**
 * A check passes below this error. SEMANTICS §5.1 measured float32 errors of
 * up to 0.8% (conv w.r.t. x) and 3.6% (conv then max-pool 10 w.r.t. w) for
 * correct derivatives with the practical's forward difference and eta = 1e-4;
 * a wrong derivative (a missing term, a flipped filter, a factor) is off by
 * tens of percent or more. 5% separates the two.
 */
export const PRACTICAL_THRESHOLD = 0.05;

export interface PracticalCheck extends CheckResult {
  /** What was checked, e.g. "conv, w.r.t. x". */
  name: string;
  /** The practical's line: "der: empirical: …, computed: …, error: …%". */
  line: string;
  ok: boolean;
}

export interface PracticalReport {
  size: { x: number[]; y: number[]; dzdy: number[]; dzdx: number[]; dzdw: number[]; x3: number[] };
  checks: PracticalCheck[];
  ok: boolean;
}

/** MATLAB: fprintf('der: empirical: %f, computed: %f, error: %.2f %%\n', ...). */
export function derLine(r: { empirical: number; computed: number; error: number }): string {
  return `der: empirical: ${r.empirical.toFixed(6)}, computed: ${r.computed.toFixed(6)}, error: ${(r.error * 100).toFixed(2)} %`;
}

function check(name: string, r: CheckResult): PracticalCheck {
  return { ...r, name, line: derLine(r), ok: r.error <= PRACTICAL_THRESHOLD };
}

/**
 * Run part 2 on `x` (an [H, W, C] tensor in [0, 1], from im2single(imread(...))).
 * `log` receives each printed line as it is produced. Seeds make the run
 * reproducible (MATLAB draws from its default stream instead).
 */
export function practical(x: Tensor, log: (line: string) => void = () => {}): PracticalReport {
  const C = x.shape[2];
  // Part 2.1: backward mode verification
  //   w = randn(5,5,3,10,'single');  y = vl_nnconv(x, w, []);
  const w = randn([5, 5, C, 10], { seed: 1 });
  const y = nnconv(x, w, null);
  //   dzdy = randn(size(y), 'single');  [dzdx, dzdw] = vl_nnconv(x, w, [], dzdy);
  const dzdy = randn(y.size(), { seed: 2 });
  const { dzdx, dzdw } = nnconv(x, w, null, dzdy);
  log(`size(dzdy) = ${dzdy.size().join(' ')}`);
  log(`size(dzdx) = ${dzdx!.size().join(' ')}`);
  //   ex = randn(size(x)); eta = 0.0001; yp = vl_nnconv(x + eta*ex, w, []); ...
  const checks: PracticalCheck[] = [];
  const add = (c: PracticalCheck) => { checks.push(c); log(`${c.name}:`); log(`  ${c.line}`); };
  add(check('conv, derivative w.r.t. x', checkDerivative((xp) => nnconv(xp, w, null), x, dzdy, dzdx!, { seed: 3 })));
  add(check('conv, derivative w.r.t. w', checkDerivative((wp) => nnconv(x, wp, null), w, dzdy, dzdw!, { seed: 4 })));

  // Part 2.2: backpropagation
  //   w1 = randn(5,5,3,10,'single'); rho2 = 10;
  //   x2 = vl_nnconv(x1, w1, []); x3 = vl_nnpool(x2, rho2);
  const w1 = randn([5, 5, C, 10], { seed: 5 });
  const rho2 = 10;
  const x2 = nnconv(x, w1, null);
  const x3 = nnpool(x2, rho2);
  //   dzdx3 = randn(size(x3)); dzdx2 = vl_nnpool(x2, rho2, dzdx3);
  //   [dzdx1, dzdw1] = vl_nnconv(x1, w1, [], dzdx2);
  const dzdx3 = randn(x3.size(), { seed: 6 });
  const dzdx2 = nnpool(x2, rho2, dzdx3);
  const { dzdw: dzdw1 } = nnconv(x, w1, null, dzdx2);
  //   w1p = w1 + eta*ew1; x3p = vl_nnpool(vl_nnconv(x1, w1p, []), rho2); ...
  add(check('conv + pool(10), derivative w.r.t. w1',
    checkDerivative((wp) => nnpool(nnconv(x, wp, null), rho2), w1, dzdx3, dzdw1!, { seed: 7 })));

  return {
    size: { x: x.size(), y: y.size(), dzdy: dzdy.size(), dzdx: dzdx!.size(), dzdw: dzdw!.size(), x3: x3.size() },
    checks,
    ok: checks.every((c) => c.ok),
  };
}
