// Image input and output: imread (PNG and JPEG, from paths, URLs, Blobs or
// bytes), im2single, toPNG, imwrite and imarraysc. The pieces are in src/image/.
export { imread } from './image/read.js';
export type { Image } from './image/types.js';
export type { ImageSource } from './image/source.js';
export { im2single, imarraysc, type ImarrayscOptions, type CanvasImageData } from './image/convert.js';
export { toPNG, imwrite, type PngOptions } from './image/write.js';
export { toImageData, type ImageDataOptions, type Colormap } from './image/imagedata.js';
