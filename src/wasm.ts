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
  /** Bit 0: this is the relaxed-SIMD build (src/builds.ts). */
  buildFeatures(): number;
  relu_forward(x: number, y: number, n: number, leak: number): void;
  relu_backward(x: number, dzdy: number, dzdx: number, n: number, leak: number): void;
  sigmoid_forward(x: number, y: number, n: number): void;
  sigmoid_backward(x: number, dzdy: number, dzdx: number, n: number): void;
  /** nnsoftmax over the C channels of each of P pixels of N images. */
  softmax_forward(x: number, y: number, P: number, C: number, N: number, S: number): void;
  softmax_backward(x: number, dzdy: number, dzdx: number, P: number, C: number, N: number, S: number): void;
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
  /** nnconvt's bias: y(p, k, n) += b[k] over planes of P floats, K channels, N images. */
  convt_bias_forward(y: number, b: number, P: number, K: number, N: number): void;
  /** nnbnorm; x, y, dzdy, dzdx are [HW, C, N]; mu, sigma, g, b, dzdg, dzdb C floats each; channels [c0, c1). */
  bnorm_moments(x: number, mu: number, sigma: number, HW: number, C: number, N: number, c0: number, c1: number, epsilon: number): void;
  bnorm_forward(x: number, g: number, b: number, mu: number, sigma: number, y: number, HW: number, C: number, N: number,
    c0: number, c1: number): void;
  bnorm_backward(x: number, g: number, mu: number, sigma: number, dzdy: number, dzdx: number,
    dzdg: number, dzdb: number, HW: number, C: number, N: number, c0: number, c1: number): void;
  /** nndropout: y = mask .* x (the backward pass calls it with dzdy for x). */
  dropout_forward(x: number, mask: number, y: number, n: number): void;
  /**
   * nnnormalize, nnnoffset: tensors as [m, C, N] (m pixels per channel plane, planes m floats apart);
   * m1, m2 the window's reach below and above a channel, clipped to C - 1.
   */
  normalize_forward(x: number, y: number, scratch: number, m: number, C: number, N: number, m1: number, m2: number,
    kappa: number, alpha: number, beta: number): void;
  normalize_backward(x: number, dzdy: number, dzdx: number, scratch: number, m: number, C: number, N: number,
    m1: number, m2: number, kappa: number, alpha: number, beta: number): void;
  normalize_scratch(C: number, m1: number, m2: number): number;
  noffset_forward(x: number, y: number, scratch: number, m: number, C: number, N: number, a: number, b: number): void;
  noffset_backward(x: number, dzdy: number, dzdx: number, scratch: number, m: number, C: number, N: number, a: number, b: number): void;
  noffset_scratch(C: number): number;
  /** nnspnorm's element-wise steps around the avg-pool kernels (n elements each). */
  spnorm_square_forward(x: number, s: number, n: number): void;
  spnorm_forward(x: number, n2: number, y: number, n: number, alpha: number, beta: number): void;
  spnorm_backward(x: number, n2: number, dzdy: number, q: number, d: number, n: number, alpha: number, beta: number): void;
  spnorm_combine_backward(x: number, t: number, d: number, dzdx: number, n: number, ab2: number): void;
  /** The worker pool (src/threads.ts): move this instance's static buffers to p; their size in bytes; dst += src. */
  thread_statics(p: number): void;
  thread_statics_bytes(): number;
  thread_add(dst: number, src: number, n: number): void;
  /** conv_forward's path: 0 prepare + pixels (pixel ranges give the same bits), 1 lanes, 2 batch product, 3 dot (tiny outputs). */
  conv_forward_path(...d: ConvDims): number;
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
  'convt_bias_forward',
  'bnorm_moments', 'bnorm_forward', 'bnorm_backward',
  'dropout_forward',
  'normalize_forward', 'normalize_backward', 'normalize_scratch', 'noffset_forward', 'noffset_backward', 'noffset_scratch',
  'spnorm_square_forward', 'spnorm_forward', 'spnorm_backward', 'spnorm_combine_backward',
  'buildFeatures',
  'thread_statics', 'thread_statics_bytes', 'thread_add', 'conv_forward_path',
];

const PAGE = 65536;
/** wasm32 addresses 4 GiB at most (65536 pages). */
const MAX_BYTES = 65536 * PAGE;
const ALIGN = 16;

let active: Kernels | null = null;
let base = 0;

/**
 * Called by init() once the instance exists. `statics` regions of k.thread_statics_bytes()
 * bytes each are set aside below the arena (the worker pool's, src/threads.ts); returns
 * their addresses. Memory grows to hold them and the calling thread's statics.
 */
