// dist/index.js    Node, Deno, Bun, browsers: kernels inlined as base64 bytes
// dist/edge.js     workerd: imports ./kernels.wasm as a compiled Module
// dist/edge-light.js  Vercel Edge: the same through './kernels.wasm?module'
// dist/cli.js      the `nnblocks` command (Node)
// dist/index.d.ts  types for both library entries
// dist/kernels.wasm, dist/sample.png
import typescript from '@rollup/plugin-typescript';
import dts from 'rollup-plugin-dts';
import { readFileSync } from 'node:fs';
import inlineWasm from './tools/inline-wasm.mjs';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const external = [...Object.keys(pkg.dependencies ?? {}), /^node:/];

/** Ship the raw module and the practical's sample image as files. */
function emitAssets() {
  return {
    name: 'emit-assets',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'kernels.wasm', source: readFileSync('build/kernels.wasm') });
      this.emitFile({ type: 'asset', fileName: 'sample.png', source: readFileSync('assets/sample.png') });
      // For `import kernels from 'nnblocks/kernels.wasm'` in Workers, whose bundlers hand over a compiled Module.
      this.emitFile({ type: 'asset', fileName: 'kernels.wasm.d.ts', source:
        '/** The nnblocks kernels, as a Worker bundler compiles them: pass to init(). */\n' +
        'declare const kernels: WebAssembly.Module;\nexport default kernels;\n' });
    },
  };
}

/**
 * The edge entries' `import kernels from './kernels.wasm'` (workerd) and
 * `'./kernels.wasm?module'` (Vercel) stay runtime imports of the file beside them in dist/.
 */
function edgeKernels() {
  return {
    name: 'edge-kernels',
    resolveId(source, importer) {
      if (/^\.\/kernels\.wasm(\?module)?$/.test(source) && /src\/edge(-light)?\.ts$/.test(importer ?? '')) {
        return { id: source, external: true };
      }
      return null;
    },
  };
}

/** The command needs a shebang so npm can link it as `nnblocks`. */
function shebang() {
  return {
    name: 'shebang',
    renderChunk(code, chunk) {
      return chunk.name === 'cli' ? { code: `#!/usr/bin/env node\n${code}`, map: null } : null;
    },
  };
}

export default [
  {
    input: { index: 'src/index.ts', edge: 'src/edge.ts', 'edge-light': 'src/edge-light.ts', cli: 'src/cli.ts' },
    external,
    output: {
      dir: 'dist', format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name].js',
      // Everything but the entries themselves (and the inlined bytes, which only index.js needs) in one shared file.
      manualChunks: (id) => (/\/src\/(?!(index|edge|edge-light|cli)\.ts$)/.test(id) ? 'core' : undefined),
    },
    plugins: [edgeKernels(), inlineWasm(), typescript({ tsconfig: './tsconfig.json', noEmit: false, declaration: false }),
      emitAssets(), shebang()],
  },
  {
    input: 'src/index.ts',
    external,
    output: { file: 'dist/index.d.ts', format: 'es' },
    plugins: [dts()],
  },
];
