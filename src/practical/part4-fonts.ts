// Node only: fetching Google's fonts as the @fontsource/<family> npm packages publish them
// (straight from the npm registry: metadata + tarballs, cached on disk, resumable) and
// rendering each glyph with @napi-rs/canvas (Skia; an optional peer dependency). The recipe
// (which files, which positions) is isomorphic and lives in part4-glyphs.ts; the browser
// renders the same recipe with FontFace + a canvas.

import { gunzipSync } from 'fflate';
import { FONTSOURCE_FAMILIES } from './fontsource-families.js';
import { Tensor } from '../tensor.js';
import { writeMat } from '../io/mat/writer.js';
import { imwrite } from '../image/write.js';
import {
  CHARSDB_CLASSES, SENTENCE_FONT, VAL_FONTS, assembleCharsDb, charsDbToMat, type CharsDb, GLYPH_SIZE, SENTENCE, SENTENCE_WIDTH, fontsOfPackage,
  drawLabel, woffMetrics, type FontFile, type Label2D, type FontsourceMetadata, type LabelMetrics,
} from './part4-glyphs.js';
import { checkOptions } from '../options.js';

// Node's globals, declared here only (the isomorphic sources cannot use them).
declare const process: { env: Record<string, string | undefined>; stderr: { write(s: string): boolean; isTTY?: boolean } };

const REGISTRY = 'https://registry.npmjs.org';

const FONT_CACHE_OPTIONS = ['cache', 'families', 'concurrency', 'progress'];

export interface FontCacheOptions {
  /** The cache directory (default ~/.cache/nnblocks/fonts, or $XDG_CACHE_HOME/nnblocks/fonts). */
  cache?: string;
  /** The families as [npm name without the scope, version] (default the list in fontsource-families.ts). */
  families?: readonly (readonly [string, string])[];
  /** Downloads at once (4). */
  concurrency?: number;
  /** Progress on stderr (true). */
  progress?: boolean;
}

/** One family package in the cache: its metadata and the directory holding its latin .woff files. */
export interface CachedFamily {
  id: string;
  version: string;
  dir: string;
  metadata: FontsourceMetadata;
}

// The parts of Node's fs/promises, path and os used here (tsconfig leaves Node's types out so that
// isomorphic code cannot use them; this module is Node-only and imports them at run time).
interface FsP {
  readFile(path: string): Promise<Uint8Array>;
  writeFile(path: string, data: Uint8Array | string): Promise<void>;
  mkdir(path: string, opts: { recursive: true }): Promise<unknown>;
  access(path: string): Promise<void>;
  rm(path: string, opts: { recursive: true; force: true }): Promise<void>;
  rename(from: string, to: string): Promise<void>;
}
interface PathM { join(...parts: string[]): string; basename(p: string): string }
interface OsM { homedir(): string }

const spec = (m: string) => ['node', m].join(':');

async function nodeModules(): Promise<{ fs: FsP; path: PathM; os: OsM }> {
  const [fs, path, os] = await Promise.all([
    import(/* @vite-ignore */ spec('fs/promises')) as Promise<FsP>,
    import(/* @vite-ignore */ spec('path')) as Promise<PathM>,
    import(/* @vite-ignore */ spec('os')) as Promise<OsM>,
  ]);
  return { fs, path, os };
}

/** The default cache directory. */
export async function defaultFontCache(): Promise<string> {
  const { path, os } = await nodeModules();
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'nnblocks', 'fonts');
}

/** The files of a .tar (ustar) as name -> bytes, for the names `keep` accepts. */
export function untar(tar: Uint8Array, keep: (name: string) => boolean): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const text = (a: number, b: number) => {
    let s = '';
    for (let i = a; i < b && tar[i] !== 0; i++) s += String.fromCharCode(tar[i]);
    return s;
  };
  let p = 0;
  while (p + 512 <= tar.length) {
    if (tar[p] === 0) break; // the two zero blocks at the end
    const name = text(p, p + 100);
    const size = parseInt(text(p + 124, p + 136).trim() || '0', 8);
    const type = String.fromCharCode(tar[p + 156] || 48);
    const prefix = text(p + 345, p + 500);
    const full = prefix ? `${prefix}/${name}` : name;
    if (!Number.isFinite(size) || size < 0 || p + 512 + size > tar.length) throw new Error(`untar: entry '${full}' of ${size} bytes runs past the end of the archive (${tar.length} bytes)`);
    if ((type === '0' || type === '\0') && keep(full)) out.set(full, tar.slice(p + 512, p + 512 + size));
    p += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const r = await fetch(url);
      if (r.status === 404) throw Object.assign(new Error(`${url}: 404 Not Found`), { notFound: true });
      if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
      return new Uint8Array(await r.arrayBuffer());
    } catch (e) {
      if ((e as { notFound?: boolean }).notFound) throw e;
      last = e;
      await new Promise((res) => setTimeout(res, 500 * (attempt + 1)));
    }
  }
  throw last;
}

