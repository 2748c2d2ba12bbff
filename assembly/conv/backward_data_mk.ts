// Micro-kernels of nnconv's data derivative (conv/backward_data.ts). Each keeps a
// block of rows x channels of dzdx in f32x4 accumulators while it runs one flat loop over S
// steps: at most 8 accumulators, because V8 on x64 loads all of a step's
// operands first and spills beyond ~15 live v128 values.
// REQUIRES: ap + offs[s] + [0, 16*vectors) readable for every step; wp holds S*nc floats.

import { madd } from '../simd';
import { TILE } from './gemm';

/** Store the first n lanes of v (n >= 4: all) at p, p + rs, p + 2 rs, p + 3 rs; rs = 4 is one v128 store. */
// @ts-ignore: decorator
@inline function stRows(p: usize, v: v128, n: i32, rs: usize): void {
  if (rs == 4 && n >= 4) {
    v128.store(p, v);
  } else {
    if (n > 0) store<f32>(p, f32x4.extract_lane(v, 0));
    if (n > 1) store<f32>(p + rs, f32x4.extract_lane(v, 1));
    if (n > 2) store<f32>(p + 2 * rs, f32x4.extract_lane(v, 2));
    if (n > 3) store<f32>(p + 3 * rs, f32x4.extract_lane(v, 3));
  }
}

/**
 * The kernels' other blocks (rows rs apart, or short): nv row vectors of nc channels staged at
 * TILE, vector i of channel c at TILE + 16 (c nv + i), stored with stRows. A block of whole
 * contiguous rows is stored by the kernel itself; the rest come here, called, because stRows
 * inlined at all the kernels' 26 stores was 1.2 KB of the module. The kernel's accumulators are
 * staged before the call, so none is live across it (V8 would spill them inside the loop).
 */
function putTile(nv: i32, nc: i32, op: usize, cs: usize, nr: i32, rs: usize): void {
  const vs = rs << 2;
  for (let c = 0; c < nc; c++) {
    for (let i = 0; i < nv; i++) stRows(op + <usize>c * cs + <usize>i * vs, v128.load(TILE + (<usize>(c * nv + i) << 4)), nr - 4 * i, rs);
  }
}

// Micro-kernels: acc(row vector r, channel c) += T[ap + offs[s] + 16 r] * wp[s*nc + c] over the
// steps s of `runs` runs of S steps, run i starting at step i*ss; then the first nr rows
// of each channel go to op + c*cs, rows rs bytes apart.

export function mk_r2c4(ap: usize, offs: usize, wp: usize, S: i32, runs: i32, ss: i32, op: usize, cs: usize, nr: i32, rs: usize): void {
  let a00 = f32x4.splat(0), a10 = a00, a01 = a00, a11 = a00, a02 = a00, a12 = a00, a03 = a00, a13 = a00;
  for (let r = 0; r < runs; r++) {
    // Run r: steps [r*ss, r*ss + S).
    let b = wp + ((<usize>(r * ss * 4)) << 2);
    let o = offs + ((<usize>(r * ss)) << 2);
    const end = o + ((<usize>S) << 2);
    for (; o < end; o += 4) {
      const p = ap + <usize>load<i32>(o);
      const x0 = v128.load(p), x1 = v128.load(p, 16);
      let f = v128.load32_splat(b);
      a00 = madd(x0, f, a00); a10 = madd(x1, f, a10);
      f = v128.load32_splat(b, 4);
      a01 = madd(x0, f, a01); a11 = madd(x1, f, a11);
      f = v128.load32_splat(b, 8);
      a02 = madd(x0, f, a02); a12 = madd(x1, f, a12);
      f = v128.load32_splat(b, 12);
      a03 = madd(x0, f, a03); a13 = madd(x1, f, a13);
      b += 16;
    }
  }
  const t = rs == 4 && nr >= 8 ? op : TILE, ts: usize = t == op ? cs : 32;
  v128.store(t, a00); v128.store(t, a10, 16); v128.store(t + ts, a01); v128.store(t + ts, a11, 16);
  v128.store(t + 2 * ts, a02); v128.store(t + 2 * ts, a12, 16); v128.store(t + 3 * ts, a03); v128.store(t + 3 * ts, a13, 16);
  if (t != op) putTile(2, 4, op, cs, nr, rs);
}

