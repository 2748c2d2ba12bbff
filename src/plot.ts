// Line plots rendered into an RGB Tensor, for cnnTrain's net-train.png (MATLAB's subplot, plot(x, y,
// 'o-'), xlabel, title, legend, grid on) — then toPNG writes them.
//
// Why our own: the figure must be drawn in Node, browsers and edge workers alike, with no DOM and no
// canvas. Plotting libraries either draw into a DOM/canvas (Chart.js, Plotly, Vega's renderers) or
// need native code in Node (node-canvas, sharp), and all of them bring far more than four
// primitives. What a training curve needs is small: anti-aliased segments and circles, filled
// rectangles, nice ticks and a bitmap font (plot-font.ts), a few hundred lines with no dependency.

import { Tensor } from './tensor.js';
import { checkOptions, integerIn, show } from './options.js';
import { ADVANCE, GLYPH_H, GLYPH_W, glyphRow } from './plot-font.js';

export type RGB = readonly [number, number, number];

/** One line of a panel: its points (NaN leaves a gap), style 'o-' (default), '-' or 'o'. */
export interface Series {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  label?: string;
  color?: RGB;
  style?: 'o-' | '-' | 'o';
}

/** One axes (subplot). */
export interface Panel {
  series: Series[];
  title?: string;
  xlabel?: string;
  ylabel?: string;
  /** Draw the legend (the series' labels) in the top right corner; default: when a series has a label. */
  legend?: boolean;
  /** Grid lines at the ticks (MATLAB's `grid on`); default true. */
  grid?: boolean;
  /** Fixed axis limits (MATLAB's xlim / ylim); default: automatic from the data. */
  xlim?: [number, number];
  ylim?: [number, number];
}

export interface FigureOptions {
  /** Pixels; default 320 per panel by 280. */
  width?: number;
  height?: number;
}

/** MATLAB's default line colours (the 'lines' colour order). */
export const LINE_COLORS: readonly RGB[] = [[0, 0.447, 0.741], [0.85, 0.325, 0.098], [0.929, 0.694, 0.125],
  [0.494, 0.184, 0.556], [0.466, 0.674, 0.188], [0.301, 0.745, 0.933], [0.635, 0.078, 0.184]];

const BLACK: RGB = [0, 0, 0];
const GRID: RGB = [0.85, 0.85, 0.85];
const TEXT: RGB = [0.15, 0.15, 0.15];

/** An RGB picture in a column-major [H, W, 3] Float32Array, white to start. */
class Canvas {
  readonly data: Float32Array;
  constructor(readonly H: number, readonly W: number) {
    this.data = new Float32Array(H * W * 3).fill(1);
  }
  /** Blend colour c over pixel (row i, column j) with coverage a in [0, 1]. */
  blend(i: number, j: number, c: RGB, a: number): void {
    if (!(a > 0) || i < 0 || j < 0 || i >= this.H || j >= this.W) return;
    const plane = this.H * this.W;
    const p = i + this.H * j;
    for (let k = 0; k < 3; k++) this.data[p + k * plane] += (c[k] - this.data[p + k * plane]) * Math.min(a, 1);
  }
  fill(i0: number, j0: number, i1: number, j1: number, c: RGB): void {
    for (let j = Math.max(0, j0); j < Math.min(this.W, j1); j++) for (let i = Math.max(0, i0); i < Math.min(this.H, i1); i++) this.blend(i, j, c, 1);
  }
  /**
   * An anti-aliased segment from (x0, y0) to (x1, y1) (x = column, y = row, pixel centres at
   * integers) of width w: each pixel gets coverage w/2 + 1/2 - distance, clamped to [0, 1]; only
   * pixels inside `clip` ([top, left, bottom, right]) are drawn.
   */
  segment(x0: number, y0: number, x1: number, y1: number, w: number, c: RGB, clip: Rect): void {
    const r = w / 2 + 0.5;
    const dx = x1 - x0, dy = y1 - y0, len2 = dx * dx + dy * dy;
    const i0 = Math.max(clip[0], Math.floor(Math.min(y0, y1) - r)), i1 = Math.min(clip[2], Math.ceil(Math.max(y0, y1) + r));
    const j0 = Math.max(clip[1], Math.floor(Math.min(x0, x1) - r)), j1 = Math.min(clip[3], Math.ceil(Math.max(x0, x1) + r));
    for (let j = j0; j <= j1; j++) {
      for (let i = i0; i <= i1; i++) {
        const t = len2 > 0 ? Math.max(0, Math.min(1, ((j - x0) * dx + (i - y0) * dy) / len2)) : 0;
        const d = Math.hypot(j - (x0 + t * dx), i - (y0 + t * dy));
        this.blend(i, j, c, r - d);
      }
    }
  }
  /** A 1-pixel outline of the box [top, left, bottom, right]. */
  box(b: Rect, c: RGB): void {
    const all: Rect = [0, 0, this.H - 1, this.W - 1];
    this.segment(b[1], b[0], b[3], b[0], 1, c, all); this.segment(b[1], b[2], b[3], b[2], 1, c, all);
    this.segment(b[1], b[0], b[1], b[2], 1, c, all); this.segment(b[3], b[0], b[3], b[2], 1, c, all);
  }
  /** An anti-aliased circle outline of radius rad centred at (x, y). */
  circle(x: number, y: number, rad: number, w: number, c: RGB, clip: Rect): void {
    const r = rad + w / 2 + 1;
    for (let j = Math.max(clip[1], Math.floor(x - r)); j <= Math.min(clip[3], Math.ceil(x + r)); j++) {
      for (let i = Math.max(clip[0], Math.floor(y - r)); i <= Math.min(clip[2], Math.ceil(y + r)); i++) {
        this.blend(i, j, c, w / 2 + 0.5 - Math.abs(Math.hypot(j - x, i - y) - rad));
      }
    }
  }
  /** Text with its top-left corner at (row i, column j), `scale` pixels per font pixel. */
  text(s: string, i: number, j: number, c: RGB, scale = 1): void {
    for (let n = 0; n < s.length; n++) {
      for (let r = 0; r < GLYPH_H; r++) {
        const bits = glyphRow(s[n], r);
        for (let b = 0; b < GLYPH_W; b++) {
          if ((bits >> (GLYPH_W - 1 - b)) & 1) this.fill(i + r * scale, j + (n * ADVANCE + b) * scale, i + (r + 1) * scale, j + (n * ADVANCE + b + 1) * scale, c);
        }
      }
    }
  }
}