/** The tarball URL of @fontsource/<id>@<version>; on a 404, the packument's latest version. */
async function tarball(id: string, version: string): Promise<{ bytes: Uint8Array; version: string }> {
  try {
    return { bytes: await fetchBytes(`${REGISTRY}/@fontsource/${id}/-/${id}-${version}.tgz`), version };
  } catch (e) {
    if (!(e as { notFound?: boolean }).notFound) throw e;
  }
  const doc = JSON.parse(new TextDecoder().decode(await fetchBytes(`${REGISTRY}/@fontsource/${id}`))) as {
    'dist-tags'?: { latest?: string }; versions?: Record<string, { dist?: { tarball?: string } }>;
  };
  const latest = doc['dist-tags']?.latest;
  const url = latest ? doc.versions?.[latest]?.dist?.tarball : undefined;
  if (!latest || !url) throw new Error(`@fontsource/${id}: the registry lists no latest tarball`);
  return { bytes: await fetchBytes(url), version: latest };
}

/** A one-line progress bar on stderr (redrawn in place on a terminal, every 5% otherwise). */
export function progressBar(label: string, total: number, enabled = true): { tick(note?: string): void; done(): void } {
  let n = 0;
  let lastPct = -1;
  const tty = !!process.stderr.isTTY;
  const draw = (note = '') => {
    if (!enabled) return;
    const pct = total === 0 ? 100 : Math.floor((100 * n) / total);
    if (!tty && pct < lastPct + 5 && n !== total) return;
    lastPct = pct;
    const width = 30;
    const fill = total === 0 ? width : Math.round((width * n) / total);
    const line = `${label} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${n}/${total} ${note}`;
    process.stderr.write(tty ? `\r${line.padEnd(100).slice(0, 100)}` : `${line}\n`);
  };
  return {
    tick(note?: string) { n++; draw(note); },
    done() { if (enabled && tty) process.stderr.write('\n'); },
  };
}

/**
 * Fetch every family package into the cache (only metadata.json and the latin .woff files of
 * each tarball are kept; a family already there is not fetched again, so an interrupted run
 * resumes). Returns the families in the cache, in the order of the list.
 */
