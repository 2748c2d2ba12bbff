// Part 4 of the practical (exercise4.m): charsdb's recipe and layout, the character CNN,
// getBatch / getBatchWithJitter on hand-made images with scripted random draws, decodeCharacters
// on a crafted score map, and one epoch of training on a small charsdb made by
// `nnblocks charsdb --sample 100 --val 20` (tests/fixtures/charsdb-small, 100 fonts sampled evenly
// from the sorted list, the last 20 validation).
import { beforeAll, describe, expect, it } from 'vitest';
import {
  init, Tensor, readMat, writeMat, randn, initializeCharacterCNN, prepareCharsDb, getBatch, getBatchWithJitter,
  decodeCharacters, randpermK, labelLayout, woffMetrics, fontsOfPackage, assembleCharsDb, charsDbToMat,
  trainCharacterCNN, runOnSentence, saveCharsCNN, loadSimpleNN, charsFigure, filtersFigure, decodeFigure, imread, im2single,
  CHARSDB_CLASSES, type CharsImdb,
} from '../src/index.js';
import charsdbUrl from './fixtures/charsdb-small/charsdb.mat?inline';
import sentenceUrl from './fixtures/charsdb-small/sentence-lato.png?inline';
import latoUrl from './fixtures/fonts/lato-latin-400-normal.woff?inline';

beforeAll(() => init());

const bytesOf = async (url: string): Promise<Uint8Array> => new Uint8Array(await (await fetch(url)).arrayBuffer());

/** A scripted randi: returns the given draws in order (each checked against its range). */
function scripted(draws: number[]): (m: number) => number {
  let k = 0;
  return (m: number) => {
    const v = draws[k++];
    if (v === undefined || v < 0 || v >= m) throw new Error(`scripted draw ${k - 1}: ${v} not in 0..${m - 1}`);
    return v;
  };
}

/** An imdb of N images whose pixel (r, c) of image n is n + r / 100 + c / 10000 (already "mean-subtracted"). */
function codedImdb(N: number, sets: number[]): CharsImdb {
  const data = new Float32Array(N * 1024);
  for (let n = 0; n < N; n++) for (let c = 0; c < 32; c++) for (let r = 0; r < 32; r++) data[n * 1024 + r + 32 * c] = n + r / 100 + c / 10000;
  return {
    images: { id: Float64Array.from({ length: N }, (_, i) => i + 1), data, label: Float64Array.from({ length: N }, (_, i) => (i % 26) + 1), set: Float64Array.from(sets) },
    meta: { classes: CHARSDB_CLASSES, sets: ['train', 'val'], fonts: [] }, imageMean: 0,
  };
}

