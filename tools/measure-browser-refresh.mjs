// Times a part-1 refresh of the browser example in headless Chromium (the
// page's own timings list: decode, conv, relu, pool, the pictures), several
// refreshes after the first load, with part 3's worker stopped so it does not
// share the cores. With --ref REF (e.g. main) it also builds REF's page from
// git (its examples/browser files, bundled against this checkout's dist/) and
// alternates between the two, so both see the same machine load.
//
//   node tools/measure-browser-refresh.mjs [--ref main] [--refreshes 4]
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { buildBrowserExample, exampleDir } from './build-browser-example.mjs';
import { serveStatic } from './static-server.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const ref = opt('--ref', null);
const refreshes = Number(opt('--refreshes', 4));

/** REF's examples/browser, bundled into build/browser-<ref>/. */
async function buildRef(r) {
  const dir = join(root, 'build', `browser-${r.replace(/[^\w.-]/g, '_')}`);
  mkdirSync(join(dir, 'dist'), { recursive: true });
  const files = execFileSync('git', ['ls-tree', '--name-only', `${r}:examples/browser`], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const f of files) {
    if (f === 'dist') continue;
    writeFileSync(join(dir, f), execFileSync('git', ['show', `${r}:examples/browser/${f}`], { cwd: root }));
  }
  copyFileSync(join(root, 'assets', 'sample.png'), join(dir, 'dist', 'sample.png'));
  await build({ absWorkingDir: root, entryPoints: [join(dir, 'main.js')], outfile: join(dir, 'dist', 'app.js'), bundle: true,
    format: 'iife', platform: 'browser', target: ['es2020'], minify: true, keepNames: true, logLevel: 'error' });
  return dir;
}

await buildBrowserExample();
const dirs = { 'this checkout': exampleDir };
if (ref) dirs[ref] = await buildRef(ref);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const runs = {};
const wait = (page, n) => page.waitForFunction((k) => {
  const a = document.getElementById('app');
  return a.dataset.state === 'done' && Number(a.dataset.run ?? 0) > k;
}, n, { timeout: 180_000 });
const timings = async (page) => (await page.locator('#timings li').allTextContents()).filter((t) => !t.startsWith('WASM')).join(', ');
const sites = [];
for (const [name, dir] of Object.entries(dirs)) {
  const site = await serveStatic(dir, { port: 0 });
  sites.push(site);
  const page = await browser.newPage({ viewport: { width: 1180, height: 900 } });
  await page.route('**/*', (r) => (r.request().url().startsWith(site.url) ? r.continue() : r.abort()));
  await page.goto(site.url);
  await wait(page, 0);
  await page.click('#p3-stop', { timeout: 1000 }).catch(() => {});
  runs[name] = page;
  console.log(`${name} first load: ${await timings(page)}`);
}
for (let r = 1; r <= refreshes; r++) {
  for (const [name, page] of Object.entries(runs)) {
    const n = Number(await page.locator('#app').getAttribute('data-run'));
    await page.selectOption('#pool', r % 2 ? '5' : '10');
    await wait(page, n);
    console.log(`${name} refresh ${r}: ${await timings(page)}`);
  }
}
await browser.close();
for (const s of sites) await s.close();
