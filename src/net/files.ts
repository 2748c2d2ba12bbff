// simplenn nets <-> MAT-file values (NETWORKS.md §6.2): the one place that knows how MatConvNet
// stores a net — variables `layers` (a cell of layer structs) and `meta` (a struct); weights as
// cells of single arrays, every other numeric field double, flags logical, names char. Also
// used by checkpoint.ts for the `net` variable of net-epoch-N.mat.

import { isTensor, type Tensor } from '../tensor.js';
import { matlabSize, tagOf } from '../options.js';
import { readMat, type MatSource } from '../io/mat/reader.js';
import { nested } from '../io/mat/nesting.js';
import { writeMat, writeOptions } from '../io/mat/writer.js';
import type { MatValue, MatWritable } from '../io/mat/types.js';
import { isMatNumeric, matToTensor, simplennTidy } from './tidy.js';
import { layerLabel, type SimpleNN } from './types.js';

/** Fields that are numeric rows even when empty (MATLAB's ones(1, 0) rather than {}). */
const NUMERIC_FIELDS = new Set(['learningRate', 'weightDecay', 'pad', 'stride', 'pool', 'dilate', 'param', 'crop',
  'upsample', 'size', 'numGroups', 'leak', 'rate', 'epsilon', 'p']);

const EMPTY_DOUBLE = (): MatWritable => ({ class: 'double', dims: [0, 0], data: new Float64Array(0) });

const isMatForm = (v: object): boolean => typeof (v as { class?: unknown }).class === 'string' &&
  (Array.isArray((v as { dims?: unknown }).dims) || ['function', 'opaque'].includes((v as { class: string }).class));

function single(t: Tensor): MatWritable {
  return { class: 'single', dims: t.numel === 0 ? [0, 0] : matlabSize(t.shape), data: t.data };
}

/** The objects and arrays toMat is inside, outermost first. */
const open = new Set<object>();

/** One JavaScript value as MATLAB would hold it; `where` names it in errors (MATLAB notation). */
export function toMat(who: string, v: unknown, where: string, key = ''): MatWritable | undefined {
  const fail = (msg: string): never => {
    throw new Error(`${who}: ${where} ${msg}`);
  };
  return nested(open, isTensor(v) ? null : v, fail, () => matOf(who, v, where, key));
}

function matOf(who: string, v: unknown, where: string, key: string): MatWritable | undefined {
  if (v === undefined) return undefined;
  if (v === null) return key === 'weights' ? { class: 'single', dims: [0, 0], data: new Float32Array(0) } : EMPTY_DOUBLE();
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string' || typeof v === 'bigint') return v;
  if (typeof v === 'function') {
    throw new Error(`${who}: ${where} is a function, which a MAT file cannot hold (custom layers cannot be saved)`);
  }
  if (isTensor(v)) return single(v);
  if (ArrayBuffer.isView(v)) return v as unknown as MatWritable;
  if (Array.isArray(v)) {
    if (NUMERIC_FIELDS.has(key) && v.every((x) => typeof x === 'number')) {
      return { class: 'double', dims: [1, v.length], data: Float64Array.from(v as number[]) };
    }
    if (v.length > 0 && (v.every((x) => typeof x === 'number') || v.every((x) => typeof x === 'boolean'))) return v as MatWritable;
    const items = v.map((x, i) => toMat(who, key === 'weights' && x === null ? null : x, `${where}{${i + 1}}`, key === 'weights' ? 'weights' : '') ?? EMPTY_DOUBLE());
    return { class: 'cell', dims: v.length === 0 ? [0, 0] : [1, v.length], data: items as MatValue[] };
  }
  if (typeof v === 'object') {
    if (isMatForm(v)) return v as MatWritable;
    // loadSimpleNN reads a weight back only as a single array: anything else would save a file it refuses.
    if (key === 'weights') throw new Error(`${who}: ${where} must be a Tensor (or null), got ${tagOf(v)}`);
    const out: Record<string, MatWritable> = {};
    for (const [k, x] of Object.entries(v)) {
      const m = toMat(who, x, `${where}.${k}`, k);
      if (m !== undefined) out[k] = m;
    }
    return out;
  }
  throw new Error(`${who}: ${where} is ${tagOf(v)}, which a MAT file cannot hold`);
}

