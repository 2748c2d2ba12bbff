// Reference nnloss and nnsoftmaxloss in float64, written from vl_nnloss.m and
// vl_nnsoftmaxloss.m of MatConvNet v1.0-beta25 as array operations (SEMANTICS §4.3), with
// the two documented departures: a term whose weight is 0 (label 0, or a zero weight) is
// left out instead of multiplied by 0, and classWeights multiply the terms of their class.
// Labels come already expanded to [H, W, Cl, N] (repmatLabels), weights to the same shape.
// The oracle for tests: never optimise it.

export type Shape4 = readonly [number, number, number, number];

export interface LossRefOptions {
  loss: string;
  /** instance weights, expanded to the labels' shape [H, W, Cl, N] */
  weights?: ArrayLike<number>;
  classWeights?: ArrayLike<number>;
  topK?: number;
  threshold?: number;
}

const ATTRIBUTE = ['binaryerror', 'binarylog', 'logistic', 'hinge'];

/** One label per image repeated at every pixel: [N] -> [H, W, Cl, N] (Cl channels given per image). */
export function repmatLabels(c: ArrayLike<number>, H: number, W: number, Cl: number, N: number): Float64Array {
  const out = new Float64Array(H * W * Cl * N);
  for (let n = 0; n < N; n++) for (let k = 0; k < Cl; k++) for (let p = 0; p < H * W; p++) out[p + H * W * (k + Cl * n)] = c[k + Cl * n];
  return out;
}

/** bsxfun(@times, ones(to), w): a [a, b, c, d] array (sizes 1 or equal) broadcast to `to`. */
export function broadcast(w: ArrayLike<number>, ws: Shape4, to: Shape4): Float64Array {
  const out = new Float64Array(to[0] * to[1] * to[2] * to[3]);
  for (let n = 0; n < to[3]; n++) for (let k = 0; k < to[2]; k++) for (let j = 0; j < to[1]; j++) for (let i = 0; i < to[0]; i++) {
    const src = (ws[0] === 1 ? 0 : i) + ws[0] * ((ws[1] === 1 ? 0 : j) + ws[1] * ((ws[2] === 1 ? 0 : k) + ws[2] * (ws[3] === 1 ? 0 : n)));
    out[i + to[0] * (j + to[1] * (k + to[2] * n))] = w[src];
  }
  return out;
}

/** MATLAB max(v) / [~, i] = max(v): NaN ignored, the first maximum; all NaN gives (NaN, 0). */
function matlabMax(v: number[]): [number, number] {
  let best = -1;
  for (let k = 0; k < v.length; k++) if (v[k] === v[k] && (best < 0 || v[k] > v[best])) best = k;
  return best < 0 ? [NaN, 0] : [v[best], best];
}

const mmax0 = (a: number): number => (a === a ? Math.max(0, a) : 0); // max(0, a), NaN ignored

interface Ctx { x: ArrayLike<number>; s: Shape4; c: ArrayLike<number>; w: Float64Array }

function context(x: ArrayLike<number>, s: Shape4, c: ArrayLike<number>, o: LossRefOptions): Ctx {
  // w = (c ~= 0) .* instanceWeights .* classWeights(c)
  const [H, W, C, N] = s;
  const attr = ATTRIBUTE.includes(o.loss);
  const Cl = attr ? C : 1;
  const w = new Float64Array(H * W * Cl * N);
  for (let e = 0; e < w.length; e++) {
    const cls = c[e];
    const k = Math.floor(e / (H * W)) % Cl;
    w[e] = (cls !== 0 ? 1 : 0) * (o.weights ? o.weights[e] : 1) *
      (o.classWeights && cls !== 0 ? o.classWeights[attr ? k : cls - 1] : 1);
  }
  return { x, s, c, w };
}

/** The channel vector of pixel (p, n). */
function channels(x: ArrayLike<number>, s: Shape4, p: number, n: number): number[] {
  const P = s[0] * s[1];
  const v: number[] = [];
  for (let k = 0; k < s[2]; k++) v.push(x[p + P * (k + s[2] * n)]);
  return v;
}

/** y = sum(w .* t) over the labelled elements. */
export function lossForwardRef(x: ArrayLike<number>, s: Shape4, c: ArrayLike<number>, o: LossRefOptions): number {
  const { w } = context(x, s, c, o);
  const [H, W, , N] = s;
  const P = H * W;
  let y = 0;
  if (ATTRIBUTE.includes(o.loss)) {
    const th = Math.fround(o.threshold ?? 0);
    for (let e = 0; e < x.length; e++) {
      if (w[e] === 0) continue;
      const xe = x[e];
      const ce = c[e];
      let t: number;
      if (o.loss === 'binaryerror') t = Math.sign(xe - th) !== ce ? 1 : 0;
      else if (o.loss === 'binarylog') t = -Math.log(ce * (xe - 0.5) + 0.5);
      else if (o.loss === 'logistic') { const a = -ce * xe; const b = mmax0(a); t = b + Math.log(Math.exp(-b) + Math.exp(a - b)); }
      else t = mmax0(1 - ce * xe);
      y += w[e] * t;
    }
    return y;
  }
  for (let n = 0; n < N; n++) {
    for (let p = 0; p < P; p++) {
      const e = p + P * n;
      if (w[e] === 0) continue;
      const v = channels(x, s, p, n);
      const ci = c[e] - 1;
      let t: number;
      switch (o.loss) {
        case 'classerror': t = matlabMax(v)[1] !== ci ? 1 : 0; break;
        case 'topkerror': {
          // [~, predictions] = sort(x, 3, 'descend'): stable, NaN first
          const order = v.map((_, k) => k).sort((a, b) => {
            const na = v[a] !== v[a], nb = v[b] !== v[b];
            if (na || nb) return na && nb ? a - b : na ? -1 : 1;
            return v[b] - v[a] || a - b;
          });
          t = order.slice(0, o.topK ?? 5).includes(ci) ? 0 : 1;
          break;
        }
        case 'log': t = -Math.log(v[ci]); break;
        case 'softmaxlog': { const m = Math.max(...v); t = m + Math.log(v.reduce((a, q) => a + Math.exp(q - m), 0)) - v[ci]; break; }
        case 'mhinge': t = mmax0(1 - v[ci]); break;
        case 'mshinge': { const Q = v.slice(); Q[ci] = -Infinity; t = mmax0(1 - v[ci] + matlabMax(Q)[0]); break; }
        default: throw new Error(`lossForwardRef: unknown loss ${o.loss}`);
      }
      y += w[e] * t;
    }
  }
  return y;
}

