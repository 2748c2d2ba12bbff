// simplennDisplay: vl_simplenn_display (NETWORKS.md §2.2) — receptive fields, data sizes and memory,
// as a transposed table (one row per field, one column per layer) in ascii, latex or csv.

import { isTensor } from '../tensor.js';
import { checkOptions, show, tagOf } from '../options.js';
import { fmtD, fmtF0, fmtG } from './format.js';
import { isMatNumeric, toNumberArray } from './tidy.js';
import { layerLabel, type Layer, type SimpleNN } from './types.js';
import { checkLayerFields } from './fields.js';

const WHO = 'simplennDisplay';

export interface DisplayOptions {
  /** [H, W, C, N] of the input (fewer elements: the rest NaN, N 1). Default net.meta.inputSize, else
   * net.meta.normalization.imageSize, else [NaN, NaN, NaN, 1]. */
  inputSize?: number[];
  /** Overrides N of the input size. */
  batchSize?: number;
  /** Layer columns per table (default 18); wider nets print several tables. */
  maxNumColumns?: number;
  /** 'ascii' (default), 'latex' or 'csv'. */
  format?: 'ascii' | 'latex' | 'csv';
}

/** vl_simplenn_display's `info`: one entry per layer (dataSize: one per layer and the input first). */
export interface NetInfo {
  support: [number, number][];
  stride: [number, number][];
  pad: [number, number, number, number][];
  receptiveFieldSize: [number, number][];
  receptiveFieldOffset: [number, number][];
  receptiveFieldStride: [number, number][];
  dataSize: [number, number, number, number][];
}

/** size(F, k) (k from 1) of a filter bank as a Tensor, a MAT array or [] (0x0). */
function sizeOf(F: unknown, k: number): number {
  if (isTensor(F)) return F.shape[k - 1];
  if (isMatNumeric(F)) return F.dims[k - 1] ?? 1;
  return k <= 2 ? 0 : 1;
}

function numelOf(v: unknown): number {
  if (isTensor(v)) return v.numel;
  if (isMatNumeric(v)) return v.data.length;
  return 0;
}

function filtersOf(ly: Layer): unknown {
  const w = ly.weights as unknown;
  if (Array.isArray(w)) return w[0];
  if (typeof w === 'object' && w !== null && Array.isArray((w as { data?: unknown }).data)) return (w as { data: unknown[] }).data[0];
  return ly.filters;
}

/** A field as `n` numbers: one value broadcast, or exactly n. */
function tuple(l: number, ly: Layer, name: string, v: unknown, n: number): number[] {
  const a = toNumberArray(v);
  if (a.length === 1) return new Array<number>(n).fill(a[0]);
  if (a.length !== n) throw new Error(`${WHO}: ${layerLabel(l, ly)}: ${name} must have 1 or ${n} elements, got ${show(v)}`);
  return a;
}

/**
 * info = describe(net, opts): support, stride and pad of every layer, the receptive field of its
 * output on the input (size, offset of output element 0's centre as a 1-based input coordinate,
 * stride) and every data size, as vl_simplenn_display computes them. Only conv (its filters, dilated)
 * and pool have a support; convt, pdist and the rest count as 1x1 with their stride and pad fields.
 */
