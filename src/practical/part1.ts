// Part 1 of the VGG CNN practical (the building blocks): exercise1.m as
// NETWORKS.md §4.1 gives it, step by step with the MATLAB quoted. Runtime-
// neutral: the caller supplies the RGB image and receives the lines through
// `log`; src/cli.ts runs it from a terminal and writes the figures
// (part1-figures.ts).

import { Tensor, randn } from '../tensor.js';
import { nnconv } from '../blocks/conv.js';
import { nnrelu } from '../blocks/relu.js';
import { nnpool } from '../blocks/pool.js';
import { nnnormalize } from '../blocks/normalize.js';
import { show } from '../options.js';
import { checkOptions } from '../options.js';

export interface Part1Options {
  /** Seed of `w = randn(5,5,3,10,'single')` (MATLAB draws from its default stream). Default 1. */
  seed?: number;
  /** Receives each printed line. */
  log?: (line: string) => void;
}

/** Every array exercise1.m makes, under the script's names (the reused `w`, `y` renamed). */
export interface Part1Result {
  /** The input, [H, W, 3] in [0, 1]. */
  x: Tensor;
  /** Part 1.1: the random 5x5x3x10 bank and its outputs. */
  w: Tensor;
  y: Tensor;
  yDs: Tensor;
  yPad: Tensor;
  /** The 3x3x3 Laplacian filter and its output (one channel). */
  wLap: Tensor;
  yLap: Tensor;
  /** Part 1.2: the 1x3x3x2 edge filters, their output and its ReLU. */
  wEdge: Tensor;
  yEdge: Tensor;
  zEdge: Tensor;
  /** Pooling (max, 15x15, stride 1). */
  yPool: Tensor;
  /** Normalisation, [rho kappa alpha beta] = [5 0 1 0.5]. */
  yNrm: Tensor;
  /** The printed lines. */
  lines: string[];
}

/** The LRN parameters of exercise1.m: rho = 5, kappa = 0, alpha = 1, beta = 0.5. */
export const PART1_LRN: readonly [number, number, number, number] = [5, 0, 1, 0.5];

/** `single(repmat(m, [1, 1, 3]))` for a matrix given by rows: an [h, w, 3] tensor. */
function repmat3(rows: number[][]): Tensor {
  const h = rows.length, w = rows[0].length;
  const d = new Float32Array(h * w * 3);
  for (let c = 0; c < 3; c++) for (let j = 0; j < w; j++) for (let i = 0; i < h; i++) d[i + h * (j + w * c)] = rows[i][j];
  return new Tensor(d, [h, w, 3]);
}

const dims = (t: Tensor): string => t.size().join('x');

/**
 * Run exercise1.m on `x` (an [H, W, 3] image in [0, 1], at least 15x15: the 15x15 pool) and
 * print each step with the size MATLAB's `size()` gives for its result.
 */
export function runPart1(x: Tensor, opts: Part1Options = {}): Part1Result {
  checkOptions('runPart1', opts, ['seed', 'log']);
  const who = 'runPart1';
  for (const k of Object.keys(opts)) if (k !== 'seed' && k !== 'log') throw new Error(`${who}: unknown option '${k}'`);
  if (!(x instanceof Tensor)) throw new Error(`${who}: x must be a Tensor, got ${show(x)}`);
  const [H, W, C, N] = x.shape;
  if (C !== 3 || N !== 1) throw new Error(`${who}: x must be one RGB [H, W, 3] image, got ${x.shape.join('x')}`);
  if (H < 15 || W < 15) throw new Error(`${who}: x is ${H}x${W}; part 1 pools over 15x15 windows, so it needs at least 15x15`);
  const seed = opts.seed ?? 1;
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`${who}: seed must be an integer >= 0, got ${show(opts.seed)}`);
  const lines: string[] = [];
  const log = (s: string): void => { lines.push(s); opts.log?.(s); };
  const step = (code: string, t: Tensor): void => log(`  ${code.padEnd(58)} size ${dims(t)}`);

  log('Part 1.1: linear convolution');
  step(`x = im2single(imread(...))`, x);
  //   w = randn(5,5,3,10,'single') ;  y = vl_nnconv(x, w, []) ;
  const w = randn([5, 5, 3, 10], { seed });
  step(`w = randn(5,5,3,10,'single')   % seed ${seed}`, w);
  const y = nnconv(x, w, null);
  step(`y = vl_nnconv(x, w, [])`, y);
  //   y_ds = vl_nnconv(x, w, [], 'stride', 16) ;
  const yDs = nnconv(x, w, null, { stride: 16 });
  step(`y_ds = vl_nnconv(x, w, [], 'stride', 16)`, yDs);
  //   y_pad = vl_nnconv(x, w, [], 'pad', 4) ;
  const yPad = nnconv(x, w, null, { pad: 4 });
  step(`y_pad = vl_nnconv(x, w, [], 'pad', 4)`, yPad);
  //   w = single(repmat([0 1 0; 1 -4 1; 0 1 0], [1, 1, 3])) ;  y_lap = vl_nnconv(x, w, []) ;
  const wLap = repmat3([[0, 1, 0], [1, -4, 1], [0, 1, 0]]);
  step(`w = single(repmat([0 1 0; 1 -4 1; 0 1 0], [1 1 3]))`, wLap);
  const yLap = nnconv(x, wLap, null);
  step(`y_lap = vl_nnconv(x, w, [])`, yLap);

  log('Part 1.2: non-linear gating (ReLU)');
  //   w = single(repmat([1 0 -1], [1, 1, 3])) ;  w = cat(4, w, -w) ;
  const e = repmat3([[1, 0, -1]]);
  const wEdge = new Tensor(Float32Array.from([...e.data, ...e.data.map((v) => -v)]), [1, 3, 3, 2]);
  step(`w = cat(4, w, -w), w = single(repmat([1 0 -1], [1 1 3]))`, wEdge);
  const yEdge = nnconv(x, wEdge, null);
  step(`y = vl_nnconv(x, w, [])`, yEdge);
  const zEdge = nnrelu(yEdge);
  step(`z = vl_nnrelu(y)`, zEdge);

  log('Part 1.3: pooling');
  //   y = vl_nnpool(x, 15) ;
  const yPool = nnpool(x, 15);
  step(`y = vl_nnpool(x, 15)`, yPool);

  log('Part 1.4: normalisation');
  //   y_nrm = vl_nnnormalize(x, [rho kappa alpha beta]) ;  rho = 5, kappa = 0, alpha = 1, beta = 0.5
  const yNrm = nnnormalize(x, PART1_LRN);
  step(`y_nrm = vl_nnnormalize(x, [5 0 1 0.5])`, yNrm);
  return { x, w, y, yDs, yPad, wLap, yLap, wEdge, yEdge, zEdge, yPool, yNrm, lines };
}
