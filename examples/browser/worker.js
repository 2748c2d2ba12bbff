// The page's worker: trains part 3 (trainTinyCNN) and part 4 (cnnTrain on the
// glyphs the page rendered) off the main thread, so the page stays responsive,
// and posts the figures as RGBA bytes (toImageData) for putImageData.
// Bundled by tools/build-browser-example.mjs into a string that main.js starts
// from a blob: URL (that also works from file://).
import {
  init, Tensor, extractBlackBlobs, trainTinyCNN, blobsFigure, objectiveFigure, histogramFigure, filterFigure,
  mapFigure, errorMapFigure, toImageData,
} from 'nnblocks';
import { part4 } from './part4-train.js';

const now = () => performance.now();

/** Post `msg`, transferring the buffers of its pictures. */
function post(msg) {
  const buffers = [];
  for (const v of Object.values(msg.figs ?? {})) buffers.push(v.data.buffer);
  self.postMessage(msg, buffers);
}

/** exercise3.m on the grey [H, W] image: figure 1 first, then the six panels every plotPeriod (10) iterations. */
function part3({ id, pixels, H, W, iterations, seed }) {
  const im = new Tensor(pixels, [H, W]);
  const { pos, neg } = extractBlackBlobs(im);
  let npos = 0, nneg = 0;
  for (let p = 0; p < H * W; p++) { npos += pos.data[p]; nneg += neg.data[p]; }
  post({ type: 'part3-blobs', id, npos, nneg, figs: { blobs: toImageData(blobsFigure(im, pos, neg)) } });
  // y = +1 on pos, -1 on neg, 0 elsewhere (the labels of the error map)
  const y = new Tensor(pos.data.map((v, p) => (v ? 1 : neg.data[p] ? -1 : 0)), [H, W]);
  const t0 = now();
  let figMs = 0;
  const r = trainTinyCNN(im, {
    numIterations: iterations, seed,
    onPlot: (s) => {
      const f0 = now();
      const figs = {
        objective: toImageData(objectiveFigure(s)),
        histograms: toImageData(histogramFigure(s.x3, pos, neg)),
        filter: toImageData(filterFigure(s.w)),
        output: toImageData(mapFigure(s.x3)),
        errors: toImageData(errorMapFigure(s.x3, y)),
      };
      const ms = now() - f0;
      figMs += ms;
      const k = s.t - 1;
      post({ type: 'part3-frame', id, t: s.t, error: s.E[0][k], reg: s.E[1][k], objective: s.E[2][k], w: Array.from(s.w.data), b: s.b, figMs: ms, figs });
    },
  });
  post({ type: 'part3-done', id, objective: r.E[2][r.t - 1], first: r.E[2][0], w: Array.from(r.w.data), b: r.b, ms: now() - t0, figMs });
}

self.onmessage = async (e) => {
  const msg = e.data;
  try {
    await init();
    if (msg.cmd === 'part3') part3(msg);
    else if (msg.cmd === 'part4') await part4(msg, post);
    else throw new Error(`unknown command ${msg.cmd}`);
  } catch (err) {
    self.postMessage({ type: 'error', id: msg.id, part: msg.cmd, message: err?.message ?? String(err) });
  }
};
