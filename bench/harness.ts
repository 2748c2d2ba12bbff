// Benchmark harness: nnblocks against @tensorflow/tfjs-backend-wasm (SIMD, one
// thread) in the same process, runs interleaved so both see the same machine
// load. Prints median milliseconds, the ratio nnblocks / tfjs (lower is
// better), and GFLOP/s where the caller gives a flop count.
//
// Never use these numbers in tests: this machine is shared and noisy.

import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { dispose, init, type Tensor } from '../src/index.js';
import { resident } from './resident.js';
import { median } from './stats.js';

export { median, resident };

/** WASM SIMD mul+add peak of one core on this machine kind (TOOLCHAIN / issue 3). */
export const PEAK_GFLOPS = 46;

export { tf };

/** NNBLOCKS_BENCH_THREADS=n runs nnblocks' side of the block benches on n threads (default 1). */
export function benchThreads(): number {
  const n = Number(process.env.NNBLOCKS_BENCH_THREADS ?? 1);
  if (!Number.isInteger(n) || n < 1) throw new Error(`NNBLOCKS_BENCH_THREADS must be a whole number >= 1, got ${process.env.NNBLOCKS_BENCH_THREADS}`);
  return n;
}

/**
 * Load nnblocks and tfjs-wasm with SIMD on and threads off: nnblocks on `threads` threads
 * (default 1, like for like with tfjs-wasm's one thread; init()'s own default would be every core).
 */
export async function setup(threads = benchThreads()): Promise<void> {
  await init({ threads });
  const require = createRequire(import.meta.url);
  const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
  setWasmPaths(dist + '/');
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  tf.env().set('WASM_HAS_SIMD_SUPPORT', true);
  await tf.setBackend('wasm');
  await tf.ready();
  if (tf.getBackend() !== 'wasm') throw new Error(`tfjs backend is ${tf.getBackend()}, not wasm`);
}

export interface Case {
  /** Row label, e.g. "relu forward 380x508x10". */
  name: string;
  /** One nnblocks call, copies into and out of WASM included. */
  ours: () => unknown;
  /** The same work in tfjs-wasm, reading the result back with dataSync(). */
  peer: () => unknown;
  /** Floating-point operations of one call, for GFLOP/s (optional). */
  flops?: number;
  /** Goal for the ratio ours / peer, printed beside it. */
  goal?: number;
  /** Timed repetitions of each side (default: enough for ~1.5 s per side, 5..200). */
  reps?: number;
  /**
   * Untimed set-up that `ours` needs, run before the row and before each warm-up call: a
   * resident row lays its inputs into WebAssembly memory here, which any other call reuses.
   */
  before?: () => void;
}

export interface Row {
  name: string;
  oursMs: number;
  peerMs: number;
  ratio: number;
  goal?: number;
  gflops?: number;
  /** Minor page faults per call (mean), each side: fresh result pages, what makes rows differ between processes. */
  oursFaults?: number;
  peerFaults?: number;
}

/**
 * Run every case a few times on both sides before the first row is timed: a process's first
 * calls grow the JS and glibc heaps (page faults on fresh results), which would otherwise land
 * on whichever row comes first.
 */
export function warm(cases: Case[]): void {
  for (let r = 0; r < 6; r++) for (const c of cases) { c.before?.(); c.ours(); tf.tidy(() => { c.peer(); }); }
}

function time(f: () => unknown): number {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
}

const faults = (): number => process.resourceUsage().minorPageFault;

/** Time one case: warm both sides, then alternate ours/peer call by call. */
export function run(c: Case): Row {
  c.before?.();
  for (let i = 0; i < 2; i++) { c.ours(); tf.tidy(() => { c.peer(); }); }
  const probe = Math.max(time(c.ours), 0.01) + Math.max(time(() => tf.tidy(() => { c.peer(); })), 0.01);
  const reps = c.reps ?? Math.min(200, Math.max(5, Math.round(3000 / probe)));
  const ours: number[] = [];
  const peer: number[] = [];
  let oursFaults = 0, peerFaults = 0;
  for (let r = 0; r < reps; r++) {
    const f0 = faults();
    ours.push(time(c.ours));
    const f1 = faults();
    peer.push(time(() => tf.tidy(() => { c.peer(); })));
    oursFaults += f1 - f0;
    peerFaults += faults() - f1;
  }
  const o = median(ours);
  const p = median(peer);
  return { name: c.name, oursMs: o, peerMs: p, ratio: o / p, goal: c.goal, gflops: c.flops ? c.flops / o / 1e6 : undefined,
    oursFaults: oursFaults / reps, peerFaults: peerFaults / reps };
}

