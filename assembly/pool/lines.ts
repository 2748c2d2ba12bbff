// Line primitives of the nnpool kernels (SEMANTICS §2). A "line" is a run of
// n floats in the scratch area: one column of a plane (fixed j, all i). Every
// primitive is element-wise along the line, so it vectorises along i with a
// scalar tail, and it combines whole columns at once.
//
// Three modes share the primitives:
//   MAX  values only:               comb(a, b) = a < b ? b : a   (f32x4.pmax)
//   ARG  values and flat indices:   the same, and the index of the winner,
//                                   kept in a twin line `twin` bytes further on
//   SUM  running sums:              comb(a, b) = a + b
// NOTE: the max modes never let NaN win. A source value passes through
// pmax(-Infinity, x) (NaN < ... is false, so NaN becomes -Infinity) or is the
// right operand of a strict `<`; every line value is therefore NaN-free and a
// window with no number in it pools to -Infinity, as MatConvNet's acc_max,
// which starts at -Infinity and only takes x when x > acc.
// "a earlier than b" below means a covers positions before b's in column-major
// order, so keeping a on ties (strict <) keeps the first maximum.
// REQUIRES: lines hold n floats (and, in ARG mode, n i32 at +twin); a source
// pointer 0 stands for a column outside the input (padding): the identity.

import { VEC, vecFloor, ld4, st4, ld1, st1 } from '../simd';

export const MAX: i32 = 0;
export const ARG: i32 = 1;
export const SUM: i32 = 2;

/** Index of padding in ARG lines: larger than any real flat index. */
export const NOIDX: i32 = 0x7fffffff;

let twin: usize = 0;

/** Byte distance from a scratch value line to its index twin (ARG mode). */
export function setTwin(bytes: usize): void {
  twin = bytes;
}

// @ts-ignore: decorator
@inline export function ldi(p: usize, i: i32): v128 {
  return v128.load(p + twin + (<usize>i << 2));
}
// @ts-ignore: decorator
@inline export function sti(p: usize, i: i32, v: v128): void {
  v128.store(p + twin + (<usize>i << 2), v);
}
// @ts-ignore: decorator
@inline export function ldi1(p: usize, i: i32): i32 {
  return load<i32>(p + twin + (<usize>i << 2));
}
// @ts-ignore: decorator
@inline export function sti1(p: usize, i: i32, v: i32): void {
  store<i32>(p + twin + (<usize>i << 2), v);
}
// @ts-ignore: decorator
@inline function iota(base: i32): v128 {
  return i32x4.add(i32x4.splat(base), i32x4(0, 1, 2, 3));
}
// @ts-ignore: decorator
@inline function clean1(v: f32): f32 {
  return v > -Infinity ? v : -Infinity;
}

/** dst = identity (-Infinity with index NOIDX, or 0). */
export function lineFill(mode: i32, dst: usize, n: i32): void {
  const v: f32 = mode == SUM ? 0 : -Infinity;
  const vv = f32x4.splat(v);
  const ii = i32x4.splat(NOIDX);
  const nv = vecFloor(n);
  let i = 0;
  for (; i < nv; i += VEC) {
    st4(dst, i, vv);
    if (mode == ARG) sti(dst, i, ii);
  }
  for (; i < n; i++) {
    st1(dst, i, v);
    if (mode == ARG) sti1(dst, i, NOIDX);
  }
}

/** dst = a (with indices). */
export function lineCopy(mode: i32, dst: usize, a: usize, n: i32): void {
  if (dst == a) return;
  memory.copy(dst, a, <usize>n << 2);
  if (mode == ARG) memory.copy(dst + twin, a + twin, <usize>n << 2);
}

/** dst[i] = src[i] made NaN-free, index base + i; identity when src is 0. */
export function colLoad(mode: i32, dst: usize, src: usize, base: i32, n: i32): void {
  if (src == 0) { lineFill(mode, dst, n); return; }
  if (mode == SUM) { memory.copy(dst, src, <usize>n << 2); return; }
  const ninf = f32x4.splat(-Infinity);
  const nv = vecFloor(n);
  let i = 0;
  for (; i < nv; i += VEC) {
    st4(dst, i, f32x4.pmax(ninf, ld4(src, i)));
    if (mode == ARG) sti(dst, i, iota(base + i));
  }
  for (; i < n; i++) {
    st1(dst, i, clean1(ld1(src, i)));
    if (mode == ARG) sti1(dst, i, base + i);
  }
}

