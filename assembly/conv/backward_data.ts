// nnconv backward, data derivative (SEMANTICS §1.5):
//   dzdx(a, e, c, n) = sum over (i, j, u, v, k in group g = floor(c / FC)) with
//                      a = i*sy + u*dy - pt,  e = j*sx + v*dx - pl,  of
//                      w(u, v, c - g*FC, k) * dzdy(i, j, k, n)
// Method: per output phase. Write a + pt = sy*q + f and e + pl = sx*r + h. Tap u
// reaches row a only when sy | (f - u*dy), from dzdy row i = q + (f - u*dy)/sy, and
// likewise for v and columns. So for one phase pair (f, h) dzdx is a stride-1
// correlation of dzdy with that phase's taps, contiguous along q. Every (u, v)
// belongs to exactly one phase pair, so the zeros a stride inserts are never
// multiplied (stride 1 has the single pair (0, 0)). dzdy is copied per tile (HB
// output rows x EB output columns, one group's Kg channels) with the filter
// extent around it and zeros outside, so the micro-kernels (conv/backward_data_mk.ts)
// run without a bounds test: loops over a table of steps s = (v, u, k)
// with 8..16 consecutive q x 1..4 channels in f32x4 registers. Each output column
// runs only the taps v whose dzdy column exists, and each block of rows only the
// taps u whose dzdy row exists for one of its rows: equal runs of steps at a fixed
// stride. Small outputs (the fully-connected shape among them) are one matrix
// product over the whole batch instead (conv/batch.ts).
// REQUIRES: all dims >= 1; Ho, Wo >= 1; pt, pl >= 0; C % FC == 0; K % (C / FC) == 0;
// H + pt + pb >= (FH-1)*dy + 1 and W + pl + pr >= (FW-1)*dx + 1 (pb, pr implied by
// Ho, Wo); scratch holds conv_backward_data_scratch(...) floats; dzdx aliases
// nothing else. Every element of dzdx is written.

import { mk_r2c4, mk_r2c3, mk_r4c2, mk_r4c1 } from './backward_data_mk';
import { batchApplies, batchDataScratch, batchData } from './batch';
import { floats } from '../sizes';

const TILE_FLOATS: i32 = 1 << 16; // 256 KB of dzdy per tile: well inside L2
const PACK_FLOATS: i32 = 1 << 18; // packed filters: up to 1 MB, packed once per chunk of channels

// @ts-ignore: decorator
@inline function rowBlock(H: i32): i32 {
  return H <= 512 ? H : 256;
}

/**
 * Tile rows for HB output rows: a phase has at most ceil(HB/sy) + 1 of them, read from
 * m = 0 or 1 in blocks of 8 or 16, so reads stop before that count rounded up to 16,
 * plus the Ey rows the taps reach above.
 */
// @ts-ignore: decorator
@inline function tileRows(HB: i32, sy: i32, Ey: i32): i32 {
  return (((HB + sy - 1) / sy + 1 + 15) & ~15) + Ey;
}

/** Output columns per tile so that Ht * Wt * Kg ~ TILE_FLOATS, Wt = ceil(EB / sx) + 1 + Ex. */
function colBlock(Ht: i32, Kg: i32, Ex: i32, sx: i32, W: i32): i32 {
  // Tested in f64 and multiplied in i64: Ht * Kg and sx (up to 2^24) times the quotient wrap in i32.
  if (<f64>Ht * <f64>Kg > <f64>TILE_FLOATS) return 1;
  const eb = <i64>sx * <i64>(TILE_FLOATS / (Ht * Kg) - 2 - Ex);
  return eb < 1 ? 1 : eb > <i64>W ? W : <i32>eb;
}

/** Channels whose packed filters (S floats each) fit in PACK_FLOATS: a multiple of 4, or all FC. */
function chunk(S: i32, FC: i32): i32 {
  const ch = (PACK_FLOATS / S) & ~3;
  return ch >= FC ? FC : ch < 4 ? min(4, FC) : ch;
}