export function attach(raw: Kernels, statics?: number): number[] {
  const k = checkedScratch(raw);
  // Attached again without a count (tests and benches switch instances), the pool's instance keeps
  // its workers' regions: the pool runs on whatever is attached when it is its own, and an arena
  // starting on those regions would be overwritten by the workers' statics.
  statics ??= staticsOf.get(k) ?? 0;
  staticsOf.set(k, statics);
  active = k;
  const s = alignUp(k.thread_statics_bytes());
  const first = k.arenaBase() >>> 0;
  base = first + statics * s;
  const have = k.memory.buffer.byteLength;
  if (base > have) k.memory.grow(Math.ceil((base - have) / PAGE));
  return Array.from({ length: statics }, (_, i) => first + i * s);
}

const SCRATCH_OF: Record<string, string> = {
  conv_forward_scratch: "conv's forward pass", conv_backward_data_scratch: "conv's data derivative",
  conv_backward_filter_scratch: "conv's filter derivative", pool_scratch: 'pooling', normalize_scratch: 'LRN',
  noffset_scratch: 'noffset',
};

const checkedOf = new WeakMap<Kernels, Kernels>();
const staticsOf = new WeakMap<Kernels, number>();
const isChecked = new WeakSet<Kernels>();

/**
 * k with every scratch-size export checked: a kernel gives -1 for a scratch past 2^31 floats
 * (assembly/sizes.ts), and that must be an Error here, before Math.max or a rounding up of the
 * sizes turns it into a small one that the kernel would then write past. attach() applies it, so
 * every attached instance is checked (tests and benches attach raw exports too); it gives the same
 * object for the same kernels, and a checked one back unchanged, because the pool tells its own
 * instance from the others by identity.
 */
export function checkedScratch(k: Kernels): Kernels {
  if (isChecked.has(k)) return k;
  const known = checkedOf.get(k);
  if (known !== undefined) return known;
  const o = Object.create(k) as Kernels;
  for (const [name, what] of Object.entries(SCRATCH_OF)) {
    const f = k[name as keyof Kernels] as unknown as (...a: number[]) => number;
    const checked = (...a: number[]): number => {
      const n = f(...a);
      if (n < 0) {
        throw new Error(`nnblocks: ${what} would need more than 2^31 floats of scratch for these sizes and options ` +
          `(${a.join(', ')}); the kernels address 32 bits`);
      }
      return n;
    };
    Object.defineProperty(o, name, { value: checked });
  }
  checkedOf.set(k, o);
  isChecked.add(o);
  return o;
}

/** Called by dispose(): blocks throw the "await init()" error again. */
export function detach(): void {
  active = null;
  local = null;
  localFor = null;
}

// With the pool, memory is a SharedArrayBuffer, and V8 copies into and out of one word by word
// (relaxed_memmove), up to 4 times slower than into plain memory for tensors that fit in cache.
// So init() also loads the single-threaded build, and calls that stay on the calling thread run
// there (onCallingThread); the pool's instance stays attached for everything else.
let local: Kernels | null = null;
let localFor: Kernels | null = null;
let localBase = 0;

/** Called by init() with the pool: `raw`, unshared, runs the calling thread's calls while `shared` is attached. */
export function attachLocal(raw: Kernels, shared: Kernels): void {
  const k = checkedScratch(raw);
  local = k;
  localFor = checkedScratch(shared);
  localBase = k.arenaBase() >>> 0;
  const have = k.memory.buffer.byteLength;
  if (localBase > have) k.memory.grow(Math.ceil((localBase - have) / PAGE));
}

/**
 * f() with the unshared instance attached and its arena, when init() loaded one and the pool's
 * instance is attached (tests and benches attach others); else just f(). f must take its kernels
 * (kernels(), reserve) inside and return only JS values: pointers into the unshared memory mean
 * nothing afterwards. Inside, threads() is 1, so nothing f calls is split.
 */
export function onCallingThread<T>(f: () => T): T {
  if (!hasLocal()) return f();
  const saved = active, savedBase = base;
  active = local;
  base = localBase;
  try {
    return f();
  } finally {
    active = saved;
    base = savedBase;
  }
}

/**
 * Floats (a call's tensors and scratch together) up to which a call that the pool would not split
 * runs on the unshared instance: below this its copies meet cache, where plain memory copies up to 4
 * times faster than shared; beyond it both copy at the memory bus's speed, and the counted calls keep
 * the unshared memory within about 1 MiB of arena. (A streamed call may hold one large plane, channel
 * or image at once, so it is counted whole too.) The element-wise blocks always run there, in fixed
 * chunks of ELEMENT_CHUNK floats an operand: up to 3 MiB.
 */
