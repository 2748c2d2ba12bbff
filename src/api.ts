// Everything the entry points share: the names of API.md except init(),
// which each entry (index.ts, edge.ts) defines with its own default source.
export { type InitSource } from './init.js';
export { memoryBytes } from './wasm.js';
export { Tensor, randn, zeros, type RandnOptions, type Shape4 } from './tensor.js';
export { nnrelu, type ReluOptions } from './blocks/relu.js';
export { nnpool, type PoolOptions } from './blocks/pool.js';
export { nnconv, type ConvOptions, type ConvDerivatives } from './blocks/conv.js';
export { nnsigmoid } from './blocks/sigmoid.js';
export { nnsoftmax } from './blocks/softmax.js';
export { nnloss, type LossOptions, type LossType } from './blocks/loss.js';
export { nnsoftmaxloss } from './blocks/softmaxloss.js';
export {
  checkDerivative, checkDerivativeElementwise,
  type CheckOptions, type CheckResult, type ElementwiseOptions, type ElementwiseResult,
} from './derivative.js';
export {
  imread, im2single, toPNG, imwrite, imarraysc,
  type Image, type ImageSource, type ImarrayscOptions, type PngOptions, type CanvasImageData,
} from './image.js';
export { practical, derLine, PRACTICAL_THRESHOLD, type PracticalReport, type PracticalCheck } from './practical.js';
