// readMat and writeMat in Node and Chromium.
// - Files nobody on the project wrote: MATLAB's (scipy's test data), Octave
//   7.3's and scipy.io.savemat's, each compared with scipy.io.loadmat's reading
//   of it (the committed JSON beside it, tools/make-mat-fixtures.py).
// - The traps of FORMATS §1.15 that no producer at hand writes, built element
//   by element (tests/mat-helpers.ts Builder).
// - writeMat → readMat round trips of every kind, writeMat's errors.
// - Corruptions (truncations, flipped bytes) of several fixtures: a MatReadError
//   or a value, never another exception, never a hang.
import { describe, expect, it } from 'vitest';
import { zlibSync } from 'fflate';
import { readMat, writeMat, MatReadError, MatWriteError, type MatValue } from '../src/index.js';
import { readMatBytes } from '../src/io/mat/reader.js';
import { fixtureNames, matBytes, matExpected } from './mat-fixtures.js';
import { Builder, MI, cat, fromJson, keyOrder, rng } from './mat-helpers.js';
import { writeCases } from './mat-values.js';

/** Files readMat refuses on purpose although scipy reads them, and why. */
const REFUSED: Record<string, RegExp> = {
  // scipy decodes with U+FFFD replacements; we guess nothing.
  'scipy/broken_utf8': /^readMat: the given buffer: bad_string: the miUTF8 char data are not valid UTF-8 \(11 bytes\)$/,
  'scipy/testdouble_4.2c_SOL2': /this is a MAT-file Level 4 \(MATLAB 4\) file, which readMat does not read; .*save\(f, '-v7'\)/,
  'scipy/test_mat4_le_floats': /this is a MAT-file Level 4/,
};

/** Files scipy refuses too: our message for each. */
const MALFORMED: Record<string, RegExp> = {
  'scipy/bad_miuint32': /^readMat: the given buffer: variable 1: dimension 1 at byte 152 is 2147483649; dims must be 0 \.\. 2\^31-1$/,
  'scipy/bad_miutf8_array_name': /^readMat: the given buffer: variable 1: the name at byte 168 holds the non-ASCII byte 0xc3$/,
  'scipy/corrupted_zlib_checksum': /^readMat: the given buffer: dates: the compressed element at byte 128 fails its Adler-32 check \(stored 0x1dd40274, computed 0x1dd40273; corrupt file\?\)$/,
  'scipy/corrupted_zlib_data': /^readMat: the given buffer: datagrid: the compressed element at byte 222 is corrupt near byte 3447 \(the DEFLATE stream ends early\)$/,
  'scipy/malformed1': /^readMat: the given buffer: variable 1: array flags at byte 136 are 2048 bytes of element type 1536, not 8 bytes of miUINT32$/,
  'scipy/testhdf5_7.4_GLNX86': /^readMat: the given buffer: this is a MAT-file v7\.3 \(HDF5\) file, which readMat does not read; in MATLAB save it again as v7, e\.g\. save\(f, '-struct', 'net', '-v7'\)/,
};

/**
 * Where scipy's reading is wrong and readMat's differs on purpose: savemat writes a logical
 * sparse with the logical flag (0x0205) and miUINT8 data, and loadmat ignores the flag for it.
 */
const SCIPY_WRONG: Record<string, Record<string, (v: Record<string, unknown>) => Record<string, unknown>>> = {
  'savemat/savemat_v6': { sparse_logical: (v) => ({ ...v, logical: true, data: Uint8Array.from(v.data as Float64Array) }) },
  'savemat/savemat_v7': { sparse_logical: (v) => ({ ...v, logical: true, data: Uint8Array.from(v.data as Float64Array) }) },
};

function expectFixture(name: string, got: Record<string, MatValue>): void {
  const e = matExpected(name);
  if (!e.vars) throw new Error(`${name}: scipy refused it (${e.error}) but readMat read it`);
  const want: Record<string, MatValue> = {};
  for (const [k, v] of Object.entries(e.vars)) {
    const fix = SCIPY_WRONG[name]?.[k];
    want[k] = fix ? fix(fromJson(v as never) as never) as never : fromJson(v as never);
  }
  expect(got).toStrictEqual(want);
  expect(keyOrder(got)).toStrictEqual(keyOrder(want));
}

