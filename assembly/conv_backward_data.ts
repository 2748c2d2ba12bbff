// nnconv backward, data derivative (SEMANTICS §1.5):
//   dzdx(a, e, c, n) = sum over (i, j, u, v, k in group g = floor(c / FC)) with
//                      a = i*sy + u*dy - pt,  e = j*sx + v*dx - pl,  of
//                      w(u, v, c - g*FC, k) * dzdy(i, j, k, n)
// Method. Let U(r, s, k) = dzdy(r / sy, s / sx, k) when sy | r, sx | s and the
// pixel exists, else 0 (dzdy with zeros inserted between pixels). Then
//   dzdx(a, e, c) = sum_{u, v, k} w(u, v, c', k) * U(a + pt - u*dy, e + pl - v*dx, k),
// a stride-1 correlation whose reads along a are contiguous. U is materialised
// per tile of output (HB rows x EB columns, one group's Kg channels) with the
// filter extent around it, so the micro-kernels run without a bounds test, and
// padding never needs a case of its own. Each micro-kernel keeps a block of
// 8..16 rows x 1..4 channels of dzdx in f32x4 registers and runs one flat loop
// over the reduction s = (u, v, k) via a table of tile offsets.
// NOTE: with stride > 1 the inserted zeros are multiplied too (sy*sx times the
// work of stride 1); that is the general path, stride 1 is the fast one.
// REQUIRES: all dims >= 1; Ho, Wo >= 1; pt, pl >= 0; C % FC == 0; K % (C / FC) == 0;
// H + pt + pb >= (FH-1)*dy + 1 and W + pl + pr >= (FW-1)*dx + 1 (pb, pr implied by
// Ho, Wo); scratch holds conv_backward_data_scratch(...) floats; dzdx aliases
// nothing else. Every element of dzdx is written.

const TILE_FLOATS: i32 = 1 << 16; // 256 KB of U per tile: well inside L2
const SLACK: i32 = 16;            // rows past a tile's block, read by the last micro-kernel

// @ts-ignore: decorator
@inline function rowBlock(H: i32): i32 {
  return H <= 512 ? H : 256;
}

/** Output columns per tile so that (HB + ey + SLACK) * (EB + ex) * Kg ~ TILE_FLOATS. */
function colBlock(Ht: i32, Kg: i32, ex: i32, W: i32): i32 {
  const eb = TILE_FLOATS / (Ht * Kg) - ex;
  return eb < 1 ? 1 : eb > W ? W : eb;
}

/** Floats of scratch conv_backward_data needs: the U tile, the offset table, one packed filter block. */
export function conv_backward_data_scratch(H: i32, W: i32, C: i32, N: i32, FH: i32, FW: i32, FC: i32, K: i32,
  Ho: i32, Wo: i32, pt: i32, pl: i32, sy: i32, sx: i32, dy: i32, dx: i32): i32 {
  const Kg = K / (C / FC);
  const ey = (FH - 1) * dy, ex = (FW - 1) * dx;
  const Ht = rowBlock(H) + ey + SLACK;
  const Wt = colBlock(Ht, Kg, ex, W) + ex;
  const S = FH * FW * Kg;
  return Ht * Wt * Kg + S + 4 * S;
}

