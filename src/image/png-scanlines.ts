// A PNG's inflated scanlines to samples (PNG spec 7 to 9): each row's filter reversed in place,
// with bpp the bytes of a whole pixel (1 for 1-, 2- and 4-bit samples); 16-bit samples read
// big-endian; sub-byte ones unpacked MSB first; Adam7's seven passes placed on the grid.

// Adam7 (PNG spec 8.2): pass p starts at row Y0[p], column X0[p] and steps DY[p], DX[p].
const Y0 = [0, 0, 4, 0, 2, 0, 1], X0 = [0, 4, 0, 2, 0, 1, 0];
const DY = [8, 8, 8, 4, 4, 2, 2], DX = [8, 8, 4, 4, 2, 2, 1];
const ONE_PASS = { x0: 0, y0: 0, dx: 1, dy: 1 };

/** Where pass p of an image lies on the pixel grid (the whole grid when not interlaced). */
function pass(p: number, interlaced: boolean): typeof ONE_PASS {
  return interlaced ? { x0: X0[p], y0: Y0[p], dx: DX[p], dy: DY[p] } : ONE_PASS;
}

/** The scanline bytes (a filter byte and the packed samples of each row, every pass) of a W x H image. */
export function scanlineBytes(W: number, H: number, C: number, depth: number, interlaced: boolean): number {
  let n = 0;
  for (let p = 0; p < (interlaced ? 7 : 1); p++) {
    const { x0, y0, dx, dy } = pass(p, interlaced);
    const pw = Math.ceil((W - x0) / dx), ph = Math.ceil((H - y0) / dy);
    if (pw > 0 && ph > 0) n += ph * (1 + Math.ceil((pw * C * depth) / 8));
  }
  return n;
}

/**
 * The W*H*C samples, row-major and interleaved, of `raw` (exactly scanlineBytes long, unfiltered
 * in place): Uint16Array for 16-bit samples, else Uint8Array of values 0..2^depth-1.
 */