export function describe(net: SimpleNN, opts: DisplayOptions = {}): NetInfo {
  const layers = net.layers;
  const info: NetInfo = { support: [], stride: [], pad: [], receptiveFieldSize: [], receptiveFieldOffset: [],
    receptiveFieldStride: [], dataSize: [inputSizeOf(net, opts)] };
  const S: [number, number] = [1, 1];
  const size: [number, number] = [1, 1];
  const offset: [number, number] = [1, 1];
  layers.forEach((ly, l) => {
    try {
      checkLayerFields(ly);
    } catch (e) {
      throw new Error(`${WHO}: ${layerLabel(l, ly)}: ${(e as Error).message}`, { cause: e });
    }
    let f: number[] = [1, 1];
    if (ly.type === 'conv') {
      const F = filtersOf(ly);
      const dil = tuple(l, ly, 'dilate', ly.dilate ?? 1, 2);
      f = [0, 1].map((a) => (Math.max(sizeOf(F, a + 1), 1) - 1) * dil[a] + 1);
    } else if (ly.type === 'pool') {
      f = tuple(l, ly, 'pool', ly.pool, 2);
    }
    const s = ly.stride === undefined ? [1, 1] : tuple(l, ly, 'stride', ly.stride, 2);
    const p = ly.pad === undefined ? [0, 0, 0, 0] : tuple(l, ly, 'pad', ly.pad, 4);
    info.support.push([f[0], f[1]]);
    info.stride.push([s[0], s[1]]);
    info.pad.push([p[0], p[1], p[2], p[3]]);
    // rfsize = 1 + sum_k S_k (f_k - 1), rfoffset = 1 + sum_k S_k ((f_k - 1)/2 - pad_k), S_k = prod_{j<k} s_j
    for (const a of [0, 1]) {
      size[a] += S[a] * (f[a] - 1);
      offset[a] += S[a] * ((f[a] - 1) / 2 - p[2 * a]);
      S[a] *= s[a];
    }
    info.receptiveFieldSize.push([size[0], size[1]]);
    info.receptiveFieldOffset.push([offset[0], offset[1]]);
    info.receptiveFieldStride.push([S[0], S[1]]);
    info.dataSize.push(nextSize(l, ly, info.dataSize[l], f, s, p));
  });
  return info;
}

function nextSize(l: number, ly: Layer, d: number[], f: number[], s: number[], p: number[]): [number, number, number, number] {
  if (ly.type === 'custom' && typeof ly.getForwardSize === 'function') {
    const sz = toNumberArray((ly.getForwardSize as (ly: Layer, size: number[]) => unknown)(ly, d.slice()));
    if (sz.length !== 4) throw new Error(`${WHO}: ${layerLabel(l, ly)}: getForwardSize must return 4 sizes, got ${show(sz)}`);
    return [sz[0], sz[1], sz[2], sz[3]];
  }
  const out: [number, number, number, number] = [
    Math.floor((d[0] + p[0] + p[1] - f[0]) / s[0]) + 1, Math.floor((d[1] + p[2] + p[3] - f[1]) / s[1]) + 1, d[2], d[3]];
  if (ly.type === 'conv') {
    const F = filtersOf(ly);
    if (sizeOf(F, 3) !== 0) out[2] = sizeOf(F, 4);
  } else if (ly.type === 'loss' || ly.type === 'softmaxloss') {
    out[2] = 1;
    out[3] = 1;
  } else if (ly.type === 'custom') {
    out[2] = NaN;
  }
  return out;
}

function inputSizeOf(net: SimpleNN, opts: DisplayOptions): [number, number, number, number] {
  const size = [NaN, NaN, NaN, 1];
  const meta = net.meta as Record<string, unknown> | undefined;
  const norm = meta?.normalization as Record<string, unknown> | undefined;
  const given = opts.inputSize ?? meta?.inputSize ?? norm?.imageSize;
  if (opts.batchSize !== undefined && !(Number.isInteger(opts.batchSize) && opts.batchSize >= 1)) {
    throw new Error(`${WHO}: batchSize must be an integer >= 1, got ${show(opts.batchSize)}`);
  }
  if (given !== undefined) {
    const v = toNumberArray(given);
    if (v.length > 4) throw new Error(`${WHO}: inputSize must have at most 4 elements [H, W, C, N], got ${show(given)}`);
    // NaN is MATLAB's "unknown" (what the missing elements get); anything else must be a size.
    if (opts.inputSize !== undefined && !v.every((d) => Number.isNaN(d) || (Number.isInteger(d) && d >= 1))) {
      throw new Error(`${WHO}: inputSize must be integers >= 1 (or NaN for unknown) [H, W, C, N], got ${show(given)}`);
    }
    v.forEach((x, i) => { size[i] = x; });
  }
  if (opts.batchSize !== undefined) size[3] = opts.batchSize;
  return size as [number, number, number, number];
}

