// Headless Chromium: the bundle of this file (made by tools/test-runtimes.mjs
// with esbuild, resolving 'nnblocks' to dist/index.js) runs in a plain page.
import * as nn from 'nnblocks';
import { runSuite } from './suite.mjs';

const lines = [];
runSuite(nn, { runtime: 'chromium', log: (l) => lines.push(l) })
  .then((r) => { window.__conformance = { ...r, lines }; })
  .catch((e) => { window.__conformance = { passed: 0, failed: 1, lines: [...lines, `crashed: ${e.stack ?? e}`] }; });
