import { beforeAll, describe, expect, it } from 'vitest';
import { init, simplennTidy, Tensor, zeros, type Layer, type SimpleNN } from '../src/index.js';
import { buildNet, characterCNN } from './nets.js';
import spec from './fixtures/display/nets.json';

// What MatConvNet's own vl_simplenn_tidy makes of nets of nets.json (Octave 7 running beta25's code:
// tools/tidy-fixtures.m): each layer's field names in order and its values, weights by size.
const tidied = import.meta.glob('./fixtures/tidy/*.json', { import: 'default', eager: true }) as
  Record<string, { meta: unknown; layers: { fields: string[]; values: Record<string, unknown> }[] }>;

/** A value as the fixture describes it: single arrays by size, cells as { cell: [...] }, [] for null. */
function described(v: unknown): unknown {
  if (v instanceof Tensor) return { single: v.size() };
  if (v === null) return [];
  if (Array.isArray(v) && v.length === 0) return { cell: [] };
  if (Array.isArray(v) && v.some((t) => t instanceof Tensor || t === null)) return { cell: v.map(described) };
  return v;
}

beforeAll(() => init());

function mat(cls: string, dims: number[], data: ArrayLike<number>): unknown {
  const Ctor = cls === 'single' ? Float32Array : cls === 'logical' || cls === 'uint8' ? Uint8Array : Float64Array;
  return { class: cls, dims, data: Ctor.from(data) };
}

