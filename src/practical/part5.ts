// Part 5 of the VGG CNN practical (a pretrained model): exercise5.m as
// NETWORKS.md §4.4 gives it: the net's table, the image resized to
// meta.normalization.imageSize(1:2) (MATLAB's imresize: bicubic, antialiased),
// averageImage subtracted (a whole image or one value per channel, §6.3),
// simplenn, the best class and its score. Also the practical's own character
// CNN (charscnn.mat of part 4: no normalization, a top-level imageMean), whose
// input is prepared as exercise4.m does: grey in [0, 1], 256·(im − imageMean).
// Runtime-neutral; src/cli.ts loads the files and writes the figure.

import { Tensor } from '../tensor.js';
import { imresize } from '../image/resize.js';
import { rgb2gray } from '../image/colour.js';
import { simplenn } from '../net/simplenn.js';
import { simplennDisplay } from '../net/display.js';
import type { SimpleNN } from '../net/types.js';
import { show } from '../options.js';
import { checkOptions } from '../options.js';

/** A numeric value as MAT files and JavaScript hold it: its elements and its MATLAB dims. */
function numeric(v: unknown): { data: ArrayLike<number>; dims: number[] } | null {
  if (typeof v === 'number') return { data: [v], dims: [1, 1] };
  if (v instanceof Tensor) return { data: v.data, dims: v.size() };
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return { data: v, dims: [1, v.length] };
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    const d = v as unknown as ArrayLike<number>;
    return { data: Array.from(d, Number), dims: [1, d.length] };
  }
  const o = v as { class?: unknown; dims?: unknown; data?: unknown } | null;
  if (typeof o === 'object' && o !== null && typeof o.class === 'string' && o.class !== 'char' && Array.isArray(o.dims) &&
    ArrayBuffer.isView(o.data)) {
    return { data: Array.from(o.data as unknown as ArrayLike<number | bigint>, Number), dims: o.dims as number[] };
  }
  return null;
}

/** A MATLAB cell of strings as JavaScript holds it (an array, or one string), else null. */
function strings(v: unknown): string[] | null {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return v as string[];
  return null;
}

/** How the input of a net is prepared: exercise5's (a zoo model) or exercise4's (the character CNN). */
export type Part5Kind = 'zoo' | 'characters';

export interface Part5Options {
  /** The top-level `imageMean` of charscnn.mat (loadSimpleNN keeps only layers and meta). */
  imageMean?: number;
  /** Receives each printed line. */
  log?: (line: string) => void;
}

export interface Part5Result {
  kind: Part5Kind;
  /** The input as simplenn got it: resized, mean subtracted. */
  input: Tensor;
  /** squeeze(res(end).x): one score per class. */
  scores: Float32Array;
  /** 1-based index of the first maximum, as MATLAB's max. */
  best: number;
  bestScore: number;
  /** meta.classes.description{best} (or .name{best}, or the letter for a 26-class character net). */
  description: string;
  /** exercise5's title: sprintf('%s (%d), score %.3f', description, best, bestScore). */
  title: string;
  lines: string[];
}

/** The class names of a net: meta.classes.description, .name, legacy top-level classes, or a–z for 26 outputs. */
function classNames(net: SimpleNN, K: number, kind: Part5Kind): string[] | null {
  const meta = (net.meta ?? {}) as Record<string, unknown>;
  const legacy = (net as unknown as Record<string, unknown>).classes;
  for (const c of [meta.classes, legacy]) {
    if (typeof c !== 'object' || c === null) continue;
    const r = c as Record<string, unknown>;
    const s = strings(r.description) ?? strings(r.name);
    if (s !== null && s.length === K) return s;
    // charsdb's meta.classes is one char array 'abc...z'
    if (typeof r.name === 'string' && r.name.length === K) return [...r.name];
  }
  if (typeof meta.classes === 'string' && meta.classes.length === K) return [...meta.classes];
  if (kind === 'characters' && K === 26) return [...'abcdefghijklmnopqrstuvwxyz'];
  return null;
}

/** `sprintf('%.3f', v)`. */
const f3 = (v: number): string => v.toFixed(3);

/**
 * Classify `im` with `net` as exercise5.m does. For a zoo model (meta.normalization.imageSize)
 * `im` is `single(imread(...))`, 0..255: it is resized to imageSize(1:2), averageImage is
 * subtracted, and simplenn runs (mode 'normal', as the script). For the practical's character CNN
 * (no normalization; pass `imageMean`), `im` is in [0, 1] (grey, or RGB made grey with rgb2gray),
 * resized to 32x32 when it is not, and the net gets 256·(im − imageMean) as in exercise4.m.
 */
