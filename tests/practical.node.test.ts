// `npm run practical` as a user runs it: the built command's output is
// parsed and checked, and bad input gives one line and exit code 2.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toPNG, Tensor } from '../src/index.js';
import { practicalImage } from './practical-data.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/cli.js', ...args], { cwd: root, encoding: 'utf8' });
const DER = /^ {2}der: empirical: (-?\d+\.\d{6}), computed: (-?\d+\.\d{6}), error: (\d+\.\d{2}) %$/;

describe('nnblocks practical', () => {
  it('prints the sizes and three der lines within the threshold, and exits 0', () => {
    const r = cli('practical');
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toContain('size(dzdy) = 380 508 10');
    expect(lines).toContain('size(dzdx) = 384 512 3');
    const ders = lines.map((l) => DER.exec(l)).filter((m) => m !== null);
    expect(ders).toHaveLength(3);
    for (const m of ders) {
      const [empirical, computed, errorPct] = [Number(m[1]), Number(m[2]), Number(m[3])];
      expect(Math.abs(computed)).toBeGreaterThan(1); // a real derivative, not 0 = 0
      expect(errorPct).toBeLessThan(5);
      expect(Math.abs(1 - empirical / computed) * 100).toBeCloseTo(errorPct, 1);
    }
    expect(lines[lines.length - 1]).toBe('All 3 derivative checks within 5% error.');
  });

  const peppers = practicalImage('peppers.png');
  it.skipIf(peppers === null)('runs on the practical\'s own 16-bit peppers.png', () => {
    const r = cli('practical', peppers!);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`on ${peppers} (384x512x3)`);
  });

  it('gives one clear line and exit code 2 for a missing file, a non-image and bad usage', () => {
    const missing = cli('practical', 'no/such/image.png');
    expect(missing.status).toBe(2);
    expect(missing.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^nnblocks practical: imread: cannot read 'no\/such\/image.png': ENOENT/)]);
    const notImage = cli('practical', 'package.json');
    expect(notImage.status).toBe(2);
    expect(notImage.stderr).toMatch(/^nnblocks practical: imread: 'package.json' is not a PNG or JPEG file/);
    expect(cli('practicle').status).toBe(2);
    expect(cli('practical', 'a.png', 'b.png').status).toBe(2);
    expect(cli('practical', '2', 'a.png', 'b.png').status).toBe(2);
  });

  it('takes the part number 2 as well (API.md: `practical [part] [image]`, part 2 by default)', () => {
    const r = cli('practical', '2');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('on the bundled sample.png');
    expect(r.stdout.trim().split('\n').at(-1)).toBe('All 3 derivative checks within 5% error.');
    const missing = cli('practical', '2', 'no/such/image.png');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^nnblocks practical: imread: cannot read 'no\/such\/image.png': ENOENT/);
  });

  it('takes --threads N for any command (1: the calling thread alone), and refuses a bad N with exit code 2', () => {
    const one = cli('practical', '--threads', '1');
    expect(one.status, one.stderr).toBe(0);
    expect(one.stdout.trim().split('\n').at(-1)).toBe('All 3 derivative checks within 5% error.');
    for (const bad of [['--threads', '0'], ['--threads=1.5'], ['--threads']]) {
      const r = cli('practical', ...bad);
      expect(r.status).toBe(2);
      expect(r.stderr.trim()).toMatch(/^nnblocks: --threads needs a whole number >= 1, got (?:"0"|"1\.5"|nothing)$/);
    }
  });

  it('refuses an image too small for 5x5 filters and pool 10 with one line and exit code 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nnblocks-small-'));
    try {
      const file = join(dir, 'tiny.png');
      writeFileSync(file, toPNG(new Tensor(new Float32Array(10 * 12 * 3).fill(0.5), [10, 12, 3])));
      const r = cli('practical', file);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toEqual([`nnblocks practical: ${file} is 10x12; part 2 needs at least 14x14 (5x5 filters, then pool 10)`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
