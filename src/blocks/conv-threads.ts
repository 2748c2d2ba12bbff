// nnconv's work split over the worker pool (src/threads.ts); the resident runners of
// conv.ts call these when the pool has more than one thread and the layer is large enough.
//
// forward: streamed when y is larger than conv.ts's buffers (spanOf): rounds of ranges of
//   output pixels in whole units of lcm(8, 2 Ho) (streamForward), the workers filling one buffer
//   while the calling thread copies the last round out of the other; else, resident, by images
//   when there are at least as many images as threads, into shares that take
//   the whole call's kernel path (conv_forward_path: the paths for tiny outputs depend on the
//   image count), else (when the kernel itself runs prepare + pixels) by ranges of output pixels
//   in units of lcm(8, 2 Ho) pixels, so every 8-pixel block and Winograd column pair is the one a
//   single thread computes: bit-identical; or, on one image whose kernel path is another
//   (a served net's layers on small maps: filters in the lanes, patch elements in the lanes),
//   by ranges of filters in units of 8 (the lanes path's panels), each range the same kernel on
//   fewer filters writing its own output planes: every path sums an output's products in an
//   order that does not depend on K, so bit-identical too.
// dzdx: by images (each image's dzdx is its own sum): bit-identical.
// dzdw: by images, each thread summing its images into its own partial dzdw, then the
//   partials added to thread 0's in thread order (thread_add). NOTE: that changes the order of
//   the batch sum, so dzdw can differ from one thread's in the last bits (float32 rounding).
// Every thread gets its own scratch (the kernels' scratch of its share), so each packs the
// filters itself: a few percent of the work, done in parallel, and no kernel has to know.

import { kernels, type ConvDims, type Kernels } from '../wasm.js';
import { threads, parallel, runJob, share, split, type Job } from '../threads.js';
import type { ConvPlan } from './conv.js';

/** Multiply-adds a thread must get before splitting pays for waking it (~0.2 ms of work). */
const MIN_MACS = 1 << 21;

const align4 = (n: number): number => (n + 3) & ~3;
const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** Output pixels per unit of a pixel split (keeps 8-pixel blocks and column pairs whole). */
export function pixelUnit(p: ConvPlan): number {
  return (8 * 2 * p.Ho) / gcd(8, 2 * p.Ho);
}

function macs(p: ConvPlan): number {
  return p.Ho * p.Wo * p.K * p.FH * p.FW * p.FC * p.N;
}

/** Threads for the forward pass of p (1: stay on the calling thread). */
export function forwardThreads(p: ConvPlan): number {
  const t = Math.min(threads(), Math.floor(macs(p) / MIN_MACS));
  if (t <= 1) return 1;
  const k = kernels();
  const path = k.conv_forward_path(...p.dims);
  if (p.N >= t) {
    // the smallest share (floor(N / t) images) is the one that may change path
    let s = t;
    while (s > 1 && k.conv_forward_path(...withN(p.dims, Math.floor(p.N / s))) !== path) s--;
    return s;
  }
  // Fewer images than threads: ranges of pixels, where the kernel's own path is prepare + pixels.
  if (path === 0) return Math.max(1, Math.min(t, Math.ceil((p.Ho * p.Wo) / pixelUnit(p))));
  if (!byFilters(p)) return 1;
  let s = Math.min(t, Math.ceil(p.K / FILTER_UNIT));
  while (s > 1 && filterShares(p, s).some((m) => k.conv_forward_path(...withK(p.dims, m)) !== path)) s--;
  return s;
}

/** Filters per unit of a filter split (the lanes path's panel of 8). */
const FILTER_UNIT = 8;

/** A forward pass on fewer images than threads that is split by filters (one image, one group). */
const byFilters = (p: ConvPlan): boolean => p.N === 1 && p.G === 1;

/** The filter counts of the t shares. */
const filterShares = (p: ConvPlan, t: number): number[] => Array.from({ length: t }, (_, i) => filterShare(p, t, i)[1]);