export function runPart5(net: SimpleNN, im: Tensor, opts: Part5Options = {}): Part5Result {
  checkOptions('runPart5', opts, ['imageMean', 'log']);
  const who = 'runPart5';
  for (const k of Object.keys(opts)) if (k !== 'imageMean' && k !== 'log') throw new Error(`${who}: unknown option '${k}'`);
  if (typeof net !== 'object' || net === null || !Array.isArray(net.layers)) throw new Error(`${who}: net must be a simplenn net { layers: [...] }, got ${show(net)}`);
  if (!(im instanceof Tensor) || im.shape[3] !== 1) throw new Error(`${who}: im must be one [H, W, C] image Tensor, got ${im instanceof Tensor ? im.shape.join('x') : show(im)}`);
  const lines: string[] = [];
  const log = (s: string): void => { lines.push(s); opts.log?.(s); };
  const meta = (net.meta ?? {}) as Record<string, unknown>;
  const norm = (meta.normalization ?? (net as unknown as Record<string, unknown>).normalization) as Record<string, unknown> | undefined;
  const size = numeric(norm?.imageSize);
  const kind: Part5Kind = size !== null ? 'zoo' : 'characters';
  if (kind === 'characters' && opts.imageMean === undefined) {
    throw new Error(`${who}: the net has no meta.normalization.imageSize (a zoo model's) and no imageMean was given (charscnn.mat's); ` +
      'cannot tell how to prepare its input');
  }

  //   vl_simplenn_display(net) ;
  for (const l of simplennDisplay(net).split('\n')) log(l);

  let input: Tensor;
  if (kind === 'zoo') {
    if (size!.data.length < 2) throw new Error(`${who}: meta.normalization.imageSize must have at least 2 elements, got ${size!.data.length}`);
    const [H, W] = [Number(size!.data[0]), Number(size!.data[1])];
    //   im_ = imresize(im_, net.meta.normalization.imageSize(1:2)) ;
    // A grey picture for a colour model: its one channel repeated (bsxfun would broadcast it so).
    const C = size!.data.length > 2 ? Number(size!.data[2]) : im.shape[2];
    if (im.shape[2] === 1 && C === 3) {
      im = new Tensor(Float32Array.from([...im.data, ...im.data, ...im.data]), [im.shape[0], im.shape[1], 3]);
      log('im_ = repmat(im_, [1 1 3])   the image is grey, the model takes 3 channels');
    }
    const resized = imresize(im, [H, W]);
    log(`im_ = imresize(single(im), [${H} ${W}])   size ${resized.size().join('x')}`);
    //   im_ = bsxfun(@minus, im_, net.meta.normalization.averageImage) ;
    input = subtractAverage(who, resized, norm!.averageImage);
    const avg = numeric(norm!.averageImage);
    log(`im_ = bsxfun(@minus, im_, averageImage)   averageImage ${avg === null || avg.data.length === 0 ? 'empty' : avg.dims.join('x')}`);
  } else {
    const m = opts.imageMean!;
    if (!Number.isFinite(m)) throw new Error(`${who}: imageMean must be a finite number, got ${show(m)}`);
    let g = im.shape[2] === 3 ? rgb2gray(im) : im;
    if (g.shape[2] !== 1) throw new Error(`${who}: a character image must be grey or RGB, got ${im.shape[2]} channels`);
    if (g.shape[0] !== 32 || g.shape[1] !== 32) {
      g = imresize(g, [32, 32]);
      log('im = imresize(im, [32 32])');
    }
    //   im = 256 * (im - net.imageMean) ;
    input = new Tensor(g.data.map((v) => 256 * (v - m)), g.shape);
    log(`im = 256 * (im - net.imageMean)   imageMean ${m.toFixed(4)}, size ${input.size().join('x')}`);
  }

  //   res = vl_simplenn(net, im_) ;  scores = squeeze(gather(res(end).x)) ;
  const res = simplenn(net, input);
  const out = res[res.length - 1].x!;
  const scores = Float32Array.from(out.data);
  //   [bestScore, best] = max(scores) ;
  let best = 0;
  for (let k = 1; k < scores.length; k++) if (scores[k] > scores[best]) best = k;
  const names = classNames(net, scores.length, kind);
  const description = names?.[best] ?? `class ${best + 1}`;
  const title = `${description} (${best + 1}), score ${f3(scores[best])}`;
  log(`res = vl_simplenn(net, im_)   res(end).x size ${out.size().join('x')}`);
  if (out.numel !== Math.max(...out.shape.slice(0, 3))) {
    log(`note: the last output is ${out.size().join('x')}, not one score per class; max is taken over all of it`);
  }
  log(`best class: ${title}`);
  return { kind, input, scores, best: best + 1, bestScore: scores[best], description, title, lines };
}

/** bsxfun(@minus, x, avg): avg empty, one value, one per channel (1x1xC, Cx1, 1xC) or a whole HxWxC image. */
function subtractAverage(who: string, x: Tensor, avg: unknown): Tensor {
  const [H, W, C] = x.shape;
  if (avg === undefined || avg === null) return x;
  const a = numeric(avg);
  if (a === null) throw new Error(`${who}: meta.normalization.averageImage must be numeric, got ${show(avg)}`);
  const n = a.data.length;
  if (n === 0) return x;
  const out = new Float32Array(x.numel);
  const plane = H * W;
  if (n === 1 || n === C) {
    for (let k = 0; k < C; k++) {
      const m = Number(a.data[n === 1 ? 0 : k]);
      for (let p = 0; p < plane; p++) out[p + plane * k] = x.data[p + plane * k] - m;
    }
  } else if (n === plane * C && a.dims[0] === H && a.dims[1] === W) {
    for (let p = 0; p < n; p++) out[p] = x.data[p] - Number(a.data[p]);
  } else {
    throw new Error(`${who}: meta.normalization.averageImage is ${a.dims.join('x')}; for a ${H}x${W}x${C} input it must be ` +
      `one value, ${C} values (one per channel) or ${H}x${W}x${C}`);
  }
  return new Tensor(out, x.shape);
}
