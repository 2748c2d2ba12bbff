// The worker pool: threads over one shared WebAssembly memory (init({ threads })).
//
// Every worker instantiates the shared-memory build of the kernels over the
// same memory as the calling thread, moves its static buffers to a private
// region (thread_statics), and then waits on its slot of a small
// SharedArrayBuffer with Atomics.wait. A call that splits its work writes one
// job per worker (kernel ids and arguments, as float64) into the slots, bumps
// each slot's sequence number, wakes the workers with Atomics.notify, runs its
// own share on the calling thread, and waits for every slot's done number to
// reach the sequence. A job is claimed before it runs, by its worker or, once its own share
// is done, by the calling thread: a worker that is still waking (an idle vCPU can take longer
// to wake than the whole split call) then costs the call nothing beyond the one-thread time,
// and each job's results do not depend on who ran it (its outputs and scratch are its own).
// Each slot counts its own jobs, so job s is claimed by compare-and-swap of the claim word
// from s - 1 to s: a worker that wakes to an old number can never take a newer job.
// No postMessage per call, no copies: the kernels read and write the arena the calling
// thread laid out.
//
// Workers are unref'ed (Node, Deno and Bun use worker_threads), so a live pool never keeps the process
// alive; dispose() (init.ts) ends them.
//
// Where the runtime has no Worker, no SharedArrayBuffer, or a page that is not
// cross-origin isolated, there is no pool: threads() is 1 and every block runs
// on the calling thread with the same results.

import { attached, KERNEL_EXPORTS, type Kernels } from './wasm.js';

/** One kernel call: its name and its arguments (pointers as byte addresses). */
export type Call = [keyof Kernels, ...number[]];
/** A thread's share: kernel calls run in order. */
export type Job = Call[];

/** Int32 words per slot of the control array (64 bytes, so slots do not share a cache line). */
const SLOT = 16;
/** float64 words of call data per slot. */
const ARGS = 256;
/** Control words: the job's sequence number, the done number, an error flag, 1 once the worker runs, the sequence number of the job claimed last, the jobs the worker ran. */
const SEQ = 0, DONE = 1, FAIL = 2, READY = 3, CLAIM = 4, RAN = 5;
/**
 * Milliseconds a waiting thread spins before it sleeps. On a 2-vCPU VM a sleeping worker wakes
 * 30–130 µs late, later when the host has given its core away, and the gaps between a training
 * step's split calls (a pool, a ReLU, the loss, the update) are mostly under 2.4 ms: a shorter spin
 * let the worker sleep through them and wake late to every conv (docs/performance.md, 2026-12-07).
 * Time, not a count of loads, because a load's cost differs by engine (14 ns in V8). The cost: up
 * to 5 ms of one core per worker after a split call.
 */
const SPIN_MS = 5;
/** Mask: the clock is read once every SPIN_CHECK + 1 = 64 loads while spinning (about 1 µs in V8); keep it 2^n - 1. */
const SPIN_CHECK = 63;

interface Pool {
  size: number;
  /** The instance whose memory the workers share: with any other attached, calls stay on this thread. */
  k: Kernels;
  ctrl: Int32Array;
  args: Float64Array;
  /** seq[t]: the number of the last job sent to worker t (each slot counts its own). */
  seq: Int32Array;
  /** Atomics.wait is allowed on the calling thread (not on a browser's main thread). */
  canWait: boolean;
  /** ready[t]: worker t has said READY (cached here once seen). */
  ready: Uint8Array;
  workers: { terminate(): unknown }[];
}

let pool: Pool | null = null;
/** Test hook (tests/setup.ts): the thread count init() uses when none is given. */
let defaultThreads: number | null = null;

/** Bench and test hook: split calls use at most this many threads of the pool. */
let cap = Infinity;

/** Threads a split call may use, the calling thread included (1 without a pool). */
export function threads(): number {
  // Benchmarks and tests attach other instances side by side; their memory is not the pool's.
  return pool === null || attached() !== pool.k ? 1 : Math.min(pool.size, cap);
}

/**
 * For benchmarks and tests: let split calls use at most n threads of the running pool (Infinity:
 * all), so one process can interleave 1 and 2 threads call by call. Scratch sizes follow it, so
 * plan and run with the same setting.
 */
