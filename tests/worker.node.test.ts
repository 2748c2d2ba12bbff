// examples/worker as Cloudflare runs it: bundled with esbuild through the
// package's `workerd` export condition (so dist/edge.js and its precompiled
// kernels.wasm), served by workerd through Miniflare on loopback, and checked
// against the same network computed in Node from src/ with the blocks one by one from
// weights.json (the worker runs net.mat, made from weights.json by make-net.mjs, with simplenn).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Miniflare } from 'miniflare';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { init, imread, im2single, loadSimpleNN, nnconv, nnpool, nnrelu, simplenn, Tensor } from '../src/index.js';
import { buildWorker, miniflareOptions } from '../examples/worker/build.mjs';
import net from '../examples/worker/weights.json';

const read = (path: string) => readFile(new URL(path, import.meta.url)).then((b) => new Uint8Array(b));
const MB4 = 4 * 1024 * 1024;

/** weights.json's filter bank: w(i, j, c, k) = filters[k].weights[c][i][j], and the biases [1, K]. */
function bank() {
  const [FH, FW, FC, K] = [net.filters[0].weights[0].length, net.filters[0].weights[0][0].length, 3, net.filters.length];
  const w = new Float32Array(FH * FW * FC * K);
  for (let k = 0; k < K; k++) for (let c = 0; c < FC; c++) for (let j = 0; j < FW; j++) for (let i = 0; i < FH; i++) {
    w[i + FH * (j + FW * (c + FC * k))] = net.filters[k].weights[c][i][j];
  }
  return { w: new Tensor(w, [FH, FW, FC, K]), b: new Tensor(Float32Array.from(net.filters.map((f) => f.bias)), [1, K]) };
}

/** The worker's network in Node from weights.json, block by block: conv -> relu -> pool; channel means. */
async function reference(bytes: Uint8Array) {
  const { w, b } = bank();
  const K = w.shape[3];
  const x = im2single(await imread(bytes));
  const pool = nnpool(nnrelu(nnconv(x, w, b)), net.pool.size as [number, number],
    { stride: net.pool.stride as [number, number], method: net.pool.method as 'max' });
  const [H, W] = pool.shape;
  const means = Array.from({ length: K }, (_, k) => pool.data.subarray(k * H * W, (k + 1) * H * W).reduce((s, v) => s + v, 0) / (H * W));
  return { means, size: x.size(), pool };
}

/** The sizes the worker must report for an H x W image, from the weights' shape and the pool settings. */
function expectedSizes(H: number, W: number) {
  const K = net.filters.length, [FH, FW] = [net.filters[0].weights[0].length, net.filters[0].weights[0][0].length];
  const conv = [H - FH + 1, W - FW + 1, K];
  const pool = [Math.floor((conv[0] - net.pool.size[0]) / net.pool.stride[0]) + 1,
    Math.floor((conv[1] - net.pool.size[1]) / net.pool.stride[1]) + 1, K];
  return { conv, relu: conv, pool };
}

