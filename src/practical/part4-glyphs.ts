// charsdb's recipe, runtime-neutral (Node renders it with @napi-rs/canvas in part4-fonts.ts,
// a browser with FontFace + a canvas): which font files of an @fontsource package are used,
// the font metrics ImageMagick centres by (read from the .woff file itself), where
// `convert -size WxH -gravity center -pointsize 26 label:<text>` puts the text, and the imdb
// (charsdb.mat's `images` and `meta`) assembled from the rendered glyphs (NETWORKS.md §4.3.1).

import { unzlibExactly, type UnzlibFault } from '../io/unzlib.js';
import type { MatWritable } from '../io/mat/types.js';

/** meta.classes: label k (1-based) is CHARSDB_CLASSES[k - 1]. */
export const CHARSDB_CLASSES = 'abcdefghijklmnopqrstuvwxyz';
/** Glyph images are GLYPH_SIZE x GLYPH_SIZE. */
export const GLYPH_SIZE = 32;
/** ImageMagick's -pointsize 26 at its default 72 dpi: 26 pixels per em. */
export const GLYPH_POINTSIZE = 26;
/** The last VAL_FONTS fonts (in sorted order) are validation (set 2). */
export const VAL_FONTS = 350;
/** The sentence of sentence-lato.png (576x32, Lato regular). */
export const SENTENCE = 'the rat the cat the dog chased killed ate the malt';
export const SENTENCE_WIDTH = 576;
/** The sentence's font: @fontsource/lato, weight 400, normal. */
export const SENTENCE_FONT = { id: 'lato', weight: 400, style: 'normal' } as const;

/** The fields of an @fontsource package's metadata.json that charsdb reads. */
export interface FontsourceMetadata {
  id: string;
  family: string;
  subsets: string[];
  weights: number[];
  styles: string[];
  variable?: unknown;
  type?: string;
  license?: { type?: string };
}

/** One static font of a family: `name` orders the fonts and is meta.fonts' entry. */
export interface FontFile {
  /** `<id>-<weight>-<style>`, e.g. `lato-400-italic`. */
  name: string;
  family: string;
  weight: number;
  style: string;
  /** The package's file with the latin subset (a-z), e.g. `lato-latin-400-italic.woff`. */
  file: string;
}

/**
 * The static fonts charsdb takes from one package: none unless it is a Google family
 * (`type: 'google'`) whose subsets include latin-ext (genfonts.sh's `grep latin-ext METADATA.pb`);
 * otherwise every weight x style it lists, as its latin-subset WOFF file (a-z are in latin).
 */
export function fontsOfPackage(meta: FontsourceMetadata): FontFile[] {
  if (meta.type !== 'google' || !Array.isArray(meta.subsets) || !meta.subsets.includes('latin-ext')) return [];
  if (!meta.subsets.includes('latin')) return [];
  const out: FontFile[] = [];
  for (const weight of meta.weights ?? []) {
    for (const style of meta.styles ?? []) {
      out.push({ name: `${meta.id}-${weight}-${style}`, family: meta.family, weight, style, file: `${meta.id}-latin-${weight}-${style}.woff` });
    }
  }
  return out;
}

/** What ImageMagick's FreeType path centres a label by, in font units. */
export interface LabelMetrics {
  unitsPerEm: number;
  /** FreeType's face->ascender: hhea ascender (or OS/2's when hhea has none). */
  ascender: number;
  /** FreeType's face->descender (negative below the baseline). */
  descender: number;
}

function u16(b: Uint8Array, p: number): number { return (b[p] << 8) | b[p + 1]; }
function i16(b: Uint8Array, p: number): number { const v = u16(b, p); return v >= 0x8000 ? v - 0x10000 : v; }
function u32(b: Uint8Array, p: number): number { return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0; }

/**
 * The metrics of a WOFF 1.0 font (the .woff files @fontsource ships): head.unitsPerEm and
 * FreeType's choice of ascender/descender (sfobjs.c: hhea's, or if both are 0 OS/2's typo
 * values, or if those are 0 too usWinAscent/-usWinDescent).
 */