/** [top, left, bottom, right], inclusive pixel bounds. */
type Rect = [number, number, number, number];

const textWidth = (s: string, scale = 1): number => (s.length * ADVANCE - 1) * scale;
/** Cap height: rows 0-6 of the font. */
const CAP = 7;

/**
 * Axis limits and ticks as MATLAB's automatic mode picks them: a step of 1, 2 or 5 times a power
 * of ten giving about five intervals, limits rounded out to whole steps.
 */
export function niceTicks(lo: number, hi: number): { lo: number; hi: number; ticks: number[]; decimals: number } {
  if (!(hi > lo)) {
    // One value (one epoch, a constant error): MATLAB's limits are the value ± 1.
    lo -= 1; hi += 1;
  }
  const raw = (hi - lo) / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const n = raw / mag;
  const step = (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * mag;
  const a = Math.floor(lo / step + 1e-9), b = Math.ceil(hi / step - 1e-9);
  const ticks: number[] = [];
  for (let k = a; k <= b; k++) ticks.push(k * step);
  return { lo: a * step, hi: b * step, ticks, decimals: Math.max(0, -Math.floor(Math.log10(step) + 1e-9)) };
}

function tickLabel(v: number, decimals: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 1e-4)) return v.toExponential(1).replace('e+', 'e');
  const s = v.toFixed(decimals);
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
}

function extent(series: Series[], key: 'x' | 'y'): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const s of series) {
    for (let k = 0; k < s[key].length; k++) {
      const v = s[key][k];
      if (Number.isFinite(v) && Number.isFinite(s[key === 'x' ? 'y' : 'x'][k])) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    }
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}

/** Ticks for fixed limits (kept exactly, ticks inside them) or automatic ones. */
function axisTicks(lim: [number, number] | undefined, auto: () => [number, number]): ReturnType<typeof niceTicks> {
  if (lim === undefined) return niceTicks(...auto());
  const t = niceTicks(lim[0], lim[1]);
  return { ...t, lo: lim[0], hi: lim[1], ticks: t.ticks.filter((v) => v >= lim[0] - 1e-9 && v <= lim[1] + 1e-9) };
}

