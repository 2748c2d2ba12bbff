// Scratch sizes for the facade's reserve(). Options reach 2^24 each and sizes 2^30, so products of
// them wrap in i32 arithmetic, and a wrapped size is a short scratch that a kernel then writes past.
// The scratch functions therefore sum in f64 (exact below 2^53, and when the total fits in i32 every
// term does) and give -1 for a total past i32, which reserve() refuses with an Error.

/** v floats as a scratch function returns them: v itself, or -1 when it does not fit in i32. */
// @ts-ignore: decorator
@inline export function floats(v: f64): i32 {
  return v <= <f64>i32.MAX_VALUE ? <i32>v : -1;
}
