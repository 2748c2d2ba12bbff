// The `nnblocks` command (Node only): `nnblocks practical [image.png|jpg]` (part 2)
// and `nnblocks practical 3 [dots.jpg] [--out DIR]` (part 3).
// Exit codes: 0 all checks within the threshold, 1 a check failed it,
// 2 bad usage or an image that cannot be read.

import { init, im2single, imread, imwrite, practical, PRACTICAL_THRESHOLD, rgb2gray, trainTinyCNN, part3Figures } from './index.js';
import { nodeFs } from './node-fs.js';

// Node's global; declared here only, so the isomorphic sources cannot use it.
declare const process: { argv: string[]; exitCode?: number };

const USAGE = `usage: nnblocks practical [image]
       nnblocks practical 3 dots.jpg [--out DIR]
       nnblocks charsdb [--out DIR] [--cache DIR] [--quiet]

Part 2 (default): runs back-propagation of the VGG CNN practical on the
image (PNG or JPEG; default: the bundled 384x512 sample) and checks every
derivative numerically. A check passes below ${PRACTICAL_THRESHOLD * 100}% error.

Part 3: trains the tiny blob-detecting CNN of exercise3.m on dots.jpg
(500 iterations of SGD), prints the objective every 10 iterations and the
learned 3x3 filter and bias, and writes the figures as PNGs into DIR
(default ./practical3).

charsdb: builds charsdb.mat (32x32 glyphs a-z of every static font of the
Google families on npm as @fontsource/* that cover latin-ext; the last 350
fonts are validation) and sentence-lato.png into DIR (default .). The font
packages are fetched from the npm registry into a cache (--cache DIR,
default ~/.cache/nnblocks/fonts); needs @napi-rs/canvas installed.`;

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
  const parsed = optionArgs(who, args, ['--out', '--cache'], ['--quiet']);
  if (!parsed || parsed.files.length > 0) { if (parsed) console.error(USAGE); return 2; }
  const { buildCharsDb } = await import('./practical/part4-fonts.js');
  try {
    await buildCharsDb({
      out: (parsed.opts['--out'] as string | undefined) ?? '.',
      cache: parsed.opts['--cache'] as string | undefined,
      progress: parsed.opts['--quiet'] !== true,
    });
  } catch (e) {
    console.error(`${who}: ${(e as Error).message}`);
    return 1;
  }
  return 0;
}
// --- end part 4 ---

async function main(argv: string[]): Promise<number> {
  const [cmd, file, ...rest] = argv;
  if (cmd === 'charsdb') return charsdb(argv.slice(1));
  if (cmd === '--help' || cmd === '-h' || cmd === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (cmd === 'practical' && file === '3') return part3(rest);
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
