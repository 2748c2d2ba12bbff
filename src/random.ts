// A seedable standard-normal generator that gives the same float32 numbers in
// every JavaScript runtime. Math.log/Math.exp are only "implementation
// approximated" by the language spec (engines differ in the last bit), so the
// logarithm is computed here from + - * / and Math.sqrt, which IEEE 754 and
// ECMAScript fix exactly.
//
// Uniforms: xoshiro128** (Blackman & Vigna), state seeded by splitmix32; uniformRandom gives
// the top 24 bits of each output over 2^24 (nndropout's masks).
// Normals: Marsaglia's polar method, both values of each accepted pair used.

/** The stream used by randn() without a seed; MATLAB's `rng default` analogue. */
let shared: Generator | null = null;

class Generator {
  private s = new Uint32Array(4);
  private spare = new Float64Array(1);
  private hasSpare = false;

  constructor(seed: number) {
    let z = seed >>> 0;
    // splitmix32 spreads any 32-bit seed over the 128-bit state (never all zero).
    for (let i = 0; i < 4; i++) {
      z = (z + 0x9e3779b9) >>> 0;
      let t = z;
      t = Math.imul(t ^ (t >>> 16), 0x85ebca6b);
      t = Math.imul(t ^ (t >>> 13), 0xc2b2ae35);
      this.s[i] = (t ^ (t >>> 16)) >>> 0;
    }
  }

