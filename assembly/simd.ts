// Shared SIMD vocabulary. Vectors are 4 lanes of f32 (VEC). Every kernel
// processes floor(n / VEC) * VEC elements with v128 ops and the rest with a
// scalar tail, so no kernel reads or writes past the end of a buffer.

export const VEC: i32 = 4;
export const VEC_BYTES: i32 = 16;

/** Largest multiple of VEC that is <= n. */
// @ts-ignore: decorator
@inline export function vecFloor(n: i32): i32 {
  return n & ~(VEC - 1);
}

/** Load 4 floats at element index i of the f32 array at p. */
// @ts-ignore: decorator
@inline export function ld4(p: usize, i: i32): v128 {
  return v128.load(p + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline export function st4(p: usize, i: i32, v: v128): void {
  v128.store(p + (<usize>i << 2), v);
}

// @ts-ignore: decorator
@inline export function ld1(p: usize, i: i32): f32 {
  return load<f32>(p + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline export function st1(p: usize, i: i32, v: f32): void {
  store<f32>(p + (<usize>i << 2), v);
}

/** a*b + c, the one multiply-add of the GEMM micro-kernels (the relaxed build makes it f32x4.relaxed_madd). */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 { return f32x4.add(f32x4.mul(a, b), c); }