/** dst = comb(a, src) with the line a earlier than the source column src. */
export function colPost(mode: i32, dst: usize, a: usize, src: usize, base: i32, n: i32): void {
  if (src == 0) { lineCopy(mode, dst, a, n); return; }
  const nv = vecFloor(n);
  let i = 0;
  if (mode == SUM) {
    for (; i < nv; i += VEC) st4(dst, i, f32x4.add(ld4(a, i), ld4(src, i)));
    for (; i < n; i++) st1(dst, i, ld1(a, i) + ld1(src, i));
  } else if (mode == MAX) {
    for (; i < nv; i += VEC) st4(dst, i, f32x4.pmax(ld4(a, i), ld4(src, i)));
    for (; i < n; i++) { const x = ld1(src, i); const v = ld1(a, i); st1(dst, i, v < x ? x : v); }
  } else {
    for (; i < nv; i += VEC) {
      const v = ld4(a, i);
      const x = ld4(src, i);
      const m = f32x4.lt(v, x);
      st4(dst, i, v128.bitselect(x, v, m));
      sti(dst, i, v128.bitselect(iota(base + i), ldi(a, i), m));
    }
    for (; i < n; i++) {
      const v = ld1(a, i);
      const x = ld1(src, i);
      if (v < x) { st1(dst, i, x); sti1(dst, i, base + i); } else { st1(dst, i, v); sti1(dst, i, ldi1(a, i)); }
    }
  }
}

/** dst = comb(src, b) with the source column src earlier than the line b. */
export function colPre(mode: i32, dst: usize, src: usize, base: i32, b: usize, n: i32): void {
  if (src == 0) { lineCopy(mode, dst, b, n); return; }
  const ninf = f32x4.splat(-Infinity);
  const nv = vecFloor(n);
  let i = 0;
  if (mode == SUM) {
    for (; i < nv; i += VEC) st4(dst, i, f32x4.add(ld4(src, i), ld4(b, i)));
    for (; i < n; i++) st1(dst, i, ld1(src, i) + ld1(b, i));
  } else if (mode == MAX) {
    // Values only: keeping b on ties only matters for the sign of a zero maximum, and
    // pmax(b, x) drops a NaN x, so the clean-up of colLoad is not needed here.
    for (; i < nv; i += VEC) st4(dst, i, f32x4.pmax(ld4(b, i), ld4(src, i)));
    for (; i < n; i++) { const s = clean1(ld1(src, i)); const v = ld1(b, i); st1(dst, i, s < v ? v : s); }
  } else {
    for (; i < nv; i += VEC) {
      const s = f32x4.pmax(ninf, ld4(src, i));
      const v = ld4(b, i);
      const m = f32x4.lt(s, v);
      st4(dst, i, v128.bitselect(v, s, m));
      sti(dst, i, v128.bitselect(ldi(b, i), iota(base + i), m));
    }
    for (; i < n; i++) {
      const s = clean1(ld1(src, i));
      const v = ld1(b, i);
      if (s < v) { st1(dst, i, v); sti1(dst, i, ldi1(b, i)); } else { st1(dst, i, s); sti1(dst, i, base + i); }
    }
  }
}

/** dst = comb(a, b) of two lines, a earlier than b; dst may be a or b (each index is read, then written). */
export function lineComb(mode: i32, dst: usize, a: usize, b: usize, n: i32): void {
  const nv = vecFloor(n);
  let i = 0;
  if (mode == SUM) {
    for (; i < nv; i += VEC) st4(dst, i, f32x4.add(ld4(a, i), ld4(b, i)));
    for (; i < n; i++) st1(dst, i, ld1(a, i) + ld1(b, i));
  } else if (mode == MAX) {
    for (; i < nv; i += VEC) st4(dst, i, f32x4.pmax(ld4(a, i), ld4(b, i)));
    for (; i < n; i++) { const u = ld1(a, i); const v = ld1(b, i); st1(dst, i, u < v ? v : u); }
  } else {
    for (; i < nv; i += VEC) {
      const u = ld4(a, i);
      const v = ld4(b, i);
      const m = f32x4.lt(u, v);
      st4(dst, i, v128.bitselect(v, u, m));
      sti(dst, i, v128.bitselect(ldi(b, i), ldi(a, i), m));
    }
    for (; i < n; i++) {
      const u = ld1(a, i);
      const v = ld1(b, i);
      if (u < v) { st1(dst, i, v); sti1(dst, i, ldi1(b, i)); } else { st1(dst, i, u); sti1(dst, i, ldi1(a, i)); }
    }
  }
}