/** Floats of scratch conv_backward_data needs: the tile, offset and phase tables, packed filters. */
export function conv_backward_data_scratch(H: i32, W: i32, C: i32, N: i32, FH: i32, FW: i32, FC: i32, K: i32,
  Ho: i32, Wo: i32, pt: i32, pl: i32, sy: i32, sx: i32, dy: i32, dx: i32): i32 {
  if (batchApplies(H, W, C, FH, FW, FC, Ho, Wo, pt, pl, sy, sx, dy, dx)) return batchDataScratch(C, N, FH, FW, FC, K, Ho, Wo);
  const Kg = K / (C / FC);
  const Ey = ((FH - 1) * dy + sy - 1) / sy, Ex = ((FW - 1) * dx + sx - 1) / sx;
  const Ht = tileRows(rowBlock(H), sy, Ey);
  const Wt = (colBlock(Ht, Kg, Ex, sx, W) + sx - 1) / sx + 1 + Ex;
  const S = FH * FW * Kg;
  return floats(<f64>Ht * <f64>Wt * <f64>Kg + <f64>S + <f64>sy * <f64>sx * <f64>(FW + 1) + <f64>sy * <f64>(FH + 1) +
    <f64>sx * <f64>(FW + 1) + <f64>S * <f64>chunk(S, FC));
}

export function conv_backward_data(w: usize, dzdy: usize, dzdx: usize, scratch: usize,
  H: i32, W: i32, C: i32, N: i32, FH: i32, FW: i32, FC: i32, K: i32,
  Ho: i32, Wo: i32, pt: i32, pl: i32, sy: i32, sx: i32, dy: i32, dx: i32): void {
  if (batchApplies(H, W, C, FH, FW, FC, Ho, Wo, pt, pl, sy, sx, dy, dx)) {
    batchData(w, dzdy, dzdx, scratch, H, W, C, N, FH, FW, FC, K, Ho, Wo, sy, sx, dy, dx);
    return;
  }
  const G = C / FC, Kg = K / G;
  // Ey, Ex: how many dzdy rows / columns before q, r a phase's taps reach (at most).
  const Ey = ((FH - 1) * dy + sy - 1) / sy, Ex = ((FW - 1) * dx + sx - 1) / sx;
  const HB = rowBlock(H), Ht = tileRows(HB, sy, Ey);
  const EB = colBlock(Ht, Kg, Ex, sx, W), Wt = (EB + sx - 1) / sx + 1 + Ex;
  const S = FH * FW * Kg;
  const CH = chunk(S, FC); // channels packed at a time; the tiles are refilled per chunk
  const T = scratch;
  const offs = T + ((<usize>(Ht * Wt * Kg)) << 2);
  const segs = offs + ((<usize>S) << 2);
  const pu = segs + ((<usize>(sy * sx * (FW + 1))) << 2), pv = pu + ((<usize>(sy * (FH + 1))) << 2);
  const wp = pv + ((<usize>(sx * (FW + 1))) << 2);
  phaseTables(false, 0, offs, segs, 0, FH, FW, FC, Kg, 0, 0, 0, sy, sx, dy, dx, Ey, Ex, Ht, Wt);
  // pu[f*(FH+1) + u]: taps before u in row phase f (those with sy | f - u*dy); pv likewise for columns.
  prefixCounts(pu, FH, sy, dy);
  prefixCounts(pv, FW, sx, dx);
  const cs = (<usize>(H * W)) << 2; // bytes between channels of dzdx
  for (let g = 0; g < G; g++) {
    for (let c0 = 0; c0 < FC; c0 += CH) {
      const c1 = min(c0 + CH, FC);
      // Channel block cb's filters start at wp + 4*S*(cb - c0).
      for (let cb = c0; cb < c1; cb += 4) {
        phaseTables(true, w, 0, 0, wp + ((<usize>(S * (cb - c0))) << 2), FH, FW, FC, Kg, g, cb, min(4, c1 - cb),
          sy, sx, dy, dx, Ey, Ex, Ht, Wt);
      }
      for (let n = 0; n < N; n++) {
        for (let a0 = 0; a0 < H; a0 += HB) {
          const a1 = min(a0 + HB, H), q0 = (a0 + pt) / sy;
          for (let e0 = 0; e0 < W; e0 += EB) {
            const e1 = min(e0 + EB, W), r0 = (e0 + pl) / sx;
            // Tile row t is dzdy row q0 - Ey + t; tile column is dzdy column r0 - Ex + it.
            fillTile(dzdy, T, g * Kg, Kg, n, q0 - Ey, r0 - Ex, Ht, Wt, Ho, Wo, K);
            for (let cb = c0; cb < c1; cb += 4) {
              const out = dzdx + ((<usize>(H * W * (g * FC + cb + C * n))) << 2);
              tileChannels(T, offs, segs, pu, pv, wp + ((<usize>(S * (cb - c0))) << 2), min(4, c1 - cb), out, cs,
                H, Ht, FH, FW, Kg, Ho, Wo, sy, sx, dy, dx, pt, pl, a0, a1, q0, e0, e1, r0);
            }
          }
        }
      }
    }
  }
}

