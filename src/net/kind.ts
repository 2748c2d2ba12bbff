// The contract between simplenn's engine and its layer kinds (layers.ts): what a kind plans from
// shapes, the buffers its runners get, and the small helpers every kind uses to read its fields.

import { isTensor, type Shape4, type Tensor } from '../tensor.js';
import { show, tagOf } from '../options.js';
import { kernels } from '../wasm.js';
import type { Layer, Res } from './types.js';

/** Byte addresses of one layer's buffers in the run's layout (0 where the layer has none). */
export interface Buffers {
  /** Its input res[l].x and output res[l + 1].x. */
  readonly x: number;
  readonly y: number;
  /** dz/dx (written by backward) and dz/dy (read by backward). */
  readonly dzdx: number;
  readonly dzdy: number;
  /** The plan's `inputs`, copied in before the run (weights first, in `weights` order). */
  readonly inputs: readonly number[];
  /** Its dzdw outputs, one per entry of the plan's `dzdw` (0 for a null entry). */
  readonly dzdw: readonly number[];
  /** res[l + 1].aux (the dropout mask). */
  readonly aux: number;
  /** The run's shared scratch, at least the plan's `scratch` floats. */
  readonly scratch: number;
}

/** A layer planned for an input shape: every size fixed, every field checked. */
export interface LayerPlan {
  readonly y: Shape4;
  /** Arrays the kernels read, copied into WebAssembly memory once per run. */
  readonly inputs: readonly Float32Array[];
  /** Shapes of the derivatives res[l].dzdw that backward writes, one per weight (null: that weight has
   * none, e.g. an empty bias). Empty for layers without weights. */
  readonly dzdw: readonly (Shape4 | null)[];
  /** Shape of res[l + 1].aux that forward writes, or null. */
  readonly aux: Shape4 | null;
  /** Scratch floats the runners need (forward and backward). */
  readonly scratch: number;
  forward(b: Buffers): void;
  backward(b: Buffers): void;
}

export interface PlanContext {
  /** mode 'test'. */
  readonly test: boolean;
  /** This layer is back-propagated (its backward will run). */
  readonly backward: boolean;
  /**
   * Its backward must write dzdx. False only for the lowest back-propagated layer when the caller
   * keeps no res[lim].dzdx (cnnTrain: nobody reads the derivative w.r.t. the images): conv and
   * convt then skip their backward-data pass. A layer without weights is not run at all then.
   */
  readonly dzdx: boolean;
}

/** A layer computed by the blocks' resident runners. */
export interface ResidentKind {
  readonly defaults: () => Record<string, unknown>;
  plan(ly: Layer, x: Shape4, ctx: PlanContext): LayerPlan;
  /**
   * Its plan reads data, not only shapes and options (the loss layers check and keep their labels,
   * which a caller may rewrite in place between calls): a run kept between calls (prepared.ts,
   * Prepared) plans such a layer again on every call. Its buffers (y, inputs, aux, dzdw, scratch)
   * must still follow from shapes and fields alone: the engine checks that they do.
   */
  readonly volatile?: true;
}

/** A layer computed in JavaScript on Tensors (custom): its input is materialised, its output copied back in. */
export interface HostKind {
  readonly defaults: () => Record<string, unknown>;
  readonly host: {
    check(ly: Layer): void;
    forward(ly: Layer, resIn: Res, resOut: Res): Res;
    backward(ly: Layer, resIn: Res, resOut: Res): Res;
  };
}

export type LayerKind = ResidentKind | HostKind;

/** A field the layer must have (simplennTidy fills the defaults; simplenn itself does not). */
export function field(ly: Layer, name: string): unknown {
  const v = ly[name];
  if (v === undefined) throw new Error(`missing field '${name}' (simplennTidy fills the defaults)`);
  // Not the blocks' "leave the option out": a layer's field is read, so it needs a value.
  if (v === null) throw new Error(`field '${name}' is null; give it a value (or remove it where simplennTidy has a default)`);
  return v;
}

/** weights[j] as a Tensor, or null where it is missing, null or empty (a conv without bias). */
export function weight(ly: Layer, j: number, required: boolean): Tensor | null {
  const w = ly.weights;
  if (!Array.isArray(w)) throw new Error(`weights must be an array of Tensors, got ${tagOf(w)}`);
  const t = w[j] as unknown;
  if (t === undefined || t === null || (isTensor(t) && t.numel === 0)) {
    if (required) throw new Error(`weights[${j}] is ${t === undefined ? 'missing' : 'empty'}; a ${ly.type} layer needs it`);
    return null;
  }
  if (!isTensor(t)) throw new Error(`weights[${j}] must be a Tensor, got ${tagOf(t)}`);
  return t;
}

export const numel = (s: readonly number[]): number => s[0] * s[1] * s[2] * s[3];

export { view } from '../wasm.js';

/** A numeric field that must be a finite number. */
export function numberField(ly: Layer, name: string): number {
  const v = field(ly, name);
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${name} must be a finite number, got ${show(v)}`);
  return v;
}

/** n floats from byte address src to dst, inside WebAssembly memory (a memmove). */
export function copyFloats(src: number, dst: number, n: number): void {
  new Float32Array(kernels().memory.buffer).copyWithin(dst >>> 2, src >>> 2, (src >>> 2) + n);
}
