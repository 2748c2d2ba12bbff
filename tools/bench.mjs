// npm run bench [-- name...]: run bench/<name>.bench.ts (all of them by default)
// one after another, each in its own Node process.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const want = process.argv.slice(2);
const files = readdirSync(new URL('../bench/', import.meta.url))
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => want.length === 0 || want.includes(f.replace('.bench.ts', '')))
  .sort();
let failed = 0;
for (const f of files) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', './tools/register-wasm.mjs', `bench/${f}`], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
