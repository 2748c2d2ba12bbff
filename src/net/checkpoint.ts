// cnnTrain's files in expDir (cnn_train's modelPath, saveState, saveStats, loadState,
// findLastCheckpoint): net-epoch-N.mat holds `net` and `state`, then `stats` is appended, so a
// file that lacks it was only partially saved; net-train.png shows the curves. Node, Deno and Bun
// only: the file system is imported lazily through node-fs.ts, and a browser gets an Error.

import { isTensor } from '../tensor.js';
import { matlabSize, show, tagOf } from '../options.js';
import { nodeFs, type NodeFs } from '../node-fs.js';
import { readMat } from '../io/mat/reader.js';
import { writeMat } from '../io/mat/writer.js';
import type { MatWritable } from '../io/mat/types.js';
import { items, netFromMat, netToMat, numbers } from './files.js';
import { trainingCurvesPNG, type TrainStats } from './curves.js';
import type { EpochStats } from './progress.js';
import type { SolverState } from './solvers.js';
import type { TrainState } from './train.js';
import { matToTensor } from './tidy.js';
import { layerLabel, type Layer, type SimpleNN } from './types.js';

/** Bytes of a MAT file's header: what an appended variable leaves out. */
const MAT_HEADER = 128;

/** expDir/net-epoch-<epoch>.mat */
export function modelPath(expDir: string, epoch: number): string {
  return `${expDir.replace(/[/\\]+$/, '')}/net-epoch-${epoch}.mat`;
}

/** cnnTrain's view of expDir. */
export interface CheckpointFiles {
  /** The largest N of the net-epoch-N.mat files in expDir, 0 if none (or no expDir yet). */
  findLastCheckpoint(): Promise<number>;
  /** The checkpoint of `epoch`; custom layers take their functions from the same layers of `current`. */
  loadState(epoch: number, current: SimpleNN): Promise<{ net: SimpleNN; state: TrainState; stats: TrainStats }>;
  saveState(epoch: number, net: SimpleNN, state: TrainState): Promise<void>;
  saveStats(epoch: number, stats: TrainStats): Promise<void>;
  saveCurves(stats: TrainStats): Promise<void>;
}

/** The files of expDir (created if missing), or an Error where there is no file system. */
export async function checkpointFiles(who: string, expDir: string): Promise<CheckpointFiles> {
  let fs: NodeFs;
  try {
    fs = await nodeFs(who);
  } catch {
    throw new Error(`${who}: expDir '${expDir}' needs a file system (Node, Deno or Bun), which this runtime does not have; ` +
      'leave expDir out (no checkpoints) and keep the returned net with saveSimpleNN(net)');
  }
  try {
    await fs.mkdir(expDir, { recursive: true });
  } catch (e) {
    throw new Error(`${who}: cannot create expDir '${expDir}': ${(e as Error).message}`);
  }
  const io = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      throw new Error(`${who}: cannot ${what}: ${(e as Error).message}`, { cause: e });
    }
  };
  return {
    findLastCheckpoint: async () => {
      const names = await io(`list expDir '${expDir}'`, () => fs.readdir(expDir));
      let last = 0;
      for (const name of names) {
        const m = /^net-epoch-(\d+)\.mat$/.exec(name);
        if (m) last = Math.max(last, Number(m[1]));
      }
      return last;
    },
    loadState: async (epoch, current) => {
      const path = modelPath(expDir, epoch);
      const vars = await readMat(path);
      if (vars.stats === undefined) {
        throw new Error(`${who}: Epoch '${path}' was only partially saved. Delete this file and try again.`);
      }
      const where = `'${path}'`;
      if (vars.net === undefined || vars.state === undefined) throw new Error(`${who}: ${where} has no 'net' and 'state'; it is not a cnnTrain checkpoint`);
      const net = withCustomLayers(who, netFromMat(who, { net: vars.net }, where), current, where);
      return { net, state: stateFromMat(who, vars.state, net, where), stats: statsFromMat(who, vars.stats, where) };
    },
    saveState: async (epoch, net, state) => {
      const bytes = writeMat({ net: checkpointNet(who, net), state: stateToMat(net, state) });
      await io(`write '${modelPath(expDir, epoch)}'`, () => fs.writeFile(modelPath(expDir, epoch), bytes));
    },
    saveStats: async (epoch, stats) => {
      // MATLAB's save(file, 'stats', '-append'): a Level-5 file is its header and then one element
      // per variable, so the variable alone (without a second header) goes at the end.
      const bytes = writeMat({ stats: statsToMat(stats) }).subarray(MAT_HEADER);
      await io(`append stats to '${modelPath(expDir, epoch)}'`, () => fs.appendFile(modelPath(expDir, epoch), bytes));
    },
    saveCurves: async (stats) => {
      const path = `${expDir.replace(/[/\\]+$/, '')}/net-train.png`;
      await io(`write '${path}'`, () => fs.writeFile(path, trainingCurvesPNG(stats)));
    },
  };
}

