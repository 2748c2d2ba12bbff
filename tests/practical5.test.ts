// Part 5 of the practical (exercise5.m) as a function, on small zoo-shaped nets built, saved with
// saveSimpleNN and loaded back with loadSimpleNN here: meta.normalization (imageSize, averageImage
// as one value per channel or as a whole image) and meta.classes.description, as MatConvNet's
// model files hold them; and a character net shaped as part 4's charscnn.mat (imageMean).
/// <reference types="vite/client" />
import { beforeAll, describe, expect, it } from 'vitest';
import { init, Tensor, zeros, imresize, simplenn, saveSimpleNN, loadSimpleNN, runPart5, type SimpleNN } from '../src/index.js';

beforeAll(() => init());

// Octave-written zoo-layout files (tools/make-net-fixtures.m), inlined by Vite so Chromium reads them too.
const nets = import.meta.glob('./fixtures/nets/*.mat', { query: '?inline', import: 'default', eager: true }) as Record<string, string>;
const netBytes = (name: string): Uint8Array => {
  const url = nets[`./fixtures/nets/${name}`];
  return Uint8Array.from(atob(url.slice(url.indexOf(',') + 1)), (c) => c.charCodeAt(0));
};

const COLOURS = ['red thing', 'green thing', 'blue thing'];

/**
 * An 8x8x3 -> 3 classes net: conv filter k averages channel k (weights 1/64 there, 0 elsewhere), then
 * softmax; so the class is the channel whose mean, after averageImage, is largest.
 */
function colourNet(averageImage: unknown): SimpleNN {
  const w = new Float32Array(8 * 8 * 3 * 3);
  for (let k = 0; k < 3; k++) for (let p = 0; p < 64; p++) w[p + 64 * (k + 3 * k)] = 1 / 64;
  return {
    layers: [
      { type: 'conv', name: 'fc', weights: [new Tensor(w, [8, 8, 3, 3]), zeros([1, 3])], stride: 1, pad: 0 } as never,
      { type: 'softmax', name: 'prob' },
    ],
    meta: {
      normalization: { imageSize: [8, 8, 3, 1], averageImage, interpolation: 'bicubic', keepAspect: false },
      classes: { name: ['n001', 'n002', 'n003'], description: COLOURS },
    },
  };
}

/** An H x W RGB image in 0..255 (exercise5's single(imread(...))), colour c(i, j). */
function image(H: number, W: number, c: (i: number, j: number) => [number, number, number]): Tensor {
  const d = new Float32Array(H * W * 3);
  for (let j = 0; j < W; j++) for (let i = 0; i < H; i++) c(i, j).forEach((v, k) => { d[i + H * (j + W * k)] = v; });
  return new Tensor(d, [H, W, 3]);
}

const saved = async (net: SimpleNN) => loadSimpleNN(saveSimpleNN(net));

