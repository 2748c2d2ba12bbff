% Octave-written MAT fixtures for tests/mat.test.ts (run once, commit the output):
%
%   cd tests/fixtures/mat/octave && octave-cli --no-gui --quiet ../../../../tools/make-mat-fixtures-octave.m
%   python3 tools/make-mat-fixtures.py tests/fixtures/mat/octave    # the expected values, as scipy reads them
%
% Octave exercises what scipy's writer never does: UTF-16 strings (every 1xN
% char row, ASCII too), field-name slots 64 wide, its own struct array and
% int64 layouts. NOTE: Octave 7.3 does NOT narrow integer-valued double or
% single data (its get_save_type always answers LS_DOUBLE; checked on these
% files: d_narrow_* are miDOUBLE, s_narrow_* miSINGLE), so the d_/s_narrow
% variables only check that such values read back as their class; narrowed
% storage comes from MATLAB's files (scipy fixtures testmatrix, testminus) and
% from hand-built elements in tests/mat.test.ts. Made with Debian's octave 7.3.

ascii_text = 'plain ASCII text';
utf16_text = 'Größe 3×3 µm — ünïcödé';
chars2 = ['abc'; 'xyz'];
empty_str = '';
d_narrow_u8 = [1 2 3; 4 5 255];
d_narrow_i16 = [-1 -300 7];
d_narrow_i32 = [70000 -70000];
d_frac = [0.5 -1.25 1e-300 pi];
s_narrow = single([0 0 0 0]);
s_narrow_u16 = single([1 2 300 65535]);
s_frac = single([0.1 -2.5 3.25]);
nd = reshape(1:24, [2 3 4]);
nd_single = single(reshape((1:12) / 4, [2 2 3]));
flags = [true false true false];
i8 = int8([-128 0 127]);
u8 = uint8([0 200 255]);
i16 = int16([-32768 32767]);
u16 = uint16(65535);
i32 = int32([-2147483648 2147483647]);
u32 = uint32(4294967295);
i64 = int64(2)^53 + int64(1);
u64 = intmax('uint64');
z = [1+2i, -3.5-0.25i];
empty_double = [];
empty_rows = zeros(0, 3);
empty_cell = {};
cell_mixed = {1, 'two', {3, 'four'}, single([5 6])};
sa(1).name = 'conv1'; sa(1).size = [3 3 1 20];
sa(2).name = 'relu1'; sa(2).size = [];
sa(3).name = 'pool1'; sa(3).size = [2 2];
nested.meta.classes = {'cat', 'dog'};
nested.meta.lr = 0.001;
nested.layers = {struct('type', 'conv', 'weights', {{single([1 2; 3 4]), single(0.5)}})};
long.(['f' repmat('x', 1, 62)]) = 1;
long.short = 'y';
sp = sparse([1 0 0; 0 0 2.5; 0 -1 0]);

vars = {'ascii_text', 'utf16_text', 'chars2', 'empty_str', 'd_narrow_u8', 'd_narrow_i16', 'd_narrow_i32', ...
        'd_frac', 's_narrow', 's_narrow_u16', 's_frac', 'nd', 'nd_single', 'flags', 'i8', 'u8', 'i16', 'u16', ...
        'i32', 'u32', 'i64', 'u64', 'z', 'empty_double', 'empty_rows', 'empty_cell', 'cell_mixed', 'sa', ...
        'nested', 'long', 'sp'};
save('-v6', 'octave_v6.mat', vars{:});
save('-v7', 'octave_v7.mat', vars{:});