/** The net as a checkpoint holds it: a struct `net` with `layers` and `meta`; the last batch's labels left out. */
function checkpointNet(who: string, net: SimpleNN): MatWritable {
  const layers = net.layers.slice();
  const last = layers[layers.length - 1];
  if (last !== undefined && 'class' in last) {
    const { class: _labels, ...rest } = last;
    layers[layers.length - 1] = rest as typeof last;
  }
  return netToMat(who, { ...net, layers }, 'net.', true);
}

/**
 * A loaded net's custom layers (type, name and weights in the file) completed from `current`: the
 * layer of `current` at the same index, which must be custom too, with the file's weights.
 */
function withCustomLayers(who: string, net: SimpleNN, current: SimpleNN, where: string): SimpleNN {
  if (!net.layers.some((ly) => ly.type === 'custom')) return net;
  if (net.layers.length !== current.layers.length) {
    throw new Error(`${who}: ${where} has a net of ${net.layers.length} layers but the net given has ${current.layers.length}`);
  }
  const layers = net.layers.map((ly, l) => {
    if (ly.type !== 'custom') return ly;
    const now = current.layers[l];
    if (now.type !== 'custom') {
      throw new Error(`${who}: ${where}: ${layerLabel(l, ly)} is a custom layer but the net given has a ${String(now.type)} layer there`);
    }
    const out = Object.assign(Object.create(Object.getPrototypeOf(now) as object) as Layer, now);
    const w = elements(ly.weights).map((v, j) => (v === null || isTensor(v) ? v : matToTensor(`${layerLabel(l, ly)}: weights[${j}]`, v as never)));
    out.weights = w as Layer['weights'];
    for (const k of ['learningRate', 'weightDecay'] as const) {
      const n = numbers(ly[k]);
      if (n !== null) out[k] = n;
      else if (Array.isArray(ly[k])) out[k] = ly[k];
    }
    return out;
  });
  return { ...net, layers };
}

function stateArray(s: Float32Array, shape: readonly number[] | null): MatWritable {
  return { class: 'single', dims: shape !== null && s.length === shape.reduce((a, b) => a * b, 1) ? matlabSize(shape) : [s.length, 1], data: s };
}

/** One solver state as MATLAB holds it: 0, an array of the weight's shape, or a struct of those. */
function solverStateToMat(s: SolverState, shape: readonly number[] | null): MatWritable {
  if (s === 0) return 0;
  if (s instanceof Float32Array) return stateArray(s, shape);
  const out: Record<string, MatWritable> = {};
  for (const [k, v] of Object.entries(s)) out[k] = v instanceof Float32Array ? stateArray(v, shape) : (v as number);
  return out;
}

function statsStruct(list: readonly (EpochStats | undefined)[]): MatWritable {
  const fields: string[] = [];
  for (const s of list) for (const k of Object.keys(s ?? {})) if (!fields.includes(k)) fields.push(k);
  const empty: MatWritable = { class: 'double', dims: [0, 0], data: new Float64Array(0) };
  const data = list.map((s) => Object.fromEntries(fields.map((f) => [f, s?.[f] ?? empty])));
  return { class: 'struct', dims: [1, list.length], fields, data } as unknown as MatWritable;
}