export function woffMetrics(bytes: Uint8Array, name = 'the font'): LabelMetrics {
  const who = 'woffMetrics';
  if (!(bytes instanceof Uint8Array) || bytes.length < 44) throw new Error(`${who}: ${name} must be the bytes of a WOFF file, got ${bytes?.length ?? 0} bytes`);
  if (u32(bytes, 0) !== 0x774f4646) throw new Error(`${who}: ${name} is not a WOFF 1.0 file (signature 0x${u32(bytes, 0).toString(16)}, expected 0x774f4646 'wOFF')`);
  const numTables = u16(bytes, 12);
  const tables = new Map<string, Uint8Array>();
  for (let t = 0; t < numTables; t++) {
    const e = 44 + 20 * t;
    if (e + 20 > bytes.length) throw new Error(`${who}: ${name}'s table directory (${numTables} tables) runs past the end (${bytes.length} bytes)`);
    const tag = String.fromCharCode(bytes[e], bytes[e + 1], bytes[e + 2], bytes[e + 3]);
    if (tag !== 'head' && tag !== 'hhea' && tag !== 'OS/2') continue;
    const offset = u32(bytes, e + 4), compLength = u32(bytes, e + 8), origLength = u32(bytes, e + 12);
    if (offset + compLength > bytes.length) throw new Error(`${who}: ${name}'s '${tag}' table runs past the end of the file`);
    // WOFF 1.0 §5: a table stored uncompressed has compLength = origLength; more is an invalid font
    // (read as the table, zlib bytes gave an ascender of 25696 where Lato's is 1974).
    if (compLength > origLength) {
      throw new Error(`${who}: ${name}'s '${tag}' table has compLength ${compLength} > origLength ${origLength}, which WOFF does not allow`);
    }
    const raw = bytes.subarray(offset, offset + compLength);
    tables.set(tag, compLength < origLength ? inflateTable(who, name, tag, raw, origLength) : raw);
  }
  const need = (tag: string, n: number): Uint8Array => {
    const t = tables.get(tag);
    if (!t) throw new Error(`${who}: ${name} has no ${tag} table`);
    if (t.length < n) throw new Error(`${who}: ${name}'s ${tag} table is ${t.length} bytes, fewer than the ${n} read from it`);
    return t;
  };
  const head = need('head', 20), hhea = need('hhea', 8), os2 = tables.get('OS/2');
  const unitsPerEm = u16(head, 18);
  let ascender = i16(hhea, 4), descender = i16(hhea, 6);
  if (ascender === 0 && descender === 0 && os2 && os2.length >= 78) {
    ascender = i16(os2, 68); descender = i16(os2, 70);
    if (ascender === 0 && descender === 0) { ascender = u16(os2, 74); descender = -u16(os2, 76); }
  }
  if (!(unitsPerEm > 0)) throw new Error(`${who}: ${name} has unitsPerEm ${unitsPerEm}`);
  return { unitsPerEm, ascender, descender };
}

/** Where each character is drawn (pen x of each, the baseline y), in pixels from the top left. */
export interface LabelLayout {
  x: number[];
  baseline: number;
}

/**
 * ImageMagick's `-gravity center label:` placement (MagickCore/annotate.c AnnotateImage,
 * CenterGravity, one line, identity affine), by the font's metrics, not the ink:
 *   offset.x = W/2 - width/2, offset.y = H/2 + (ascent + descent)/2   (offset.y is the baseline)
 * with FreeType's size metrics ascent = ceil(ascender*ppem/upem), descent = floor(descender*ppem/upem)
 * (integer pixels, descent negative) and width = the sum of the advances, each rounded to whole
 * pixels as FreeType's hinted advances are (RenderFreetype, no kerning: ImageMagick's layout
 * without raqm reads only the legacy kern table, which Google's fonts no longer carry). The
 * glyph bitmaps land on whole pixels, `ceil(p - 0.5)`, so the pen starts at ceil(offset.x - 0.5)
 * and the baseline row is ceil(offset.y - 0.5).
 * `advances` are the unrounded advance widths of the characters at `ppem` pixels per em.
 */
export function labelLayout(m: LabelMetrics, advances: readonly number[], ppem: number, width: number, height: number): LabelLayout {
  const scale = ppem / m.unitsPerEm;
  // FreeType rounds in 26.6 fixed point; 1e-9 keeps exact integers from going up a pixel.
  const ascent = Math.ceil(m.ascender * scale - 1e-9);
  const descent = Math.floor(m.descender * scale + 1e-9);
  const steps = advances.map((a) => Math.round(a));
  const total = steps.reduce((s, a) => s + a, 0);
  const ox = width / 2 - total / 2;
  const oy = height / 2 + (ascent + descent) / 2;
  let pen = Math.ceil(ox - 0.5);
  const x: number[] = [];
  for (const a of steps) { x.push(pen); pen += a; }
  return { x, baseline: Math.ceil(oy - 0.5) };
}

/** The parts of a canvas 2D context drawLabel uses (the HTML canvas, OffscreenCanvas, @napi-rs/canvas). */
export interface Label2D {
  fillStyle: unknown;
  font: string;
  textAlign: string;
  textBaseline: string;
  fillRect(x: number, y: number, w: number, h: number): void;
  fillText(text: string, x: number, y: number): void;
  measureText(text: string): { width: number };
  getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> };
}

