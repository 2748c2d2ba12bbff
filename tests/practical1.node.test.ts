// `nnblocks practical 1` as a user runs it (the built command, `npm run build` first): on the
// bundled sample without an argument, on the practical's peppers.png when it is on this machine
// (tests/practical-data.ts says where), and its refusals.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { init, imread, toPNG, Tensor } from '../src/index.js';
import { practicalImage } from './practical-data.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = (...args: string[]) => spawnSync(process.execPath, [join(root, 'dist/cli.js'), ...args], { cwd: dir, encoding: 'utf8' });
const FIGURES = ['figure1-input.png', 'figure2-conv.png', 'figure3-conv-stride16.png', 'figure4-conv-pad4.png',
  'figure5-laplacian.png', 'figure6-edges-relu.png', 'figure7-pool15.png', 'figure8-normalize.png'];
const SIZES = ['384x512x3', '5x5x3x10', '380x508x10', '24x32x10', '388x516x10', '3x3x3', '382x510', '1x3x3x2', '384x510x2',
  '384x510x2', '370x498x3', '384x512x3'];

let dir: string;
beforeAll(async () => {
  await init();
  dir = mkdtempSync(join(tmpdir(), 'nnblocks-part1-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sizes = (out: string) => out.split('\n').filter((l) => / size /.test(l)).map((l) => l.split(/ +size /)[1]);

describe('nnblocks practical 1', () => {
  it('runs on the bundled 384x512 sample without an argument, prints the script\'s sizes and writes the 8 figures into ./practical1', async () => {
    const r = cli('practical', '1');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('Part 1 of the VGG CNN practical on the bundled sample.png (peppers.png is not shipped) (384x512x3)');
    expect(sizes(r.stdout)).toEqual(SIZES);
    expect(r.stdout).toMatch(/Figures written to practical1\/: figure1-input\.png, .*figure8-normalize\.png/);
    for (const f of FIGURES) {
      const bytes = readFileSync(join(dir, 'practical1', f));
      expect(String.fromCharCode(...bytes.subarray(1, 4)), f).toBe('PNG');
    }
    const mosaic = await imread(readFileSync(join(dir, 'practical1', 'figure2-conv.png')));
    expect([mosaic.height, mosaic.width, mosaic.channels]).toEqual([3 * 380, 4 * 508, 1]);
  });

  it('says in its usage what it does without an image', () => {
    const r = cli('--help');
    expect(r.stdout).toMatch(/nnblocks practical 1 \[peppers\.png\] \[--out DIR\]/);
    expect(r.stdout).toMatch(/peppers\.png \(384x512\), which nnblocks does not ship;[\s\S]*bundled 384x512 sample/);
  });

  it('refuses a grey image, a missing file and an unknown option with exit code 2', () => {
    const grey = join(dir, 'grey.png');
    writeFileSync(grey, toPNG(new Tensor(new Float32Array(30 * 30).fill(0.5), [30, 30])));
    const g = cli('practical', '1', grey, '--out', join(dir, 'g'));
    expect(g.status).toBe(2);
    expect(g.stderr).toMatch(/^nnblocks practical 1: .*grey\.png has 1 channel\(s\); part 1 needs an RGB image/);
    const m = cli('practical', '1', 'no/such.png');
    expect(m.status).toBe(2);
    expect(m.stderr).toMatch(/^nnblocks practical 1: imread: cannot read 'no\/such\.png'/);
    expect(cli('practical', '1', '--bogus').status).toBe(2);
    const small = join(dir, 'small.png');
    writeFileSync(small, toPNG(new Tensor(new Float32Array(10 * 30 * 3).fill(0.5), [10, 30, 3])));
    expect(cli('practical', '1', small, '--out', join(dir, 's')).stderr).toMatch(/is 10x30; .*at least 15x15/);
  });
});

const peppers = practicalImage('peppers.png');
describe.skipIf(peppers === null)(`the practical's peppers.png${peppers === null ? ' (not on this machine: skipped)' : ''}`, () => {
  it('is read (16-bit) and gives exercise1.m\'s sizes', () => {
    const out = join(dir, 'pep');
    const r = cli('practical', '1', peppers!, '--out', out);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/peppers\.png \(384x512x3\)$/);
    expect(sizes(r.stdout)).toEqual(SIZES);
    expect(readFileSync(join(out, 'figure5-laplacian.png')).length).toBeGreaterThan(1000);
  });
});
