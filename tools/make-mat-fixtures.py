#!/usr/bin/env python3
"""Expected values for readMat's fixtures, as scipy.io.loadmat reads them.

    python3 tools/make-mat-fixtures.py            # all three folders below
    python3 tools/make-mat-fixtures.py DIR...     # only these folders
    python3 tools/make-mat-fixtures.py --savemat  # also write the savemat files again
    python3 tools/make-mat-fixtures.py --print F  # scipy's reading of F as JSON on stdout
                                                  # (tests/mat.node.test.ts, for writeMat's files)

1. Writes tests/fixtures/mat/savemat/*.mat, when missing or with --savemat
   (their headers hold the date), with scipy.io.savemat (compressed
   and not, oned_as row and column, dicts as structs, object arrays as cells,
   record arrays as struct arrays, single, ints, logical, complex, sparse...).
2. For every .mat in tests/fixtures/mat/{scipy,octave,savemat}, writes
   <name>.json beside it: scipy's reading with mat_dtype=True (so classes are
   MATLAB's, not the narrower stored types), chars_as_strings=False (so char
   dims are kept), struct_as_record=True, in a form tests/mat.test.ts compares
   with readMat's values:

     numeric  {"class": "double", "dims": [...], "data": [...], "imag": [...]}
              data column-major; NaN/Inf as "NaN"/"Inf"/"-Inf"; int64/uint64 as strings
     char     {"class": "char", "dims": [R, C], "rows": ["...", ...]}  (N-D: "units")
     struct   {"class": "struct", "dims": [...], "fields": [...], "data": [{...}, ...]}
     object   the same with "class": "object" and "classname"
     cell     {"class": "cell", "dims": [...], "data": [...]}
     sparse   {"class": "sparse", "dims": [M, N], "logical": b, "ir", "jc", "data", "imag"}
     function / opaque  {"class": "function"} / {"class": "opaque"}
     a file scipy refuses: {"error": "ValueError: ..."}

   Top-level function handles, MCOS objects and __function_workspace__ are
   left out, as readMat skips them. Needs numpy and scipy (1.17.1 made the
   committed files).
"""
import json
import os
import sys
import warnings

import numpy as np
import scipy
import scipy.io as sio
import scipy.sparse as sp
from scipy.io.matlab import MatlabFunction, MatlabObject, MatlabOpaque

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'fixtures', 'mat')

CLASSES = {
    'float64': 'double', 'float32': 'single', 'int8': 'int8', 'uint8': 'uint8', 'int16': 'int16',
    'uint16': 'uint16', 'int32': 'int32', 'uint32': 'uint32', 'int64': 'int64', 'uint64': 'uint64',
    'bool': 'logical', 'complex128': 'double', 'complex64': 'single',
}


def num(x, big):
    if big:
        return str(int(x))
    if isinstance(x, (bool, np.bool_)):
        return int(x)
    x = float(x)
    if np.isnan(x):
        return 'NaN'
    if np.isinf(x):
        return 'Inf' if x > 0 else '-Inf'
    return x


def flat(a):
    """Column-major elements, as MATLAB stores them."""
    return list(np.asarray(a).ravel(order='F'))


def dims(a):
    return [int(d) for d in a.shape]


def value(v, raw):
    """v as loadmat(mat_dtype=True) reads it; raw the same value read with
    mat_dtype=False, for imaginary parts (scipy 1.17 drops them with mat_dtype)."""
    if v is None:
        # scipy's empty struct: an object array of None
        return {'class': 'struct', 'dims': [1, 1], 'fields': [], 'data': [{}]}
    if isinstance(v, MatlabFunction):
        return {'class': 'function'}
    if isinstance(v, MatlabOpaque):
        return {'class': 'opaque'}
    if sp.issparse(v):
        c = sp.csc_matrix(v)
        # mat_dtype=True turns a logical sparse written by savemat into double; the raw read keeps bool
        logical = c.dtype == np.bool_ or (sp.issparse(raw) and raw.dtype == np.bool_)
        out = {'class': 'sparse', 'dims': [int(d) for d in c.shape], 'logical': bool(logical),
               'ir': [int(i) for i in c.indices], 'jc': [int(j) for j in c.indptr]}
        if np.iscomplexobj(c.data):
            out['data'] = [num(x, False) for x in c.data.real]
            out['imag'] = [num(x, False) for x in c.data.imag]
        else:
            out['data'] = [num(x, False) for x in c.data]
        return out
    if isinstance(v, MatlabObject):
        out = struct(v, raw)
        out['class'] = 'object'
        out['classname'] = v.classname
        return out
    a = np.asarray(v)
    r = np.asarray(raw)
    if a.dtype.names is not None:
        return struct(a, r)
    if a.dtype == object and a.size > 0 and all(x is None for x in flat(a)):
        return {'class': 'struct', 'dims': dims(a), 'fields': [], 'data': [{} for _ in range(a.size)]}
    if a.dtype == object:
        return {'class': 'cell', 'dims': dims(a), 'data': [value(x, y) for x, y in zip(flat(a), flat(r))]}
    if a.dtype.kind == 'U':
        if a.ndim <= 2:
            d = dims(a) if a.ndim == 2 else [1, a.size]
            rows = [''.join(a[r, :]) for r in range(d[0])] if a.ndim == 2 else [''.join(a)]
            return {'class': 'char', 'dims': d, 'rows': rows}
        return {'class': 'char', 'dims': dims(a), 'units': [ord(c) for c in flat(a)]}
    name = a.dtype.name
    if name not in CLASSES:
        raise TypeError(f'unexpected dtype {name}')
    big = name in ('int64', 'uint64')
    out = {'class': CLASSES[name], 'dims': dims(a)}
    if r.dtype.kind == 'c':
        out['data'] = [num(x, False) for x in flat(r.real.astype(a.dtype))]
        out['imag'] = [num(x, False) for x in flat(r.imag.astype(a.dtype))]
    else:
        out['data'] = [num(x, big) for x in flat(a)]
    return out


