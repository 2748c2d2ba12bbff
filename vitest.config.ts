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
// NNBLOCKS_THREADS=n: init() without a thread count starts n threads (tests/setup-threads.ts).
// NNBLOCKS_COI=1: the browser project's pages are cross-origin isolated (COOP + COEP), so
// SharedArrayBuffer and the worker pool exist there too; unset they are not (one thread).
const coi = process.env.NNBLOCKS_COI === '1';

declare module 'vitest' {
  export interface ProvidedContext { kernels: string; threads: string }
}

export default defineConfig({
  plugins: [inlineWasm()],
  server: coi ? { headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } } : {},
  // MAT fixtures are imported as assets (`?inline` data: URLs), like the images.
  assetsInclude: ['**/*.mat'],
  // a dependency's own file, bundled for the browser before the first test rather than found by
  // one (which reloads the page mid-run)
  optimizeDeps: { include: ['jpeg-js/lib/decoder.js'] },
  test: {
    testTimeout: 60_000,
    provide: { kernels: process.env.NNBLOCKS_KERNELS ?? '', threads: process.env.NNBLOCKS_THREADS ?? '' },
    setupFiles: ['tests/setup-kernels.ts', 'tests/setup-threads.ts'],
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