/** dst = comb over the m >= 1 consecutive source columns src, src + n, ... in one pass (MAX or SUM). */
export function colsFold(mode: i32, dst: usize, src: usize, m: i32, n: i32): void {
  const cb = <usize>n << 2;
  const end = src + <usize>m * cb;
  const nv = vecFloor(n);
  let i = 0;
  if (mode == SUM) {
    for (; i < nv; i += VEC) {
      const o = <usize>i << 2;
      let acc = v128.load(src + o);
      for (let p = src + cb + o; p < end; p += cb) acc = f32x4.add(acc, v128.load(p));
      st4(dst, i, acc);
    }
    for (; i < n; i++) {
      let acc = ld1(src, i);
      for (let p = src + cb; p < end; p += cb) acc += ld1(p, i);
      st1(dst, i, acc);
    }
  } else {
    // acc starts at -Infinity and pmax(acc, x) keeps acc unless acc < x: NaN never wins.
    const ninf = f32x4.splat(-Infinity);
    const vend = src + (<usize>nv << 2);
    if (m == 2) {
      for (let p = src, d = dst; p < vend; p += 16, d += 16) {
        v128.store(d, f32x4.pmax(f32x4.pmax(ninf, v128.load(p)), v128.load(p + cb)));
      }
      i = nv;
    } else if (m == 3) {
      for (let p = src, d = dst; p < vend; p += 16, d += 16) {
        const a = f32x4.pmax(f32x4.pmax(ninf, v128.load(p)), v128.load(p + cb));
        v128.store(d, f32x4.pmax(a, v128.load(p + 2 * cb)));
      }
      i = nv;
    }
    for (; i < nv; i += VEC) {
      const o = <usize>i << 2;
      let acc = ninf;
      for (let p = src + o; p < end; p += cb) acc = f32x4.pmax(acc, v128.load(p));
      st4(dst, i, acc);
    }
    for (; i < n; i++) {
      let acc: f32 = -Infinity;
      for (let p = src; p < end; p += cb) { const x = ld1(p, i); if (acc < x) acc = x; }
      st1(dst, i, acc);
    }
  }
}

/** G = comb(G, src) and dst = comb(St, G) in one pass (St earlier than G, G earlier than src). */
export function colPostComb(mode: i32, G: usize, src: usize, base: i32, St: usize, dst: usize, n: i32): void {
  if (src == 0) { lineComb(mode, dst, St, G, n); return; }
  const nv = vecFloor(n);
  let i = 0;
  if (mode == SUM) {
    for (; i < nv; i += VEC) {
      const v = f32x4.add(ld4(G, i), ld4(src, i));
      st4(G, i, v);
      st4(dst, i, f32x4.add(ld4(St, i), v));
    }
    for (; i < n; i++) { const g = ld1(G, i) + ld1(src, i); st1(G, i, g); st1(dst, i, ld1(St, i) + g); }
  } else if (mode == MAX) {
    for (; i < nv; i += VEC) {
      const v = f32x4.pmax(ld4(G, i), ld4(src, i));
      st4(G, i, v);
      st4(dst, i, f32x4.pmax(ld4(St, i), v));
    }
    for (; i < n; i++) {
      const x = ld1(src, i);
      let g = ld1(G, i);
      if (g < x) g = x;
      st1(G, i, g);
      const s = ld1(St, i);
      st1(dst, i, s < g ? g : s);
    }
  } else {
    for (; i < nv; i += VEC) {
      const u = ld4(G, i);
      const x = ld4(src, i);
      const m = f32x4.lt(u, x);
      const g = v128.bitselect(x, u, m);
      const gi = v128.bitselect(iota(base + i), ldi(G, i), m);
      st4(G, i, g);
      sti(G, i, gi);
      const s = ld4(St, i);
      const m2 = f32x4.lt(s, g);
      st4(dst, i, v128.bitselect(g, s, m2));
      sti(dst, i, v128.bitselect(gi, ldi(St, i), m2));
    }
    if (i < n) {
      const t = <usize>i << 2;
      colPost(ARG, G + t, G + t, src + t, base + i, n - i);
      lineComb(ARG, dst + t, St + t, G + t, n - i);
    }
  }
}
