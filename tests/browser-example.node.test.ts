// The browser example (examples/browser) end to end: build it with its own
// script, serve the folder on 127.0.0.1, drive Debian's Chromium with every
// request to anywhere else blocked and counted, and check what the page shows
// for the bundled sample, other filters, uploads and a file that is not an image.
// Saves docs/browser-demo.png, the README's picture.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { mkdirSync, readFileSync } from 'node:fs';
import { encode } from 'fast-png';
import { fileURLToPath } from 'node:url';
import { buildBrowserExample, exampleDir } from '../tools/build-browser-example.mjs';
import { serveStatic } from '../tools/static-server.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

let browser: Browser;
let page: Page;
let site: { url: string; close: () => Promise<void> };
const external: string[] = [];
const pageErrors: string[] = [];
const consoleErrors: string[] = [];

/** Wait until the page has finished a run after `after` runs, and return its state. */
async function settled(after: number): Promise<string> {
  await page.waitForFunction((n) => {
    const app = document.getElementById('app')!;
    return app.dataset.state === 'error' || (app.dataset.state === 'done' && Number(app.dataset.run ?? 0) > n);
  }, after, { timeout: 30_000 });
  return page.locator('#app').getAttribute('data-state') as Promise<string>;
}
const runs = async () => Number(await page.locator('#app').getAttribute('data-run') ?? 0);
const size = (fig: string) => page.locator(`#${fig}`).getAttribute('data-size');
const src = (fig: string) => page.locator(`#${fig} img`).getAttribute('src');

/** The rows of the derivative table: [check, empirical, computed, error %, pass]. */
const derRows = () => page.locator('#der-body tr').evaluateAll((rows) =>
  rows.map((r) => Array.from(r.children, (c) => c.textContent ?? '')));

beforeAll(async () => {
  await buildBrowserExample();
  site = await serveStatic(exampleDir, { port: 0 });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ARGS });
  page = await browser.newPage({ viewport: { width: 1180, height: 900 } });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(site.url)) return route.continue();
    external.push(url);
    return route.abort();
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

