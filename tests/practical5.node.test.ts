// `nnblocks practical 5` as a user runs it (the built command, `npm run build` first): a small
// zoo-shaped model file and image written here; the default model practical4/charscnn.mat (shaped
// as part 4 saves it: layers without the loss, meta, a top-level imageMean) with the first 32x32
// crop of sentence-lato.png; and what it says when there is no model.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { init, imread, toPNG, writeMat, saveSimpleNN, zeros, Tensor, type SimpleNN } from '../src/index.js';
import { netToMat } from '../src/net/files.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = (cwd: string, ...args: string[]) => spawnSync(process.execPath, [join(root, 'dist/cli.js'), ...args], { cwd, encoding: 'utf8' });

let dir: string;
beforeAll(async () => {
  await init();
  dir = mkdtempSync(join(tmpdir(), 'nnblocks-part5-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 8x8x3 -> 3 classes: class k is the channel with the largest mean after averageImage. */
function colourNet(): SimpleNN {
  const w = new Float32Array(8 * 8 * 3 * 3);
  for (let k = 0; k < 3; k++) for (let p = 0; p < 64; p++) w[p + 64 * (k + 3 * k)] = 1 / 64;
  return {
    layers: [{ type: 'conv', name: 'fc8', weights: [new Tensor(w, [8, 8, 3, 3]), zeros([1, 3])] } as never, { type: 'softmax', name: 'prob' }],
    meta: {
      normalization: { imageSize: [8, 8, 3, 10], averageImage: [120, 120, 120] },
      classes: { name: ['n00000001', 'n00000002', 'n00000003'], description: ['tomato, love apple', 'cucumber, cuke', 'blueberry'] },
    },
  };
}

/** An RGB PNG of one colour. */
const flat = (H: number, W: number, rgb: [number, number, number]) => {
  const d = new Float32Array(H * W * 3);
  rgb.forEach((v, k) => d.fill(v, k * H * W, (k + 1) * H * W));
  return toPNG(new Tensor(d, [H, W, 3]));
};

describe('nnblocks practical 5', () => {
  it('loads a zoo-shaped model, prints its table and the best class as exercise5 titles it, writes the figure', async () => {
    const model = join(dir, 'zoo.mat');
    writeFileSync(model, saveSimpleNN(colourNet()));
    const png = join(dir, 'green.png');
    writeFileSync(png, flat(30, 50, [0.3, 0.8, 0.2]));
    const out = join(dir, 'figs');
    const r = cli(dir, 'practical', '5', model, png, '--out', out);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`Part 5 of the VGG CNN practical: ${model} on ${png}`);
    expect(lines.find((l) => /^ *name\|/.test(l))).toMatch(/fc8\| *prob\|/);
    expect(r.stdout).toMatch(/data memory\|.*\(for batch size 10\)/);
    expect(lines).toContain('im_ = imresize(single(im), [8 8])   size 8x8x3');
    expect(lines).toContain('best class: cucumber, cuke (2), score 1.000');
    const fig = await imread(readFileSync(join(out, 'classification.png')));
    expect(fig.channels).toBe(3);
    expect(fig.width).toBe(16 + 50 + 16);
  });

  it('runs the zoo model on the bundled sample without an image', () => {
    const model = join(dir, 'zoo.mat');
    writeFileSync(model, saveSimpleNN(colourNet()));
    const r = cli(dir, 'practical', '5', model, '--out', join(dir, 'f2'));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/on the bundled sample\.png \(peppers\.png is not shipped\)/);
    expect(r.stdout).toMatch(/^best class: .* \([123]\), score \d\.\d{3}$/m);
  });

  it('without a model uses practical4/charscnn.mat on the first 32x32 crop of sentence-lato.png, and prints the letter', () => {
    // A character net as exercise4 saves it: filter k is a vertical bar at column k + 3, so a bar
    // at column 3 + 19 in the crop is the letter 't'.
    const w = new Float32Array(32 * 32 * 26);
    for (let k = 0; k < 26; k++) for (let i = 0; i < 32; i++) w[i + 32 * (k + 3) + 1024 * k] = 1;
    const net: SimpleNN = {
      layers: [{ type: 'conv', name: 'layer7', weights: [new Tensor(w, [32, 32, 1, 26]), zeros([1, 26])], stride: 1, pad: 0 } as never],
      meta: {},
    };
    const cwd = join(dir, 'chars');
    mkdirSync(join(cwd, 'practical4'), { recursive: true });
    writeFileSync(join(cwd, 'practical4', 'charscnn.mat'), writeMat({ ...netToMat('test', net), imageMean: 0.9 }));
    // A 32x576 line, grey 0.5 with one white column at 22: inside the first 32x32 crop.
    const H = 32, W = 576;
    const e = new Float32Array(H * W).fill(0.5);
    for (let i = 0; i < H; i++) e[i + H * 22] = 1;
    writeFileSync(join(cwd, 'practical4', 'sentence-lato.png'), toPNG(new Tensor(e, [H, W])));
    const r = cli(cwd, 'practical', '5', '--out', 'out5');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('Part 5 of the VGG CNN practical: practical4/charscnn.mat on practical4/sentence-lato.png (its first 32x32 crop)');
    expect(r.stdout).toMatch(/im = 256 \* \(im - net\.imageMean\)   imageMean 0\.9000, size 32x32/);
    expect(r.stdout).toMatch(/^best class: t \(20\), score \d+\.\d{3}$/m);
    expect(readFileSync(join(cwd, 'out5', 'classification.png')).length).toBeGreaterThan(100);
  });

  it('without a model or part 4\'s output says how to get one, the ImageNet model included', () => {
    const r = cli(dir, 'practical', '5');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/no model given and practical4\/charscnn\.mat is not there/);
    expect(r.stderr).toMatch(/nnblocks practical 4 first/);
    expect(r.stderr).toMatch(/imagenet-vgg-verydeep-16\.mat \(500 MB, not shipped\)/);
    expect(r.stderr).toMatch(/http:\/\/www\.vlfeat\.org\/matconvnet\/models\//);
    const help = cli(dir, '--help').stdout;
    expect(help).toMatch(/nnblocks practical 5 \[model\.mat\] \[image\] \[--out DIR\]/);
    expect(help).toMatch(/Without a model it uses practical4\/charscnn\.mat/);
  });

  it('refuses a missing model file and a file that is not a net, with exit code 2', () => {
    const m = cli(dir, 'practical', '5', 'no/such.mat');
    expect(m.status).toBe(2);
    expect(m.stderr).toMatch(/^nnblocks practical 5: cannot read the model 'no\/such\.mat': no such file/);
    const notNet = join(dir, 'x.mat');
    writeFileSync(notNet, writeMat({ x: 1 }));
    const n = cli(dir, 'practical', '5', notNet);
    expect(n.status).toBe(2);
    expect(n.stderr).toMatch(/holds no simplenn net/);
  });
});
