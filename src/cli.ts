// The `nnblocks` command (Node only): `nnblocks practical [image.png|jpg]` (part 2),
// `nnblocks practical 1 [peppers.png] [--out DIR]` (part 1),
// `nnblocks practical 3 [dots.jpg] [--out DIR]` (part 3) and
// `nnblocks practical 5 [model.mat] [image] [--out DIR]` (part 5).
// Exit codes: 0 all checks within the threshold, 1 a check failed it,
// 2 bad usage or an image that cannot be read.

import { init, im2single, imread, imwrite, practical, PRACTICAL_THRESHOLD, rgb2gray, trainTinyCNN, part3Figures } from './index.js';
import { runPart1, part1Figures, runPart5, loadSimpleNN, readMat, panels, truecolor, Tensor } from './index.js';
import { nodeFs } from './node-fs.js';

// Node's global; declared here only, so the isomorphic sources cannot use it.
declare const process: { argv: string[]; exitCode?: number };

const USAGE = `usage: nnblocks practical [image]
       nnblocks practical 1 [peppers.png] [--out DIR]
       nnblocks practical 3 dots.jpg [--out DIR]
       nnblocks practical 5 [model.mat] [image] [--out DIR]

Part 2 (default): runs back-propagation of the VGG CNN practical on the
image (PNG or JPEG; default: the bundled 384x512 sample) and checks every
derivative numerically. A check passes below ${PRACTICAL_THRESHOLD * 100}% error.

Part 3: trains the tiny blob-detecting CNN of exercise3.m on dots.jpg
(500 iterations of SGD), prints the objective every 10 iterations and the
learned 3x3 filter and bias, and writes the figures as PNGs into DIR
(default ./practical3).

Part 1: the building blocks of exercise1.m (random 5x5x3x10 filters with
stride and padding, a Laplacian, edge filters + ReLU, pool 15, LRN
[5 0 1 0.5]) on an RGB image, printing each result's size and writing the
eight figures as PNGs into DIR (default ./practical1). The practical uses
MATLAB's stock peppers.png (384x512), which nnblocks does not ship; without
an image it uses the bundled 384x512 sample, so the sizes are the script's.

Part 5: loads a MatConvNet model, prints its table, resizes the image to
meta.normalization.imageSize, subtracts averageImage, runs it and prints the
best class and score (and writes DIR/classification.png, default
./practical5). Without a model it uses practical4/charscnn.mat, the
character CNN of part 4, on a 32x32 glyph: the image's first 32x32 crop,
by default of sentence-lato.png (next to the model, or in .). The
practical's ImageNet model, imagenet-vgg-verydeep-16.mat (500 MB), is not
shipped: download it from http://www.vlfeat.org/matconvnet/models/ and run
nnblocks practical 5 imagenet-vgg-verydeep-16.mat [image] (default image:
the bundled sample).`;

const DOTS_NEEDED = `nnblocks practical 3: part 3 needs the practical's dots.jpg, which nnblocks does not ship.
Get data/dots.jpg from the practical's repository (https://github.com/vedaldi/practical-cnn, data/dots.jpg)
and run: nnblocks practical 3 path/to/dots.jpg [--out DIR]`;

async function part3(args: string[]): Promise<number> {
  let out = 'practical3';
  const files: string[] = [];
  for (let k = 0; k < args.length; k++) {
    if (args[k] === '--out') {
      if (k + 1 >= args.length) { console.error('nnblocks practical 3: --out needs a directory'); return 2; }
      out = args[++k];
    } else if (args[k].startsWith('--out=')) out = args[k].slice(6);
    else if (args[k].startsWith('-')) { console.error(`nnblocks practical 3: unknown option ${args[k]}\n\n${USAGE}`); return 2; }
    else files.push(args[k]);
  }
  if (files.length === 0) { console.error(DOTS_NEEDED); return 2; }
  if (files.length > 1) { console.error(USAGE); return 2; }
  await init();
  let im;
  try {
    const x = im2single(await imread(files[0]));
    im = x.shape[2] === 3 ? rgb2gray(x) : x;
    if (im.shape[2] !== 1) throw new Error(`${files[0]} has ${x.shape[2]} channels; part 3 needs a grey or RGB image`);
  } catch (e) {
    console.error(`nnblocks practical 3: ${(e as Error).message}`);
    return 2;
  }
  console.log(`Part 3 of the VGG CNN practical on ${files[0]} (${im.size().join('x')})`);
  let r;
  try {
    r = trainTinyCNN(im, { log: (line) => console.log(line) });
  } catch (e) {
    console.error(`nnblocks practical 3: ${(e as Error).message}`);
    return 2;
  }
  const fs = await nodeFs('nnblocks practical 3');
  await fs.mkdir(out, { recursive: true });
  const figs = part3Figures(r, im);
  for (const [name, t] of Object.entries(figs)) await imwrite(t, `${out}/${name}`);
  console.log(`Figures written to ${out}/: ${Object.keys(figs).join(', ')}`);
  return 0;
}