export function limitThreads(n: number): void {
  cap = n;
}

/** For tests: the number init() uses when its options give none (null: the runtime's default). */
export function setDefaultThreads(n: number | null): void {
  defaultThreads = n;
}

/** Test hook: with `on`, parallel() treats every worker as not running yet (their jobs run here). */
let held = false;
export function holdWorkers(on: boolean): void {
  held = on;
}

/** Test hook: with `on`, parallel() claims every job it sends before its own share (as if no worker woke in time). */
let claimFirst = false;

/** For tests: the calling thread claims every job it sends (the workers wake to find them taken). */
export function claimBeforeWorkers(on: boolean): void {
  claimFirst = on;
}

/** Test hook: with `on`, parallel() waits until each worker has claimed its job before its own share. */
let workersFirst = false;

/** For tests: every job sent runs in its worker (the calling thread waits for the claims before its own share). */
export function claimByWorkers(on: boolean): void {
  workersFirst = on;
}

/** For tests: jobs sent to workers, and of them those the calling thread claimed (and ran, unless an earlier job failed). */
export const jobCounts = { sent: 0, claimed: 0 };

/**
 * parallel() calls that split their work over the pool (more than one job), whichever threads
 * ran the jobs. simplenn reads it around a run to learn whether any layer split (engine.ts).
 */
let splitCalls = 0;
export const splitCount = (): number => splitCalls;

/** For tests: the jobs the pool's workers ran (each job runs once: sent = claimed + this). */
export function jobsRunByWorkers(): number {
  const p = pool;
  if (p === null) return 0;
  let n = 0;
  for (let t = 1; t < p.size; t++) n += Atomics.load(p.ctrl, t * SLOT + RAN);
  return n;
}

/** Workers of the pool that have said READY (for tests: the default pool starts in the background). */
export function workersRunning(): number {
  const p = pool;
  if (p === null) return 0;
  let n = 0;
  for (let t = 1; t < p.size; t++) n += Atomics.load(p.ctrl, t * SLOT + READY);
  return n;
}

/** Threads worth using on `work` units when each thread should get at least `min` of them. */
export function threadsFor(work: number, min: number): number {
  return Math.max(1, Math.min(threads(), Math.floor(work / min)));
}

/** [first, count] of share i of t over n items (the first shares get the smaller counts). */
export function share(n: number, t: number, i: number): [number, number] {
  const a = Math.floor((n * i) / t);
  return [a, Math.floor((n * (i + 1)) / t) - a];
}

/**
 * n items (images, planes, channels, values) in t shares run at once: job(first, count, i) is
 * share i's calls (share()'s counts). One share runs here with no job list built; no items, no calls.
 */
export function split(k: Kernels, t: number, n: number, job: (first: number, count: number, i: number) => Job): void {
  if (t <= 1) {
    if (n > 0) runJob(k, job(0, n, 0));
    return;
  }
  parallel(k, Array.from({ length: t }, (_, i) => {
    const [first, count] = share(n, t, i);
    return job(first, count, i);
  }));
}

/**
 * Run jobs[0] on the calling thread and jobs[t] on worker t at the same time; returns when
 * all are done. jobs.length <= threads(). A worker that is not running yet (init() does not wait
 * for them unless threads were asked for) has its job run here, after jobs[0], and so has a job
 * its worker has not claimed by the time jobs[0] is done: each job writes only its own outputs
 * and scratch, so the results do not depend on which thread ran it. A kernel that traps in a
 * worker is an Error here. `first`, if given, runs on the calling thread once the workers are
 * woken, before jobs[0]: JS work (a copy out of memory) that overlaps the workers' jobs.
 */
