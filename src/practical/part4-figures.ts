// exercise4.m's figures as RGB/grey Tensors (toPNG writes them; NETWORKS.md §4.3.5–4.3.6):
// figure 10 (the training and validation 'a's), figure 2 (the first layer's filters) and
// figures 3/4 (decodeCharacters: the sentence with the predicted letters under it, and the
// score map). net-train.png is cnnTrain's own.

import { Tensor } from '../tensor.js';
import { imarraysc } from '../image/convert.js';
import { ADVANCE, GLYPH_H, GLYPH_W, glyphRow } from '../plot-font.js';
import { GLYPH_SIZE } from './part4-glyphs.js';
import type { CharsImdb, DecodedCharacters } from './part4.js';

/** An RGB [H, W, 3] tensor of the grey [h, w] image `g` (values 0..1) pasted at (i0, j0) of a white page. */
function page(H: number, W: number): Float32Array {
  return new Float32Array(H * W * 3).fill(1);
}

function paste(out: Float32Array, H: number, W: number, g: Tensor, i0: number, j0: number, scale = 1): void {
  const [h, w, c] = g.shape;
  for (let j = 0; j < w * scale; j++) for (let i = 0; i < h * scale; i++) {
    const I = i0 + i, J = j0 + j;
    if (I < 0 || I >= H || J < 0 || J >= W) continue;
    for (let k = 0; k < 3; k++) out[I + H * (J + W * k)] = g.data[Math.floor(i / scale) + h * (Math.floor(j / scale) + w * (c === 3 ? k : 0))];
  }
}

function text(out: Float32Array, H: number, W: number, s: string, i0: number, j0: number, rgb: readonly number[], scale = 1): void {
  for (let n = 0; n < s.length; n++) for (let r = 0; r < GLYPH_H; r++) {
    const bits = glyphRow(s[n], r);
    for (let b = 0; b < GLYPH_W; b++) {
      if (!((bits >> (GLYPH_W - 1 - b)) & 1)) continue;
      for (let di = 0; di < scale; di++) for (let dj = 0; dj < scale; dj++) {
        const I = i0 + r * scale + di, J = j0 + (n * ADVANCE + b) * scale + dj;
        if (I >= 0 && I < H && J >= 0 && J < W) for (let k = 0; k < 3; k++) out[I + H * (J + W * k)] = rgb[k];
      }
    }
  }
}

/** The glyphs (mean added back) of label `label` (1-based) in set `set`, as a [32, 32, n] stack. */
function glyphsOf(imdb: CharsImdb, label: number, set: number): Tensor {
  const P = GLYPH_SIZE * GLYPH_SIZE;
  const idx: number[] = [];
  for (let n = 0; n < imdb.images.label.length; n++) if (imdb.images.label[n] === label && imdb.images.set[n] === set) idx.push(n);
  const out = new Float32Array(P * Math.max(1, idx.length));
  idx.forEach((n, k) => { for (let p = 0; p < P; p++) out[k * P + p] = imdb.images.data[n * P + p] + imdb.imageMean; });
  return new Tensor(out, [GLYPH_SIZE, GLYPH_SIZE, Math.max(1, idx.length)]);
}

/**
 * Figure 10: `vl_imarraysc(data(:,:,label==1 & set==1))` and the same for set 2, side by side,
 * titled "training chars for 'a'" and "validation chars for 'a'".
 */
export function charsFigure(imdb: CharsImdb, label = 1): Tensor {
  const c = imdb.meta.classes[label - 1] ?? '?';
  const a = imarraysc(glyphsOf(imdb, label, 1), { spacing: 0 });
  const b = imarraysc(glyphsOf(imdb, label, 2), { spacing: 0 });
  const top = 2 * GLYPH_H + 8, gap = 24;
  const H = top + Math.max(a.shape[0], b.shape[0]), W = a.shape[1] + gap + b.shape[1];
  const out = page(H, W);
  paste(out, H, W, a, top, 0);
  paste(out, H, W, b, top, a.shape[1] + gap);
  text(out, H, W, `training chars for '${c}'`, 2, 2, [0, 0, 0], 2);
  text(out, H, W, `validation chars for '${c}'`, 2, a.shape[1] + gap + 2, [0, 0, 0], 2);
  return new Tensor(out, [H, W, 3]);
}

/** Figure 2: `vl_imarraysc(squeeze(net.layers{1}.weights{1}), 'spacing', 2)`, each tap `scale` pixels. */
export function filtersFigure(w: Tensor, scale = 8): Tensor {
  const [kh, kw, , K] = w.shape;
  const big = new Float32Array(kh * scale * kw * scale * K);
  const P = kh * kw, BH = kh * scale, BW = kw * scale;
  for (let k = 0; k < K; k++) for (let j = 0; j < BW; j++) for (let i = 0; i < BH; i++) {
    big[k * BH * BW + i + BH * j] = w.data[k * P + Math.floor(i / scale) + kh * Math.floor(j / scale)];
  }
  return imarraysc(new Tensor(big, [BH, BW, K]), { spacing: 2 * scale });
}

/**
 * Figures 3/4 (decodeCharacters): top, the input image (imagesc, grey) with classes(pred(i)) in
 * blue at x = linspace(16, W - 16, numel(pred)), y = 40; below, `imagesc(squeeze(res(end).x)')`
 * (26 x W', one row per class). Drawn at `scale` pixels per image pixel.
 */
export function decodeFigure(im: Tensor, scores: Tensor, decoded: DecodedCharacters, scale = 2): Tensor {
  const [h, w] = im.shape;
  const [, Wp, C] = scores.shape;
  const top = imarraysc(im);
  // squeeze(res(end).x)' : C x W' (class c in row c)
  const map = new Float32Array(C * Wp);
  for (let c = 0; c < C; c++) for (let j = 0; j < Wp; j++) map[c + C * j] = scores.data[j + Wp * c];
  const mapScale = Math.max(1, Math.floor((w * scale) / Wp));
  const sm = imarraysc(new Tensor(map, [C, Wp]));
  const textTop = h * scale + 6, mapTop = textTop + GLYPH_H + 14;
  const H = mapTop + C * mapScale + 4, W = Math.max(w * scale, Wp * mapScale);
  const out = page(H, W);
  paste(out, H, W, top, 0, 0, scale);
  const n = decoded.pred.length;
  for (let i = 0; i < n; i++) {
    const x = n === 1 ? w / 2 : 16 + ((w - 32) * i) / (n - 1); // linspace(16, W - 16, n), 1-based pixels
    text(out, H, W, decoded.text[i], textTop, Math.round((x - 1) * scale - GLYPH_W / 2), [0, 0, 1]);
  }
  paste(out, H, W, sm, mapTop, 0, mapScale);
  return new Tensor(out, [H, W, 3]);
}
