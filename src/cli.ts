// The `nnblocks` command (Node only): `nnblocks practical [image.png|jpg]` (part 2),
// `nnblocks practical 1 [peppers.png] [--out DIR]` (part 1),
// `nnblocks practical 3 [dots.jpg] [--out DIR]` (part 3),
// `nnblocks charsdb` and `nnblocks practical 4` (part 4) and
// `nnblocks practical 5 [model.mat] [image] [--out DIR]` (part 5).
// Exit codes: 0 all checks within the threshold, 1 a check failed it,
// 2 bad usage or an image that cannot be read.

import { init, threadCount, im2single, imread, imwrite, practical, PRACTICAL_THRESHOLD, rgb2gray, trainTinyCNN, part3Figures, syntheticDots } from './index.js';
import { runPart1, part1Figures, runPart5, loadSimpleNN, readMat, panels, truecolor, Tensor } from './index.js';
import { nodeFs } from './node-fs.js';
import { prepareCharsDb, trainCharacterCNN, runOnSentence, decodeCharacters, saveCharsCNN, charsFigure, filtersFigure, decodeFigure } from './index.js';

// Node's global; declared here only, so the isomorphic sources cannot use it.
declare const process: { argv: string[]; exitCode?: number; stderr: { isTTY?: boolean; write(s: string): boolean } };

