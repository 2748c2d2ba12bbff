// The memory side of a simplenn run: the layout of its buffers in WebAssembly memory (Layout), and
// which arrays of a passed res the copy-out may overwrite (Reuse).

import { Tensor, isTensor, type Shape4 } from '../tensor.js';
import { endOf, fresh, kernels, reserve } from '../wasm.js';
import type { Layer } from './types.js';

const WHO = 'simplenn';

/** The run's buffers, as indices into one list of float counts that reserve() lays out in order. */
export class Layout {
  readonly sizes: number[];
  private ptrs: number[] = [];
  /** A new layout, or one planned before (its sizes, not copied: commit() lays them out again). */
  constructor(sizes?: number[]) {
    this.sizes = sizes ?? [];
  }
  add(floats: number): number {
    this.sizes.push(floats);
    return this.sizes.length - 1;
  }
  /** reserve() the whole list: slots laid out before keep their addresses (and contents). */
  commit(): void {
    this.ptrs = reserve(WHO, ...this.sizes);
  }
  ptr(i: number): number {
    return i < 0 ? 0 : this.ptrs[i];
  }
  end(): number {
    const i = this.ptrs.length - 1;
    return i < 0 ? 0 : endOf(this.ptrs[i], this.sizes[i]);
  }
  view(i: number, n: number): Float32Array {
    return new Float32Array(kernels().memory.buffer, this.ptrs[i], n);
  }
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function addInto(acc: Float32Array, v: Float32Array): void {
  for (let i = 0; i < acc.length; i++) acc[i] += v[i];
}

/** The buffers of every Tensor of these layers (a field or an element of an array field). */
export function netBuffers(layers: readonly Layer[]): Set<ArrayBufferLike> {
  const s = new Set<ArrayBufferLike>();
  for (const ly of layers) {
    for (const v of Object.values(ly)) {
      if (isTensor(v)) s.add(v.data.buffer);
      if (Array.isArray(v)) for (const w of v) if (isTensor(w)) s.add(w.data.buffer);
    }
  }
  return s;
}

/**
 * Arrays of the passed res that copy-out may overwrite: the same shape, not used twice in one call,
 * and sharing no buffer with the call's inputs (x, dzdy, any Tensor of the net: `nets`, from
 * netBuffers — a prepared run keeps the set of its layers whose fields it checks, and gives the
 * volatile layers' set, made on each call, beside it).
 */
export class Reuse {
  private readonly used = new Set<Float32Array>();
  private readonly x: ArrayBufferLike;
  private readonly dzdy: ArrayBufferLike | null;
  constructor(private readonly nets: readonly ReadonlySet<ArrayBufferLike>[], x: Tensor, dzdy: unknown) {
    this.x = x.data.buffer;
    this.dzdy = isTensor(dzdy) ? dzdy.data.buffer : null;
  }
  take(target: unknown, shape: Shape4, src: Float32Array): Tensor {
    if ((target instanceof Tensor || isTensor(target)) && sameShape(target.shape, shape) && !this.used.has(target.data) && !this.nets.some((b) => b.has(target.data.buffer)) &&
      target.data.buffer !== this.x && target.data.buffer !== this.dzdy && target.data.buffer !== kernels().memory.buffer) {
      this.used.add(target.data);
      target.data.set(src);
      return target;
    }
    const a = fresh(src.length);
    a.set(src);
    return new Tensor(a, shape);
  }
}