/**
 * A kernel row: nnblocks' resident pass (`make`, from resident()) against tfjs on resident
 * tensors, its result left in its heap (no dataSync). Neither side copies or makes a fresh JS
 * array, so the row compares the kernels without the page faults that fresh results take.
 */
export function kernelCase(name: string, make: () => () => unknown, peer: () => unknown): Case {
  let call: () => unknown = () => { throw new Error(`${name}: run before set-up`); };
  return { name, before: () => { call = make(); }, ours: () => call(), peer };
}

/** Print rows as a Markdown table (pasteable into an issue note). */
export function report(title: string, rows: Row[]): void {
  console.log(`\n## ${title}\n`);
  console.log('| workload | nnblocks ms | tfjs-wasm ms | ratio | goal | GFLOP/s | % of peak | page faults a call |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    const ok = r.goal === undefined ? '' : r.ratio <= r.goal ? ' ✓' : ' ✗';
    const gf = r.gflops === undefined ? '' : r.gflops.toFixed(1);
    const pk = r.gflops === undefined ? '' : `${((100 * r.gflops) / PEAK_GFLOPS).toFixed(0)}%`;
    const peer = Number.isFinite(r.peerMs) ? r.peerMs.toFixed(3) : '—';
    const ratio = Number.isFinite(r.ratio) ? `${r.ratio.toFixed(3)}${ok}` : '—';
    const pf = r.oursFaults === undefined ? '' : `${r.oursFaults.toFixed(0)} / ${r.peerFaults!.toFixed(0)}`;
    console.log(`| ${r.name} | ${r.oursMs.toFixed(3)} | ${peer} | ${ratio} | ` +
      `${r.goal === undefined ? '' : '<= ' + r.goal} | ${gf} | ${pk} | ${pf} |`);
  }
}

/**
 * Load both libraries, make the cases (tensors need both loaded), run them and print the table.
 * `threads` (default NNBLOCKS_BENCH_THREADS, else 1) is nnblocks' side; a bench may call this again
 * with another count (init() starts over).
 */
export async function bench(title: string, makeCases: () => Case[], threads = benchThreads()): Promise<Row[]> {
  dispose();
  await setup(threads);
  const rows = makeCases().map(run);
  report(threads === 1 ? title : `${title}; nnblocks on ${threads} threads, tfjs-wasm on 1`, rows);
  return rows;
}

/** Column-major [H, W, C, N] to tfjs' row-major [N, H, W, C] (outside the timed region). */
export function toNHWC(t: Tensor): tf.Tensor4D {
  const [H, W, C, N] = t.shape;
  const out = new Float32Array(t.numel);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let j = 0; j < W; j++) for (let i = 0; i < H; i++) {
    out[((n * H + i) * W + j) * C + c] = t.data[i + H * (j + W * (c + C * n))];
  }
  return tf.tensor4d(out, [N, H, W, C]);
}

/** Column-major filters [FH, FW, A, B] to tfjs' row-major [FH, FW, A, B] (conv2d's HWIO, conv2dTranspose's). */
export function toRowMajor(t: Tensor): tf.Tensor4D {
  const [FH, FW, A, B] = t.shape;
  const out = new Float32Array(t.numel);
  for (let b = 0; b < B; b++) for (let a = 0; a < A; a++) for (let v = 0; v < FW; v++) for (let u = 0; u < FH; u++) {
    out[((u * FW + v) * A + a) * B + b] = t.data[u + FH * (v + FW * (a + A * b))];
  }
  return tf.tensor4d(out, [FH, FW, A, B]);
}

/** Largest |a - b| relative to max |b|: a one-off check that both sides compute the same thing. */
export function relDiff(a: Float32Array, b: Float32Array): number {
  let d = 0, m = 0;
  for (let i = 0; i < a.length; i++) { d = Math.max(d, Math.abs(a[i] - b[i])); m = Math.max(m, Math.abs(b[i])); }
  return a.length === b.length ? d / m : Infinity;
}
