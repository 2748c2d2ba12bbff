// The browser example (examples/browser) end to end: build it with its own
// script, serve the folder on 127.0.0.1, drive Debian's Chromium with every
// request to anywhere else blocked and counted, and check what the page shows
// for the bundled sample, other filters, uploads and a file that is not an image;
// part 3 training live in the worker (and on dots.jpg when the machine has it);
// part 4's charsdb subset built from the bundled fonts, a short training and the
// decoded sentence. Saves docs/browser-demo.png, the README's picture.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { mkdirSync, readFileSync } from 'node:fs';
import { encode } from 'fast-png';
import { imread } from '../src/index.js';
import { fileURLToPath } from 'node:url';
import { buildBrowserExample, exampleDir } from '../tools/build-browser-example.mjs';
import { serveStatic } from '../tools/static-server.mjs';
import { practicalImage } from './practical-data.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dots = practicalImage('dots.jpg');
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
/** The canvas of a figure as [height, width] and a checksum of its pixels (changes when it is redrawn). */
const drawn = (fig: string) => page.locator(`#${fig} canvas`).evaluate((c: HTMLCanvasElement) => {
  if (c.width === 0 || c.height === 0) return { hw: [c.height, c.width], sum: 0 };
  const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
  let sum = 0;
  for (let p = 0; p < d.length; p += 7) sum = (sum * 31 + d[p]) % 1e9;
  return { hw: [c.height, c.width], sum };
});

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
      expect(await page.locator(`#${fig} canvas`).isVisible()).toBe(true);
      expect((await drawn(fig)).sum).toBeGreaterThan(0);
    }
    // the tiled maps drawn as ImageData: 3 x 4 tiles of 380x508 with gaps for the conv output
    expect((await drawn('fig-conv')).hw).toEqual([3 * 380 + 2 * 6, 4 * 508 + 3 * 6]);
    expect((await drawn('fig-input')).hw).toEqual([384, 512]);
    // the browser's decoder gave the sample's samples exactly (the sum of imread's RGB bytes)
    const sample = await imread(readFileSync(`${root}assets/sample.png`));
    expect(Number(await page.locator('#source').getAttribute('data-sum'))).toBe(sample.data.reduce((a, v) => a + v, 0));
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
    const before = (await drawn('fig-conv')).sum;
    let n = await runs();
    await page.selectOption('#filters', 'laplacian');
    expect(await settled(n)).toBe('done');
    expect(await size('fig-conv')).toBe('382x510x1');
    expect(await size('fig-pool')).toBe('373x501x1');
    expect((await drawn('fig-conv')).sum).not.toBe(before);
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

  it('trains part 3 live in a worker on the bundled blob picture: figures every 10 iterations, the objective falls, a blob filter', async () => {
    const sec = page.locator('#part3-sec');
    // The default run (500 iterations, seed 1) started when the page loaded.
    await page.waitForFunction(() => Number(document.getElementById('part3-sec')!.dataset.run ?? 0) >= 1, null, { timeout: 180_000 });
    expect(await sec.getAttribute('data-state')).toBe('done');
    expect(await page.locator('#p3-source').textContent()).toContain('the bundled blob picture: 320×320');
    const result = (await page.locator('#p3-result').textContent())!;
    const final = Number(/final objective ([\d.]+) after 500 iterations/.exec(result)![1]);
    expect(final).toBeLessThan(0.2);
    expect(final).toBeLessThan(Number(await sec.getAttribute('data-first')) / 2);
    // w as formatMatrix prints it: three rows of three taps; the centre is the most negative (a dark-blob detector)
    const rows = result.split('\n').filter((l) => /^\s+-?\d+\.\d{4}(\s+-?\d+\.\d{4}){2}$/.test(l)).map((l) => l.trim().split(/\s+/).map(Number));
    expect(rows).toHaveLength(3);
    const taps = rows.flat();
    expect(Math.min(...taps)).toBe(rows[1][1]);
    expect(rows[1][1]).toBeLessThan(-10);
    const fig = (id: string) => page.locator(`#${id}`).evaluate((c: HTMLCanvasElement) => ({ hw: [c.height, c.width] }));
    expect((await fig('p3-fig-blobs')).hw).toEqual([320, 3 * 320 + 2 * 8]);
    expect((await fig('p3-fig-objective')).hw).toEqual([360, 480]);
    expect((await fig('p3-fig-histograms')).hw).toEqual([360, 480]);
    expect((await fig('p3-fig-filter')).hw).toEqual([96, 96]);
    expect((await fig('p3-fig-output')).hw).toEqual([320, 320]);
    expect((await fig('p3-fig-errors')).hw).toEqual([320, 320]);

    // Again with 50 iterations and seed 2: the figures are redrawn while it runs. The page records
    // them as each frame lands (the observer runs right after the handler that drew them), so
    // how fast the worker runs against the test cannot decide what is compared.
    await page.evaluate(() => {
      const rec = window as unknown as { p3Frames: { t: number; sums: number[] }[] };
      rec.p3Frames = [];
      const sec = document.getElementById('part3-sec')!;
      const sum = (id: string): number => {
        const c = document.getElementById(id) as HTMLCanvasElement;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let s = 0;
        for (let p = 0; p < d.length; p += 7) s = (s * 31 + d[p]) % 1e9;
        return s;
      };
      const obs = new MutationObserver(() => {
        const t = Number(sec.dataset.iteration ?? 0);
        if (t > 0 && rec.p3Frames.at(-1)?.t !== t) rec.p3Frames.push({ t, sums: ['p3-fig-objective', 'p3-fig-histograms', 'p3-fig-output'].map(sum) });
      });
      obs.observe(sec, { attributes: true, attributeFilter: ['data-iteration'] });
      (window as unknown as { p3Stop: () => void }).p3Stop = () => obs.disconnect();
    });
    await page.fill('#p3-iters', '50');
    await page.fill('#p3-seed', '2');
    await page.click('#p3-start');
    await page.waitForFunction(() => Number(document.getElementById('part3-sec')!.dataset.run ?? 0) >= 2, null, { timeout: 60_000 });
    const frames = await page.evaluate(() => {
      const rec = window as unknown as { p3Frames: { t: number; sums: number[] }[]; p3Stop: () => void };
      rec.p3Stop();
      return rec.p3Frames;
    });
    const early = frames.find((f) => f.t >= 11), later = frames.find((f) => f.t >= 31);
    expect(early && later, `frames at iterations ${frames.map((f) => f.t).join(', ')}`).toBeTruthy();
    expect(later!.t).toBeGreaterThan(early!.t);
    later!.sums.forEach((v, k) => expect(v).not.toBe(early!.sums[k]));
    expect(await page.locator('#p3-status').textContent()).toMatch(/Done: 50 iterations on the bundled blob picture, objective (\d+\.\d+) → (\d+\.\d+)\./);
    const [, a, b] = /objective (\d+\.\d+) → (\d+\.\d+)/.exec((await page.locator('#p3-status').textContent())!)!;
    expect(Number(b)).toBeLessThan(Number(a));
    expect(await page.locator('#p3-log').textContent()).toContain('iteration 41: objective');

    // Stop ends the worker: no frame arrives after it.
    await page.fill('#p3-iters', '2000');
    await page.click('#p3-start');
    await page.waitForFunction(() => Number(document.getElementById('part3-sec')!.dataset.iteration ?? 0) >= 11, null, { timeout: 60_000 });
    await page.click('#p3-stop');
    expect(await sec.getAttribute('data-state')).toBe('stopped');
    const stoppedAt = await sec.getAttribute('data-iteration');
    await page.waitForTimeout(500);
    expect(await sec.getAttribute('data-iteration')).toBe(stoppedAt);
    expect(await page.locator('#p3-status').textContent()).toBe(`Stopped at iteration ${stoppedAt}.`);
  }, 300_000);

  it.runIf(dots !== null)('trains part 3 on the practical\'s dots.jpg when the user chooses it', async () => {
    await page.fill('#p3-iters', '30');
    await page.fill('#p3-seed', '1');
    const runs3 = Number(await page.locator('#part3-sec').getAttribute('data-run'));
    await page.setInputFiles('#p3-file', dots!);
    await page.waitForFunction((n) => Number(document.getElementById('part3-sec')!.dataset.run ?? 0) > n, runs3, { timeout: 120_000 });
    expect(await page.locator('#p3-source').textContent()).toContain("'dots.jpg': 480×480, grey");
    const [, a, b] = /objective (\d+\.\d+) → (\d+\.\d+)/.exec((await page.locator('#p3-status').textContent())!)!;
    // trainTinyCNN on dots.jpg, seed 1: 0.494 at iteration 1, 0.330 at 30 (as in Node)
    expect(Number(a)).toBeCloseTo(0.494, 2);
    expect(Number(b)).toBeCloseTo(0.330, 2);
  }, 180_000);

  it('builds part 4\'s charsdb subset from the bundled fonts, trains the character CNN briefly (error far below chance) and decodes the sentence', async () => {
    const sec = page.locator('#part4-sec');
    await page.click('#p3-stop').catch(() => {}); // part 3's worker would share the two cores
    await page.fill('#p4-epochs', '4');
    await page.click('#p4-start');
    await page.waitForFunction(() => ['done', 'error'].includes(document.getElementById('part4-sec')!.dataset.state!), null, { timeout: 300_000 });
    expect(await page.locator('#p4-status').textContent()).toMatch(/^Done: 4 epochs in [\d.]+ s; validation top-1 error [\d.]+ \(chance: 0\.962\)\.$/);
    expect(await sec.getAttribute('data-fonts')).toBe('20');
    expect(await page.locator('#p4-about').textContent()).toContain('20 fonts (Lato, Noto Serif, Open Sans, Roboto, Roboto Mono; ' +
      'weights 400 and 700, normal and italic) × 26 letters = 520 glyphs: 416 for training (16 fonts), 104 for validation');
    const log = (await page.locator('#p4-log').textContent())!.split('\n');
    expect(log).toHaveLength(4);
    const top1 = log.map((l) => Number(/val top1err ([\d.]+)/.exec(l)![1]));
    expect(top1[3]).toBeLessThan(0.8); // chance is 25/26 = 0.96 (0.57 on this machine)
    expect(top1[3]).toBeLessThan(top1[0]);
    // decodeCharacters: one character per output column, 137 for the 576-pixel sentence
    expect((await sec.getAttribute('data-decoded'))!).toMatch(/^[a-z]{137}$/);
    expect(await page.locator('#p4-decoded').textContent()).toMatch(/^decodeCharacters: decode chars: [a-z]{137}$/);
    const hw = (id: string) => page.locator(`#${id}`).evaluate((c: HTMLCanvasElement) => [c.height, c.width]);
    expect(await hw('p4-fig-sentence')).toEqual([32, 576]);
    expect(await hw('p4-fig-curves')).toEqual([280, 3 * 320]); // objective, top1err, top5err
    expect((await hw('p4-fig-decode'))[1]).toBeGreaterThan(576);
    // the glyphs are ink on white: the sentence canvas has both
    const inks = await page.locator('#p4-fig-sentence').evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let dark = 0, white = 0;
      for (let p = 0; p < d.length; p += 4) { if (d[p] < 60) dark++; if (d[p] === 255) white++; }
      return { dark, white };
    });
    expect(inks.dark).toBeGreaterThan(500);
    expect(inks.white).toBeGreaterThan(10_000);
  }, 360_000);

  it('made no request outside its own server and raised no page errors', () => {
    expect(external).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});
