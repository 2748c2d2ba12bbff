// simplenn's runs kept between calls (NETWORKS.md §1; see simplenn's doc): the plans and layout of
// a net's run, found again by its layers array and a snapshot of every layer's fields, and the
// checks that tell a kept run from a stale one. No data and no WebAssembly memory are kept here.

import { Tensor, isTensor, type Shape4 } from '../tensor.js';
import { kernels } from '../wasm.js';
import { sameShape } from './layout.js';
import type { Buffers, LayerKind, LayerPlan, PlanContext } from './kind.js';
import type { Layer } from './types.js';

/** One layer of the run: its kind, plan (resident kinds) and slots in the layout. */
export interface Step { ly: Layer; kind: LayerKind; plan: LayerPlan | null; ctx: PlanContext; inputs: number[]; dzdw: number[]; aux: number; scratch: number }

/**
 * A planned run kept between calls: the plans of every layer and the layout of the run's buffers,
 * valid for the same layer objects with the same fields (snapshot), the same x size, passes,
 * mode and kept fields, on the same kernels instance with the same number of threads. It holds
 * no data and no WebAssembly memory: x, dzdy and every layer's `inputs` (the weights) are copied
 * in on every call, so a weight written in place is seen by the next call as it is by a fresh one.
 * See simplenn's doc.
 */
export interface Prepared {
  readonly kernels: object;
  readonly layers: readonly Layer[];
  readonly snaps: readonly unknown[][];
  readonly key: readonly unknown[];
  readonly steps: Step[];
  readonly sizes: number[];
  readonly shapes: Shape4[];
  readonly X: number[];
  readonly D: number[];
  /** The buffers of every Tensor of the net (Reuse never writes into them). */
  readonly netBuffers: ReadonlySet<ArrayBufferLike>;
  /** The layers of a volatile kind (planned again on every call). */
  readonly volatile: readonly Layer[];
  /** Every layer's Buffers, for the layout laid out from byte `at` (it moves only under arenaAbove). */
  buffers: { at: number; list: Buffers[] } | null;
  /**
   * Set by the run that planned this entry on the pool's instance when no layer split its work
   * and the run fits RUN_HERE_MAX: later calls run on the unshared instance instead (engine.ts),
   * where the copies in and out are plain memory copies. That run is planned and kept there as an
   * entry of its own, told from the pool's one-thread run of the same key by its kernels.
   */
  here: boolean;
}

/** Prepared runs per layers array, the most recent first; a WeakMap, so a dropped net takes its plans along. */
const PREPARED = new WeakMap<readonly Layer[], Prepared[]>();
/**
 * Prepared runs kept per net and kernels instance (the pool's, the unshared one): e.g. the train and
 * val passes of cnnTrain and their shorter last batches, or a few batch sizes. A run that moved to the
 * unshared instance has an entry on each, so counting per instance keeps as many runs as without a pool.
 */
const KEEP_PREPARED = 4;

/**
 * For tests: how many runs were planned, reused a prepared run, and moved to the unshared instance,
 * since the module loaded (a moved call counts in `here` and again as planned or kept there).
 */
export const runCounts = { planned: 0, kept: 0, here: 0 };

/** Where walk() puts each value: into a new snapshot, or compared with a kept one. */
interface Sink { put(v: unknown): boolean }
class Build implements Sink {
  readonly s: unknown[] = [];
  put(v: unknown): boolean { this.s.push(v); return true; }
}
class Check implements Sink {
  i = 0;
  constructor(readonly s: readonly unknown[]) {}
  put(v: unknown): boolean { return this.i < this.s.length && Object.is(this.s[this.i++], v); }
}

/** isTensor, with the common cases first (it calls Object.prototype.toString on every object it sees). */
const tensorField = (v: unknown): v is Tensor => v instanceof Tensor ||
  (typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v) && isTensor(v));

