// Reference nndropout (SEMANTICS §4.7, vl_nndropout.m), from the formulas. Never optimise it.

/** mask = (u >= rate) * float32(1 / (1 - rate)) for uniforms u. */
export function dropoutMaskRef(u: Float32Array, rate: number): Float32Array {
  const scale = Math.fround(1 / (1 - rate));
  return u.map((v) => (v >= rate ? scale : 0));
}

/** y = mask .* x (float32 products). */
export function dropoutApplyRef(x: Float32Array, mask: Float32Array): Float32Array {
  return x.map((v, i) => Math.fround(v * mask[i]));
}

/**
 * xoshiro128** seeded by splitmix32, written out independently of src/random.ts from the published
 * algorithms (Blackman & Vigna; splitmix32 with golden-ratio increments): n uniforms, the top 24
 * bits of each output over 2^24.
 */
export function uniformRef(n: number, seed: number): Float32Array {
  const s = [0, 0, 0, 0];
  let z = seed >>> 0;
  for (let i = 0; i < 4; i++) {
    z = (z + 0x9e3779b9) >>> 0;
    let t = z;
    t = Math.imul(t ^ (t >>> 16), 0x85ebca6b) >>> 0;
    t = Math.imul(t ^ (t >>> 13), 0xc2b2ae35) >>> 0;
    s[i] = (t ^ (t >>> 16)) >>> 0;
  }
  const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] = (s[2] ^ s[0]) >>> 0;
    s[3] = (s[3] ^ s[1]) >>> 0;
    s[1] = (s[1] ^ s[2]) >>> 0;
    s[0] = (s[0] ^ s[3]) >>> 0;
    s[2] = (s[2] ^ t) >>> 0;
    s[3] = rotl(s[3], 11);
    out[i] = Math.floor(r / 256) / 16777216;
  }
  return out;
}