const USAGE = `usage: nnblocks practical [2] [image]
       nnblocks practical 1 [peppers.png] [--out DIR]
       nnblocks practical 3 [dots.jpg] [--out DIR]
       nnblocks charsdb [--out DIR] [--cache DIR] [--sample N] [--val K] [--quiet]
       nnblocks practical 4 [charsdb.mat] [--epochs N] [--out DIR] [--no-jitter|--jitter-only]
                            [--seed S] [--epoch-size N] [--sentence FILE] [--quiet]
       nnblocks practical 5 [model.mat] [image] [--out DIR]
Every command also takes --threads N: the blocks' threads, the calling one
included (default: every core; 1 runs on the calling thread alone).

Part 2 (default): runs back-propagation of the VGG CNN practical on the
image (PNG or JPEG; default: the bundled 384x512 sample) and checks every
derivative numerically. A check passes below ${PRACTICAL_THRESHOLD * 100}% error.

Part 1: the building blocks of exercise1.m (random 5x5x3x10 filters with
stride and padding, a Laplacian, edge filters + ReLU, pool 15, LRN
[5 0 1 0.5]) on an RGB image, printing each result's size and writing the
eight figures as PNGs into DIR (default ./practical1). The practical uses
MATLAB's stock peppers.png (384x512), which nnblocks does not ship; without
an image it uses the bundled 384x512 sample, so the sizes are the script's.

Part 3: trains the tiny blob-detecting CNN of exercise3.m on dots.jpg
(500 iterations of SGD), prints the objective every 10 iterations and the
learned 3x3 filter and bias, and writes the figures as PNGs into DIR
(default ./practical3). nnblocks does not ship the practical's dots.jpg
(get data/dots.jpg from https://github.com/vedaldi/practical-cnn); without
an image it trains on a synthetic 320x320 picture of dark blobs drawn by
syntheticDots().

charsdb: builds charsdb.mat (32x32 glyphs a-z of every static font of the
Google families on npm as @fontsource/* that cover latin-ext; the last 350
fonts are validation) and sentence-lato.png into DIR (default .). The font
packages are fetched from the npm registry into a cache (--cache DIR,
default ~/.cache/nnblocks/fonts); needs @napi-rs/canvas installed.
--sample N keeps N fonts spread evenly over the sorted list and --val K makes
the last K of them validation (350), for small data sets.

Part 4: trains the character CNN of exercise4.m on charsdb.mat (default
./charsdb.mat) with cnn_train's options (batches of 100, 15 epochs, learning
rate 0.001), decodes sentence-lato.png (next to charsdb.mat), then the same
with jittered batches; writes charscnn.mat, charscnn-jit.mat and the figures
into DIR (default ./practical4).

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

const DOTS_NOT_SHIPPED = `(nnblocks does not ship the practical's dots.jpg: get data/dots.jpg from
https://github.com/vedaldi/practical-cnn and run: nnblocks practical 3 path/to/dots.jpg)`;

async function part3(args: string[]): Promise<number> {
  const who = 'nnblocks practical 3';
  const a = partArgs(who, args, 'practical3');
  if (a === null) return 2;
  const files = a.files;
  if (files.length > 1) { console.error(USAGE); return 2; }
  await init(initOptions);
  let im;
  try {
    if (files.length === 0) im = syntheticDots();
    else {
      const x = im2single(await imread(files[0]));
      im = x.shape[2] === 3 ? rgb2gray(x) : x;
      if (im.shape[2] !== 1) throw new Error(`${files[0]} has ${x.shape[2]} channels; part 3 needs a grey or RGB image`);
    }
  } catch (e) {
    console.error(`${who}: ${(e as Error).message}`);
    return 2;
  }
  console.log(`Part 3 of the VGG CNN practical on ${files[0] ?? 'the synthetic blob picture of syntheticDots()'} (${im.size().join('x')})`);
  if (files.length === 0) console.log(DOTS_NOT_SHIPPED);
  let r;
  try {
    r = trainTinyCNN(im, { log: (line) => console.log(line) });
  } catch (e) {
    console.error(`${who}: ${(e as Error).message}`);
    return 2;
  }
  await writeFigures(who, a.out, part3Figures(r, im));
  return 0;
}

// --- the parts' shared argument parsing and figure writing ---
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
  await init(initOptions);
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
  await init(initOptions);
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
// --- part 4 (charsdb, practical 4) ---
function optionArgs(who: string, args: string[], valued: readonly string[], flags: readonly string[]):
  { opts: Record<string, string | true>; files: string[] } | null {
  const opts: Record<string, string | true> = {};
  const files: string[] = [];
  for (let k = 0; k < args.length; k++) {
    const a = args[k];
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (valued.includes(name)) {
      if (eq > 0) opts[name] = a.slice(eq + 1);
      else if (k + 1 < args.length) opts[name] = args[++k];
      else { console.error(`${who}: ${name} needs a value`); return null; }
    } else if (flags.includes(a)) opts[a] = true;
    else if (a.startsWith('-')) { console.error(`${who}: unknown option ${a}\n\n${USAGE}`); return null; }
    else files.push(a);
  }
  return { opts, files };
}

async function charsdb(args: string[]): Promise<number> {
  const who = 'nnblocks charsdb';
  const parsed = optionArgs(who, args, ['--out', '--cache', '--sample', '--val'], ['--quiet']);
  if (!parsed || parsed.files.length > 0) { if (parsed) console.error(USAGE); return 2; }
  const count = (name: string): number | undefined | null => {
    const v = parsed.opts[name];
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) { console.error(`${who}: ${name} must be an integer >= 1, got ${String(v)}`); return null; }
    return n;
  };
  const sample = count('--sample'), valFonts = count('--val');
  if (sample === null || valFonts === null) return 2;
  const { buildCharsDb } = await import('./practical/part4-fonts.js');
  try {
    await buildCharsDb({
      out: (parsed.opts['--out'] as string | undefined) ?? '.',
      cache: parsed.opts['--cache'] as string | undefined,
      progress: parsed.opts['--quiet'] !== true,
      ...(sample === undefined ? {} : { sample }),
      ...(valFonts === undefined ? {} : { valFonts }),
    });
  } catch (e) {
    console.error(`${who}: ${(e as Error).message}`);
    return 1;
  }
  return 0;
}
const CHARSDB_NEEDED = (file: string) => `nnblocks practical 4: ${file} not found. Build charsdb first (fetches the fonts from the npm registry):
  nnblocks charsdb            (writes charsdb.mat and sentence-lato.png here; needs npm install @napi-rs/canvas)
then run: nnblocks practical 4 [path/to/charsdb.mat] [--epochs N] [--out DIR]`;