describe('readMat on files written by MATLAB, Octave and scipy.io.savemat, against scipy.io.loadmat', () => {
  for (const folder of ['scipy', 'octave', 'savemat']) {
    const names = fixtureNames(folder);
    it(`${folder}: has fixtures`, () => expect(names.length).toBeGreaterThan(folder === 'scipy' ? 90 : 1));
    for (const name of names) {
      const refused = REFUSED[name] ?? MALFORMED[name];
      it(name, async () => {
        if (refused) {
          const err = await readMat(matBytes(name)).then(() => null, (x: unknown) => x);
          expect(err).toBeInstanceOf(MatReadError);
          expect((err as Error).message).toMatch(refused);
          if (MALFORMED[name]) expect(matExpected(name).error).toBeTruthy();
          return;
        }
        expectFixture(name, await readMat(matBytes(name)));
      });
    }
  }

  it('covers what the brief lists: big-endian, v6, v7, unicode, cells, structs, sparse, functions, objects', () => {
    const all = fixtureNames('scipy');
    for (const f of ['big_endian', 'teststringarray_6.1_SOL2', 'testcellnest_7.4_GLNX86', 'testunicode_7.4_GLNX86',
      'teststructarr_7.4_GLNX86', 'testbool_8_WIN64', 'testsparse_7.4_GLNX86', 'logical_sparse', 'testfunc_7.4_GLNX86',
      'parabola', 'testobject_7.4_GLNX86', 'test_empty_struct', 'testemptycell_7.4_GLNX86', 'one_by_zero_char']) {
      expect(all).toContain(`scipy/${f}`);
    }
  });

  it('MATLAB stores integer-valued doubles narrowed (miINT16, miUINT8): read back as double', async () => {
    const m = await readMat(matBytes('scipy/testminus_7.4_GLNX86'));
    expect(m.testminus).toStrictEqual({ class: 'double', dims: [1, 1], data: Float64Array.of(-1) });
    const x = await readMat(matBytes('scipy/testmatrix_6.1_SOL2')); // big-endian, miUINT8 storage
    expect(x.testmatrix).toStrictEqual({ class: 'double', dims: [3, 5], data: Float64Array.of(1, 2, 3, 2, 0, 0, 3, 0, 0, 4, 0, 0, 5, 0, 0) });
  });

  it('skips function handles, MCOS objects and the unnamed function workspace', async () => {
    expect(Object.keys(await readMat(matBytes('scipy/parabola')))).toStrictEqual([]);
    expect(Object.keys(await readMat(matBytes('scipy/some_functions')))).toStrictEqual(['a', 'b', 'c']);
  });

  it('renames duplicate field names as scipy does (_1_x, _2_x), keeping every value', async () => {
    const s = (await readMat(matBytes('scipy/nasty_duplicate_fieldnames'))).Summary as Record<string, unknown>;
    expect(Object.keys(s)).toEqual(expect.arrayContaining(['Station_Q', '_1_Station_Q', '_2_Station_Q', '_3_Station_Q']));
  });
});

