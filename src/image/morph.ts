// MATLAB's strel (flat: 'disk' with N = 0, or an arbitrary neighbourhood) and
// imdilate, on every [H, W] plane of a Tensor.

import { Tensor, tensorArg, isTensor } from '../tensor.js';
import { dims, show, tagOf, MAX_OPTION } from '../options.js';

/** A flat structuring element: its neighbourhood and the offsets of its members. */
export interface StructuringElement {
  /** 'disk' for strel('disk', r, 0), 'arbitrary' for strel(nhood). */
  readonly kind: 'disk' | 'arbitrary';
  /** The neighbourhood, an [m, n] Tensor of 0/1. */
  readonly neighborhood: Tensor;
  /** 0-based row and column of the origin in the neighbourhood: floor((size + 1)/2) − 1. */
  readonly origin: readonly [number, number];
  /** Members as (row, column) offsets from the origin, column by column: [dy0, dx0, dy1, dx1, ...]. */
  readonly offsets: Int32Array;
}

/**
 * MATLAB's `SE = strel('disk', r, 0)`: "When N is 0, no approximation is used,
 * and the structuring element members consist of all pixels whose centers are
 * no greater than R away from the origin", i.e. the offsets with
 * dx² + dy² ≤ r², in a (2r + 1) × (2r + 1) neighbourhood (81 members for r = 5).
 * `r` is a non-negative integer; `n` must be given and be 0 (MATLAB's default
 * n = 4 and n = 6, 8 approximate the disk with periodic lines, which is not
 * implemented).
 *
 * `SE = strel(nhood)`: a flat element from a 2-D Tensor whose non-zero
 * elements are the members, origin at floor((size(nhood) + 1)/2) (1-based).
 */
export function strel(shape: 'disk', r: number, n: 0): StructuringElement;
export function strel(nhood: Tensor): StructuringElement;
export function strel(shape: unknown, r?: unknown, n?: unknown): StructuringElement {
  const who = 'strel';
  if (isTensor(shape)) {
    const t = tensorArg(who, 'nhood', shape);
    if (t.shape[2] !== 1 || t.shape[3] !== 1 || t.data.length === 0) {
      throw new Error(`${who}: nhood must be a non-empty 2-D Tensor [m, n], got ${dims(t.shape)}`);
    }
    const nh = new Float32Array(t.data.length);
    for (let i = 0; i < nh.length; i++) nh[i] = t.data[i] !== 0 ? 1 : 0;
    return make('arbitrary', new Tensor(nh, [t.shape[0], t.shape[1]]));
  }
  if (shape !== 'disk') {
    throw new Error(`${who}: shape must be 'disk' (strel('disk', r, 0)) or a neighbourhood Tensor, got ${show(shape)}`);
  }
  if (typeof r !== 'number' || !Number.isInteger(r) || r < 0 || r > 4096) {
    throw new Error(`${who}: r must be an integer in 0..4096, got ${show(r)}`);
  }
  if (n !== 0) {
    throw new Error(`${who}: n must be 0 (the exact disk); MATLAB's n = 4, 6, 8 (periodic-line approximations) ` +
      `are not implemented, got ${n === undefined ? 'no n' : show(n)}`);
  }
  const m = 2 * r + 1;
  const nh = new Float32Array(m * m);
  // nhood(r + dy, r + dx) = dx² + dy² <= r²
  for (let dx = -r; dx <= r; dx++) {
    for (let dy = -r; dy <= r; dy++) nh[r + dy + m * (r + dx)] = dx * dx + dy * dy <= r * r ? 1 : 0;
  }
  return make('disk', new Tensor(nh, [m, m]));
}

function make(kind: 'disk' | 'arbitrary', nh: Tensor): StructuringElement {
  const [m, n] = nh.shape;
  const origin = [Math.floor((m + 1) / 2) - 1, Math.floor((n + 1) / 2) - 1] as const;
  const list: number[] = [];
  for (let q = 0; q < n; q++) {
    for (let p = 0; p < m; p++) if (nh.data[p + m * q] !== 0) list.push(p - origin[0], q - origin[1]);
  }
  return Object.freeze({ kind, neighborhood: nh, origin: Object.freeze(origin), offsets: Int32Array.from(list) });
}

