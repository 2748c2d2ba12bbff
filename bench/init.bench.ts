// Cold start: a fresh process (Node) or a fresh isolate (workerd through
// Miniflare) imports nnblocks, runs init() and one small conv (32x32x3 by
// 3x3x3x8, pad 1). Node is compared with tfjs-backend-wasm's cold start doing
// the same in a fresh process; runs alternate. workerd has no peer: tfjs-wasm
// compiles its module from bytes, which workerd refuses. Needs `npm run build`.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median, report, type Row } from './harness.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const RUNS = 9;
const child = (file: string) => {
  const t0 = performance.now();
  const out = execFileSync(process.execPath, [file], { cwd: root, encoding: 'utf8' });
  return { inside: JSON.parse(out.trim().split('\n').pop()!).ms as number, wall: performance.now() - t0 };
};

const ours: number[] = [], peer: number[] = [], oursWall: number[] = [], peerWall: number[] = [];
for (let r = 0; r < RUNS; r++) {
  const a = child('bench/cold/node-nnblocks.mjs'); ours.push(a.inside); oursWall.push(a.wall);
  const b = child('bench/cold/node-tfjs.mjs'); peer.push(b.inside); peerWall.push(b.wall);
}
const rows: Row[] = [
  { name: 'Node: import + init() + small conv (in process)', oursMs: median(ours), peerMs: median(peer), ratio: median(ours) / median(peer) },
  { name: 'Node: whole process, start to exit', oursMs: median(oursWall), peerMs: median(peerWall), ratio: median(oursWall) / median(peerWall) },
];

const { build } = await import('esbuild');
const { copyFileSync } = await import('node:fs');
const { Miniflare } = await import('miniflare');
const dir = `${root}build/bench-cold/`;
await build({ entryPoints: [`${root}bench/cold/worker.mjs`], outfile: `${dir}worker.js`, bundle: true, format: 'esm',
  platform: 'browser', conditions: ['workerd', 'worker'], external: ['*.wasm'], logLevel: 'error' });
copyFileSync(`${root}dist/kernels.wasm`, `${dir}kernels.wasm`);
const first: number[] = [];
for (let r = 0; r < 5; r++) {
  const mf = new Miniflare({
    modulesRoot: dir, compatibilityDate: '2025-09-01', host: '127.0.0.1', port: 0,
    modules: [{ type: 'ESModule', path: `${dir}worker.js` }, { type: 'CompiledWasm', path: `${dir}kernels.wasm` }],
  });
  try {
    const url = await mf.ready;
    const t0 = performance.now();
    await (await fetch(url)).text();
    first.push(performance.now() - t0);
  } finally {
    await mf.dispose();
  }
}
rows.push({ name: 'workerd: first request (init() + small conv + HTTP round trip), no peer', oursMs: median(first), peerMs: NaN, ratio: NaN });
report('Cold start (medians; Node runs alternate with tfjs-wasm)', rows);
