import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';
import inlineWasm from './tools/inline-wasm.mjs';

// The same test files run in Node and in headless Chromium (Debian's
// /usr/bin/chromium; .ci/run installs it). Files named *.node.test.ts need
// Node APIs and run in Node only.
const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

// NNBLOCKS_KERNELS=simd | relaxed-simd: init() without a source loads that kernel build
// (tests/setup-kernels.ts); unset it picks as for users (relaxed-simd where the engine has it).
declare module 'vitest' {
  export interface ProvidedContext { kernels: string }
}

export default defineConfig({
  plugins: [inlineWasm()],
  // MAT fixtures are imported as assets (`?inline` data: URLs), like the images.
  assetsInclude: ['**/*.mat'],
  test: {
    testTimeout: 60_000,
    provide: { kernels: process.env.NNBLOCKS_KERNELS ?? '' },
    setupFiles: ['tests/setup-kernels.ts'],
    projects: [
      { extends: true, test: { name: 'node', environment: 'node', include: ['tests/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['tests/**/*.test.ts'],
          exclude: ['tests/**/*.node.test.ts'],
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            instances: [{ browser: 'chromium' }],
            provider: playwright({
              launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs },
            }),
          },
        },
      },
    ],
  },
});