function drawPanel(cv: Canvas, p: Panel, left: number, width: number, height: number): void {
  const titleH = p.title ? CAP * 2 + 12 : 8;
  const bottomH = 8 + GLYPH_H + (p.xlabel ? GLYPH_H + 6 : 0);
  const yt = axisTicks(p.ylim, () => extent(p.series, 'y'));
  const xt = axisTicks(p.xlim, () => extent(p.series, 'x'));
  const yLabels = yt.ticks.map((v) => tickLabel(v, yt.decimals));
  const leftW = 10 + Math.max(...yLabels.map((s) => textWidth(s))) + (p.ylabel ? GLYPH_H + 6 : 0);
  const box: Rect = [titleH, left + leftW, height - bottomH, left + width - 14];
  const [top, l, bottom, r] = box;
  const X = (v: number): number => l + ((v - xt.lo) / (xt.hi - xt.lo)) * (r - l);
  const Y = (v: number): number => bottom - ((v - yt.lo) / (yt.hi - yt.lo)) * (bottom - top);
  if (p.grid ?? true) {
    for (const v of xt.ticks) cv.segment(X(v), top, X(v), bottom, 1, GRID, box);
    for (const v of yt.ticks) cv.segment(l, Y(v), r, Y(v), 1, GRID, box);
  }
  // Ticks inside the box, labels outside it.
  xt.ticks.forEach((v) => {
    cv.segment(X(v), bottom, X(v), bottom - 4, 1, BLACK, box);
    const s = tickLabel(v, xt.decimals);
    cv.text(s, bottom + 5, Math.round(X(v) - textWidth(s) / 2), TEXT);
  });
  yt.ticks.forEach((v, k) => {
    cv.segment(l, Y(v), l + 4, Y(v), 1, BLACK, box);
    cv.text(yLabels[k], Math.round(Y(v) - CAP / 2), l - 5 - textWidth(yLabels[k]), TEXT);
  });
  cv.box(box, BLACK);
  p.series.forEach((s, n) => {
    const c = s.color ?? LINE_COLORS[n % LINE_COLORS.length];
    const style = s.style ?? 'o-';
    const m = Math.min(s.x.length, s.y.length);
    const ok = (k: number): boolean => Number.isFinite(s.x[k]) && Number.isFinite(s.y[k]);
    for (let k = 0; k < m; k++) {
      if (!ok(k)) continue;
      if (style !== 'o' && k + 1 < m && ok(k + 1)) cv.segment(X(s.x[k]), Y(s.y[k]), X(s.x[k + 1]), Y(s.y[k + 1]), 1.2, c, box);
      // Markers on the limits are drawn whole, as MATLAB draws them; lines stay inside the box.
      if (style !== '-') cv.circle(X(s.x[k]), Y(s.y[k]), 3, 1.2, c, [top - 5, l - 5, bottom + 5, r + 5]);
    }
  });
  if (p.title) cv.text(p.title, 4, Math.round((l + r) / 2 - textWidth(p.title, 2) / 2), BLACK, 2);
  if (p.xlabel) cv.text(p.xlabel, bottom + 8 + GLYPH_H, Math.round((l + r) / 2 - textWidth(p.xlabel) / 2), TEXT);
  if (p.ylabel) {
    // Vertical text is not drawn; the y label goes above the tick labels, left-aligned.
    cv.text(p.ylabel, Math.max(0, top - GLYPH_H - 2), left + 2, TEXT);
  }
  const labelled = p.series.filter((s) => s.label);
  if ((p.legend ?? labelled.length > 0) && labelled.length > 0) {
    const rowH = GLYPH_H + 4;
    const w = 30 + Math.max(...labelled.map((s) => textWidth(s.label as string)));
    const bx: Rect = [top + 6, r - 6 - w, top + 6 + 4 + rowH * labelled.length, r - 6];
    cv.fill(bx[0], bx[1], bx[2], bx[3], [1, 1, 1]);
    cv.box(bx, BLACK);
    labelled.forEach((s, k) => {
      const c = s.color ?? LINE_COLORS[p.series.indexOf(s) % LINE_COLORS.length];
      const y = bx[0] + 4 + k * rowH + CAP / 2;
      if ((s.style ?? 'o-') !== 'o') cv.segment(bx[1] + 4, y, bx[1] + 22, y, 1.2, c, bx);
      if ((s.style ?? 'o-') !== '-') cv.circle(bx[1] + 13, y, 3, 1.2, c, bx);
      cv.text(s.label as string, Math.round(y - CAP / 2), bx[1] + 27, TEXT);
    });
  }
}

/**
 * Draw `panels` side by side (MATLAB's subplot(1, n, k)) into an `[H, W, 3]` RGB Tensor with values
 * in [0, 1], for toPNG. Each panel: an axes box with automatic limits and ticks (1, 2 or 5 times a
 * power of ten), tick labels, grid lines, its series as lines with circle markers ('o-'), title,
 * x label and a legend of the labelled series in the top right corner.
 */
export function plotFigure(panels: Panel[], opts: FigureOptions = {}): Tensor {
  const who = 'plotFigure';
  checkOptions(who, opts, ['width', 'height']);
  if (!Array.isArray(panels) || panels.length === 0) throw new Error(`${who}: panels must be a non-empty array, got ${show(panels)}`);
  const W = opts.width ?? 320 * panels.length;
  const H = opts.height ?? 280;
  for (const [k, v] of [['width', W], ['height', H]] as const) {
    integerIn(who, k, v, 120, 8192);
  }
  panels.forEach((p, k) => {
    if (typeof p !== 'object' || p === null || !Array.isArray(p.series)) throw new Error(`${who}: panels[${k}] must be { series: [...] }, got ${show(p)}`);
    for (const key of ['xlim', 'ylim'] as const) {
      const lim = p[key];
      if (lim !== undefined && !(Array.isArray(lim) && lim.length === 2 && Number.isFinite(lim[0]) && Number.isFinite(lim[1]) && lim[1] > lim[0])) {
        throw new Error(`${who}: panels[${k}].${key} must be [lo, hi] with lo < hi, got ${show(lim)}`);
      }
    }
  });
  const cv = new Canvas(H, W);
  const pw = Math.floor(W / panels.length);
  panels.forEach((p, k) => drawPanel(cv, p, k * pw, pw, H));
  return new Tensor(cv.data, [H, W, 3]);
}
