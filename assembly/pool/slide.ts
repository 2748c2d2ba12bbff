// The vertical pass of nnpool: a stride-1 sliding window of k rows along one
// line (contiguous, so SIMD along i with unaligned loads), in log(k) passes
// over a line that stays in L1.
//   max: levels of width w = 1, 4, 16, ... built in place (line[i] = max over
//        [i, i + w)), then at most four overlapping pieces of width w cover
//        [i, i + k) (max is idempotent, so overlap is harmless)
//   arg: binary doubling carrying the flat index; the two operands may come
//        from different columns, so ties go to the smaller flat index (the
//        first in column-major order)
//   sum: k in binary; levels w = 1, 2, 4, ... and the pieces of the set bits
//        are disjoint, so every element is added once
// REQUIRES: the line holds len >= k values (NaN-free in the max modes); out
// and acc hold len - k + 1 floats; ARG lines have index twins (pool/lines.ts).

import { VEC, vecFloor, ld4, st4, ld1, st1 } from '../simd';
import { ARG, lineCopy, ldi, sti, ldi1, sti1 } from './lines';

/** In place, i in [0, m): p[i] = max(p[i], p[i + w], p[i + 2w], p[i + 3w]). */
function level4(p: usize, w: i32, m: i32): void {
  const nv = vecFloor(m);
  const wb = <usize>w << 2;
  const end = p + (<usize>nv << 2);
  for (let q = p; q < end; q += 16) {
    const a = f32x4.pmax(v128.load(q), v128.load(q + wb));
    const b = f32x4.pmax(v128.load(q + 2 * wb), v128.load(q + 3 * wb));
    v128.store(q, f32x4.pmax(a, b));
  }
  for (let i = nv; i < m; i++) st1(p, i, max(max(ld1(p, i), ld1(p, i + w)), max(ld1(p, i + 2 * w), ld1(p, i + 3 * w))));
}

/** out[i] = max of p[i + o] over o in {0, w, 2w} below last, and last (<= 3w), i in [0, m). */
function cover(p: usize, w: i32, last: i32, out: usize, m: i32): void {
  const nv = vecFloor(m);
  const wb = <usize>w << 2;
  const lb = <usize>last << 2;
  const end = p + (<usize>nv << 2);
  let o = out;
  if (last <= w) {
    for (let q = p; q < end; q += 16, o += 16) v128.store(o, f32x4.pmax(v128.load(q), v128.load(q + lb)));
  } else if (last <= 2 * w) {
    for (let q = p; q < end; q += 16, o += 16) {
      v128.store(o, f32x4.pmax(f32x4.pmax(v128.load(q), v128.load(q + wb)), v128.load(q + lb)));
    }
  } else {
    for (let q = p; q < end; q += 16, o += 16) {
      const a = f32x4.pmax(v128.load(q), v128.load(q + wb));
      v128.store(o, f32x4.pmax(a, f32x4.pmax(v128.load(q + 2 * wb), v128.load(q + lb))));
    }
  }
  for (let i = nv; i < m; i++) {
    let v = ld1(p, i + last);
    for (let o = 0; o < last; o += w) v = max(v, ld1(p, i + o));
    st1(out, i, v);
  }
}

/** out[i] = max of p over [i, i + k) for i in [0, len - k + 1); p is destroyed, out may be p. */
export function slideMax(p: usize, len: i32, k: i32, out: usize): void {
  if (k == 1) { lineCopy(0, out, p, len); return; }
  let w = 1;
  while (4 * w < k) {
    level4(p, w, len - 4 * w + 1);
    w *= 4;
  }
  cover(p, w, k - w, out, len - k + 1);
}

/**
 * out[i] = max of p over [2i, 2i + k) for i in [0, m), k <= 4: stride 2 without
 * a gather. Even and odd lanes of 8 rows give rows 2i and 2i + 1; rows 2i + 2
 * and 2i + 3 are the same vectors one lane on, taken from the next iteration's.
 * NOTE: the last iteration loads up to 16 floats past row 2m; the caller's line
 * has scratch behind it, and those lanes are never used.
 */
export function slideMax2(p: usize, k: i32, out: usize, m: i32): void {
  const nv = vecFloor(m);
  let i = 0;
  if (nv > 0) {
    let a = ld4(p, 0);
    let b = ld4(p, 4);
    let E = v128.shuffle<f32>(a, b, 0, 2, 4, 6);
    let O = v128.shuffle<f32>(a, b, 1, 3, 5, 7);
    for (; i < nv; i += VEC) {
      a = ld4(p, 2 * i + 8);
      b = ld4(p, 2 * i + 12);
      const En = v128.shuffle<f32>(a, b, 0, 2, 4, 6);
      const On = v128.shuffle<f32>(a, b, 1, 3, 5, 7);
      let acc = E;
      if (k >= 2) acc = f32x4.pmax(acc, O);
      if (k >= 3) acc = f32x4.pmax(acc, v128.shuffle<f32>(E, En, 1, 2, 3, 4));
      if (k >= 4) acc = f32x4.pmax(acc, v128.shuffle<f32>(O, On, 1, 2, 3, 4));
      st4(out, i, acc);
      E = En;
      O = On;
    }
  }
  for (; i < m; i++) {
    let acc: f32 = -Infinity;
    for (let r = 0; r < k; r++) { const x = ld1(p, 2 * i + r); if (acc < x) acc = x; }
    st1(out, i, acc);
  }
}