function expectMeans(got: number[], want: number[]) {
  expect(got).toHaveLength(want.length);
  got.forEach((v, k) => {
    expect(Number.isFinite(v)).toBe(true);
    expect(Math.abs(v - want[k]), `mean ${k}: ${v} vs ${want[k]}`).toBeLessThanOrEqual(1e-4 * Math.abs(want[k]));
  });
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

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nnblocks-worker-'));
    bundle = await buildWorker(dir);
    mf = new Miniflare(miniflareOptions(bundle));
    url = await mf.ready;
    expect(url.hostname).toBe('127.0.0.1');
    sample = await read('../assets/sample.png');
    await init();
  });

  afterAll(async () => {
    await mf?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  // Node's own fetch over loopback, as a client would send it. (Miniflare's dispatchFetch drops the
  // Content-Length of a buffer body, and its connection resets when the worker answers without reading one.)
  const post = (body: BodyInit | null, init: RequestInit = {}) =>
    fetch(url, { method: 'POST', body, ...init }).then(async (r) => ({ status: r.status, body: await r.json() as any }));

  it('answers GET / with the usage, naming the filters and limits', async () => {
    const r = await fetch(url);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await r.json() as any;
    expect(body.usage).toMatch(/POST/);
    expect(body.network.filters).toEqual(net.filters.map((f) => f.name));
    expect(body.network.layers).toEqual(['conv1 (conv)', 'relu1 (relu)', 'pool1 (pool)']);
    expect(body.network.conv).toBe('8 filters of 5x5x3, stride 1x1, pad [0 0 0 0], with biases');
    expect(body.network.pool).toBe('max over 4x4 windows, stride 4x4');
    expect(body.limits.minSide).toBe(8);
    expect(body.limits).toMatchObject({ maxBytes: MB4, maxSide: 4096 });
  });

  it('runs the network on the bundled sample PNG, matching Node within 1e-4', async () => {
    const r = await post(sample, { headers: { 'content-type': 'image/png' } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.input).toEqual([384, 512, 3]);
    expect(r.body.sizes).toEqual(expectedSizes(384, 512));
    expect(r.body.sizes.pool).toEqual([95, 127, 8]);
    expectMeans(r.body.means, (await reference(sample)).means);
    expect(r.body.ms).toBeGreaterThanOrEqual(0);
    expect(r.body.memoryBytes).toBeGreaterThan(0);
  });

  it('runs it on a JPEG', async () => {
    const jpeg = await read('fixtures/colour.jpg');
    const want = await reference(jpeg);
    const r = await post(jpeg);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.input).toEqual(want.size);
    expect(r.body.sizes).toEqual(expectedSizes(want.size[0], want.size[1]));
    expectMeans(r.body.means, want.means);
  });

  it('lays the filters out as weights.json says: a red horizontal edge wakes only the red horizontal-edge filter', async () => {
    const r = await post(rgbPng(16, 16, (i) => (i < 8 ? [0, 0, 0] : [255, 0, 0])));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.means[0]).toBeGreaterThan(0.1);
    expect(r.body.means.slice(1, 6)).toEqual([0, 0, 0, 0, 0]);
  });

  it('repeats a grey image to three channels', async () => {
    const grey = encode({ height: 12, width: 10, channels: 1, depth: 8, data: Uint8Array.from({ length: 120 }, (_, n) => (n * 37) % 256) });
    const r = await post(grey);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.input).toEqual([12, 10, 1]);
    expect(r.body.sizes).toEqual(expectedSizes(12, 10));
    // Grey in every channel: the red, green and blue edge filters answer alike.
    expect(r.body.means[1]).toBeCloseTo(r.body.means[0], 6);
    expect(r.body.means[2]).toBeCloseTo(r.body.means[0], 6);
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
    const small = rgbPng(24, 32, (i, j) => [(i * 11 + j * 7) % 256, (i * j) % 256, (255 - 8 * i) & 255]);
    const want = (await reference(small)).means;
    const memory: number[] = [];
    for (let n = 0; n < 200; n++) {
      const r = await post(small);
      expect(r.status).toBe(200);
      memory.push(r.body.memoryBytes);
      if (n === 0 || n === 199) expectMeans(r.body.means, want);
    }
    expect(new Set(memory.slice(1)).size, `memory sizes seen: ${[...new Set(memory)].join(', ')}`).toBe(1);
    const last = await post(sample);
    expect(last.status).toBe(200);
    expectMeans(last.body.means, (await reference(sample)).means);
  });
});

describe("examples/worker/net.mat, the worker's model file", () => {
  it('holds weights.json exactly (loadSimpleNN in Node), and simplenn test mode on it gives the blocks one by one', async () => {
    await init();
    const loaded = await loadSimpleNN(await read('../examples/worker/net.mat'));
    expect(loaded.layers.map((l) => [l.type, l.name])).toEqual([['conv', 'conv1'], ['relu', 'relu1'], ['pool', 'pool1']]);
    const { w, b } = bank();
    const [lw, lb] = (loaded.layers[0] as any).weights as Tensor[];
    expect(lw.shape).toEqual(w.shape);
    expect(lb.size()).toEqual(b.size());
    expect(Array.from(lw.data)).toEqual(Array.from(w.data));
    expect(Array.from(lb.data)).toEqual(Array.from(b.data));
    expect((loaded.layers[2] as any)).toMatchObject({ method: net.pool.method, pool: net.pool.size, stride: net.pool.stride });
    expect(loaded.meta?.filters).toEqual(net.filters.map((f) => f.name));
    const sample = await read('../assets/sample.png');
    const res = simplenn(loaded, im2single(await imread(sample)), undefined, undefined, { mode: 'test' });
    const want = (await reference(sample)).pool;
    expect(res[3].x.shape).toEqual(want.shape);
    expect(Array.from(res[3].x.data)).toEqual(Array.from(want.data));
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
      // The MAT header text make-net.mjs writes, base64 inside the bundle (esbuild's binary loader).
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
