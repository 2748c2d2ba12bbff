// By hand, where GNU Octave is installed (apt-get install octave; CI does not):
//
//   node --import tsx tools/check-writemat-octave.mts
//
// writeMat writes one file of every kind, uncompressed and compressed; Octave
// loads each and checks every value with assert (class, size, contents).
// Prints "octave: all checks passed (v6, v7)" or Octave's error.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeMat } from '../src/io/mat/writer.js';

const vars = {
  num: 2.5,
  row: [1, -2, 3.25],
  col: { class: 'double', dims: [3, 1], data: Float64Array.of(1, 2, 3) },
  flag: true,
  flags: [true, false, true],
  big: -(2n ** 62n),
  w: { class: 'single', dims: [2, 3, 2], data: Float32Array.from({ length: 12 }, (_, i) => i / 4) },
  i8: Int8Array.of(-128, 127), u16: Uint16Array.of(65535), i32: Int32Array.of(-2147483648), u64: BigUint64Array.of(2n ** 64n - 1n),
  z: { class: 'double', dims: [1, 2], data: Float64Array.of(1, -3), imag: Float64Array.of(2, 0.5) },
  text: 'conv1',
  utext: 'Größe αβγ',
  lines: ['abc', 'xyz'],
  empty: [],
  estr: '',
  cellmix: [1, 'two', [3, 4], { k: 5 }],
  s: { a: 1, b: 'bee', nested: { c: [true, false] } },
  sa: { class: 'struct', dims: [1, 3], fields: ['name', 'size'], data: [
    { name: 'conv1', size: [3, 3] }, { name: 'relu1', size: [] }, { name: 'pool1', size: [2, 2] }] },
  ['f' + 'x'.repeat(62)]: 7,
  sp: { class: 'sparse', dims: [3, 2], logical: false, ir: Int32Array.of(0, 2, 1), jc: Int32Array.of(0, 2, 3), data: Float64Array.of(1.5, -2, 3) },
  net: {
    layers: [{ type: 'conv', name: 'conv1', weights: [{ class: 'single', dims: [5, 5, 1, 2], data: Float32Array.from({ length: 50 }, (_, i) => i) }, Float32Array.of(0, 0)], stride: [1, 1] },
      { type: 'relu', name: 'relu1' }],
    meta: { classes: { name: { class: 'cell', dims: [1, 2], data: ['cat', 'dog'] } } },
  },
};

const checks = `
function check(f)
  S = load(f);
  assert(isa(S.num, 'double') && isequal(S.num, 2.5));
  assert(isequal(size(S.row), [1 3]) && isequal(S.row, [1 -2 3.25]));
  assert(isequal(size(S.col), [3 1]) && isequal(S.col, [1; 2; 3]));
  assert(islogical(S.flag) && S.flag);
  assert(islogical(S.flags) && isequal(S.flags, [true false true]));
  assert(isa(S.big, 'int64') && S.big == -int64(2)^62);
  assert(isa(S.w, 'single') && isequal(size(S.w), [2 3 2]) && isequal(S.w(:)', single((0:11) / 4)));
  assert(isa(S.i8, 'int8') && isequal(S.i8, int8([-128 127])));
  assert(isa(S.u16, 'uint16') && S.u16 == 65535);
  assert(isa(S.i32, 'int32') && S.i32 == intmin('int32'));
  assert(isa(S.u64, 'uint64') && S.u64 == intmax('uint64'));
  assert(iscomplex(S.z) && isequal(S.z, [1+2i, -3+0.5i]));
  assert(ischar(S.text) && strcmp(S.text, 'conv1'));
  assert(ischar(S.utext) && strcmp(S.utext, 'Größe αβγ'));
  assert(ischar(S.lines) && isequal(S.lines, ['abc'; 'xyz']));
  assert(isempty(S.empty) && isa(S.empty, 'double'));
  assert(ischar(S.estr) && isempty(S.estr));
  assert(iscell(S.cellmix) && isequal(size(S.cellmix), [1 4]) && S.cellmix{1} == 1 && strcmp(S.cellmix{2}, 'two') && isequal(S.cellmix{3}, [3 4]) && S.cellmix{4}.k == 5);
  assert(isstruct(S.s) && isequal(fieldnames(S.s), {'a'; 'b'; 'nested'}) && strcmp(S.s.b, 'bee') && isequal(S.s.nested.c, [true false]));
  assert(isstruct(S.sa) && isequal(size(S.sa), [1 3]) && strcmp(S.sa(3).name, 'pool1') && isempty(S.sa(2).size) && isequal(S.sa(1).size, [3 3]));
  assert(S.(['f' repmat('x', 1, 62)]) == 7);
  assert(issparse(S.sp) && isequal(full(S.sp), [1.5 0; 0 3; -2 0]));
  L = S.net.layers;
  assert(iscell(L) && numel(L) == 2 && strcmp(L{1}.type, 'conv') && isa(L{1}.weights{1}, 'single'));
  assert(isequal(size(L{1}.weights{1}), [5 5 1 2]) && L{1}.weights{1}(5, 5, 1, 2) == 49 && isequal(L{1}.stride, [1 1]));
  assert(isequal(S.net.meta.classes.name, {'cat', 'dog'}));
end
`;

const dir = mkdtempSync(join(tmpdir(), 'nnblocks-octave-'));
try {
  writeFileSync(join(dir, 'v6.mat'), writeMat(vars as never));
  writeFileSync(join(dir, 'v7.mat'), writeMat(vars as never, { compress: true }));
  writeFileSync(join(dir, 'check.m'), checks);
  const r = spawnSync('octave-cli', ['--no-gui', '--quiet', '--eval',
    `cd('${dir}'); check('v6.mat'); check('v7.mat'); disp('octave: all checks passed (v6, v7)')`], { encoding: 'utf8' });
  if (r.error) throw new Error(`cannot run octave-cli: ${r.error.message} (apt-get install octave)`);
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  process.exitCode = /all checks passed/.test(r.stdout) ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