/** [first filter, count] of share i of t (whole units; the last share takes the short one). */
function filterShare(p: ConvPlan, t: number, i: number): [number, number] {
  const [u0, m] = share(Math.ceil(p.K / FILTER_UNIT), t, i);
  const k0 = u0 * FILTER_UNIT;
  return [k0, Math.min(p.K, k0 + m * FILTER_UNIT) - k0];
}

/** Threads for the backward passes of p (split by images). */
export function backwardThreads(p: ConvPlan): number {
  return Math.max(1, Math.min(threads(), p.N, Math.floor(macs(p) / MIN_MACS)));
}

/** dims with N images. */
function withN(d: ConvDims, N: number): ConvDims {
  const e = d.slice() as ConvDims;
  e[3] = N;
  return e;
}

/** dims with K filters. */
function withK(d: ConvDims, K: number): ConvDims {
  const e = d.slice() as ConvDims;
  e[7] = K;
  return e;
}

/**
 * One thread's forward scratch floats (aligned): split by images, the kernel's scratch for a
 * share of images (the larger of the two share sizes: a path may depend on the count); by pixels,
 * the one image's; by filters, the largest share's.
 */
function forwardOne(p: ConvPlan, t: number): number {
  const k = kernels();
  if (p.N < t && k.conv_forward_path(...p.dims) !== 0) {
    return align4(Math.max(...filterShares(p, t).map((m) => k.conv_forward_scratch(...withK(p.dims, m)))));
  }
  if (p.N < t) return align4(k.conv_forward_scratch(...p.dims));
  const lo = Math.floor(p.N / t), hi = Math.ceil(p.N / t);
  return align4(Math.max(k.conv_forward_scratch(...withN(p.dims, lo)), k.conv_forward_scratch(...withN(p.dims, hi))));
}

/** Scratch floats of the threaded forward pass: one kernel scratch per thread. */
export function forwardScratch(p: ConvPlan, t: number): number {
  return t * forwardOne(p, t);
}

export function forward(p: ConvPlan, t: number, px: number, pw: number, pb: number, py: number, ps: number): void {
  const k = kernels();
  const d = p.dims;
  const per = 4 * forwardOne(p, t);
  if (p.N >= t) {
    split(k, t, p.N, (n0, m, i) => [['conv_forward', px + 4 * n0 * p.H * p.W * p.C, pw, pb,
      py + 4 * n0 * p.Ho * p.Wo * p.K, ps + i * per, ...withN(d, m)]]);
    return;
  }
  const P = p.Ho * p.Wo;
  if (k.conv_forward_path(...d) !== 0) {
    // by filters: filter k0's weights at R k0, its bias at k0, its output plane at P k0
    const R = p.FH * p.FW * p.FC;
    parallel(k, Array.from({ length: t }, (_, i): Job => {
      const [k0, m] = filterShare(p, t, i);
      return [['conv_forward', px, pw + 4 * R * k0, pb === 0 ? 0 : pb + 4 * k0, py + 4 * P * k0, ps + i * per, ...withK(d, m)]];
    }));
    return;
  }
  const unit = pixelUnit(p);
  const units = Math.ceil(P / unit);
  const jobs: Job[] = [];
  for (let i = 0; i < t; i++) {
    const p0 = Math.min(P, Math.floor((units * i) / t) * unit);
    const p1 = Math.min(P, Math.floor((units * (i + 1)) / t) * unit);
    if (p1 <= p0) continue;
    jobs.push([['conv_forward_prepare', pw, ps + i * per, ...d],
      ['conv_forward_pixels', px, pb, py + 4 * p0, ps + i * per, p0, p1, P, ...d]]);
  }
  parallel(k, jobs);
}

/** Threads for a forward pass streamed in `ranges` ranges (1: one thread streams alone). */
export function streamThreads(p: ConvPlan, ranges: number): number {
  return Math.max(1, Math.min(threads(), ranges, Math.floor(macs(p) / MIN_MACS)));
}