function walkTensor(t: Tensor, k: Sink): boolean {
  const d = t.shape;
  if (!k.put(t.data) || !k.put(d.length)) return false;
  for (let j = 0; j < d.length; j++) if (!k.put(d[j])) return false;
  return true;
}

/**
 * What a layer's plan reads, as a flat list of values compared one by one (Object.is): its
 * prototype and every own field; Tensors by identity with their data array and dims; arrays (and
 * typed arrays) with their elements, one level down (so `ly.pad[0] = 1` or `ly.weights[0] = w2` is
 * seen). A volatile kind (the losses) is planned on every call: its type alone. Stops at the first
 * value the sink refuses (false).
 */
function walk(ly: Layer, kind: LayerKind, k: Sink): boolean {
  if (!k.put(Object.getPrototypeOf(ly))) return false;
  if ('volatile' in kind && kind.volatile) return k.put(ly.type);
  for (const f in ly) {
    if (!Object.hasOwn(ly, f)) continue;
    const v = ly[f];
    if (!k.put(f) || !k.put(v)) return false;
    if (tensorField(v)) {
      if (!walkTensor(v, k)) return false;
    } else if (Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView))) {
      const a = v as ArrayLike<unknown>;
      if (!k.put(a.length)) return false;
      for (let j = 0; j < a.length; j++) {
        const e = a[j];
        if (!k.put(e) || (tensorField(e) && !walkTensor(e, k))) return false;
      }
    }
  }
  return true;
}

export const snapshot = (ly: Layer, kind: LayerKind): unknown[] => { const b = new Build(); walk(ly, kind, b); return b.s; };
const unchanged = (ly: Layer, kind: LayerKind, snap: readonly unknown[]): boolean => {
  const c = new Check(snap);
  return walk(ly, kind, c) && c.i === snap.length;
};

function sameList(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** The prepared run for these layers and this key, moved to the front of its list; or null. */
export function lookup(layers: readonly Layer[], key: readonly unknown[]): Prepared | null {
  const list = PREPARED.get(layers);
  if (list === undefined) return null;
  const k = kernels();
  for (let i = 0; i < list.length; i++) {
    const p = list[i];
    if (p.kernels !== k || p.layers.length !== layers.length || !sameList(p.key, key)) continue;
    let ok = true;
    for (let l = 0; l < layers.length && ok; l++) ok = p.layers[l] === layers[l] && unchanged(layers[l], p.steps[l].kind, p.snaps[l]);
    if (!ok) continue;
    if (i > 0) { list.splice(i, 1); list.unshift(p); }
    return p;
  }
  return null;
}

export function remember(layers: readonly Layer[], p: Prepared): void {
  let list = PREPARED.get(layers);
  if (list === undefined) PREPARED.set(layers, (list = []));
  // An entry for the same key and kernels is stale (a layer or a field changed): the new one replaces it.
  const i = list.findIndex((q) => q.kernels === p.kernels && sameList(q.key, p.key));
  if (i >= 0) list.splice(i, 1);
  list.unshift(p);
  let same = 0;
  for (let j = 0; j < list.length; j++) if (list[j].kernels === p.kernels && ++same > KEEP_PREPARED) list.splice(j--, 1);
}

/** A plan made again (a volatile layer) fits the kept layout: the same output, inputs, aux and dzdw, no more scratch. */
export function samePlanLayout(p: LayerPlan, q: LayerPlan, scratch: number): boolean {
  return sameShape(p.y, q.y) && p.inputs.length === q.inputs.length && p.inputs.every((a, i) => a.length === q.inputs[i].length) &&
    (p.aux === null ? q.aux === null : q.aux !== null && sameShape(p.aux, q.aux)) && p.dzdw.length === q.dzdw.length &&
    p.dzdw.every((d, i) => (d === null ? q.dzdw[i] === null : q.dzdw[i] !== null && sameShape(d, q.dzdw[i]!))) && p.scratch <= scratch;
}
