// Part 4 in the page: a subset of charsdb built here from the bundled fonts
// (dist/fonts/, OFL) exactly as the charsdb command renders them — each
// lowercase letter black on white, 32x32, 26 px, placed where ImageMagick's
// `-gravity center label:` puts it by the font's metrics (labelLayout,
// woffMetrics) — then the character CNN trained on it in the worker, the error
// curves redrawn after every epoch, and the sentence, rendered in Lato, decoded.
import {
  assembleCharsDb, labelLayout, woffMetrics, CHARSDB_CLASSES, GLYPH_SIZE, GLYPH_POINTSIZE, SENTENCE, SENTENCE_WIDTH,
  SENTENCE_FONT, prepareCharsDb, charsFigure, toImageData, Tensor,
} from 'nnblocks';
import { drawRGBA } from './canvas.js';

const $ = (id) => document.getElementById(id);
const now = () => performance.now();

/** How many of the fonts (the last ones, in name order) are validation, as charsdb's last 350. */
export const PAGE_VAL_FONTS = 4;

/** Draw `text` black on white into a W x H canvas as ImageMagick places it; the grey image, column-major, in [0, 1]. */
function renderLabel(ctx, family, metrics, text, W, H) {
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, H);
  ctx.font = `${GLYPH_POINTSIZE}px "${family}"`;
  ctx.textBaseline = 'alphabetic';
  ctx.textAlign = 'left';
  ctx.fillStyle = '#000';
  const chars = [...text];
  const layout = labelLayout(metrics, chars.map((c) => ctx.measureText(c).width), GLYPH_POINTSIZE, W, H);
  chars.forEach((c, k) => ctx.fillText(c, layout.x[k], layout.baseline));
  const rgba = ctx.getImageData(0, 0, W, H).data;
  const out = new Float32Array(W * H);
  // out(i, j) = red sample of pixel (row i, column j) / 255 (the glyph is grey)
  for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) out[i + H * j] = rgba[4 * (i * W + j)] / 255;
  return out;
}

