// Rollup/Vite plugin: `import bytes from './x.wasm'` becomes a Uint8Array
// decoded from base64 with atob, which every runtime has (no Buffer, no fetch,
// no file path). Shared by rollup.config.mjs and vitest.config.ts.
// `import patch from './y.wasm?patch-from=x.wasm'` inlines instead the byte
// patch that turns x.wasm (beside y.wasm) into y.wasm (tools/wasm-delta.mjs;
// src/wasm-patch.ts applies it): how index.ts carries its second kernel build.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { makePatch } from './wasm-delta.mjs';

export default function inlineWasm() {
  return {
    name: 'inline-wasm',
    enforce: 'pre',
    resolveId(source, importer) {
      // Rollup resolves no query suffix by itself.
      if (!/\.wasm\?patch-from=/.test(source) || importer === undefined) return null;
      const [file, query] = source.split('?');
      return `${join(dirname(importer.split('?')[0]), file)}?${query}`;
    },
    load(id) {
      const [file, query = ''] = id.split('?');
      if (!file.endsWith('.wasm')) return null;
      const from = new URLSearchParams(query).get('patch-from');
      let bytes = readFileSync(file);
      if (from !== null) {
        const base = join(dirname(file), from);
        this.addWatchFile?.(base);
        bytes = Buffer.from(makePatch(readFileSync(base), bytes));
      }
      const b64 = bytes.toString('base64');
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
