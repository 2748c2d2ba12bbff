// The page: wires the controls to pipeline.js and shows the results. Parts 1
// and 2 run on the main thread, every long step preceded by a pause so the
// status line gets painted first; parts 3 and 4 train in a worker (part3-ui.js,
// part4-ui.js, worker.js). Pictures go to canvases as ImageData (canvas.js).
import { init, imread, memoryBytes, practical, PRACTICAL_THRESHOLD } from 'nnblocks';
import { FILTERS } from './filters.js';
import { PART2_MIN_SIDE, part1, picture, prepare, sizeText } from './pipeline.js';
import { decodeBundled, drawRGBA } from './canvas.js';
import { setupPart3 } from './part3-ui.js';
import { setupPart4 } from './part4-ui.js';
import WORKER_SOURCE from 'worker-source'; // worker.js bundled as text by the build script

const $ = (id) => document.getElementById(id);
const ui = {
  app: $('app'), file: $('file'), drop: $('drop'), sample: $('sample'), filters: $('filters'),
  seed: $('seed'), pool: $('pool'), status: $('status'), error: $('error'), about: $('filter-about'),
  source: $('source'), timings: $('timings'), der: $('der-body'), derNote: $('der-note'),
};
// The sample sits beside the bundle (dist/), wherever the page is served from.
const DIST = new URL('.', document.currentScript?.src ?? new URL('dist/', location.href)).href;
const SAMPLE = new URL('sample.png', DIST).href;

const now = () => performance.now();
const pause = () => new Promise((resolve) => setTimeout(resolve, 20));
const ms = (t) => `${t < 10 ? t.toFixed(1) : Math.round(t)} ms`;

let current = null; // { x, name, notes, decodeMs, part2Ms }
let initMs = 0;
let loadSeq = 0, renderSeq = 0, runsDone = 0;

function setState(state, message) {
  ui.app.dataset.state = state;
  ui.status.textContent = message;
}

function showError(message) {
  ui.error.textContent = message;
  ui.error.hidden = message === '';
}

/** Run an async step; whatever it throws is shown in the page, not only in the console. */
function safely(step) {
  return step().catch((e) => {
    showError(`Unexpected error: ${e?.message ?? e}`);
    setState('error', 'Stopped by an unexpected error.');
  });
}

/**
 * Read `source` (the sample's URL or a File), then run everything on it. The
 * bundled sample (an 8-bit RGB PNG) is decoded by the browser; files the user
 * gives go through imread, which keeps their channels and bit depth exactly.
 */
async function useImage(source, name) {
  const seq = ++loadSeq;
  showError('');
  setState('running', `Reading ${name}…`);
  const t0 = now();
  let image, decodeOnly = 0;
  try {
    image = source === SAMPLE ? await decodeBundled(SAMPLE, 3) : await imread(source);
    decodeOnly = now() - t0;
  } catch (e) {
    if (seq !== loadSeq) return;
    const offline = location.protocol === 'file:' && source === SAMPLE
      ? ' Opened from file://, the browser does not let the page read dist/sample.png: choose or drop an image ' +
        'instead, or serve the folder (npm run example:browser).' : '';
    showError(`Could not use ${name}: ${e.message}.${offline}${current ? ` Still showing ${current.name}.` : ''}`);
    setState('error', `Could not read ${name}.`);
    return;
  }
  if (seq !== loadSeq) return; // a newer image was chosen meanwhile
  const { x, notes } = prepare(image);
  current = { x, name, notes, decodeMs: now() - t0, readMs: decodeOnly, part2Ms: null, decoder: source === SAMPLE ? 'browser decode' : 'imread' };
  let sum = 0;
  for (const v of image.data) sum += v;
  ui.source.dataset.sum = String(sum); // the test compares it with imread's samples
  const [H, W] = x.shape;
  ui.source.textContent = `${name}: ${image.height}×${image.width}, ${image.channels} channel${image.channels > 1 ? 's' : ''}, ` +
    `${image.bitDepth}-bit${notes.length ? ` (${notes.join('; ')})` : ''}; x is ${H}×${W}×3 in [0, 1].`;
  await render();
}

