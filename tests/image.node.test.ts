// imread / imwrite with file paths, file: URLs and HTTP (Node only), and the
// practical's own images: the 16-bit peppers.png and dots.jpg.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { imread, im2single, imwrite, toPNG, Tensor } from '../src/index.js';
import { expectExact } from './helpers.js';
import { pattern } from './fixtures/pattern.mjs';
import { practicalImage } from './practical-data.js';

const PEPPERS = practicalImage('peppers.png');
const DOTS = practicalImage('dots.jpg');
const RGB8 = pattern(45, 255); // tests/fixtures/rgb8.png, 3x5 RGB

describe("the practical's images", () => {
  it.skipIf(PEPPERS === null)('peppers.png is 384x512x3, 16-bit, and im2single divides it by 65535', async () => {
    const img = await imread(PEPPERS!);
    expect([img.height, img.width, img.channels, img.bitDepth]).toEqual([384, 512, 3, 16]);
    expect(img.data).toBeInstanceOf(Uint16Array);
    const x = im2single(img);
    expect(x.size()).toEqual([384, 512, 3]);
    const want = new Float32Array(384 * 512 * 3);
    for (let i = 0; i < 384; i++) {
      for (let j = 0; j < 512; j++) {
        for (let k = 0; k < 3; k++) want[i + 384 * (j + 512 * k)] = img.data[(i * 512 + j) * 3 + k] / 65535;
      }
    }
    expectExact(x.data, want, 'im2single(peppers)');
    let lo = Infinity, hi = -Infinity;
    for (const v of x.data) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThanOrEqual(1);
    expect(hi - lo).toBeGreaterThan(0.5); // a real picture, not a constant
  });

  it.skipIf(DOTS === null)('dots.jpg is 480x480 colour', async () => {
    const img = await imread(pathToFileURL(DOTS!));
    expect([img.height, img.width, img.channels, img.bitDepth]).toEqual([480, 480, 3, 8]);
  });
});

describe('file paths and file: URLs', () => {
  const abs = new URL('./fixtures/rgb8.png', import.meta.url);

  it('reads a relative path, an absolute path, a file: URL string and a URL object', async () => {
    for (const source of ['tests/fixtures/rgb8.png', abs.pathname, abs.href, abs]) {
      expect(Array.from((await imread(source)).data)).toEqual(RGB8);
    }
  });

  it('reports unreadable paths with the path and the system error', async () => {
    await expect(imread('tests/fixtures/nope.png')).rejects.toThrow(/^imread: cannot read 'tests\/fixtures\/nope.png': ENOENT/);
    await expect(imread('tests/fixtures')).rejects.toThrow(/^imread: cannot read 'tests\/fixtures': EISDIR/);
    // A drive letter is not a URL scheme: this is a (missing) path, not a fetch.
    await expect(imread('C:\\images\\x.png')).rejects.toThrow(/^imread: cannot read 'C:\\images\\x.png': ENOENT/);
    await expect(imread('file:///nonexistent/x.png')).rejects.toThrow(/^imread: cannot read file:\/\/\/nonexistent\/x.png: ENOENT/);
  });

  it('names a non-image file by its path', async () => {
    await expect(imread('package.json')).rejects.toThrow(/^imread: 'package.json' is not a PNG or JPEG file \(\d+ bytes starting 7b .*it looks like JSON/);
  });
});

describe('imwrite', () => {
  let dir = '';
  beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'nnblocks-imwrite-')); });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  it('writes the toPNG bytes, 8- and 16-bit, to a path or a file: URL', async () => {
    const img = await imread('tests/fixtures/rgba16.png');
    const x = im2single(img);
    await imwrite(x, join(dir, 'a.png'), { bitDepth: 16 });
    expect(Array.from((await imread(join(dir, 'a.png'))).data)).toEqual(Array.from(img.data));
    const url = pathToFileURL(join(dir, 'b.PNG'));
    await imwrite(x, url);
    expect(new Uint8Array(await readFile(url))).toEqual(toPNG(x));
  });

  it('refuses other extensions and reports write failures', async () => {
    const x = new Tensor(new Float32Array(4), [2, 2]);
    await expect(imwrite(x, join(dir, 'a.jpg'))).rejects.toThrow(/imwrite: '.*a.jpg' does not end in .png; imwrite writes PNG files only/);
    await expect(imwrite(x, join(dir, 'no/such/dir.png'))).rejects.toThrow(/^imwrite: cannot write '.*no\/such\/dir.png': ENOENT/);
    await expect(imwrite(x, 42 as unknown as string)).rejects.toThrow(/imwrite: path must be a file path or a file: URL, got 42/);
  });
});

describe('HTTP', () => {
  let server: Server;
  let base = '';
  beforeAll(async () => {
    const png = await readFile('tests/fixtures/rgb8.png');
    server = createServer((req, res) => {
      if (req.url === '/rgb8.png') { res.writeHead(200, { 'content-type': 'image/png' }); res.end(png); return; }
      if (req.url === '/page.png') { res.writeHead(200, { 'content-type': 'text/html' }); res.end('<!doctype html><p>login</p>'); return; }
      res.writeHead(404, 'Not Found'); res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('fetches URL strings and URL objects', async () => {
    expect(Array.from((await imread(`${base}/rgb8.png`)).data)).toEqual(RGB8);
    expect(Array.from((await imread(new URL('/rgb8.png', base))).data)).toEqual(RGB8);
    expect(Array.from((await imread(await fetch(`${base}/rgb8.png`))).data)).toEqual(RGB8);
  });

  it('reports HTTP errors, HTML pages and refused connections with the URL', async () => {
    await expect(imread(`${base}/missing.png`)).rejects.toThrow(`imread: fetching ${base}/missing.png failed: HTTP 404 Not Found`);
    await expect(imread(`${base}/page.png`)).rejects.toThrow(
      new RegExp(`^imread: ${base}/page.png is not a PNG or JPEG file \\(27 bytes starting 3c 21 64 6f .*; it looks like HTML`));
    await expect(imread(await fetch(`${base}/missing.png`))).rejects.toThrow(/fetching the response from .*missing.png failed: HTTP 404/);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(imread(`http://127.0.0.1:${port}/x.png`)).rejects
      .toThrow(new RegExp(`^imread: fetching http://127.0.0.1:${port}/x.png failed: fetch failed \\(.*ECONNREFUSED`));
  });
});