export function parallel(k: Kernels, jobs: Job[], first?: () => void): void {
  const p = pool !== null && pool.k === k ? pool : null;
  if (jobs.length > 1 && (p === null || jobs.length > p.size)) {
    throw new Error(`nnblocks: ${jobs.length} jobs (${jobs[0]?.[0]?.[0] ?? 'no kernel'}, ...) for a pool of ${p?.size ?? 1} threads`);
  }
  if (p === null || jobs.length <= 1) {
    first?.();
    if (jobs.length === 1) runJob(k, jobs[0]);
    return;
  }
  splitCalls++;
  const sent: number[] = [], here: number[] = [0], bytes = k.memory.buffer.byteLength;
  for (let t = 1; t < jobs.length; t++) {
    if (p.ready[t] === 0 && Atomics.load(p.ctrl, t * SLOT + READY) === 1) p.ready[t] = 1;
    if (p.ready[t] === 0 || held) { here.push(t); continue; }
    // every job is encoded before any worker is woken: a job that does not fit throws with none started
    encode(p.args, t * ARGS, jobs[t], bytes);
    sent.push(t);
  }
  for (const t of sent) p.seq[t] = (p.seq[t] + 1) | 0;
  // (the test hook claims before it publishes, so no worker can win the claim)
  const mine = claimFirst ? sent.filter((t) => claim(p, t)) : [];
  for (const t of sent) {
    Atomics.store(p.ctrl, t * SLOT + FAIL, 0);
    Atomics.store(p.ctrl, t * SLOT + SEQ, p.seq[t]);
    Atomics.notify(p.ctrl, t * SLOT + SEQ);
  }
  if (workersFirst) for (const t of sent) while (Atomics.load(p.ctrl, t * SLOT + CLAIM) !== p.seq[t]);
  jobCounts.sent += sent.length;
  jobCounts.claimed += mine.length;
  let err: unknown = null;
  try {
    first?.();
  } catch (e) {
    err = e;
  }
  err = runHere(k, jobs, here, err);
  err = runHere(k, jobs, mine, err);
  // A job still unclaimed now that the caller's own share is done is the caller's: its worker is
  // late. Every slot is tried before any is waited for, so one busy worker does not leave
  // another's job waiting for a wake-up.
  const late: number[] = [];
  for (const t of sent) {
    if (err !== null || mine.includes(t) || !claim(p, t)) continue;
    jobCounts.claimed++;
    late.push(t);
    err = runHere(k, jobs, [t], err);
  }
  let failed = 0;
  for (const t of sent) {
    if (mine.includes(t) || late.includes(t)) continue;
    const at = t * SLOT + DONE, seq = p.seq[t];
    const until = performance.now() + SPIN_MS;
    let spin = 0;
    for (let d = Atomics.load(p.ctrl, at); d !== seq; d = Atomics.load(p.ctrl, at)) {
      if (p.canWait && (++spin & SPIN_CHECK) === 0 && performance.now() > until) Atomics.wait(p.ctrl, at, d, 50);
    }
    if (Atomics.load(p.ctrl, t * SLOT + FAIL) !== 0) failed = t;
  }
  if (err !== null) throw err;
  if (failed !== 0) {
    throw new Error(`nnblocks: a kernel failed in worker ${failed} of the thread pool ` +
      `(${jobs[failed].map((c) => c[0]).join(', ')}): ${workerMessage(p, failed)}`);
  }
}

/** The message worker t left in its slot's call data when its job threw. */
function workerMessage(p: Pool, t: number): string {
  const a = p.args, at = t * ARGS, n = Math.min(a[at], ARGS - 2);
  let s = '';
  for (let j = 0; j < n; j++) s += String.fromCharCode(a[at + 1 + j]);
  return s;
}

/** Run jobs[t] for each t of ts here, none after an error; returns the first error (or `err`). */
function runHere(k: Kernels, jobs: Job[], ts: number[], err: unknown): unknown {
  for (const t of ts) {
    if (err !== null) return err;
    try {
      runJob(k, jobs[t]);
    } catch (e) {
      err = e;
    }
  }
  return err;
}

/** Claim the job last sent to worker t (true: the caller runs it); exactly one of the worker and the caller wins. */
function claim(p: Pool, t: number): boolean {
  const s = p.seq[t];
  return Atomics.compareExchange(p.ctrl, t * SLOT + CLAIM, (s - 1) | 0, s) === ((s - 1) | 0);
}

export function runJob(k: Kernels, job: Job): void {
  for (const [name, ...args] of job) (k[name] as (...a: number[]) => void)(...args);
}

const ID = new Map<string, number>(KERNEL_EXPORTS.map((n, i) => [n, i]));

