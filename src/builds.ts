// The kernel builds, and which one init() compiles when it is given no source.
//
// All four come from the same AssemblyScript sources (asconfig targets `release`,
// `release-relaxed`, and their shared-memory forms `release-shared`, `release-shared-relaxed`,
// which the worker pool uses). SIMD and relaxed SIMD differ in simd.ts's madd(), the multiply-add of the GEMM
// micro-kernels: `f32x4.add(f32x4.mul(a, b), c)` in the SIMD build, f32x4.relaxed_madd (a
// fused multiply-add, rounded once, on CPUs that have one) in the relaxed-SIMD build. Engines
// that do not accept relaxed SIMD (Node 20 without its flag, Safari, Bun today) refuse to
// compile the second, so each entry hands both to chooseBuild(), which asks the engine with
// WebAssembly.validate on a tiny probe. An explicit init(source) is used as is.

import { kernels } from './wasm.js';
import { threads } from './threads.js';

/** The two instruction sets of the builds the package ships (each in an own-memory and a shared-memory form). */
export type KernelBuild = 'simd' | 'relaxed-simd';

/** What kernelsInfo() reports. */
export interface KernelsInfo {
  /** The build that is running: 'relaxed-simd' (FMA in the conv GEMMs) or 'simd'. */
  readonly build: KernelBuild;
  /** Whether this engine accepts relaxed SIMD (what init() without a source goes by). */
  readonly relaxedSimd: boolean;
  /** Threads the blocks use, the calling thread included (threadCount()): 1 without a worker pool. */
  readonly threads: number;
}

/**
 * The smallest module that uses relaxed SIMD: one function (v128, v128, v128) -> v128 whose
 * body is `f32x4.relaxed_madd(local 0, local 1, local 2)` (opcode 0xfd 0x105). 37 bytes.
 */
const RELAXED_PROBE = [
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, // type section: (v128 v128 v128) -> v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x0d, 0x01, 0x0b, 0x00, // code section: one body of 11 bytes, no locals
  0x20, 0x00, 0x20, 0x01, 0x20, 0x02, // local.get 0, 1, 2
  0xfd, 0x85, 0x02, 0x0b, // f32x4.relaxed_madd, end
];

let relaxedOk: boolean | null = null;
let preferred: KernelBuild | null = null;

/** Whether this engine validates relaxed SIMD (asked once). */
export function relaxedSimdSupported(): boolean {
  if (relaxedOk === null) {
    try {
      relaxedOk = WebAssembly.validate(new Uint8Array(RELAXED_PROBE));
    } catch {
      relaxedOk = false;
    }
  }
  return relaxedOk;
}

/**
 * The one place that decides which module init() compiles when no source is given: the
 * relaxed-SIMD build where the engine accepts it, else the SIMD build (or the build that
 * preferBuild() set). The entries pass their own forms of the two (inlined bytes, or Modules).
 */
export function chooseBuild<T>(builds: { readonly simd: T; readonly relaxed: T }): T {
  const want = preferred ?? (relaxedSimdSupported() ? 'relaxed-simd' : 'simd');
  return want === 'relaxed-simd' ? builds.relaxed : builds.simd;
}

/**
 * Make init() without a source load `build` (null: the default choice again). For tests and
 * benchmarks that run both builds; asking for 'relaxed-simd' where the engine cannot run it
 * throws here rather than at compile time.
 */
export function preferBuild(build: KernelBuild | null): void {
  if (build !== null && build !== 'simd' && build !== 'relaxed-simd') {
    throw new Error(`preferBuild: build must be 'simd', 'relaxed-simd' or null, got ${String(build)}`);
  }
  if (build === 'relaxed-simd' && !relaxedSimdSupported()) {
    throw new Error('preferBuild: this engine does not accept relaxed SIMD (WebAssembly.validate refused the probe), ' +
      "so the 'relaxed-simd' build cannot run here");
  }
  preferred = build;
}

/**
 * Which kernel build is running (read from the loaded module itself, so an explicit
 * init(source) is reported correctly) and whether the engine accepts relaxed SIMD.
 * Throws the "await init()" error before init() resolves.
 */
export function kernelsInfo(): KernelsInfo {
  const build: KernelBuild = (kernels().buildFeatures() & 1) !== 0 ? 'relaxed-simd' : 'simd';
  return Object.freeze({ build, relaxedSimd: relaxedSimdSupported(), threads: threads() });
}
