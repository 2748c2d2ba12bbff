// Builds examples/browser: bundles main.js (which imports 'nnblocks', resolved
// through this package's exports map to dist/index.js, like any user's bundler
// would) with fast-png and jpeg-js into one classic script, dist/app.js, so
// the page also opens from file://; worker.js (parts 3 and 4) is bundled first
// and inlined into app.js as text ('worker-source'), started from a blob: URL.
// Beside the bundle: the sample, the synthetic blob picture of part 3
// (tools/make-blobs.mjs) and the fonts of part 4.
//
//   node tools/build-browser-example.mjs            build only
//   node tools/build-browser-example.mjs --serve    build, then serve on http://127.0.0.1:8080/ (or --port N)
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { blobsPNG } from './make-blobs.mjs';

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
  const common = {
    absWorkingDir: root,
    bundle: true,
    platform: 'browser',
    target: ['es2020'],
    minify,
    keepNames: true, // error messages name classes (Tensor, Uint8Array) as written
    legalComments: 'none',
    logLevel: 'error',
  };
  const worker = await build({ ...common, entryPoints: [join(exampleDir, 'worker.js')], format: 'iife', write: false, sourcemap: false });
  const workerSource = worker.outputFiles[0].text;
  /** `import WORKER_SOURCE from 'worker-source'` gives the worker bundle's text. */
  const workerPlugin = {
    name: 'worker-source',
    setup(b) {
      b.onResolve({ filter: /^worker-source$/ }, () => ({ path: 'worker-source', namespace: 'worker-source' }));
      b.onLoad({ filter: /.*/, namespace: 'worker-source' }, () => ({ contents: `export default ${JSON.stringify(workerSource)};`, loader: 'js' }));
    },
  };
  const result = await build({
    ...common,
    plugins: [workerPlugin],
    entryPoints: [join(exampleDir, 'main.js')],
    outfile: join(outdir, 'app.js'),
    format: 'iife', // a classic script: file:// pages cannot load module scripts
    sourcemap: true,
    metafile: true,
  });
  copyFileSync(join(root, 'assets', 'sample.png'), join(outdir, 'sample.png'));
  writeFileSync(join(outdir, 'blobs.png'), await blobsPNG());
  await copyFonts(join(outdir, 'fonts'));
  const bytes = result.metafile.outputs[Object.keys(result.metafile.outputs).find((f) => f.endsWith('app.js'))].bytes;
  return { outdir, bytes, workerBytes: workerSource.length };
}

/**
 * Part 4's fonts: of each package of PAGE_FONTS (devDependencies, OFL-1.1), the fonts charsdb takes
 * (fontsOfPackage: every weight x style of a Google family covering latin-ext, as the latin-subset
 * WOFF) limited to weights 400 and 700, copied into `dir` with each package's licence, and listed in
 * fonts.json in charsdb's order (by name).
 */
export const PAGE_FONTS = ['lato', 'noto-serif', 'open-sans', 'roboto', 'roboto-mono'];
async function copyFonts(dir) {
  const { fontsOfPackage } = await import(pathToFileURL(join(root, 'dist', 'index.js')).href);
  mkdirSync(dir, { recursive: true });
  const list = [];
  for (const id of PAGE_FONTS) {
    const pkg = join(root, 'node_modules', '@fontsource', id);
    if (!existsSync(join(pkg, 'metadata.json'))) throw new Error(`build-browser-example: @fontsource/${id} is missing; run npm ci`);
    const meta = JSON.parse(readFileSync(join(pkg, 'metadata.json'), 'utf8'));
    for (const f of fontsOfPackage(meta).filter((f) => f.weight === 400 || f.weight === 700)) {
      copyFileSync(join(pkg, 'files', f.file), join(dir, f.file));
      list.push({ ...f, licence: `${id}-LICENSE.txt` });
    }
    copyFileSync(join(pkg, 'LICENSE'), join(dir, `${id}-LICENSE.txt`));
  }
  list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  writeFileSync(join(dir, 'fonts.json'), `${JSON.stringify(list, null, 1)}\n`);
}

async function cli(args) {
  const { outdir, bytes, workerBytes } = await buildBrowserExample();
  console.log(`built ${join(outdir, 'app.js')} (${(bytes / 1024).toFixed(1)} KB, ${(workerBytes / 1024).toFixed(1)} KB of it the worker), ` +
    `sample.png, blobs.png and fonts/`);
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
