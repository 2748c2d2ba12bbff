// Part 3 in the page: trains exercise3.m's tiny CNN live in the worker and
// redraws the objective, the score histograms, the learned filter, the output
// and the error map every 10 iterations (the worker posts them as RGBA bytes).
// The default input is the bundled synthetic blob picture (dist/blobs.png,
// syntheticDots() written by tools/make-blobs.mjs); the practical's dots.jpg (not shipped) can be chosen.
import { imread, im2single, rgb2gray, formatMatrix, Tensor } from 'nnblocks';
import { decodeBundled, drawRGBA } from './canvas.js';

const $ = (id) => document.getElementById(id);
const FIGS = ['blobs', 'objective', 'histograms', 'filter', 'output', 'errors'];

/**
 * Wire part 3's controls. `startWorker()` gives a fresh Worker (the old one is
 * terminated to stop a run); `dist` is the bundle's folder URL.
 */
export function setupPart3({ startWorker, dist, safely }) {
  const ui = {
    sec: $('part3-sec'), status: $('p3-status'), start: $('p3-start'), stop: $('p3-stop'), file: $('p3-file'),
    blobs: $('p3-blobs'), source: $('p3-source'), iters: $('p3-iters'), seed: $('p3-seed'), result: $('p3-result'),
    log: $('p3-log'),
  };
  let image = null; // { pixels, H, W, name }
  let worker = null, runId = 0, runs = 0;
  const set = (state, text) => { ui.sec.dataset.state = state; ui.status.textContent = text; };

  const stop = () => {
    worker?.terminate();
    worker = null;
    ui.stop.disabled = true;
    ui.start.disabled = image === null;
  };

  async function useImage(load, name) {
    stop();
    set('loading', `Reading ${name}…`);
    let x;
    try {
      x = await load();
    } catch (e) {
      set('error', `Could not use ${name}: ${e.message}`);
      return;
    }
    const [H, W] = x.shape;
    image = { pixels: x.data, H, W, name };
    ui.source.textContent = `${name}: ${H}×${W}, grey (rgb2gray of im2single).`;
    await train();
  }

  /** Start a run on the current image; frames arrive every 10 iterations. */
  async function train() {
    stop();
    const iterations = Number(ui.iters.value), seed = Number(ui.seed.value);
    if (!(Number.isInteger(iterations) && iterations >= 1 && iterations <= 5000) || !(Number.isInteger(seed) && seed >= 0)) {
      set('error', `Iterations must be a whole number in 1..5000 and the seed a whole number ≥ 0, got '${ui.iters.value}' and '${ui.seed.value}'.`);
      return;
    }
    const id = ++runId;
    worker = startWorker();
    ui.stop.disabled = false;
    ui.start.disabled = true;
    ui.log.textContent = '';
    ui.result.textContent = '';
    ui.sec.dataset.iteration = '0';
    set('running', `Training on ${image.name}: extracting the blobs…`);
    const lines = [];
    worker.onmessage = (e) => {
      const m = e.data;
      if (m.id !== id) return;
      if (m.type === 'error') {
        set('error', `Part 3 stopped: ${m.message}`);
        stop();
        return;
      }
      for (const [name, rgba] of Object.entries(m.figs ?? {})) drawRGBA($(`p3-fig-${name}`), rgba);
      if (m.type === 'part3-blobs') {
        set('running', `Training on ${image.name}: ${m.npos} blob centres, ${m.nneg} background points…`);
      } else if (m.type === 'part3-frame') {
        ui.sec.dataset.iteration = String(m.t);
        ui.sec.dataset.objective = String(m.objective);
        if (m.t === 1) ui.sec.dataset.first = String(m.objective);
        lines.push(`iteration ${m.t}: objective ${m.objective.toFixed(3)} (error ${m.error.toFixed(3)}, regularizer ${m.reg.toFixed(3)})`);
        ui.log.textContent = lines.slice(-8).join('\n');
        set('running', `Iteration ${m.t} of ${iterations}: objective ${m.objective.toFixed(4)} (figures ${m.figMs.toFixed(0)} ms in the worker)`);
      } else if (m.type === 'part3-done') {
        const w = new Tensor(Float32Array.from(m.w), [3, 3]);
        ui.result.textContent = [`final objective ${m.objective.toFixed(4)} after ${iterations} iterations (${(m.ms / 1000).toFixed(1)} s, ` +
          `${(m.figMs / 1000).toFixed(1)} s of it drawing figures)`, '', ...formatMatrix('w', w), ...formatMatrix('b', m.b)].join('\n');
        ui.sec.dataset.objective = String(m.objective);
        ui.sec.dataset.run = String(++runs);
        set('done', `Done: ${iterations} iterations on ${image.name}, objective ${m.first.toFixed(3)} → ${m.objective.toFixed(3)}.`);
        worker.terminate();
        worker = null;
        ui.stop.disabled = true;
        ui.start.disabled = false;
      }
    };
    // The pixels are copied (not transferred): the image stays here for the next run.
    worker.postMessage({ cmd: 'part3', id, pixels: image.pixels, H: image.H, W: image.W, iterations, seed });
  }

  ui.start.addEventListener('click', () => { if (image) safely(train); });
  ui.stop.addEventListener('click', () => {
    if (!worker) return;
    stop();
    set('stopped', `Stopped at iteration ${ui.sec.dataset.iteration}.`);
  });
  const blobsURL = new URL('blobs.png', dist).href;
  const useBlobs = () => safely(() => useImage(async () => {
    const img = await decodeBundled(blobsURL, 1);
    return im2single(img);
  }, 'the bundled blob picture'));
  ui.blobs.addEventListener('click', useBlobs);
  ui.file.addEventListener('change', () => {
    const f = ui.file.files?.[0];
    ui.file.value = '';
    if (!f) return;
    safely(() => useImage(async () => {
      const x = im2single(await imread(f));
      const [H, W, C] = x.shape; // grey, grey + alpha, RGB or RGBA: the practical's rgb2gray on the colour planes
      if (C <= 2) return new Tensor(x.data.slice(0, H * W), [H, W]);
      return rgb2gray(C === 3 ? x : new Tensor(x.data.slice(0, H * W * 3), [H, W, 3]));
    }, `'${f.name}'`));
  });
  for (const name of FIGS) if (!$(`p3-fig-${name}`)) throw new Error(`part 3: the page lacks canvas p3-fig-${name}`);
  return {
    /** Load the default picture and train on it (not from file://, where the bundled files cannot be fetched). */
    start: () => (location.protocol === 'file:' ? set('ready', 'Opened from file://: choose an image (e.g. the practical\'s dots.jpg) to train on.') : useBlobs()),
  };
}
