// Headless Chromium: the bundle of this file (made by tools/test-runtimes.mjs
// with esbuild, resolving 'nnblocks' to dist/index.js) runs in a plain page.
import * as nn from 'nnblocks';
import { runSuite } from './suite.mjs';

// The runner serves the page with COOP + COEP when it adds ?isolated: the worker pool is expected then.
const isolated = location.search === '?isolated';
const lines = [];
if (isolated !== self.crossOriginIsolated) lines.push(`FAIL the page is ${isolated ? 'not ' : ''}cross-origin isolated`);
const suite = isolated !== self.crossOriginIsolated
  ? Promise.resolve({ passed: 0, failed: 1 })
  : runSuite(nn, { runtime: isolated ? 'chromium (isolated)' : 'chromium', threads: isolated ? 'many' : 'one', log: (l) => lines.push(l) });
suite
  .then((r) => { window.__conformance = { ...r, lines }; })
  .catch((e) => { window.__conformance = { passed: 0, failed: 1, lines: [...lines, `crashed: ${e.stack ?? e}`] }; });
