// The data set the worker's net is trained on (train-net.mjs) and tested with
// (tests/worker.node.test.ts): small grey pictures of four shapes, drawn from
// formulas with a seeded generator, so any seed gives a fresh, reproducible
// sample of the same distribution.
//
// Each picture is SIZE x SIZE, a light background (0.55..1) with one dark shape
// (0..0.35) whose size, position and (for the square and the cross) rotation
// vary, anti-aliased by 4x4 supersampling, plus uniform noise of +-0.06.
// Pixel (i, j) (row, column) is at data[i + SIZE * j] (column-major, as
// MatConvNet and nnblocks' Tensors lay images out).

export const SIZE = 24;
export const CLASSES = ['disc', 'square', 'ring', 'cross'];
export const DESCRIPTIONS = ['a filled disc', 'a filled square (any rotation)', 'a ring (a circle outline)', 'a plus-shaped cross (any rotation)'];

/** mulberry32: a 32-bit seeded generator of uniforms in [0, 1). */
export function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Is the point (x, y), relative to the shape's centre, inside shape `c` of size r rotated by angle t? */
function inside(c, x, y, r, t) {
  const u = x * Math.cos(t) + y * Math.sin(t), v = -x * Math.sin(t) + y * Math.cos(t);
  switch (c) {
    case 0: return x * x + y * y <= r * r; // disc
    case 1: return Math.abs(u) <= 0.8 * r && Math.abs(v) <= 0.8 * r; // square, side 1.6 r
    case 2: { const d = Math.hypot(x, y); return d <= r && d >= 0.6 * r; } // ring
    default: return (Math.abs(u) <= r && Math.abs(v) <= 0.25 * r) || (Math.abs(v) <= r && Math.abs(u) <= 0.25 * r); // cross
  }
}

/**
 * `n` pictures with labels cycling through the classes (label 1..4, as MatConvNet counts), drawn
 * from `seed`. Returns `{ data: Float32Array(SIZE*SIZE*n), labels: number[] }`, picture k at
 * data[SIZE*SIZE*k ...].
 */
export function makeShapes(n, seed) {
  const rand = generator(seed);
  const P = SIZE * SIZE;
  const data = new Float32Array(P * n);
  const labels = [];
  for (let k = 0; k < n; k++) {
    const c = k % CLASSES.length;
    labels.push(c + 1);
    const r = 5 + 4 * rand(); // 5..9 pixels
    const ci = SIZE / 2 - 0.5 + (rand() * 6 - 3), cj = SIZE / 2 - 0.5 + (rand() * 6 - 3);
    const t = rand() * Math.PI / 2;
    const bg = 0.55 + 0.45 * rand(), fg = 0.35 * rand();
    for (let j = 0; j < SIZE; j++) {
      for (let i = 0; i < SIZE; i++) {
        let cover = 0;
        for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) {
          if (inside(c, j + (b + 0.5) / 4 - 0.5 - cj, i + (a + 0.5) / 4 - 0.5 - ci, r, t)) cover++;
        }
        const v = bg + (fg - bg) * (cover / 16) + 0.12 * (rand() - 0.5);
        data[P * k + i + SIZE * j] = Math.min(1, Math.max(0, v));
      }
    }
  }
  return { data, labels };
}