/** Part 1 for the current controls, then part 2 if this image has not had it yet. */
async function render() {
  const seq = ++renderSeq;
  const img = current;
  showError('');
  setState('running', `Running part 1 on ${img.name}…`);
  await pause();
  if (seq !== renderSeq) return;
  const times = runPart1(img.x);
  if (times === null) return;
  if (img.part2Ms === null) {
    setState('running', `Running part 2 (three derivative checks) on ${img.name}…`);
    ui.der.replaceChildren();
    ui.derNote.textContent = 'Running…';
    await pause();
    if (seq !== renderSeq) return;
    img.part2Ms = runPart2(img.x);
  }
  showTimings(img, times);
  ui.app.dataset.run = String(++runsDone);
  setState('done', `Done: ${img.name}.`);
}

/** conv -> relu -> pool with the chosen filters and pool size; returns the timings, or null when the controls are wrong. */
function runPart1(x) {
  const key = ui.filters.value, pool = Number(ui.pool.value);
  const seed = Number(ui.seed.value);
  if (key === 'random' && !(Number.isInteger(seed) && seed >= 0)) {
    showError(`The seed must be a whole number ≥ 0, got '${ui.seed.value}'.`);
    setState('error', 'Fix the seed to run.');
    return null;
  }
  const w = FILTERS[key].make(seed);
  ui.about.textContent = FILTERS[key].describe(seed);
  const { y, r, p, times } = part1(x, w, pool);
  const t0 = now();
  show('fig-input', x, `The input image x, ${sizeText(x)}`, times);
  show('fig-conv', y, `${y.shape?.[2]} feature maps y = nnconv(x, w, [])`, times);
  show('fig-relu', r === y ? null : r, 'The feature maps after nnrelu', times);
  show('fig-pool', p === r ? null : p, `The feature maps after ${pool}×${pool} max pooling`, times);
  $('pool-caption').textContent = `nnpool(r, ${pool})`;
  times.pictures = now() - t0;
  return times;
}

/** One figure: the picture of a tensor, or the Error that stopped it, or null for a skipped step. */
function show(id, t, alt, times = {}) {
  const fig = $(id), img = fig.querySelector('canvas'), size = fig.querySelector('.size'), msg = fig.querySelector('.msg');
  if (t === null || t instanceof Error) {
    img.hidden = true;
    img.width = img.height = 0;
    fig.dataset.size = '';
    size.textContent = '—';
    msg.textContent = t === null ? 'Not computed: the step before failed.' : t.message;
    msg.hidden = false;
    return;
  }
  const rgba = picture(t, times);
  const t0 = now();
  drawRGBA(img, rgba);
  times.putImageData = (times.putImageData ?? 0) + now() - t0;
  img.setAttribute('aria-label', alt);
  img.hidden = false;
  img.classList.toggle('pixelated', t.shape[1] * Math.ceil(Math.sqrt(t.shape[2] === 3 ? 1 : t.shape[2])) < 400);
  fig.dataset.size = sizeText(t).replaceAll('×', 'x');
  size.textContent = sizeText(t);
  msg.hidden = true;
}

/** Part 2: practical(x), one table row per derivative check. Returns its time, or 0 when the image is too small. */
function runPart2(x) {
  const [H, W] = x.shape;
  if (H < PART2_MIN_SIDE || W < PART2_MIN_SIDE) {
    ui.derNote.textContent = `Part 2 needs an image of at least ${PART2_MIN_SIDE}×${PART2_MIN_SIDE} pixels ` +
      `(5×5 filters, then 10×10 pooling); this one is ${H}×${W}.`;
    return 0;
  }
  const t0 = now();
  const report = practical(x);
  const t = now() - t0;
  const s = report.size;
  ui.derNote.textContent = `On x of ${s.x.join('×')}: y and dzdy are ${s.y.join('×')}, dzdx ${s.dzdx.join('×')}, ` +
    `dzdw ${s.dzdw.join('×')}; x3 = nnpool(nnconv(x, w1, []), 10) is ${s.x3.join('×')}. ` +
    `A check passes below ${PRACTICAL_THRESHOLD * 100}% error.`;
  ui.der.replaceChildren(...report.checks.map((c) => {
    const tr = document.createElement('tr');
    const cells = [c.name, c.empirical.toFixed(4), c.computed.toFixed(4), (c.error * 100).toFixed(2), c.ok ? '✓ pass' : '✗ fail'];
    cells.forEach((text, n) => {
      const td = document.createElement(n === 0 ? 'th' : 'td');
      if (n === 0) td.scope = 'row';
      td.textContent = text;
      tr.append(td);
    });
    tr.className = c.ok ? 'pass' : 'fail';
    return tr;
  }));
  return t;
}

