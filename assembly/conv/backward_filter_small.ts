// nnconv filter derivative for short outputs (Ho <= SMALL_HO), same formula as
// conv/backward_filter.ts. There a micro-kernel walks each output column with
// only Ho/4 row vectors, so loop overhead and per-call lane sums dominate, and a
// tile never spans images. Here a tile is JB column slots (n, j) taken in order
// across the batch; each slot holds its own copy of the FW x columns it reads
// (At) and its dzdy column (Bt). Every MG patch rows are then packed slot after
// slot (Ap), so the micro-kernels see one flat run of JB*IB/4 row vectors.
// REQUIRES: as conv_backward_filter; Ho <= SMALL_HO; scratch holds smallScratch(...) floats.

import { fillA, fillB } from './backward_filter_fill';
import { tileProducts } from './backward_filter';
import { floats } from '../sizes';

export const SMALL_HO: i32 = 16; // measured: a win up to Ho = 14, a loss at 28
const TILE_FLOATS: i32 = 1 << 18; // At + Bt + Ap per tile: 1 MB
const MG: i32 = 12;               // patch rows packed at a time: a multiple of each kernel's 2, 3 or 4

/** Column slots per tile: At, Bt and Ap grow by FC*(ex+1)*M*sy, Kg*IB and MG*IB floats per slot. */
function slots(IB: i32, M: i32, Kg: i32, FC: i32, sy: i32, ex: i32, total: i32): i32 {
  // A slot past TILE_FLOATS gives jb = 0 below; testing in f64 first keeps the i32 sum from wrapping.
  if (<f64>FC * <f64>(ex + 1) * <f64>M * <f64>sy + <f64>(Kg + MG) * <f64>IB > <f64>TILE_FLOATS) return 1;
  const jb = TILE_FLOATS / (FC * (ex + 1) * M * sy + Kg * IB + MG * IB);
  return jb < 1 ? 1 : jb > total ? total : jb;
}

export function smallScratch(C: i32, N: i32, FH: i32, FW: i32, FC: i32, K: i32, Ho: i32, Wo: i32,
  sy: i32, dy: i32, dx: i32): i32 {
  const Kg = K / (C / FC), ex = (FW - 1) * dx;
  const IB = (Ho + 3) & ~3, M = IB + ((FH - 1) * dy) / sy;
  const JB = slots(IB, M, Kg, FC, sy, ex, N * Wo);
  return floats(<f64>JB * (<f64>FC * <f64>(ex + 1) * <f64>M * <f64>sy + <f64>(Kg + MG) * <f64>IB) + <f64>(FH * FW * FC + MG));
}

export function smallBackwardFilter(x: usize, dzdy: usize, dzdw: usize, scratch: usize,
  H: i32, W: i32, C: i32, N: i32, FH: i32, FW: i32, FC: i32, K: i32,
  Ho: i32, Wo: i32, pt: i32, pl: i32, sy: i32, sx: i32, dy: i32, dx: i32): void {
  const G = C / FC, Kg = K / G, ex = (FW - 1) * dx;
  const IB = (Ho + 3) & ~3, M = IB + ((FH - 1) * dy) / sy;
  const total = N * Wo, JB = slots(IB, M, Kg, FC, sy, ex, total);
  const P = FH * FW * FC, slotF = FC * (ex + 1) * M * sy;
  const At = scratch;
  const Bt = At + ((<usize>(JB * slotF)) << 2);
  const Ap = Bt + ((<usize>(Kg * JB * IB)) << 2);
  const offA = Ap + ((<usize>(MG * JB * IB)) << 2);
  const offP = offA + ((<usize>P) << 2);
  // Patch row m = u + FH*(v + FW*c') starts at offA[m] in a slot of At (its columns are v*dx);
  // packed row r of a group starts at offP[r] in Ap.
  for (let c = 0; c < FC; c++) {
    for (let v = 0; v < FW; v++) {
      for (let u = 0; u < FH; u++) {
        const o = (u * dy) / sy + M * ((u * dy) % sy + sy * (v * dx + (ex + 1) * c));
        store<i32>(offA + ((<usize>(u + FH * (v + FW * c))) << 2), o << 2);
      }
    }
  }
  for (let r = 0; r < MG; r++) store<i32>(offP + ((<usize>r) << 2), (r * JB * IB) << 2);
  memory.fill(dzdw, 0, (<usize>(P * K)) << 2);
  const dks = (<usize>P) << 2, bks = (<usize>(IB * JB)) << 2;
  for (let g = 0; g < G; g++) {
    for (let t0 = 0; t0 < total; t0 += JB) {
      const ns = min(JB, total - t0);
      // Slot s is output column j = (t0 + s) % Wo of image n = (t0 + s) / Wo.
      for (let s = 0; s < ns; ) {
        const n = (t0 + s) / Wo, j = (t0 + s) % Wo, nj = min(Wo - j, ns - s);
        fillB(dzdy, Bt, g * Kg, Kg, n, 0, j, Ho, nj, IB, JB, Ho, Wo, K, s);
        for (let q = 0; q < nj; q++) {
          fillA(x, At + ((<usize>((s + q) * slotF)) << 2), g * FC, FC, n, -pt, (j + q) * sx - pl, ex + 1, ex + 1,
            M, sy, H, W, C);
        }
        s += nj;
      }
      for (let mg = 0; mg < P; mg += MG) {
        const nm = min(MG, P - mg);
        pack(At, Ap, offA, mg, nm, ns, slotF, IB, JB, Ho);
        tileProducts(Ap, Bt, offP, nm, Kg, bks, IB, 0, 1, (ns * IB) >> 2,
          dzdw + (<usize>(g * Kg)) * dks + ((<usize>mg) << 2), dks);
      }
    }
  }
}

/**
 * Ap(r, slot, i) = row i of patch row mg + r in the slot's At, for r < nm, slot < ns, i < Ho, and
 * 0 for Ho <= i < IB. Those lanes meet dzdy's zeros, but the x they would hold is a row of
 * another tap's window or one no window reads, and 0 * NaN is NaN: zeroed bits keep a NaN or Inf
 * of x out of every dzdw element MatConvNet's would not have it in.
 */
function pack(At: usize, Ap: usize, offA: usize, mg: i32, nm: i32, ns: i32, slotF: i32, IB: i32, JB: i32, Ho: i32): void {
  const slotB = (<usize>slotF) << 2, len = (<usize>IB) << 2;
  const last = len - 16; // the row's last vector, where lanes Ho..IB-1 are
  const keep = i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(Ho - (IB - 4)));
  for (let r = 0; r < nm; r++) {
    let src = At + <usize>load<i32>(offA + ((<usize>(mg + r)) << 2));
    let dst = Ap + ((<usize>(r * JB * IB)) << 2);
    for (let s = 0; s < ns; s++, src += slotB, dst += len) {
      for (let i: usize = 0; i < last; i += 16) v128.store(dst + i, v128.load(src + i));
      v128.store(dst + last, v128.and(v128.load(src + last), keep));
    }
  }
}
