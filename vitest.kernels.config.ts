import { defineConfig } from 'vitest/config';
import inlineWasm from './tools/inline-wasm.mjs';

// The kernel tests with both kernel builds, each with threads off and on, in one run: one
// project per build and thread count (tests/setup-kernels.ts reads `kernels`,
// tests/setup-threads.ts `threads`): what tools/test-runtimes.mjs runs on each Node line it
// installs (22, 24, 26), whose engines all have relaxed SIMD.
export const KERNEL_TESTS = ['builds', 'conv', 'conv-api', 'convt', 'pool', 'relu', 'sigmoid', 'softmax', 'bnorm',
  'normalize', 'noffset', 'spnorm', 'dropout', 'threads'].map((t) => `tests/${t}.test.ts`);

export default defineConfig({
  plugins: [inlineWasm()],
  test: {
    testTimeout: 60_000,
    environment: 'node',
    setupFiles: ['tests/setup-kernels.ts', 'tests/setup-threads.ts'],
    projects: ['simd', 'relaxed-simd'].flatMap((build) => ['1', '2'].map((threads) => ({
      extends: true,
      test: { name: `${build}, ${threads} thread${threads === '1' ? '' : 's'}`, include: KERNEL_TESTS, provide: { kernels: build, threads } },
    }))),
  },
});
