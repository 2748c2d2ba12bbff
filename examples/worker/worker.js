// A Cloudflare Worker that runs a small network, conv -> relu -> pool, on a PNG
// or JPEG posted to it, and answers the output sizes and the mean of each pooled
// channel. The network is a MatConvNet model file, net.mat (made by
// make-net.mjs with saveSimpleNN), bundled as bytes; the first request loads
// it with loadSimpleNN and every request runs it with simplenn in 'test' mode.
// `nnblocks` resolves to its edge entry through the package's `workerd`/`worker`
// export conditions; that entry imports the kernels as a precompiled
// WebAssembly.Module (workerd refuses to compile WebAssembly from bytes), so
// `init()` needs no argument.
import { init, imread, im2single, loadSimpleNN, simplenn, memoryBytes, Tensor } from 'nnblocks';
import netBytes from './net.mat'; // a Uint8Array: esbuild's binary loader (build.mjs); wrangler's Data rule gives an ArrayBuffer
import { imageHeader } from './header.js';

const MAX_BYTES = 4 * 1024 * 1024;
const DRAIN_BYTES = 16 * MAX_BYTES;
const MAX_SIDE = 4096;
// Workers give an isolate 128 MB. simplenn keeps every layer's output in
// WebAssembly memory during the run (which never shrinks) and copies them out
// once into res: at half a megapixel (input 6 MB, conv and relu 16 MB each,
// pool 1 MB) that is 40.5 MB of WebAssembly memory and as much in JavaScript,
// about 85 MB; a megapixel would not fit.
const MAX_PIXELS = 512 * 1024;
class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** The loaded net and what the answers say about it; made once per isolate, by the first request. */
let loaded = null;
function network() {
  loaded ??= (async () => {
    await init(); // once per isolate; later calls return the same promise
    const net = await loadSimpleNN(netBytes instanceof Uint8Array ? netBytes : new Uint8Array(netBytes));
    const types = net.layers.map((l) => l.type).join(', ');
    if (types !== 'conv, relu, pool') throw new Error(`net.mat holds the layers ${types}, not conv, relu, pool`);
    const [conv, relu, pool] = net.layers;
    const [FH, FW, FC, K] = conv.weights[0].shape;
    const names = Array.isArray(net.meta?.filters) ? net.meta.filters.map(String) : Array.from({ length: K }, (_, k) => `filter ${k + 1}`);
    const pair = (v) => [v].flat().concat([v].flat()).slice(0, 2).join('x');
    return {
      net,
      // The smallest image that leaves the pooling window room after the conv (no padding in net.mat).
      minSide: Math.max(FH, FW) + Math.max(...[pool.pool].flat()) - 1,
      description: {
        layers: net.layers.map((l) => `${l.name} (${l.type})`),
        conv: `${K} filters of ${FH}x${FW}x${FC}, stride ${pair(conv.stride)}, pad [${[conv.pad].flat().join(' ')}], ${conv.weights[1]?.numel ? 'with' : 'no'} biases`,
        relu: relu.leak ? `max(${relu.leak} x, x)` : 'max(0, x)',
        pool: `${pool.method} over ${pair(pool.pool)} windows, stride ${pair(pool.stride)}`,
        filters: names,
      },
    };
  })();
  loaded.catch(() => { loaded = null; }); // a failed load is tried again by the next request
  return loaded;
}

const json = (status, body, headers = {}) => new Response(JSON.stringify(body, null, 2) + '\n', {
  status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
});

const usage = ({ description, minSide }) => ({
  usage: 'POST the bytes of a PNG or JPEG image to / (e.g. curl --data-binary @photo.png <url>/)',
  network: description,
  answers: '{ input: [H, W, C], sizes: { conv, relu, pool }, means: [one per filter], ms, memoryBytes }',
  notes: 'Grey images are repeated to 3 channels; alpha is ignored.',
  limits: { maxBytes: MAX_BYTES, maxSide: MAX_SIDE, maxPixels: MAX_PIXELS, minSide },
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
async function decode(bytes, minSide) {
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
    if (height < minSide || width < minSide) throw new HttpError(400, `${size}; the network needs at least ${minSide}x${minSide}`);
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

/** simplenn in 'test' mode: res[1], res[2], res[3] are the conv, relu and pool outputs. */
function run(net, image) {
  const res = simplenn(net, rgb(image), undefined, undefined, { mode: 'test' });
  const out = res[res.length - 1].x;
  const [H, W, K] = out.shape;
  const means = [];
  for (let k = 0; k < K; k++) {
    let sum = 0;
    for (const v of out.data.subarray(k * H * W, (k + 1) * H * W)) sum += v;
    means.push(sum / (H * W));
  }
  const sizes = Object.fromEntries(net.layers.map((l, i) => [l.type, res[i + 1].x.size()]));
  return { sizes, means };
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
  if (request.method === 'GET') return json(200, usage(await network()));
  if (request.method !== 'POST') {
    await discard(request);
    return json(405, { error: `method ${request.method} is not allowed: use GET / for usage, POST / with an image` },
      { allow: 'GET, POST' });
  }
  const start = performance.now();
  const { net, minSide } = await network();
  const image = await decode(await readBody(request), minSide);
  const { sizes, means } = run(net, image);
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
