// Pictures straight to canvases: RGBA bytes (toImageData's { width, height,
// data }) go in with putImageData, and the page's bundled PNGs come out of the
// browser's own decoder (createImageBitmap) instead of imread's JavaScript one.

/** Size `canvas` to the picture and draw it. */
export function drawRGBA(canvas, { width, height, data }) {
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
  canvas.getContext('2d').putImageData(new ImageData(data, width, height), 0, 0);
}

/**
 * A bundled PNG (8-bit, no alpha, no colour profile) decoded by the browser:
 * an Image as imread gives it ({ height, width, channels, bitDepth, data }),
 * with `channels` 1 or 3 as the file has them. No colour-space conversion, so
 * the samples are the file's own.
 */
export async function decodeBundled(url, channels) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`fetching ${url} gave HTTP ${res.status}`);
  const bitmap = await createImageBitmap(await res.blob(), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const { width, height } = bitmap;
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  const rgba = ctx.getImageData(0, 0, width, height).data;
  const data = new Uint8Array(width * height * channels);
  // data[p*channels + k] = rgba[4p + k]: drop alpha (and G, B for grey)
  for (let p = 0; p < width * height; p++) for (let k = 0; k < channels; k++) data[p * channels + k] = rgba[4 * p + k];
  return { height, width, channels, bitDepth: 8, data };
}