export async function fetchFontsource(opts: FontCacheOptions = {}): Promise<{ cache: string; families: CachedFamily[]; fetched: number }> {
  checkOptions('fetchFontsource', opts, FONT_CACHE_OPTIONS);
  const { fs, path } = await nodeModules();
  const cache = opts.cache ?? (await defaultFontCache());
  const list = opts.families ?? FONTSOURCE_FAMILIES;
  const concurrency = opts.concurrency ?? 4;
  await fs.mkdir(cache, { recursive: true });
  const bar = progressBar('fonts', list.length, opts.progress ?? true);
  const results: (CachedFamily | null)[] = new Array(list.length).fill(null);
  let fetched = 0;
  let next = 0;
  const failures: string[] = [];
  const worker = async () => {
    while (next < list.length) {
      const k = next++;
      const [id, version] = list[k];
      try {
        results[k] = await cachedFamily(fs, path, cache, id, version, () => { fetched++; });
        bar.tick(id);
      } catch (e) {
        failures.push(`@fontsource/${id}@${version}: ${(e as Error).message}`);
        bar.tick(`${id} FAILED`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  bar.done();
  if (failures.length > 0) throw new Error(`fetchFontsource: ${failures.length} of ${list.length} packages could not be fetched (run again to resume):\n  ${failures.slice(0, 10).join('\n  ')}`);
  return { cache, families: results as CachedFamily[], fetched };
}

async function cachedFamily(fs: FsP, path: PathM, cache: string, id: string, version: string,
  onFetch: () => void): Promise<CachedFamily> {
  // The version asked for names the directory; a fallback to latest writes a note in it.
  const dir = path.join(cache, `${id}@${version}`);
  const done = path.join(dir, '.complete');
  try {
    await fs.access(done);
    const metadata = JSON.parse(new TextDecoder().decode(await fs.readFile(path.join(dir, 'metadata.json')))) as FontsourceMetadata;
    return { id, version, dir, metadata };
  } catch { /* not cached yet */ }
  const { bytes } = await tarball(id, version);
  onFetch();
  const files = untar(gunzipSync(bytes), (name) => name === 'package/metadata.json' || /^package\/files\/[^/]*-latin-[^/]*\.woff$/.test(name));
  const meta = files.get('package/metadata.json');
  if (!meta) throw new Error('the tarball has no metadata.json');
  const tmp = `${dir}.partial`;
  await fs.rm(tmp, { recursive: true, force: true });
  await fs.mkdir(tmp, { recursive: true });
  for (const [name, data] of files) await fs.writeFile(path.join(tmp, path.basename(name)), data);
  await fs.writeFile(path.join(tmp, '.complete'), '');
  await fs.rm(dir, { recursive: true, force: true });
  await fs.rename(tmp, dir);
  return { id, version, dir, metadata: JSON.parse(new TextDecoder().decode(meta)) as FontsourceMetadata };
}

/** A font file of the cache, with its bytes. */
export interface LoadedFont extends FontFile {
  bytes: Uint8Array;
}

/** The static fonts of the latin-ext Google families of the cache, sorted by name (§4.3.2's selection). */
export async function charsdbFonts(families: readonly CachedFamily[]): Promise<LoadedFont[]> {
  const { fs, path } = await nodeModules();
  const fonts: LoadedFont[] = [];
  for (const fam of families) {
    for (const f of fontsOfPackage(fam.metadata)) {
      const file = path.join(fam.dir, f.file);
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await fs.readFile(file));
      } catch {
        continue; // metadata lists a weight whose latin .woff the package does not ship
      }
      fonts.push({ ...f, bytes });
    }
  }
  fonts.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return fonts;
}

type Canvas = typeof import('@napi-rs/canvas');

const CANVAS_MISSING = `nnblocks charsdb renders the glyphs with @napi-rs/canvas (Skia, prebuilt binaries), an optional peer dependency
that is not installed. Install it next to nnblocks:
  npm install @napi-rs/canvas`;

/** @napi-rs/canvas, or an Error that says how to install it. */
export async function loadCanvas(): Promise<Canvas> {
  try {
    // Built at run time so that no bundler tries to resolve the optional peer dependency.
    return (await import(/* @vite-ignore */ /* webpackIgnore: true */ ['@napi-rs', 'canvas'].join('/'))) as Canvas;
  } catch (e) {
    throw new Error(`${CANVAS_MISSING}\n(${(e as Error).message.split('\n')[0]})`);
  }
}

/** Renders strings black on white as ImageMagick's `-gravity center label:` places them (part4-glyphs.ts labelLayout). */
export interface GlyphRenderer {
  /** A grey H x W image (column-major, 0 black .. 1 white, im2single of the 8-bit rendering). */
  render(font: LoadedFont, text: string, width: number, height: number): Float32Array;
}

export async function glyphRenderer(): Promise<GlyphRenderer> {
  const { GlobalFonts, createCanvas } = await loadCanvas();
  const registered = new Map<string, { family: string; metrics: LabelMetrics }>();
  let serial = 0;
  const canvases = new Map<string, import('@napi-rs/canvas').Canvas>();
  return {
    render(font, text, width, height) {
      let reg = registered.get(font.name);
      if (!reg) {
        const family = `nnb${serial++}`;
        const key = GlobalFonts.register(font.bytes as Parameters<typeof GlobalFonts.register>[0], family);
        if (!key) throw new Error(`glyphRenderer: @napi-rs/canvas could not read the font ${font.name} (${font.file})`);
        reg = { family, metrics: woffMetrics(font.bytes, font.name) };
        registered.set(font.name, reg);
      }
      const ck = `${width}x${height}`;
      const canvas = canvases.get(ck) ?? createCanvas(width, height);
      canvases.set(ck, canvas);
      // Each font file is a family of its own: no weight or style to match (nor to synthesise).
      return drawLabel(canvas.getContext('2d') as unknown as Label2D, reg.family, reg.metrics, text, width, height);
    },
  };
}

/** a-z of every font (in the order given) as charsdb's imdb: assembleCharsDb of the rendered glyphs. */
export function renderCharsDb(fonts: readonly LoadedFont[], renderer: GlyphRenderer,
  opts: { valFonts?: number; progress?: boolean } = {}): CharsDb {
  const bar = progressBar('glyphs', fonts.length, opts.progress ?? false);
  const glyphs: Float32Array[][] = [];
  for (const font of fonts) {
    glyphs.push(Array.from(CHARSDB_CLASSES, (c) => renderer.render(font, c, GLYPH_SIZE, GLYPH_SIZE)));
    bar.tick(font.name);
  }
  bar.done();
  return assembleCharsDb(fonts.map((f) => f.name), (f, c) => glyphs[f][c], opts.valFonts ?? VAL_FONTS);
}

export interface BuildCharsDbOptions extends FontCacheOptions {
  /** Where charsdb.mat and sentence-lato.png go ('.'). */
  out?: string;
  /** Validation fonts at the end of the sorted list (350). */
  valFonts?: number;
  /** Keep only this many fonts, spread evenly over the sorted list (font floor(i F / sample)), for small test sets. */
  sample?: number;
  /** Lines of the report (console.log). */
  log?: (line: string) => void;
}

export interface BuiltCharsDb {
  db: CharsDb;
  families: number;
  fonts: number;
  seconds: { fetch: number; render: number; write: number; total: number };
  files: string[];
}

/**
 * `nnblocks charsdb`: fetch the packages, render a-z of every font (and the Lato sentence) and
 * write `<out>/charsdb.mat` and `<out>/sentence-lato.png`.
 */
export async function buildCharsDb(opts: BuildCharsDbOptions = {}): Promise<BuiltCharsDb> {
  checkOptions('buildCharsDb', opts, [...FONT_CACHE_OPTIONS, 'out', 'valFonts', 'sample', 'log']);
  const log = opts.log ?? ((line: string) => console.log(line));
  const { fs, path } = await nodeModules();
  const out = opts.out ?? '.';
  const t0 = performance.now();
  const renderer = await glyphRenderer(); // fail early when @napi-rs/canvas is missing
  const { cache, families, fetched } = await fetchFontsource({ cache: opts.cache, families: opts.families, concurrency: opts.concurrency, progress: opts.progress });
  const t1 = performance.now();
  const used = families.filter((f) => fontsOfPackage(f.metadata).length > 0);
  const all = await charsdbFonts(used);
  const sample = opts.sample;
  if (sample !== undefined && (!Number.isInteger(sample) || sample < 1)) throw new Error(`buildCharsDb: sample must be an integer >= 1, got ${String(sample)}`);
  const fonts = sample === undefined || sample >= all.length ? all : Array.from({ length: sample }, (_, i) => all[Math.floor((i * all.length) / sample)]);
  const withFonts = new Set(fonts.map((f) => f.family)).size;
  log(`charsdb: ${families.length} @fontsource packages in ${cache} (${fetched} fetched now); ` +
    `${used.length} are Google families with latin-ext; ${all.length} static fonts (every weight and style)` +
    (fonts.length < all.length ? `, ${fonts.length} of them sampled evenly,` : '') + ` from ${withFonts} families`);
  if (fonts.length === 0) throw new Error('buildCharsDb: no font of the given families is a Google font with the latin-ext subset');
  const lato = all.find((f) => f.name === `${SENTENCE_FONT.id}-${SENTENCE_FONT.weight}-${SENTENCE_FONT.style}`);
  const db = renderCharsDb(fonts, renderer, { valFonts: opts.valFonts ?? VAL_FONTS, progress: opts.progress ?? true });
  const t2 = performance.now();
  await fs.mkdir(out, { recursive: true });
  const files = [path.join(out, 'charsdb.mat')];
  // MATLAB's save without a version flag writes -v7: every variable zlib-compressed.
  await fs.writeFile(files[0], writeMat(charsDbToMat(db), { compress: true }));
  if (lato) {
    const im = renderer.render(lato, SENTENCE, SENTENCE_WIDTH, GLYPH_SIZE);
    files.push(path.join(out, 'sentence-lato.png'));
    await imwrite(new Tensor(im, [GLYPH_SIZE, SENTENCE_WIDTH]), files[1]);
  } else {
    log(`charsdb: the families include no ${SENTENCE_FONT.id}-${SENTENCE_FONT.weight}-${SENTENCE_FONT.style}; sentence-lato.png not written`);
  }
  const t3 = performance.now();
  const nval = db.images.set.filter((s) => s === 2).length;
  log(`charsdb: ${db.images.id.length} images (${db.images.id.length - nval} train, ${nval} val: the last ${Math.min(fonts.length, opts.valFonts ?? VAL_FONTS)} fonts)`);
  const seconds = { fetch: (t1 - t0) / 1000, render: (t2 - t1) / 1000, write: (t3 - t2) / 1000, total: (t3 - t0) / 1000 };
  log(`charsdb: built in ${seconds.total.toFixed(1)} s (fetch ${seconds.fetch.toFixed(1)} s, render ${seconds.render.toFixed(1)} s, write ${seconds.write.toFixed(1)} s); wrote ${files.join(', ')}`);
  return { db, families: withFonts, fonts: fonts.length, seconds, files };
}