/** `{ layers, meta }` of a net as MAT values (weights single, the rest as MatConvNet saves them). */
export function netToMat(who: string, net: SimpleNN, prefix = '', customWeights = false): { layers: MatWritable; meta: MatWritable } {
  if (typeof net !== 'object' || net === null || !Array.isArray(net.layers)) {
    throw new Error(`${who}: net must be a simplenn net { layers: [...] }, got ${tagOf(net)}`);
  }
  const layers = net.layers.map((ly, l) => {
    if (typeof ly !== 'object' || ly === null) throw new Error(`${who}: ${layerLabel(l, ly)} must be an object, got ${tagOf(ly)}`);
    if (ly.type === 'custom' && !customWeights) {
      throw new Error(`${who}: ${layerLabel(l, ly)} is a custom layer; its functions cannot be saved in a MAT file`);
    }
    const out: Record<string, MatWritable> = {};
    // A checkpoint keeps a custom layer's type, name and weights; its functions come back from the net
    // given to cnnTrain when it resumes.
    const fields = ly.type === 'custom' ? Object.entries(ly).filter(([k]) => ['type', 'name', 'weights', 'learningRate', 'weightDecay'].includes(k))
      : Object.entries(ly);
    for (const [k, x] of fields) {
      const m = toMat(who, x, `${prefix}layers{${l + 1}}.${k} (${layerLabel(l, ly)})`, k);
      if (m !== undefined) out[k] = m;
    }
    return out;
  });
  const meta = toMat(who, net.meta ?? {}, `${prefix}meta`) ?? {};
  return { layers: { class: 'cell', dims: [1, layers.length], data: layers as MatValue[] }, meta };
}

/** What may not stand where a net's values are expected: a MATLAB object or function handle, by path. */
function refuse(who: string, v: unknown, where: string): void {
  if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v)) return;
  const c = (v as { class?: unknown }).class;
  if (c === 'function') {
    throw new Error(`${who}: ${where} is a MATLAB function handle, which cannot be loaded (a custom layer's ` +
      'forward/backward live in MATLAB code)');
  }
  if (c === 'object' || c === 'opaque') {
    throw new Error(`${who}: ${where} is a MATLAB object of class '${(v as { classname?: string }).classname ?? '?'}' ` +
      '(a simplenn net is plain structs and cells; a DagNN must be saved with saveobj and is not simplenn)');
  }
  if (c === 'cell' || c === 'struct') {
    ((v as { data: unknown[] }).data).forEach((x, i) => refuse(who, x, `${where}{${i + 1}}`));
    return;
  }
  if (typeof c === 'string' && Array.isArray((v as { dims?: unknown }).dims)) return; // numeric, char, sparse
  for (const [k, x] of Object.entries(v)) refuse(who, x, `${where}.${k}`);
}

/** A MAT value's elements as a list (a cell or struct array; a 1x1 struct is one), an array as it is; else null. */
export function items(v: unknown): unknown[] | null {
  if (Array.isArray(v)) return v;
  if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v)) return null;
  const c = (v as { class?: unknown }).class;
  if ((c === 'cell' || c === 'struct') && Array.isArray((v as { data?: unknown }).data)) return (v as { data: unknown[] }).data;
  if (c === undefined) return [v];
  return null;
}

/** A numeric or logical MAT array's elements as numbers, else null (chars too). */
export function numbers(v: unknown): number[] | null {
  const o = v as { class?: unknown; dims?: unknown; data?: unknown } | null;
  if (typeof o !== 'object' || o === null || typeof o.class !== 'string' || o.class === 'char' || !Array.isArray(o.dims) ||
    !ArrayBuffer.isView(o.data)) return null;
  return Array.from(o.data as unknown as ArrayLike<number | bigint>, Number);
}

/** meta as JavaScript: cells become arrays (recursively); structs objects; numeric arrays stay readMat's form. */
function metaFromMat(v: unknown): unknown {
  if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v)) return v;
  const c = (v as { class?: unknown }).class;
  if (c === 'cell') return (v as { data: unknown[] }).data.map(metaFromMat);
  if (typeof c === 'string') return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, metaFromMat(x)]));
}

/** A numeric MAT array as numbers (one element: a number; logical: booleans); cells as arrays; else as it is. */
function plainValue(v: unknown): unknown {
  const o = v as { class?: unknown; data?: unknown } | null;
  if (typeof o === 'object' && o !== null && o.class === 'cell' && Array.isArray(o.data)) return o.data.map(plainValue);
  const n = numbers(v);
  if (n === null) return v;
  const out = o!.class === 'logical' ? n.map((x) => x !== 0) : n;
  return out.length === 1 ? out[0] : out;
}

/**
 * What simplennTidy does not convert: legacy `filters`/`biases` become Tensors, and the elements of
 * cells other than `weights` (a conv's opts {'CudnnWorkspaceLimit', 1262485504}) plain values.
 */
