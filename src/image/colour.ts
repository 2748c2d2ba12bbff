// MATLAB's rgb2gray for single images (SEMANTICS §4.9), on [H, W, 3, N].

import { Tensor, tensorArg } from '../tensor.js';
import { dims } from '../options.js';

/**
 * MATLAB's weights: the first row of `inv([1.0 0.956 0.621; 1.0 -0.272 -0.647;
 * 1.0 -1.106 1.703])` (rgb2gray.m), the luma row of the inverse YIQ transform.
 */
export const RGB2GRAY_WEIGHTS: readonly [number, number, number] =
  Object.freeze([0.298936021293775, 0.587043074451121, 0.114020904255103]) as [number, number, number];

// Mixed single·double arithmetic in MATLAB converts the double operand to single.
const CR = Math.fround(RGB2GRAY_WEIGHTS[0]);
const CG = Math.fround(RGB2GRAY_WEIGHTS[1]);
const CB = Math.fround(RGB2GRAY_WEIGHTS[2]);

/**
 * MATLAB's `I = rgb2gray(RGB)` for a single image, on every image of an
 * [H, W, 3, N] Tensor; the result is [H, W, 1, N]. rgb2gray.m computes
 * ```
 * X = reshape(X(:), origSize(1)*origSize(2), 3) ;
 * I = X * coef' ;
 * I = min(max(I,0),1) ;
 * ```
 * with `coef` = {@link RGB2GRAY_WEIGHTS}. For single X the product is single:
 * here the weights are rounded to float32 and
 * `I = fround(fround(fround(R·cr) + fround(G·cg)) + fround(B·cb))`, each
 * product and sum rounded to float32 in that order, then clamped to [0, 1]
 * (so values outside [0, 1], e.g. 0..255 data, saturate, and NaN becomes 0, as
 * MATLAB's max(NaN, 0) is 0). Later
 * MATLAB releases compute this in a MEX file whose rounding order is not
 * published; it can differ from this in the last bit. Inputs are not modified.
 */
export function rgb2gray(x: Tensor): Tensor {
  const who = 'rgb2gray';
  const t = tensorArg(who, 'x', x);
  const [H, W, C, N] = t.shape;
  if (C !== 3) throw new Error(`${who}: x must be an RGB image [H, W, 3, N], got ${dims(t.shape)}`);
  const P = H * W;
  const out = new Float32Array(P * N);
  const d = t.data;
  const f = Math.fround;
  for (let n = 0; n < N; n++) {
    const r = 3 * P * n, o = P * n;
    // I(i, j) = clamp(R cr + G cg + B cb, 0, 1), in float32
    for (let p = 0; p < P; p++) {
      const v = f(f(f(d[r + p] * CR) + f(d[r + P + p] * CG)) + f(d[r + 2 * P + p] * CB));
      out[o + p] = v > 0 ? (v > 1 ? 1 : v) : 0; // max(NaN, 0) is 0 in MATLAB
    }
  }
  return new Tensor(out, [H, W, 1, N]);
}
