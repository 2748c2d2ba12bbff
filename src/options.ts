// Option checking shared by every block, with one wording for errors:
// "<block>: <argument> ... <what was seen>".

/** Reject option names that are not in `known` (a typo must not pass silently). */
export function checkOptions(who: string, opts: unknown, known: readonly string[], nullable: readonly string[] = []): void {
  if (opts === undefined) return;
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) {
    throw new Error(`${who}: options must be an object, got ${tagOf(opts)}`);
  }
  for (const [key, v] of Object.entries(opts)) {
    if (!known.includes(key)) {
      throw new Error(`${who}: unknown option '${key}'; the options are ${known.map((k) => `'${k}'`).join(', ')}`);
    }
    // null is a value, not "absent": taken as the default it would hide a bug (a field read from
    // an object that lacks it, JSON's stand-in for NaN), so only the options whose types say null
    // may hold it; undefined (or leaving the key out) gives the default.
    if (v === null && !nullable.includes(key)) {
      throw new Error(`${who}: ${key} is null; leave it out (or pass undefined) for its default`);
    }
  }
}

/** An integer >= min (or Infinity when `orInfinity`), or the Error naming it and the value seen. */
export function integerFrom(who: string, name: string, v: unknown, min: number, orInfinity = false): number {
  if (orInfinity && v === Infinity) return v;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new Error(`${who}: ${name} must be an integer >= ${min}${orInfinity ? ' or Infinity' : ''}, got ${show(v)}`);
  }
  return v;
}

/** An integer in lo..hi, or the Error naming it and the value seen. */
export function integerIn(who: string, name: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
    throw new Error(`${who}: ${name} must be an integer in ${lo}..${hi}, got ${show(v)}`);
  }
  return v;
}

/** A finite number (for scalars such as relu's leak). */
export function finite(who: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new Error(`${who}: ${name} must be a finite number, got ${show(v)}`);
  }
  return v;
}

/**
 * An integer option given as a scalar or an array of `n` integers, each >= min:
 * `pad` (n = 4, min 0), `stride` and `dilate` (n = 2, min 1), `pool` (n = 2, min 1).
 * A scalar s means [s, s, ...]. Non-integers, NaN and values below min are errors.
 */
export function intTuple(who: string, name: string, v: unknown, n: 2 | 4, min: number): number[] {
  const arr = typeof v === 'number' ? new Array<number>(n).fill(v) : v;
  if (!Array.isArray(arr) || (arr.length !== n && arr.length !== 1)) {
    const form = n === 4 ? 'a number or [top, bottom, left, right]' : 'a number or [y, x]';
    throw new Error(`${who}: ${name} must be ${form}, got ${show(v)}`);
  }
  const out = arr.length === 1 ? new Array<number>(n).fill(arr[0]) : arr.slice();
  for (const d of out) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < min || d > MAX_OPTION) {
      throw new Error(`${who}: ${name} must hold integers >= ${min}, got ${show(v)} (at most ${MAX_OPTION} each)`);
    }
  }
  return out as number[];
}

export function show(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return `'${v}'`;
  return tagOf(v);
}

export function tagOf(x: unknown): string {
  if (x === null) return 'null';
  if (x === undefined) return 'undefined';
  if (typeof x !== 'object') return `${typeof x} ${String(x).slice(0, 40)}`;
  return Object.prototype.toString.call(x).slice(8, -1);
}

/** "384x512x3" (MATLAB-style, trailing ones dropped but at least 2 dims). */
export function dims(shape: readonly number[]): string {
  return matlabSize(shape).join('x');
}

/** MATLAB's size() of a shape: trailing singleton dimensions dropped, never fewer than 2. */
export function matlabSize(shape: readonly number[]): number[] {
  const s = shape.slice();
  while (s.length > 2 && s[s.length - 1] === 1) s.pop();
  return s;
}

/**
 * The forward/backward-by-arity convention of every block: after the inputs
 * come either `opts` (forward) or `dzdy, opts` (backward). An `undefined`
 * dzdy slot means forward with the options that follow it (code that passes
 * a `maybeDzdy` through must not lose its options), anything after the
 * options is an error, and a non-Tensor in the dzdy slot is named as such.
 */
export function splitArity<O>(who: string, a: unknown, b: unknown, isTensor: (v: unknown) => boolean):
  { dzdy: unknown; opts: O | undefined } {
  if (isTensor(a)) return { dzdy: a, opts: b as O | undefined };
  if (a === undefined) return { dzdy: undefined, opts: b as O | undefined };
  if (typeof a !== 'object' || a === null || Array.isArray(a) || ArrayBuffer.isView(a)) {
    throw new Error(`${who}: dzdy must be a Tensor (or, for the forward pass, an options object), got ${tagOf(a)}`);
  }
  // No block has options named data and shape: this is a Tensor that is not one (data not a Float32Array, say).
  if ('data' in a && 'shape' in a) {
    const d = (a as { data: unknown }).data;
    throw new Error(`${who}: dzdy must be a Tensor (data a Float32Array, shape 4 sizes), got an object with data ${tagOf(d)}`);
  }
  if (b !== undefined) throw new Error(`${who}: unexpected argument after the options: ${tagOf(b)}`);
  return { dzdy: undefined, opts: a as O };
}

/**
 * Largest value accepted for a size option (pad, stride, dilate, pool). The
 * kernels index with 32-bit integers; 2^24 keeps every sum and product of
 * sizes far inside that, and no real network comes near it.
 */
export const MAX_OPTION = 2 ** 24;

/** y's element count must fit WebAssembly memory (4 GiB); say so before any allocation. */
export function checkOutputSize(who: string, shape: readonly number[], why: string): void {
  const n = shape.reduce((p, d) => p * d, 1);
  if (n * 4 > 2 ** 32) {
    throw new Error(`${who}: y would be ${shape.join('x')} (${(n * 4 / 2 ** 30).toFixed(1)} GiB), more than ` +
      `WebAssembly memory can hold (4 GiB); ${why}`);
  }
}

/**
 * A block's `param`: a plain vector of exactly `n` finite numbers, as an Array, a Float32Array or
 * a Float64Array (a MAT-file's double vector). `form` names its fields for the error, e.g.
 * '[N, kappa, alpha, beta]'. MATLAB's blocks index param blindly; here anything else is an Error.
 */
export function paramVector(who: string, v: unknown, n: number, form: string): number[] {
  const tag = tagOf(v);
  const arr = Array.isArray(v) || tag === 'Float32Array' || tag === 'Float64Array' ? Array.from(v as ArrayLike<unknown>) : null;
  if (arr === null || arr.length !== n || arr.some((d) => typeof d !== 'number' || !Number.isFinite(d))) {
    const seen = arr === null ? show(v) : `${Array.isArray(v) ? '' : tag + ' '}[${arr.slice(0, 8).map(show).join(', ')}${arr.length > 8 ? ', ...' : ''}] (${arr.length} elements)`;
    throw new Error(`${who}: param must be ${form}, ${n} finite numbers, got ${seen}`);
  }
  return arr as number[];
}
