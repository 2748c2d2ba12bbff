// npm run bench [-- name...] [-- --fixed-malloc] [-- --repeat=N]: run
// bench/<name>.bench.ts (all of them by default) one after another, each in its
// own Node process; with --repeat=N each runs in N separate processes and a last
// table gives every ratio's median and range over them.
//
// The figures that count are a default process's, what a user sees: that is
// what this runs. Both libraries return every result in a fresh Float32Array,
// and with glibc's default dynamic thresholds some processes trim the heap
// whenever V8 frees a few such arrays, after which every fresh result of a few
// MB arrives as new pages (~4 ms per 7 MB, on both sides), so a row can differ
// from one process to the next: quote the median of several processes.
// `--fixed-malloc` also runs each bench with fixed glibc thresholds (freed
// blocks below 32 MiB stay in the heap), labelled as such, to show how much of
// a figure is the allocator's; it is a special condition, not the result.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { nodeBinary } from './node-lines.mjs';

const args = process.argv.slice(2);
const fixed = args.includes('--fixed-malloc');
const want = args.filter((a) => !a.startsWith('--'));
const repeat = Number((args.find((a) => a.startsWith('--repeat=')) ?? '--repeat=1').slice(9));
// --node=22 (24, 26): run the benches under that Node line from .cache/node-lines (tools/node-lines.mjs),
// e.g. for the relaxed-SIMD build, which Node 20 does not run without a flag.
const nodeArg = args.find((a) => a.startsWith('--node='));
const nodeBin = nodeArg ? nodeBinary(nodeArg.slice(7)) : process.execPath;
if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`bench: --repeat must be a positive integer, got ${repeat}`);
const FIXED = { MALLOC_MMAP_THRESHOLD_: String(32 * 2 ** 20), MALLOC_TRIM_THRESHOLD_: String(256 * 2 ** 20) };

const files = readdirSync(new URL('../bench/', import.meta.url))
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => want.length === 0 || want.includes(f.replace('.bench.ts', '')))
  .sort();
const settings = [['default process (glibc defaults): the figures that count', {}],
  ...(fixed ? [['special condition: fixed glibc thresholds ' + JSON.stringify(FIXED), FIXED]] : [])];
let failed = 0;
for (const [label, extra] of settings) {
  console.log(`\n# allocator: ${label}`);
  const ratios = new Map();
  for (const f of files) {
    for (let k = 0; k < repeat; k++) {
      const r = spawnSync(nodeBin, ['--import', 'tsx', '--import', './tools/register-wasm.mjs', `bench/${f}`],
        { stdio: ['inherit', 'pipe', 'inherit'], env: { ...process.env, ...extra }, encoding: 'utf8' });
      process.stdout.write(r.stdout);
      if (r.status !== 0) failed++;
      // Rows of the harness's table: | name | ours ms | peer ms | ratio ... |
      for (const m of r.stdout.matchAll(/^\| ([^|]+?) \| [\d.]+ \| [\d.]+ \| ([\d.]+)[^|]*\| ([^|]*)\|/gm)) {
        const key = m[1];
        if (!ratios.has(key)) ratios.set(key, { goal: m[3].trim(), values: [] });
        ratios.get(key).values.push(Number(m[2]));
      }
    }
  }
  if (repeat > 1 && ratios.size > 0) {
    console.log(`\n## ratio nnblocks / peer over ${repeat} processes (${label})\n`);
    console.log('| workload | median | range | goal |');
    console.log('| --- | ---: | --- | ---: |');
    for (const [name, { goal, values }] of ratios) {
      const v = values.slice().sort((a, b) => a - b);
      const med = v.length % 2 ? v[v.length >> 1] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
      console.log(`| ${name} | ${med.toFixed(3)} | ${v[0].toFixed(3)}–${v.at(-1).toFixed(3)} | ${goal} |`);
    }
  }
}
process.exit(failed ? 1 : 0);
