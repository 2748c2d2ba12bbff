// The computations behind the page, free of DOM code: the input as the
// practical wants it (three channels, not too large), part 1's chain
// conv -> relu -> pool, and pictures made with the package's imarraysc + toImageData.
import { Tensor, im2single, imarraysc, nnconv, nnpool, nnrelu, toImageData } from 'nnblocks';

/** Larger images are reduced (area average) so that a run stays around a second or two. */
export const MAX_SIDE = 640;

/** Part 2 convolves with 5x5 filters and max-pools the result over 10x10 windows. */
export const PART2_MIN_SIDE = 5 - 1 + 10;

const now = () => performance.now();

/**
 * The decoded image as an [H, W, 3] tensor in [0, 1], plus notes on what was
 * changed: alpha dropped, grey repeated on three channels (the practical's
 * filters are 3 deep), large images shrunk by an integer factor.
 */
export function prepare(image) {
  const notes = [];
  let x = im2single(image);
  const [H, W, C] = x.shape;
  if (C === 2 || C === 4) notes.push('alpha channel dropped');
  if (C <= 2) {
    const grey = x.data.subarray(0, H * W);
    const rgb = new Float32Array(H * W * 3);
    for (let k = 0; k < 3; k++) rgb.set(grey, k * H * W); // x(:, :, k) = grey, whole channel planes
    x = new Tensor(rgb, [H, W, 3]);
    notes.push('grey repeated on R, G and B');
  } else if (C === 4) {
    x = new Tensor(x.data.slice(0, H * W * 3), [H, W, 3]); // the first three planes are R, G, B
  }
  const f = Math.ceil(Math.max(H, W) / MAX_SIDE);
  if (f > 1) {
    x = shrink(x, f);
    notes.push(`reduced ${f}× from ${H}×${W} to ${x.shape[0]}×${x.shape[1]} (the demo keeps images under ${MAX_SIDE} px)`);
  }
  return { x, notes };
}

/** Average f x f blocks (the last partial block of a row or column is dropped). */
function shrink(x, f) {
  const [H, W, C] = x.shape;
  const Ho = Math.floor(H / f), Wo = Math.floor(W / f);
  const out = new Float32Array(Ho * Wo * C);
  // out(i, j, k) = mean over a, b < f of x(f*i + a, f*j + b, k)
  for (let k = 0; k < C; k++) {
    for (let j = 0; j < Wo; j++) {
      for (let b = 0; b < f; b++) {
        const src = H * (f * j + b + W * k), dst = Ho * (j + Wo * k);
        for (let i = 0; i < Ho; i++) {
          let s = 0;
          for (let a = 0; a < f; a++) s += x.data[src + f * i + a];
          out[dst + i] += s / (f * f);
        }
      }
    }
  }
  return new Tensor(out, [Ho, Wo, C]);
}

/**
 * Part 1: y = nnconv(x, w, null), r = nnrelu(y), p = nnpool(r, pool).
 * Each step that cannot run (an image smaller than the filter, a pool window
 * larger than the map) gives its Error instead of a tensor; later steps are then skipped.
 */
export function part1(x, w, pool) {
  const times = {};
  const step = (name, f) => {
    const t0 = now();
    try {
      return f();
    } catch (e) {
      return e instanceof Error ? e : new Error(String(e));
    } finally {
      times[name] = now() - t0;
    }
  };
  const y = step('conv', () => nnconv(x, w, null));
  const r = y instanceof Error ? y : step('relu', () => nnrelu(y));
  const p = r instanceof Error ? r : step('pool', () => nnpool(r, pool));
  return { y, r, p, times };
}

/**
 * The picture of `t` as canvas RGBA bytes ({ width, height, data }): an
 * [H, W, 3] image as it is; otherwise (a feature map) its channels tiled with
 * imarraysc, each scaled to its own min..max, with white gaps between tiles.
 * Adds the time of each step to `times.imarraysc` and `times.toImageData`.
 */
export function picture(t, times = {}) {
  const [H, W, C] = t.shape;
  const gap = Math.max(1, Math.round(Math.min(H, W) / 60));
  const t0 = now();
  const img = C === 3 ? t : imarraysc(t, { spacing: C > 1 ? gap : 0, fillValue: 1 });
  const t1 = now();
  const rgba = toImageData(img);
  times.imarraysc = (times.imarraysc ?? 0) + t1 - t0;
  times.toImageData = (times.toImageData ?? 0) + now() - t1;
  return rgba;
}

/** "380×508×10" for a tensor's MATLAB size with at least three dimensions. */
export function sizeText(t) {
  const s = t.size();
  while (s.length < 3) s.push(1);
  return s.join('×');
}
