// Micro-kernels of nnconv's filter derivative (conv/backward_filter.ts). Each holds
// 2..4 patch rows x 1..4 filters of f32x4 accumulators over the tile's pixels
// (lanes are 4 consecutive output rows) and adds their lane sums to dzdw. At
// most 9 accumulators: V8 on x64 loads all of a step's operands first and
// spills beyond ~15 live v128 values (a 2 x 5 block spilled 3 and ran ~10% slower).
// REQUIRES: A rows a_m + j*ajs + [0, 16*nv) and the Bt block (conv/backward_filter.ts
// layout: the nk filters' vectors of one row quad adjacent) readable; d + 4*(nm-1) +
// dks*(nk-1) inside dzdw.

import { madd } from '../simd';

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/** dzdw[m, k] += hsum(acc) at d + 4*m + dks*k, for the first nm patch rows. */
// @ts-ignore: decorator
@inline function addTo(d: usize, v: v128): void {
  store<f32>(d, load<f32>(d) + hsum(v));
}

// Micro-kernels: acc(m, k) += At[a_m + j*ajs + 16 t] * Bt[bt + j*bjs + 16 (nk t + k)]
// over output columns j < nj and row quads t < nv; then dzdw[m, k] += sum of lanes.

export function mkw_m2n4(a0: usize, a1: usize, ajs: usize, bt: usize, bjs: usize, nj: i32, nv: i32,
  d: usize, dks: usize, nm: i32): void {
  let c00 = f32x4.splat(0), c10 = c00, c01 = c00, c11 = c00, c02 = c00, c12 = c00, c03 = c00, c13 = c00;
  for (let j = 0; j < nj; j++) {
    let p0 = a0 + (<usize>j) * ajs, p1 = a1 + (<usize>j) * ajs;
    let q = bt + (<usize>j) * bjs;
    const qe = q + (<usize>nv) * 64;
    for (; q < qe; p0 += 16, p1 += 16, q += 64) {
      const x0 = v128.load(p0), x1 = v128.load(p1);
      let y = v128.load(q);
      c00 = madd(x0, y, c00); c10 = madd(x1, y, c10);
      y = v128.load(q, 16);
      c01 = madd(x0, y, c01); c11 = madd(x1, y, c11);
      y = v128.load(q, 32);
      c02 = madd(x0, y, c02); c12 = madd(x1, y, c12);
      y = v128.load(q, 48);
      c03 = madd(x0, y, c03); c13 = madd(x1, y, c13);
    }
  }
  addTo(d, c00); addTo(d + dks, c01); addTo(d + 2 * dks, c02); addTo(d + 3 * dks, c03);
  if (nm > 1) { d += 4; addTo(d, c10); addTo(d + dks, c11); addTo(d + 2 * dks, c12); addTo(d + 3 * dks, c13); }
}

export function mkw_m3n3(a0: usize, a1: usize, a2: usize, ajs: usize, bt: usize, bjs: usize, nj: i32, nv: i32,
  d: usize, dks: usize, nm: i32): void {
  let c00 = f32x4.splat(0), c10 = c00, c20 = c00, c01 = c00, c11 = c00, c21 = c00, c02 = c00, c12 = c00, c22 = c00;
  for (let j = 0; j < nj; j++) {
    let p0 = a0 + (<usize>j) * ajs, p1 = a1 + (<usize>j) * ajs, p2 = a2 + (<usize>j) * ajs;
    let q = bt + (<usize>j) * bjs;
    const qe = q + (<usize>nv) * 48;
    for (; q < qe; p0 += 16, p1 += 16, p2 += 16, q += 48) {
      const y0 = v128.load(q), y1 = v128.load(q, 16), y2 = v128.load(q, 32);
      let x = v128.load(p0);
      c00 = madd(x, y0, c00); c01 = madd(x, y1, c01); c02 = madd(x, y2, c02);
      x = v128.load(p1);
      c10 = madd(x, y0, c10); c11 = madd(x, y1, c11); c12 = madd(x, y2, c12);
      x = v128.load(p2);
      c20 = madd(x, y0, c20); c21 = madd(x, y1, c21); c22 = madd(x, y2, c22);
    }
  }
  addTo(d, c00); addTo(d + dks, c01); addTo(d + 2 * dks, c02);
  if (nm > 1) { addTo(d + 4, c10); addTo(d + 4 + dks, c11); addTo(d + 4 + 2 * dks, c12); }
  if (nm > 2) { addTo(d + 8, c20); addTo(d + 8 + dks, c21); addTo(d + 8 + 2 * dks, c22); }
}

export function mkw_m4n2(a0: usize, a1: usize, a2: usize, a3: usize, ajs: usize, bt: usize, bjs: usize, nj: i32, nv: i32,
  d: usize, dks: usize, nm: i32): void {
  let c00 = f32x4.splat(0), c10 = c00, c20 = c00, c30 = c00, c01 = c00, c11 = c00, c21 = c00, c31 = c00;
  for (let j = 0; j < nj; j++) {
    const ja = (<usize>j) * ajs;
    let p0 = a0 + ja, p1 = a1 + ja, p2 = a2 + ja, p3 = a3 + ja;
    let q = bt + (<usize>j) * bjs;
    const qe = q + (<usize>nv) * 32;
    for (; q < qe; p0 += 16, p1 += 16, p2 += 16, p3 += 16, q += 32) {
      const y0 = v128.load(q), y1 = v128.load(q, 16);
      let x = v128.load(p0);
      c00 = madd(x, y0, c00); c01 = madd(x, y1, c01);
      x = v128.load(p1);
      c10 = madd(x, y0, c10); c11 = madd(x, y1, c11);
      x = v128.load(p2);
      c20 = madd(x, y0, c20); c21 = madd(x, y1, c21);
      x = v128.load(p3);
      c30 = madd(x, y0, c30); c31 = madd(x, y1, c31);
    }
  }
  addTo(d, c00); addTo(d + dks, c01);
  if (nm > 1) { addTo(d + 4, c10); addTo(d + 4 + dks, c11); }
  if (nm > 2) { addTo(d + 8, c20); addTo(d + 8 + dks, c21); }
  if (nm > 3) { addTo(d + 12, c30); addTo(d + 12 + dks, c31); }
}

export function mkw_m4n1(a0: usize, a1: usize, a2: usize, a3: usize, ajs: usize, bt: usize, bjs: usize, nj: i32, nv: i32,
  d: usize, nm: i32): void {
  let c0 = f32x4.splat(0), c1 = c0, c2 = c0, c3 = c0;
  const len = (<usize>nv) << 4;
  for (let j = 0; j < nj; j++) {
    const ja = (<usize>j) * ajs;
    const p0 = a0 + ja, p1 = a1 + ja, p2 = a2 + ja, p3 = a3 + ja, q = bt + (<usize>j) * bjs;
    for (let t: usize = 0; t < len; t += 16) {
      const y = v128.load(q + t);
      c0 = madd(v128.load(p0 + t), y, c0); c1 = madd(v128.load(p1 + t), y, c1);
      c2 = madd(v128.load(p2 + t), y, c2); c3 = madd(v128.load(p3 + t), y, c3);
    }
  }
  addTo(d, c0);
  if (nm > 1) addTo(d + 4, c1);
  if (nm > 2) addTo(d + 8, c2);
  if (nm > 3) addTo(d + 12, c3);
}
