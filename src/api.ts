// Everything the entry points share: the names of API.md except init(),
// which each entry (index.ts, edge.ts) defines with its own default source.
export { type InitSource, type InitOptions, dispose } from './init.js';
export { threads as threadCount } from './threads.js';
export { memoryBytes } from './wasm.js';
export { kernelsInfo, type KernelsInfo, type KernelBuild } from './builds.js';
export { Tensor, randn, zeros, type RandnOptions, type Shape4 } from './tensor.js';
export { nnrelu, type ReluOptions } from './blocks/relu.js';
export { nnpool, type PoolOptions } from './blocks/pool.js';
export { nnconv, type ConvOptions, type ConvDerivatives } from './blocks/conv.js';
export { nnconvt, type ConvtOptions, type ConvtDerivatives } from './blocks/convt.js';
export { nnbnorm, type BnormOptions, type BnormDerivatives } from './blocks/bnorm.js';
export { nndropout, type DropoutOptions, type DropoutResult } from './blocks/dropout.js';
export { nnpdist, type PdistOptions, type PdistDerivatives } from './blocks/pdist.js';
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
export { extractBlackBlobs, hessianDet, preprocessDots, tinycnn, trainTinyCNN, formatMatrix, type Blobs, type TinyCNNResult, type Part3Options, type Part3State, type Part3Result } from './practical/part3.js';
export { syntheticDots, type SyntheticDotsOptions } from './practical/dots.js';
export { part3Figures, hist, blobsFigure, objectiveFigure, histogramFigure, filterFigure, mapFigure, errorMapFigure } from './practical/part3-figures.js';
export { runPart1, PART1_LRN, type Part1Options, type Part1Result } from './practical/part1.js';
export { part1Figures, grayColormap, GRAY_LEVELS, mosaic, imagescGray, truecolor, panels } from './practical/part1-figures.js';
export { runPart5, type Part5Options, type Part5Result, type Part5Kind } from './practical/part5.js';
export { rgb2gray, RGB2GRAY_WEIGHTS } from './image/colour.js';
export { conv2, imsmooth, type Conv2Shape, type Kernel } from './image/filters.js';
export { strel, imdilate, type StructuringElement } from './image/morph.js';
export { median, mean, type Elements } from './image/stats.js';
export { imresize, type ImresizeOptions, type ResizeMethod } from './image/resize.js';
export { simplennTidy } from './net/tidy.js';
export { simplennDisplay, type DisplayOptions } from './net/display.js';
export { type SimpleNN, type Layer, type CustomLayer, type Res, type LayerType } from './net/types.js';
export { simplenn, type SimpleNNOptions } from './net/simplenn.js';
export {
  cnnTrain, type TrainOptions, type Imdb, type GetBatch, type ErrorFunction, type TrainState, type EpochInfo,
} from './net/train.js';
export { type BatchInfo, type EpochStats } from './net/progress.js';
export { type TrainStats } from './net/curves.js';
export { loadSimpleNN, saveSimpleNN, type SaveOptions } from './net/files.js';
export { type Solver, type SolverState, type SolverName } from './net/solvers.js';
export { readMat, type MatSource } from './io/mat/reader.js';
export { writeMat, type WriteMatOptions } from './io/mat/writer.js';
export { MatReadError, MatWriteError } from './io/mat/errors.js';
export type {
  MatValue, MatWritable, MatNumeric, MatArray, MatSparse, MatCharArray, MatStruct, MatStructArray, MatObject, MatCell,
  MatOpaque, NumericClass,
} from './io/mat/types.js';
export { nnnormalize } from './blocks/normalize.js';
export { nnspnorm } from './blocks/spnorm.js';
export { nnnoffset } from './blocks/noffset.js';
// --- part 4 (charsdb, the character CNN) ---
export { initializeCharacterCNN, prepareCharsDb, getBatch, getBatchWithJitter, decodeCharacters, randpermK, trainCharacterCNN, runOnSentence, saveCharsCNN, type InitCharacterCNNOptions, type CharsImdb, type DecodedCharacters, type TrainCharacterCNNOptions, type EpochReport } from './practical/part4.js';
export { charsFigure, filtersFigure, decodeFigure } from './practical/part4-figures.js';
export { CHARSDB_CLASSES, GLYPH_SIZE, GLYPH_POINTSIZE, VAL_FONTS, SENTENCE, SENTENCE_WIDTH, SENTENCE_FONT, fontsOfPackage, woffMetrics, labelLayout, drawLabel, assembleCharsDb, charsDbToMat, type FontsourceMetadata, type FontFile, type LabelMetrics, type LabelLayout, type Label2D, type CharsDb } from './practical/part4-glyphs.js';
export { integerStream } from './random.js';
// --- end part 4 ---
export { toImageData, type ImageDataOptions, type Colormap } from './image.js';
export { trainingCurves } from './net/curves.js';
