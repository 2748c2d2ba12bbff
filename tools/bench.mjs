// npm run bench [-- name...] [-- --default-malloc]: run bench/<name>.bench.ts (all
// of them by default) one after another, each in its own Node process.
//
// Allocator: both libraries return every result in a fresh Float32Array (ours from
// `new Float32Array`, tfjs's from dataSync's slice). With glibc's default dynamic
// thresholds, about half of the Node processes end up trimming the heap whenever
// V8 frees a few such arrays at once, and from then on every fresh result of a few
// MB arrives as new pages: ~1,800 page faults (~4 ms) per 7.4 MB array, on both
// sides, and the ratios of one process differ from the next. The bench therefore
// runs with fixed glibc thresholds (freed blocks below 32 MiB stay in the heap), so
// both sides reuse memory and the times are the libraries' own work.
// `--default-malloc` (or setting either variable yourself) measures without them.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const defaultMalloc = args.includes('--default-malloc');
const want = args.filter((a) => !a.startsWith('--'));
const env = { ...process.env };
if (!defaultMalloc) {
  env.MALLOC_MMAP_THRESHOLD_ ??= String(32 * 2 ** 20);
  env.MALLOC_TRIM_THRESHOLD_ ??= String(256 * 2 ** 20);
}
console.log(defaultMalloc
  ? 'allocator: glibc defaults (results may page-fault on both sides; ratios vary between processes)'
  : `allocator: glibc MALLOC_MMAP_THRESHOLD_=${env.MALLOC_MMAP_THRESHOLD_} MALLOC_TRIM_THRESHOLD_=${env.MALLOC_TRIM_THRESHOLD_} ` +
    '(fresh results reuse freed heap on both sides; --default-malloc to measure without)');

const files = readdirSync(new URL('../bench/', import.meta.url))
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => want.length === 0 || want.includes(f.replace('.bench.ts', '')))
  .sort();
let failed = 0;
for (const f of files) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', './tools/register-wasm.mjs', `bench/${f}`],
    { stdio: 'inherit', env });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