/**
 * The recipe of one charsdb image on any canvas: white background, `text` in black at
 * GLYPH_POINTSIZE pixels in the font registered as `family` (one font file per family: a FontFace
 * in a browser, GlobalFonts.register in Node), each character at its labelLayout pen; returns the
 * grey H x W image column-major, 0 black .. 1 white (the red channel / 255, as im2single reads it).
 */
export function drawLabel(g: Label2D, family: string, metrics: LabelMetrics, text: string, width: number, height: number): Float32Array {
  g.fillStyle = '#ffffff';
  g.fillRect(0, 0, width, height);
  g.fillStyle = '#000000';
  g.font = `${GLYPH_POINTSIZE}px ${family}`;
  g.textAlign = 'left';
  g.textBaseline = 'alphabetic';
  const chars = Array.from(text);
  const layout = labelLayout(metrics, chars.map((c) => g.measureText(c).width), GLYPH_POINTSIZE, width, height);
  for (let i = 0; i < chars.length; i++) g.fillText(chars[i], layout.x[i], layout.baseline);
  const rgba = g.getImageData(0, 0, width, height).data;
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[y + height * x] = rgba[4 * (y * width + x)] / 255;
  return out;
}

/** charsdb as MatConvNet's imdb holds it (what `load('charsdb.mat')` gives). */
export interface CharsDb {
  images: {
    id: Float64Array;
    /** 32 x 32 x N, column-major, image n at offset 1024 n; ink ~0 on white ~1. */
    data: Float32Array;
    label: Float64Array;
    set: Float64Array;
  };
  meta: { classes: string; sets: string[]; fonts: string[] };
}

/**
 * The imdb of packFonts.m from the glyphs of F fonts (in order): `glyph(f, c)` is font f's
 * character c (0-based, a = 0) as a 32x32 column-major image. Image n (0-based) is font n mod F,
 * character floor(n / F) (character-major); the last min(VAL_FONTS, F) fonts are set 2.
 */
export function assembleCharsDb(fonts: readonly string[], glyph: (f: number, c: number) => Float32Array, valFonts = VAL_FONTS): CharsDb {
  const F = fonts.length, C = CHARSDB_CLASSES.length, P = GLYPH_SIZE * GLYPH_SIZE;
  const N = F * C;
  const data = new Float32Array(N * P);
  const id = new Float64Array(N), label = new Float64Array(N), set = new Float64Array(N);
  const firstVal = Math.max(0, F - valFonts);
  for (let c = 0; c < C; c++) {
    for (let f = 0; f < F; f++) {
      const n = c * F + f;
      const g = glyph(f, c);
      if (g.length !== P) throw new Error(`assembleCharsDb: glyph(${f}, ${c}) has ${g.length} pixels, expected ${P}`);
      data.set(g, n * P);
      id[n] = n + 1;
      label[n] = c + 1;
      set[n] = f >= firstVal ? 2 : 1;
    }
  }
  return { images: { id, data, label, set }, meta: { classes: CHARSDB_CLASSES, sets: ['train', 'val'], fonts: [...fonts] } };
}

/** charsdb.mat's variables for writeMat: `images` and `meta` exactly as packFonts.m saves them. */
export function charsDbToMat(db: CharsDb): Record<string, MatWritable> {
  const N = db.images.id.length;
  const row = (d: Float64Array): MatWritable => ({ class: 'double', dims: [1, N], data: d });
  const cellRow = (s: readonly string[]): MatWritable => ({ class: 'cell', dims: [1, s.length], data: [...s] });
  return {
    images: {
      id: row(db.images.id),
      data: { class: 'single', dims: [GLYPH_SIZE, GLYPH_SIZE, N], data: db.images.data },
      label: row(db.images.label),
      set: row(db.images.set),
    },
    meta: { classes: db.meta.classes, sets: cellRow(db.meta.sets), fonts: cellRow(db.meta.fonts) },
  };
}

/** A WOFF table's zlib data, which must inflate to exactly its origLength. */
function inflateTable(who: string, name: string, tag: string, raw: Uint8Array, origLength: number): Uint8Array {
  const table = `${who}: ${name}'s '${tag}' table`, says = `${origLength} bytes its directory says`;
  const why = (f: UnzlibFault): string => {
    if (f.kind === 'corrupt') return `is corrupt zlib data (${f.reason})`;
    if (f.kind === 'small') return `is ${f.bytes} bytes of zlib data, too few to inflate to the ${says}`;
    if (f.kind === 'long') return `inflates to more than the ${says}`;
    if (f.kind === 'short') return `inflates to ${f.got} bytes, fewer than the ${says}`;
    return 'does not match its Adler-32 checksum';
  };
  return unzlibExactly([raw], origLength, (f) => new Error(`${table} ${why(f)}`));
}