export function mk_r2c3(ap: usize, offs: usize, wp: usize, S: i32, runs: i32, ss: i32, op: usize, cs: usize, nr: i32, rs: usize): void {
  let a00 = f32x4.splat(0), a10 = a00, a01 = a00, a11 = a00, a02 = a00, a12 = a00;
  for (let r = 0; r < runs; r++) {
    // Run r: steps [r*ss, r*ss + S).
    let b = wp + ((<usize>(r * ss * 3)) << 2);
    let o = offs + ((<usize>(r * ss)) << 2);
    const end = o + ((<usize>S) << 2);
    for (; o < end; o += 4) {
      const p = ap + <usize>load<i32>(o);
      const x0 = v128.load(p), x1 = v128.load(p, 16);
      let f = v128.load32_splat(b);
      a00 = madd(x0, f, a00); a10 = madd(x1, f, a10);
      f = v128.load32_splat(b, 4);
      a01 = madd(x0, f, a01); a11 = madd(x1, f, a11);
      f = v128.load32_splat(b, 8);
      a02 = madd(x0, f, a02); a12 = madd(x1, f, a12);
      b += 12;
    }
  }
  const t = rs == 4 && nr >= 8 ? op : TILE, ts: usize = t == op ? cs : 32;
  v128.store(t, a00); v128.store(t, a10, 16); v128.store(t + ts, a01); v128.store(t + ts, a11, 16);
  v128.store(t + 2 * ts, a02); v128.store(t + 2 * ts, a12, 16);
  if (t != op) putTile(2, 3, op, cs, nr, rs);
}

export function mk_r4c2(ap: usize, offs: usize, wp: usize, S: i32, runs: i32, ss: i32, op: usize, cs: usize, nr: i32, rs: usize): void {
  let a00 = f32x4.splat(0), a10 = a00, a20 = a00, a30 = a00, a01 = a00, a11 = a00, a21 = a00, a31 = a00;
  for (let r = 0; r < runs; r++) {
    // Run r: steps [r*ss, r*ss + S).
    let b = wp + ((<usize>(r * ss * 2)) << 2);
    let o = offs + ((<usize>(r * ss)) << 2);
    const end = o + ((<usize>S) << 2);
    for (; o < end; o += 4) {
      const p = ap + <usize>load<i32>(o);
      const x0 = v128.load(p), x1 = v128.load(p, 16), x2 = v128.load(p, 32), x3 = v128.load(p, 48);
      let f = v128.load32_splat(b);
      a00 = madd(x0, f, a00); a10 = madd(x1, f, a10);
      a20 = madd(x2, f, a20); a30 = madd(x3, f, a30);
      f = v128.load32_splat(b, 4);
      a01 = madd(x0, f, a01); a11 = madd(x1, f, a11);
      a21 = madd(x2, f, a21); a31 = madd(x3, f, a31);
      b += 8;
    }
  }
  const t = rs == 4 && nr >= 16 ? op : TILE, ts: usize = t == op ? cs : 64;
  v128.store(t, a00); v128.store(t, a10, 16); v128.store(t, a20, 32); v128.store(t, a30, 48);
  v128.store(t + ts, a01); v128.store(t + ts, a11, 16); v128.store(t + ts, a21, 32); v128.store(t + ts, a31, 48);
  if (t != op) putTile(4, 2, op, cs, nr, rs);
}

export function mk_r4c1(ap: usize, offs: usize, wp: usize, S: i32, runs: i32, ss: i32, op: usize, nr: i32, rs: usize): void {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
  for (let r = 0; r < runs; r++) {
    // Run r: steps [r*ss, r*ss + S).
    let b = wp + ((<usize>(r * ss * 1)) << 2);
    let o = offs + ((<usize>(r * ss)) << 2);
    const end = o + ((<usize>S) << 2);
    for (; o < end; o += 4) {
      const p = ap + <usize>load<i32>(o);
      const f = v128.load32_splat(b);
      a0 = madd(v128.load(p), f, a0); a1 = madd(v128.load(p, 16), f, a1);
      a2 = madd(v128.load(p, 32), f, a2); a3 = madd(v128.load(p, 48), f, a3);
      b += 4;
    }
  }
  const t = rs == 4 && nr >= 16 ? op : TILE;
  v128.store(t, a0); v128.store(t, a1, 16); v128.store(t, a2, 32); v128.store(t, a3, 48);
  if (t != op) putTile(4, 1, op, 0, nr, rs);
}
