// The two kernel builds (src/builds.ts): which one init() picks, that the
// relaxed build index.ts rebuilds from its patch is the file the compiler wrote,
// that the relaxed build really uses relaxed_madd, and that the builds agree.
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { init, kernelsInfo, nnconv, randn, Tensor, threadCount } from '../src/index.js';
import { chooseBuild, relaxedSimdSupported } from '../src/builds.js';
import { instantiateKernels } from '../src/init.js';
import { attach, checkedScratch, kernels, type Kernels } from '../src/wasm.js';
import { applyPatch } from '../src/wasm-patch.js';
import simdBytes from '../build/kernels.wasm';
import relaxedBytes from '../build/kernels-relaxed.wasm';
import relaxedPatch from '../build/kernels-relaxed.wasm?patch-from=kernels.wasm';
import sharedBytes from '../build/kernels-shared.wasm';
import sharedPatch from '../build/kernels-shared.wasm?patch-from=kernels.wasm';
import sharedRelaxedBytes from '../build/kernels-shared-relaxed.wasm';
import sharedRelaxedPatch from '../build/kernels-shared-relaxed.wasm?patch-from=kernels.wasm';
import { convForwardRef, convBackwardRef, type RefDims } from './ref/conv.js';

beforeAll(() => init());

const relaxed = relaxedSimdSupported();
const asked = inject('kernels');

/**
 * The threads init() should have started, from the project's `threads` (else every core) and
 * what the runtime allows: none without shared memory or in a page that is not isolated.
 */
function expectedThreads(): number {
  const g = globalThis as { crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number } };
  if (typeof SharedArrayBuffer !== 'function' || g.crossOriginIsolated === false) return 1;
  const cores = g.navigator?.hardwareConcurrency ?? cpus;
  const t = inject('threads');
  return Math.min(t !== '' ? Number(t) : cores, cores, 64);
}
const cpus = typeof process === 'object' ? (await import('node:os')).availableParallelism() : 1;

describe('choosing the build', () => {
  it('the probe is accepted exactly where the relaxed kernels validate', () => {
    expect(WebAssembly.validate(relaxedBytes)).toBe(relaxed);
    expect(WebAssembly.validate(simdBytes)).toBe(true);
  });

  it('the probe is a well-formed module apart from its relaxed opcode', () => {
    // The same 37-byte module with v128.bitselect (0xfd 0x52, plain SIMD, also ternary) in
    // place of f32x4.relaxed_madd (0xfd 0x85 0x02), so the body is one byte shorter.
    const plain = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x01, 0x60, 0x03, 0x7b,
      0x7b, 0x7b, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x0c, 0x01, 0x0a, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02,
      0xfd, 0x52, 0x0b]);
    expect(WebAssembly.validate(plain)).toBe(true);
  });

  it('init() without a source runs the build asked for, else relaxed-simd exactly where the engine has it', () => {
    const want = asked !== '' ? asked : relaxed ? 'relaxed-simd' : 'simd';
    expect(kernelsInfo()).toEqual({ build: want, relaxedSimd: relaxed, threads: expectedThreads() });
    expect(threadCount()).toBe(expectedThreads());
    expect(Object.isFrozen(kernelsInfo())).toBe(true);
  });

  it('chooseBuild (the entries\' one switch) gives the relaxed form only where the engine has it', () => {
    let touched = false;
    const builds = { simd: 'S', get relaxed() { touched = true; return 'R'; } };
    const want = asked !== '' ? asked : relaxed ? 'relaxed-simd' : 'simd';
    expect(chooseBuild(builds)).toBe(want === 'relaxed-simd' ? 'R' : 'S');
    // index.ts rebuilds the relaxed bytes in a getter: not at all when the SIMD build is taken.
    expect(touched).toBe(want === 'relaxed-simd');
  });

  it('an explicit source is used as is, and kernelsInfo() reads the build from the module', async () => {
    const k = await instantiateKernels(simdBytes);
    expect(k.buildFeatures()).toBe(0);
    if (relaxed) expect((await instantiateKernels(relaxedBytes)).buildFeatures()).toBe(1);
    else await expect(instantiateKernels(relaxedBytes)).rejects.toThrow(/init: compiling the kernels failed/);
  });
});