/**
 * dzdx rows [a0, a1) x columns [e0, e1) of nc channels (the first at out, cs bytes apart),
 * from the tile T whose row t is dzdy row q0 - Ey + t and column r0 - Ex + (its index).
 */
function tileChannels(T: usize, offs: usize, segs: usize, pu: usize, pv: usize, wb: usize, nc: i32, out: usize,
  cs: usize, H: i32, Ht: i32, FH: i32, FW: i32, Kg: i32, Ho: i32, Wo: i32, sy: i32, sx: i32, dy: i32, dx: i32,
  pt: i32, pl: i32, a0: i32, a1: i32, q0: i32, e0: i32, e1: i32, r0: i32): void {
  const rs = (<usize>sy) << 2; // bytes between the rows of one phase
  const rb = nc >= 3 ? 8 : 16;
  for (let e = e0; e < e1; e++) {
    const h = (e + pl) % sx;
    const col = T + ((<usize>(Ht * ((e + pl) / sx - r0))) << 2);
    const oe = out + ((<usize>(H * e)) << 2);
    // Only taps v whose dzdy column (e + pl - v*dx)/sx lies in [0, Wo) see anything but the
    // tile's zero padding: v in [vlo, vhi], nv runs of steps in each phase (order v, u, k).
    const lo = e + pl - Wo * sx + 1;
    const vlo = lo > 0 ? (lo + dx - 1) / dx : 0, vhi = min(FW - 1, (e + pl) / dx);
    const pvh = pv + ((<usize>(h * (FW + 1))) << 2);
    const nv = vlo <= vhi ? load<i32>(pvh + ((<usize>(vhi + 1)) << 2)) - load<i32>(pvh + ((<usize>vlo) << 2)) : 0;
    for (let f = 0; f < sy; f++) {
      const seg = segs + ((<usize>((f + sy * h) * (FW + 1))) << 2);
      const puf = pu + ((<usize>(f * (FH + 1))) << 2);
      const ss = load<i32>(puf + ((<usize>FH) << 2)) * Kg; // steps per tap column v in this phase
      const sv = load<i32>(seg + ((<usize>vlo) << 2));
      // Rows of this phase in [a0, a1): a = sy*(q0 + m) + f - pt for m >= 0 (m = 0 may fall before a0).
      let a = sy * q0 + f - pt, m = 0;
      if (a < a0) { a += sy; m = 1; }
      for (; a < a1; a += rb * sy, m += rb) {
        const ap = col + ((<usize>m) << 2), op = oe + ((<usize>a) << 2);
        const nr = min(rb, (a1 - a + sy - 1) / sy);
        // Likewise only taps u whose dzdy row q + (f - u*dy)/sy exists for some q of the block.
        const qa = q0 + m, qb = qa + nr - 1, ul = f - sy * (Ho - 1 - qa);
        const ulo = ul > 0 ? (ul + dy - 1) / dy : 0, uhi = min(FH - 1, (f + sy * qb) / dy);
        let s0 = 0, ns = 0, runs = nv;
        if (ulo <= uhi) {
          const iu = load<i32>(puf + ((<usize>ulo) << 2));
          s0 = sv + iu * Kg;
          ns = (load<i32>(puf + ((<usize>(uhi + 1)) << 2)) - iu) * Kg;
        }
        // All of a phase's taps u valid (the image interior): the runs touch, make them one.
        if (ns == ss) { ns *= runs; runs = 1; }
        const o = offs + ((<usize>s0) << 2), b = wb + ((<usize>(s0 * nc)) << 2);
        if (nc == 4) mk_r2c4(ap, o, b, ns, runs, ss, op, cs, nr, rs);
        else if (nc == 3) mk_r2c3(ap, o, b, ns, runs, ss, op, cs, nr, rs);
        else if (nc == 2) mk_r4c2(ap, o, b, ns, runs, ss, op, cs, nr, rs);
        else mk_r4c1(ap, o, b, ns, runs, ss, op, nr, rs);
      }
    }
  }
}