/** pdims: one number when all are equal, else joined by 'x' (%.4g each; NaN is never equal). */
function pdims(x: readonly number[]): string {
  return x.every((v) => v === x[0]) ? fmtG(x[0], 4) : x.map((v) => fmtG(v, 4)).join('x');
}

/** pmem: bytes as B, KB, MB or GB (%.0f). */
function pmem(b: number): string {
  if (Number.isNaN(b)) return 'NaN';
  if (b < 1024) return `${fmtF0(b)}B`;
  if (b < 1024 ** 2) return `${fmtF0(b / 1024)}KB`;
  if (b < 1024 ** 3) return `${fmtF0(b / 1024 ** 2)}MB`;
  return `${fmtF0(b / 1024 ** 3)}GB`;
}

const FIELDS: [string, string][] = [
  ['layer', 'layer'], ['type', 'type'], ['name', 'name'], ['-', '-'],
  ['support', 'support'], ['filtd', 'filt dim'], ['filtdil', 'filt dilat'], ['nfilt', 'num filts'],
  ['stride', 'stride'], ['pad', 'pad'], ['-', '-'],
  ['rfsize', 'rf size'], ['rfoffset', 'rf offset'], ['rfstride', 'rf stride'], ['-', '-'],
  ['dsize', 'data size'], ['ddepth', 'data depth'], ['dnum', 'data num'], ['-', '-'],
  ['xmem', 'data mem'], ['wmem', 'param mem'],
];

function typeName(ly: Layer): string {
  switch (ly.type) {
    case 'normalize': return 'norm';
    case 'pool': return typeof ly.method === 'string' && ly.method.toLowerCase() === 'avg' ? 'apool' : 'mpool';
    case 'softmax': return 'softmx';
    case 'softmaxloss': return 'softmxl';
    default: return String(ly.type);
  }
}

function weightBytes(ly: Layer): number {
  const w = ly.weights as unknown;
  const items = Array.isArray(w) ? w : typeof w === 'object' && w !== null && Array.isArray((w as { data?: unknown }).data)
    ? (w as { data: unknown[] }).data : [];
  let a = 0;
  for (const v of items) a += 4 * numelOf(v);
  return a + 4 * numelOf(ly.filters) + 4 * numelOf(ly.biases);
}

/** The cell of `field` for column l (0 = the input pseudo-layer); sums memory into `tot`. */
function cell(net: SimpleNN, info: NetInfo, field: string, l: number, tot: { x: number; w: number }): string {
  const d = info.dataSize[l];
  switch (field) {
    case '-': return '-';
    case 'layer': return fmtD(l);
    case 'dsize': return pdims([d[0], d[1]]);
    case 'ddepth': return fmtD(d[2]);
    case 'dnum': return fmtD(d[3]);
    case 'xmem': {
      const a = d[0] * d[1] * d[2] * d[3] * 4;
      tot.x += a;
      return pmem(a);
    }
    default: break;
  }
  if (l === 0) return field === 'type' ? 'input' : 'n/a';
  const ly = net.layers[l - 1];
  const i = l - 1;
  const conv = ly.type === 'conv';
  switch (field) {
    case 'name': return typeof ly.name === 'string' ? ly.name : '';
    case 'type': return typeName(ly);
    case 'nfilt': return conv ? fmtD(sizeOf(filtersOf(ly), 4)) : 'n/a';
    case 'filtd': return conv ? fmtD(sizeOf(filtersOf(ly), 3)) : 'n/a';
    case 'filtdil': return conv ? toNumberArray(ly.dilate ?? 1).map(fmtD).join('') : 'n/a';
    case 'support': return pdims(info.support[i]);
    case 'stride': return pdims(info.stride[i]);
    case 'pad': return pdims(info.pad[i]);
    case 'rfsize': return pdims(info.receptiveFieldSize[i]);
    case 'rfoffset': return pdims(info.receptiveFieldOffset[i]);
    case 'rfstride': return pdims(info.receptiveFieldStride[i]);
    case 'wmem': {
      const a = weightBytes(ly);
      tot.w += a;
      return pmem(a);
    }
    default: throw new Error(`${WHO}: no field '${field}'`);
  }
}