async function part4(args: string[]): Promise<number> {
  const who = 'nnblocks practical 4';
  const parsed = optionArgs(who, args, ['--out', '--epochs', '--sentence', '--seed', '--epoch-size'], ['--jitter-only', '--no-jitter', '--quiet']);
  if (!parsed || parsed.files.length > 1) { if (parsed) console.error(USAGE); return 2; }
  const { opts } = parsed;
  const num = (name: string, dflt: number, min: number): number | null => {
    const v = opts[name];
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) { console.error(`${who}: ${name} must be an integer >= ${min}, got ${String(v)}`); return null; }
    return n;
  };
  const epochs = num('--epochs', 15, 1), seed = num('--seed', 1, 0), epochSize = num('--epoch-size', 0, 0);
  if (epochs === null || seed === null || epochSize === null) return 2;
  if (opts['--jitter-only'] && opts['--no-jitter']) { console.error(`${who}: --jitter-only and --no-jitter exclude each other`); return 2; }
  const out = (opts['--out'] as string | undefined) ?? 'practical4';
  const dbFile = parsed.files[0] ?? 'charsdb.mat';
  const sentenceFile = (opts['--sentence'] as string | undefined) ?? dbFile.replace(/[^/\\]*$/, 'sentence-lato.png');
  await init(initOptions);
  const fs = await nodeFs(who);
  let vars;
  try {
    vars = await readMat(dbFile);
  } catch (e) {
    console.error(/ENOENT|no such file/i.test((e as Error).message) ? CHARSDB_NEEDED(dbFile) : `${who}: ${(e as Error).message}`);
    return 2;
  }
  let sentence;
  try {
    sentence = im2single(await imread(sentenceFile));
    if (sentence.shape[2] === 3) sentence = rgb2gray(sentence);
  } catch (e) {
    console.error(`${who}: cannot read the sentence image ${sentenceFile} (nnblocks charsdb writes it next to charsdb.mat): ${(e as Error).message}`);
    return 2;
  }
  const t0 = Date.now();
  const imdb = prepareCharsDb(vars);
  const ntrain = Array.from(imdb.images.set).filter((v) => v === 1).length;
  console.log(`Part 4 of the VGG CNN practical on ${dbFile}: ${imdb.images.label.length} images of ${imdb.meta.fonts.length} fonts ` +
    `(${ntrain} train, ${imdb.images.label.length - ntrain} val), imageMean ${imdb.imageMean.toPrecision(6)}; ` +
    `${threadCount()} thread${threadCount() === 1 ? '' : 's'} (--threads N)`);
  await fs.mkdir(out, { recursive: true });
  const written: string[] = [];
  const write = async (name: string, t: Parameters<typeof imwrite>[0]) => { await imwrite(t, `${out}/${name}`); written.push(name); };
  await write('chars-a.png', charsFigure(imdb));
  const tty = !!process.stderr.isTTY;
  const err = process.stderr;
  const runs = opts['--jitter-only'] ? [true] : opts['--no-jitter'] ? [false] : [false, true];
  const summary: string[] = [];
  for (const jitter of runs) {
    const tag = jitter ? 'jit' : '';
    console.log(`\n== ${jitter ? 'Part 4.6: with jitter (getBatchWithJitter)' : 'Part 4.2-4.5: getBatch'}; ${epochs} epochs of batches of 100, learning rate 0.001 ==`);
    const expDir = `${out}/chars${jitter ? '-jit' : ''}-experiment`;
    const { net, epochs: reps } = await trainCharacterCNN(imdb, {
      jitter, numEpochs: epochs, expDir, seed: seed + (jitter ? 1 : 0), jitterSeed: seed,
      ...(epochSize > 0 ? { epochSize } : {}),
      log: (line) => { if (tty) err.write('\r\x1b[K'); console.log(line); },
      onBatch: (line) => {
        if (opts['--quiet']) return;
        if (tty) err.write(`\r\x1b[K${line}`);
        else if (/: +1\/|: *(\d+)\/ *\1:/.test(line)) console.log(line);
      },
    });
    if (tty) err.write('\r\x1b[K');
    const matName = jitter ? 'charscnn-jit.mat' : 'charscnn.mat';
    await fs.writeFile(`${out}/${matName}`, saveCharsCNN(net));
    written.push(matName);
    if (!jitter) await write('filters.png', filtersFigure(net.layers[0].weights![0]!));
    const { scores } = runOnSentence(net, sentence);
    const dec = decodeCharacters(scores, imdb.meta.classes);
    console.log(dec.line);
    await write(`decode${tag ? '-' + tag : ''}.png`, decodeFigure(sentence, scores, dec));
    if (reps.length > 0) {
      const mean = reps.reduce((a, r) => a + r.seconds, 0) / reps.length;
      const ips = reps.reduce((a, r) => a + r.imagesPerSecond, 0) / reps.length;
      summary.push(`${jitter ? 'with jitter   ' : 'without jitter'}: val top1err ${reps[reps.length - 1].top1err.toFixed(4)} top5err ` +
        `${reps[reps.length - 1].top5err.toFixed(4)} after epoch ${reps[reps.length - 1].epoch}; ${mean.toFixed(1)} s per epoch, ${ips.toFixed(1)} train images/s`);
    }
    summary.push(`  decoded: ${dec.text}`);
    written.push(`chars${jitter ? '-jit' : ''}-experiment/net-train.png`);
  }
  console.log(`\n${summary.join('\n')}`);
  console.log(`Part 4 took ${((Date.now() - t0) / 1000).toFixed(1)} s. Written to ${out}/: ${written.join(', ')}`);
  return 0;
}
// --- end part 4 ---