/** cnn_train's `stats`: struct arrays stats.train(e), stats.val(e). */
function statsToMat(stats: TrainStats): MatWritable {
  return { train: statsStruct(stats.train), val: statsStruct(stats.val) };
}

/** cnn_train's `state`: solverState{l}{j} and the last epoch's stats. */
function stateToMat(net: SimpleNN, state: TrainState): MatWritable {
  const cell = (data: MatWritable[]): MatWritable => ({ class: 'cell', dims: data.length === 0 ? [0, 0] : [1, data.length], data } as unknown as MatWritable);
  const solverState = state.solverState === null ? cell([]) : cell(state.solverState.map((layer, l) => cell(layer.map((s, j) => {
    const w = net.layers[l]?.weights?.[j];
    return solverStateToMat(s, isTensor(w) ? w.shape : null);
  }))));
  const stats: Record<string, MatWritable> = {};
  for (const k of ['train', 'val'] as const) {
    const s = state.stats[k];
    if (s !== undefined) stats[k] = Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)) as MatWritable;
  }
  return { solverState, stats };
}

// ---------------------------------------------------------------------------------------------
// Back from readMat's values

type Any = Record<string, unknown>;
const isObj = (v: unknown): v is Any => typeof v === 'object' && v !== null && !ArrayBuffer.isView(v) && !Array.isArray(v);

const elements = (v: unknown): unknown[] => items(v) ?? [];

function solverStateFromMat(who: string, v: unknown, where: string): SolverState {
  const n = numbers(v);
  if (n !== null) {
    if (n.length === 1 && n[0] === 0 && (v as Any).class === 'double') return 0;
    const d = (v as Any).data;
    return d instanceof Float32Array ? d : Float32Array.from(n);
  }
  if (isObj(v) && v.class === undefined) {
    // adam's { m, v, t } (t a count) or adadelta's { g_sqr, delta_sqr }
    const out: Any = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === 't') {
        const t = numbers(x);
        if (t === null || t.length !== 1) throw new Error(`${who}: ${where}.t must be a number, got ${tagOf(x)}`);
        out.t = t[0];
      } else out[k] = solverStateFromMat(who, x, `${where}.${k}`);
    }
    return out as unknown as SolverState;
  }
  throw new Error(`${who}: ${where} must be 0, an array or a struct of arrays, got ${tagOf(v)}`);
}

function stateFromMat(who: string, v: unknown, net: SimpleNN, where: string): TrainState {
  if (!isObj(v)) throw new Error(`${who}: ${where}: state must be a struct, got ${tagOf(v)}`);
  const layers = elements(v.solverState);
  let solverState: SolverState[][] | null = null;
  if (layers.length > 0) {
    if (layers.length !== net.layers.length) {
      throw new Error(`${who}: ${where}: state.solverState has ${layers.length} layers but the net has ${net.layers.length}`);
    }
    solverState = layers.map((ly, l) => elements(ly).map((s, j) => solverStateFromMat(who, s, `${where}: state.solverState{${l + 1}}{${j + 1}}`)));
  }
  const stats: TrainState['stats'] = {};
  if (isObj(v.stats)) {
    for (const k of ['train', 'val'] as const) if (v.stats[k] !== undefined) stats[k] = epochStats(v.stats[k]);
  }
  return { solverState, stats };
}

function epochStats(v: unknown): EpochStats {
  const out: Record<string, number> = {};
  if (isObj(v)) {
    for (const [k, x] of Object.entries(v)) {
      const n = numbers(x);
      if (n !== null && n.length === 1) out[k] = n[0];
    }
  }
  return out as unknown as EpochStats;
}

function statsFromMat(who: string, v: unknown, where: string): TrainStats {
  if (!isObj(v)) throw new Error(`${who}: ${where}: stats must be a struct, got ${show(v)}`);
  return { train: elements(v.train).map(epochStats), val: elements(v.val).map(epochStats) };
}
