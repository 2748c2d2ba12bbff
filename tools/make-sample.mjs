// Makes assets/sample.png, the practical's bundled input: 384x512 RGB, 8-bit,
// drawn from formulas (no third-party pixels, so it is licence-clean): smooth
// colour gradients, discs with hard edges, stripes and a checkerboard, the
// mix of flat regions and edges that conv filters respond to. Deterministic:
// re-running it gives the same bytes.
import { encode } from 'fast-png';
import { writeFileSync } from 'node:fs';

const H = 384, W = 512;
const data = new Uint8Array(H * W * 3);
const clamp = (v) => Math.max(0, Math.min(255, Math.round(v)));

const discs = [
  { i: 120, j: 140, r: 80, c: [220, 40, 40] },
  { i: 250, j: 300, r: 95, c: [40, 170, 60] },
  { i: 110, j: 400, r: 60, c: [250, 200, 30] },
  { i: 300, j: 90, r: 55, c: [60, 80, 220] },
];

for (let i = 0; i < H; i++) {
  for (let j = 0; j < W; j++) {
    // Background: a smooth diagonal gradient with a gentle wave.
    let c = [
      90 + 100 * (j / W) + 20 * Math.sin(i / 37),
      60 + 120 * (i / H),
      160 - 80 * (j / W) + 20 * Math.cos(j / 41),
    ];
    for (const d of discs) {
      const r = Math.hypot(i - d.i, j - d.j);
      if (r < d.r) {
        // Shaded disc: bright towards the upper left, hard edge at r.
        const shade = 0.65 + 0.35 * (1 - r / d.r) + 0.15 * ((d.i - i + d.j - j) / d.r);
        c = d.c.map((v) => v * shade);
      }
    }
    if (i > 20 && i < 70 && j > 200 && j < 330) c = c.map((v, k) => ((j >> 3) & 1 ? v * 0.4 : 255 - k * 40));
    if (i > 330 && j > 380 && j < 500) c = (((i >> 4) + (j >> 4)) & 1) ? [240, 240, 240] : [20, 20, 20];
    const o = (i * W + j) * 3;
    for (let k = 0; k < 3; k++) data[o + k] = clamp(c[k]);
  }
}

const png = encode({ width: W, height: H, data, channels: 3, depth: 8 });
writeFileSync(new URL('../assets/sample.png', import.meta.url), png);
console.log(`assets/sample.png: ${W}x${H} RGB 8-bit, ${png.length} bytes`);