// --- parts 1 and 5 ---
/** `[files, out]` from the arguments of a part, or null (the error printed) on a bad option. */
function partArgs(who: string, args: string[], out: string): { files: string[]; out: string } | null {
  const files: string[] = [];
  for (let k = 0; k < args.length; k++) {
    if (args[k] === '--out') {
      if (k + 1 >= args.length) { console.error(`${who}: --out needs a directory`); return null; }
      out = args[++k];
    } else if (args[k].startsWith('--out=')) out = args[k].slice(6);
    else if (args[k].startsWith('-')) { console.error(`${who}: unknown option ${args[k]}\n\n${USAGE}`); return null; }
    else files.push(args[k]);
  }
  return { files, out };
}

async function writeFigures(who: string, out: string, figs: Record<string, Tensor>): Promise<void> {
  const fs = await nodeFs(who);
  await fs.mkdir(out, { recursive: true });
  for (const [name, t] of Object.entries(figs)) await imwrite(t, `${out}/${name}`);
  console.log(`Figures written to ${out}/: ${Object.keys(figs).join(', ')}`);
}

const SAMPLE = (): URL => new URL('./sample.png', import.meta.url);

async function part1(args: string[]): Promise<number> {
  const who = 'nnblocks practical 1';
  const a = partArgs(who, args, 'practical1');
  if (a === null) return 2;
  if (a.files.length > 1) { console.error(USAGE); return 2; }
  await init();
  const name = a.files[0] ?? 'the bundled sample.png (peppers.png is not shipped)';
  let x;
  try {
    x = im2single(await imread(a.files[0] ?? SAMPLE()));
    if (x.shape[2] === 4) x = new Tensor(x.data.slice(0, x.shape[0] * x.shape[1] * 3), [x.shape[0], x.shape[1], 3]); // alpha dropped
    if (x.shape[2] !== 3) throw new Error(`${name} has ${x.shape[2]} channel(s); part 1 needs an RGB image (its filters are 5x5x3)`);
  } catch (e) {
    console.error(`${who}: ${(e as Error).message}`);
    return 2;
  }
  console.log(`Part 1 of the VGG CNN practical on ${name} (${x.size().join('x')})`);
  let r;
  try {
    r = runPart1(x, { log: (line) => console.log(line) });
  } catch (e) {
    console.error(`${who}: ${(e as Error).message}`);
    return 2;
  }
  await writeFigures(who, a.out, part1Figures(r));
  return 0;
}

const DEFAULT_MODEL = 'practical4/charscnn.mat';
const NO_MODEL = `nnblocks practical 5: no model given and ${DEFAULT_MODEL} is not there.
Run nnblocks practical 4 first (it trains the character CNN and saves ${DEFAULT_MODEL}),
or pass a MatConvNet model: the practical's imagenet-vgg-verydeep-16.mat (500 MB, not shipped) is at
http://www.vlfeat.org/matconvnet/models/imagenet-vgg-verydeep-16.mat; then run
nnblocks practical 5 path/to/imagenet-vgg-verydeep-16.mat [image]`;