describe('charsdb recipe', () => {
  it('fontsOfPackage keeps Google families with latin-ext: every weight x style as its latin .woff', () => {
    const meta = { id: 'lato', family: 'Lato', subsets: ['latin', 'latin-ext'], weights: [400, 700], styles: ['italic', 'normal'], type: 'google' };
    expect(fontsOfPackage(meta).map((f) => [f.name, f.file])).toEqual([
      ['lato-400-italic', 'lato-latin-400-italic.woff'], ['lato-400-normal', 'lato-latin-400-normal.woff'],
      ['lato-700-italic', 'lato-latin-700-italic.woff'], ['lato-700-normal', 'lato-latin-700-normal.woff']]);
    expect(fontsOfPackage({ ...meta, subsets: ['latin'] })).toEqual([]);
    expect(fontsOfPackage({ ...meta, type: 'other' })).toEqual([]);
  });

  it('woffMetrics reads head.unitsPerEm and hhea ascender/descender (Lato: 2000, 1974, -426)', async () => {
    expect(woffMetrics(await bytesOf(latoUrl))).toEqual({ unitsPerEm: 2000, ascender: 1974, descender: -426 });
    expect(() => woffMetrics(new Uint8Array(64))).toThrow(/not a WOFF 1.0 file/);
    // a compressed table's zlib data corrupted, or inflating to another length than the directory's:
    // named (fflate's bare "invalid zlib data" before; found by a fuzzing helper)
    const lato = await bytesOf(latoUrl);
    const dv = new DataView(lato.buffer, lato.byteOffset);
    const compressed = Array.from({ length: dv.getUint16(12) }, (_, t) => 44 + 20 * t)
      .find((e) => dv.getUint32(e + 8) < dv.getUint32(e + 12) && ['head', 'hhea'].includes(String.fromCharCode(...lato.subarray(e, e + 4))))!;
    const tag = String.fromCharCode(...lato.subarray(compressed, compressed + 4));
    const bad = lato.slice();
    bad.fill(0xff, dv.getUint32(compressed + 4), dv.getUint32(compressed + 4) + 4);
    expect(() => woffMetrics(bad)).toThrow(new RegExp(`^woffMetrics: .*'${tag}' table is corrupt zlib data \\(.+\\)$`));
    const long = lato.slice();
    new DataView(long.buffer).setUint32(compressed + 12, dv.getUint32(compressed + 12) - 1);
    expect(() => woffMetrics(long)).toThrow(new RegExp(`'${tag}' table inflates to more than the \\d+ bytes its directory says$`));
    // found by a fuzzing helper: compLength > origLength read the zlib bytes as the table (ascender 25696)
    const stored = lato.slice();
    new DataView(stored.buffer).setUint32(compressed + 12, dv.getUint32(compressed + 8) - 1);
    expect(() => woffMetrics(stored)).toThrow(new RegExp(`^woffMetrics: .*'${tag}' table has compLength \\d+ > origLength \\d+, which WOFF does not allow$`));
    const head = Array.from({ length: dv.getUint16(12) }, (_, t) => 44 + 20 * t).find((e) => String.fromCharCode(...lato.subarray(e, e + 4)) === 'head')!;
    const cut = lato.slice();
    new DataView(cut.buffer).setUint32(head + 8, 10);
    new DataView(cut.buffer).setUint32(head + 12, 10);
    expect(() => woffMetrics(cut)).toThrow(/^woffMetrics: .*'s head table is 10 bytes, fewer than the 20 read from it$/);
  });

  it('labelLayout centres by the metrics as ImageMagick does (hand-computed)', () => {
    // Lato at 26 ppem: ascent ceil(25.662) = 26, descent floor(-5.538) = -6; baseline 16 + 20/2 = 26.
    // 'a' advance 13.2 -> 13: offset.x = 16 - 6.5 = 9.5, pen ceil(9.0) = 9.
    const m = { unitsPerEm: 2000, ascender: 1974, descender: -426 };
    expect(labelLayout(m, [13.2], 26, 32, 32)).toEqual({ x: [9], baseline: 26 });
    // Two characters, advances 7.6 and 12.4 -> 8 + 12 = 20: offset.x = 16 - 10 = 6; pens 6, 14.
    expect(labelLayout(m, [7.6, 12.4], 26, 32, 32)).toEqual({ x: [6, 14], baseline: 26 });
    // upem 1000, ascender 800, descender -200 at 26: 20.8 -> 21, -5.2 -> -6; oy = 16 + 7.5 = 23.5 -> row ceil(23) = 23.
    expect(labelLayout({ unitsPerEm: 1000, ascender: 800, descender: -200 }, [10], 26, 32, 32)).toEqual({ x: [11], baseline: 23 });
  });

  it('assembleCharsDb is character-major with the last fonts as validation; the MAT layout is MatConvNet\'s', async () => {
    const fonts = ['f0', 'f1', 'f2'];
    const db = assembleCharsDb(fonts, (f, c) => new Float32Array(1024).fill(f + 10 * c), 1);
    // image n is font n mod 3, character floor(n / 3)
    expect(Array.from(db.images.label.subarray(0, 7))).toEqual([1, 1, 1, 2, 2, 2, 3]);
    expect(Array.from(db.images.set.subarray(0, 6))).toEqual([1, 1, 2, 1, 1, 2]);
    expect(db.images.data[4 * 1024]).toBe(1 + 10 * 1); // n = 4: font 1, 'b'
    const v = await readMat(writeMat(charsDbToMat(db)));
    const im = v.images as Record<string, { class: string; dims: number[]; data: ArrayLike<number> }>;
    expect(im.id.class).toBe('double'); expect(im.id.dims).toEqual([1, 78]);
    expect(im.data.class).toBe('single'); expect(im.data.dims).toEqual([32, 32, 78]);
    expect(im.label.dims).toEqual([1, 78]); expect(im.set.dims).toEqual([1, 78]);
    const meta = v.meta as { classes: string; sets: { class: string; data: string[] }; fonts: { dims: number[]; data: string[] } };
    expect(meta.classes).toBe('abcdefghijklmnopqrstuvwxyz');
    expect(meta.sets.class).toBe('cell'); expect(meta.sets.data).toEqual(['train', 'val']);
    expect(meta.fonts.dims).toEqual([1, 3]); expect(meta.fonts.data).toEqual(fonts);
  });
});

describe('initializeCharacterCNN', () => {
  it('is exercise4\'s net: four convs drawn from one stream times 1/100, zero biases, tidied', () => {
    const net = initializeCharacterCNN({ seed: 7 });
    expect(net.layers.map((l) => l.type)).toEqual(['conv', 'pool', 'conv', 'pool', 'conv', 'relu', 'conv', 'softmaxloss']);
    const shapes = [[5, 5, 1, 20], [5, 5, 20, 50], [4, 4, 50, 500], [2, 2, 500, 26]];
    const convs = [0, 2, 4, 6].map((l) => net.layers[l]);
    const total = shapes.reduce((a, s) => a + s[0] * s[1] * s[2] * s[3], 0);
    const stream = randn([total], { seed: 7 }).data;
    let at = 0;
    convs.forEach((ly, k) => {
      const [w, b] = ly.weights as Tensor[];
      expect(w.shape).toEqual(shapes[k]);
      expect(b.shape).toEqual([1, shapes[k][3], 1, 1]);
      expect(Array.from(b.data).every((v) => v === 0)).toBe(true);
      expect(w.data[0]).toBe(Math.fround(stream[at] / 100));
      expect(w.data[w.numel - 1]).toBe(Math.fround(stream[at + w.numel - 1] / 100));
      at += w.numel;
      expect(ly.stride).toBe(1);
      expect(ly.pad).toBe(0);
      expect(ly.dilate).toBe(1);
    });
    expect(net.layers[1].method).toBe('max');
    expect(net.layers[1].pool).toEqual([2, 2]);
    expect(net.layers[1].stride).toBe(2);
    expect(net.layers[5].leak).toBe(0);
  });
});

describe('getBatch and getBatchWithJitter', () => {
  it('getBatch: 256 * data(:,:,batch) as 32x32x1xn and the labels', () => {
    const imdb = codedImdb(5, [1, 1, 1, 2, 2]);
    const [im, labels] = getBatch(imdb, [3, 0]);
    expect(im.shape).toEqual([32, 32, 1, 2]);
    expect(labels).toEqual([4, 1]);
    expect(im.data[0]).toBe(Math.fround(256 * Math.fround(3)));
    expect(im.data[1024 + 5 + 32 * 7]).toBe(256 * Math.fround(0 + 5 / 100 + 7 / 10000));
    expect(() => getBatch(imdb, [5])).toThrow(/batch index 5 is not an image of imdb \(0\.\.4\)/);
  });

  it('randpermK: the first k of a front-to-back Fisher-Yates shuffle', () => {
    // n = 5: i = 0 swaps with 0 + 3 -> 3; i = 1 with 1 + 0 -> 1; i = 2 with 2 + 2 = 4 -> 4
    expect(randpermK(5, 3, scripted([3, 0, 2]))).toEqual([3, 1, 4]);
    // swapped values come back: i = 0 takes 2 (a[2] = 0), i = 1 takes 1 + 1 = 2 -> 0
    expect(randpermK(4, 2, scripted([2, 1]))).toEqual([2, 0]);
  });

  it('getBatchWithJitter: context letters from indices 0..numel(train)-1, min-overlay, one (dx, dy) per batch, rows clamped', () => {
    // 6 images, 4 of them train: randperm(4, n) picks from images 0..3 (whatever their set).
    const imdb = codedImdb(6, [2, 1, 1, 1, 1, 2]);
    // batch [5, 4]: sel1 = randperm(4,2) with draws [1, 2] -> [1, 3]; sel2 draws [0, 0] -> [0, 1];
    // randi(11) -> 9 (dx = 9 - 5 = 4); randi(5) -> 4 (dy = 4 - 1 = 3).
    const [im, labels] = getBatchWithJitter(imdb, [5, 4], scripted([1, 2, 0, 0, 9, 4]));
    expect(labels).toEqual([6, 5]);
    const px = (n: number, r: number, c: number) => n + r / 100 + c / 10000;
    // ctx(r, q) = q < 32 ? im1(r, q) : im2(r, q - 32), and min(., target(r, q - 16)) for q in 16..47
    const ctx = (k: number, r: number, q: number) => {
      const sel1 = [1, 3][k], sel2 = [0, 1][k], target = [5, 4][k];
      let v = q < 32 ? px(sel1, r, q) : px(sel2, r, q - 32);
      if (q >= 16 && q < 48) v = Math.min(v, px(target, r, q - 16));
      return v;
    };
    const dx = 4, dy = 3;
    for (const k of [0, 1]) for (const [r, c] of [[0, 0], [5, 3], [28, 10], [29, 11], [31, 31], [31, 27], [10, 20]]) {
      const rr = Math.min(31, Math.max(0, r + dy));
      const want = 256 * Math.fround(ctx(k, rr, 16 + c + dx));
      expect(im.data[k * 1024 + r + 32 * c]).toBeCloseTo(want, 3);
    }
    // columns 16 + c + dx: c = 27 reaches q = 47 (the overlay's last column), c = 28 q = 48 (im2 alone)
    expect(im.data[1024 * 0 + 0 + 32 * 28]).toBeCloseTo(256 * (0 + 3 / 100 + 16 / 10000), 3);
  });

  it('getBatchWithJitter draws randperm, randperm, randi(11), randi(5) in that order', () => {
    const imdb = codedImdb(30, Array.from({ length: 30 }, (_, i) => (i < 20 ? 1 : 2)));
    const seen: number[] = [];
    getBatchWithJitter(imdb, [1, 2, 3], (m) => { seen.push(m); return 0; });
    expect(seen).toEqual([20, 19, 18, 20, 19, 18, 11, 5]);
  });
});

describe('decodeCharacters', () => {
  it('takes the first maximum of each column of the raw scores (1 x W x 26)', () => {
    const W = 4, C = 26;
    const x = new Float32Array(W * C);
    const put = (j: number, c: number, v: number) => { x[j + W * c] = v; };
    put(0, 19, 5); // 't'
    put(1, 7, 2); put(1, 8, 2); // tie: 'h' (first) wins over 'i'
    put(2, 4, -1); for (let c = 0; c < C; c++) if (c !== 4) put(2, c, -3); // all negative: 'e'
    put(3, 25, NaN); put(3, 0, 1); // NaN ignored: 'a'
    const d = decodeCharacters(new Tensor(x, [1, W, C]));
    expect(d.text).toBe('thea');
    expect(d.pred).toEqual([20, 8, 5, 1]);
    expect(d.score).toEqual([5, 2, -1, 1]);
    expect(d.line).toBe('decodeCharacters: decode chars: thea');
    expect(() => decodeCharacters(new Tensor(new Float32Array(52), [2, 1, 26]))).toThrow(/expected 1 x W x C/);
  });
});

describe('part 4 on a small charsdb (100 fonts, 20 validation)', () => {
  it('charsdb.mat has MatConvNet\'s layout', async () => {
    const v = await readMat(charsdbUrl);
    const im = v.images as Record<string, { class: string; dims: number[]; data: ArrayLike<number> }>;
    expect(im.data.class).toBe('single');
    expect(im.data.dims).toEqual([32, 32, 2600]);
    for (const f of ['id', 'label', 'set'] as const) { expect(im[f].class).toBe('double'); expect(im[f].dims).toEqual([1, 2600]); }
    for (let n = 0; n < 2600; n += 37) {
      expect(im.id.data[n]).toBe(n + 1);
      expect(im.label.data[n]).toBe(Math.floor(n / 100) + 1);
      expect(im.set.data[n]).toBe(n % 100 >= 80 ? 2 : 1);
    }
    const meta = v.meta as { classes: string; fonts: { data: string[] } };
    expect(meta.classes).toBe(CHARSDB_CLASSES);
    expect(meta.fonts.data.length).toBe(100);
    expect([...meta.fonts.data].sort()).toEqual(meta.fonts.data);
    // glyphs are black on white: the corners white, some ink in every glyph
    for (let n = 0; n < 2600; n += 101) {
      const g = (im.data.data as Float32Array).subarray(n * 1024, n * 1024 + 1024);
      expect(g[0]).toBe(1);
      expect(Math.min(...g)).toBeLessThan(0.5);
    }
  });

  it('one epoch of exercise4 (getBatch) ends well below chance; the sentence decodes to 137 characters; charscnn.mat loads', async () => {
    const imdb = prepareCharsDb(await readMat(charsdbUrl));
    const lines: string[] = [];
    const { net, epochs } = await trainCharacterCNN(imdb, { numEpochs: 1, seed: 1, log: (l) => lines.push(l) });
    expect(epochs.length).toBe(1);
    // chance is 1 - 1/26 = 0.96
    expect(epochs[0].top1err).toBeLessThan(0.75);
    expect(epochs[0].top5err).toBeLessThan(0.4);
    expect(lines.some((l) => /^epoch  1: val top1err/.test(l))).toBe(true);
    expect(net.layers.length).toBe(7);
    const sentence = im2single(await imread(sentenceUrl));
    expect(sentence.shape.slice(0, 3)).toEqual([32, 576, 1]);
    const { scores } = runOnSentence(net, sentence);
    expect(scores.shape).toEqual([1, 137, 26, 1]);
    const dec = decodeCharacters(scores);
    expect(dec.text.length).toBe(137);
    const back = await loadSimpleNN(saveCharsCNN(net));
    expect(back.layers.map((l) => l.type)).toEqual(['conv', 'pool', 'conv', 'pool', 'conv', 'relu', 'conv']);
    const vars = await readMat(saveCharsCNN(net));
    expect((vars.imageMean as { class: string; data: Float32Array }).class).toBe('single');
    expect((vars.imageMean as { data: Float32Array }).data[0]).toBe(imdb.imageMean);
    // the figures
    expect(charsFigure(imdb).shape[2]).toBe(3);
    expect(filtersFigure(net.layers[0].weights![0]!).shape.slice(0, 2)).toEqual([4 * 40 + 3 * 16, 5 * 40 + 4 * 16]);
    expect(decodeFigure(sentence, scores, dec).shape[2]).toBe(3);
  }, 180_000);

  it('getBatchWithJitter on charsdb: labels of the batch, images 32x32 in 256 x (0..1 - mean)', async () => {
    const imdb = prepareCharsDb(await readMat(charsdbUrl));
    const [im, labels] = getBatchWithJitter(imdb, [0, 150, 2599], scripted([5, 6, 7, 8, 9, 10, 5, 1]));
    expect(labels).toEqual([1, 2, 26]);
    expect(im.shape).toEqual([32, 32, 1, 3]);
    const lo = 256 * (0 - imdb.imageMean), hi = 256 * (1 - imdb.imageMean);
    for (const v of im.data) { expect(v).toBeGreaterThanOrEqual(lo - 1e-3); expect(v).toBeLessThanOrEqual(hi + 1e-3); }
  });
});
