// The one module that knows pointers.
//
// Every block call follows the same three steps:
//   const [px, py] = reserve('nnrelu', x.data.length, n);  // floats per buffer
//   write(px, x.data); kernels().relu_forward(px, py, n, leak);
//   return read(py, n);                                   // a fresh JS copy
//
// The arena is one region of WebAssembly memory starting at the module's
// `arenaBase()`. It only grows (by `memory.grow`) and is reused by every call,
// so repeating a call of the same shape never grows memory again. Growth
// detaches earlier views of `memory.buffer`, so views are made after
// `reserve()` and never kept.

/** The kernel exports, as compiled from assembly/index.ts. Pointers are byte addresses. */
export interface Kernels {
  readonly memory: WebAssembly.Memory;
  arenaBase(): number;
  relu_forward(x: number, y: number, n: number, leak: number): void;
  relu_backward(x: number, dzdy: number, dzdx: number, n: number, leak: number): void;
  sigmoid_forward(x: number, y: number, n: number): void;
  sigmoid_backward(x: number, dzdy: number, dzdx: number, n: number): void;
  /** nnsoftmax over the C channels of each of P pixels of N images. */
  softmax_forward(x: number, y: number, P: number, C: number, N: number): void;
  softmax_backward(x: number, dzdy: number, dzdx: number, P: number, C: number, N: number): void;
  /**
   * nnpool; `...d` is POOL = H, W, P (= C*N), ph, pw, sy, sx, pt, pb, pl, Ho, Wo, L (line stride). The forward
   * kernels compute output columns [j0, j1) of each plane (0, Wo: all); j0 > 0 continues the previous call on the same plane.
   */
  pool_max_forward(x: number, y: number, scratch: number, j0: number, j1: number, ...d: PoolDims): void;
  pool_max_backward(x: number, dzdy: number, dzdx: number, scratch: number, ...d: PoolDims): void;
  pool_avg_forward(x: number, y: number, scratch: number, j0: number, j1: number, ...d: PoolDims): void;
  pool_avg_backward(dzdy: number, dzdx: number, scratch: number, ...d: PoolDims): void;
  /** Scratch floats of every pool kernel for these sizes. */
  pool_scratch(H: number, W: number, Ho: number, Wo: number, pw: number, sx: number, L: number): number;
  /** nnconv; `...d` is DIMS = H, W, C, N, FH, FW, FC, K, Ho, Wo, pt, pl, sy, sx, dy, dx. */
  conv_forward(x: number, w: number, b: number, y: number, scratch: number, ...d: ConvDims): void;
  conv_forward_scratch(...d: ConvDims): number;
  /** conv_forward in two halves: pack w into scratch, then output pixels [p0, p1) with planes ys apart. */
  conv_forward_prepare(w: number, scratch: number, ...d: ConvDims): void;
  conv_forward_pixels(x: number, b: number, y: number, scratch: number, p0: number, p1: number, ys: number, ...d: ConvDims): void;
  conv_backward_bias(dzdy: number, dzdb: number, HoWo: number, K: number, N: number): void;
  conv_backward_data(w: number, dzdy: number, dzdx: number, scratch: number, ...d: ConvDims): void;
  conv_backward_data_scratch(...d: ConvDims): number;
  conv_backward_filter(x: number, dzdy: number, dzdw: number, scratch: number, ...d: ConvDims): void;
  conv_backward_filter_scratch(...d: ConvDims): number;
}

/** H, W, C, N, FH, FW, FC, K, Ho, Wo, pt, pl, sy, sx, dy, dx (the plan's fields in kernel order). */
export type ConvDims = [number, number, number, number, number, number, number, number,
  number, number, number, number, number, number, number, number];

/** H, W, P, ph, pw, sy, sx, pt, pb, pl, Ho, Wo, L (nnpool's plan in kernel order). */
export type PoolDims = [number, number, number, number, number, number, number, number, number, number,
  number, number, number];