describe('readMat: the traps of FORMATS §1.15, built element by element', () => {
  const le = new Builder(false), be = new Builder(true);
  const dbl = (b: Builder, name: string, vals: number[], type: number = MI.DOUBLE) =>
    b.matrix(6, 0, [1, vals.length], name, b.el(type, b.values(type, vals)));

  it('single data stored as miUINT8 / miINT16 (SDE) / miDOUBLE: Float32Array of the class', () => {
    for (const b of [le, be]) {
      const f = b.file(
        b.matrix(7, 0, [1, 3], 'w', b.el(MI.UINT8, b.values(MI.UINT8, [0, 1, 255]))),
        b.matrix(7, 0, [1, 2], 'v', b.sde(MI.INT16, b.values(MI.INT16, [-2, 300]))),
        b.matrix(7, 0, [1, 1], 'u', b.el(MI.DOUBLE, b.values(MI.DOUBLE, [0.1]))),
        b.matrix(14, 0, [1, 2], 'big', b.el(MI.INT32, b.values(MI.INT32, [-5, 7]))),
      );
      const m = readMatBytes(f);
      expect(m.w).toStrictEqual({ class: 'single', dims: [1, 3], data: Float32Array.of(0, 1, 255) });
      expect(m.v).toStrictEqual({ class: 'single', dims: [1, 2], data: Float32Array.of(-2, 300) });
      expect(m.u).toStrictEqual({ class: 'single', dims: [1, 1], data: Float32Array.of(0.1) });
      expect(m.big).toStrictEqual({ class: 'int64', dims: [1, 2], data: BigInt64Array.of(-5n, 7n) });
    }
  });

  it('a stored value that does not fit its class is an error', () => {
    const f = le.file(le.matrix(9, 0, [1, 1], 'x', le.sde(MI.INT16, le.values(MI.INT16, [-1]))));
    expect(() => readMatBytes(f)).toThrow(/^readMat: the given buffer: x: value -1 \(element 1 of the miINT16 data at byte 176\) does not fit class uint8$/);
  });

  it('big-endian compressed variables, and no padding after a top-level miCOMPRESSED', () => {
    const f = be.file(be.compressed(dbl(be, 'a', [1.5, -2])), be.compressed(be.matrix(4, 0, [1, 2], 'txt', be.el(MI.UTF16, be.values(MI.UTF16, [0x48, 0x20ac])))),
      dbl(be, 'after', [3]));
    expect(readMatBytes(f)).toStrictEqual({
      a: { class: 'double', dims: [1, 2], data: Float64Array.of(1.5, -2) }, txt: 'H€',
      after: { class: 'double', dims: [1, 1], data: Float64Array.of(3) },
    });
  });

  it('a 0-byte miMATRIX is an empty placeholder (nested), or nothing (top level)', () => {
    const empty = cat(le.u32(MI.MATRIX), le.u32(0));
    const f = le.file(empty, le.matrix(1, 0, [1, 2], 'c', empty, dbl(le, '', [4])));
    expect(readMatBytes(f)).toStrictEqual({
      c: { class: 'cell', dims: [1, 2], data: [{ class: 'double', dims: [0, 0], data: new Float64Array(0) }, { class: 'double', dims: [1, 1], data: Float64Array.of(4) }] },
    });
  });

  it('ignores unknown flag bits; keeps the logical flag; skips unnamed variables', () => {
    const f = le.file(
      le.matrix(6, 0x1000 | 0x0400, [1, 1], 'g', le.el(MI.DOUBLE, le.values(MI.DOUBLE, [2]))),
      le.matrix(9, 0x0200, [1, 2], 'b', le.sde(MI.UINT8, le.values(MI.UINT8, [1, 0]))),
      dbl(le, '', [9]),
    );
    expect(readMatBytes(f)).toStrictEqual({
      g: { class: 'double', dims: [1, 1], data: Float64Array.of(2) },
      b: { class: 'logical', dims: [1, 2], data: Uint8Array.of(1, 0) },
    });
  });

  it('char data as miUTF8 (with surrogates), miUTF16, miUTF32, miUINT16, miUINT8, and 0 bytes for non-empty dims', () => {
    const utf8 = Uint8Array.from([0x61, 0xf0, 0x9f, 0x98, 0x80]); // 'a😀': 3 UTF-16 code units
    const f = le.file(
      le.matrix(4, 0, [1, 3], 'u8', le.el(MI.UTF8, utf8)),
      le.matrix(4, 0, [1, 3], 'u32', le.el(MI.UTF32, le.values(MI.UTF32, [0x61, 0x1f600]))),
      le.matrix(4, 0, [2, 2], 'm16', le.el(MI.UINT16, le.values(MI.UINT16, [0x61, 0x63, 0x62, 0x64]))),
      le.matrix(4, 0, [1, 2], 'b', le.sde(MI.UINT8, le.values(MI.UINT8, [0x68, 0x69]))),
      le.matrix(4, 0, [1, 3], 'blank', le.el(MI.UTF8, new Uint8Array(0))),
      le.matrix(4, 0, [1, 2, 2], 'nd', le.el(MI.UTF16, le.values(MI.UTF16, [0x61, 0x62, 0x63, 0x64]))),
    );
    expect(readMatBytes(f)).toStrictEqual({
      u8: 'a😀', u32: 'a😀', m16: ['ab', 'cd'], b: 'hi', blank: '   ',
      nd: { class: 'char', dims: [1, 2, 2], data: Uint16Array.of(0x61, 0x62, 0x63, 0x64) },
    });
  });

  it('field-name slots of 64 (Octave) and names in miUTF8 (ASCII)', () => {
    const slot = new Uint8Array(128);
    slot.set(Uint8Array.from('alpha', (c) => c.charCodeAt(0)), 0);
    slot.set(Uint8Array.from('b'.repeat(63), (c) => c.charCodeAt(0)), 64);
    const body = cat(le.sde(MI.INT32, le.values(MI.INT32, [64])), le.el(MI.INT8, slot), dbl(le, '', [1]), dbl(le, '', [2]));
    const name = le.sde(MI.UTF8, Uint8Array.from('nm', (c) => c.charCodeAt(0)));
    const flags = le.el(MI.UINT32, le.values(MI.UINT32, [2, 0])), dims = le.el(MI.INT32, le.values(MI.INT32, [1, 1]));
    const inner = cat(flags, dims, name, body);
    const f = le.file(cat(le.u32(MI.MATRIX), le.u32(inner.length), inner));
    const s = readMatBytes(f).nm as Record<string, MatValue>;
    expect(Object.keys(s)).toStrictEqual(['alpha', 'b'.repeat(63)]);
  });

  it('a small element claiming more than 4 bytes, a sub-element overrunning its matrix: errors with offsets', () => {
    const bad = le.file(le.matrix(6, 0, [1, 1], 'x', le.sde(MI.DOUBLE, new Uint8Array(4), 8)));
    expect(() => readMatBytes(bad)).toThrow(/^readMat: the given buffer: x: the small element at byte 176 claims 8 bytes; a small element holds at most 4$/);
    const over = le.file(le.matrix(6, 0, [1, 1], 'x', le.el(MI.DOUBLE, le.values(MI.DOUBLE, [1]), 4000)));
    expect(() => readMatBytes(over)).toThrow(/^readMat: the given buffer: x: the miDOUBLE element at byte 176 claims 4000 bytes, but its matrix ends 8 bytes later$/);
    const count = le.file(le.matrix(6, 0, [1, 2], 'x', le.el(MI.DOUBLE, le.values(MI.DOUBLE, [1]))));
    expect(() => readMatBytes(count)).toThrow(/x: the real part at byte 176 holds 8 bytes of miDOUBLE; 2 elements need 16$/);
  });

  it('corrupt counts are refused before anything is allocated', () => {
    const cells = le.file(le.matrix(1, 0, [100000, 100000], 'c'));
    expect(() => readMatBytes(cells)).toThrow(/c: 10000000000 cells need|dims 100000x100000 hold more than 2\^31 elements/);
    const cells2 = le.file(le.matrix(1, 0, [40000, 40000], 'c'));
    expect(() => readMatBytes(cells2)).toThrow(/c: 1600000000 cells need at least 12800000000 bytes, but only 0 remain at byte 176/);
    const tag = zlibSync(cat(le.u32(MI.MATRIX), le.u32(2 ** 31)));
    const z = le.file(cat(le.u32(MI.COMPRESSED), le.u32(tag.length), tag));
    expect(() => readMatBytes(z)).toThrow(new RegExp(`claims 2147483648 bytes inflated from ${tag.length}, more than DEFLATE can expand`));
  });

  // Found by a fuzzing helper: each array was bounded, the file was not. A 227-byte file of 100
  // field-less 1x2^20 structs, 3.5 KB of 65536x0 char arrays, or 350 KB of empty cells (DEFLATE
  // repeats them) aborted Node out of memory; 1600 nested cells overflowed the stack.
  it('a file makes at most 2^22 values and nests at most 500 deep; a compressed claim is bounded by the file', () => {
    const kid = le.matrix(2, 0, [1, 2 ** 20], '', le.sde(MI.INT32, le.values(MI.INT32, [1])), le.el(MI.INT8, new Uint8Array(0)));
    const structs = le.file(le.compressed(le.matrix(1, 0, [1, 100], 'c', ...Array<Uint8Array>(100).fill(kid))));
    expect(structs.length).toBeLessThan(400);
    expect(() => readMatBytes(structs)).toThrow(/^readMat: the given buffer: c\{4\}: 1x1048576 structs would make more than the 4194304 values readMat makes of a file \(corrupt file\?\)$/);
    const blank = le.matrix(4, 0, [65536, 0], '', le.el(MI.UTF8, new Uint8Array(0)));
    expect(() => readMatBytes(le.file(le.compressed(le.matrix(1, 0, [1, 20000], 'c', ...Array<Uint8Array>(20000).fill(blank))))))
      .toThrow(/^readMat: the given buffer: c\{64\}: a 65536x0 char array would make more than the 4194304 values readMat makes of a file/);
    const empties = new Uint8Array(8 * 2 ** 20);
    for (let i = 0; i < empties.length; i += 8) empties.set(le.u32(MI.MATRIX), i);
    const mixed = le.matrix(1, 0, [1, 4], 'c', kid, kid, kid, le.matrix(1, 0, [1, 2 ** 20], '', empties));
    expect(() => readMatBytes(le.file(le.compressed(mixed))))
      .toThrow(/^readMat: the given buffer: c\{4\}\{1048572\}: this array would make more than the 4194304 values readMat makes of a file/);
    let deep = le.matrix(6, 0, [0, 0], '');
    for (let i = 0; i < 600; i++) deep = le.matrix(1, 0, [1, 1], i === 599 ? 'x' : '', deep);
    expect(() => readMatBytes(le.file(deep))).toThrow(/^readMat: the given buffer: x(\{1\}){501}: arrays are nested more than 500 deep \(corrupt file\?\)$/);
    // 186 bytes claiming 2^32 - 1 compressed bytes and a 400e6-element double inside: refused by the
    // bound on the bytes the file has, before the 3.2 GB array.
    const inner = zlibSync(cat(le.u32(MI.MATRIX), le.u32(0xfffffff0), le.el(MI.UINT32, le.values(MI.UINT32, [6, 0])),
      le.el(MI.INT32, le.values(MI.INT32, [1, 400e6])), le.name('x'), le.u32(MI.DOUBLE), le.u32(3.2e9), new Uint8Array(64)));
    expect(() => readMatBytes(le.file(cat(le.u32(MI.COMPRESSED), le.u32(0xffffffff), inner))))
      .toThrow(new RegExp(`claims 4294967280 bytes inflated from ${inner.length} \\(of the 4294967295 it claims; the file ends first\\), more than DEFLATE can expand`));
  });

  it('compressed data longer than its variable, or shorter: errors (inflated whole, and streamed)', () => {
    const r = rng(5);
    const big = Array.from({ length: 400000 }, () => Math.floor(r() * 256));
    for (const m of [dbl(le, 'x', [1, 2]), le.matrix(9, 0, [1, big.length], 'x', le.el(MI.UINT8, le.values(MI.UINT8, big)))]) {
      const long = zlibSync(cat(m, new Uint8Array(16)));
      expect(() => readMatBytes(le.file(cat(le.u32(MI.COMPRESSED), le.u32(long.length), long))))
        .toThrow(/^readMat: the given buffer: x: the compressed element at byte 128 inflates to more (bytes than its variable holds|than the 400056 bytes its variable holds)/);
      const short = zlibSync(m.subarray(0, m.length - 8));
      expect(() => readMatBytes(le.file(cat(le.u32(MI.COMPRESSED), le.u32(short.length), short))))
        .toThrow(/^readMat: the given buffer: x: (the miDOUBLE|the compressed) element at .*(inflates to fewer bytes than it says: corrupt file\?|fewer than its variable needs)/);
      const good = zlibSync(m);
      good[good.length - 1] ^= 1;
      expect(() => readMatBytes(le.file(cat(le.u32(MI.COMPRESSED), le.u32(good.length), good))))
        .toThrow(/^readMat: the given buffer: x: the compressed element at byte 128 fails its Adler-32 check/);
      good[good.length - 1] ^= 1;
      expect(Object.keys(readMatBytes(le.file(cat(le.u32(MI.COMPRESSED), le.u32(good.length), good))))).toStrictEqual(['x']);
    }
    const notZlib = cat(le.u32(MI.COMPRESSED), le.u32(10), new Uint8Array(10));
    expect(() => readMatBytes(le.file(notZlib))).toThrow(/is not a zlib stream \(header bytes 0x00 0x00\)/);
  });

  it('not a MAT file, too short, empty, stray bytes at the end, an element that is not a variable', () => {
    const html = Uint8Array.from('<!DOCTYPE html><html><body>Not Found</body></html>'.padEnd(300, ' '), (c) => c.charCodeAt(0));
    expect(() => readMatBytes(html)).toThrow(/not a MAT file: bytes 126-127 are 0x20 0x20, not the endian mark 'IM' or 'MI'/);
    expect(() => readMatBytes(le.file().subarray(0, 100))).toThrow(/100 bytes is too short for a MAT file/);
    expect(() => readMatBytes(new Uint8Array(0))).toThrow(/0 bytes is too short for a MAT file/);
    expect(() => readMatBytes(cat(le.file(dbl(le, 'a', [1])), new Uint8Array(3)))).toThrow(/a: 3 bytes after the last variable|variable 2: 3 bytes after the last variable/);
    expect(() => readMatBytes(le.file(le.el(MI.DOUBLE, le.values(MI.DOUBLE, [1]))))).toThrow(/expected a variable \(miMATRIX or miCOMPRESSED\) at byte 128, found miDOUBLE/);
  });

  it('the truncation message names the variable path and the byte where the data end', async () => {
    const r = rng(3);
    const weights = Float32Array.from({ length: 40000 }, () => r() - 0.5);
    const net = { layers: [{ type: 'relu' }, { type: 'conv', weights: [weights, new Float32Array(4)] }] };
    for (const compress of [false, true]) {
      const f = writeMat(net, { compress });
      const cut = f.subarray(0, f.length - 20000);
      const err = await readMat(cut).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(MatReadError);
      const msg = (err as Error).message;
      if (compress) expect(msg).toBe(`readMat: the given buffer: layers{2}.weights{1}: compressed data ends at byte ${cut.length} (truncated file?)`);
      else expect(msg).toMatch(new RegExp(`^readMat: the given buffer: layers\\{2\\}\\.weights\\{1\\}: the miSINGLE element at byte \\d+ needs 160000 bytes but only \\d+ remain \\(truncated file\\?\\)$`));
      expect((err as MatReadError).path).toBe('layers{2}.weights{1}');
      expect((err as MatReadError).offset).toBe(cut.length);
    }
  });
});

