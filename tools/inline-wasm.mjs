// Rollup/Vite plugin: `import bytes from './x.wasm'` becomes a Uint8Array
// decoded from base64 with atob, which every runtime has (no Buffer, no fetch,
// no file path). Shared by rollup.config.mjs and vitest.config.ts.
import { readFileSync } from 'node:fs';

export default function inlineWasm() {
  return {
    name: 'inline-wasm',
    enforce: 'pre',
    load(id) {
      const file = id.split('?')[0];
      if (!file.endsWith('.wasm')) return null;
      const b64 = readFileSync(file).toString('base64');
      return [
        `const b64 = ${JSON.stringify(b64)};`,
        'const s = atob(b64);',
        'const bytes = new Uint8Array(s.length);',
        'for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);',
        'export default bytes;',
      ].join('\n');
    },
  };
}
