// The decoded image type shared by imread, im2single and the encoders.

/**
 * A decoded image as imread returns it: pixels row-major and interleaved, as
 * image files store them: sample k of the pixel in row i, column j is
 * `data[(i * width + j) * channels + k]`.
 *
 * `channels` is 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA). `bitDepth` is
 * 8 with a `Uint8Array` (0..255) or 16 with a `Uint16Array` (0..65535); 1-, 2-
 * and 4-bit PNGs arrive as 8-bit. im2single turns an Image into a Tensor.
 */
export interface Image {
  height: number;
  width: number;
  channels: number;
  bitDepth: 8 | 16;
  data: Uint8Array | Uint16Array;
}