/** Scratch floats of a streamed forward pass on t threads: the pixel path's scratch per thread. */
export function streamScratch(p: ConvPlan, t: number): number {
  return t * align4(kernels().conv_forward_scratch(...p.dims));
}

let shareHook: ((c0: number, c1: number, unit: number) => number) | null = null;

/** Test hook: the calling thread's pixels in each streamed round (a multiple of unit), instead of the timed balance; null: timed. */
export function setStreamShare(f: ((c0: number, c1: number, unit: number) => number) | null): void {
  shareHook = f;
}

/**
 * The calling thread's pixels of an n-pixel round on t > 1 threads, in whole units: copy +
 * mine * pixelMs = (n - mine) * w, so both sides end together (w: the workers' ms per pixel
 * together, until measured the calling thread's shared among them).
 */
function callerShare(n: number, t: number, unit: number, copyMs: number, pixelMs: number, workersMs: number): number {
  if (pixelMs === 0) return Math.round(n / t / unit) * unit;
  const w = workersMs === 0 ? pixelMs / (t - 1) : workersMs;
  return Math.max(0, Math.round((n * w - copyMs) / (pixelMs + w) / unit) * unit);
}

/** A wait for the workers longer than this (ms) says the round's time is theirs, not only a bound on it. */
const WAITED_MS = 0.02;

/** One thread's range of a streamed round: pixels [p0, p1) of every plane, at byte address `at`, planes p1 - p0 apart. */
interface Range { p0: number; p1: number; at: number }

/**
 * y streamed through WebAssembly memory on t threads (1: the calling thread alone), for conv.ts
 * forward (conv_forward_path 0, spanOf(p) < P): rounds of S = t span pixels, on the pool
 * alternating between two buffers of S K N floats at pbuf. While the workers fill one buffer with
 * this round's ranges, the calling thread copies the last round's out of the other and then
 * computes its own range, shorter by what the copy took: its share is set each round from the
 * last round's copy time and the pixel times of both sides (a busy core runs slower), in whole
 * units of pixelUnit(p), so any split gives one thread's bits. Alone, one buffer: each range is
 * copied out just before the next is computed.
 * REQUIRES: span a multiple of pixelUnit(p) (spanOf), scratch streamScratch(p, t) at ps, t <= ceil(P / span).
 */
export function streamForward(p: ConvPlan, t: number, span: number, px: number, pw: number, pb: number,
  pbuf: number, ps: number, out: Float32Array): void {
  const k = kernels(), d = p.dims, P = p.Ho * p.Wo, planes = p.K * p.N;
  const per = 4 * align4(k.conv_forward_scratch(...d));
  parallel(k, Array.from({ length: t }, (_, i): Job => [['conv_forward_prepare', pw, ps + i * per, ...d]]));
  const unit = pixelUnit(p);
  const S = t * span;
  let last: Range[] = [];
  // ms per pixel of the calling thread and of the workers together (a busy core runs slower)
  let copyMs = 0, pixelMs = 0, workersMs = 0;
  for (let r = 0, c0 = 0; c0 < P; r++, c0 += S) {
    const c1 = Math.min(P, c0 + S);
    // alone, the calling thread computes the whole round
    const mine = t === 1 ? c1 - c0 : shareHook?.(c0, c1, unit) ?? callerShare(c1 - c0, t, unit, copyMs, pixelMs, workersMs);
    const ranges = roundRanges(c0, c1, t, mine, unit, pbuf + (t > 1 ? r & 1 : 0) * 4 * S * planes, planes);
    const copy = last;
    const pixels = (g: Range, i: number): Job[number] =>
      ['conv_forward_pixels', px, pb, g.at, ps + i * per, g.p0, g.p1, g.p1 - g.p0, ...d];
    const tr = performance.now();
    let busy = 0;
    parallel(k, [[], ...ranges.slice(1).map((g, i): Job => (g.p1 > g.p0 ? [pixels(g, i + 1)] : []))], () => {
      const t0 = performance.now();
      copyOut(k, copy, P, planes, out);
      const t1 = performance.now();
      const g = ranges[0];
      if (g.p1 > g.p0) runJob(k, [pixels(g, 0)]);
      if (copy.length > 0) copyMs = t1 - t0;
      if (g.p1 > g.p0) pixelMs = (performance.now() - t1) / (g.p1 - g.p0);
      busy = performance.now() - tr;
    });
    // the round's time bounds the workers' (theirs, if the calling thread waited for them)
    const theirs = c1 - c0 - (ranges[0].p1 - ranges[0].p0), elapsed = performance.now() - tr;
    if (t > 1 && theirs > 0) {
      const bound = elapsed / theirs;
      workersMs = workersMs === 0 || elapsed - busy > WAITED_MS ? bound : Math.min(workersMs, bound);
    }
    last = ranges;
  }
  copyOut(k, last, P, planes, out);
}

