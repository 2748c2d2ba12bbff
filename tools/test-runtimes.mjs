// npm run test:runtimes — the conformance suite (tests/conformance/) for real
// in Node 20, headless Chromium, workerd (Miniflare, loopback only), Deno,
// Bun and Vercel's edge-runtime, against the built package (dist/), then on
// Node 22, 24 and 26 (installed from the npm registry, with both kernel builds,
// plus the kernel tests). Each runtime prints one
// "N passed, M failed" line; the last line adds them up. Exit 1 on any failure.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { build } from 'esbuild';
import { NODE_LINES, nodeBinary } from './node-lines.mjs';

const root = new URL('..', import.meta.url);
const out = new URL('build/conformance/', root);
mkdirSync(out, { recursive: true });
const env = { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' };
const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

/** Run a command, echo its failures, and take the counts from its closing line. */
function child(name, cmd, args, extraEnv = {}) {
  const r = spawnSync(cmd, args, { cwd: root, env: { ...env, ...extraEnv }, encoding: 'utf8' });
  return parse(name, `${r.stdout}${r.stderr}`, r.status === 0);
}

function parse(name, text, exitedOk) {
  const m = /(\d+) passed, (\d+) failed\s*$/.exec(text.trim());
  const passed = m ? Number(m[1]) : 0;
  // No closing line, or a non-zero exit with one, counts as one failure of the runtime itself.
  const failed = m && exitedOk ? Number(m[2]) : Math.max(1, m ? Number(m[2]) : 1);
  const noise = (l) => l.startsWith('ok ') || /\d+ passed, \d+ failed$/.test(l);
  if (failed > 0) console.log(text.trim().split('\n').filter((l) => !noise(l)).join('\n'));
  console.log(`${name}: ${passed} passed, ${failed} failed`);
  return { passed, failed };
}

async function bundle(entry, file, conditions, platform) {
  await build({
    entryPoints: [new URL(entry, root).pathname], outfile: new URL(file, out).pathname, bundle: true, format: 'esm',
    platform, conditions, external: ['*.wasm'], logLevel: 'error', absWorkingDir: new URL('.', root).pathname,
  });
}

/**
 * Headless Chromium, in a plain page (no worker pool: not cross-origin isolated) and, with
 * `isolated`, in a page served with COOP + COEP, where init() starts the pool.
 */
async function chromium(isolated = false) {
  await bundle('tests/conformance/browser.mjs', 'browser.js', [], 'browser');
  const server = createServer(async (req, res) => {
    if (isolated) {
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    }
    const path = req.url.split('?')[0];
    if (path === '/') { res.setHeader('content-type', 'text/html'); res.end('<!doctype html><script type="module" src="/browser.js"></script>'); return; }
    try { res.setHeader('content-type', 'text/javascript'); res.end(await readFile(new URL(`.${path}`, out))); } catch { res.statusCode = 404; res.end(); }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { chromium: pw } = await import('playwright-core');
  const browser = await pw.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.address().port}/${isolated ? '?isolated' : ''}`);
    const r = await page.waitForFunction(() => window.__conformance, null, { timeout: 60_000 }).then((h) => h.jsonValue());
    return parse(isolated ? 'chromium (cross-origin isolated)' : 'chromium', r.lines.join('\n'), r.failed === 0);
  } finally {
    await browser.close();
    server.close();
  }
}

async function workerd() {
  await bundle('tests/conformance/worker.mjs', 'worker.js', ['workerd', 'worker'], 'neutral');
  for (const f of ['kernels.wasm', 'kernels-relaxed.wasm']) cpSync(new URL(`dist/${f}`, root), new URL(f, out));
  const { Miniflare } = await import('miniflare');
  // Module discovery, as wrangler users get it: it would refuse a bundle with a dynamic import.
  const mf = new Miniflare({
    modules: true,
    scriptPath: new URL('worker.js', out).pathname, modulesRoot: out.pathname,
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate: '2025-09-01', host: '127.0.0.1', port: 0,
  });
  try {
    const r = await (await mf.dispatchFetch('http://localhost/')).json();
    return parse('workerd', r.lines.join('\n'), r.failed === 0);
  } finally {
    await mf.dispose();
  }
}

async function edgeRuntime() {
  // The kernels module is compiled by the host and injected: inside the
  // context compiling is disallowed (checked below), as on Vercel.
  const injectKernels = {
    name: 'inject-kernels',
    setup(b) {
      b.onResolve({ filter: /kernels(-relaxed)?\.wasm\?module$/ }, (a) => ({ path: /relaxed/.test(a.path) ? 'kernelsRelaxed' : 'kernels', namespace: 'inject' }));
      b.onLoad({ filter: /.*/, namespace: 'inject' }, (a) => ({ contents: `export default globalThis.__${a.path};` }));
    },
  };
  await build({
    entryPoints: [new URL('tests/conformance/edge.mjs', root).pathname], outfile: new URL('edge.js', out).pathname,
    bundle: true, format: 'iife', platform: 'neutral', conditions: ['edge-light'], mainFields: ['module', 'main'],
    plugins: [injectKernels], logLevel: 'error', absWorkingDir: new URL('.', root).pathname,
  });
  const { EdgeVM } = await import('@edge-runtime/vm');
  const vm = new EdgeVM({ codeGeneration: { strings: false, wasm: false } });
  const refused = vm.evaluate(`(() => { try { new WebAssembly.Module(new Uint8Array([0,97,115,109,1,0,0,0])); return false; }
    catch (e) { return /disallowed/.test(e.message); } })()`);
  if (!refused) throw new Error('edge-runtime compiled WebAssembly from bytes: the test would not show what Vercel does');
  vm.context.__kernels = new WebAssembly.Module(await readFile(new URL('dist/kernels.wasm', root)));
  // The host's engine may refuse the relaxed build (Node 20); the entry must then not pick it.
  vm.context.__kernelsRelaxed = WebAssembly.validate(await readFile(new URL('dist/kernels-relaxed.wasm', root)))
    ? new WebAssembly.Module(await readFile(new URL('dist/kernels-relaxed.wasm', root))) : null;
  vm.evaluate(await readFile(new URL('edge.js', out), 'utf8'));
  const r = await vm.evaluate('globalThis.__conformance');
  return parse('edge-runtime', r.lines.join('\n'), r.failed === 0);
}

/**
 * Node lines (issue 13): the conformance suite on Node 22, 24 and 26 from the npm registry
 * (tools/node-lines.mjs) with the build init() picks there (relaxed-simd) and with the SIMD
 * build, then the kernel tests with both builds on 1 and 2 threads (vitest.kernels.config.ts); Node 20 (this
 * process) also runs the relaxed build under its flag. Each line says how long it took.
 */
function nodeLines() {
  const timed = (name, run) => () => {
    const t0 = Date.now();
    const r = run();
    console.log(`  (${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    return r;
  };
  return [
    timed('node 20 relaxed', () => child(`node ${process.versions.node} --experimental-wasm-relaxed-simd`, process.execPath,
      ['--experimental-wasm-relaxed-simd', 'tests/conformance/node.mjs'])),
    ...Object.keys(NODE_LINES).map((major) => timed(`node ${major}`, () => {
      const bin = nodeBinary(major);
      const v = NODE_LINES[major];
      const a = child(`node ${v}`, bin, ['tests/conformance/node.mjs']);
      const b = child(`node ${v} (simd)`, bin, ['tests/conformance/node.mjs'], { NNBLOCKS_KERNELS: 'simd' });
      const r = spawnSync(bin, ['node_modules/vitest/vitest.mjs', 'run', '-c', 'vitest.kernels.config.ts'],
        { cwd: root, env, encoding: 'utf8' });
      const text = `${r.stdout}${r.stderr}`;
      const m = /Tests\s+(?:(\d+) failed \| )?(\d+) passed/.exec(text);
      const k = { passed: m ? Number(m[2]) : 0, failed: m && r.status === 0 ? Number(m[1] ?? 0) : Math.max(1, Number(m?.[1] ?? 1)) };
      if (k.failed > 0) console.log(text.trim());
      console.log(`node ${v} kernel tests (simd and relaxed-simd, 1 and 2 threads each): ${k.passed} passed, ${k.failed} failed`);
      return { passed: a.passed + b.passed + k.passed, failed: a.failed + b.failed + k.failed };
    })),
  ];
}

const runs = [
  () => child('node', process.execPath, ['tests/conformance/node.mjs']),
  () => chromium(),
  () => chromium(true),
  () => workerd(),
  () => child('deno', 'node_modules/.bin/deno', ['run', '--allow-read', 'tests/conformance/node.mjs']),
  () => child('bun', 'node_modules/@oven/bun-linux-x64/bin/bun', ['tests/conformance/node.mjs']),
  () => edgeRuntime(),
  ...nodeLines(),
];
let passed = 0, failed = 0;
for (const run of runs) {
  const r = await Promise.resolve().then(run).catch((e) => { console.log(e.stack ?? String(e)); return { passed: 0, failed: 1 }; });
  passed += r.passed; failed += r.failed;
}
console.log(`runtimes: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
