// charsdb's Node side: the tar reader, picking the fonts of a cached package, and rendering with
// @napi-rs/canvas as ImageMagick's `-gravity center label:` places the text (Lato fixtures, OFL:
// tests/fixtures/fonts/LICENSE-Lato-OFL.txt). No network: the cache is the fixture directory.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { untar, charsdbFonts, glyphRenderer, renderCharsDb, type CachedFamily } from '../src/practical/part4-fonts.js';
import { woffMetrics, labelLayout, SENTENCE } from '../src/practical/part4-glyphs.js';

const dir = fileURLToPath(new URL('./fixtures/fonts/', import.meta.url));
const lato: CachedFamily = { id: 'lato', version: '5.2.7', dir, metadata: JSON.parse(readFileSync(`${dir}lato-metadata.json`, 'utf8')) };

/** A ustar archive of the given files (512-byte headers, octal sizes). */
function tar(files: [string, string][]): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (const [name, text] of files) {
    const h = new Uint8Array(512);
    h.set(new TextEncoder().encode(name), 0);
    h.set(new TextEncoder().encode(text.length.toString(8).padStart(11, '0')), 124);
    h[156] = 48; // '0': a file
    blocks.push(h);
    const body = new Uint8Array(Math.ceil(text.length / 512) * 512);
    body.set(new TextEncoder().encode(text));
    blocks.push(body);
  }
  blocks.push(new Uint8Array(1024));
  const out = new Uint8Array(blocks.reduce((a, b) => a + b.length, 0));
  let p = 0;
  for (const b of blocks) { out.set(b, p); p += b.length; }
  return out;
}

/** Rows and columns of the ink (pixels darker than 0.5) of a 32x32 column-major glyph. */
function inkBox(g: Float32Array, H = 32, W = 32): { top: number; bottom: number; left: number; right: number } {
  let top = H, bottom = -1, left = W, right = -1;
  for (let c = 0; c < W; c++) for (let r = 0; r < H; r++) if (g[r + H * c] < 0.5) {
    top = Math.min(top, r); bottom = Math.max(bottom, r); left = Math.min(left, c); right = Math.max(right, c);
  }
  return { top, bottom, left, right };
}

describe('charsdb in Node', () => {
  it('untar keeps the files asked for', () => {
    const files = untar(tar([['package/metadata.json', '{"id":"x"}'], ['package/README.md', 'no'], ['package/files/x-latin-400-normal.woff', 'w'.repeat(700)]]),
      (n) => n !== 'package/README.md');
    expect([...files.keys()]).toEqual(['package/metadata.json', 'package/files/x-latin-400-normal.woff']);
    expect(new TextDecoder().decode(files.get('package/metadata.json'))).toBe('{"id":"x"}');
    expect(files.get('package/files/x-latin-400-normal.woff')!.length).toBe(700);
    expect(() => untar(tar([['a', 'x'.repeat(600)]]).subarray(0, 700), () => true)).toThrow(/runs past the end/);
  });

  it('charsdbFonts: every weight x style the metadata lists whose latin .woff is there, sorted by name', async () => {
    const fonts = await charsdbFonts([lato]);
    expect(fonts.map((f) => f.name)).toEqual(['lato-400-normal', 'lato-700-italic']);
  });

  it('renders black on white, the baseline and the pen where ImageMagick puts them', async () => {
    const [regular] = await charsdbFonts([lato]);
    const r = await glyphRenderer();
    // Lato: ascent 26, descent -6 at 26 ppem -> baseline row 26: 'x' sits on it, 'p' goes below
    const x = r.render(regular, 'x', 32, 32);
    expect(x[0]).toBe(1);
    expect(Math.min(...x)).toBe(0);
    expect(inkBox(x).bottom).toBe(25);
    expect(inkBox(r.render(regular, 'p', 32, 32)).bottom).toBeGreaterThan(27);
    // 'l' is a vertical stem centred on its advance: ink centre within 2 px of the middle
    const l = inkBox(r.render(regular, 'l', 32, 32));
    expect(Math.abs((l.left + l.right) / 2 - 15.5)).toBeLessThanOrEqual(2);
    // the pen of labelLayout: 'o' is centred horizontally
    const o = inkBox(r.render(regular, 'o', 32, 32));
    expect(Math.abs((o.left + o.right) / 2 - 15.5)).toBeLessThanOrEqual(1);
    const m = woffMetrics(regular.bytes);
    expect(labelLayout(m, [0], 26, 32, 32).baseline).toBe(26);
  });

  it('renderCharsDb: 26 glyphs per font, character-major; the sentence is 576 wide with the text centred', async () => {
    const fonts = await charsdbFonts([lato]);
    const r = await glyphRenderer();
    const db = renderCharsDb(fonts, r, { valFonts: 1 });
    expect(db.images.data.length).toBe(52 * 1024);
    expect(Array.from(db.images.set.subarray(0, 4))).toEqual([1, 2, 1, 2]);
    expect(db.meta.fonts).toEqual(['lato-400-normal', 'lato-700-italic']);
    // the bold italic 'a' has more ink than the regular one
    const ink = (n: number) => db.images.data.subarray(n * 1024, n * 1024 + 1024).reduce((a, v) => a + 1 - v, 0);
    expect(ink(1)).toBeGreaterThan(ink(0));
    const s = r.render(fonts[0], SENTENCE, 576, 32);
    const b = inkBox(s, 32, 576);
    expect(Math.abs((b.left + b.right) / 2 - 287.5)).toBeLessThanOrEqual(3);
    expect(b.left).toBeGreaterThan(10);
  });
});
