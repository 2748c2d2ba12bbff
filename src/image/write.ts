// Tensors out as PNG: toPNG (bytes, every runtime) and imwrite (a file, Node).

import { encode as fastPngEncode } from 'fast-png';
import { tensorArg, type Tensor } from '../tensor.js';
import { checkOptions, dims, show } from '../options.js';
import { nodeFs, type NodeFs } from '../node-fs.js';

/** Options of {@link toPNG} and {@link imwrite}. */
export interface PngOptions {
  /** 8 (default) or 16 bits per sample. */
  bitDepth?: 8 | 16;
}

/**
 * Encode an `[H, W, C]` tensor with values in [0, 1] as PNG bytes, as MATLAB's
 * `imwrite` of a single image: each value is clamped to [0, 1], scaled to
 * 0..255 (or 0..65535 with `{ bitDepth: 16 }`) and rounded; NaN becomes 0.
 * C = 1 gives a grey PNG, 2 grey + alpha, 3 RGB, 4 RGBA. For other channel
 * counts (a feature map), make a picture first with {@link imarraysc}.
 * `imread(toPNG(x))` gives back the samples exactly when `x` came from
 * `im2single` at the same bit depth.
 */
export function toPNG(x: Tensor, opts: PngOptions = {}): Uint8Array {
  const who = 'toPNG';
  x = tensorArg(who, 'x', x);
  checkOptions(who, opts, ['bitDepth']);
  const depth = opts.bitDepth ?? 8;
  if (depth !== 8 && depth !== 16) throw new Error(`${who}: bitDepth must be 8 or 16, got ${show(opts.bitDepth)}`);
  const [H, W, C, N] = x.shape;
  if (N !== 1 || C < 1 || C > 4) {
    throw new Error(`${who}: x is ${dims(x.shape)}, but a PNG holds one [H, W, C] image with C = 1 (grey), 2 ` +
      `(grey + alpha), 3 (RGB) or 4 (RGBA); tile the channels or images into one picture with imarraysc(x)`);
  }
  if (H === 0 || W === 0) throw new Error(`${who}: x is ${dims(x.shape)}; a PNG needs at least one pixel`);
  const max = depth === 16 ? 65535 : 255;
  const data = depth === 16 ? new Uint16Array(H * W * C) : new Uint8Array(H * W * C);
  // data[(i*W + j)*C + k] = round(clamp(x(i, j, k)) * max), written in file order
  let p = 0;
  for (let i = 0; i < H; i++) {
    for (let j = 0; j < W; j++) {
      for (let k = 0; k < C; k++) {
        const v = x.data[i + H * (j + W * k)];
        data[p++] = v > 0 ? (v < 1 ? Math.round(v * max) : max) : 0; // NaN fails v > 0
      }
    }
  }
  return fastPngEncode({ width: W, height: H, data, depth, channels: C });
}

/**
 * Write `x` to a PNG file (Node, Deno, Bun), as MATLAB's `imwrite`: the bytes of
 * {@link toPNG} (same options). `path` is a file path or a `file:` URL and must
 * end in `.png`. In a browser there is no file system: call `toPNG(x)` and
 * offer the bytes as a download (`new Blob([bytes], { type: 'image/png' })`).
 */
export async function imwrite(x: Tensor, path: string | URL, opts: PngOptions = {}): Promise<void> {
  const who = 'imwrite';
  const name = typeof path === 'string' ? path : path instanceof URL ? path.href : null;
  if (name === null || name === '') throw new Error(`${who}: path must be a file path or a file: URL, got ${show(path)}`);
  if (!/\.png$/i.test(typeof path === 'string' ? path : path.pathname)) {
    throw new Error(`${who}: '${name}' does not end in .png; imwrite writes PNG files only`);
  }
  const bytes = toPNG(x, opts);
  let fs: NodeFs;
  try {
    fs = await nodeFs(who);
  } catch {
    throw new Error(`${who}: this runtime has no file system (imwrite works in Node, Deno and Bun); use ` +
      `toPNG(x) for the bytes and save or display them yourself`);
  }
  try {
    await fs.writeFile(path, bytes);
  } catch (e) {
    throw new Error(`${who}: cannot write '${name}': ${(e as Error).message}`);
  }
}