export function conv_backward_data(w: usize, dzdy: usize, dzdx: usize, scratch: usize,
  H: i32, W: i32, C: i32, N: i32, FH: i32, FW: i32, FC: i32, K: i32,
  Ho: i32, Wo: i32, pt: i32, pl: i32, sy: i32, sx: i32, dy: i32, dx: i32): void {
  const G = C / FC, Kg = K / G;
  const ey = (FH - 1) * dy, ex = (FW - 1) * dx;
  const HB = rowBlock(H), Ht = HB + ey + SLACK;
  const EB = colBlock(Ht, Kg, ex, W), Wt = EB + ex;
  const S = FH * FW * Kg;
  const T = scratch;
  const offs = T + ((<usize>(Ht * Wt * Kg)) << 2);
  const wp = offs + ((<usize>S) << 2);
  // Reduction step s = u + FH*(v + FW*kk) reads U at tile row (a - a0) + ey - u*dy,
  // tile column (e - e0) + ex - v*dx, channel kk: a byte offset from the (a, e) corner.
  for (let kk = 0; kk < Kg; kk++) {
    for (let v = 0; v < FW; v++) {
      for (let u = 0; u < FH; u++) {
        const s = u + FH * (v + FW * kk);
        store<i32>(offs + ((<usize>s) << 2), ((ey - u * dy) + Ht * ((ex - v * dx) + Wt * kk)) << 2);
      }
    }
  }
  const cs = (<usize>(H * W)) << 2; // bytes between channels of dzdx
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < G; g++) {
      for (let a0 = 0; a0 < H; a0 += HB) {
        const a1 = min(a0 + HB, H);
        for (let e0 = 0; e0 < W; e0 += EB) {
          const e1 = min(e0 + EB, W);
          // Tile row t is U row a0 - ey + pt + t; tile column q is U column e0 - ex + pl + q.
          fillTile(dzdy, T, g * Kg, Kg, n, a0 - ey + pt, e0 - ex + pl, Ht, Wt, Ho, Wo, K, sy, sx);
          for (let cb = 0; cb < FC; cb += 4) {
            const nc = min(4, FC - cb);
            packFilters(w, wp, FH, FW, FC, Kg, g, cb, nc);
            const rb = nc == 4 ? 8 : nc == 3 ? 12 : 16;
            for (let e = e0; e < e1; e++) {
              const col = T + ((<usize>(Ht * (e - e0))) << 2);
              const out = dzdx + ((<usize>(H * (e + W * (g * FC + cb + C * n)))) << 2);
              for (let a = a0; a < a1; a += rb) {
                const ap = col + ((<usize>(a - a0)) << 2);
                const op = out + ((<usize>a) << 2);
                const nr = min(rb, a1 - a);
                if (nc == 4) mk_r2c4(ap, offs, wp, S, op, cs, nr);
                else if (nc == 3) mk_r3c3(ap, offs, wp, S, op, cs, nr);
                else if (nc == 2) mk_r4c2(ap, offs, wp, S, op, cs, nr);
                else mk_r4c1(ap, offs, wp, S, op, nr);
              }
            }
          }
        }
      }
    }
  }
}

/** T(t, q, kk) = U(r0 + t, s0 + q, k0 + kk) of image n, zero where U has no pixel. */
function fillTile(dzdy: usize, T: usize, k0: i32, Kg: i32, n: i32, r0: i32, s0: i32,
  Ht: i32, Wt: i32, Ho: i32, Wo: i32, K: i32, sy: i32, sx: i32): void {
  for (let kk = 0; kk < Kg; kk++) {
    for (let q = 0; q < Wt; q++) {
      const col = T + ((<usize>(Ht * (q + Wt * kk))) << 2);
      const s = s0 + q;
      if (s < 0 || s % sx != 0 || s / sx >= Wo) {
        memory.fill(col, 0, (<usize>Ht) << 2);
        continue;
      }
      const src = dzdy + ((<usize>(Ho * (s / sx + Wo * (k0 + kk + K * n)))) << 2);
      if (sy == 1) {
        // Rows t in [t0, t1) exist in dzdy: one copy, zeros around it.
        const t0 = min(max(-r0, 0), Ht);
        const t1 = max(min(Ho - r0, Ht), t0);
        memory.fill(col, 0, (<usize>t0) << 2);
        memory.copy(col + ((<usize>t0) << 2), src + ((<usize>(r0 + t0)) << 2), (<usize>(t1 - t0)) << 2);
        memory.fill(col + ((<usize>t1) << 2), 0, (<usize>(Ht - t1)) << 2);
      } else {
        for (let t = 0; t < Ht; t++) {
          const r = r0 + t;
          let val: f32 = 0;
          if (r >= 0 && r % sy == 0 && r / sy < Ho) val = load<f32>(src + ((<usize>(r / sy)) << 2));
          store<f32>(col + ((<usize>t) << 2), val);
        }
      }
    }
  }
}