describe('the relaxed build inlined as a patch', () => {
  it('rebuilds exactly build/kernels-relaxed.wasm from build/kernels.wasm', () => {
    expect(relaxedPatch.length).toBeLessThan(4096);
    const got = applyPatch(simdBytes, relaxedPatch);
    expect(got.length).toBe(relaxedBytes.length);
    expect(got.every((v, i) => v === relaxedBytes[i])).toBe(true);
  });

  it('rebuilds exactly the two shared-memory builds (the worker pool\'s) from build/kernels.wasm', () => {
    for (const [patch, bytes] of [[sharedPatch, sharedBytes], [sharedRelaxedPatch, sharedRelaxedBytes]]) {
      expect(patch.length).toBeLessThan(4096);
      const got = applyPatch(simdBytes, patch);
      expect(got.length).toBe(bytes.length);
      expect(got.every((v, i) => v === bytes[i])).toBe(true);
      // (the relaxed one compiles only where the engine has relaxed SIMD)
      if (bytes === sharedBytes || relaxed) {
        expect(WebAssembly.Module.imports(new WebAssembly.Module(bytes)).map((i) => `${i.module}.${i.name} ${i.kind}`))
          .toEqual(['env.memory memory']);
      }
    }
    expect(WebAssembly.Module.imports(new WebAssembly.Module(simdBytes)).some((i) => i.kind === 'memory')).toBe(false);
  });

  it('refuses a base it was not made for', () => {
    const other = simdBytes.slice();
    other[other.length - 1] ^= 1;
    expect(() => applyPatch(other, relaxedPatch)).toThrow(/could not be rebuilt from the SIMD build \(the result does not have the expected checksum\)/);
    expect(() => applyPatch(simdBytes.subarray(0, 100), relaxedPatch)).toThrow(/could not be rebuilt/);
    expect(() => applyPatch(simdBytes, relaxedPatch.subarray(0, 5))).toThrow(/a patch of 5 bytes/);
  });

  it('the relaxed build holds relaxed_madd (0xfd 0x85 0x02) and the SIMD build does not', () => {
    const count = (b: Uint8Array) => {
      let n = 0;
      for (let i = 0; i + 2 < b.length; i++) if (b[i] === 0xfd && b[i + 1] === 0x85 && b[i + 2] === 0x02) n++;
      return n;
    };
    expect(count(relaxedBytes)).toBeGreaterThanOrEqual(20); // the conv GEMM, Winograd and batch micro-kernels
    expect(count(simdBytes)).toBe(0);
  });
});

// Both builds side by side in one process (where the engine runs relaxed SIMD): nnconv on
// the practical's shape (Winograd), a strided one (the GEMM) and the batched small-output
// path, on random data, against the float64 reference. FMA rounds once per multiply-add, so
// the two builds differ by float32 rounding only: both stay within the bound the conv tests
// use for random data, 2e-6 * FH*FW*FC relative to the output's scale.
describe.runIf(relaxed)('the two builds agree', () => {
  let simdK: Kernels, relaxedK: Kernels, before: Kernels;
  beforeAll(async () => {
    before = kernels();
    simdK = await instantiateKernels(simdBytes);
    relaxedK = await instantiateKernels(relaxedBytes);
  });
  afterAll(() => attach(before));

  const cases: [string, number[], number[], number[], number][] = [
    ['practical 64x80x3 * 5x5x3x10', [64, 80, 3, 1], [5, 5, 3, 10], [0, 0, 0, 0], 1],
    ['stride 2, pad 1: 33x31x8 * 3x3x8x12', [33, 31, 8, 2], [3, 3, 8, 12], [1, 1, 1, 1], 2],
    ['small outputs over a batch: 4x4x16x8 * 3x3x16x20', [4, 4, 16, 8], [3, 3, 16, 20], [0, 0, 0, 0], 1],
  ];
  for (const [name, xs, ws, pad, stride] of cases) {
    it(name, () => {
      const x = randn(xs, { seed: 11 }), w = randn(ws, { seed: 12 }), b = randn([ws[3]], { seed: 13 });
      const d: RefDims = { H: xs[0], W: xs[1], C: xs[2], N: xs[3], FH: ws[0], FW: ws[1], FC: ws[2], K: ws[3], pad, stride: [stride, stride], dilate: [1, 1] };
      const want = convForwardRef(x.data, w.data, b.data, d);
      const tol = 2e-6 * ws[0] * ws[1] * ws[2];
      const run = (k: Kernels): Tensor => { attach(k); return nnconv(x, w, b, { pad, stride }); };
      const ys = run(simdK), yr = run(relaxedK);
      expect(kernels()).toBe(checkedScratch(relaxedK)); // attach() gives each instance one checked wrapper
      let scale = 0;
      for (const v of want) scale = Math.max(scale, Math.abs(v));
      let worstS = 0, worstR = 0;
      for (let i = 0; i < want.length; i++) {
        worstS = Math.max(worstS, Math.abs(ys.data[i] - want[i]) / scale);
        worstR = Math.max(worstR, Math.abs(yr.data[i] - want[i]) / scale);
      }
      expect(worstS).toBeLessThan(tol);
      expect(worstR).toBeLessThan(tol);
      // Backward too (dzdx, dzdw), run by the same build.
      const p = randn(ys.shape, { seed: 14 });
      const ref = convBackwardRef(x.data, w.data, p.data, d);
      for (const k of [simdK, relaxedK]) {
        attach(k);
        const g = nnconv(x, w, b, p, { pad, stride });
        for (const [got, exp] of [[g.dzdx!.data, ref.dzdx], [g.dzdw!.data, ref.dzdw]] as const) {
          let s = 0, e = 0;
          for (const v of exp) s = Math.max(s, Math.abs(v));
          for (let i = 0; i < exp.length; i++) e = Math.max(e, Math.abs(got[i] - exp[i]) / s);
          expect(e).toBeLessThan(2e-6 * Math.max(ws[0] * ws[1] * ws[3], xs[0] * xs[1] * xs[3]));
        }
      }
    });
  }
});