describe('examples/browser', () => {
  it('runs parts 1 and 2 of the practical on the bundled sample, offline', async () => {
    await page.goto(site.url);
    expect(await settled(0)).toBe('done');
    expect(await size('fig-input')).toBe('384x512x3');
    expect(await size('fig-conv')).toBe('380x508x10');
    expect(await size('fig-relu')).toBe('380x508x10');
    expect(await size('fig-pool')).toBe('371x499x10');
    for (const fig of ['fig-input', 'fig-conv', 'fig-relu', 'fig-pool']) {
      expect(await src(fig)).toMatch(/^blob:/);
      // the blob decoded as a PNG of the tiled maps: 3 x 4 tiles of 380x508 with gaps for the conv output
      expect(await page.locator(`#${fig} img`).evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    }
    expect(await page.locator('#fig-conv img').evaluate((img: HTMLImageElement) => [img.naturalHeight, img.naturalWidth]))
      .toEqual([3 * 380 + 2 * 6, 4 * 508 + 3 * 6]);
    const rows = await derRows();
    expect(rows.map((r) => r[0])).toEqual(['conv, derivative w.r.t. x', 'conv, derivative w.r.t. w',
      'conv + pool(10), derivative w.r.t. w1']);
    for (const [, empirical, computed, error, pass] of rows) {
      expect(Number(error)).toBeLessThan(5);
      expect(Number(empirical) / Number(computed)).toBeCloseTo(1, 1);
      expect(pass).toContain('pass');
    }
    expect(await page.locator('#der-note').textContent()).toContain('371×499×10');
    const timings = await page.locator('#timings li').allTextContents();
    expect(timings.join(' | ')).toMatch(/nnconv: [\d.]+ ms.*part 2: practical\(x\): [\d.]+ ms/);
    await expect(page.locator('#error').isHidden()).resolves.toBe(true);
    mkdirSync(`${root}docs`, { recursive: true });
    // The committed picture changes (timings) on every run, so it is rewritten only on request.
    const shot = process.env.UPDATE_DOCS ? `${root}docs/browser-demo.png` : `${root}build/browser-demo.png`;
    await page.screenshot({ path: shot, fullPage: true });
  });

  it('updates the maps for the Laplacian and for another pool size', async () => {
    const before = await src('fig-conv');
    let n = await runs();
    await page.selectOption('#filters', 'laplacian');
    expect(await settled(n)).toBe('done');
    expect(await size('fig-conv')).toBe('382x510x1');
    expect(await size('fig-pool')).toBe('373x501x1');
    expect(await src('fig-conv')).not.toBe(before);
    expect(await page.locator('#filter-about').textContent()).toContain('[0 1 0; 1 −4 1; 0 1 0]');
    expect(await page.locator('#seed').isDisabled()).toBe(true);
    n = await runs();
    await page.selectOption('#pool', '3');
    expect(await settled(n)).toBe('done');
    expect(await size('fig-pool')).toBe('380x508x1');
    expect(await page.locator('#pool-caption').textContent()).toBe('nnpool(r, 3)');
    expect(await derRows()).toHaveLength(3); // part 2 depends on the image only: not rerun, still shown
  });

  it('follows an uploaded JPEG and a dropped one', async () => {
    let n = await runs();
    await page.setInputFiles('#file', `${root}tests/fixtures/colour.jpg`); // 12x20 RGB
    expect(await settled(n)).toBe('done');
    expect(await size('fig-input')).toBe('12x20x3');
    expect(await size('fig-conv')).toBe('10x18x1');
    expect(await size('fig-pool')).toBe('8x16x1');
    expect(await page.locator('#source').textContent()).toContain("'colour.jpg': 12×20, 3 channels, 8-bit");
    expect(await derRows()).toHaveLength(0);
    expect(await page.locator('#der-note').textContent()).toContain('at least 14×14 pixels');
    n = await runs();
    await page.selectOption('#pool', '15'); // larger than the 10x18 map: the figure says why, the rest stands
    expect(await settled(n)).toBe('done');
    expect(await size('fig-pool')).toBe('');
    expect(await page.locator('#fig-pool .msg').textContent()).toMatch(/^nnpool: pool 15x15 is larger than the padded input 10x18/);
    expect(await size('fig-relu')).toBe('10x18x1');

    n = await runs();
    const bytes = [...readFileSync(`${root}tests/fixtures/grey.jpg`)]; // 16x24 grey
    const drop = await page.evaluateHandle((b) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(b)], 'grey.jpg', { type: 'image/jpeg' }));
      return dt;
    }, bytes);
    await page.dispatchEvent('#drop', 'drop', { dataTransfer: drop });
    expect(await settled(n)).toBe('done');
    expect(await size('fig-input')).toBe('16x24x3');
    expect(await page.locator('#source').textContent()).toContain('grey repeated on R, G and B');
    expect(await size('fig-conv')).toBe('14x22x1');
    expect(await derRows()).toHaveLength(3);
    await page.selectOption('#filters', 'random');
    n = await runs();
    await page.selectOption('#pool', '10');
    expect(await settled(n)).toBe('done');
    expect(await size('fig-conv')).toBe('12x20x10');
    expect(await size('fig-pool')).toBe('3x11x10');
  });

  it('reduces a large image to at most 640 pixels a side before running', async () => {
    const [H, W] = [700, 1300];
    const data = new Uint8Array(H * W * 3).map((_, p) => (Math.floor(p / 3 / W) + (p % 3) * 80) % 256);
    const n = await runs();
    await page.setInputFiles('#file', { name: 'wide.png', mimeType: 'image/png', buffer: Buffer.from(encode({ width: W, height: H, data, channels: 3 })) });
    expect(await settled(n)).toBe('done');
    expect(await size('fig-input')).toBe('233x433x3');
    expect(await page.locator('#source').textContent()).toContain('reduced 3× from 700×1300 to 233×433');
    expect(await size('fig-conv')).toBe('229x429x10');
    expect(await derRows()).toHaveLength(3);
  });

  it('says in the page when a file is not an image, and keeps the last results', async () => {
    await page.setInputFiles('#file', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image\n') });
    expect(await settled(await runs())).toBe('error');
    const error = page.locator('#error');
    expect(await error.isVisible()).toBe(true);
    expect(await error.textContent()).toMatch(/Could not use 'notes.txt': imread: the File 'notes.txt' .* is not a PNG or JPEG file/);
    expect(await error.getAttribute('role')).toBe('alert');
    expect(await size('fig-input')).toBe('233x433x3');
  });

  it('also runs from file:// (a classic script), on a chosen image since the sample cannot be fetched', async () => {
    const local = await browser.newPage();
    const requests: string[] = [];
    const errors: string[] = [];
    local.on('request', (r) => requests.push(r.url()));
    local.on('pageerror', (e) => errors.push(e.message));
    local.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await local.goto(`file://${exampleDir}/index.html`);
    await local.waitForFunction(() => document.getElementById('app')!.dataset.state === 'ready', null, { timeout: 30_000 });
    expect(await local.locator('#status').textContent()).toContain('Opened from file://');
    await local.setInputFiles('#file', `${root}tests/fixtures/grey.jpg`);
    await local.waitForFunction(() => document.getElementById('app')!.dataset.state === 'done', null, { timeout: 30_000 });
    expect(await local.locator('#fig-conv').getAttribute('data-size')).toBe('12x20x10');
    expect(await local.locator('#der-body tr').count()).toBe(3);
    await local.close();
    expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('blob:') && !u.startsWith('data:'))).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('made no request outside its own server and raised no page errors', () => {
    expect(external).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});
