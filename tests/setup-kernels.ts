// Runs before every test file (vitest.config.ts setupFiles): NNBLOCKS_KERNELS=simd or
// relaxed-simd makes init() without a source load that build, so the whole suite runs with
// either (relaxed-simd needs an engine that validates relaxed SIMD: Node 22+, Chromium).
// Unset, init() picks as users get it. Each file then checks the build it runs is the one asked.
import { inject } from 'vitest';
import { preferBuild, type KernelBuild } from '../src/builds.js';

const want = inject('kernels');
if (want !== '') {
  if (want !== 'simd' && want !== 'relaxed-simd') {
    throw new Error(`NNBLOCKS_KERNELS must be simd or relaxed-simd, got "${want}"`);
  }
  preferBuild(want as KernelBuild);
}