export function scanlineSamples(raw: Uint8Array, W: number, H: number, C: number, depth: number, interlaced: boolean,
  fail: (why: string) => Error): Uint8Array | Uint16Array {
  const bpp = Math.max(1, (C * depth) >> 3);
  if (!interlaced && (depth === 8 || (depth === 16 && LITTLE_ENDIAN && raw.byteOffset % 2 === 0))) {
    return inPlace(raw, H, W * bpp, bpp, depth, W * H * C, fail);
  }
  const out = depth === 16 ? new Uint16Array(W * H * C) : new Uint8Array(W * H * C);
  let o = 0;
  for (let p = 0; p < (interlaced ? 7 : 1); p++) {
    const { x0, y0, dx, dy } = pass(p, interlaced);
    const pw = Math.ceil((W - x0) / dx), ph = Math.ceil((H - y0) / dy);
    if (pw <= 0 || ph <= 0) continue;
    const rowBytes = Math.ceil((pw * C * depth) / 8);
    for (let r = 0; r < ph; r++, o += 1 + rowBytes) {
      unfilter(raw, o + 1, r > 0 ? o - rowBytes : -1, rowBytes, bpp, fail);
      place(raw, o + 1, out, ((y0 + r * dy) * W + x0) * C, dx * C, pw, C, depth);
    }
  }
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/**
 * The samples of a whole-byte, non-interlaced image in raw's own buffer: each row, once the next
 * has been unfiltered against it, moves left over the filter bytes (16-bit samples swapped to
 * the host's little-endian order), so a large image is not held twice.
 */
function inPlace(raw: Uint8Array, H: number, rowBytes: number, bpp: number, depth: number, n: number,
  fail: (why: string) => Error): Uint8Array | Uint16Array {
  const move = (r: number): void => { // row r from r*(rowBytes+1) + 1 to r*rowBytes: left by r + 1
    const s = r * (rowBytes + 1) + 1, d = r * rowBytes;
    if (depth === 8) raw.copyWithin(d, s, s + rowBytes);
    else for (let i = 0; i < rowBytes; i += 2) { const hi = raw[s + i]; raw[d + i] = raw[s + i + 1]; raw[d + i + 1] = hi; }
  };
  for (let r = 0; r < H; r++) {
    const at = r * (rowBytes + 1) + 1;
    unfilter(raw, at, r > 0 ? at - rowBytes - 1 : -1, rowBytes, bpp, fail);
    if (r > 0) move(r - 1);
  }
  move(H - 1);
  return depth === 16 ? new Uint16Array(raw.buffer, raw.byteOffset, n) : raw.subarray(0, n);
}

/**
 * Reverse the filter of the row at b[at, at + n) (its filter byte at at - 1) in place, against
 * the unfiltered row at `up` (-1: the first row of a pass, all zeros), PNG spec 9.2. The first
 * bpp bytes, which have no left neighbour, go first, so the loops over the rest do not branch.
 */
function unfilter(b: Uint8Array, at: number, up: number, n: number, bpp: number, fail: (why: string) => Error): void {
  const f = b[at - 1], e = at + n, k = Math.min(n, bpp);
  if (f > 4) throw fail(`a scanline has filter type ${f}; PNG has 0 to 4`);
  if (f === 0 || (f === 2 && up < 0)) return;
  if (f === 1 || (f === 4 && up < 0)) { // Paeth with no row above predicts the left byte, as Sub
    for (let i = at + bpp; i < e; i++) b[i] += b[i - bpp];
  } else if (f === 2) {
    for (let i = at, u = up; i < e; i++, u++) b[i] += b[u];
  } else if (f === 3 && up < 0) {
    for (let i = at + bpp; i < e; i++) b[i] += b[i - bpp] >> 1;
  } else if (f === 3) {
    for (let i = at, u = up; i < at + k; i++, u++) b[i] += b[u] >> 1;
    for (let i = at + k, u = up + k; i < e; i++, u++) b[i] += (b[i - bpp] + b[u]) >> 1;
  } else {
    for (let i = at, u = up; i < at + k; i++, u++) b[i] += b[u]; // left and upper-left 0: Paeth predicts up
    for (let i = at + k, u = up + k; i < e; i++, u++) {
      // Paeth: the nearest of a (left), v (up), c (upper left) to a + v - c, ties in that order.
      // Masks, not branches: the choice follows the image and a mispredicted branch per byte cost ~25%.
      const a = b[i - bpp], c = b[u - bpp], v = b[u];
      let pa = v - c, pb = a - c, pc = pa + pb;
      pa = (pa ^ (pa >> 31)) - (pa >> 31); pb = (pb ^ (pb >> 31)) - (pb >> 31); pc = (pc ^ (pc >> 31)) - (pc >> 31);
      const notA = ((pb - pa) | (pc - pa)) >> 31, toC = (pc - pb) >> 31;
      b[i] += (a & ~notA) | (notA & ((v & ~toC) | (c & toC)));
    }
  }
}

/** The pw pixels of the unfiltered row at b[at...] into out from `base`, `step` samples apart. */
function place(b: Uint8Array, at: number, out: Uint8Array | Uint16Array, base: number, step: number, pw: number,
  C: number, depth: number): void {
  if (depth === 8 && step === C) out.set(b.subarray(at, at + pw * C), base);
  else if (depth === 8) {
    for (let c = 0, i = at; c < pw; c++) for (let k = 0, o = base + c * step; k < C; k++) out[o + k] = b[i++];
  } else if (depth === 16) {
    for (let c = 0, i = at; c < pw; c++) {
      for (let k = 0, o = base + c * step; k < C; k++, i += 2) out[o + k] = (b[i] << 8) | b[i + 1];
    }
  } else {
    // one sample per pixel here (grey or a palette index): sample c = bits [c*depth, (c+1)*depth) from the top
    const mask = (1 << depth) - 1;
    for (let c = 0; c < pw; c++) {
      const bit = c * depth;
      out[base + c * step] = (b[at + (bit >> 3)] >> (8 - depth - (bit & 7))) & mask;
    }
  }
}
