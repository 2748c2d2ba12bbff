// Vercel's edge-runtime (a vm context that refuses to compile WebAssembly,
// as Vercel's production Edge does): bundled as a script whose 'nnblocks'
// resolves to dist/edge-light.js; the `./kernels.wasm?module` import is the
// Module the host compiled and handed in, as Vercel's bundler does.
import * as nn from 'nnblocks';
import { runSuite } from './suite.mjs';

const lines = [];
globalThis.__conformance = runSuite(nn, { runtime: 'edge-runtime', log: (l) => lines.push(l) })
  .then((r) => ({ ...r, lines }), (e) => ({ passed: 0, failed: 1, lines: [...lines, `crashed: ${e.stack ?? e}`] }));