describe('runPart5 (exercise5.m) on a zoo-shaped net', () => {
  it('prints the table, resizes, subtracts a per-channel averageImage, and prints the best class as the title', async () => {
    const net = await saved(colourNet([100, 100, 100]));
    // Green is the brightest channel of this 30x40 picture.
    const im = image(30, 40, (i, j) => [120 + i, 180 + (j % 7), 60]);
    const r = runPart5(net, im);
    expect(r.kind).toBe('zoo');
    expect(r.input.size()).toEqual([8, 8, 3]);
    // The input is imresize(im, [8 8]) minus 100 in every channel.
    const want = imresize(im, [8, 8]);
    want.data.forEach((v, n) => expect(r.input.data[n]).toBeCloseTo(v - 100, 3));
    expect(r.best).toBe(2);
    expect(r.description).toBe('green thing');
    expect(r.title).toBe(`green thing (2), score ${r.bestScore.toFixed(3)}`);
    expect(r.lines.at(-1)).toBe(`best class: ${r.title}`);
    // simplennDisplay's table comes first.
    expect(r.lines.slice(0, 12).join('\n')).toMatch(/layer\|.*fc.*prob/s);
    expect(r.lines).toContain('im_ = imresize(single(im), [8 8])   size 8x8x3');
    expect(r.lines).toContain('im_ = bsxfun(@minus, im_, averageImage)   averageImage 1x3');
    // The scores are simplenn's on that input.
    const y = simplenn(net, r.input).at(-1)!.x!;
    expect(Array.from(r.scores)).toEqual(Array.from(y.data));
    expect(r.scores.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
  });

  it('subtracts a whole-image averageImage (HxWx3) element by element: it can change the answer', async () => {
    // The image is grey 100 everywhere; the average image is dark in red only, so red wins after subtraction.
    const avg = image(8, 8, () => [10, 90, 90]);
    const net = await saved(colourNet(avg));
    const r = runPart5(net, image(16, 16, () => [100, 100, 100]));
    expect(r.lines).toContain('im_ = bsxfun(@minus, im_, averageImage)   averageImage 8x8x3');
    expect(r.best).toBe(1);
    expect(r.description).toBe('red thing');
    for (let p = 0; p < 64; p++) expect(r.input.data[p]).toBeCloseTo(90, 3);
    // and with a per-channel average that is dark in blue, blue wins
    expect(runPart5(await saved(colourNet([90, 90, 10])), image(16, 16, () => [100, 100, 100])).description).toBe('blue thing');
  });

  it('repeats a grey picture to the three channels the model takes', async () => {
    const net = await saved(colourNet([10, 20, 5]));
    const grey = new Tensor(new Float32Array(12 * 12).fill(100), [12, 12]);
    const r = runPart5(net, grey);
    expect(r.lines).toContain('im_ = repmat(im_, [1 1 3])   the image is grey, the model takes 3 channels');
    expect(r.input.size()).toEqual([8, 8, 3]);
    expect(r.description).toBe('blue thing');
    expect(grey.shape).toEqual([12, 12, 1, 1]);
  });

  it('takes the first maximum (MATLAB\'s max) and names a class without descriptions by its name', async () => {
    const net = colourNet([]);
    (net.meta as any).classes = { name: ['a', 'b', 'c'] };
    const r = runPart5(await saved(net), image(8, 8, () => [50, 50, 50]));
    expect(r.best).toBe(1);
    expect(r.description).toBe('a');
    expect(r.lines).toContain('im_ = bsxfun(@minus, im_, averageImage)   averageImage empty');
  });

  it('refuses an averageImage of the wrong size, and a net it cannot prepare input for', async () => {
    const net = await saved(colourNet([1, 2]));
    expect(() => runPart5(net, image(8, 8, () => [1, 1, 1]))).toThrow(/runPart5: meta\.normalization\.averageImage is 1x2; for a 8x8x3 input/);
    const bare = await saved({ layers: colourNet(0).layers });
    expect(() => runPart5(bare, image(8, 8, () => [1, 1, 1]))).toThrow(/no meta\.normalization\.imageSize .* and no imageMean/);
  });
});

describe('runPart5 on the Octave-written zoo files', () => {
  it('zoo_v7.mat (averageImage 1x1x3 double, imageSize [8 8 3 10], an LRN, Caffe pool padding): the input and scores by hand', async () => {
    const net = await loadSimpleNN(netBytes('zoo_v7.mat'));
    const im = image(20, 24, (i, j) => [(7 * i + 3 * j) % 256, (255 - 5 * j) % 256, (11 * i) % 256]);
    const r = runPart5(net, im);
    expect(r.lines).toContain('im_ = bsxfun(@minus, im_, averageImage)   averageImage 1x1x3');
    const resized = imresize(im, [8, 8]);
    const mean = [123.68, 116.779, 103.939];
    resized.data.forEach((v, n) => expect(r.input.data[n]).toBeCloseTo(v - mean[Math.floor(n / 64)], 3));
    const y = simplenn(net, r.input).at(-1)!.x!;
    expect(Array.from(r.scores)).toEqual(Array.from(y.data));
    const best = y.data[1] > y.data[0] ? 2 : 1;
    expect(r.best).toBe(best);
    expect(r.description).toBe(['tench, Tinca tinca', 'goldfish, Carassius auratus'][best - 1]);
    expect(r.lines.join('\n')).toMatch(/for batch size 10/);
  });

  it('legacy_v6.mat (top-level normalization and classes, a grey 3x3 input, averageImage single 0.5)', async () => {
    const net = await loadSimpleNN(netBytes('legacy_v6.mat'));
    const im = new Tensor(Float32Array.from({ length: 36 }, (_, n) => (n * 37) % 200), [6, 6, 1]);
    const r = runPart5(net, im);
    expect(r.input.size()).toEqual([3, 3]);
    const resized = imresize(im, [3, 3]);
    resized.data.forEach((v, n) => expect(r.input.data[n]).toBeCloseTo(v - 0.5, 3));
    // Its 2x2 filters leave a 2x2x3 output on the 3x3 input: not one score per class, which is said.
    expect(r.scores).toHaveLength(12);
    expect(r.lines).toContain('note: the last output is 2x2x3, not one score per class; max is taken over all of it');
    expect(r.description).toBe(`class ${r.best}`);
  });
});

describe('runPart5 on a character net (charscnn.mat: no normalization, imageMean)', () => {
  /** 32x32x1 -> 26: filter k is the picture of a vertical bar at column k (1 inside), so the bar's column wins. */
  function charNet(): SimpleNN {
    const w = new Float32Array(32 * 32 * 26);
    for (let k = 0; k < 26; k++) for (let i = 0; i < 32; i++) w[i + 32 * (k + 3) + 1024 * k] = 1;
    return { layers: [{ type: 'conv', name: 'conv', weights: [new Tensor(w, [32, 32, 1, 26]), zeros([1, 26])], stride: 1, pad: 0 } as never] };
  }
  const bar = (col: number, H = 32, W = 32) => {
    const d = new Float32Array(H * W).fill(0.2);
    for (let i = 0; i < H; i++) d[i + H * col] = 1;
    return new Tensor(d, [H, W]);
  };

  it('prepares 256 * (im - imageMean), runs and names the letter a..z', async () => {
    const net = await saved(charNet());
    const r = runPart5(net, bar(3 + 7), { imageMean: 0.2 });
    expect(r.kind).toBe('characters');
    expect(r.best).toBe(8);
    expect(r.description).toBe('h');
    expect(r.bestScore).toBeCloseTo(32 * 256 * 0.8, 2);
    expect(r.input.data[0]).toBeCloseTo(0, 5);
    expect(r.lines).toContain('im = 256 * (im - net.imageMean)   imageMean 0.2000, size 32x32');
    expect(r.title).toBe(`h (8), score ${r.bestScore.toFixed(3)}`);
  });

  it('makes an RGB glyph grey and resizes one that is not 32x32', async () => {
    const net = await saved(charNet());
    const g = bar(3, 32, 32);
    const rgb = new Tensor(Float32Array.from([...g.data, ...g.data, ...g.data]), [32, 32, 3]);
    expect(runPart5(net, rgb, { imageMean: 0.2 }).description).toBe('a');
    const wide = imresize(bar(3 + 25), [64, 64]);
    const r = runPart5(net, wide, { imageMean: 0.2 });
    expect(r.lines).toContain('im = imresize(im, [32 32])');
    expect(r.description).toBe('z');
  });
});
