// The browser example's default input for part 3 as a PNG: the package's
// syntheticDots() (src/practical/dots.ts, licence-clean, deterministic) written
// as 8-bit grey. The build script writes it to examples/browser/dist/blobs.png;
// `node tools/make-blobs.mjs out.png` writes it anywhere. Needs `npm run build`.
import { encode } from 'fast-png';
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** The picture as PNG bytes (options as syntheticDots's). */
export async function blobsPNG(opts) {
  // Imported here, not at load: build-browser-example.mjs first says plainly when dist/ is missing.
  const { syntheticDots } = await import('../dist/index.js');
  const t = syntheticDots(opts);
  const [H, W] = t.shape;
  const data = new Uint8Array(H * W);
  for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) data[i * W + j] = Math.round(255 * t.data[i + H * j]);
  return encode({ width: W, height: H, data, channels: 1, depth: 8 });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = process.argv[2] ?? 'blobs.png';
  writeFileSync(out, await blobsPNG());
  console.log(`wrote ${out}`);
}