describe('simplennTidy', () => {
  for (const name of ['charcnn', 'legacy', 'types']) {
    it(`makes what vl_simplenn_tidy makes: ${name}`, () => {
      const want = tidied[`./fixtures/tidy/${name}.json`];
      const src = buildNet((spec.nets as Record<string, Record<string, unknown>>)[name]);
      const t = simplennTidy(src);
      expect(t.meta).toEqual(want.meta);
      expect(t.layers.length).toBe(want.layers.length);
      t.layers.forEach((ly, l) => {
        // nnblocks: pool layers get method 'max' (MatConvNet's tidy never sets it).
        const added = ly.type === 'pool' && src.layers[l].method === undefined ? ['method'] : [];
        expect(Object.keys(ly).filter((k) => !added.includes(k)), `layer ${l} fields`).toEqual(want.layers[l].fields);
        for (const k of want.layers[l].fields) expect(described(ly[k]), `layer ${l} ${k}`).toEqual(want.layers[l].values[k]);
        if (added.length > 0) expect(ly.method).toBe('max');
      });
    });
  }

  it("fills every type's defaults after the existing fields, names layer1.., never touching the input", () => {
    const net = characterCNN();
    const before = JSON.stringify(net, (_, v) => (v instanceof Tensor ? v.shape : v));
    const t = simplennTidy(net);
    expect(JSON.stringify(net, (_, v) => (v instanceof Tensor ? v.shape : v))).toBe(before);
    expect(t).not.toBe(net);
    expect(Object.keys(t)).toEqual(['layers', 'meta']);
    expect(t.meta).toEqual({});
    expect(Object.keys(t.layers[0])).toEqual(['type', 'weights', 'stride', 'pad', 'name', 'precious', 'dilate', 'opts']);
    expect(t.layers[0]).toMatchObject({ name: 'layer1', precious: false, dilate: 1, opts: [], stride: 1, pad: 0 });
    expect(t.layers[0].weights![0]).toBe(net.layers[0].weights![0]); // shared, not copied
    expect(Object.keys(t.layers[1])).toEqual(['type', 'method', 'pool', 'stride', 'pad', 'weights', 'name', 'precious', 'opts']);
    expect(t.layers[5]).toEqual({ type: 'relu', weights: [], name: 'layer6', precious: false, leak: 0 });
    expect(t.layers[7]).toEqual({ type: 'softmaxloss', weights: [], name: 'layer8', precious: false });
  });

  it('gives pool layers method max (nnblocks: MatConvNet never reaches that arm) and keeps a given one', () => {
    const t = simplennTidy({ layers: [{ type: 'pool', pool: 2 }, { type: 'pool', pool: 3, method: 'avg' }] });
    expect(t.layers[0]).toEqual({ type: 'pool', pool: 2, weights: [], name: 'layer1', precious: false, method: 'max',
      pad: 0, stride: 1, opts: [] });
    expect(t.layers[1].method).toBe('avg');
  });

  it('has the defaults of every type', () => {
    const types = ['convt', 'relu', 'dropout', 'normalize', 'lrn', 'pdist', 'bnorm', 'softmax', 'loss', 'sigmoid',
      'noffset', 'spnorm'];
    const layers: Layer[] = types.map((type) => (type === 'convt' || type === 'bnorm' ? { type, weights: [zeros([1, 1, 2, 3]), zeros([1, 3])] } : { type }));
    const t = simplennTidy({ layers });
    const strip = (ly: Layer): Record<string, unknown> => {
      const { type, weights, name, precious, ...rest } = ly;
      void type; void weights; void name; void precious;
      return rest;
    };
    expect(t.layers.map(strip)).toEqual([
      { crop: 0, upsample: 1, numGroups: 1, opts: [] }, { leak: 0 }, { rate: 0.5 },
      { param: [5, 1, 0.0001 / 5, 0.75] }, { param: [5, 1, 0.0001 / 5, 0.75] },
      { noRoot: false, aggregate: false, p: 2, epsilon: 1e-3, instanceWeights: null }, { epsilon: 1e-5 },
      {}, {}, {}, {}, {}]);
    expect(t.layers[3].param).not.toBe(t.layers[4].param);
    expect(t.layers.map((l) => l.name)).toEqual(types.map((_, i) => `layer${i + 1}`));
  });

  it('moves legacy filters/biases into weights and legacy classes/normalization into meta', () => {
    const F = zeros([3, 3, 1, 4]);
    const B = zeros([1, 4]);
    const net = { layers: [{ type: 'conv', filters: F, biases: B, name: 'c' }], classes: { name: ['a'] },
      normalization: { imageSize: [32, 32, 1], border: [32, 32] }, imageMean: 3, meta: { classes: 'old', other: 1 } };
    const t = simplennTidy(net as unknown as SimpleNN);
    expect(Object.keys(t.layers[0])).toEqual(['type', 'name', 'weights', 'precious', 'pad', 'stride', 'dilate', 'opts']);
    expect(t.layers[0].weights![0]).toBe(F);
    expect(t.layers[0].weights![1]).toBe(B);
    expect(t.meta).toEqual({ classes: { name: ['a'] }, other: 1,
      normalization: { imageSize: [32, 32, 1], border: [32, 32], cropSize: [0.5, 0.5] } });
    expect((t as unknown as Record<string, unknown>).imageMean).toBeUndefined();
    expect(net.normalization).toEqual({ imageSize: [32, 32, 1], border: [32, 32] });
    expect(net.meta).toEqual({ classes: 'old', other: 1 });
  });

  it('keeps a cropSize that is there, and applies the rule only with border and imageSize', () => {
    expect(simplennTidy({ layers: [], meta: { normalization: { imageSize: [224, 224, 3], border: [32, 32], cropSize: 0.9 } } })
      .meta).toEqual({ normalization: { imageSize: [224, 224, 3], border: [32, 32], cropSize: 0.9 } });
    expect(simplennTidy({ layers: [], meta: { normalization: { imageSize: [224, 224, 3] } } }).meta)
      .toEqual({ normalization: { imageSize: [224, 224, 3] } });
    expect((simplennTidy({ layers: [], meta: { normalization: { imageSize: [224, 200, 3, 10], border: [32, 56] } } })
      .meta!.normalization as Record<string, unknown>).cropSize).toEqual([224 / 256, 200 / 256]);
  });

  it('gives bnorm zero moments [C, 2] when missing, and keeps given ones', () => {
    const g = zeros([6, 1]);
    const t = simplennTidy({ layers: [{ type: 'bnorm', weights: [g, zeros([6, 1])] }, { type: 'bnorm', weights: [g] }] });
    expect(t.layers[0].weights!.length).toBe(3);
    expect(t.layers[0].weights![2]!.shape).toEqual([6, 2, 1, 1]);
    expect(Array.from(t.layers[0].weights![2]!.data)).toEqual(new Array(12).fill(0));
    expect(t.layers[1].weights!.map((w) => w!.shape)).toEqual([[6, 1, 1, 1], [0, 0, 1, 1], [6, 2, 1, 1]]);
    const m = zeros([6, 2]);
    expect(simplennTidy({ layers: [{ type: 'bnorm', weights: [g, g, m] }] }).layers[0].weights![2]).toBe(m);
  });

  it('copies custom layers verbatim (the same object, nothing added)', () => {
    class Scale { type = 'custom'; forward() { return null; } backward() { return null; } }
    const c = new Scale();
    const t = simplennTidy({ layers: [c as unknown as Layer] });
    expect(t.layers[0]).toBe(c);
    expect(Object.keys(c)).toEqual(['type']);
  });

  it('converts values as readMat gives them', () => {
    const F = mat('single', [3, 3, 2, 4], new Array(72).fill(1));
    const net = { layers: { class: 'cell', dims: [1, 2], data: [
      { type: 'conv', weights: { class: 'cell', dims: [1, 2], data: [F, mat('double', [4, 1], [1, 2, 3, 4])] },
        pad: mat('double', [1, 4], [1, 1, 0, 0]), stride: mat('double', [1, 1], [2]), precious: mat('logical', [1, 1], [1]),
        learningRate: mat('double', [1, 1], [1]), opts: { class: 'cell', dims: [1, 2], data: ['CudnnWorkspaceLimit', mat('double', [1, 1], [5])] } },
      { type: 'softmaxloss', class: mat('double', [1, 3], [1, 2, 3]) },
    ] } };
    const t = simplennTidy(net as unknown as SimpleNN);
    const w = t.layers[0].weights!;
    expect(w[0]).toBeInstanceOf(Tensor);
    expect(w[0]!.data).toBe((F as { data: Float32Array }).data);
    expect(w[0]!.shape).toEqual([3, 3, 2, 4]);
    expect(Array.from(w[1]!.data)).toEqual([1, 2, 3, 4]);
    expect(w[1]!.data).toBeInstanceOf(Float32Array);
    expect(t.layers[0]).toMatchObject({ pad: [1, 1, 0, 0], stride: 2, precious: true, learningRate: [1] });
    expect((t.layers[0].opts as unknown[])[0]).toBe('CudnnWorkspaceLimit');
    expect((t.layers[1].class as Tensor).shape).toEqual([1, 3, 1, 1]);
  });

  it('names the layer in its errors', () => {
    expect(() => simplennTidy({ layers: [{ type: 'relu' }, { name: 'x' } as unknown as Layer] }))
      .toThrow("simplennTidy: layer 1 ('x') has no type (a string such as 'conv'), got undefined");
    expect(() => simplennTidy({ layers: [{ type: 'conv', name: 'c1' }] }))
      .toThrow("simplennTidy: layer 0 ('c1'): a conv layer needs weights (or the legacy filters and biases)");
    expect(() => simplennTidy({ layers: [{ type: 'conv', weights: [[1, 2]] as unknown as Tensor[] }] }))
      .toThrow('simplennTidy: layer 0: weights[0] must be a Tensor (or a numeric array as readMat gives it), got Array');
    expect(() => simplennTidy({ layers: 3 } as unknown as SimpleNN)).toThrow('simplennTidy: net.layers must be an array');
  });
});