/** dzdx for the scalar dzdy. */
export function lossBackwardRef(x: ArrayLike<number>, s: Shape4, c: ArrayLike<number>, dzdy: number, o: LossRefOptions): Float64Array {
  const { w } = context(x, s, c, o);
  const [H, W, C, N] = s;
  const P = H * W;
  const d = new Float64Array(x.length);
  if (ATTRIBUTE.includes(o.loss)) {
    for (let e = 0; e < x.length; e++) {
      if (w[e] === 0) continue;
      const g = dzdy * w[e];
      const xe = x[e];
      const ce = c[e];
      if (o.loss === 'binarylog') d[e] = -g / (xe + (ce - 1) * 0.5);
      else if (o.loss === 'logistic') d[e] = -g * ce / (1 + Math.exp(ce * xe));
      else if (o.loss === 'hinge') d[e] = -g * ce * (ce * xe < 1 ? 1 : 0);
    }
    return d;
  }
  for (let n = 0; n < N; n++) {
    for (let p = 0; p < P; p++) {
      const e = p + P * n;
      if (w[e] === 0) continue;
      const g = dzdy * w[e];
      const v = channels(x, s, p, n);
      const ci = c[e] - 1;
      const idx = (k: number): number => p + P * (k + C * n);
      switch (o.loss) {
        case 'log': d[idx(ci)] = -g / (v[ci] > Math.fround(1e-8) ? v[ci] : Math.fround(1e-8)); break;
        case 'softmaxlog': {
          const m = Math.max(...v);
          const ex = v.map((q) => Math.exp(q - m));
          const L = ex.reduce((a, q) => a + q, 0);
          for (let k = 0; k < C; k++) d[idx(k)] = g * (ex[k] / L - (k === ci ? 1 : 0));
          break;
        }
        case 'mhinge': d[idx(ci)] = -g * (v[ci] < 1 ? 1 : 0); break;
        case 'mshinge': {
          const Q = v.slice();
          Q[ci] = -Infinity;
          const [mq, q] = matlabMax(Q);
          if (!(mq > -Infinity)) break; // no other class above -Infinity: the forward is 0
          const Wq = g * (Math.fround(v[ci] - v[q]) < 1 ? 1 : 0);
          d[idx(ci)] = -Wq;
          d[idx(q)] = Wq;
          break;
        }
        default: break; // classerror, topkerror: zero
      }
    }
  }
  return d;
}

/** vl_nnsoftmaxloss with labels expanded to [H, W, Cl, N] (Cl = 1, or 2 with weights). */
export function softmaxLossForwardRef(x: ArrayLike<number>, s: Shape4, c: ArrayLike<number>, Cl: number): number {
  const [H, W, , N] = s;
  const P = H * W;
  let y = 0;
  for (let n = 0; n < N; n++) {
    for (let p = 0; p < P; p++) {
      const cls = c[p + P * Cl * n];
      const mass = (cls > 0 ? 1 : 0) * (Cl === 2 ? c[p + P * (1 + Cl * n)] : 1);
      if (mass === 0) continue;
      const v = channels(x, s, p, n);
      const m = Math.max(...v);
      y += mass * (m + Math.log(v.reduce((a, q) => a + Math.exp(q - m), 0)) - v[cls - 1]);
    }
  }
  return y;
}

export function softmaxLossBackwardRef(x: ArrayLike<number>, s: Shape4, c: ArrayLike<number>, Cl: number, dzdy: number): Float64Array {
  const [H, W, C, N] = s;
  const P = H * W;
  const d = new Float64Array(x.length);
  for (let n = 0; n < N; n++) {
    for (let p = 0; p < P; p++) {
      const cls = c[p + P * Cl * n];
      const mass = (cls > 0 ? 1 : 0) * (Cl === 2 ? c[p + P * (1 + Cl * n)] : 1);
      if (mass === 0) continue;
      const v = channels(x, s, p, n);
      const m = Math.max(...v);
      const ex = v.map((q) => Math.exp(q - m));
      const L = ex.reduce((a, q) => a + q, 0);
      for (let k = 0; k < C; k++) d[p + P * (k + C * n)] = (ex[k] / L - (k === cls - 1 ? 1 : 0)) * mass * dzdy;
    }
  }
  return d;
}