const HERE_MAX = 1 << 18;

/**
 * onCallingThread(f) for a call that the pool would not split (`splits` false) whose tensors and
 * scratch are at most HERE_MAX floats (`floats()`, asked only then); else f() where it is.
 */
export function onCallingThreadIfSmall<T>(splits: boolean, floats: () => number, f: () => T): T {
  return !splits && hasLocal() && floats() <= HERE_MAX ? onCallingThread(f) : f();
}

/** Whether onCallingThread would attach the unshared instance (init() loaded one, the pool's is attached). */
export function hasLocal(): boolean {
  return local !== null && active === localFor;
}

/**
 * Floats of arena (weights, activations, derivatives and scratch together) up to which a whole
 * simplenn run that no layer splits runs on the unshared instance (net/engine.ts): the practical's
 * character CNN at batch 1 copies 1.8 MiB of weights in on every call. So the unshared memory
 * holds at most 4 MiB of arena for these runs.
 */
export const RUN_HERE_MAX = 1 << 20;

/** The attached kernels, or null before init() (for the pool, which must not throw here). */
export function attached(): Kernels | null {
  return active;
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
 * Buffers are laid out in order from the arena's start (each 16-byte aligned),
 * so a call whose sizes begin with an earlier call's sizes gives those buffers
 * the same addresses, and growth keeps their contents (simplenn extends its
 * layout this way past a custom layer).
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

/** The first byte past a buffer of `floats` floats at `ptr` in reserve()'s layout. */
export function endOf(ptr: number, floats: number): number {
  return ptr + alignUp(floats * 4);
}

/**
 * Run `f` with the arena starting at byte `from` instead of the module's base:
 * the blocks that f calls lay out their buffers from there and leave memory
 * below `from` alone (simplenn calls custom layers so while its resident
 * buffers sit below). Calls nest; the previous start is restored afterwards.
 */
export function arenaAbove<T>(from: number, f: () => T): T {
  const saved = base;
  base = Math.max(base, alignUp(from));
  try {
    return f();
  } finally {
    base = saved;
  }
}

/** Copy `src` into the arena at `ptr` (from reserve). */
export function write(ptr: number, src: Float32Array): void {
  new Float32Array(kernels().memory.buffer, ptr >>> 0, src.length).set(src);
}

/**
 * A view of n floats at byte address `ptr` of WebAssembly memory, no copy: for runners that
 * compute in JS on resident data. Make it inside the call; growth detaches it.
 */
export function view(ptr: number, n: number): Float32Array {
  return new Float32Array(kernels().memory.buffer, ptr >>> 0, n);
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

/**
 * Current size of WebAssembly memory in bytes (for tests of reuse and high-water marks): with the
 * pool, its shared memory and the calling thread's unshared one together.
 */
export function memoryBytes(): number {
  const k = kernels();
  return k.memory.buffer.byteLength + (local !== null && k === localFor ? local.memory.buffer.byteLength : 0);
}

function fmtBytes(n: number): string {
  return n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : `${n} bytes`;
}

/**
 * The chunk, in floats per operand, in which the element-wise blocks (nnrelu, nnsigmoid,
 * nndropout) stream through the arena: 2^18 (1 MiB), not an L2-sized 16384. In processes that
 * interleave with tfjs, as the benches run, those calls spend most of their time in the copies
 * and the fresh result's pages, and fewer, longer copies do them faster: 380x508x10, three default
 * processes (Node 20, 2026-12-07), relu forward 1.209 -> 0.989 of tfjs's time, sigmoid forward
 * 1.242 -> 0.763, with as many page faults. The arena then holds up to 3 MiB for them.
 */
export const ELEMENT_CHUNK = 1 << 18;

/**
 * Run a kernel over a tensor in groups of planes (or elements) that fit one
 * bounded region of the arena (`chunkFloats`: cache-sized for most blocks,
 * ELEMENT_CHUNK's 1 MiB an operand for the element-wise ones): each group's
 * inputs are copied in, the kernel runs, and its output is copied out, so the
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

/**
 * streamPlanes for channel-wise blocks on [HW, C, N] tensors, whose kernels need
 * all N runs of a channel at once (batch statistics): groups of m channels are
 * gathered into the arena as a [HW, m, N] tensor (N copies of m*HW floats per
 * input), the kernels run on the group, and the `nOut` outputs are scattered back
 * while still in cache. A group holds as many channels as fit `chunkFloats` over
 * inputs and outputs together (at least one). `extras` are small buffers reserved
 * alongside: a Float32Array is copied in once, a number reserves that many floats.
 * `run(ptrs, c0, m)` gets the group buffers (inputs, then outputs) and then the
 * extras' addresses (whole, not offset by c0). Returns the outputs and the extras'
 * addresses, valid until the next reserve().
 */
export function streamChannels(who: string, HW: number, C: number, N: number, chunkFloats: number,
  inputs: Float32Array[], nOut: number, extras: (Float32Array | number)[],
  run: (ptrs: number[], c0: number, m: number) => void): { out: Float32Array[]; extras: number[] } {
  const bufs = inputs.length + nOut;
  const perChannel = bufs * HW * N;
  const per = Math.max(1, Math.min(C, perChannel === 0 ? C : Math.floor(chunkFloats / perChannel)));
  const ptrs = reserve(who, ...new Array<number>(bufs).fill(per * HW * N),
    ...extras.map((e) => (typeof e === 'number' ? e : e.length)));
  const buffer = kernels().memory.buffer;
  const views = ptrs.slice(0, bufs).map((p) => new Float32Array(buffer, p, per * HW * N));
  extras.forEach((e, i) => { if (typeof e !== 'number') new Float32Array(buffer, ptrs[bufs + i], e.length).set(e); });
  const out = Array.from({ length: nOut }, () => fresh(HW * C * N));
  for (let c0 = 0; c0 < C; c0 += per) {
    const m = Math.min(per, C - c0);
    const run1 = m * HW;
    // channel c0 of image n starts at element HW*(c0 + C*n); in the group at HW*m*n
    for (let n = 0; n < N; n++) {
      const src = (n * C + c0) * HW;
      for (let i = 0; i < inputs.length; i++) views[i].set(inputs[i].subarray(src, src + run1), n * run1);
    }
    run(ptrs, c0, m);
    for (let n = 0; n < N; n++) {
      const dst = (n * C + c0) * HW;
      for (let o = 0; o < nOut; o++) out[o].set(views[inputs.length + o].subarray(n * run1, (n + 1) * run1), dst);
    }
  }
  return { out, extras: ptrs.slice(bufs) };
}

/**
 * streamPlanes for channel-wise kernels (LRN, noffset), whose kernels see tensors as [m, C, n]:
 * m pixels of each of C channels, planes m floats apart, n images. `inputs` have P = H*W pixels
 * per channel, C channels and N images, as does the output. When an image of every input and the
 * output fits `chunkFloats`, whole images go in groups (m = P); larger images go in bands of
 * pixels across all channels (m a multiple of 16, the kernels' widest group, except at the end of an
 * image), each channel's
 * piece copied in just before the kernel runs and out while still in cache.
 * `run(ptrs, m, n)` gets the inputs' pointers, then the output's and the scratch's.
 */
export function streamPixels(who: string, P: number, C: number, N: number, chunkFloats: number,
  inputs: Float32Array[], scratch: number, run: (ptrs: number[], m: number, n: number) => void): Float32Array {
  const bufs = inputs.length + 1;
  const image = P * C;
  if (image * bufs <= chunkFloats || P <= 16) {
    return streamPlanes(who, N, chunkFloats, inputs.map((d) => [d, image] as [Float32Array, number]), image, scratch,
      (ptrs, n) => run(ptrs, P, n));
  }
  const band = Math.min(P, Math.max(16, Math.floor(chunkFloats / (bufs * C) / 16) * 16));
  const ptrs = reserve(who, ...inputs.map(() => band * C), band * C, scratch);
  const buffer = kernels().memory.buffer;
  const views = inputs.map((_, i) => new Float32Array(buffer, ptrs[i], band * C));
  const y = new Float32Array(buffer, ptrs[inputs.length], band * C);
  const out = fresh(image * N);
  for (let n = 0; n < N; n++) {
    for (let i0 = 0; i0 < P; i0 += band) {
      const b = Math.min(band, P - i0);
      // channel c of the band: src[n*image + c*P + i0 ...] <-> buffer[c*b ...]
      for (let i = 0; i < inputs.length; i++) {
        const src = inputs[i];
        const v = views[i];
        for (let c = 0, o = n * image + i0; c < C; c++, o += P) v.set(src.subarray(o, o + b), c * b);
      }
      run(ptrs, b, 1);
      for (let c = 0, o = n * image + i0; c < C; c++, o += P) out.set(y.subarray(c * b, c * b + b), o);
    }
  }
  return out;
}
