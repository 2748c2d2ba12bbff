// cnn_train's figure 1 (NETWORKS.md §3.3 step 4): one subplot per statistic, train and val per
// epoch, 'o-', xlabel 'epoch', title the statistic, legend, grid on — as a PNG (net-train.png; the
// MATLAB code prints net-train.pdf).

import { toPNG } from '../image/write.js';
import type { Tensor } from '../tensor.js';
import { plotFigure, type Panel, type Series } from '../plot.js';
import type { EpochStats } from './progress.js';

/** Per-epoch statistics as cnnTrain returns them: stats.train[e], stats.val[e] for epoch e + 1. */
export interface TrainStats {
  train: EpochStats[];
  val: EpochStats[];
}

/**
 * The statistics plotted: every field of any epoch of train or val except num and time, sorted
 * (MATLAB's setdiff of the field names): objective, top1err, top5err for multiclass errors.
 */
export function plottedFields(stats: TrainStats): string[] {
  const names = new Set<string>();
  for (const s of [...stats.train, ...stats.val]) {
    for (const k of Object.keys(s ?? {})) if (k !== 'num' && k !== 'time') names.add(k);
  }
  return [...names].sort();
}

/** The figure as an [H, W, 3] Tensor: one panel per plotted statistic, a line for train and one for val. */
export function trainingCurves(stats: TrainStats): Tensor {
  const epochs = Math.max(stats.train.length, stats.val.length);
  const x = Array.from({ length: epochs }, (_, e) => e + 1);
  const fields = plottedFields(stats);
  const panels: Panel[] = fields.map((f) => {
    const series: Series[] = [];
    for (const set of ['train', 'val'] as const) {
      const list = stats[set];
      if (!list.some((s) => s !== undefined && s[f] !== undefined)) continue;
      series.push({ x, y: x.map((_, e) => list[e]?.[f] ?? NaN), label: set });
    }
    return { series, title: f, xlabel: 'epoch', grid: true };
  });
  if (panels.length === 0) panels.push({ series: [], title: 'no statistics', xlabel: 'epoch' });
  return plotFigure(panels, { width: 320 * panels.length, height: 280 });
}

/** net-train.png's bytes. */
export function trainingCurvesPNG(stats: TrainStats): Uint8Array {
  return toPNG(trainingCurves(stats));
}