describe('readMat sources', () => {
  const file = writeMat({ w: { class: 'single', dims: [2, 2], data: Float32Array.of(1, 2, 3, 4) }, s: 'x' });

  it('ArrayBuffer, typed array, Blob, Response, data: URL', async () => {
    const want = { w: { class: 'single', dims: [2, 2], data: Float32Array.of(1, 2, 3, 4) }, s: 'x' };
    const copy = () => file.slice();
    expect(await readMat(copy().buffer)).toStrictEqual(want);
    expect(await readMat(new DataView(copy().buffer))).toStrictEqual(want);
    expect(await readMat(new Blob([copy()]))).toStrictEqual(want);
    expect(await readMat(new Response(copy()))).toStrictEqual(want);
    let bin = '';
    for (const b of file) bin += String.fromCharCode(b);
    expect(await readMat(`data:application/octet-stream;base64,${btoa(bin)}`)).toStrictEqual(want);
  });

  it('aligned little-endian data are views of the given bytes; misaligned ones are copied; the input is never modified', async () => {
    const bytes = file.slice();
    const w = (await readMat(bytes)).w as { data: Float32Array };
    expect(w.data.buffer).toBe(bytes.buffer);
    const odd = new Uint8Array(file.length + 1);
    odd.set(file, 1);
    const before = odd.slice();
    const w2 = (await readMat(odd.subarray(1))).w as { data: Float32Array };
    expect(w2.data.buffer).not.toBe(odd.buffer);
    expect(w2.data).toStrictEqual(Float32Array.of(1, 2, 3, 4));
    expect(odd).toStrictEqual(before);
  });

  it('a source of the wrong kind', async () => {
    await expect(readMat(42 as never)).rejects.toThrow(/^readMat: expected a file path, a URL, a Blob, a Response or bytes/);
  });
});