/**
 * str = simplennDisplay(net, opts?): vl_simplenn_display's text. A table with one row per field
 * (layer, type, name, support, filt dim, filt dilat, num filts, stride, pad, rf size, rf offset,
 * rf stride, data size, data depth, data num, data mem, param mem) and one column per layer after
 * the input's, split into tables of `maxNumColumns` layer columns, then a summary of parameter and
 * data memory (4 bytes per element; data memory for the whole batch). Numbers print as MATLAB's
 * sprintf does (%.4g, %d, %.0f). ascii cells are right-aligned to their column and end in '|';
 * csv cells are `"s",` without separator rows; latex is a tabular with \hline for separators.
 * Works on legacy nets too (filters/biases); describe() gives the numbers alone.
 */
export function simplennDisplay(net: SimpleNN, opts: DisplayOptions = {}): string {
  checkOptions(WHO, opts, ['inputSize', 'batchSize', 'maxNumColumns', 'format']);
  const format = opts.format ?? 'ascii';
  if (format !== 'ascii' && format !== 'latex' && format !== 'csv') {
    throw new Error(`${WHO}: format must be 'ascii', 'latex' or 'csv', got ${show(format)}`);
  }
  const maxCols = opts.maxNumColumns ?? 18;
  if (!Number.isInteger(maxCols) || maxCols < 1) throw new Error(`${WHO}: maxNumColumns must be an integer >= 1, got ${show(maxCols)}`);
  if (typeof net !== 'object' || net === null || !Array.isArray(net.layers)) {
    throw new Error(`${WHO}: net must be a simplenn net { layers: [...] }, got ${tagOf(net)}`);
  }
  const info = describe(net, opts);
  const tot = { x: 0, w: 0 };
  const table = FIELDS.map(([field, label]) => [label, ...net.layers.concat([null as unknown as Layer]).map((_, l) =>
    cell(net, info, field, l, tot))]);
  let str = '';
  const ncols = table[0].length;
  for (let i = 1; i < ncols; i += maxCols) {
    str += ptable(format, table.map((row) => [row[0], ...row.slice(i, Math.min(i + maxCols, ncols))]));
  }
  str += ptable(format, [
    ['parameter memory', `${pmem(tot.w)} (${fmtG(tot.w / 4, 2)} parameters)`],
    ['data memory', `${pmem(tot.x)} (for batch size ${fmtD(info.dataSize[0][3])})`],
  ]);
  return str;
}

function ptable(format: 'ascii' | 'latex' | 'csv', table: string[][]): string {
  const widths = table[0].map((_, j) => Math.max(...table.map((row) => row[j].length)));
  const pad = (s: string, w: number): string => s.padStart(w);
  let str = '';
  if (format === 'ascii') {
    for (const row of table) str += row.map((s, j) => `${pad(s === '-' ? '-'.repeat(widths[j]) : s, widths[j])}|`).join('') + '\n';
  } else if (format === 'csv') {
    for (const row of table) if (row[0] !== '-') str += row.map((s) => `"${s}",`).join('') + '\n';
  } else {
    str += `\\begin{tabular}{${'c'.repeat(widths.length)}}\n`;
    for (const row of table) {
      str += row[0] === '-' ? '\\hline\n' : row.map((s, j) => pad(latexEscape(s), widths[j])).join('&') + '\\\\\n';
    }
    str += '\\end{tabular}\n';
  }
  return str + '\n';
}

function latexEscape(s: string): string {
  return s.replaceAll('\\', '\\\\').replaceAll('_', '\\char`_');
}
