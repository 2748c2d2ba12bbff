import { defineConfig } from 'vitest/config';
import inlineWasm from './tools/inline-wasm.mjs';

// The kernel tests with both kernel builds in one run, one project per build
// (tests/setup-kernels.ts reads `kernels`): what tools/test-runtimes.mjs runs on
// each Node line it installs (22, 24, 26), whose engines all have relaxed SIMD.
export const KERNEL_TESTS = ['builds', 'conv', 'conv-api', 'convt', 'pool', 'relu', 'sigmoid', 'softmax', 'bnorm',
  'normalize', 'noffset', 'spnorm', 'dropout'].map((t) => `tests/${t}.test.ts`);

export default defineConfig({
  plugins: [inlineWasm()],
  test: {
    testTimeout: 60_000,
    environment: 'node',
    setupFiles: ['tests/setup-kernels.ts'],
    projects: ['simd', 'relaxed-simd'].map((build) => ({
      extends: true, test: { name: build, include: KERNEL_TESTS, provide: { kernels: build } },
    })),
  },
});
