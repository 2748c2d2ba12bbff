// examples/worker as Cloudflare runs it: bundled with esbuild through the
// package's `workerd` export condition (so dist/edge.js and its precompiled
// kernels.wasm), served by workerd through Miniflare on loopback, and checked
// against the same classification computed in Node from src/. The worker runs
// net.mat, trained by examples/worker/train-net.mjs with cnnTrain on the shapes
// of examples/worker/shapes.mjs; held-out pictures of the same generator (other
// seeds) must be classified correctly, so a stale or untrained net.mat fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Miniflare } from 'miniflare';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { init, imread, im2single, imresize, rgb2gray, loadSimpleNN, simplenn, randn, zeros, Tensor, type SimpleNN } from '../src/index.js';
import { buildWorker, miniflareOptions } from '../examples/worker/build.mjs';
import { SIZE, CLASSES, makeShapes } from '../examples/worker/shapes.mjs';

const read = (path: string) => readFile(new URL(path, import.meta.url)).then((b) => new Uint8Array(b));
const MB4 = 4 * 1024 * 1024;
const loadNet = async () => loadSimpleNN(await read('../examples/worker/net.mat'));
/** meta.normalization.averageImage: one number (readMat's { data } form once loaded). */
const average = (net: SimpleNN): number => {
  const v = (net.meta as any).normalization.averageImage;
  return typeof v === 'number' ? v : Number(v.data[0]);
};

/** The worker's answer computed in Node: grey (rgb2gray), imresize to 24x24, minus the mean, simplenn 'test'. */
async function reference(net: SimpleNN, bytes: Uint8Array) {
  let x = im2single(await imread(bytes));
  const size = x.size();
  if (x.shape[2] === 3) x = rgb2gray(x);
  if (x.shape[0] !== SIZE || x.shape[1] !== SIZE) x = imresize(x, [SIZE, SIZE]);
  const mean = average(net);
  const p = simplenn(net, new Tensor(x.data.map((v) => v - mean), x.shape), null, null, { mode: 'test' }).at(-1)!.x!.data;
  return { size, scores: Array.from(p) };
}

/** Index (0-based) of the first maximum of each picture's scores in a [1, 1, K, N] output. */
function predictions(net: SimpleNN, data: Float32Array, n: number): number[] {
  const mean = average(net);
  const y = simplenn(net, new Tensor(data.map((v) => v - mean), [SIZE, SIZE, 1, n]), null, null, { mode: 'test' }).at(-1)!.x!;
  const K = y.shape[2];
  return Array.from({ length: n }, (_, k) => {
    const s = y.data.subarray(K * k, K * (k + 1));
    return s.indexOf(Math.max(...s));
  });
}

/** Picture k of a makeShapes set as an 8-bit grey PNG. */
function shapePng(set: { data: Float32Array }, k: number): Uint8Array {
  const d = new Uint8Array(SIZE * SIZE);
  for (let i = 0; i < SIZE; i++) for (let j = 0; j < SIZE; j++) d[i * SIZE + j] = Math.round(255 * set.data[SIZE * SIZE * k + i + SIZE * j]);
  return encode({ height: SIZE, width: SIZE, channels: 1, depth: 8, data: d });
}

function expectScores(got: Record<string, number>, want: number[]) {
  expect(Object.keys(got)).toEqual(CLASSES);
  Object.values(got).forEach((v, k) => expect(Math.abs(v - want[k]), `score ${k}: ${v} vs ${want[k]}`).toBeLessThanOrEqual(1e-5));
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (b: Uint8Array) => (b.reduce((c, v) => crcTable[(c ^ v) & 0xff] ^ (c >>> 8), 0xffffffff) ^ 0xffffffff) >>> 0;

/** A PNG that is only a signature and a valid IHDR claiming height x width (no pixel data at all). */
function headerOnlyPng(height: number, width: number): Uint8Array {
  const chunk = new Uint8Array(4 + 4 + 13 + 4);
  const v = new DataView(chunk.buffer);
  v.setUint32(0, 13);
  chunk.set([...'IHDR'].map((c) => c.charCodeAt(0)), 4);
  v.setUint32(8, width);
  v.setUint32(12, height);
  chunk.set([8, 2, 0, 0, 0], 16); // 8-bit RGB, deflate, no filter method variants, not interlaced
  v.setUint32(21, crc32(chunk.subarray(4, 21)));
  return new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...chunk]);
}

const rgbPng = (height: number, width: number, px: (i: number, j: number) => [number, number, number]) => {
  const data = new Uint8Array(height * width * 3);
  for (let i = 0; i < height; i++) for (let j = 0; j < width; j++) data.set(px(i, j), (i * width + j) * 3);
  return encode({ height, width, channels: 3, depth: 8, data });
};