describe('writeMat → readMat round trips', () => {
  const { cases, forms, net } = writeCases();

  for (const compress of [false, true]) {
    it(`plain JavaScript values map as documented (compress: ${compress})`, () => {
      const vars = Object.fromEntries(cases.map(([, v], i) => [`v${i}`, v]));
      const got = readMatBytes(writeMat(vars as never, { compress }));
      cases.forEach(([what, , want], i) => expect(got[`v${i}`], what).toStrictEqual(want));
    });
    it(`every MatValue form reads back equal (compress: ${compress})`, () => {
      const vars = Object.fromEntries(forms.map((v, i) => [`f${i}`, v]));
      const got = readMatBytes(writeMat(vars, { compress }));
      forms.forEach((v, i) => expect(got[`f${i}`], JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? String(x) : x)).slice(0, 80)).toStrictEqual(v));
    });
    it(`a simplenn-shaped net reads back equal, field order kept (compress: ${compress})`, () => {
      const got = readMatBytes(writeMat(net as never, { compress }));
      const want = { ...net, layers: { ...net.layers, data: net.layers.data.map((l) => ({ ...l, ...('stride' in l ? {
        stride: { class: 'double', dims: [1, 2], data: Float64Array.of(1, 1) }, pad: { class: 'double', dims: [1, 4], data: new Float64Array(4) } } : {
        leak: { class: 'double', dims: [1, 1], data: new Float64Array(1) } }) })) } };
      expect(got).toStrictEqual(want);
      expect(keyOrder(got)).toStrictEqual(keyOrder(want));
    });
  }

  it('writes miUTF8 for ASCII text and miUTF16 otherwise, a 128-byte little-endian header', () => {
    const a = writeMat({ s: 'abc' }), u = writeMat({ s: 'αβγ' });
    expect(new TextDecoder().decode(a.subarray(0, 20))).toBe('MATLAB 5.0 MAT-file,');
    expect(Array.from(a.subarray(124, 128))).toStrictEqual([0x00, 0x01, 0x49, 0x4d]);
    const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset);
    // header 128 + matrix tag 8 + flags 16 + dims 16 + name 8 = the char element's tag at 176
    expect(dv(a).getUint32(176, true) & 0xffff).toBe(16);
    expect(dv(u).getUint32(176, true)).toBe(17);
  });

  it('a variable after a compressed one starts right after its compressed bytes', () => {
    const f = writeMat({ a: 1, b: 2 }, { compress: true });
    const dv = new DataView(f.buffer);
    expect(dv.getUint32(128, true)).toBe(15);
    const next = 136 + dv.getUint32(132, true);
    expect(dv.getUint32(next, true)).toBe(15);
  });
});

