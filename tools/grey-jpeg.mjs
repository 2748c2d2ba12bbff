// A minimal baseline JPEG encoder for one-component (greyscale) images, used only
// to make the grey.jpg fixture (jpeg-js's encoder always writes three components).
// Quantisation is all ones, so the decoded pixels differ from the input only by
// DCT rounding. Huffman tables are flat: every DC category has a 4-bit code and
// every AC symbol an 8-bit code (valid canonical tables; no all-ones code).
// REQUIRES: width and height multiples of 8, samples 0..255 row-major.

const ZIGZAG = [0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7,
  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60,
  61, 54, 47, 55, 62, 63];
const DC_SYMBOLS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const AC_SYMBOLS = [0x00, 0xf0];
for (let r = 0; r < 16; r++) for (let s = 1; s <= 10; s++) AC_SYMBOLS.push((r << 4) | s);

export function greyJpeg(samples, W, H) {
  const out = [0xff, 0xd8];
  const u16 = (v) => [v >> 8, v & 255];
  const seg = (marker, data) => out.push(0xff, marker, ...u16(data.length + 2), ...data);
  const counts = (n, len) => Array.from({ length: 16 }, (_, l) => (l === len - 1 ? n : 0));
  seg(0xdb, [0x00, ...new Array(64).fill(1)]);
  seg(0xc0, [8, ...u16(H), ...u16(W), 1, 1, 0x11, 0]);
  seg(0xc4, [0x00, ...counts(DC_SYMBOLS.length, 4), ...DC_SYMBOLS, 0x10, ...counts(AC_SYMBOLS.length, 8), ...AC_SYMBOLS]);
  seg(0xda, [1, 1, 0x00, 0, 63, 0]);
  const bits = [];
  const put = (code, len) => { for (let b = len - 1; b >= 0; b--) bits.push((code >> b) & 1); };
  const category = (v) => (v === 0 ? 0 : 32 - Math.clz32(Math.abs(v)));
  const amplitude = (v, s) => put(v < 0 ? (v - 1) & ((1 << s) - 1) : v, s);
  let prevDC = 0;
  for (let by = 0; by < H; by += 8) {
    for (let bx = 0; bx < W; bx += 8) {
      const q = fdct(samples, W, by, bx).map(Math.round);
      const diff = q[0] - prevDC;
      prevDC = q[0];
      put(DC_SYMBOLS.indexOf(category(diff)), 4);
      amplitude(diff, category(diff));
      let run = 0;
      for (let z = 1; z < 64; z++) {
        const v = q[ZIGZAG[z]];
        if (v === 0) { run++; continue; }
        while (run > 15) { put(AC_SYMBOLS.indexOf(0xf0), 8); run -= 16; }
        const s = category(v);
        put(AC_SYMBOLS.indexOf((run << 4) | s), 8);
        amplitude(v, s);
        run = 0;
      }
      if (run > 0) put(AC_SYMBOLS.indexOf(0x00), 8);
    }
  }
  while (bits.length % 8 !== 0) bits.push(1);
  for (let n = 0; n < bits.length; n += 8) {
    const byte = bits.slice(n, n + 8).reduce((a, b) => (a << 1) | b, 0);
    out.push(byte);
    if (byte === 0xff) out.push(0x00); // byte stuffing
  }
  out.push(0xff, 0xd9);
  return Uint8Array.from(out);
}

/** F(u, v) = C(u) C(v) / 4 * sum_xy (f(y, x) - 128) cos((2x+1)u pi/16) cos((2y+1)v pi/16), row-major [v*8+u]. */
function fdct(samples, W, by, bx) {
  const F = new Array(64);
  const c = (u) => (u === 0 ? Math.SQRT1_2 : 1);
  for (let v = 0; v < 8; v++) {
    for (let u = 0; u < 8; u++) {
      let s = 0;
      for (let y = 0; y < 8; y++) {
        for (let x = 0; x < 8; x++) {
          s += (samples[(by + y) * W + bx + x] - 128) *
            Math.cos(((2 * x + 1) * u * Math.PI) / 16) * Math.cos(((2 * y + 1) * v * Math.PI) / 16);
        }
      }
      F[v * 8 + u] = (c(u) * c(v) * s) / 4;
    }
  }
  return F;
}