describe('examples/worker in workerd (Miniflare)', () => {
  let mf: Miniflare;
  let dir: string;
  let url: URL;
  let sample: Uint8Array;
  let bundle: { scriptPath: string, wasmPath: string };
  let net: SimpleNN;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nnblocks-worker-'));
    bundle = await buildWorker(dir);
    mf = new Miniflare(miniflareOptions(bundle));
    url = await mf.ready;
    expect(url.hostname).toBe('127.0.0.1');
    sample = await read('../assets/sample.png');
    await init();
    net = await loadNet();
  });

  afterAll(async () => {
    await mf?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  // Node's own fetch over loopback, as a client would send it. (Miniflare's dispatchFetch drops the
  // Content-Length of a buffer body, and its connection resets when the worker answers without reading one.)
  const post = (body: BodyInit | null, init: RequestInit = {}) =>
    fetch(url, { method: 'POST', body, ...init }).then(async (r) => ({ status: r.status, body: await r.json() as any }));

  it('answers GET / with the usage: the layers, the input, the classes and how the net was trained', async () => {
    const r = await fetch(url);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await r.json() as any;
    expect(body.usage).toMatch(/POST/);
    expect(body.network.layers).toEqual(['conv1 (conv)', 'relu1 (relu)', 'pool1 (pool)', 'conv2 (conv)', 'relu2 (relu)',
      'pool2 (pool)', 'conv3 (conv)', 'prob (softmax)']);
    expect(Object.keys(body.network.classes)).toEqual(CLASSES);
    expect(body.network.input).toMatch(/^grey 24x24 .* minus 0\.\d{4}$/);
    expect(body.network.training).toMatch(/train-net\.mjs: cnnTrain on 2400 pictures .*validation top-1 error 0\.0[01]/);
    expect(body.limits.minSide).toBe(8);
    expect(body.limits).toMatchObject({ maxBytes: MB4, maxSide: 4096 });
  });

  it('classifies held-out shapes posted as PNGs, with Node\'s scores', async () => {
    const set = makeShapes(40, 4242);
    let right = 0;
    for (let k = 0; k < 40; k++) {
      const png = shapePng(set, k);
      const r = await post(png, { headers: { 'content-type': 'image/png' } });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.input).toEqual([SIZE, SIZE, 1]);
      if (r.body.class === CLASSES[set.labels[k] - 1]) right++;
      expect(r.body.index).toBe(CLASSES.indexOf(r.body.class) + 1);
      expect(r.body.score).toBe(Math.max(...Object.values(r.body.scores as Record<string, number>)));
      if (k < 4) expectScores(r.body.scores, (await reference(net, png)).scores);
    }
    expect(right, `${right} of 40 right`).toBeGreaterThanOrEqual(39);
  });

  it('classifies the committed samples/<class>.png (96x96, resized to 24x24) as their names', async () => {
    for (const c of CLASSES) {
      const r = await post(await read(`../examples/worker/samples/${c}.png`));
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect([c, r.body.input]).toEqual([c, [96, 96, 1]]);
      expect([c, r.body.class]).toEqual([c, c]);
    }
  });

  it('runs on a colour PNG and a JPEG of any size (grey, resized), matching Node', async () => {
    for (const bytes of [sample, await read('fixtures/colour.jpg')]) {
      const want = await reference(net, bytes);
      const r = await post(bytes);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.input).toEqual(want.size);
      expectScores(r.body.scores, want.scores);
      const sum = Object.values(r.body.scores as Record<string, number>).reduce((s, v) => s + v, 0);
      expect(sum).toBeCloseTo(1, 5);
      expect(r.body.ms).toBeGreaterThanOrEqual(0);
      expect(r.body.memoryBytes).toBeGreaterThan(0);
    }
  });

  it('takes large colour drawings of shapes (resized to 24x24): a dark red disc and a dark blue ring on white, 240x240', async () => {
    const d2 = (i: number, j: number) => (i - 120) ** 2 + (j - 120) ** 2;
    const disc = await post(rgbPng(240, 240, (i, j) => (d2(i, j) <= 70 ** 2 ? [90, 10, 10] : [245, 245, 245])));
    expect(disc.status, JSON.stringify(disc.body)).toBe(200);
    expect(disc.body.input).toEqual([240, 240, 3]);
    expect(disc.body.class).toBe('disc');
    const ring = await post(rgbPng(240, 240, (i, j) => (d2(i, j) <= 75 ** 2 && d2(i, j) >= 48 ** 2 ? [10, 10, 90] : [245, 245, 245])));
    expect(ring.body.class).toBe('ring');
  });

  it('refuses bad bodies with 400 and a JSON error naming the problem', async () => {
    const html = new TextEncoder().encode('<!DOCTYPE html><html><body>502 Bad Gateway</body></html>');
    const cases: [string, Uint8Array | null, RegExp][] = [
      ['empty', new Uint8Array(0), /empty/],
      ['no body', null, /empty/],
      ['HTML', html, /not a PNG or JPEG.*HTML/],
      ['too large', new Uint8Array(MB4 + 1), /4194305 bytes \(Content-Length\).*4 MB/],
      ['bomb header', headerOnlyPng(10, 5000), /10x5000 pixels.*4096 on a side/],
      ['too many pixels', headerOnlyPng(1000, 1000), /1000x1000 pixels.*524288 pixels/],
      ['too small', headerOnlyPng(7, 100), /7x100 pixels.*at least 8x8/],
      ['truncated PNG', sample.subarray(0, 5000), /truncated PNG/],
      ['PNG cut inside IHDR', sample.subarray(0, 20), /truncated PNG .*IHDR/],
      ['truncated JPEG header', (await read('fixtures/colour.jpg')).subarray(0, 30), /truncated JPEG/],
    ];
    for (const [name, body, error] of cases) {
      const r = await post(body);
      expect([name, r.status]).toEqual([name, 400]);
      expect(r.body.error, name).toMatch(error);
    }
  });

  it('counts the bytes it reads when no Content-Length says how many', async () => {
    const chunk = new Uint8Array(1024 * 1024);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent++ < 6) c.enqueue(chunk); else c.close();
      },
    });
    const r = await post(stream, { duplex: 'half' } as RequestInit);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/the body is 6291456 bytes, more than the 4194304 bytes/);
  });

  // With 4 MB bodies: the worker must read them before answering, or workerd resets the connection.
  it('answers 405 to other methods and 404 to other paths', async () => {
    const put = await fetch(url, { method: 'PUT', body: new Uint8Array(MB4) });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST');
    expect((await put.json() as any).error).toMatch(/PUT/);
    expect((await fetch(new URL('/nope', url), { method: 'POST', body: new Uint8Array(MB4) })).status).toBe(404);
  });

  it('serves 200 POSTs without growing WebAssembly memory, and still answers after the errors', async () => {
    const png = shapePng(makeShapes(2, 77), 1);
    const want = (await reference(net, png)).scores;
    const memory: number[] = [];
    for (let n = 0; n < 200; n++) {
      const r = await post(png);
      expect(r.status).toBe(200);
      memory.push(r.body.memoryBytes);
      if (n === 0 || n === 199) expectScores(r.body.scores, want);
    }
    expect(new Set(memory.slice(1)).size, `memory sizes seen: ${[...new Set(memory)].join(', ')}`).toBe(1);
    const last = await post(sample);
    expect(last.status).toBe(200);
    expectScores(last.body.scores, (await reference(net, sample)).scores);
  });
});

