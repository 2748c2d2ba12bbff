// What a fused multiply-add can win on this machine: the same loops built twice, once
// with f32x4.relaxed_madd (one FMA instruction where the engine fuses it) and once with
// f32x4.mul then f32x4.add (the SIMD build's madd in assembly/simd.ts), timed interleaved.
// It bounds issue 13's "relaxed / SIMD build <= 0.85" row: the whole conv cannot gain more
// from FMA than its micro-kernel does alone on data in L1, and the register rows say where
// any gain comes from (this core issues a mul and an add as fast as one FMA).
//
//   register GEMM   8 accumulators c += a * w held in registers, no loads: the throughput
//                   of independent multiply-adds, which is what a GEMM is; with 11 vectors
//                   live, and with mkLanes' 14, where mul + add's product needs a 15th.
//   micro-kernel    mkLanes from assembly/conv/lanes.ts, the practical conv's (2 loads of A,
//                   4 splat loads of x, 8 multiply-adds a tap), on data in L1.
//   latency chain   c = c * b + a, 8 chains: each step waits for the last, so a fused
//                   instruction (one latency instead of two) shows here if it shows anywhere.
//
// Needs an engine with relaxed SIMD: `npm run bench -- fma --node=22` (Node 20 has it only
// behind --experimental-wasm-relaxed-simd). The loops are compiled here with asc's API, both
// builds from one source text, mkLanes's read from assembly/conv/lanes.ts; build/ is not used.
import asc from 'assemblyscript/asc';
import { readFileSync } from 'node:fs';
import { median } from './stats.js';
import { randn } from '../src/index.js';

const TAPS = 250; // A is 32 floats a tap: 32 KB, inside a 48 KB L1

// The kernel's own text, so that this times mkLanes as it is today.
const lanes = readFileSync(new URL('../assembly/conv/lanes.ts', import.meta.url), 'utf8');
const mkLanes = /export function mkLanes\([^]*?\n}\n/.exec(lanes)?.[0];
if (!mkLanes) throw new Error('fma bench: mkLanes not found in assembly/conv/lanes.ts');

function source(fused: boolean): string {
  const madd = fused ? 'f32x4.relaxed_madd(a, b, c)' : 'f32x4.add(f32x4.mul(a, b), c)';
  return `
// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 { return ${madd}; }

/** The accumulators' sum, stored so that no loop is dead code. */
function keep(p: usize, c0: v128, c1: v128, c2: v128, c3: v128, c4: v128, c5: v128, c6: v128, c7: v128): void {
  v128.store(p, f32x4.add(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)),
    f32x4.add(f32x4.add(c4, c5), f32x4.add(c6, c7))), 192);
}

export function registerGemm(n: i32, p: usize): void {
  const a0 = v128.load(p), a1 = v128.load(p, 16), w = v128.load(p, 32);
  let c0 = v128.load(p, 48), c1 = v128.load(p, 64), c2 = v128.load(p, 80), c3 = v128.load(p, 96);
  let c4 = v128.load(p, 112), c5 = v128.load(p, 128), c6 = v128.load(p, 144), c7 = v128.load(p, 160);
  for (let i = 0; i < n; i++) {
    c0 = madd(a0, w, c0); c1 = madd(a1, w, c1); c2 = madd(a0, w, c2); c3 = madd(a1, w, c3);
    c4 = madd(a0, w, c4); c5 = madd(a1, w, c5); c6 = madd(a0, w, c6); c7 = madd(a1, w, c7);
  }
  keep(p, c0, c1, c2, c3, c4, c5, c6, c7);
}

// mkLanes' register count: 8 accumulators, 2 A vectors, 4 splats live across the loop (14 of
// the 15 xmm registers V8 allocates); mul then add needs one more for the product.
export function registerGemm14(n: i32, p: usize): void {
  const a0 = v128.load(p), a1 = v128.load(p, 16);
  const w0 = v128.load(p, 32), w1 = v128.load(p, 48), w2 = v128.load(p, 64), w3 = v128.load(p, 80);
  let c00 = a0, c01 = a1, c10 = w0, c11 = w1, c20 = w2, c21 = w3, c30 = a1, c31 = a0;
  for (let i = 0; i < n; i++) {
    c00 = madd(a0, w0, c00); c01 = madd(a1, w0, c01);
    c10 = madd(a0, w1, c10); c11 = madd(a1, w1, c11);
    c20 = madd(a0, w2, c20); c21 = madd(a1, w2, c21);
    c30 = madd(a0, w3, c30); c31 = madd(a1, w3, c31);
  }
  keep(p, c00, c01, c10, c11, c20, c21, c30, c31);
}

export function latencyChain(n: i32, p: usize): void {
  const b = v128.load(p, 32);
  let c0 = v128.load(p), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
  const a0 = v128.load(p, 48), a1 = v128.load(p, 64), a2 = v128.load(p, 80), a3 = v128.load(p, 16);
  for (let i = 0; i < n; i++) {
    c0 = madd(c0, b, a0); c1 = madd(c1, b, a1); c2 = madd(c2, b, a2); c3 = madd(c3, b, a3);
    c4 = madd(c4, b, a0); c5 = madd(c5, b, a1); c6 = madd(c6, b, a2); c7 = madd(c7, b, a3);
  }
  keep(p, c0, c1, c2, c3, c4, c5, c6, c7);
}

${mkLanes}

// a: S taps of 32 floats at p; offs: S u32 byte offsets; x: 4 KB; tile: 32 floats.
export function microKernel(n: i32, p: usize, S: i32): void {
  const offs = p + (<usize>S << 7), x = offs + (<usize>S << 2), tile = x + 4096;
  for (let i = 0; i < n; i++) mkLanes(p, offs, S, x, x + 4, x + 8, x + 12, tile);
}
`;
}

