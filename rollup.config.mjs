// dist/index.js (ESM, kernels inlined), dist/index.d.ts, dist/kernels.wasm.
import typescript from '@rollup/plugin-typescript';
import dts from 'rollup-plugin-dts';
import { readFileSync } from 'node:fs';
import inlineWasm from './tools/inline-wasm.mjs';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const external = [...Object.keys(pkg.dependencies ?? {}), /^node:/];

/** Ship the raw module as a file too, for runtimes that import a compiled Module. */
function emitKernels() {
  return {
    name: 'emit-kernels',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'kernels.wasm', source: readFileSync('build/kernels.wasm') });
    },
  };
}

export default [
  {
    input: 'src/index.ts',
    external,
    output: { file: 'dist/index.js', format: 'es', sourcemap: false },
    plugins: [inlineWasm(), typescript({ tsconfig: './tsconfig.json', noEmit: false, declaration: false }), emitKernels()],
  },
  {
    input: 'src/index.ts',
    external,
    output: { file: 'dist/index.d.ts', format: 'es' },
    plugins: [dts()],
  },
];