/** [calls, memory bytes, (kernel id, argument count, arguments...)...] */
function encode(a: Float64Array, at: number, job: Job, bytes: number): void {
  let i = at + 2;
  for (const [name, ...args] of job) {
    if (i + 2 + args.length > at + ARGS) {
      throw new Error(`nnblocks: a thread's job (${job.map((c) => c[0]).join(', ')}) needs more than the ${ARGS - 2} ` +
        'argument slots of a pool slot');
    }
    a[i] = ID.get(name)!;
    a[i + 1] = args.length;
    for (let j = 0; j < args.length; j++) a[i + 2 + j] = args[j];
    i += 2 + args.length;
  }
  a[at] = job.length;
  a[at + 1] = bytes;
}

/**
 * The worker's whole program, as source text (no file to ship or resolve): it receives
 * { module, memory, ctrl, args, slot, statics, names } once, instantiates, answers 'ready',
 * then runs jobs until one has a negative call count.
 */
function workerSource(node: boolean): string {
  return `"use strict";
const SLOT = ${SLOT}, ARGS = ${ARGS}, SEQ = ${SEQ}, DONE = ${DONE}, FAIL = ${FAIL}, READY = ${READY}, CLAIM = ${CLAIM}, RAN = ${RAN}, SPIN_MS = ${SPIN_MS}, SPIN_CHECK = ${SPIN_CHECK};
function start(d, post) {
  WebAssembly.instantiate(d.module, { env: { memory: d.memory } }).then(function (inst) {
    const ex = inst.exports;
    ex.thread_statics(d.statics);
    const fns = d.names.map(function (n) { return ex[n]; });
    const ctrl = new Int32Array(d.ctrl), args = new Float64Array(d.args);
    const c = d.slot * SLOT, a0 = d.slot * ARGS;
    Atomics.store(ctrl, c + READY, 1);
    post('ready');
    let seen = 0, known = d.memory.buffer.byteLength;
    for (;;) {
      let s = Atomics.load(ctrl, c + SEQ);
      const until = performance.now() + SPIN_MS;
      for (let spin = 1; s === seen && ((spin & SPIN_CHECK) !== 0 || performance.now() < until); spin++) s = Atomics.load(ctrl, c + SEQ);
      while (s === seen) { Atomics.wait(ctrl, c + SEQ, seen); s = Atomics.load(ctrl, c + SEQ); }
      seen = s;
      // the calling thread took this job (we woke late): nothing to do, nothing to report
      if (Atomics.compareExchange(ctrl, c + CLAIM, (s - 1) | 0, s) !== ((s - 1) | 0)) continue;
      const calls = args[a0];
      if (calls < 0) break;
      Atomics.add(ctrl, c + RAN, 1);
      // The caller may have grown memory since this thread last looked. Engines without a trap
      // handler bounds-check against a size each thread refreshes lazily (V8 by an interrupt),
      // so a job reaching into the new pages could trap here; grow(0) refreshes it now.
      try {
        if (args[a0 + 1] > known) { d.memory.grow(0); known = d.memory.buffer.byteLength; }
        for (let k = 0, i = a0 + 2; k < calls; k++) {
          const f = fns[args[i]], m = args[i + 1], v = new Array(m);
          for (let j = 0; j < m; j++) v[j] = args[i + 2 + j];
          f.apply(null, v);
          i += 2 + m;
        }
      } catch (e) {
        // the message goes back in the slot's call data (the caller decodes it): a trap's text is the only clue
        const msg = String(e && e.message || e).slice(0, ARGS - 2);
        args[a0] = msg.length;
        for (let j = 0; j < msg.length; j++) args[a0 + 1 + j] = msg.charCodeAt(j);
        Atomics.store(ctrl, c + FAIL, 1);
      }
      Atomics.store(ctrl, c + DONE, s);
      Atomics.notify(ctrl, c + DONE);
    }
    Atomics.store(ctrl, c + DONE, -1);
  }, function (e) { post('error: ' + (e && e.message || e)); });
}
${node
    // NOTE: not require(): an eval worker runs as an ES module when the parent has --input-type=module.
    ? `const port = process.getBuiltinModule('node:worker_threads').parentPort;
port.once('message', function (d) { start(d, function (m) { port.postMessage(m); }); });`
    : `self.onmessage = function (e) { self.onmessage = null; start(e.data, function (m) { self.postMessage(m); }); };`}
`;
}

interface AnyWorker {
  postMessage(m: unknown): void;
  terminate(): unknown;
  unref?(): void;
}

