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
export function makeCases(nn, { expected: E, fixtures: F }) {
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

  return cases;
}