describe('writeMat errors', () => {
  const bad: [string, unknown, RegExp][] = [
    ['null', { x: null }, /^writeMat: x: cannot write null$/],
    ['undefined field', { s: { a: undefined } }, /^writeMat: s\.a: cannot write undefined$/],
    ['a function', { f: () => 1 }, /^writeMat: f: cannot write function$/],
    ['a class instance', { t: new Map() }, /^writeMat: t: cannot write a Map: give numbers/],
    ['string[] of unequal lengths', { c: ['a', 'bcd'] }, /^writeMat: c: a string\[\] is a char matrix, one row per string, so all need one length \(got 1, 3\); for strings of different lengths give a cell/],
    ['many strings, one of another length', { c: [...Array<string>(99999).fill('ab'), 'abc'] },
      /^writeMat: c: a string\[\] is a char matrix, one row per string, so all need one length \(got 2 for string 1 and 3 for string 100000 of 100000\); for/],
    ['dims and data disagree', { w: { class: 'single', dims: [2, 2], data: new Float32Array(3) } }, /^writeMat: w: dims 2x2 need 4 elements, data has 3$/],
    ['typed array of another class', { w: { class: 'single', dims: [1, 1], data: new Float64Array(1) } }, /^writeMat: w: class 'single' needs data as a Float32Array, got Float64Array\(1\)$/],
    ['bad dims', { w: { class: 'double', dims: [3], data: new Float64Array(3) } }, /^writeMat: w: dims must be two or more integers >= 0, got \[3\]$/],
    ['unknown class', { w: { class: 'float16', dims: [1, 1], data: [] } }, /^writeMat: w: unknown class 'float16'$/],
    ['a function handle', { c: [{ class: 'function', classname: 'function_handle' }] }, /^writeMat: c\{1\}: cannot write a MATLAB function handle/],
    ['struct element with other fields', { s: { class: 'struct', dims: [1, 2], fields: ['a'], data: [{ a: 1 }, { b: 2 }] } }, /^writeMat: s\(2\): the element's fields must be the array's fields \(a\); missing a; not in fields: b$/],
    ['nested path in a cell in a struct', { net: { layers: [{ w: [1, null] }] } }, /^writeMat: net\.layers\{1\}\.w\{2\}: cannot write null$/],
    ['bigint out of range', { b: 2n ** 63n }, /^writeMat: b: the bigint 9223372036854775808 does not fit int64$/],
    ['Float16-like or DataView', { d: new DataView(new ArrayBuffer(4)) }, /^writeMat: d: cannot write a DataView/],
  ];
  for (const [what, vars, msg] of bad) {
    it(what, () => {
      let err: unknown = null;
      try { writeMat(vars as never); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(MatWriteError);
      expect((err as Error).message).toMatch(msg);
    });
  }

  it('names: identifiers of at most 63 characters, for variables and fields', () => {
    expect(() => writeMat({ ['a'.repeat(63)]: 1 })).not.toThrow();
    expect(() => writeMat({ ['a'.repeat(64)]: 1 })).toThrow(/^writeMat: a{64}: variable name 'a{64}' is not a MATLAB name \(a letter, then letters, digits or _, at most 63 characters; it has 64\)$/);
    expect(() => writeMat({ '2x': 1 })).toThrow(/variable name '2x' is not a MATLAB name/);
    expect(() => writeMat({ s: { 'my field': 1 } })).toThrow(/^writeMat: s: field 'my field' is not a MATLAB name/);
    expect(() => writeMat({ s: JSON.parse('{"__proto__": 1}') })).toThrow(/field '__proto__' is not a MATLAB name/);
    // A cycle or a nesting deeper than the stack: a named Error, not a RangeError from the recursion.
    const loop: unknown[] = [1];
    loop.push(loop);
    expect(() => writeMat({ loop } as never)).toThrow(/^writeMat: loop\{2\}: is one of its own containers \(a cycle\), which a MAT file cannot hold$/);
    let deep: unknown = 1;
    for (let i = 0; i < 3000; i++) deep = [deep, 'x'];
    expect(() => writeMat({ deep } as never)).toThrow(/^writeMat: deep(\{1\})+: is nested more than 500 deep$/);
    const shared = { a: 1 };
    expect(Object.keys(readMatBytes(writeMat({ s: { x: shared, y: shared } })).s as object)).toEqual(['x', 'y']); // twice is no cycle
  });

  it('options', () => {
    expect(() => writeMat({ a: 1 }, { compres: true } as never)).toThrow(/^writeMat: unknown option 'compres'; the options are 'compress'$/);
    expect(() => writeMat({ a: 1 }, { compress: 1 } as never)).toThrow(/^writeMat: compress must be true or false, got number 1$/);
    expect(() => writeMat([1] as never)).toThrow(/^writeMat: vars must be an object of variables by name/);
  });
});

describe('corrupted files: a MatReadError or a value, never another exception, never a hang', () => {
  const victims = ['scipy/teststruct_6.1_SOL2', 'scipy/testcellnest_7.4_GLNX86', 'scipy/testsparsecomplex_7.4_GLNX86',
    'scipy/testunicode_7.4_GLNX86', 'scipy/teststructarr_6.5.1_GLNX86', 'octave/octave_v6', 'octave/octave_v7', 'savemat/savemat_v7'];
  /** Read, and say how it went: a thrown error must be a MatReadError of our own (no wrapped exception). */
  const attempt = (b: Uint8Array): 'ok' | 'error' => {
    try {
      readMatBytes(b);
      return 'ok';
    } catch (e) {
      if (!(e instanceof MatReadError) || e.cause !== undefined || !/^readMat: the given buffer: /.test(e.message)) throw e;
      return 'error';
    }
  };
  for (const name of victims) {
    it(`${name}: every truncation, and 400 flipped bytes`, () => {
      const file = matBytes(name);
      let errors = 0;
      for (let n = 0; n < file.length; n += file.length > 3000 ? 3 : 1) if (attempt(file.subarray(0, n)) === 'error') errors++;
      expect(errors).toBeGreaterThan(0);
      const r = rng(name.length * 7919);
      for (let k = 0; k < 400; k++) {
        const b = file.slice();
        const at = 128 + Math.floor(r() * (b.length - 128));
        b[at] ^= 1 + Math.floor(r() * 255);
        if (k % 4 === 0 && at + 4 < b.length) b.fill(0xff, at, at + 4);
        attempt(b);
      }
    });
  }
});
