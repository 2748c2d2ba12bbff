// Loading the kernels. See API.md "Loading" and the README section "Use it in…".
//
// init() accepts every form a runtime can hand us and turns it into a
// WebAssembly.Module, then an Instance with no imports. Each entry point
// picks the default source: index.ts the module inlined as bytes, edge.ts a
// precompiled Module for runtimes that forbid compiling bytes (Cloudflare
// workerd, Vercel Edge).

import { attach, attachLocal, checkedScratch, detach, KERNEL_EXPORTS, type Kernels } from './wasm.js';
import { nodeFs } from './node-fs.js';
import { cancelledInit, initThreads, sharedMemory, startPool, stopPool } from './threads.js';

/** Everything init() accepts, or a promise of it. */
export type InitSource =
  | WebAssembly.Module
  | BufferSource
  | URL
  | string
  | Response;

/** init()'s options. */
export interface InitOptions {
  /**
   * Threads the blocks may use, the calling thread included (default: every core the machine
   * reports). Runtimes without workers or shared memory (workerd, Vercel Edge, pages that are
   * not cross-origin isolated) use 1 whatever is asked.
   */
  threads?: number;
}

let loading: Promise<void> | null = null;

/** The kernels an entry compiles when init() is given no source (thunks: the pool takes both, else only `single` is built). */
export interface EntryBuilds {
  /** The single-threaded build the engine runs best (builds.ts chooseBuild). */
  readonly single: () => InitSource;
  /** Its shared-memory form for the worker pool, or null where the entry has no pool (edge runtimes). */
  readonly shared: (() => InitSource) | null;
}

/**
 * The once-only part of every entry's init(a?, b?): `a` is a source or the options, `b` the
 * options after a source. The first call loads the given source (else the entry's build:
 * the shared-memory one when threads are used); later and concurrent calls return the first
 * call's promise until dispose(): their source is not looked at (a fresh Response or fetch()
 * each time is fine), their options are checked, and a `threads` that asks for another pool
 * size than the first call's is an Error (dispose() first). If loading fails, the next
 * call tries again. A dispose() before the load finished cancels it: its promise rejects with
 * an AbortError, and nothing of it stays loaded or running.
 */
export function initOnce(a: unknown, b: unknown, builds: EntryBuilds): Promise<void> {
  if (loading !== null) {
    const later = laterCallError(a, b, builds);
    return later === null ? loading : Promise.reject(later);
  }
  const gen = ++generation;
  const cancelled = (): boolean => gen !== generation;
  const p: Promise<void> = load(a, b, builds, cancelled).then(() => {
    // a dispose() after the load's last step and before its promise settled
    if (cancelled()) throw cancelledInit();
  }, (e: unknown) => {
    if (loading === p) loading = null;
    // whatever failed after a dispose(), the caller's answer is that it was cancelled
    throw cancelled() && !isAbort(e) ? cancelledInit(e) : e;
  });
  loading = p;
  return p;
}

// Bumped by every load and by dispose(): a load whose number is no longer current was cancelled,
// and attaches nothing (a newer init() may already have attached its own kernels).
let generation = 0;

/**
 * End the worker pool's threads and unload the kernels: blocks throw the "await init()" error
 * until the next init(), which starts over (fresh memory, a new pool). An init() still loading
 * is cancelled: its promise rejects with an AbortError, and workers it was starting end now.
 */
export function dispose(): void {
  generation++;
  // A pending init() now rejects with an AbortError; one that nobody awaits must not end the
  // process as an unhandled rejection, so the promise is marked handled (awaiting it still throws).
  loading?.catch(() => {});
  stopPool();
  detach();
  loading = null;
}

// The threads the loaded (or loading) kernels run on: what the first call asked for, then 1
// if its module turned out to be a single-memory build.
let loadedThreads = 1;

/**
 * Why a call made while the kernels are loaded or loading cannot share that load: bad options,
 * or a `threads` that would make another pool (the same count, or more than the machine has
 * when the first call took every core, is the same pool). Null when it can share it.
 */
function laterCallError(a: unknown, b: unknown, builds: EntryBuilds): Error | null {
  let args: Args;
  try {
    args = parseArgs(a, b);
  } catch (e) {
    return e as Error;
  }
  const n = poolSize(args, builds);
  if (args.o.threads === undefined || n === loadedThreads) return null;
  return new Error(`init: the kernels are already loaded (or loading) on ${loadedThreads} thread${loadedThreads === 1 ? '' : 's'}; ` +
    `init({ threads: ${String(args.o.threads)} }) asks for ${n}. Call dispose() first to load them again with other options`);
}