async function part5(args: string[]): Promise<number> {
  const who = 'nnblocks practical 5';
  const a = partArgs(who, args, 'practical5');
  if (a === null) return 2;
  if (a.files.length > 2) { console.error(USAGE); return 2; }
  await init();
  const model = a.files[0] ?? DEFAULT_MODEL;
  const fs = await nodeFs(who);
  let net, imageMean: number | undefined;
  try {
    await fs.readdir(model.includes('/') ? model.slice(0, model.lastIndexOf('/')) || '/' : '.').then((names) => {
      if (!names.includes(model.slice(model.lastIndexOf('/') + 1))) throw new Error('missing');
    });
  } catch {
    console.error(a.files[0] === undefined ? NO_MODEL : `${who}: cannot read the model '${model}': no such file`);
    return 2;
  }
  try {
    net = await loadSimpleNN(model);
    const meta = (net.meta ?? {}) as Record<string, unknown>;
    if (meta.normalization === undefined && (net as unknown as Record<string, unknown>).normalization === undefined) {
      // charscnn.mat (exercise4's save -struct net): layers, meta and a top-level imageMean.
      const m = (await readMat(model)).imageMean as { data?: ArrayLike<number> } | number | undefined;
      const v = typeof m === 'number' ? m : m?.data !== undefined && m.data.length === 1 ? Number(m.data[0]) : undefined;
      if (v === undefined) throw new Error(`${model} has neither meta.normalization (a zoo model's) nor a scalar imageMean (charscnn.mat's)`);
      imageMean = v;
    }
  } catch (e) {
    console.error(`${who}: ${(e as Error).message}`);
    return 2;
  }
  const chars = imageMean !== undefined;
  let image = a.files[1];
  if (image === undefined && chars) {
    const dir = model.includes('/') ? model.slice(0, model.lastIndexOf('/')) : '.';
    for (const d of [dir, '.']) {
      const names = await fs.readdir(d).catch(() => [] as string[]);
      if (names.includes('sentence-lato.png')) { image = `${d}/sentence-lato.png`; break; }
    }
    if (image === undefined) {
      console.error(`${who}: ${model} is a character CNN; give it an image of a glyph (its first 32x32 crop is classified), ` +
        'or make sentence-lato.png with nnblocks charsdb');
      return 2;
    }
  }
  let im;
  try {
    im = im2single(await imread(image ?? SAMPLE()));
    const [H, W, C] = im.shape;
    if (C === 4 || C === 2) im = new Tensor(im.data.slice(0, H * W * (C - 1)), [H, W, C - 1]); // alpha dropped
    if (chars && (H < 32 || W < 32)) throw new Error(`${image} is ${H}x${W}; a glyph for the character CNN is at least 32x32`);
    if (chars && (H > 32 || W > 32)) {
      // The first 32x32 crop (rows 0..31, columns 0..31): one character of a 32-pixel-high line.
      const c = im.shape[2], out = new Float32Array(32 * 32 * c);
      for (let k = 0; k < c; k++) for (let j = 0; j < 32; j++) out.set(im.data.subarray(H * (j + W * k), H * (j + W * k) + 32), 32 * (j + 32 * k));
      im = new Tensor(out, [32, 32, c]);
    }
  } catch (e) {
    console.error(`${who}: ${(e as Error).message}`);
    return 2;
  }
  const shown = im;
  console.log(`Part 5 of the VGG CNN practical: ${model} on ${image ?? 'the bundled sample.png (peppers.png is not shipped)'}` +
    `${chars ? ' (its first 32x32 crop)' : ''}`);
  let r;
  try {
    // exercise5: im_ = single(im), the 0..255 range; the character CNN takes im2single's [0, 1].
    const x = chars ? im : new Tensor(im.data.map((v) => 255 * v), im.shape);
    r = runPart5(net, x, { imageMean, log: (line) => console.log(line) });
  } catch (e) {
    console.error(`${who}: ${(e as Error).message}`);
    return 2;
  }
  // figure(1) ; imagesc(im) ; axis image ; title(sprintf('%s (%d), score %.3f', ...))
  const pic = chars ? grow(shown, 4) : shown;
  await writeFigures(who, a.out, { 'classification.png': panels([{ image: truecolor(pic), title: r.title }]) });
  return 0;
}

/** Each pixel as an s x s block (a 32x32 glyph is too small to see). */
function grow(x: Tensor, s: number): Tensor {
  const [H, W, C] = x.shape, out = new Float32Array(H * s * W * s * C);
  for (let k = 0; k < C; k++) for (let j = 0; j < W * s; j++) for (let i = 0; i < H * s; i++) {
    out[i + H * s * (j + W * s * k)] = x.data[Math.floor(i / s) + H * (Math.floor(j / s) + W * k)];
  }
  return new Tensor(out, [H * s, W * s, C]);
}
// --- end parts 1 and 5 ---

async function main(argv: string[]): Promise<number> {
  const [cmd, file, ...rest] = argv;
  if (cmd === '--help' || cmd === '-h' || cmd === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (cmd === 'practical' && file === '3') return part3(rest);
  if (cmd === 'practical' && file === '1') return part1(rest);
  if (cmd === 'practical' && file === '5') return part5(rest);
  if (cmd !== 'practical' || rest.length > 0) {
    console.error(USAGE);
    return 2;
  }
  await init();
  const source = file ?? new URL('./sample.png', import.meta.url);
  const name = file ?? 'the bundled sample.png';
  let x;
  try {
    x = im2single(await imread(source));
  } catch (e) {
    console.error(`nnblocks practical: ${(e as Error).message}`);
    return 2;
  }
  // 5x5 filters, then a 10x10 pool: the image needs 14 pixels a side.
  if (x.shape[0] < 14 || x.shape[1] < 14) {
    console.error(`nnblocks practical: ${name} is ${x.shape[0]}x${x.shape[1]}; part 2 needs at least 14x14 (5x5 filters, then pool 10)`);
    return 2;
  }
  console.log(`Part 2 of the VGG CNN practical on ${name} (${x.size().join('x')})`);
  const report = practical(x, (line) => console.log(line));
  const failed = report.checks.filter((c) => !c.ok);
  if (failed.length > 0) {
    console.log(`FAILED: ${failed.map((c) => c.name).join('; ')} above ${PRACTICAL_THRESHOLD * 100}% error`);
    return 1;
  }
  console.log(`All ${report.checks.length} derivative checks within ${PRACTICAL_THRESHOLD * 100}% error.`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e: unknown) => { console.error(`nnblocks: ${(e as Error).stack ?? String(e)}`); process.exitCode = 1; },
);