def struct(a, raw):
    a, raw = np.asarray(a), np.asarray(raw)
    fields = list(a.dtype.names or [])
    return {'class': 'struct', 'dims': dims(a), 'fields': fields,
            'data': [{f: value(e[f], r[f]) for f in fields} for e, r in zip(flat(a), flat(raw))]}


def dump(path, stdout=False):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            opts = {'chars_as_strings': False, 'struct_as_record': True, 'spmatrix': True}
            d = sio.loadmat(path, mat_dtype=True, **opts)
            raw = sio.loadmat(path, mat_dtype=False, **opts)
        out = {}
        for k, v in d.items():
            if k.startswith('__'):
                continue
            if isinstance(v, (MatlabFunction, MatlabOpaque)):
                continue
            out[k] = value(v, raw[k])
        res = {'vars': out}
    except Exception as e:  # noqa: BLE001 - the error is the expected value
        res = {'error': f'{type(e).__name__}: {e}'}
    res['scipy'] = scipy.__version__
    if stdout:
        json.dump(res, sys.stdout, ensure_ascii=False, separators=(',', ':'))
        return
    with open(path[:-4] + '.json', 'w') as f:
        json.dump(res, f, ensure_ascii=False, separators=(',', ':'))
        f.write('\n')


def make_savemat(folder):
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(11)
    rec = np.zeros((1, 3), dtype=[('name', object), ('size', object)])
    for i in range(3):
        rec[0, i]['name'] = f'layer{i + 1}'
        rec[0, i]['size'] = np.array([[i + 1, 2 * i + 1]], dtype=float)
    cell = np.empty((2, 2), dtype=object)
    cell[0, 0] = 'text'
    cell[1, 0] = np.arange(3, dtype=np.float32)
    cell[0, 1] = {'k': 1.5}
    cell[1, 1] = np.array([[True, False]])
    common = {
        'weights': rng.standard_normal((3, 3, 2, 4)).astype(np.float32),
        'bias': np.zeros(4, dtype=np.float32),
        'hyper': np.array([[1.0, 0.5, -2.25, np.inf, -np.inf, np.nan]]),
        'count': 7,
        'ints8': np.array([-128, 0, 127], dtype=np.int8), 'intu8': np.array([0, 255], dtype=np.uint8),
        'ints16': np.array([-32768, 32767], dtype=np.int16), 'intu16': np.array([65535], dtype=np.uint16),
        'ints32': np.array([-2147483648, 2147483647], dtype=np.int32),
        'intu32': np.array([4294967295], dtype=np.uint32),
        'ints64': np.array([-9223372036854775808, 9223372036854775807], dtype=np.int64),
        'intu64': np.array([18446744073709551615], dtype=np.uint64),
        'mask': np.array([[True, False, True], [False, False, True]]),
        'text': 'hello, world',
        'unicode': 'Größe: 3×3 μm',
        'lines': np.array(['abc', 'xyz']),
        'net': {'layers': cell, 'meta': {'classes': np.array(['cat', 'dog'], dtype=object), 'lr': 0.01}},
        'arr': rec,
        'empty': np.zeros((0, 0)), 'empty_str': '', 'empty_cell': np.empty((0, 0), dtype=object),
        'nofields': {},
        'z': np.array([1 + 2j, -3.5 - 0.25j]),
        'zs': np.array([[1 - 1j]], dtype=np.complex64),
        'sparse': sp.csc_matrix(np.array([[0, 2.5, 0], [1, 0, 0], [0, 0, -4]])),
        'sparse_logical': sp.csc_matrix(np.array([[True, False], [False, True]])),
        'cube': np.arange(24, dtype=np.float64).reshape((2, 3, 4), order='F'),
    }
    sio.savemat(os.path.join(folder, 'savemat_v6.mat'), common, do_compression=False)
    sio.savemat(os.path.join(folder, 'savemat_v7.mat'), common, do_compression=True)
    sio.savemat(os.path.join(folder, 'savemat_column.mat'),
                {'col': np.array([1.0, 2.0, 3.0]), 'cols': np.arange(4, dtype=np.float32)}, oned_as='column')
    long = 'f' + 'x' * 62
    sio.savemat(os.path.join(folder, 'savemat_long_fields.mat'),
                {'s': {long: 1.0, 'short': 'a'}}, long_field_names=True, do_compression=True)


def main():
    if sys.argv[1:2] == ['--print']:
        dump(sys.argv[2], stdout=True)
        return
    args = [a for a in sys.argv[1:] if a != '--savemat']
    folders = args or [os.path.join(ROOT, d) for d in ('scipy', 'octave', 'savemat')]
    for folder in folders:
        if os.path.basename(os.path.normpath(folder)) == 'savemat':
            if '--savemat' in sys.argv or not os.path.exists(os.path.join(folder, 'savemat_v6.mat')):
                make_savemat(folder)
        if not os.path.isdir(folder):
            print(f'skipping {folder}: no such folder')
            continue
        names = sorted(n for n in os.listdir(folder) if n.endswith('.mat'))
        for n in names:
            dump(os.path.join(folder, n))
        print(f'{folder}: {len(names)} files')


if __name__ == '__main__':
    main()
