// readMat and writeMat where Node is needed: reading from a path (in chunks,
// through a descriptor) must give what reading the same bytes gives; scipy's
// loadmat must read writeMat's files as readMat does (python3 with numpy and
// scipy are part of CI's image: without them this fails, it does not skip);
// the 2^31-byte variable limit.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readMat, writeMat, MatReadError, MatWriteError, type MatValue } from '../src/index.js';
import { fromJson, keyOrder, rng } from './mat-helpers.js';
import { writeCases } from './mat-values.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'mat');
const tmp = mkdtempSync(join(tmpdir(), 'nnblocks-mat-'));

/** readMat's result or its error message, to compare two ways of reading. */
async function outcome(p: Promise<Record<string, MatValue>>): Promise<unknown> {
  return p.then((v) => v, (e: unknown) => {
    if (!(e instanceof MatReadError)) throw e;
    return `error at ${e.offset} in ${e.path}: ${e.message.replace(/^readMat: [^:]+: /, '')}`;
  });
}

describe('readMat from a file path', () => {
  const files = ['scipy', 'octave', 'savemat'].flatMap((d) =>
    readdirSync(join(FIXTURES, d)).filter((f) => f.endsWith('.mat')).map((f) => join(d, f)));

  it('every fixture: the same values (or the same error) as from its bytes', async () => {
    expect(files.length).toBeGreaterThan(100);
    for (const f of files) {
      const path = join(FIXTURES, f);
      const fromPath = await outcome(readMat(path));
      const fromBytes = await outcome(readMat(readFileSync(path)));
      expect(fromPath, f).toStrictEqual(fromBytes);
    }
  });

  it('a file: URL string and a URL object', async () => {
    const path = join(FIXTURES, 'scipy', 'teststruct_7.4_GLNX86.mat');
    const want = await readMat(readFileSync(path));
    expect(await readMat(pathToFileURL(path))).toStrictEqual(want);
    expect(await readMat(pathToFileURL(path).href)).toStrictEqual(want);
  });

  it('variables larger than the read chunk, and elements across chunk boundaries, compressed or not', async () => {
    const r = rng(21);
    const vars: Record<string, unknown> = {};
    for (let i = 0; i < 40; i++) vars[`small${i}`] = { name: `v${i}`, data: Float32Array.from({ length: 1 + i * 97 }, () => r()) };
    vars.big = { class: 'single', dims: [300, 300, 3], data: Float32Array.from({ length: 270000 }, () => r() - 0.5) };
    vars.zeros = { class: 'double', dims: [1000, 100], data: new Float64Array(100000) };
    vars.tail = 'end';
    for (const compress of [false, true]) {
      const bytes = writeMat(vars as never, { compress });
      const path = join(tmp, `chunks-${compress}.mat`);
      writeFileSync(path, bytes);
      const got = await readMat(path);
      expect(got).toStrictEqual(await readMat(bytes));
      expect((got.big as { data: Float32Array }).data).toStrictEqual((vars.big as { data: Float32Array }).data);
      // A truncated copy fails the same way from a path as from bytes.
      const cut = join(tmp, `cut-${compress}.mat`);
      writeFileSync(cut, bytes.subarray(0, bytes.length - 5000));
      const e = await outcome(readMat(cut));
      expect(e).toStrictEqual(await outcome(readMat(bytes.subarray(0, bytes.length - 5000))));
      expect(String(e)).toMatch(/truncated file\?/);
    }
  });

  it('a missing file', async () => {
    await expect(readMat(join(tmp, 'nope.mat'))).rejects.toThrow(/^readMat: cannot read '.*nope\.mat': ENOENT/);
  });
});

describe('scipy.io.loadmat reads what writeMat writes', () => {
  const script = join(import.meta.dirname, '..', 'tools', 'make-mat-fixtures.py');
  const { cases, forms, net } = writeCases();

  /** scipy's reading of a file (tools/make-mat-fixtures.py --print), as readMat values. */
  function scipyReads(path: string): Record<string, MatValue> {
    const res = spawnSync('python3', [script, '--print', path], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (res.error || res.status !== 0) {
      throw new Error('this test needs python3 with numpy and scipy (CI installs them; locally: apt-get install ' +
        `python3-scipy or pip install scipy): ${res.error?.message ?? res.stderr}`);
    }
    const j = JSON.parse(res.stdout) as { vars?: Record<string, never>; error?: string };
    if (!j.vars) throw new Error(`scipy.io.loadmat refused ${path}: ${j.error}`);
    return Object.fromEntries(Object.entries(j.vars).map(([k, v]) => [k, fromJson(v)]));
  }

  // NOTE: two things loadmat reads wrongly are left out here (readMat's reading of them is tested):
  // - a logical sparse array with miUINT8 data (as savemat itself writes them): the logical flag
  //   is ignored and the values come back as uint8 numbers;
  // - text outside the BMP: MATLAB's char counts UTF-16 code units (size('😀') is [1 2]) and so
  //   do our dims, but loadmat decodes to code points and fails ("buffer is too small").
  const vars: Record<string, unknown> = {
    ...Object.fromEntries(cases.filter(([, v]) => !(typeof v === 'string' && /[\u{10000}-\u{10ffff}]/u.test(v)))
      .map(([, v], i) => [`v${i}`, v])),
    bmp: 'Größe 3×3 µm αβγ',
    ...Object.fromEntries(forms.filter((f) => !(typeof f === 'object' && 'logical' in f && f.class === 'sparse' && f.logical))
      .map((v, i) => [`f${i}`, v])),
    ...net,
  };

  for (const compress of [false, true]) {
    it(`every kind, compress: ${compress}`, async () => {
      const path = join(tmp, `scipy-${compress}.mat`);
      writeFileSync(path, writeMat(vars as never, { compress }));
      const ours = await readMat(path);
      const theirs = scipyReads(path);
      expect(theirs).toStrictEqual(ours);
      expect(keyOrder(theirs)).toStrictEqual(keyOrder(ours));
    });
  }
});

describe('writeMat limits', () => {
  it('a variable of 2^31 bytes or more is an error, found before anything is written', () => {
    // 1 GiB of float32 (never touched, so never resident), twice in one cell.
    const w = new Float32Array(2 ** 28);
    let err: unknown = null;
    try { writeMat({ layers: [w, w] }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(MatWriteError);
    expect((err as Error).message).toMatch(/^writeMat: layers: takes \d+ bytes; a v6\/v7 MAT-file variable must take under 2\^31 \(MATLAB saves larger ones only as v7\.3\)$/);
  });
});

process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
