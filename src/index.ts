// nnblocks: the names of API.md, and the types that go with them.
export { init, type InitSource } from './init.js';
export { Tensor, randn, zeros, type RandnOptions, type Shape4 } from './tensor.js';
export { nnrelu, type ReluOptions } from './blocks/relu.js';
export { nnpool, type PoolOptions } from './blocks/pool.js';
export { nnconv, type ConvOptions, type ConvDerivatives } from './blocks/conv.js';
export {
  checkDerivative, checkDerivativeElementwise,
  type CheckOptions, type CheckResult, type ElementwiseOptions, type ElementwiseResult,
} from './derivative.js';
export {
  imread, im2single, toPNG, imwrite, imarraysc,
  type Image, type ImageSource, type ImarrayscOptions, type PngOptions, type CanvasImageData,
} from './image.js';
