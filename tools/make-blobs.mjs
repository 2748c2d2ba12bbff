// The browser example's default input for part 3: a synthetic "dots" picture
// in the spirit of the practical's dots.jpg (a photo we do not ship), drawn
// from formulas so it is licence-clean: dark round blobs of radius 3 to 6 px
// on a jittered grid over a light background with soft vertical folds and a
// little noise. Grey, 8-bit, deterministic (a seeded generator), so
// re-running it gives the same bytes. The build script writes it to
// examples/browser/dist/blobs.png; `node tools/make-blobs.mjs out.png` writes it anywhere.
import { encode } from 'fast-png';
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** A 32-bit LCG in [0, 1). */
function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** The picture as { width, height, data } (grey, 8-bit, row-major). */
export function makeBlobs({ size = 320, spacing = 24, seed = 7 } = {}) {
  const H = size, W = size, rand = rng(seed);
  const v = new Float64Array(H * W);
  // Background: 0.85 with vertical folds (cos in x, slowly bending with y) and a darker lower-left corner.
  for (let i = 0; i < H; i++) {
    for (let j = 0; j < W; j++) {
      const fold = Math.cos((j + 12 * Math.sin(i / 70)) / 19) * 0.06;
      v[i * W + j] = 0.86 + fold - 0.12 * Math.max(0, (i - j) / (H + W));
    }
  }
  // Blobs: one per grid cell, its centre jittered by up to a quarter of the spacing; some cells stay empty.
  for (let ci = spacing / 2; ci < H; ci += spacing) {
    for (let cj = spacing / 2 + ((ci / spacing) % 2) * (spacing / 2); cj < W; cj += spacing) {
      if (rand() < 0.12) continue;
      const i0 = ci + (rand() - 0.5) * spacing / 2, j0 = cj + (rand() - 0.5) * spacing / 2;
      const r = 3 + 3 * rand(), ink = 0.12 + 0.12 * rand();
      for (let i = Math.max(0, Math.floor(i0 - r - 2)); i <= Math.min(H - 1, Math.ceil(i0 + r + 2)); i++) {
        for (let j = Math.max(0, Math.floor(j0 - r - 2)); j <= Math.min(W - 1, Math.ceil(j0 + r + 2)); j++) {
          // coverage: 1 inside, a one-pixel linear edge
          const a = Math.max(0, Math.min(1, r + 0.5 - Math.hypot(i - i0, j - j0)));
          v[i * W + j] += (ink - v[i * W + j]) * a;
        }
      }
    }
  }
  const data = new Uint8Array(H * W);
  for (let p = 0; p < H * W; p++) data[p] = Math.max(0, Math.min(255, Math.round(255 * (v[p] + (rand() - 0.5) * 0.04))));
  return { width: W, height: H, data };
}

/** The picture as PNG bytes. */
export function blobsPNG(opts) {
  const { width, height, data } = makeBlobs(opts);
  return encode({ width, height, data, channels: 1, depth: 8 });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = process.argv[2] ?? 'blobs.png';
  writeFileSync(out, blobsPNG());
  console.log(`wrote ${out}`);
}
