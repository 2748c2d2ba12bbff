// docs/feature-maps.png: the README's picture, made by the package itself
// (dist/, so run `npm run build` first). Top left the bundled sample; then
// the 10 feature maps after conv, after relu and after pool(10), each tiled
// with imarraysc (per-tile min-max scaling, as the practical's vl_imarraysc)
// and subsampled by 4 with nnconv's empty filter bank (stride only).
import { writeFileSync, readFileSync } from 'node:fs';
import { init, imread, im2single, randn, nnconv, nnrelu, nnpool, imarraysc, toPNG, Tensor } from '../dist/index.js';

await init();
const x = im2single(await imread(readFileSync(new URL('../assets/sample.png', import.meta.url))));
const w = randn([5, 5, 3, 10], { seed: 1 }); // the practical's filters, as `npm run practical` draws them
const y = nnconv(x, w, null);
const r = nnrelu(y);
const p = nnpool(r, 10);
const small = (t) => nnconv(t, null, null, { stride: 4 });
const mosaic = (t) => imarraysc(small(t), { spacing: 2, fillValue: 1, layout: [3, 4] });
const panels = [x, mosaic(y), mosaic(r), mosaic(p)];

// Place the four panels in a 2x2 grid on white, each centred in its cell.
const gap = 12;
const cellH = Math.max(...panels.map((t) => t.shape[0]));
const cellW = Math.max(...panels.map((t) => t.shape[1]));
const H = 2 * cellH + 3 * gap, W = 2 * cellW + 3 * gap;
const out = new Float32Array(H * W * 3).fill(1);
panels.forEach((t, n) => {
  const [h, w2, c] = t.shape;
  const top = gap + Math.floor(n / 2) * (cellH + gap) + ((cellH - h) >> 1);
  const left = gap + (n % 2) * (cellW + gap) + ((cellW - w2) >> 1);
  for (let k = 0; k < 3; k++) for (let j = 0; j < w2; j++) for (let i = 0; i < h; i++) {
    out[top + i + H * (left + j + W * k)] = t.data[i + h * (j + w2 * Math.min(k, c - 1))];
  }
});
const png = toPNG(new Tensor(out, [H, W, 3]));
writeFileSync(new URL('../docs/feature-maps.png', import.meta.url), png);
console.log(`docs/feature-maps.png: ${W}x${H}, ${png.length} bytes`);
