// The `nnblocks` command (Node only): `nnblocks practical [image.png|jpg]`.
// Exit codes: 0 all checks within the threshold, 1 a check failed it,
// 2 bad usage or an image that cannot be read.

import { init, im2single, imread, practical, PRACTICAL_THRESHOLD } from './index.js';

// Node's global; declared here only, so the isomorphic sources cannot use it.
declare const process: { argv: string[]; exitCode?: number };

const USAGE = `usage: nnblocks practical [image]

Runs part 2 (back-propagation) of the VGG CNN practical on the image
(PNG or JPEG; default: the bundled 384x512 sample) and checks every
derivative numerically. A check passes below ${PRACTICAL_THRESHOLD * 100}% error.`;

async function main(argv: string[]): Promise<number> {
  const [cmd, file, ...rest] = argv;
  if (cmd === '--help' || cmd === '-h' || cmd === 'help') {
    console.log(USAGE);
    return 0;
  }
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