describe("examples/worker/net.mat, the worker's model file", () => {
  it('is the trained net: it classifies 400 held-out shapes of the generator, where the same layers untrained do not', async () => {
    await init();
    const net = await loadNet();
    expect(net.layers.map((l) => l.type)).toEqual(['conv', 'relu', 'pool', 'conv', 'relu', 'pool', 'conv', 'softmax']);
    expect((net.meta as any).classes.name).toEqual(CLASSES);
    const held = makeShapes(400, 31337);
    const p = predictions(net, held.data, 400);
    const wrong = p.filter((c, k) => c + 1 !== held.labels[k]).length;
    expect(wrong, `${wrong} of 400 wrong`).toBeLessThanOrEqual(8);
    // Every class is recognised, not only most pictures.
    for (let c = 0; c < CLASSES.length; c++) {
      expect(p.filter((q, k) => held.labels[k] === c + 1 && q === c).length, CLASSES[c]).toBeGreaterThanOrEqual(95);
    }
    // The same layers with fresh weights: the test tells a trained net from an untrained one.
    const fresh: SimpleNN = { ...net, layers: net.layers.map((l: any, i) => (l.type === 'conv'
      ? { ...l, weights: [randn(l.weights[0].shape, { seed: 100 + i }), zeros([1, l.weights[0].shape[3]])] } : l)) };
    const freshWrong = predictions(fresh, held.data, 400).filter((c, k) => c + 1 !== held.labels[k]).length;
    expect(freshWrong).toBeGreaterThan(200);
  });
});

describe('the edge bundles pass Miniflare module discovery', () => {
  // `modules: true` + `scriptPath` is what wrangler and @cloudflare/vitest-pool-workers users get; it
  // rejects a whole bundle that holds an import() with a run-time specifier.
  it('dist/edge.js and dist/edge-light.js hold no dynamic import', async () => {
    for (const f of ['../dist/edge.js', '../dist/edge-light.js']) {
      const code = new TextDecoder().decode(await read(f));
      expect(code, f).not.toMatch(/\bimport\s*\(/);
    }
  });

  it('the worker bundle inlines net.mat as bytes and holds no dynamic import', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nnblocks-worker-bundle-'));
    try {
      const code = await readFile((await buildWorker(dir)).scriptPath, 'utf8');
      expect(code).not.toMatch(/\bimport\s*\(/);
      expect(code).not.toMatch(/from\s*["'][^"']*\.mat["']/);
      // The MAT header text train-net.mjs writes, base64 inside the bundle (esbuild's binary loader).
      expect(code).toContain(Buffer.from('MATLAB 5.0 MAT-file, Platform: nnblocks').toString('base64').slice(0, 48));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the worker also answers when its two modules are listed instead of discovered', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nnblocks-worker-listed-'));
    const mf = new Miniflare(miniflareOptions(await buildWorker(dir), 0, { listed: true }));
    try {
      const r = await fetch(await mf.ready);
      expect(r.status).toBe(200);
      expect((await r.json() as any).usage).toMatch(/POST/);
    } finally {
      await mf.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