/** wp[s*nc + c] = w(u, v, cb + c, g*Kg + kk) for s = u + FH*(v + FW*kk), the kernels' order. */
function packFilters(w: usize, wp: usize, FH: i32, FW: i32, FC: i32, Kg: i32, g: i32, cb: i32, nc: i32): void {
  const S = FH * FW * Kg;
  const fs = FH * FW;
  for (let s = 0; s < S; s++) {
    const uv = s % fs, kk = s / fs;
    for (let c = 0; c < nc; c++) {
      const src = uv + fs * (cb + c + FC * (g * Kg + kk));
      store<f32>(wp + ((<usize>(s * nc + c)) << 2), load<f32>(w + ((<usize>src) << 2)));
    }
  }
}

/** Store the first n (<= 4 meaningful, more means 4) lanes of v at p. */
// @ts-ignore: decorator
@inline function stRows(p: usize, v: v128, n: i32): void {
  if (n >= 4) {
    v128.store(p, v);
  } else {
    if (n > 0) store<f32>(p, f32x4.extract_lane(v, 0));
    if (n > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
    if (n > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
  }
}

// Micro-kernels: acc(row vector r, channel c) += U[ap + offs[s] + 16 r] * wp[s*nc + c],
// then the first nr rows of each channel go to op + c*cs.

function mk_r2c4(ap: usize, offs: usize, wp: usize, S: i32, op: usize, cs: usize, nr: i32): void {
  let a00 = f32x4.splat(0), a10 = a00, a01 = a00, a11 = a00, a02 = a00, a12 = a00, a03 = a00, a13 = a00;
  let b = wp;
  const end = offs + ((<usize>S) << 2);
  for (let o = offs; o < end; o += 4) {
    const p = ap + <usize>load<i32>(o);
    const x0 = v128.load(p), x1 = v128.load(p, 16);
    let f = v128.load32_splat(b);
    a00 = f32x4.add(a00, f32x4.mul(x0, f)); a10 = f32x4.add(a10, f32x4.mul(x1, f));
    f = v128.load32_splat(b, 4);
    a01 = f32x4.add(a01, f32x4.mul(x0, f)); a11 = f32x4.add(a11, f32x4.mul(x1, f));
    f = v128.load32_splat(b, 8);
    a02 = f32x4.add(a02, f32x4.mul(x0, f)); a12 = f32x4.add(a12, f32x4.mul(x1, f));
    f = v128.load32_splat(b, 12);
    a03 = f32x4.add(a03, f32x4.mul(x0, f)); a13 = f32x4.add(a13, f32x4.mul(x1, f));
    b += 16;
  }
  stRows(op, a00, nr); stRows(op + 16, a10, nr - 4);
  stRows(op + cs, a01, nr); stRows(op + cs + 16, a11, nr - 4);
  stRows(op + 2 * cs, a02, nr); stRows(op + 2 * cs + 16, a12, nr - 4);
  stRows(op + 3 * cs, a03, nr); stRows(op + 3 * cs + 16, a13, nr - 4);
}

function mk_r3c3(ap: usize, offs: usize, wp: usize, S: i32, op: usize, cs: usize, nr: i32): void {
  let a00 = f32x4.splat(0), a10 = a00, a20 = a00, a01 = a00, a11 = a00, a21 = a00, a02 = a00, a12 = a00, a22 = a00;
  let b = wp;
  const end = offs + ((<usize>S) << 2);
  for (let o = offs; o < end; o += 4) {
    const p = ap + <usize>load<i32>(o);
    const x0 = v128.load(p), x1 = v128.load(p, 16), x2 = v128.load(p, 32);
    let f = v128.load32_splat(b);
    a00 = f32x4.add(a00, f32x4.mul(x0, f)); a10 = f32x4.add(a10, f32x4.mul(x1, f)); a20 = f32x4.add(a20, f32x4.mul(x2, f));
    f = v128.load32_splat(b, 4);
    a01 = f32x4.add(a01, f32x4.mul(x0, f)); a11 = f32x4.add(a11, f32x4.mul(x1, f)); a21 = f32x4.add(a21, f32x4.mul(x2, f));
    f = v128.load32_splat(b, 8);
    a02 = f32x4.add(a02, f32x4.mul(x0, f)); a12 = f32x4.add(a12, f32x4.mul(x1, f)); a22 = f32x4.add(a22, f32x4.mul(x2, f));
    b += 12;
  }
  stRows(op, a00, nr); stRows(op + 16, a10, nr - 4); stRows(op + 32, a20, nr - 8);
  op += cs;
  stRows(op, a01, nr); stRows(op + 16, a11, nr - 4); stRows(op + 32, a21, nr - 8);
  op += cs;
  stRows(op, a02, nr); stRows(op + 16, a12, nr - 4); stRows(op + 32, a22, nr - 8);
}

function mk_r4c2(ap: usize, offs: usize, wp: usize, S: i32, op: usize, cs: usize, nr: i32): void {
  let a00 = f32x4.splat(0), a10 = a00, a20 = a00, a30 = a00, a01 = a00, a11 = a00, a21 = a00, a31 = a00;
  let b = wp;
  const end = offs + ((<usize>S) << 2);
  for (let o = offs; o < end; o += 4) {
    const p = ap + <usize>load<i32>(o);
    const x0 = v128.load(p), x1 = v128.load(p, 16), x2 = v128.load(p, 32), x3 = v128.load(p, 48);
    let f = v128.load32_splat(b);
    a00 = f32x4.add(a00, f32x4.mul(x0, f)); a10 = f32x4.add(a10, f32x4.mul(x1, f));
    a20 = f32x4.add(a20, f32x4.mul(x2, f)); a30 = f32x4.add(a30, f32x4.mul(x3, f));
    f = v128.load32_splat(b, 4);
    a01 = f32x4.add(a01, f32x4.mul(x0, f)); a11 = f32x4.add(a11, f32x4.mul(x1, f));
    a21 = f32x4.add(a21, f32x4.mul(x2, f)); a31 = f32x4.add(a31, f32x4.mul(x3, f));
    b += 8;
  }
  stRows(op, a00, nr); stRows(op + 16, a10, nr - 4); stRows(op + 32, a20, nr - 8); stRows(op + 48, a30, nr - 12);
  op += cs;
  stRows(op, a01, nr); stRows(op + 16, a11, nr - 4); stRows(op + 32, a21, nr - 8); stRows(op + 48, a31, nr - 12);
}

function mk_r4c1(ap: usize, offs: usize, wp: usize, S: i32, op: usize, nr: i32): void {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
  let b = wp;
  const end = offs + ((<usize>S) << 2);
  for (let o = offs; o < end; o += 4) {
    const p = ap + <usize>load<i32>(o);
    const f = v128.load32_splat(b);
    a0 = f32x4.add(a0, f32x4.mul(v128.load(p), f)); a1 = f32x4.add(a1, f32x4.mul(v128.load(p, 16), f));
    a2 = f32x4.add(a2, f32x4.mul(v128.load(p, 32), f)); a3 = f32x4.add(a3, f32x4.mul(v128.load(p, 48), f));
    b += 4;
  }
  stRows(op, a0, nr); stRows(op + 16, a1, nr - 4); stRows(op + 32, a2, nr - 8); stRows(op + 48, a3, nr - 12);
}
