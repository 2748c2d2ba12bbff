// Runtime-neutral conformance cases: only the package's public API, the
// tiny assert kit and two JSON files, so the same cases run in Node, Deno,
// Bun, headless Chromium and workerd. Expected values come from the naive
// reference loops (tools/make-conformance.ts), not from the kernels.
import { ok, equal, close, sameShape, throws } from './assert.mjs';
import { specs } from './specs.mjs';

const TOL = 2e-5; // float32 sums in another order than the reference's

function bytesOf(base64) {
  const s = atob(base64);
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}

/** [name, async fn] pairs; `nn` is the package namespace, already initialised. */
export function makeCases(nn, { expected: E, fixtures: F, build = null, threads = 'one', init = (o) => nn.init(o) }) {
  const { randn, nnconv, nnpool, nnrelu, Tensor } = nn;
  const r = (shape, seed) => randn(shape, { seed });
  const cases = [];
  const add = (name, fn) => cases.push([name, fn]);

  add('randn gives the same numbers as in Node (seed 1)', () => {
    const a = r([6], 1);
    for (let i = 0; i < 6; i++) equal(a.data[i], E.randnSeed1[i], `randn[${i}]`);
  });

  add('nnrelu forward and backward equal the reference bit for bit', () => {
    const s = specs.relu;
    const x = r(s.shape, s.seeds[0]);
    const p = r(s.shape, s.seeds[1]);
    const y = nnrelu(x, { leak: s.leak });
    const d = nnrelu(x, p, { leak: s.leak });
    for (let i = 0; i < y.data.length; i++) equal(y.data[i], E.relu.y[i], `y[${i}]`);
    for (let i = 0; i < d.data.length; i++) equal(d.data[i], E.relu.dzdx[i], `dzdx[${i}]`);
  });

  for (const key of ['conv', 'convPlain']) {
    add(`nnconv ${key === 'conv' ? 'grouped, strided, dilated, padded, N = 2' : 'the practical\'s 5x5x3x10'}: forward and backward`, () => {
      const s = specs[key];
      const e = E[key];
      const x = r(s.x, s.seeds[0]);
      const w = r(s.w, s.seeds[1]);
      const b = s.b ? r(s.b, s.seeds[2]) : null;
      const y = nnconv(x, w, b, s.opts);
      sameShape(y, e.size, 'y');
      close(y.data, e.y, TOL, 'y');
      const p = r(e.size, s.seeds[b ? 3 : 2]);
      const g = nnconv(x, w, b, p, s.opts);
      close(g.dzdx.data, e.dzdx, TOL, 'dzdx');
      close(g.dzdw.data, e.dzdw, TOL, 'dzdw');
      if (b) close(g.dzdb.data, e.dzdb, TOL, 'dzdb');
      else equal(g.dzdb, null, 'dzdb without a bias');
    });
  }

  add('nnconv with the empty filter bank: pad, subsample, bias', () => {
    const s = specs.convIdentity;
    const e = E.convIdentity;
    const x = r(s.x, s.seeds[0]);
    const b = r(s.b, s.seeds[1]);
    const y = nnconv(x, null, b, s.opts);
    sameShape(y, e.size, 'y');
    close(y.data, e.y, TOL, 'y');
    const g = nnconv(x, null, b, r(e.size, s.seeds[2]), s.opts);
    close(g.dzdx.data, e.dzdx, TOL, 'dzdx');
    close(g.dzdb.data, e.dzdb, TOL, 'dzdb');
    equal(g.dzdw, null, 'dzdw of the empty bank');
  });

  for (const key of ['poolMax', 'poolAvg', 'poolWide']) {
    add(`nnpool ${key}: forward and backward`, () => {
      const s = specs[key];
      const e = E[key];
      const x = r(s.x, s.seeds[0]);
      const y = nnpool(x, s.pool, s.opts);
      sameShape(y, e.size, 'y');
      close(y.data, e.y, TOL, 'y');
      close(nnpool(x, s.pool, r(e.size, s.seeds[1]), s.opts).data, e.dzdx, TOL, 'dzdx');
    });
  }

  add('nnconvt upsampled, cropped, grouped, N = 2: forward and backward', () => {
    const s = specs.convt;
    const e = E.convt;
    const x = r(s.x, s.seeds[0]);
    const w = r(s.w, s.seeds[1]);
    const b = r(s.b, s.seeds[2]);
    const y = nn.nnconvt(x, w, b, s.opts);
    sameShape(y, e.size, 'y');
    close(y.data, e.y, TOL, 'y');
    const g = nn.nnconvt(x, w, b, r(e.size, s.seeds[3]), s.opts);
    close(g.dzdx.data, e.dzdx, TOL, 'dzdx');
    close(g.dzdw.data, e.dzdw, TOL, 'dzdw');
    close(g.dzdb.data, e.dzdb, TOL, 'dzdb');
    throws(() => nn.nnconvt(x, r([3, 4, 2, 9], 1), b, s.opts), /nnconvt: w is 3x4x2x9, so its 4th dimension D=9 must equal the depth of x/, 'convt depth');
  });

  add('nnbnorm batch statistics: forward, backward and moments', () => {
    const s = specs.bnorm;
    const e = E.bnorm;
    const x = r(s.x, s.seeds[0]);
    const g = r(s.g, s.seeds[1]);
    const b = r(s.b, s.seeds[2]);
    const y = nn.nnbnorm(x, g, b, { epsilon: s.epsilon });
    sameShape(y, s.x, 'y');
    close(y.data, e.y, TOL, 'y');
    const d = nn.nnbnorm(x, g, b, r(s.x, s.seeds[3]), { epsilon: s.epsilon });
    close(d.dzdx.data, e.dzdx, TOL, 'dzdx');
    close(d.dzdg.data, e.dzdg, TOL, 'dzdg');
    close(d.dzdb.data, e.dzdb, TOL, 'dzdb');
    sameShape(d.dzdg, s.g, 'dzdg');
    close(d.moments.data, e.moments, TOL, 'moments');
    close(nn.nnbnorm(x, g, b, { moments: d.moments }).data, Array.from(y.data), 0, 'y with the moments');
  });

  add('nndropout: the seeded mask is the same numbers as in Node', () => {
    const s = specs.dropout;
    const e = E.dropout;
    const x = r(s.x, s.seeds[0]);
    const { y, mask } = nn.nndropout(x, { rate: s.rate, seed: s.seed });
    for (let i = 0; i < e.mask.length; i++) equal(mask.data[i], e.mask[i], `mask[${i}]`);
    // exact products (tolerance 0; JSON keeps no sign of zero, so not Object.is)
    close(y.data, e.y, 0, 'y');
    close(nn.nndropout(x, r(s.x, s.seeds[1]), { mask }).data, e.dzdx, 0, 'dzdx');
    throws(() => nn.nndropout(x, { rate: 1 }), /nndropout: rate must be in \[0, 1\), got 1/, 'dropout rate');
  });

  add('nnpdist p = 3, x0 one vector per image, weights: forward and backward', () => {
    const s = specs.pdist;
    const e = E.pdist;
    const x = r(s.x, s.seeds[0]);
    const x0 = r(s.x0, s.seeds[1]);
    const w = r(s.w, s.seeds[2]);
    const y = nn.nnpdist(x, x0, s.p, { instanceWeights: w });
    sameShape(y, [s.x[0], s.x[1], 1, s.x[3]], 'y');
    close(y.data, e.y, TOL, 'y');
    const d = nn.nnpdist(x, x0, s.p, r([s.x[0], s.x[1], 1, s.x[3]], s.seeds[3]), { instanceWeights: w });
    close(d.dzdx.data, e.dzdx, TOL, 'dzdx');
    close(d.dzdx0.data, e.dzdx.map((v) => -v), TOL, 'dzdx0');
    throws(() => nn.nnpdist(x, x0, 0), /nnpdist: p must be a finite number > 0, got 0/, 'pdist p');
  });
  for (const key of ['normalize', 'spnorm', 'noffset']) {
    add(`nn${key} forward and backward equal the float64 reference`, () => {
      const s = specs[key];
      const e = E[key];
      const block = nn[`nn${key}`];
      const x = r(s.x, s.seeds[0]);
      const y = block(x, s.param);
      sameShape(y, s.x, 'y');
      close(y.data, e.y, 1e-6, 'y');
      close(block(x, s.param, r(s.x, s.seeds[1])).data, e.dzdx, 1e-6, 'dzdx');
    });
  }

  add('nnpool: the worked example of SEMANTICS 2.6', () => {
    const x = new Tensor(new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), [3, 3]);
    const ones = new Tensor(new Float32Array(9).fill(1), [3, 3]);
    close(nnpool(x, 3, { pad: 1, method: 'avg' }).data, [3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7], 1e-6, 'avg y');
    close(nnpool(x, 3, { pad: 1 }).data, [5, 6, 6, 8, 9, 9, 8, 9, 9], 0, 'max y');
    close(nnpool(x, 3, ones, { pad: 1 }).data, [0, 0, 0, 0, 1, 2, 0, 2, 4], 0, 'max dzdx');
    const avg = nnpool(x, 3, ones, { pad: 1, method: 'avg' }).data;
    close([avg[0], avg[4]], [0.69444444, 1.77777778], 1e-6, 'avg dzdx corner and centre');
    const tie = nnpool(new Tensor(new Float32Array(4).fill(2), [2, 2]), 2, new Tensor(new Float32Array([1]), [1, 1]));
    close(tie.data, [1, 0, 0, 0], 0, 'ties go to (0, 0)');
  });

  // Issue 10: sigmoid, softmax, loss, softmaxloss (expected values: float64 references).
  add('nnsigmoid forward and backward (saturated tails included)', () => {
    const s = specs.sigmoid;
    const x0 = r(s.shape, s.seeds[0]);
    const x = new Tensor(x0.data.map((v) => v * s.scale), x0.shape);
    const p = r(s.shape, s.seeds[1]);
    close(nn.nnsigmoid(x).data, E.sigmoid.y, 1e-6, 'y');
    close(nn.nnsigmoid(x, p).data, E.sigmoid.dzdx, 1e-5, 'dzdx');
  });

  add('nnsoftmax forward and backward, pixel lanes (5x3x7x2) and 1x1 channels (1x1x26x3)', () => {
    const s = specs.softmax;
    s.shapes.forEach((shape, i) => {
      const x = r(shape, s.seeds[0]);
      const p = r(shape, s.seeds[1]);
      close(nn.nnsoftmax(x).data, E.softmax[i].y, 1e-6, `y ${shape.join('x')}`);
      close(nn.nnsoftmax(x, p).data, E.softmax[i].dzdx, 1e-5, `dzdx ${shape.join('x')}`);
    });
  });

  add('nnloss softmaxlog (instance weights, ignored labels), mshinge (class weights), logistic (attributes)', () => {
    const s = specs.loss;
    const x = r(s.x, s.seeds[0]);
    const p = new Tensor(new Float32Array([r([1], s.seeds[1]).data[0]]), [1, 1]);
    const attr = new Tensor(r(s.x, s.seeds[2]).data.map(Math.sign), s.x);
    s.cases.forEach((o, i) => {
      const c = o.attribute ? attr : new Tensor(new Float32Array(s.classes), [s.x[0], s.x[1], 1, s.x[3]]);
      const opts = { loss: o.loss };
      if (o.instanceWeights) opts.instanceWeights = o.instanceWeights;
      if (o.classWeights) opts.classWeights = o.classWeights;
      const y = nn.nnloss(x, c, opts);
      sameShape(y, [1, 1], `${o.loss} y`);
      close(y.data, [E.loss[i].y], 1e-6, `${o.loss} y`);
      close(nn.nnloss(x, c, p, opts).data, E.loss[i].dzdx, 1e-6, `${o.loss} dzdx`);
    });
    throws(() => nn.nnloss(x, [1, 5]), /nnloss: c\[1\] \(image 1\) is 5; labels must be integers 0\.\.4/, 'label outside 0..C');
  });

  add('nnsoftmaxloss with a weight channel ([H, W, 2, N]): forward and backward', () => {
    const s = specs.softmaxloss;
    const x = r(s.x, s.seeds[0]);
    const p = new Tensor(new Float32Array([r([1], s.seeds[1]).data[0]]), [1, 1]);
    const c = new Tensor(new Float32Array(s.c), [s.x[0], s.x[1], 2, s.x[3]]);
    close(nn.nnsoftmaxloss(x, c).data, [E.softmaxloss.y], 1e-6, 'y');
    close(nn.nnsoftmaxloss(x, c, p).data, E.softmaxloss.dzdx, 1e-6, 'dzdx');
  });

  add('checkDerivative: conv w.r.t. w, and conv then max-pool w.r.t. w', () => {
    const x = r([14, 13, 3], 61);
    const w = r([3, 3, 3, 4], 62);
    const p = r([12, 11, 4], 63);
    const g = nnconv(x, w, null, p);
    const lin = nn.checkDerivative((t) => nnconv(x, t, null), w, p, g.dzdw, { eta: 1e-2, central: true });
    ok(lin.error < 1e-3, `conv error ${lin.error}`);
    const q = r([10, 9, 4], 64);
    const chain = (t) => nnpool(nnconv(x, t, null), 3);
    const dw = nnconv(x, w, null, nnpool(nnconv(x, w, null), 3, q)).dzdw;
    const c = nn.checkDerivative(chain, w, q, dw, { eta: 1e-4, central: true });
    ok(c.error < 0.05, `conv + pool error ${c.error}`);
  });

  add('imread decodes a 16-bit RGB PNG made by another encoder; im2single scales by 65535', async () => {
    const f = F.rgb16;
    const im = await nn.imread(bytesOf(f.base64));
    equal(im.width, f.width, 'width');
    equal(im.height, f.height, 'height');
    equal(im.channels, 3, 'channels');
    equal(im.bitDepth, 16, 'bitDepth');
    for (let i = 0; i < f.pixels.length; i++) equal(im.data[i], f.pixels[i], `pixel value ${i}`);
    const t = nn.im2single(im);
    sameShape(t, [2, 3, 3], 'im2single');
    // (i, j, k) of the tensor is pixel (i*W + j)*C + k of the image
    equal(t.data[1 + 2 * (2 + 3 * 1)], Math.fround(f.pixels[(1 * 3 + 2) * 3 + 1] / 65535), 'x(1, 2, 1)');
  });

  add('toPNG and imread round-trip an 8-bit RGB image exactly', async () => {
    const x = new Tensor(new Float32Array(4 * 5 * 3).map((_, i) => ((i * 37) % 256) / 255), [4, 5, 3]);
    const back = nn.im2single(await nn.imread(nn.toPNG(x)));
    close(back.data, Array.from(x.data), 1e-7, 'round trip');
  });

  add('bad input gives Errors that name the argument and sizes', async () => {
    const x = r([5, 6, 3], 1);
    throws(() => nnconv(x, r([3, 3, 3, 2], 2), null, r([2, 2, 2], 3)), /nnconv: dzdy is 2x2x2 .*3x4x2/, 'conv dzdy');
    throws(() => nnconv(x, r([3, 3, 4, 2], 2), null), /nnconv: w has FC=4 but x has C=3/, 'conv depth');
    throws(() => nnconv(x, r([3, 3, 3, 2], 2), null, { stride: 0 }), /nnconv: stride/, 'conv stride');
    throws(() => nnpool(x, 2, { pad: 2 }), /nnpool: .*pad/, 'pool pad');
    throws(() => nnrelu(x, { leek: 1 }), /nnrelu: unknown option 'leek'/, 'relu option');
    let msg = '';
    await nn.imread(new TextEncoder().encode('<!DOCTYPE html><p>404</p>')).catch((e) => { msg = e.message; });
    ok(/imread: .* not a PNG or JPEG/.test(msg), `imread of HTML: "${msg}"`);
  });

  add('writeMat and readMat round-trip a small net, v6 and v7 (fflate inflate and deflate), from bytes, a Blob and a Response', async () => {
    const w = new Float32Array(5 * 5 * 1 * 2).map((_, i) => i / 7 - 3);
    const vars = {
      layers: [{ type: 'conv', name: 'conv1', weights: [{ class: 'single', dims: [5, 5, 1, 2], data: w }, new Float32Array(2)] },
        { type: 'relu', name: 'relu1' }],
      meta: { classes: ['cat', 'dog'], text: 'Größe αβγ' },
    };
    for (const compress of [false, true]) {
      const bytes = nn.writeMat(vars, { compress });
      for (const source of [bytes, new Blob([bytes]), new Response(bytes)]) {
        const m = await nn.readMat(source);
        const l = m.layers;
        equal(l.class, 'cell', 'layers class');
        equal(l.data[0].type, 'conv', 'layer 1 type');
        const W = l.data[0].weights.data[0];
        equal(W.class, 'single', 'weights class');
        equal(W.dims.join('x'), '5x5x1x2', 'weights dims');
        ok(W.data instanceof Float32Array, 'weights are a Float32Array');
        for (let i = 0; i < w.length; i++) equal(W.data[i], w[i], `weights[${i}]`);
        equal(l.data[1].name, 'relu1', 'layer 2 name');
        equal(m.meta.classes.join(','), 'cat,dog', 'classes (a char matrix)');
        equal(m.meta.text, 'Größe αβγ', 'UTF-16 text');
      }
    }
    let msg = '';
    await nn.readMat(nn.writeMat(vars, { compress: true }).subarray(0, 300)).catch((e) => { msg = e.message; });
    ok(/^readMat: the given buffer: layers.*\(truncated file\?\)$/.test(msg), `truncated file: "${msg}"`);
  });

  // The kernel build (issue 13): init() without a source runs the relaxed-SIMD build exactly
  // where the engine validates relaxed SIMD (this probe is the test's own: a function whose body
  // is f32x4.relaxed_madd), unless the runner gave a build to init() (`build`).
  add('init() runs the relaxed-SIMD kernels exactly where the engine has relaxed SIMD', () => {
    const probe = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0,
      10, 13, 1, 11, 0, 32, 0, 32, 1, 32, 2, 253, 133, 2, 11]);
    let has = false;
    try { has = WebAssembly.validate(probe); } catch { has = false; }
    const info = nn.kernelsInfo();
    equal(info.relaxedSimd, has, 'kernelsInfo().relaxedSimd');
    equal(info.build, build ?? (has ? 'relaxed-simd' : 'simd'), 'kernelsInfo().build');
  });

  // The worker pool (issue 13): `threads` is what the runner expects of this runtime ('many' in
  // Node, Deno and Bun: every core; 'one' in workerd, edge-runtime and a page that is not
  // cross-origin isolated). A conv big enough to be split gives the bits it gives on one
  // thread (split by images, each image's sums in the same order) of the same build (`init` is
  // the runner's, with options); dispose() and init() again.
  add('threads: the pool where the runtime allows it; a split conv equals one thread bit for bit', async () => {
    const g = globalThis;
    const cores = g.navigator?.hardwareConcurrency ??
      g.process?.getBuiltinModule?.('node:os')?.availableParallelism?.() ?? 1;
    equal(nn.threadCount(), threads === 'many' ? Math.min(cores, 64) : 1, 'threadCount()');
    const x = r([40, 40, 16, 4], 31), w = r([3, 3, 16, 32], 32), b = r([32], 33);
    const y = nnconv(x, w, b);
    nn.dispose();
    throws(() => nnrelu(x), /await init\(\)/, 'a block after dispose()');
    await init({ threads: 1 });
    equal(nn.threadCount(), 1, 'threadCount() after init({ threads: 1 })');
    const y1 = nnconv(x, w, b);
    for (let i = 0; i < y.data.length; i++) equal(y.data[i], y1.data[i], `y[${i}]`);
    nn.dispose();
    await init();
    equal(nn.threadCount(), threads === 'many' ? Math.min(cores, 64) : 1, 'threadCount() after init() again');
  });

  return cases;
}
