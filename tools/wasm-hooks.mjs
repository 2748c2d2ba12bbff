// Node module hooks: `import bytes from './x.wasm'` gives a Uint8Array, as the
// inline-wasm plugin does in the bundle. Lets scripts (benchmarks, the
// practical) run src/ directly under tsx.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { makePatch } from './wasm-delta.mjs';

export async function load(url, context, next) {
  if (!url.split('?')[0].endsWith('.wasm')) return next(url, context);
  // `?patch-from=x.wasm`: the byte patch from x.wasm to this file, as tools/inline-wasm.mjs makes it.
  const from = new URL(url).searchParams.get('patch-from');
  const bytes = readFileSync(fileURLToPath(url));
  const b64 = (from === null ? bytes : Buffer.from(makePatch(readFileSync(fileURLToPath(new URL(from, url))), bytes)))
    .toString('base64');
  return {
    format: 'module',
    shortCircuit: true,
    source: `const s = atob(${JSON.stringify(b64)}); const b = new Uint8Array(s.length);
for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i); export default b;`,
  };
}
