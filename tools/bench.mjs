// npm run bench [-- name...] [-- --fixed-malloc]: run bench/<name>.bench.ts (all
// of them by default) one after another, each in its own Node process.
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

const args = process.argv.slice(2);
const fixed = args.includes('--fixed-malloc');
const want = args.filter((a) => !a.startsWith('--'));
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
  for (const f of files) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', './tools/register-wasm.mjs', `bench/${f}`],
      { stdio: 'inherit', env: { ...process.env, ...extra } });
    if (r.status !== 0) failed++;
  }
}
process.exit(failed ? 1 : 0);
