// Typos in layer fields. vl_simplenn reads the fields it knows and ignores the rest, and so do we:
// a model file may carry fields of its own (MatConvNet's tools and older versions wrote several).
// But a field one or two edits from one the layer reads (`strid`, `Stride`, `methd`) is a typo
// that would run silently with the default, so it is an Error that names both.

import { DEFAULTS, WEIGHTED } from './defaults.js';
import { LAYER_TYPES, type Layer, type LayerType } from './types.js';

/** What any non-custom layer may hold: tidy's fields and those MatConvNet's tools write or read. */
const COMMON = ['type', 'name', 'precious', 'weights', 'opts', 'size', 'learningRate', 'weightDecay', 'momentum'];

/** Legacy weight fields (tidy moves them into `weights`) and their per-layer rates and decays. */
const LEGACY = ['filters', 'biases', 'filtersLearningRate', 'biasesLearningRate', 'filtersWeightDecay', 'biasesWeightDecay'];

/** Fields a type reads that tidy gives no default. */
const READS: Partial<Record<LayerType, readonly string[]>> = { pool: ['pool'], loss: ['class'], softmaxloss: ['class'], pdist: ['class'] };

/** The fields a layer of `type` reads: the ones a near miss is measured against. */
function readFields(type: LayerType): readonly string[] {
  return [...Object.keys(DEFAULTS[type]()), ...(READS[type] ?? []), ...(WEIGHTED.includes(type) ? ['weights'] : [])];
}

const KNOWN = new Map(LAYER_TYPES.map((t) => [t, readFields(t)]));

/**
 * Edit distance with adjacent transpositions (optimal string alignment), case-insensitive, capped:
 * anything above `max` is max + 1.
 */
function distance(a: string, b: string, max: number): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  if (Math.abs(s.length - t.length) > max) return max + 1;
  // d[i][j]: the distance between s[0, i) and t[0, j)
  const d = Array.from({ length: s.length + 1 }, (_, i) => Array.from({ length: t.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return Math.min(d[s.length][t.length], max + 1);
}

/** How far a name may be from `known` to count as its typo: short names allow less. */
function slack(known: string): number {
  return known.length <= 2 ? 0 : known.length <= 4 ? 1 : 2;
}

/**
 * Throw when a field of this (non-custom, typed) layer is not one it may hold but is a near miss of
 * one it reads: the message names both. Other unknown fields pass, as in MatConvNet.
 */
export function checkLayerFields(ly: Layer): void {
  const known = KNOWN.get(ly.type as LayerType);
  if (known === undefined || ly.type === 'custom') return;
  for (const key of Object.keys(ly)) {
    if (known.includes(key) || COMMON.includes(key) || LEGACY.includes(key)) continue;
    const near = known.find((k) => distance(key, k, slack(k)) <= slack(k));
    if (near !== undefined) {
      throw new Error(`field '${key}' is not one a ${ly.type} layer reads; did you mean '${near}'? ` +
        `(${ly.type} layers read ${known.map((k) => `'${k}'`).join(', ')})`);
    }
  }
}