function isAbort(e: unknown): boolean {
  return e instanceof Error && e.name === 'AbortError';
}

function isOptions(x: unknown): x is InitOptions {
  if (typeof x !== 'object' || x === null) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

interface Args {
  /** The source given, if any (not yet looked at). */
  readonly given: InitSource | PromiseLike<InitSource> | undefined;
  readonly o: InitOptions;
  /** The pool size the options ask for (initThreads: capped by the cores and the runtime). */
  readonly asked: number;
}

/** init(a?, b?)'s arguments: `a` a source or the options, `b` the options after a source. */
function parseArgs(a: unknown, b: unknown): Args {
  const [given, opts] = isOptions(a) ? [undefined, a] : [a as InitSource | PromiseLike<InitSource> | undefined, b];
  if (opts !== undefined && opts !== null && !isOptions(opts)) {
    throw new Error(`init: options must be an object such as { threads: 2 }, got ${describe(opts)}`);
  }
  const o = (opts ?? {}) as Record<string, unknown>;
  const unknown = Object.keys(o).filter((key) => key !== 'threads');
  if (unknown.length > 0) throw new Error(`init: unknown option ${unknown.join(', ')} (init takes { threads })`);
  return { given, o, asked: initThreads(o.threads) };
}

/** The threads a load with these arguments starts: one where the entry has no pool build. */
function poolSize(args: Args, builds: EntryBuilds): number {
  return builds.shared === null && args.given === undefined ? 1 : args.asked;
}

async function load(a: unknown, b: unknown, builds: EntryBuilds, cancelled: () => boolean): Promise<void> {
  const args = parseArgs(a, b);
  const { given, o } = args;
  const n = poolSize(args, builds);
  loadedThreads = n;
  const source = given ?? (n > 1 ? builds.shared! : builds.single)();
  // With the pool, the entry's single-threaded build too, unshared: calls that stay on the calling
  // thread copy in and out of it at memmove speed (wasm.ts, onCallingThread). Compiled alongside
  // the shared build; a module given is used alone.
  // It only makes copies faster: if it cannot load, the pool's instance runs those calls too.
  const local = n > 1 && given === undefined
    ? Promise.resolve().then(() => builds.single()).then(toModule).then((m) => WebAssembly.instantiate(m, {})).catch(() => null) : null;
  const module = await toModule(await source);
  if (!importsMemory(module)) {
    if (given !== undefined && o.threads !== undefined && n > 1) {
      throw new Error(`init: threads: ${String(o.threads)} needs the shared-memory build (kernels-shared.wasm or ` +
        'kernels-shared-relaxed.wasm); the module given has its own memory, so it can only run one thread');
    }
    const single = checkExports((await WebAssembly.instantiate(module, {})).exports);
    if (cancelled()) throw cancelledInit();
    loadedThreads = 1;
    attach(single);
    return;
  }
  const memory = sharedMemory();
  if (memory === null) throw new Error('init: the module imports shared memory, which this runtime cannot create');
  const k = checkedScratch(checkExports((await WebAssembly.instantiate(module, { env: { memory } })).exports));
  const loaded = local === null ? null : await local;
  const single = loaded === null ? null : checkExports(loaded.exports);
  if (cancelled()) throw cancelledInit();
  const statics = attach(k, n - 1);
  if (single !== null) attachLocal(single, k);
  try {
    await startPool(k, module, memory, n, statics, o.threads !== undefined, cancelled);
  } catch (e) {
    // dispose() has detached these kernels already, and a newer init() may own what is attached now
    // (initOnce makes the error an AbortError)
    if (cancelled()) throw e;
    // Threads asked for by name must start (init() waits for them); the default pool starts in the
    // background, and its shares run on the calling thread until each worker runs.
    if (o.threads !== undefined) {
      detach();
      throw e;
    }
  }
}

/** The shared-memory build imports its memory; the other builds define their own. */
function importsMemory(m: WebAssembly.Module): boolean {
  return WebAssembly.Module.imports(m).some((i) => i.kind === 'memory');
}

/** A fresh, checked instance of the kernels from any source (init() without the once-only state). */
export async function instantiateKernels(source: InitSource | PromiseLike<InitSource>): Promise<Kernels> {
  const module = await toModule(await source);
  const memory = importsMemory(module) ? sharedMemory() : null;
  const instance = await WebAssembly.instantiate(module, memory === null ? {} : { env: { memory } });
  return checkExports(instance.exports);
}

async function toModule(src: InitSource): Promise<WebAssembly.Module> {
  if (isModule(src)) return src;
  if (typeof src === 'string' || isURL(src)) return toModule(await fetchBytes(String(src)));
  if (isResponse(src)) return toModule(await responseBytes(src));
  const bytes = asBytes(src);
  if (bytes === null) {
    throw new Error(`init: expected a WebAssembly.Module, bytes (ArrayBuffer or typed array), a URL, a Response ` +
      `or a promise of one, got ${describe(src)}`);
  }
  checkMagic(bytes, 'the bytes given');
  try {
    return await WebAssembly.compile(bytes);
  } catch (e) {
    throw compileError(e);
  }
}

// NOTE: `instanceof WebAssembly.Module` is false for a Module made in another
// realm (edge-runtime's vm context, iframes); the brand tag is not.
function isModule(x: unknown): x is WebAssembly.Module {
  return Object.prototype.toString.call(x) === '[object WebAssembly.Module]';
}

function isURL(x: unknown): x is URL {
  return Object.prototype.toString.call(x) === '[object URL]' ||
    (typeof x === 'object' && x !== null && typeof (x as URL).href === 'string' && typeof (x as URL).protocol === 'string');
}

function isResponse(x: unknown): x is Response {
  return typeof x === 'object' && x !== null && typeof (x as Response).arrayBuffer === 'function' &&
    typeof (x as Response).status === 'number';
}

function asBytes(x: unknown): Uint8Array<ArrayBuffer> | null {
  const tag = Object.prototype.toString.call(x);
  if (tag === '[object ArrayBuffer]') return new Uint8Array(x as ArrayBuffer);
  // WebAssembly.compile refuses shared memory; copy it.
  if (tag === '[object SharedArrayBuffer]') return new Uint8Array(new Uint8Array(x as SharedArrayBuffer));
  if (ArrayBuffer.isView(x)) {
    const v = new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
    return x.buffer instanceof ArrayBuffer ? (v as Uint8Array<ArrayBuffer>) : new Uint8Array(v);
  }
  return null;
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  if (url.startsWith('file:')) {
    // Node 20's fetch cannot read file: URLs.
    const fs = await nodeFs(`init: reading ${url}`);
    try {
      return new Uint8Array(await fs.readFile(new URL(url)));
    } catch (e) {
      throw new Error(`init: cannot read ${url}: ${(e as Error).message}`);
    }
  }
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new Error(`init: fetching ${url} failed: ${(e as Error).message}`);
  }
  return responseBytes(res);
}

