// workerd (through Miniflare): a module Worker whose fetch runs the suite.
// 'nnblocks' resolves to dist/edge.js (workerd condition), which imports the
// compiled kernels.wasm: workerd refuses to compile WebAssembly from bytes.
import * as nn from 'nnblocks';
import { runSuite } from './suite.mjs';

let result = null;

export default {
  async fetch() {
    if (result === null) {
      const lines = [];
      result = runSuite(nn, { runtime: 'workerd', log: (l) => lines.push(l) }).then((r) => ({ ...r, lines }));
    }
    return Response.json(await result);
  },
};