/** Load a bundled font under a family name of its own; resolves to its metrics. */
async function loadFont(dist, f, family) {
  const res = await fetch(new URL(`fonts/${f.file}`, dist));
  if (!res.ok) throw new Error(`fetching fonts/${f.file} gave HTTP ${res.status}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const face = new FontFace(family, bytes);
  await face.load();
  document.fonts.add(face);
  return woffMetrics(bytes, f.file);
}

export function setupPart4({ startWorker, dist, safely }) {
  const ui = {
    sec: $('part4-sec'), status: $('p4-status'), start: $('p4-start'), stop: $('p4-stop'), epochs: $('p4-epochs'), jitter: $('p4-jitter'),
    about: $('p4-about'), log: $('p4-log'), decoded: $('p4-decoded'),
  };
  let worker = null, db = null, sentence = null, runs = 0, runId = 0;
  const set = (state, text) => { ui.sec.dataset.state = state; ui.status.textContent = text; };
  const stop = () => { worker?.terminate(); worker = null; ui.stop.disabled = true; ui.start.disabled = false; };

  /** The subset of charsdb from the bundled fonts, and the sentence in Lato. */
  async function build() {
    const t0 = now();
    const res = await fetch(new URL('fonts/fonts.json', dist));
    if (!res.ok) throw new Error(`fetching fonts/fonts.json gave HTTP ${res.status}`);
    const fonts = await res.json();
    const canvas = document.createElement('canvas');
    canvas.width = SENTENCE_WIDTH;
    canvas.height = GLYPH_SIZE;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    const glyphs = [];
    let lato = null;
    for (const [k, f] of fonts.entries()) {
      set('running', `Loading font ${k + 1} of ${fonts.length} (${f.name}) and rendering a–z…`);
      const family = `charsdb-${f.name}`;
      const metrics = await loadFont(dist, f, family);
      glyphs.push([...CHARSDB_CLASSES].map((c) => renderLabel(ctx, family, metrics, c, GLYPH_SIZE, GLYPH_SIZE)));
      if (f.name === `${SENTENCE_FONT.id}-${SENTENCE_FONT.weight}-${SENTENCE_FONT.style}`) lato = { family, metrics };
    }
    if (lato === null) throw new Error(`the bundled fonts lack the sentence's font ${SENTENCE_FONT.id} ${SENTENCE_FONT.weight} ${SENTENCE_FONT.style}`);
    const sent = renderLabel(ctx, lato.family, lato.metrics, SENTENCE, SENTENCE_WIDTH, GLYPH_SIZE);
    const charsdb = assembleCharsDb(fonts.map((f) => f.name), (f, c) => glyphs[f][c], PAGE_VAL_FONTS);
    const F = fonts.length, V = Math.min(PAGE_VAL_FONTS, F);
    const families = [...new Set(fonts.map((f) => f.family))];
    ui.about.textContent = `${F} fonts (${families.join(', ')}; weights 400 and 700, normal and italic) × 26 letters = ` +
      `${F * 26} glyphs: ${(F - V) * 26} for training (${F - V} fonts), ${V * 26} for validation (the last ${V} fonts: ` +
      `${fonts.slice(F - V).map((f) => f.name).join(', ')}). Rendered in ${(now() - t0).toFixed(0)} ms.`;
    // images.data as readMat gives it (32 x 32 x N): prepareCharsDb reads a bare Float32Array as 1 x n
    const asMat = { ...charsdb, images: { ...charsdb.images, data: { dims: [GLYPH_SIZE, GLYPH_SIZE, F * 26], data: charsdb.images.data } } };
    drawRGBA($('p4-fig-chars'), toImageData(charsFigure(prepareCharsDb(asMat))));
    drawRGBA($('p4-fig-sentence'), toImageData(new Tensor(sent, [GLYPH_SIZE, SENTENCE_WIDTH])));
    ui.sec.dataset.fonts = String(F);
    return { charsdb, sentence: sent };
  }

  async function train() {
    stop();
    const numEpochs = Number(ui.epochs.value);
    if (!(Number.isInteger(numEpochs) && numEpochs >= 1 && numEpochs <= 200)) {
      set('error', `Epochs must be a whole number in 1..200, got '${ui.epochs.value}'.`);
      return;
    }
    ui.start.disabled = true;
    if (db === null) ({ charsdb: db, sentence } = await build());
    const id = ++runId;
    worker = startWorker();
    ui.stop.disabled = false;
    ui.log.textContent = '';
    ui.decoded.textContent = '';
    ui.sec.dataset.epoch = '0';
    const lines = [];
    set('running', 'Training the character CNN: epoch 1…');
    worker.onmessage = (e) => {
      const m = e.data;
      if (m.id !== id) return;
      if (m.type === 'error') { set('error', `Part 4 stopped: ${m.message}`); stop(); return; }
      for (const [name, rgba] of Object.entries(m.figs ?? {})) drawRGBA($(`p4-fig-${name}`), rgba);
      if (m.type === 'part4-epoch') {
        ui.sec.dataset.epoch = String(m.epoch);
        ui.sec.dataset.top1 = String(m.top1err);
        lines.push(m.line);
        ui.log.textContent = lines.join('\n');
        set('running', `Epoch ${m.epoch} of ${numEpochs}: validation top-1 error ${m.top1err.toFixed(3)}, top-5 ${m.top5err.toFixed(3)}…`);
      } else if (m.type === 'part4-done') {
        ui.decoded.textContent = m.line;
        ui.sec.dataset.decoded = m.text;
        ui.sec.dataset.run = String(++runs);
        set('done', `Done: ${numEpochs} epoch${numEpochs > 1 ? 's' : ''}${ui.jitter.checked ? ' with jitter' : ''} in ${(m.ms / 1000).toFixed(1)} s; validation top-1 error ` +
          `${m.top1err.toFixed(3)} (chance: ${(25 / 26).toFixed(3)}).`);
        stop();
      }
    };
    const { images, meta } = db;
    worker.postMessage({ cmd: 'part4', id, numEpochs, jitter: ui.jitter.checked, images: { data: images.data, label: images.label, set: images.set, id: images.id },
      meta, sentence, W: SENTENCE_WIDTH });
  }

  ui.start.addEventListener('click', () => safely(async () => {
    try {
      await train();
    } catch (e) {
      set('error', `Part 4 stopped: ${e.message}`);
      stop();
    }
  }));
  ui.stop.addEventListener('click', () => {
    if (!worker) return;
    stop();
    set('stopped', `Stopped after epoch ${ui.sec.dataset.epoch}.`);
  });
  set('idle', 'Press “Build and train” to render the glyphs and train.');
}
