// dist/index.js    Node, Deno, Bun, browsers: kernels inlined as base64 bytes
// dist/edge.js     workerd: imports ./kernels.wasm and ./kernels-relaxed.wasm as compiled Modules
// dist/edge-light.js  Vercel Edge: the same through './kernels.wasm?module' (and -relaxed)
//                  (both self-contained, with node-fs.edge.ts for node-fs.ts: no dynamic import)
// dist/cli.js      the `nnblocks` command (Node)
// dist/index.d.ts  types for both library entries
// dist/kernels.wasm, dist/kernels-relaxed.wasm, dist/kernels-shared(-relaxed).wasm, dist/sample.png
import typescript from '@rollup/plugin-typescript';
import dts from 'rollup-plugin-dts';
import { readFileSync } from 'node:fs';
import inlineWasm from './tools/inline-wasm.mjs';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const deps = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})];
// a dependency's own files too (jpeg-js/lib/decoder.js)
const external = [...deps, ...deps.map((d) => new RegExp(`^${d}/`)), /^node:/];

/** Ship the raw module and the practical's sample image as files. */
function emitAssets() {
  return {
    name: 'emit-assets',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'kernels.wasm', source: readFileSync('build/kernels.wasm') });
      this.emitFile({ type: 'asset', fileName: 'kernels-relaxed.wasm', source: readFileSync('build/kernels-relaxed.wasm') });
      // The shared-memory builds, for init(source, { threads }) with a module of your own.
      this.emitFile({ type: 'asset', fileName: 'kernels-shared.wasm', source: readFileSync('build/kernels-shared.wasm') });
      this.emitFile({ type: 'asset', fileName: 'kernels-shared-relaxed.wasm', source: readFileSync('build/kernels-shared-relaxed.wasm') });
      this.emitFile({ type: 'asset', fileName: 'sample.png', source: readFileSync('assets/sample.png') });
      // For `import kernels from 'nnblocks/kernels.wasm'` in Workers, whose bundlers hand over a compiled Module.
      this.emitFile({ type: 'asset', fileName: 'kernels.wasm.d.ts', source:
        '/** The nnblocks kernels, as a Worker bundler compiles them: pass to init(). */\n' +
        'declare const kernels: WebAssembly.Module;\nexport default kernels;\n' });
      this.emitFile({ type: 'asset', fileName: 'kernels-relaxed.wasm.d.ts', source:
        '/** The relaxed-SIMD build of the kernels (engines that validate relaxed SIMD), compiled: pass to init(). */\n' +
        'declare const kernels: WebAssembly.Module;\nexport default kernels;\n' });
      for (const f of ['kernels-shared', 'kernels-shared-relaxed']) {
        this.emitFile({ type: 'asset', fileName: `${f}.wasm.d.ts`, source:
          '/** A shared-memory build of the kernels (for init(source, { threads })), compiled: pass to init(). */\n' +
          'declare const kernels: WebAssembly.Module;\nexport default kernels;\n' });
      }
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
      if (/^\.\/kernels(-relaxed)?\.wasm(\?module)?$/.test(source) && /src\/edge(-light)?\.ts$/.test(importer ?? '')) {
        return { id: source, external: true };
      }
      return null;
    },
  };
}

/** The edge bundles get the file-system-free node-fs (Miniflare's module discovery refuses dynamic imports). */
function noNodeFs() {
  return {
    name: 'no-node-fs',
    resolveId(source, importer) {
      if (!/node-fs\.js$/.test(source) || importer === undefined || /node-fs\.edge\.ts$/.test(importer)) return null;
      return new URL(`./src/node-fs.edge.ts`, import.meta.url).pathname;
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
    input: { index: 'src/index.ts', cli: 'src/cli.ts' },
    external,
    output: {
      dir: 'dist', format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name].js',
      // Everything but the entries themselves (and the inlined bytes, which only index.js needs) in one shared file.
      // The charsdb builder (Node only, fetches fonts, renders with @napi-rs/canvas) in its own file, loaded by the command only.
      manualChunks: (id) => (/\/src\/practical\/(part4-fonts|fontsource-families)\.ts$/.test(id) ? 'charsdb'
        : /\/src\/(?!(index|cli)\.ts$)/.test(id) ? 'core' : undefined),
    },
    plugins: [inlineWasm(), typescript({ tsconfig: './tsconfig.json', noEmit: false, declaration: false }),
      emitAssets(), shebang()],
  },
  ...['edge', 'edge-light'].map((name) => ({
    input: `src/${name}.ts`,
    external,
    output: { file: `dist/${name}.js`, format: 'es' },
    plugins: [edgeKernels(), noNodeFs(), typescript({ tsconfig: './tsconfig.json', noEmit: false, declaration: false })],
  })),
  {
    input: 'src/index.ts',
    external,
    output: { file: 'dist/index.d.ts', format: 'es' },
    plugins: [dts()],
  },
];
