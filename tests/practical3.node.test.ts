// `nnblocks practical 3` as a user runs it (the built command, `npm run build`
// first), on a synthetic image of black dots; and, when the practical's
// dots.jpg is on this machine (tests/practical-data.ts says where), the
// blobs it finds and a short training on it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { init, imread, im2single, rgb2gray, extractBlackBlobs, trainTinyCNN, toPNG, Tensor } from '../src/index.js';
import { practicalImage } from './practical-data.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/cli.js', ...args], { cwd: root, encoding: 'utf8' });
const FIGURES = ['blobs.png', 'objective.png', 'histograms.png', 'filter.png', 'network-output.png', 'first-layer-output.png', 'error-map.png'];

let dir: string;
beforeAll(async () => {
  await init();
  dir = mkdtempSync(join(tmpdir(), 'nnblocks-part3-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An RGB PNG of black disks (radius 3) on light grey, 20 px apart. */
function dotsPNG(): string {
  const H = 84, W = 84, d = new Float32Array(H * W * 3).fill(0.85);
  for (let a = 12; a < H - 10; a += 20) {
    for (let c = 12; c < W - 10; c += 20) {
      for (let j = 0; j < W; j++) for (let i = 0; i < H; i++) {
        if ((i - a) ** 2 + (j - c) ** 2 <= 9) for (let k = 0; k < 3; k++) d[i + H * (j + W * k)] = 0.1;
      }
    }
  }
  const file = join(dir, 'dots.png');
  writeFileSync(file, toPNG(new Tensor(d, [H, W, 3])));
  return file;
}

describe('nnblocks practical 3', () => {
  it('trains on the image, prints the objective every 10 iterations and the filter and bias, and writes the figures', () => {
    const out = join(dir, 'figs');
    const r = cli('practical', '3', dotsPNG(), '--out', out);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^Part 3 of the VGG CNN practical on .*dots\.png \(84x84\)$/);
    const iters = lines.filter((l) => /^iteration \d+: objective \d+\.\d{3} \(error \d+\.\d{3}, regularizer \d+\.\d{3}\)$/.test(l));
    expect(iters).toHaveLength(50);
    expect(iters[49]).toMatch(/^iteration 500: /);
    const w = lines.indexOf('w =');
    expect(w).toBeGreaterThan(0);
    const rows = lines.slice(w + 2, w + 5).map((l) => l.trim().split(/\s+/).map(Number));
    expect(rows.map((r) => r.length)).toEqual([3, 3, 3]);
    expect(Math.min(...rows.flat())).toBe(rows[1][1]);
    expect(lines[lines.indexOf('b =') + 2]).toMatch(/^ +-?\d+\.\d{4}$/);
    for (const f of FIGURES) {
      const bytes = readFileSync(join(out, f));
      expect([...bytes.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
    }
  });

  it('trains on syntheticDots() without an image, says where to get dots.jpg, and finds a blob detector', () => {
    const out = join(dir, 'synthetic');
    const r = cli('practical', '3', '--out', out);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('Part 3 of the VGG CNN practical on the synthetic blob picture of syntheticDots() (320x320)');
    expect(lines.slice(1, 3).join(' ')).toMatch(/does not ship the practical's dots\.jpg: get data\/dots\.jpg from https:\/\/github\.com\/vedaldi\/practical-cnn/);
    const objective = (l: string) => Number(/objective (\d+\.\d+)/.exec(l)![1]);
    const iters = lines.filter((l) => /^iteration \d+: objective/.test(l));
    expect(iters).toHaveLength(50);
    expect(objective(iters[49])).toBeLessThan(0.6 * objective(iters[0]));
    const w = lines.indexOf('w =');
    const taps = lines.slice(w + 2, w + 5).map((l) => l.trim().split(/\s+/).map(Number));
    expect(Math.min(...taps.flat())).toBe(taps[1][1]);
    expect(taps[1][1]).toBeLessThan(-10);
    for (const f of FIGURES) expect(existsSync(join(out, f))).toBe(true);
  });

  it('fails with one line and exit code 2 for a missing file or an unknown option', () => {
    const missing = cli('practical', '3', 'no/such/dots.jpg');
    expect(missing.status).toBe(2);
    expect(missing.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^nnblocks practical 3: imread: cannot read 'no\/such\/dots.jpg'/)]);
    expect(cli('practical', '3', 'x.jpg', '--bogus').status).toBe(2);
    expect(existsSync(join(root, 'practical3', 'never.png'))).toBe(false);
  });
});

const dots = practicalImage('dots.jpg');
describe.skipIf(dots === null)(`the practical's dots.jpg${dots === null ? ' (not on this machine: skipped)' : ''}`, () => {
  it('is 480x480; extractBlackBlobs finds its blobs and 50 iterations lower the objective', async () => {
    const im = rgb2gray(im2single(await imread(dots!)));
    expect(im.size()).toEqual([480, 480]);
    const { pos, neg } = extractBlackBlobs(im);
    let np = 0, nn = 0;
    for (let p = 0; p < pos.numel; p++) { np += pos.data[p]; nn += neg.data[p]; }
    expect(np).toBeGreaterThan(50);
    expect(nn).toBeGreaterThan(0.3 * pos.numel);
    const r = trainTinyCNN(im, { numIterations: 50, seed: 1 });
    expect(r.E[2][49]).toBeLessThan(0.7 * r.E[2][0]);
    expect(r.w.at(1, 1)).toBe(Math.min(...r.w.data));
  });
});
