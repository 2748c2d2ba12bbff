// Builds examples/browser: bundles main.js (which imports 'nnblocks', resolved
// through this package's exports map to dist/index.js, like any user's bundler
// would) with fast-png and jpeg-js into one classic script, dist/app.js, so
// the page also opens from file://; copies the bundled sample beside it.
//
//   node tools/build-browser-example.mjs            build only
//   node tools/build-browser-example.mjs --serve    build, then serve on http://127.0.0.1:8080/ (or --port N)
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The example's folder: what a static server serves. */
export const exampleDir = join(root, 'examples', 'browser');

/**
 * Bundle the example into examples/browser/dist/ (app.js, app.js.map, sample.png).
 * Needs the package built (`npm run build`). Returns the output folder and the bundle's size in bytes.
 */
export async function buildBrowserExample({ minify = true } = {}) {
  if (!existsSync(join(root, 'dist', 'index.js'))) {
    throw new Error(`build-browser-example: ${join(root, 'dist', 'index.js')} is missing; run npm run build first`);
  }
  const outdir = join(exampleDir, 'dist');
  mkdirSync(outdir, { recursive: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: [join(exampleDir, 'main.js')],
    outfile: join(outdir, 'app.js'),
    bundle: true,
    format: 'iife', // a classic script: file:// pages cannot load module scripts
    platform: 'browser',
    target: ['es2020'],
    minify,
    keepNames: true, // error messages name classes (Tensor, Uint8Array) as written
    sourcemap: true,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  copyFileSync(join(root, 'assets', 'sample.png'), join(outdir, 'sample.png'));
  const bytes = result.metafile.outputs[Object.keys(result.metafile.outputs).find((f) => f.endsWith('app.js'))].bytes;
  return { outdir, bytes };
}

async function cli(args) {
  const { outdir, bytes } = await buildBrowserExample();
  console.log(`built ${join(outdir, 'app.js')} (${(bytes / 1024).toFixed(1)} KB) and ${join(outdir, 'sample.png')}`);
  if (!args.includes('--serve')) return;
  const { serveStatic } = await import('./static-server.mjs');
  const at = args.indexOf('--port');
  const port = at >= 0 ? Number(args[at + 1]) : 8080;
  const { url } = await serveStatic(exampleDir, { port }).catch((e) => {
    if (e.code !== 'EADDRINUSE') throw e;
    console.log(`port ${port} is taken; using a free one`);
    return serveStatic(exampleDir, { port: 0 });
  });
  console.log(`serving ${exampleDir} at ${url} (offline; Ctrl+C stops)`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  cli(process.argv.slice(2)).catch((e) => {
    console.error(e.message);
    process.exitCode = 1;
  });
}