function showTimings(img, times) {
  const rows = [
    ['init (compile WASM)', initMs], [`${img.decoder} + im2single`, img.decodeMs], [img.decoder, img.readMs], ['nnconv', times.conv],
    ['nnrelu', times.relu], ['nnpool', times.pool], ['pictures', times.pictures], ['imarraysc', times.imarraysc], ['toImageData', times.toImageData], ['putImageData', times.putImageData], ['part 2: practical(x)', img.part2Ms],
  ];
  ui.timings.replaceChildren(...rows.filter(([, t]) => t !== undefined && t !== null).map(([name, t]) => {
    const li = document.createElement('li');
    li.textContent = `${name}: ${ms(t)}`;
    return li;
  }));
  const li = document.createElement('li');
  li.textContent = `WASM memory: ${(memoryBytes() / 2 ** 20).toFixed(1)} MB`;
  ui.timings.append(li);
}

function wire() {
  for (const [key, f] of Object.entries(FILTERS)) ui.filters.append(new Option(f.label, key));
  ui.filters.value = 'random';
  const rerun = () => { if (current) safely(render); };
  ui.filters.addEventListener('change', () => {
    ui.seed.disabled = ui.filters.value !== 'random';
    rerun();
  });
  ui.pool.addEventListener('change', rerun);
  ui.seed.addEventListener('change', rerun);
  ui.sample.addEventListener('click', () => safely(() => useImage(SAMPLE, 'the bundled sample')));
  ui.file.addEventListener('change', () => {
    const f = ui.file.files?.[0];
    if (f) safely(() => useImage(f, `'${f.name}'`));
    ui.file.value = ''; // choosing the same file again still fires change
  });
  // Drops anywhere on the page count (a file dropped beside the zone would otherwise replace the page).
  const over = (on) => (e) => { e.preventDefault(); ui.drop.classList.toggle('over', on); };
  document.addEventListener('dragover', over(true));
  document.addEventListener('dragleave', over(false));
  document.addEventListener('drop', (e) => {
    over(false)(e);
    const files = e.dataTransfer?.files;
    if (!files || files.length === 0) {
      showError('Nothing to read in that drop: drop an image file (PNG or JPEG).');
      setState('error', 'Nothing was dropped.');
      return;
    }
    safely(() => useImage(files[0], `'${files[0].name}'`));
  });
}

/** A new Worker running worker.js, started from a blob: URL (which works from file:// too). */
let workerURL = null;
function startWorker() {
  workerURL ??= URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  return new Worker(workerURL);
}

async function main() {
  wire();
  const part3 = setupPart3({ startWorker, dist: DIST, safely });
  setupPart4({ startWorker, dist: DIST, safely });
  setState('running', 'Compiling the WebAssembly kernels…');
  const t0 = now();
  try {
    await init();
  } catch (e) {
    showError(`This browser cannot run the nnblocks kernels (WebAssembly SIMD is needed): ${e.message}`);
    setState('error', 'Not available in this browser.');
    return;
  }
  initMs = now() - t0;
  if (location.protocol === 'file:') {
    // Everything runs from file:// except reading dist/sample.png: browsers refuse file:// fetches.
    setState('ready', 'Ready. Opened from file://, so choose or drop an image: browsers do not let file:// pages ' +
      'read the bundled sample (npm run example:browser serves the folder with it).');
    part3.start();
    return;
  }
  await useImage(SAMPLE, 'the bundled sample');
  part3.start();
}

safely(main);