/** [c0, c1) in t consecutive ranges: the first `mine` pixels (unless it is the only one), the others the rest in whole units (the last one short). */
function roundRanges(c0: number, c1: number, t: number, mine: number, unit: number, set: number, planes: number): Range[] {
  const ranges: Range[] = [];
  for (let i = 0, a = c0; i < t; i++) {
    const rest = c1 - a;
    const len = i === t - 1 ? rest : i === 0 ? Math.min(mine, rest) : Math.min(rest, Math.ceil(rest / (t - i) / unit) * unit);
    ranges.push({ p0: a, p1: a + len, at: set + 4 * planes * (a - c0) });
    a += len;
  }
  return ranges;
}

/** Each range's planes from its buffer into y's planes (P pixels apart). */
function copyOut(k: Kernels, ranges: Range[], P: number, planes: number, out: Float32Array): void {
  for (const g of ranges) {
    const len = g.p1 - g.p0;
    if (len === 0) continue;
    const buf = new Float32Array(k.memory.buffer, g.at, len * planes);
    for (let q = 0; q < planes; q++) out.set(buf.subarray(q * len, (q + 1) * len), q * P + g.p0);
  }
}

/** Scratch floats of the threaded dzdx: one kernel scratch (for the largest share) per thread. */
export function dataScratch(p: ConvPlan, t: number): number {
  return t * align4(kernels().conv_backward_data_scratch(...withN(p.dims, Math.ceil(p.N / t))));
}

export function backwardData(p: ConvPlan, t: number, pw: number, pdzdy: number, pdzdx: number, ps: number): void {
  const k = kernels();
  const per = 4 * align4(k.conv_backward_data_scratch(...withN(p.dims, Math.ceil(p.N / t))));
  split(k, t, p.N, (n0, m, i) => [['conv_backward_data', pw, pdzdy + 4 * n0 * p.Ho * p.Wo * p.K,
    pdzdx + 4 * n0 * p.H * p.W * p.C, ps + i * per, ...withN(p.dims, m)]]);
}

/** Scratch floats of the threaded dzdw: a kernel scratch per thread, then t - 1 partial dzdw. */
export function filterScratch(p: ConvPlan, t: number): number {
  const nw = p.FH * p.FW * p.FC * p.K;
  return t * align4(kernels().conv_backward_filter_scratch(...withN(p.dims, Math.ceil(p.N / t)))) + (t - 1) * align4(nw);
}

export function backwardFilter(p: ConvPlan, t: number, px: number, pdzdy: number, pdzdw: number, ps: number): void {
  const k: Kernels = kernels();
  const per = 4 * align4(k.conv_backward_filter_scratch(...withN(p.dims, Math.ceil(p.N / t))));
  const nw = p.FH * p.FW * p.FC * p.K;
  const partial = (i: number): number => (i === 0 ? pdzdw : ps + t * per + (i - 1) * 4 * align4(nw));
  split(k, t, p.N, (n0, m, i) => [['conv_backward_filter', px + 4 * n0 * p.H * p.W * p.C,
    pdzdy + 4 * n0 * p.Ho * p.Wo * p.K, partial(i), ps + i * per, ...withN(p.dims, m)]]);
  for (let i = 1; i < t; i++) k.thread_add(pdzdw, partial(i), nw);
}