/**
 * MATLAB's `IM2 = imdilate(IM, SE)` (shape 'same') for a flat structuring
 * element, on every plane of `im`:
 * `out(i, j) = max over members (dy, dx) of im(i − dy, j − dx)` — the element is
 * reflected, so dilating a single 1 reproduces SE around it — with pixels
 * outside the image taken as −Inf (ignored). For a 0/1 (logical) image this is
 * binary dilation and the result is 0/1. NaN pixels count as −Inf (they never
 * win; MATLAB's NaN behaviour here is not documented, so this is a choice).
 * `se` is a {@link strel} result, or a neighbourhood Tensor (MATLAB's
 * `imdilate(IM, NHOOD)`). Computed per column offset of the element: running
 * maxima down the columns for each run of rows, then one pass per run.
 * Inputs are not modified.
 */
export function imdilate(im: Tensor, se: StructuringElement | Tensor): Tensor {
  const who = 'imdilate';
  const x = tensorArg(who, 'im', im);
  const s = isTensor(se) ? strel(tensorArg(who, 'se', se)) : seArg(who, se);
  const [H, W, C, N] = x.shape;
  const runs = verticalRuns(s.offsets);
  const R = runs.reduce((r, [, d0, d1]) => Math.max(r, -d0, d1), 0);
  const Hp = H + 2 * R, Lmax = runs.reduce((l, [, d0, d1]) => Math.max(l, d1 - d0 + 1), 0);
  const need = new Set(runs.map(([, d0, d1]) => d1 - d0 + 1));
  const pad = new Float32Array(Hp * W);
  const V = new Map<number, Float32Array>();
  for (const L of need) V.set(L, new Float32Array(Hp * W));
  const run = new Float32Array(Hp * W);
  const out = new Float32Array(x.data.length).fill(-Infinity);
  for (let t = 0; t < C * N; t++) {
    const base = t * H * W;
    // pad(r, j) = im(r − R, j) inside, −Inf in the R rows above and below (NaN as −Inf: it never wins)
    pad.fill(-Infinity);
    for (let j = 0; j < W; j++) {
      for (let i = 0; i < H; i++) { const v = x.data[base + i + H * j]; pad[R + i + Hp * j] = v === v ? v : -Infinity; }
    }
    // run_L(r, j) = max(pad(r .. r + L − 1, j)), built up one row at a time; keep the L that runs use
    run.set(pad);
    for (let L = 1; L <= Lmax; L++) {
      if (L > 1) for (let r = 0; r + L - 1 < Hp * W; r++) { const v = pad[r + L - 1]; if (v > run[r]) run[r] = v; }
      V.get(L)?.set(run);
    }
    // out(i, j) = max over runs (dx, dy0..dy1) of max(im(i − dy1 .. i − dy0, j − dx)) = run_L(i − dy1 + R, j − dx)
    for (const [dx, d0, d1] of runs) {
      const VL = V.get(d1 - d0 + 1) as Float32Array;
      for (let j = Math.max(0, dx); j < Math.min(W, W + dx); j++) {
        const po = base + H * j, pv = Hp * (j - dx) + R - d1;
        for (let i = 0; i < H; i++) { const v = VL[pv + i]; if (v > out[po + i]) out[po + i] = v; }
      }
    }
  }
  return new Tensor(out, x.shape);
}

/** Members (offsets column by column, rows ascending) as runs [dx, dy0, dy1] of consecutive rows. */
function verticalRuns(off: Int32Array): [number, number, number][] {
  const runs: [number, number, number][] = [];
  for (let k = 0; k < off.length; k += 2) {
    const dy = off[k], dx = off[k + 1], last = runs[runs.length - 1];
    if (last !== undefined && last[0] === dx && last[2] === dy - 1) last[2] = dy;
    else runs.push([dx, dy, dy]);
  }
  return runs;
}

function seArg(who: string, v: unknown): StructuringElement {
  const s = v as StructuringElement;
  if (typeof v !== 'object' || v === null || !(s.offsets instanceof Int32Array) || s.offsets.length % 2 !== 0 ||
    !isTensor(s.neighborhood)) {
    throw new Error(`${who}: se must be a structuring element from strel() or a neighbourhood Tensor, got ${tagOf(v)}`);
  }
  for (const d of s.offsets) {
    if (Math.abs(d) > MAX_OPTION) throw new Error(`${who}: se has an offset of ${d}, more than ${MAX_OPTION}`);
  }
  return s;
}