/** p[f*(F+1) + t] = number of taps t' < t with s | (f - t'*d), for every phase f < s. */
function prefixCounts(p: usize, F: i32, s: i32, d: i32): void {
  for (let f = 0; f < s; f++) {
    let c = 0;
    for (let t = 0; t <= F; t++) {
      store<i32>(p + ((<usize>(f * (F + 1) + t)) << 2), c);
      if (t < F && (f - t * d) % s == 0) c++;
    }
  }
}

/**
 * Walk the steps of every phase pair ph = f + sy*h in the kernels' order (v, then u, then k).
 * Without pack: write each step's tile offset to offs, and to segs[ph*(FW+1) + v] the first
 * step of tap column v (an empty run when v is not in phase h; entry FW ends the phase).
 * With pack: wp[s*nc + c] = w(u, v, cb + c, g*Kg + k) for the same steps.
 */
function phaseTables(pack: bool, w: usize, offs: usize, segs: usize, wp: usize, FH: i32, FW: i32, FC: i32, Kg: i32,
  g: i32, cb: i32, nc: i32, sy: i32, sx: i32, dy: i32, dx: i32, Ey: i32, Ex: i32, Ht: i32, Wt: i32): void {
  let s = 0;
  for (let h = 0; h < sx; h++) {
    for (let f = 0; f < sy; f++) {
      const seg = segs + ((<usize>((f + sy * h) * (FW + 1))) << 2);
      for (let v = 0; v < FW; v++) {
        if (!pack) store<i32>(seg + ((<usize>v) << 2), s);
        if ((h - v * dx) % sx != 0) continue;
        for (let u = 0; u < FH; u++) {
          if ((f - u * dy) % sy != 0) continue;
          for (let k = 0; k < Kg; k++) {
            if (!pack) {
              // dzdy row q + (f - u*dy)/sy is tile row m + Ey + (f - u*dy)/sy (exact divisions).
              const t = Ey + (f - u * dy) / sy, q = Ex + (h - v * dx) / sx;
              store<i32>(offs + ((<usize>s) << 2), (t + Ht * (q + Wt * k)) << 2);
            } else {
              for (let c = 0; c < nc; c++) {
                const src = u + FH * (v + FW * (cb + c + FC * (g * Kg + k)));
                store<f32>(wp + ((<usize>(s * nc + c)) << 2), load<f32>(w + ((<usize>src) << 2)));
              }
            }
            s++;
          }
        }
      }
      if (!pack) store<i32>(seg + ((<usize>FW) << 2), s);
    }
  }
}

/** T(t, q, kk) = dzdy(i0 + t, j0 + q, k0 + kk, n), zero where dzdy has no pixel. */
function fillTile(dzdy: usize, T: usize, k0: i32, Kg: i32, n: i32, i0: i32, j0: i32,
  Ht: i32, Wt: i32, Ho: i32, Wo: i32, K: i32): void {
  // Rows t in [t0, t1) exist in dzdy: one copy per column, zeros around it.
  const t0 = min(max(-i0, 0), Ht);
  const t1 = max(min(Ho - i0, Ht), t0);
  for (let kk = 0; kk < Kg; kk++) {
    for (let q = 0; q < Wt; q++) {
      const col = T + ((<usize>(Ht * (q + Wt * kk))) << 2);
      const j = j0 + q;
      if (j < 0 || j >= Wo) {
        memory.fill(col, 0, (<usize>Ht) << 2);
        continue;
      }
      const src = dzdy + ((<usize>(Ho * (j + Wo * (k0 + kk + K * n)))) << 2);
      memory.fill(col, 0, (<usize>t0) << 2);
      memory.copy(col + ((<usize>t0) << 2), src + ((<usize>(i0 + t0)) << 2), (<usize>(t1 - t0)) << 2);
      memory.fill(col + ((<usize>t1) << 2), 0, (<usize>(Ht - t1)) << 2);
    }
  }
}