interface Loops {
  memory: WebAssembly.Memory;
  registerGemm(n: number, p: number): void;
  registerGemm14(n: number, p: number): void;
  latencyChain(n: number, p: number): void;
  microKernel(n: number, p: number, S: number): void;
}

async function build(fused: boolean): Promise<Loops | null> {
  const { error, binary, stderr } = await asc.compileString({ 'fma.ts': source(fused) }, {
    optimizeLevel: 3, runtime: 'stub', initialMemory: 2, enable: fused ? ['simd', 'relaxed-simd'] : ['simd'],
  });
  if (error || !binary) throw new Error(`fma bench: asc failed: ${error?.message}\n${stderr.toString()}`);
  const bytes = new Uint8Array(binary); // on an ArrayBuffer, as WebAssembly.compile is typed
  if (!WebAssembly.validate(bytes)) return null;
  const instance = await WebAssembly.instantiate(await WebAssembly.compile(bytes), {});
  return instance.exports as unknown as Loops;
}

/** Seeded data, scaled so that no loop meets a denormal or an overflow (either would time the microcode). */
function fill(m: Loops, S: number): void {
  const f = new Float32Array(m.memory.buffer);
  f.set(randn([32 * S], { seed: 1 }).data.map((v) => v * 1e-3));
  f[8] = f[9] = f[10] = f[11] = 0.5; // b of the latency chain
  // mkLanes's offsets: whole floats inside x's 1000 (its 4 columns read up to 3 floats further).
  const u = new Uint32Array(m.memory.buffer, 128 * S, S);
  u.set(randn([S], { seed: 2 }).data.map((v) => 4 * Math.min(999, Math.floor(Math.abs(v) * 300))));
  f.set(randn([1024], { seed: 3 }).data, 33 * S);
}

interface Row { name: string; flops: number; run: (m: Loops) => void }

const N = 2_000_000;
const rows: Row[] = [
  { name: 'register GEMM, 8 accumulators, 11 vectors live', flops: N * 8 * 8, run: (m) => m.registerGemm(N, 0) },
  { name: 'register GEMM, 8 accumulators, 14 vectors live', flops: N * 8 * 8, run: (m) => m.registerGemm14(N, 0) },
  { name: 'micro-kernel (mkLanes, L1 data)', flops: 1000 * TAPS * 64, run: (m) => m.microKernel(1000, 0, TAPS) },
  { name: 'latency chain, 8 chains', flops: N * 8 * 8, run: (m) => m.latencyChain(N, 0) },
];

const relaxed = await build(true), simd = await build(false);
if (!relaxed || !simd) {
  console.log(`\n## fma: skipped, ${process.version} has no relaxed SIMD; run \`npm run bench -- fma --node=22\`\n`);
  process.exit(0);
}
fill(relaxed, TAPS); fill(simd, TAPS);

const time = (f: () => void) => { const t0 = performance.now(); f(); return performance.now() - t0; };
console.log(`\n## relaxed_madd against mul + add (${process.release.name} ${process.version}), median ms of 15 interleaved runs\n`);
console.log('| workload | relaxed ms | simd ms | ratio relaxed / simd | goal | GFLOP/s relaxed | GFLOP/s simd |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  for (let k = 0; k < 3; k++) { r.run(relaxed); r.run(simd); } // past V8's tier-up
  const tr: number[] = [], ts: number[] = [];
  for (let k = 0; k < 15; k++) { tr.push(time(() => r.run(relaxed))); ts.push(time(() => r.run(simd))); }
  const a = median(tr), b = median(ts);
  const goal = r.name.startsWith('micro') ? '<= 0.85 (issue 13, on the whole conv)' : '';
  console.log(`| ${r.name} | ${a.toFixed(3)} | ${b.toFixed(3)} | ${(a / b).toFixed(3)} | ${goal} | ` +
    `${(r.flops / a / 1e6).toFixed(1)} | ${(r.flops / b / 1e6).toFixed(1)} |`);
}
