// nnconv's kernels on the character CNN's four conv layers (NETWORKS.md §4.3.3), batch 100 and 1:
// each pass (forward, dzdx, dzdw) run alone on buffers already in WebAssembly memory, as simplenn
// and cnnTrain run them, timed in CPU time (process.cpuUsage: on a shared machine the wall clock
// counts the time other processes hold the core) and wall time, medians; with its GEMM shape
// (M x N x K as the kernel multiplies it) and GFLOP/s. Then the best micro-kernel's GFLOP/s on a
// cache-resident product (the batch path's 8x4 tiles: w and x in L1/L2). Loaded machine figures.
import { init, randn } from '../src/index.js';
import {
  planConv, convForward, convForwardScratch, convBackwardData, convBackwardDataScratch, convBackwardFilter,
  convBackwardFilterScratch,
} from '../src/blocks/conv.js';
import { reserve, write } from '../src/wasm.js';
import { median } from './stats.js';
import type { Shape4 } from '../src/tensor.js';

await init();

const cpu = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

/** Median CPU and wall ms of f over reps runs of `inner` calls each. */
function time(f: () => void, reps: number, inner: number): { cpu: number; wall: number } {
  f();
  const c: number[] = [], w: number[] = [];
  for (let i = 0; i < reps; i++) {
    const c0 = cpu(), t0 = performance.now();
    for (let j = 0; j < inner; j++) f();
    w.push((performance.now() - t0) / inner);
    c.push((cpu() - c0) / inner);
  }
  return { cpu: median(c), wall: median(w) };
}

interface Pass { name: string; shape: string; flops: number; run: () => void }

function passes(xs: Shape4, ws: Shape4): Pass[] {
  const N = xs[3];
  const p = planConv(xs, ws, ws[3], [xs[0] - ws[0] + 1, xs[1] - ws[1] + 1, ws[3], N], {});
  const nx = xs.reduce((a, b) => a * b), nw = ws.reduce((a, b) => a * b), ny = p.Ho * p.Wo * p.K * N;
  const s = Math.max(convForwardScratch(p), convBackwardDataScratch(p), convBackwardFilterScratch(p));
  const [px, pw, pb, py, pdy, pdx, pdw, ps] = reserve('convlayers.bench', nx, nw, p.K, ny, ny, nx, nw, s);
  write(px, randn([nx], { seed: 1 }).data);
  write(pw, randn([nw], { seed: 2 }).data);
  write(pdy, randn([ny], { seed: 3 }).data);
  const R = ws[0] * ws[1] * ws[2], Q = p.Ho * p.Wo * N, K = ws[3];
  const flops = 2 * Q * K * R;
  return [
    { name: 'forward', shape: `${Q} x ${K} x ${R}`, flops, run: () => convForward(p, px, pw, pb, py, ps) },
    { name: 'dzdx', shape: `${R} x ${Q} x ${K}`, flops, run: () => convBackwardData(p, pw, pdy, pdx, ps) },
    { name: 'dzdw', shape: `${R} x ${K} x ${Q}`, flops, run: () => convBackwardFilter(p, px, pdy, pdw, ps) },
  ];
}

const LAYERS: [string, (N: number) => Shape4, Shape4][] = [
  ['conv 5x5x1x20 on 32x32x1', (N) => [32, 32, 1, N], [5, 5, 1, 20]],
  ['conv 5x5x20x50 on 14x14x20', (N) => [14, 14, 20, N], [5, 5, 20, 50]],
  ['conv 4x4x50x500 on 5x5x50', (N) => [5, 5, 50, N], [4, 4, 50, 500]],
  ['conv 2x2x500x26 on 2x2x500', (N) => [2, 2, 500, N], [2, 2, 500, 26]],
];

for (const N of [100, 1]) {
  console.log(`\n## nnconv kernels on the character CNN's layers, batch ${N} (loaded machine figures; CPU-time medians)\n`);
  console.log('| layer | pass | GEMM M x N x K | CPU ms | wall ms | GFLOP/s (CPU) |');
  console.log('| --- | --- | --- | ---: | ---: | ---: |');
  let sum = 0;
  for (const [name, xs, ws] of LAYERS) {
    for (const ps of passes(xs(N), ws)) {
      const t = time(ps.run, N === 1 ? 15 : 9, N === 1 ? 20 : 2);
      sum += t.cpu;
      console.log(`| ${name} | ${ps.name} | ${ps.shape} | ${t.cpu.toFixed(3)} | ${t.wall.toFixed(3)} | ${(ps.flops / t.cpu / 1e6).toFixed(1)} |`);
    }
  }
  console.log(`| all four layers | forward + dzdx + dzdw | | ${sum.toFixed(2)} | | |`);
}

// Cache-resident: a 2x2x64 input (1x1 output), 40 filters, batch 64: the batch path's product
// 64 x 40 x 256, x 64 KB and w 40 KB. The figure includes the packing of x, as the kernel runs it.
{
  const [fwd] = passes([2, 2, 64, 64], [2, 2, 64, 40]);
  const t = time(fwd.run, 15, 200);
  console.log(`\nbest micro-kernel (8x4 tiles of the batch product), cache-resident ${fwd.shape}, packing included: ` +
    `${(fwd.flops / t.cpu / 1e6).toFixed(1)} GFLOP/s (CPU time; loaded machine)`);
}