async function responseBytes(res: Response): Promise<Uint8Array> {
  const from = res.url ? ` from ${res.url}` : '';
  if (!res.ok) throw new Error(`init: the response${from} has HTTP status ${res.status}, not the kernels.wasm module`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  checkMagic(bytes, `the response${from} (content-type ${res.headers.get('content-type') ?? 'none'})`);
  return bytes;
}

/** WebAssembly binaries start with "\0asm"; say what arrived instead. */
function checkMagic(b: Uint8Array, what: string): void {
  if (b.length >= 4 && b[0] === 0 && b[1] === 0x61 && b[2] === 0x73 && b[3] === 0x6d) return;
  if (b.length === 0) throw new Error(`init: ${what} is empty (0 bytes), not a WebAssembly module`);
  const text = new TextDecoder().decode(b.subarray(0, 64)).trimStart();
  if (text.startsWith('<')) {
    throw new Error(`init: ${what} is an HTML page (${b.length} bytes starting "${text.slice(0, 30)}…"), not ` +
      `a WebAssembly module; the server probably answered with an error or fallback page instead of kernels.wasm`);
  }
  const hex = Array.from(b.subarray(0, 8), (v) => v.toString(16).padStart(2, '0')).join(' ');
  throw new Error(`init: ${what} is not a WebAssembly module (${b.length} bytes starting ${hex}; a module starts 00 61 73 6d)`);
}

function compileError(e: unknown): Error {
  const msg = (e as Error).message ?? String(e);
  if (/disallowed|code generation/i.test(msg)) {
    return new Error(`init: this runtime forbids compiling WebAssembly from bytes (${msg}). Import the module ` +
      `statically and pass it: import kernels from 'nnblocks/kernels.wasm'; await init(kernels)`);
  }
  return new Error(`init: compiling the kernels failed: ${msg}`);
}

function checkExports(exp: WebAssembly.Exports): Kernels {
  const missing = KERNEL_EXPORTS.filter((name) => !(name in exp));
  if (missing.length > 0) {
    throw new Error(`init: the module is not nnblocks' kernels.wasm (or is another version of it): it lacks ` +
      `the exports ${missing.join(', ')}`);
  }
  return exp as unknown as Kernels;
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x !== 'object') return `${typeof x} ${String(x).slice(0, 40)}`;
  return Object.prototype.toString.call(x);
}