/** dst[i] = argmax-comb(p[i], p[i + d]) for i in [0, m); ties to the smaller flat index. */
export function argShift(dst: usize, p: usize, d: i32, m: i32): void {
  const nv = vecFloor(m);
  let i = 0;
  for (; i < nv; i += VEC) {
    const a = ld4(p, i);
    const b = ld4(p, i + d);
    const ia = ldi(p, i);
    const ib = ldi(p, i + d);
    const win = v128.or(f32x4.lt(a, b), v128.and(f32x4.eq(a, b), i32x4.lt_s(ib, ia)));
    st4(dst, i, v128.bitselect(b, a, win));
    sti(dst, i, v128.bitselect(ib, ia, win));
  }
  for (; i < m; i++) {
    const a = ld1(p, i);
    const b = ld1(p, i + d);
    const ia = ldi1(p, i);
    const ib = ldi1(p, i + d);
    if (a < b || (a == b && ib < ia)) { st1(dst, i, b); sti1(dst, i, ib); } else { st1(dst, i, a); sti1(dst, i, ia); }
  }
}

/**
 * All but the last step of the argmax window: levels double w in place while
 * 2w < k. Returns d: the window [i, i + k) is then argcomb(p[i], p[i + d])
 * (argShift), or p[i] alone when d = 0 (k = 1).
 */
export function slideArgPart(p: usize, len: i32, k: i32): i32 {
  let w = 1;
  while (w * 2 < k) {
    argShift(p, p, w, len - 2 * w + 1);
    w <<= 1;
  }
  return k > 1 ? k - w : 0;
}

/** dst[i] = p[i] + p[i + d] for i in [0, m) (dst may be p: ascending order reads ahead first). */
function sumShift(dst: usize, p: usize, d: i32, m: i32): void {
  const nv = vecFloor(m);
  const db = <usize>d << 2;
  const end = p + (<usize>nv << 2);
  let o = dst;
  for (let q = p; q < end; q += 16, o += 16) v128.store(o, f32x4.add(v128.load(q), v128.load(q + db)));
  for (let i = nv; i < m; i++) st1(dst, i, ld1(p, i) + ld1(p, i + d));
}

let topLine: usize = 0;
let accLine: usize = 0;
let topShift: i32 = 0;
let topTwo: bool = false;

/** acc[i] += p[i + off] for i in [0, n). */
function addAt(acc: usize, p: usize, off: i32, n: i32): void {
  const nv = vecFloor(n);
  const end = acc + (<usize>nv << 2);
  let q = p + (<usize>off << 2);
  for (let a = acc; a < end; a += 16, q += 16) v128.store(a, f32x4.add(v128.load(a), v128.load(q)));
  for (let i = nv; i < n; i++) st1(acc, i, ld1(acc, i) + ld1(p, i + off));
}

/**
 * Window sums of k over the line p (len floats, level w = 1), all but the
 * top piece: the sum over [i, i + k) is then accLevel()[i] + topLevel()[i + off]
 * with off the result, or topLevel()[i] alone when the result is -1 (k a power
 * of two). The first set bit's level becomes the accumulator without a copy;
 * later levels are built into the other line q. p and q are destroyed. With
 * `defer` the last level or two are left to the caller (topHalf(), topQuarters()).
 */
export function slideSumPart(p: usize, q: usize, len: i32, k: i32, defer: bool): i32 {
  const n = len - k + 1;
  const hi = 31 - clz(k);
  let cur = p;
  let acc: usize = 0;
  let done = 0;
  // Deferred levels: the last one, or the last two when the bit between them is clear.
  const b0 = !defer ? hi : hi >= 2 && (k & (1 << (hi - 1))) == 0 ? hi - 2 : hi - 1;
  topShift = 0;
  topTwo = hi - b0 == 2;
  for (let b = 0; b < hi; b++) {
    const w = 1 << b;
    const m = len - 2 * w + 1;
    if (b == b0) {
      // The caller adds the top level's halves (or quarters) itself: passes fewer, the same sums.
      topShift = w;
      if ((k & w) != 0) {
        if (acc == 0) acc = cur;
        else addAt(acc, cur, done, n);
        done += w;
      }
      break;
    }
    if ((k & w) == 0) { sumShift(cur, cur, w, m); continue; }
    if (acc == 0) {
      acc = cur;
      const other = cur == p ? q : p;
      sumShift(other, cur, w, m);
      cur = other;
    } else {
      addAt(acc, cur, done, n);
      sumShift(cur, cur, w, m);
    }
    done += w;
  }
  topLine = cur;
  accLine = acc;
  return acc == 0 ? -1 : done;
}

/**
 * The line holding the top level and the accumulator after slideSumPart; with
 * `defer`, the top level at j is t[j] + t[j + h] (t = topLevel(), h = topHalf() > 0),
 * or (t[j] + t[j + h]) + (t[j + 2h] + t[j + 3h]) when topQuarters().
 */
export function topLevel(): usize { return topLine; }
export function accLevel(): usize { return accLine; }
export function topHalf(): i32 { return topShift; }
export function topQuarters(): bool { return topTwo; }

/** out[i] = sum of p over [i, i + k), i in [0, len - k + 1); p and q are destroyed (out may be neither). */
export function slideSum(p: usize, q: usize, len: i32, k: i32, out: usize): void {
  const off = slideSumPart(p, q, len, k, false);
  const n = len - k + 1;
  const top = topLine;
  if (off < 0) { memory.copy(out, top, <usize>n << 2); return; }
  const acc = accLine;
  const nv = vecFloor(n);
  let i = 0;
  for (; i < nv; i += VEC) st4(out, i, f32x4.add(ld4(acc, i), ld4(top, i + off)));
  for (; i < n; i++) st1(out, i, ld1(acc, i) + ld1(top, i + off));
}
