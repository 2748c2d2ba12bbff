// A Cloudflare Worker that runs a small fixed network, conv -> relu -> pool,
// on a PNG or JPEG posted to it, and answers the output sizes and the mean of
// each pooled channel. `nnblocks` resolves to its edge entry through the
// package's `workerd`/`worker` export conditions; that entry imports the
// kernels as a precompiled WebAssembly.Module (workerd refuses to compile
// WebAssembly from bytes), so `init()` needs no argument.
import { init, imread, im2single, nnconv, nnrelu, nnpool, memoryBytes, Tensor } from 'nnblocks';
import net from './weights.json';
import { imageHeader } from './header.js';

const MAX_BYTES = 4 * 1024 * 1024;
const DRAIN_BYTES = 16 * MAX_BYTES;
const MAX_SIDE = 4096;
// Workers give an isolate 128 MB. At 1 megapixel the float tensors (input
// 12 MB, conv and relu outputs 32 MB each) and the WebAssembly arena (44 MB,
// which never shrinks) come to about 120 MB; half a megapixel leaves room.
const MAX_PIXELS = 512 * 1024;
// The smallest image that leaves the pooling window room after the 5x5 conv.
const MIN_SIDE = 5 + Math.max(...net.pool.size) - 1;

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** The filter bank w [5, 5, 3, K] and biases b [1, K] from weights.json. */
function filterBank(filters) {
  const [FH, FW, FC, K] = [5, 5, 3, filters.length];
  const w = new Float32Array(FH * FW * FC * K);
  // w(i, j, c, k) = filters[k].weights[c][i][j], at i + FH*(j + FW*(c + FC*k))
  filters.forEach((f, k) => f.weights.forEach((m, c) => m.forEach((row, i) => row.forEach((v, j) => {
    w[i + FH * (j + FW * (c + FC * k))] = v;
  }))));
  return { w: new Tensor(w, [FH, FW, FC, K]), b: new Tensor(Float32Array.from(filters, (f) => f.bias), [1, K]) };
}

const bank = filterBank(net.filters);

const json = (status, body, headers = {}) => new Response(JSON.stringify(body, null, 2) + '\n', {
  status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
});

const usage = () => ({
  usage: 'POST the bytes of a PNG or JPEG image to / (e.g. curl --data-binary @photo.png <url>/)',
  network: {
    conv: `${net.filters.length} filters of 5x5x3, stride 1, no padding, with biases`,
    relu: 'max(0, x)',
    pool: `${net.pool.method} over ${net.pool.size.join('x')} windows, stride ${net.pool.stride.join('x')}`,
    filters: net.filters.map((f) => f.name),
  },
  answers: '{ input: [H, W, C], sizes: { conv, relu, pool }, means: [one per filter], ms, memoryBytes }',
  notes: 'Grey images are repeated to 3 channels; alpha is ignored.',
  limits: { maxBytes: MAX_BYTES, maxSide: MAX_SIDE, maxPixels: MAX_PIXELS, minSide: MIN_SIDE },
});

/**
 * The body, refused past MAX_BYTES whether or not a Content-Length says so.
 * A refused body is still read to its end (keeping nothing), up to DRAIN_BYTES:
 * when workerd answers before the client has finished sending, it closes the
 * connection and the client sees a reset instead of the JSON error (18 of 20
 * uploads of 4 MB under Miniflare). Waiting for the bytes costs no CPU time.
 */
async function readBody(request) {
  const declared = request.headers.get('content-length');
  const refused = declared !== null && Number(declared) > MAX_BYTES;
  const chunks = [];
  let total = 0;
  for await (const chunk of request.body ?? []) {
    total += chunk.byteLength;
    if (total > DRAIN_BYTES) break; // stops reading (cancels the stream)
    if (!refused && total <= MAX_BYTES) chunks.push(chunk);
  }
  if (refused) throw new HttpError(400, `the body is ${declared} bytes (Content-Length), more than the ${MAX_BYTES} bytes (4 MB) accepted`);
  if (total > MAX_BYTES) {
    throw new HttpError(400, `the body is ${total > DRAIN_BYTES ? `over ${DRAIN_BYTES}` : total} bytes, more than the ${MAX_BYTES} bytes (4 MB) accepted`);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) { bytes.set(c, at); at += c.byteLength; }
  return bytes;
}