/** `--threads N` (any command): init()'s thread count; default every core where workers run. */
let initOptions: { threads?: number } = {};

/** argv without `--threads N` / `--threads=N`, which sets initOptions; null on a bad value. */
function takeThreads(argv: string[]): string[] | null {
  const out: string[] = [];
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k];
    if (a !== '--threads' && !a.startsWith('--threads=')) { out.push(a); continue; }
    const v = a === '--threads' ? argv[++k] : a.slice(10);
    const n = Number(v);
    if (v === undefined || !Number.isInteger(n) || n < 1) {
      console.error(`nnblocks: --threads needs a whole number >= 1, got ${v === undefined ? 'nothing' : `"${v}"`}`);
      return null;
    }
    initOptions = { threads: n };
  }
  return out;
}

async function main(all: string[]): Promise<number> {
  const argv = takeThreads(all);
  if (argv === null) return 2;
  const [cmd, part, ...rest] = argv;
  if (cmd === 'charsdb') return charsdb(argv.slice(1));
  if (cmd === 'practical' && part === '4') return part4(rest);
  if (cmd === '--help' || cmd === '-h' || cmd === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (cmd === 'practical' && part === '3') return part3(rest);
  if (cmd === 'practical' && part === '1') return part1(rest);
  if (cmd === 'practical' && part === '5') return part5(rest);
  // `practical [image]` and `practical 2 [image]` are both part 2 (API.md: part 2 by default).
  const args = cmd === 'practical' && part === '2' ? rest : [part, ...rest].filter((a) => a !== undefined);
  if (cmd !== 'practical' || args.length > 1) {
    console.error(USAGE);
    return 2;
  }
  await init(initOptions);
  const image = args[0];
  const source = image ?? new URL('./sample.png', import.meta.url);
  const name = image ?? 'the bundled sample.png';
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