type Spawn = () => { worker: AnyWorker; listen(f: (m: unknown) => void): void };

/**
 * How this runtime starts a worker from source text, or null when it cannot. Made once per
 * process or page: a page's worker source is one Blob URL, which every init() reuses (the
 * text never changes), so repeated init()/dispose() rounds hold one URL, not one each.
 */
function spawner(): Spawn | null {
  if (spawnCache === undefined) spawnCache = makeSpawner();
  return spawnCache;
}

let spawnCache: Spawn | null | undefined;

function makeSpawner(): Spawn | null {
  const g = globalThis as {
    Worker?: new (url: string, opts?: { type?: string }) => AnyWorker & { onmessage: ((e: { data: unknown }) => void) | null; onerror: ((e: unknown) => void) | null };
    process?: { getBuiltinModule?: (id: string) => unknown };
  };
  // Node, Deno and Bun: worker_threads (its workers can be unref'ed; Deno's web Workers cannot),
  // reached without an import, so bundles for other runtimes hold none.
  const wt = g.process?.getBuiltinModule?.('node:worker_threads') as
    { Worker: new (src: string, opts: { eval: true }) => AnyWorker & { on(ev: string, f: (m: unknown) => void): void } } | undefined;
  if (typeof wt?.Worker === 'function') {
    const src = workerSource(true);
    return () => {
      const w = new wt.Worker(src, { eval: true });
      return { worker: w, listen: (f) => { w.on('message', f); w.on('error', (e) => f(`error: ${(e as Error).message}`)); } };
    };
  }
  const W = g.Worker;
  if (typeof W !== 'function' || typeof URL.createObjectURL !== 'function' || typeof Blob !== 'function') return null;
  const url = URL.createObjectURL(new Blob([workerSource(false)], { type: 'text/javascript' }));
  return () => {
    const w = new W(url, { type: 'module' });
    return {
      worker: w,
      listen: (f) => {
        w.onmessage = (e) => f(e.data);
        w.onerror = (e) => f(`error: ${(e as { message?: string }).message ?? 'the worker did not start'}`);
      },
    };
  };
}

/** Cores the machine reports (1 when it does not say). */
function cores(): number {
  const g = globalThis as { navigator?: { hardwareConcurrency?: number }; process?: { getBuiltinModule?: (id: string) => unknown } };
  const n = g.navigator?.hardwareConcurrency;
  if (typeof n === 'number' && n >= 1) return Math.floor(n);
  const os = g.process?.getBuiltinModule?.('node:os') as { availableParallelism?: () => number; cpus?: () => unknown[] } | undefined;
  const m = os?.availableParallelism?.() ?? os?.cpus?.().length;
  return typeof m === 'number' && m >= 1 ? m : 1;
}

/** Whether this runtime can share WebAssembly memory with workers at all. */
function canShare(): boolean {
  const g = globalThis as { SharedArrayBuffer?: unknown; Atomics?: unknown; crossOriginIsolated?: boolean };
  // Pages get SharedArrayBuffer only when cross-origin isolated (COOP + COEP headers).
  if (typeof g.SharedArrayBuffer !== 'function' || typeof g.Atomics !== 'object' || g.crossOriginIsolated === false) return false;
  return spawner() !== null;
}

/**
 * The thread count init() will use: `requested` (checked) or the default, capped by the
 * cores and by what the runtime allows (1 without workers or shared memory).
 */
export function initThreads(requested: unknown): number {
  if (requested !== undefined && (typeof requested !== 'number' || !Number.isInteger(requested) || requested < 1)) {
    throw new Error(`init: threads must be a whole number >= 1, got ${typeof requested === 'number' ? requested : typeof requested}`);
  }
  const want = (requested as number | undefined) ?? defaultThreads ?? cores();
  if (want <= 1 || !canShare()) return 1;
  return Math.min(want, cores(), 64);
}

/** Shared memory for the shared-memory build (its declared minimum is 4 pages), or null when refused. */
export function sharedMemory(): WebAssembly.Memory | null {
  try {
    return new WebAssembly.Memory({ initial: 4, maximum: 65536, shared: true });
  } catch {
    return null;
  }
}