/** Check the size the header claims, then decode. Every failure here is the client's: 400. */
async function decode(bytes) {
  if (bytes.length === 0) throw new HttpError(400, 'the body is empty: POST the bytes of a PNG or JPEG image');
  let header;
  try {
    header = imageHeader(bytes);
  } catch (e) {
    throw new HttpError(400, e.message);
  }
  if (header !== null) {
    const { format, height, width } = header;
    const size = `the ${format} is ${height}x${width} pixels (height x width)`;
    if (height > MAX_SIDE || width > MAX_SIDE) throw new HttpError(400, `${size}; at most ${MAX_SIDE} on a side is accepted`);
    if (height * width > MAX_PIXELS) throw new HttpError(400, `${size}; at most ${MAX_PIXELS} pixels are accepted`);
    if (height < MIN_SIDE || width < MIN_SIDE) throw new HttpError(400, `${size}; the network needs at least ${MIN_SIDE}x${MIN_SIDE}`);
  }
  try {
    // imread names what the bytes are when they are neither PNG nor JPEG, and what is wrong with a damaged file.
    return await imread(bytes);
  } catch (e) {
    throw new HttpError(400, e.message.replace('imread: the given buffer', 'the body'));
  }
}

/** The image as an [H, W, 3] tensor in [0, 1]: grey repeated, alpha dropped. */
function rgb(image) {
  const x = im2single(image);
  const [H, W, C] = x.shape;
  if (C === 3) return x;
  const out = new Float32Array(H * W * 3);
  for (let k = 0; k < 3; k++) out.set(x.data.subarray((C < 3 ? 0 : k) * H * W, ((C < 3 ? 0 : k) + 1) * H * W), k * H * W);
  return new Tensor(out, [H, W, 3]);
}

function run(image) {
  const conv = nnconv(rgb(image), bank.w, bank.b);
  const relu = nnrelu(conv);
  const pool = nnpool(relu, net.pool.size, { stride: net.pool.stride, method: net.pool.method });
  const [H, W, K] = pool.shape;
  const means = [];
  for (let k = 0; k < K; k++) {
    let sum = 0;
    for (const v of pool.data.subarray(k * H * W, (k + 1) * H * W)) sum += v;
    means.push(sum / (H * W));
  }
  return { sizes: { conv: conv.size(), relu: relu.size(), pool: pool.size() }, means };
}

/** Read a body that will not be used to its end, up to DRAIN_BYTES, keeping nothing (see readBody). */
async function discard(request) {
  let total = 0;
  for await (const chunk of request.body ?? []) if ((total += chunk.byteLength) > DRAIN_BYTES) break;
}

async function handle(request) {
  const url = new URL(request.url);
  if (url.pathname !== '/') {
    await discard(request);
    throw new HttpError(404, `no such path ${url.pathname}: use GET / for usage, POST / with an image`);
  }
  if (request.method === 'GET') return json(200, usage());
  if (request.method !== 'POST') {
    await discard(request);
    return json(405, { error: `method ${request.method} is not allowed: use GET / for usage, POST / with an image` },
      { allow: 'GET, POST' });
  }
  const start = performance.now();
  const image = await decode(await readBody(request));
  await init(); // once per isolate; later calls return the same promise
  const { sizes, means } = run(image);
  return json(200, {
    input: [image.height, image.width, image.channels], sizes, means,
    ms: performance.now() - start, memoryBytes: memoryBytes(),
  });
}

export default {
  async fetch(request, env, ctx) {
    try {
      return await handle(request);
    } catch (e) {
      if (e instanceof HttpError) return json(e.status, { error: e.message });
      console.error(e);
      return json(500, { error: `internal error: ${e?.message ?? e}` });
    }
  },
};
