// Node module hooks: `import bytes from './x.wasm'` gives a Uint8Array, as the
// inline-wasm plugin does in the bundle. Lets scripts (benchmarks, the
// practical) run src/ directly under tsx.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export async function load(url, context, next) {
  if (!url.split('?')[0].endsWith('.wasm')) return next(url, context);
  const b64 = readFileSync(fileURLToPath(url)).toString('base64');
  return {
    format: 'module',
    shortCircuit: true,
    source: `const s = atob(${JSON.stringify(b64)}); const b = new Uint8Array(s.length);
for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i); export default b;`,
  };
}