function layerFromMat(ly: Record<string, unknown>, l: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ly)) {
    const o = v as { class?: unknown; data?: unknown };
    if ((k === 'filters' || k === 'biases') && isMatNumeric(v)) {
      out[k] = (o.data as unknown as ArrayLike<number>).length === 0 ? null : matToTensor(`layer ${l}: ${k}`, v as never);
    } else if (k !== 'weights' && typeof o === 'object' && o !== null && o.class === 'cell') out[k] = plainValue(v);
    else out[k] = v;
  }
  return out;
}

/**
 * A net from MAT variables: `{ layers, meta }` (zoo and cnn_train files), legacy top-level
 * `layers`, `classes`, `normalization` (and filters/biases inside layers), or a checkpoint's `net`
 * struct; tidied. `where` names the file in errors.
 */
export function netFromMat(who: string, vars: Record<string, unknown>, where: string): SimpleNN {
  let src: Record<string, unknown> = vars;
  let prefix = '';
  if (src.layers === undefined && typeof src.net === 'object' && src.net !== null) {
    refuse(who, src.net, `${where}: net`);
    src = src.net as Record<string, unknown>;
    prefix = 'net.';
  }
  if (src.layers === undefined) {
    const names = Object.keys(vars);
    throw new Error(`${who}: ${where} holds no simplenn net: no variable 'layers' (nor a struct 'net' with one); ` +
      `its variables are ${names.length > 0 ? names.map((n) => `'${n}'`).join(', ') : 'none (MATLAB objects are skipped by readMat)'}`);
  }
  refuse(who, src.layers, `${where}: ${prefix}layers`);
  const list = items(src.layers);
  if (list === null) throw new Error(`${who}: ${where}: ${prefix}layers must be a cell array of layer structs, got ${tagOf(src.layers)}`);
  list.forEach((ly, l) => {
    if (typeof ly !== 'object' || ly === null || Array.isArray(ly) || typeof (ly as { class?: unknown }).class === 'string') {
      throw new Error(`${who}: ${where}: ${prefix}layers{${l + 1}} (layer ${l}) must be a layer struct, got ${tagOf(ly)}`);
    }
  });
  for (const k of ['meta', 'classes', 'normalization'] as const) {
    if (src[k] !== undefined) refuse(who, src[k], `${where}: ${prefix}${k}`);
  }
  try {
    // inside the try: a legacy filters array that is no Tensor is named with the file too
    const net: Record<string, unknown> = { layers: list.map((ly, l) => layerFromMat(ly as Record<string, unknown>, l)) };
    for (const k of ['meta', 'classes', 'normalization'] as const) if (src[k] !== undefined) net[k] = metaFromMat(src[k]);
    return simplennTidy(net as unknown as SimpleNN);
  } catch (e) {
    throw new Error(`${who}: ${where}: ${(e as Error).message}`, { cause: e });
  }
}

export interface SaveOptions {
  /** zlib-compress each variable (MATLAB's -v7); default false (-v6, as MatConvNet's importer writes). */
  compress?: boolean;
}

/**
 * The .mat bytes of a simplenn net as MatConvNet's model files hold it: variables `layers` (1xL cell
 * of structs, fields as the layers have them; weights cells of single arrays, a null bias an empty
 * array) and `meta`, which MATLAB's `net = load(file)` + vl_simplenn and loadSimpleNN read back.
 * A custom layer or any function in the net is an Error naming where.
 */
export function saveSimpleNN(net: SimpleNN, opts: SaveOptions = {}): Uint8Array {
  const who = 'saveSimpleNN';
  const written = writeOptions(who, opts);
  const { layers, meta } = netToMat(who, net);
  return writeMat({ layers, meta }, written);
}

/**
 * A simplenn net from a MatConvNet model file (a path in Node, a URL, a Blob, a Response or bytes):
 * `layers` + `meta` as the zoo files and cnn_train's checkpoints (`net`) hold them, legacy layouts
 * included (top-level `classes`/`normalization`, conv `filters`/`biases`), then simplennTidy.
 * Weights become Tensors; meta's cells become arrays, its numeric arrays stay readMat's
 * `{ class, dims, data }`. A conv's `opts` (e.g. CudnnWorkspaceLimit) are kept and ignored.
 * A MATLAB object or function handle where the net's values are expected is an Error naming where.
 */
export async function loadSimpleNN(source: MatSource): Promise<SimpleNN> {
  const who = 'loadSimpleNN';
  const where = typeof source === 'string' ? `'${source}'` : source instanceof URL ? `'${source.href}'` : 'the given file';
  const vars = await readMat(source);
  return netFromMat(who, vars, where);
}