/**
 * Start size - 1 workers over `memory`, each with its statics region (statics[t - 1], the
 * arena reserved them). With `wait`, resolves when all are running and fails (leaving no pool)
 * if one cannot start, or when `cancelled()` says dispose() came meanwhile; without, the pool is there at once and each worker takes jobs from when
 * it runs (parallel() does the jobs of the others itself), so init() costs no worker start-up,
 * and a worker that fails to start only leaves its share on the calling thread.
 */
export async function startPool(k: Kernels, module: WebAssembly.Module, memory: WebAssembly.Memory, size: number,
  statics: number[], wait: boolean, cancelled: () => boolean): Promise<void> {
  const spawn = spawner();
  if (spawn === null || size <= 1) return;
  const ctrl = new Int32Array(new SharedArrayBuffer(4 * SLOT * size));
  const args = new Float64Array(new SharedArrayBuffer(8 * ARGS * size));
  const workers: AnyWorker[] = [];
  const ready: Promise<void>[] = [];
  try {
    for (let t = 1; t < size; t++) {
      const { worker, listen } = spawn();
      alive++;
      workers.push(worker);
      ready.push(new Promise<void>((resolve, reject) => {
        listen((m) => {
          if (m === 'ready') resolve();
          else {
            if (!wait) end(worker);
            reject(new Error(`init: worker ${t} of the thread pool failed: ${String(m).replace(/^error: /, '')}`));
          }
        });
      }));
      worker.postMessage({ module, memory, ctrl: ctrl.buffer, args: args.buffer, slot: t, statics: statics[t - 1],
        names: KERNEL_EXPORTS });
      // NOTE: while init() awaits the workers, an unref'ed one would not keep Node alive until it answers.
      if (!wait) worker.unref?.();
    }
    if (wait) {
      // dispose() while the workers start ends them at once (through abortStart): this pool is
      // not installed, since a later init() may own `pool`
      let abort = (): void => {};
      const aborted = new Promise<never>((_, reject) => { abort = () => reject(cancelledInit()); });
      abortStart = abort;
      try {
        await Promise.race([Promise.all(ready), aborted]);
      } finally {
        // a newer init()'s start may have taken the slot meanwhile
        if (abortStart === abort) abortStart = null;
      }
      if (cancelled()) throw cancelledInit();
      for (const w of workers) w.unref?.();
    } else {
      for (const r of ready) r.catch(() => {});
    }
  } catch (e) {
    for (const w of workers) end(w);
    throw e;
  }
  let canWait = true;
  try {
    Atomics.wait(ctrl, 0, 1, 0);
  } catch {
    canWait = false;
  }
  pool = { size, k, ctrl, args, seq: new Int32Array(size), canWait, ready: new Uint8Array(size), workers };
}

/** The Error an init() gets when dispose() is called before it finished. */
export function cancelledInit(cause?: unknown): Error {
  const e = new Error('init: dispose() was called before init() finished; nothing was loaded (call init() again)',
    cause === undefined ? undefined : { cause });
  e.name = 'AbortError';
  return e;
}

/** End every worker of the pool (none afterwards; threads() is 1). */
export function stopPool(): void {
  abortStart?.();
  const p = pool;
  if (p === null) return;
  pool = null;
  for (let t = 1; t < p.size; t++) {
    p.args[t * ARGS] = -1;
    Atomics.store(p.ctrl, t * SLOT + SEQ, (p.seq[t] + 1) | 0);
    Atomics.notify(p.ctrl, t * SLOT + SEQ);
  }
  stopped = Promise.all(p.workers.map(end)).then(() => p.workers.length);
}

/** Rejects the pending start of a pool that init() awaits (dispose() came first), or null. */
let abortStart: (() => void) | null = null;

/** Workers started and not yet ended by us (for tests: none may be left behind). */
let alive = 0;
const ended = new WeakSet<object>();

/** Terminate a worker once, whichever path ends it. */
function end(w: { terminate(): unknown }): unknown {
  if (ended.has(w)) return undefined;
  ended.add(w);
  alive--;
  return w.terminate();
}

/** For tests: workers this module started that nothing has ended (a dropped pool's would stay). */
export function workersAlive(): number {
  return alive;
}

let stopped: Promise<number> = Promise.resolve(0);

/** For tests: resolves, with their number, once the workers of the last stopped pool have ended. */
export function workersStopped(): Promise<number> {
  return stopped;
}