/** Names every kernels.wasm must export; init() checks them so a wrong module fails early. */
export const KERNEL_EXPORTS: readonly (keyof Kernels)[] = [
  'memory', 'arenaBase', 'relu_forward', 'relu_backward',
  'sigmoid_forward', 'sigmoid_backward',
  'softmax_forward', 'softmax_backward',
  'pool_max_forward', 'pool_max_backward', 'pool_avg_forward', 'pool_avg_backward', 'pool_scratch',
  'conv_forward', 'conv_forward_prepare', 'conv_forward_pixels', 'conv_forward_scratch', 'conv_backward_bias',
  'conv_backward_data', 'conv_backward_data_scratch', 'conv_backward_filter', 'conv_backward_filter_scratch',
];

const PAGE = 65536;
/** wasm32 addresses 4 GiB at most (65536 pages). */
const MAX_BYTES = 65536 * PAGE;
const ALIGN = 16;

let active: Kernels | null = null;
let base = 0;

/** Called by init() once the instance exists. */
export function attach(k: Kernels): void {
  active = k;
  base = k.arenaBase() >>> 0;
}

/** The instantiated kernels; throws the "await init()" error before init() resolves. */
export function kernels(): Kernels {
  if (active === null) {
    throw new Error('nnblocks: the WebAssembly kernels are not loaded yet; call `await init()` once before using any block');
  }
  return active;
}

const alignUp = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;

/**
 * Lay out buffers of the given float counts in the arena, growing memory if
 * needed, and return their byte addresses. Invalidates every earlier pointer
 * and view. `who` names the caller in the error when the sizes cannot fit.
 */
export function reserve(who: string, ...floats: number[]): number[] {
  const k = kernels();
  const ptrs: number[] = [];
  let end = base;
  for (const n of floats) {
    // A kernel's scratch size is an i32: a size computation that overflowed comes back negative.
    if (!Number.isInteger(n) || n < 0) {
      throw new Error(`${who}: a buffer size of ${n} floats is not a valid size (buffers [${floats.join(', ')}]); ` +
        'the shapes and options are too large for the kernels');
    }
    ptrs.push(end);
    end += alignUp(n * 4);
  }
  if (end > MAX_BYTES) {
    throw new Error(`${who}: needs ${fmtBytes(end - base)} of WebAssembly memory for buffers of ` +
      `[${floats.join(', ')}] floats, more than the 4 GiB a wasm32 module can address; split the batch or the image`);
  }
  const have = k.memory.buffer.byteLength;
  if (end > have) {
    try {
      k.memory.grow(Math.ceil((end - have) / PAGE));
    } catch (e) {
      throw new Error(`${who}: could not grow WebAssembly memory from ${fmtBytes(have)} to ${fmtBytes(end)} ` +
        `(buffers of [${floats.join(', ')}] floats): ${(e as Error).message}`);
    }
  }
  return ptrs;
}

/** Copy `src` into the arena at `ptr` (from reserve). */
export function write(ptr: number, src: Float32Array): void {
  new Float32Array(kernels().memory.buffer, ptr >>> 0, src.length).set(src);
}

/** A fresh JS-owned copy of n floats at `ptr`. */
export function read(ptr: number, n: number): Float32Array {
  return new Float32Array(kernels().memory.buffer, ptr >>> 0, n).slice();
}

/**
 * A fresh Float32Array of n floats for a result that the caller overwrites entirely.
 * `new Float32Array(n)` is calloc, and when glibc hands back reused heap memory (the
 * steady state of a loop of calls) it zeroes all of it first: ~0.6 ms per 7.4 MB
 * result that is then overwritten at once. Where a runtime offers Node's
 * Buffer.allocUnsafeSlow (Node, Bun) large results skip that; elsewhere, and when the
 * buffer is not exactly ours, it is `new Float32Array(n)`.
 */
export function fresh(n: number): Float32Array {
  const B = (globalThis as { Buffer?: { allocUnsafeSlow?: (size: number) => Uint8Array } }).Buffer;
  if (n >= 1 << 16 && typeof B?.allocUnsafeSlow === 'function') {
    const u = B.allocUnsafeSlow(4 * n);
    if (u.byteOffset === 0 && u.buffer.byteLength === 4 * n) return new Float32Array(u.buffer, 0, n);
  }
  return new Float32Array(n);
}

/** Current size of WebAssembly memory in bytes (for tests of reuse and high-water marks). */
export function memoryBytes(): number {
  return kernels().memory.buffer.byteLength;
}