  private next32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t; s[3] = rotl(s[3], 11);
    return result;
  }

  /**
   * Fill `out` with uniforms in [0, 1): the top 24 bits of each 32-bit output over 2^24, so every
   * value is a float32 exactly (a multiple of 2^-24 up to 1 - 2^-24). The state lives in locals
   * for the loop (one 32-bit output per value).
   */
  fillUniform(out: Float32Array): void {
    const s = this.s;
    let s0 = s[0] | 0, s1 = s[1] | 0, s2 = s[2] | 0, s3 = s[3] | 0;
    for (let i = 0; i < out.length; i++) {
      const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
      const t = s1 << 9;
      s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3;
      s2 ^= t; s3 = rotl(s3, 11);
      out[i] = (r >>> 8) * 5.9604644775390625e-8; // 2^-24
    }
    s[0] = s0; s[1] = s1; s[2] = s2; s[3] = s3;
  }

  /**
   * out[i] = u_i >= rate ? keep : 0 for the uniforms u_i that fillUniform would give from the same
   * state (so the same stream). u = k * 2^-24 >= rate exactly when k >= K = ceil(rate * 2^24)
   * (exact in float64), tested without a branch (random data defeats branch prediction: a
   * ternary costs ~10x): the sign bit of k - K picks keep or 0 from a 2-entry table.
   */
  fillThreshold(out: Float32Array, rate: number, keep: number): void {
    const K = Math.ceil(rate * 16777216);
    const table = new Float32Array([keep, 0]);
    const s = this.s;
    let s0 = s[0] | 0, s1 = s[1] | 0, s2 = s[2] | 0, s3 = s[3] | 0;
    for (let i = 0; i < out.length; i++) {
      const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
      const t = s1 << 9;
      s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3;
      s2 ^= t; s3 = rotl(s3, 11);
      out[i] = table[((r >>> 8) - K) >>> 31];
    }
    s[0] = s0; s[1] = s1; s[2] = s2; s[3] = s3;
  }

  /** A uniform integer in 0..n-1 (n <= 2^32), unbiased: outputs in the incomplete top range are drawn again. */
  below(n: number): number {
    const limit = 4294967296 - (4294967296 % n); // the largest multiple of n not above 2^32
    for (;;) {
      const r = this.next32();
      if (r < limit) return r % n;
    }
  }

  /**
   * Fill `out` with standard normals, continuing the stream: a pending second value of the last
   * pair first. Each try draws two uniforms in (-1, 1) of 53 bits each (27 high bits, then 26 low,
   * from two 32-bit outputs). Written as one loop with the state in locals and the draws in a
   * typed array: a double returned by a call V8 does not inline, or kept in a `number | null`
   * field, is boxed, and a normal() per value allocated about 40 bytes a value (randn of 2M values
   * four times: some 40 scavenges, against 1 now; 1.7x faster in Node 20 and 22).
   */
  fillNormal(out: Float32Array): void {
    let i = 0;
    if (this.hasSpare && out.length > 0) {
      out[i++] = this.spare[0];
      this.hasSpare = false;
    }
    const st = this.s, d = draws;
    let s0 = st[0] | 0, s1 = st[1] | 0, s2 = st[2] | 0, s3 = st[3] | 0;
    while (i < out.length) {
      for (let k = 0; k < 4; k++) {
        d[k] = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
        const t = s1 << 9;
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3;
        s2 ^= t; s3 = rotl(s3, 11);
      }
      const u = (((d[0] >>> 5) * 67108864 + (d[1] >>> 6)) / 9007199254740992) * 2 - 1;
      const v = (((d[2] >>> 5) * 67108864 + (d[3] >>> 6)) / 9007199254740992) * 2 - 1;
      const q = u * u + v * v;
      if (q >= 1 || q === 0) continue;
      const f = Math.sqrt((-2 * ln(q)) / q);
      out[i++] = u * f;
      if (i < out.length) out[i++] = v * f;
      else {
        this.spare[0] = v * f;
        this.hasSpare = true;
      }
    }
    st[0] = s0; st[1] = s1; st[2] = s2; st[3] = s3;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

const draws = new Uint32Array(4);
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0; // little-endian: high word second
const LN2 = 0.6931471805599453;

/**
 * Natural logarithm of x in (0, 1], accurate to about 1 ulp, from arithmetic
 * only: x = m * 2^e with m in [sqrt(1/2), sqrt(2)), ln m = 2 atanh(t),
 * t = (m - 1)/(m + 1), |t| < 0.1716, summed as an odd series to t^23.
 */
export function ln(x: number): number {
  f64[0] = x;
  let e = ((u32[HI] >>> 20) & 0x7ff) - 1023;
  if (e === -1023) return ln(x * 2 ** 54) - 54 * LN2; // subnormal
  u32[HI] = (u32[HI] & 0x800fffff) | 0x3ff00000; // mantissa in [1, 2)
  let m = f64[0];
  if (m > Math.SQRT2) { m /= 2; e += 1; }
  const t = (m - 1) / (m + 1);
  const t2 = t * t;
  let sum = 1 / 23;
  for (let k = 21; k >= 1; k -= 2) sum = sum * t2 + 1 / k;
  return 2 * t * sum + e * LN2;
}

/** A fresh generator (seed given, checked) or the shared stream; `who` names the caller in the error. */
function generator(who: string, seed: number | undefined): Generator {
  if (seed !== undefined && (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)) {
    throw new Error(`${who}: seed must be an integer in 0..4294967295, got ${String(seed)}`);
  }
  return seed === undefined ? (shared ??= new Generator(0)) : new Generator(seed);
}

/** Fill `out` with standard normals from a fresh generator (seed given) or the shared stream. */
export function normalRandom(out: Float32Array, seed?: number): void {
  const g = generator('randn', seed);
  g.fillNormal(out);
}

/**
 * Fill `out` with uniforms in [0, 1) (float32 multiples of 2^-24) from a fresh generator (seed
 * given) or the shared stream that randn continues too: the same numbers in every runtime.
 */
export function uniformRandom(out: Float32Array, seed?: number, who = 'rand'): void {
  generator(who, seed).fillUniform(out);
}

/**
 * out[i] = (u_i >= rate) ? keep : 0 for the uniforms u_i of uniformRandom (same generator, same
 * stream, same numbers), in one branch-free pass: nndropout's mask. rate must be in [0, 1].
 */
export function maskRandom(out: Float32Array, rate: number, keep: number, seed?: number, who = 'rand'): void {
  generator(who, seed).fillThreshold(out, rate, keep);
}

/**
 * Random permutations of 0..n-1, one per entry of `sizes`, drawn one after the other from a fresh
 * generator seeded with `seed` (cnnTrain's `rng(epoch + randomSeed)` then `randperm` for the train
 * and the val list): the same orders in every runtime. Fisher-Yates from the last position down:
 * p[i] swaps with p[j], j uniform in 0..i.
 */
export function randperms(seed: number, ...sizes: number[]): Int32Array[] {
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new Error(`randperm: seed must be an integer in 0..4294967295, got ${String(seed)}`);
  }
  const g = new Generator(seed);
  return sizes.map((n) => {
    if (!Number.isInteger(n) || n < 0 || n > 2 ** 31 - 1) throw new Error(`randperm: size must be an integer in 0..2^31-1, got ${String(n)}`);
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = g.below(i + 1);
      const t = p[i]; p[i] = p[j]; p[j] = t;
    }
    return p;
  });
}

/**
 * A stream of uniform integers: `next(n)` is uniform in 0..n-1 (n <= 2^32, unbiased), from a fresh
 * generator (seed given) or the shared stream that randn continues (MATLAB's global stream, which
 * exercise4's getBatchWithJitter draws from).
 */
export function integerStream(seed?: number, who = 'randi'): (n: number) => number {
  const g = generator(who, seed);
  return (n: number) => g.below(n);
}
