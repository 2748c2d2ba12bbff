// A Cloudflare Worker that classifies a PNG or JPEG posted to it with a trained
// CNN and answers the class and the probability of each class. The network is a
// MatConvNet model file, net.mat (trained by train-net.mjs with cnnTrain on the
// shapes of shapes.mjs, saved with saveSimpleNN), bundled as bytes; the first
// request loads it with loadSimpleNN and every request runs it with simplenn in
// 'test' mode on the image made grey, resized to the net's input and centred.
// `nnblocks` resolves to its edge entry through the package's `workerd`/`worker`
// export conditions; that entry imports the kernels as a precompiled
// WebAssembly.Module (workerd refuses to compile WebAssembly from bytes), so
// `init()` needs no argument.
import { init, imread, im2single, imresize, rgb2gray, loadSimpleNN, simplenn, memoryBytes, Tensor } from 'nnblocks';
import netBytes from './net.mat'; // a Uint8Array: esbuild's binary loader (build.mjs); wrangler's Data rule gives an ArrayBuffer
import { imageHeader } from './header.js';

const MAX_BYTES = 4 * 1024 * 1024;
const DRAIN_BYTES = 16 * MAX_BYTES;
const MAX_SIDE = 4096;
// Workers give an isolate 128 MB. The net runs on a 24x24 picture, so its
// WebAssembly memory stays small whatever is posted; the decoded image is what
// costs: at half a megapixel, the decoded bytes, the float copy (6 MB) and its
// grey version (2 MB) in JavaScript.
const MAX_PIXELS = 512 * 1024;
const MIN_SIDE = 8;
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
    const last = net.layers[net.layers.length - 1];
    if (last?.type !== 'softmax') throw new Error(`net.mat must end with a softmax layer (class probabilities), not ${last?.type}`);
    const norm = net.meta?.normalization ?? {};
    const size = numbers(norm.imageSize);
    if (size.length < 3 || size[2] !== 1) throw new Error(`net.mat's meta.normalization.imageSize must be [H W 1] (grey input), got [${size.join(' ')}]`);
    const average = numbers(norm.averageImage ?? 0);
    if (average.length !== 1) throw new Error(`net.mat's meta.normalization.averageImage must be one number, got ${average.length} values`);
    const classes = [net.meta?.classes?.name].flat().map(String);
    return {
      net, size: [size[0], size[1]], average: average[0], classes,
      description: {
        layers: net.layers.map((l) => `${l.name} (${l.type})`),
        input: `grey ${size[0]}x${size[1]} (posted images are made grey with rgb2gray and resized with imresize), minus ${average[0].toFixed(4)}`,
        classes: Object.fromEntries(classes.map((c, k) => [c, [net.meta?.classes?.description].flat()[k] ?? c])),
        training: net.meta?.training ?? null,
      },
    };
  })();
  loaded.catch(() => { loaded = null; }); // a failed load is tried again by the next request
  return loaded;
}

/** A number, an array, or readMat's { data } form (meta keeps MAT numeric arrays so) as a list of numbers. */
function numbers(v) {
  if (typeof v === 'number') return [v];
  if (Array.isArray(v)) return v.map(Number);
  if (v && ArrayBuffer.isView(v.data)) return Array.from(v.data, Number);
  return [];
}

const json = (status, body, headers = {}) => new Response(JSON.stringify(body, null, 2) + '\n', {
  status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
});

const usage = ({ description }) => ({
  usage: 'POST the bytes of a PNG or JPEG image to / (e.g. curl --data-binary @shape.png <url>/)',
  network: description,
  answers: '{ input: [H, W, C], class, index (1-based), score, scores: { class: probability }, ms, memoryBytes }',
  notes: 'Colour images are made grey (rgb2gray); alpha is ignored.',
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
    if (height < minSide || width < minSide) throw new HttpError(400, `${size}; the worker needs at least ${minSide}x${minSide}`);
  }
  try {
    // imread names what the bytes are when they are neither PNG nor JPEG, and what is wrong with a damaged file.
    return await imread(bytes);
  } catch (e) {
    throw new HttpError(400, e.message.replace('imread: the given buffer', 'the body'));
  }
}

/** The image as the net's input: grey [H, W] in [0, 1] (rgb2gray of colour, alpha dropped), resized, mean subtracted. */
function prepare(image, { size, average }) {
  let x = im2single(image);
  const [H, W, C] = x.shape;
  if (C === 2 || C === 4) x = new Tensor(x.data.slice(0, H * W * (C - 1)), [H, W, C - 1]); // alpha dropped
  if (x.shape[2] === 3) x = rgb2gray(x);
  // MATLAB's imresize: bicubic, antialiased when shrinking; the aspect ratio is not kept (as exercise5's).
  const r = H === size[0] && W === size[1] ? x : imresize(x, size);
  return new Tensor(r.data.map((v) => v - average), r.shape);
}

/** simplenn in 'test' mode: the last output is one probability per class. */
function run(loaded, image) {
  const res = simplenn(loaded.net, prepare(image, loaded), undefined, undefined, { mode: 'test' });
  const p = res[res.length - 1].x.data;
  let best = 0;
  for (let k = 1; k < p.length; k++) if (p[k] > p[best]) best = k;
  return {
    class: loaded.classes[best] ?? `class ${best + 1}`, index: best + 1, score: p[best],
    scores: Object.fromEntries(Array.from(p, (v, k) => [loaded.classes[k] ?? `class ${k + 1}`, v])),
  };
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
  const loaded = await network();
  const image = await decode(await readBody(request), MIN_SIDE);
  return json(200, {
    input: [image.height, image.width, image.channels], ...run(loaded, image),
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
