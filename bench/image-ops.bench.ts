// The image helpers on the practical's sizes (dots.jpg 480x480, peppers 384x512x3),
// beside the nearest tfjs-wasm operation (not the same algorithm where noted),
// then the whole preprocessing of exercise 3 and of exercise 5, timed alone.
import { bench, tf } from './harness.js';
import { conv2, imdilate, imresize, imsmooth, median, randn, rgb2gray, strel, Tensor } from '../src/index.js';
import { gaussianTaps } from '../src/image/filters.js';

const rgb = randn([480, 480, 3], { seed: 1 });
for (let i = 0; i < rgb.data.length; i++) rgb.data[i] = Math.min(1, Math.max(0, 0.5 + 0.2 * rgb.data[i]));
const gray = rgb2gray(rgb);
const peppers = randn([384, 512, 3], { seed: 2 });
for (let i = 0; i < peppers.data.length; i++) peppers.data[i] = 128 + 40 * peppers.data[i];
const disk = strel('disk', 5, 0);
const blobs = new Tensor(new Float32Array(480 * 480).map((_, i) => (i % 977 === 0 ? 1 : 0)), [480, 480]);

await bench('image helpers (480x480 gray, 384x512x3 peppers)', () => {
  const h = gaussianTaps(3);
  const tg = tf.tensor4d(gray.data, [1, 480, 480, 1]);
  const tcol = tf.tensor4d(Float32Array.from(h), [23, 1, 1, 1]);
  const trow = tf.tensor4d(Float32Array.from(h), [1, 23, 1, 1]);
  const trgb = tf.tensor4d(rgb.toHWC(), [1, 480, 480, 3]);
  const coef = tf.tensor1d([0.298936021293775, 0.587043074451121, 0.114020904255103]);
  const tpep = tf.tensor4d(peppers.toHWC(), [1, 384, 512, 3]);
  const tblobs = tf.tensor4d(blobs.data, [1, 480, 480, 1]);
  return [
    { name: 'rgb2gray 480x480x3 (tfjs: weighted channel sum)', ours: () => rgb2gray(rgb), peer: () => tf.sum(tf.mul(trgb, coef), 3).dataSync() },
    { name: 'imsmooth sigma 3, 480x480 (tfjs: two 1-D conv2d, same)', ours: () => imsmooth(gray, 3),
      peer: () => tf.conv2d(tf.conv2d(tg, tcol, 1, 'same'), trow, 1, 'same').dataSync() },
    { name: 'conv2 [1 -2 1] same, 480x480 (tfjs: conv2d 1x3)', ours: () => conv2([1], [1, -2, 1], gray, 'same'),
      peer: () => tf.conv2d(tg, tf.tensor4d([1, -2, 1], [1, 3, 1, 1]), 1, 'same').dataSync() },
    { name: 'imdilate disk 5, 480x480 (tfjs: maxPool 11x11 same, a square)', ours: () => imdilate(blobs, disk),
      peer: () => tf.maxPool(tblobs, 11, 1, 'same').dataSync() },
    { name: 'median 480x480 (tfjs: topk of half + 1)', ours: () => median(gray),
      peer: () => tf.topk(tf.reshape(tg, [-1]), 480 * 240 + 1).values.dataSync() },
    { name: 'imresize 384x512x3 -> 224x224 bicubic+aa (tfjs: resizeBilinear, no aa)', ours: () => imresize(peppers, [224, 224]),
      peer: () => tf.image.resizeBilinear(tpep as tf.Tensor4D, [224, 224]).dataSync() },
  ];
});

function timeMs(f: () => unknown, reps = 15): number {
  const t: number[] = [];
  for (let r = 0; r < reps; r++) { const t0 = performance.now(); f(); t.push(performance.now() - t0); }
  t.sort((a, b) => a - b);
  return t[reps >> 1];
}

// exercise3.m Part 3.1 labels: im = rgb2gray(im2single(...)); [pos, neg] = extractBlackBlobs(im)
// (hessiandet's smoothing and derivatives, then the dilation of the blob centres)
function exercise3Labels(): Tensor {
  const im = rgb2gray(rgb);
  const ims = imsmooth(im, 2.5);
  const im11 = conv2([1], [1, -2, 1], ims, 'same');
  const im22 = conv2([1, -2, 1], [1], ims, 'same');
  const im12 = conv2([-0.5, 0, 0.5], [-0.5, 0, 0.5], ims, 'same');
  const pos = new Float32Array(ims.numel);
  for (let i = 0; i < pos.length; i++) pos[i] = im11.data[i] * im22.data[i] - im12.data[i] * im12.data[i] > 0.0006 ? 1 : 0;
  return imdilate(new Tensor(pos, [480, 480]), disk);
}

// exercise3.m Part 3.2: im = imsmooth(im, 3); im = im - median(im(:))
function exercise3Preprocessing(): Tensor {
  const sm = imsmooth(gray, 3);
  const med = median(sm);
  const out = new Float32Array(sm.numel);
  for (let i = 0; i < out.length; i++) out[i] = sm.data[i] - med;
  return new Tensor(out, sm.shape);
}

console.log('\nmedian of 15 runs, loaded machine:');
console.log(`exercise 3 labels (rgb2gray, imsmooth 2.5, three conv2, imdilate disk 5), 480x480: ${timeMs(exercise3Labels).toFixed(1)} ms`);
console.log(`exercise 3 preprocessing (imsmooth 3, median, subtraction), 480x480: ${timeMs(exercise3Preprocessing).toFixed(1)} ms`);
console.log(`exercise 5 imresize 384x512x3 -> 224x224 bicubic with antialiasing: ${timeMs(() => imresize(peppers, [224, 224])).toFixed(1)} ms`);
