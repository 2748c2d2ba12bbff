// The browser example's default input for part 3 as a PNG: the package's
// syntheticDots() (src/practical/dots.ts, licence-clean, deterministic) written
// as 8-bit grey by toPNG. The build script writes it to examples/browser/dist/blobs.png;
// `node tools/make-blobs.mjs out.png` writes it anywhere. Needs `npm run build`.
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** The picture as PNG bytes (options as syntheticDots's). */
export async function blobsPNG(opts) {
  // Imported here, not at load: build-browser-example.mjs first says plainly when dist/ is missing.
  const { syntheticDots, toPNG } = await import('../dist/index.js');
  return toPNG(syntheticDots(opts));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = process.argv[2] ?? 'blobs.png';
  writeFileSync(out, await blobsPNG());
  console.log(`wrote ${out}`);
}