function fmtBytes(n: number): string {
  return n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : `${n} bytes`;
}

/**
 * Run a kernel over a tensor in groups of planes (or elements) that fit one
 * cache-sized region of the arena: each group's inputs are copied in, the
 * kernel runs, and its output is copied out while still in cache, so the
 * arena never holds the whole tensor and memory traffic is the copies alone.
 *
 * `inputs` are [data, floats per plane]; the group holds `per` planes, with
 * per * floats <= chunkFloats over inputs and output together (at least one
 * plane). `run(ptrs, m)` gets the inputs' pointers, then the output's and the
 * scratch's, for the m planes of this group. Returns all planes' output.
 */
export function streamPlanes(who: string, planes: number, chunkFloats: number, inputs: [Float32Array, number][],
  outPerPlane: number, scratch: number, run: (ptrs: number[], m: number) => void): Float32Array {
  const perPlane = inputs.reduce((s, [, f]) => s + f, outPerPlane);
  const per = Math.max(1, Math.min(planes, Math.floor(chunkFloats / perPlane)));
  const ptrs = reserve(who, ...inputs.map(([, f]) => per * f), per * outPerPlane, scratch);
  const buffer = kernels().memory.buffer;
  const views = inputs.map(([, f], i) => new Float32Array(buffer, ptrs[i], per * f));
  const y = new Float32Array(buffer, ptrs[inputs.length], per * outPerPlane);
  const out = fresh(planes * outPerPlane);
  for (let c = 0; c < planes; c += per) {
    const m = Math.min(per, planes - c);
    inputs.forEach(([src, f], i) => views[i].set(src.subarray(c * f, (c + m) * f)));
    run(ptrs, m);
    out.set(m === per ? y : y.subarray(0, m * outPerPlane), c * outPerPlane);
  }
  return out;
}

/**
 * streamPlanes for planes too large for the cache: the output columns of each
 * column-major plane (Ho floats each) go in bands of `cols`, and the input
 * columns a band reads are copied into a window of `span` columns of the
 * arena just before the kernel runs: the window keeps the columns that the
 * band still shares with the previous one (shifted to its start) and the
 * copies in and out meet cached memory. `reads(j0, j1)` is the range [lo, hi)
 * of input columns that output columns [j0, j1) may read (lo and hi never
 * decrease, hi - lo <= span). `run(px, py, ps, j0, j1)` gets the address the
 * kernel sees as column 0 of x (the window's start minus lo columns; only
 * columns [lo, hi) are there), the band's output and the scratch; the bands of
 * a plane run in order, so a kernel may carry state across them.
 */
export function streamBands(who: string, x: Float32Array, planes: number, H: number, W: number, Ho: number, Wo: number,
  cols: number, span: number, scratch: number, reads: (j0: number, j1: number) => [number, number],
  run: (px: number, py: number, ps: number, j0: number, j1: number) => void): Float32Array {
  const [px, py, ps] = reserve(who, H * span, cols * Ho, scratch);
  const buffer = kernels().memory.buffer;
  const xv = new Float32Array(buffer, px, H * span);
  const yv = new Float32Array(buffer, py, cols * Ho);
  const out = fresh(planes * Ho * Wo);
  for (let c = 0; c < planes; c++) {
    let base = 0;
    let have = 0;
    for (let j0 = 0; j0 < Wo; j0 += cols) {
      const j1 = Math.min(Wo, j0 + cols);
      const [lo, hi] = reads(j0, j1);
      if (lo > base) {
        if (have > lo) xv.copyWithin(0, (lo - base) * H, (have - base) * H);
        base = lo;
        have = Math.max(have, lo);
      }
      if (hi > have) {
        xv.set(x.subarray((c * W + have) * H, (c * W + hi) * H), (have - base) * H);
        have = hi;
      }
      // wasm addresses wrap at 2^32, so a start below 0 still reaches the window.
      run((px - base * H * 4) | 0, py, ps, j0, j1);
      out.set(j1 - j0 === cols ? yv : yv.subarray(0, (j1 - j0) * Ho), (c * Wo + j0) * Ho);
    }
  }
  return out;
}
