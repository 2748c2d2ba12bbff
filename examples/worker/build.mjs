// Bundles the example worker the way wrangler would for a user: esbuild, ES
// module output, the `workerd` and `worker` export conditions (so `nnblocks`
// resolves to dist/edge.js), and the .wasm import left as a module of its own
// (copied beside the bundle; workerd compiles it, see the CompiledWasm rule);
// the model file net.mat is inlined as bytes (esbuild's binary loader).
// Inside this repository `nnblocks` resolves to the repository itself by
// package self-reference, so run `npm run build` first to make dist/.
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');

/** The same date as wrangler.toml: a fixed past date (a future one is refused). */
export const COMPATIBILITY_DATE = '2025-09-01';

/**
 * Bundle examples/worker/worker.js into `outDir`/worker.js, with kernels.wasm beside it.
 * @param {string} outDir
 * @returns {Promise<{ scriptPath: string, wasmPath: string, relaxedPath: string }>}
 */
export async function buildWorker(outDir) {
  const edge = join(root, 'dist/edge.js');
  const wasm = join(root, 'dist/kernels.wasm');
  if (!existsSync(edge) || !existsSync(wasm)) throw new Error(`${edge} or ${wasm} is missing: run npm run build first`);
  mkdirSync(outDir, { recursive: true });
  const scriptPath = join(outDir, 'worker.js');
  const result = await build({
    entryPoints: [join(here, 'worker.js')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['workerd', 'worker'],
    external: ['*.wasm'],
    loader: { '.mat': 'binary' }, // net.mat inlined as a Uint8Array (no import() at run time)
    outfile: scriptPath,
    metafile: true,
    logLevel: 'warning',
  });
  // The point of the example: the package must resolve through its exports map to the edge entry.
  const inputs = Object.keys(result.metafile.inputs).map((p) => resolve(root, p));
  if (!inputs.includes(edge)) {
    throw new Error(`nnblocks did not resolve to dist/edge.js with the workerd condition; the bundle holds ${inputs.join(', ')}`);
  }
  const wasmPath = join(outDir, 'kernels.wasm');
  copyFileSync(wasm, wasmPath);
  // The relaxed-SIMD build, which dist/edge.js also imports (init() picks one of the two).
  const relaxedPath = join(outDir, 'kernels-relaxed.wasm');
  copyFileSync(join(root, 'dist/kernels-relaxed.wasm'), relaxedPath);
  return { scriptPath, wasmPath, relaxedPath };
}

/**
 * Options for `new Miniflare(...)` as a wrangler or `@cloudflare/vitest-pool-workers` user has them:
 * module discovery from the bundle (`modules: true` with `scriptPath`) and a CompiledWasm rule for
 * the .wasm import, a fixed past compatibility date (a missing one silently means 2000-01-01),
 * loopback only. Discovery refuses a bundle holding any `import()` with a run-time specifier, so
 * the package's edge entries carry no file-system code at all (src/node-fs.edge.ts).
 * `listed: true` names the modules (the script and both kernel builds) explicitly instead (the other form Miniflare accepts).
 * @param {{ scriptPath: string, wasmPath: string, relaxedPath: string }} bundle from buildWorker
 * @param {number} port 0 for any free port
 * @param {{ listed?: boolean }} [how]
 */
export function miniflareOptions({ scriptPath, wasmPath, relaxedPath }, port = 0, { listed = false } = {}) {
  const common = { compatibilityDate: COMPATIBILITY_DATE, host: '127.0.0.1', port };
  if (listed) {
    return {
      ...common,
      modulesRoot: dirname(scriptPath),
      modules: [
        { type: 'ESModule', path: scriptPath },
        { type: 'CompiledWasm', path: wasmPath },
        { type: 'CompiledWasm', path: relaxedPath },
      ],
    };
  }
  return { ...common, modules: true, scriptPath, modulesRoot: dirname(scriptPath),
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }] };
}
