// The forward/backward-by-arity convention shared by every block, and the
// bounds on size options (src/options.ts splitArity, intTuple, checkOutputSize).
import { beforeAll, describe, expect, it } from 'vitest';
import { init, nnconv, nnconvt, nnpool, nnrelu, nnloss, imresize, simplenn, cnnTrain, randn, checkDerivative, Tensor,
  runPart1, trainTinyCNN, runPart5, initializeCharacterCNN, trainCharacterCNN } from '../src/index.js';
import { reserve } from '../src/wasm.js';

beforeAll(() => init());

describe('an undefined dzdy slot means forward with the options after it', () => {
  const x = randn([3, 4, 4, 2], { seed: 1 });
  const w = randn([3, 3, 2, 4], { seed: 2 });
  it('nnconv, nnpool and nnrelu keep their options', () => {
    expect(nnconv(x, w, null, undefined, { pad: 1 }).size()).toEqual([3, 4, 4, 2]);
    expect(nnconv(x, w, null, undefined, { pad: 2 }).size()).toEqual(nnconv(x, w, null, { pad: 2 }).size());
    expect(nnpool(x, 2, undefined, { stride: 2 }).size()).toEqual([1, 2, 4, 2]);
    const neg = nnrelu(x, undefined, { leak: 0.5 });
    expect(Array.from(neg.data)).toEqual(Array.from(nnrelu(x, { leak: 0.5 }).data));
  });

  it('an argument after the options, or a non-Tensor dzdy, is an Error', () => {
    expect(() => nnconv(x, w, null, { pad: 1 }, { stride: 2 } as never)).toThrow('nnconv: unexpected argument after the options: Object');
    expect(() => nnconv(x, w, null, new Float32Array(4) as never)).toThrow('nnconv: dzdy must be a Tensor (or, for the forward pass, an options object), got Float32Array');
    expect(() => nnpool(x, 2, [1, 2] as never)).toThrow(/nnpool: dzdy must be a Tensor .* got Array/);
    expect(() => nnrelu(x, 3 as never)).toThrow(/nnrelu: dzdy must be a Tensor .* got number 3/);
    const f64 = { data: new Float64Array(x.numel), shape: x.shape };
    expect(() => nnrelu(x, f64 as never)).toThrow('nnrelu: dzdy must be a Tensor (data a Float32Array, shape 4 sizes), got an object with data Float64Array');
  });

  it('der without dzdy is an Error (it selects derivatives)', () => {
    expect(() => nnconv(x, w, null, { der: { x: false } })).toThrow(/nnconv: der selects derivatives, so it needs dzdy/);
  });
});

describe('an option set to null is an Error, not its default', () => {
  // Before, nnconv, nnconvt, nnpool, nnloss, imresize and simplenn read null through `??` as the
  // default while the other blocks refused it: a field read from an object that lacks it would pass.
  const x = randn([4, 4, 2, 1], { seed: 5 });
  const cases: [string, () => unknown][] = [
    ['nnconv: pad', () => nnconv(x, randn([3, 3, 2, 1], { seed: 6 }), null, { pad: null } as never)],
    ['nnconvt: upsample', () => nnconvt(x, randn([2, 2, 1, 2], { seed: 6 }), null, { upsample: null } as never)],
    ['nnpool: method', () => nnpool(x, 2, { method: null } as never)],
    ['nnrelu: leak', () => nnrelu(x, { leak: null } as never)],
    ['nnloss: topK', () => nnloss(randn([1, 1, 3, 2], { seed: 7 }), [1, 2], { loss: 'topkerror', topK: null } as never)],
    ['imresize: method', () => imresize(x, 2, { method: null } as never)],
    ['simplenn: mode', () => simplenn({ layers: [{ type: 'relu', leak: 0 }] }, x, undefined, undefined, { mode: null } as never)],
  ];
  it.each(cases)('%s', (what, call) => {
    expect(call).toThrow(`${what} is null; leave it out (or pass undefined) for its default`);
  });
  it('undefined still means the default, and cnnTrain takes null train and val (their type says so)', async () => {
    expect(nnpool(x, 2, { method: undefined }).size()).toEqual(nnpool(x, 2).size());
    const imdb = { images: { set: [1, 1, 2, 2] } };
    const data = randn([1, 1, 2, 4], { seed: 8 });
    const getBatch = (_: unknown, batch: number[]): [Tensor, number[]] =>
      [new Tensor(Float32Array.from(batch.flatMap((n) => [data.data[2 * n], data.data[2 * n + 1]])), [1, 1, 2, batch.length]), batch.map((n) => 1 + (n % 2))];
    const net = { layers: [{ type: 'conv', weights: [randn([1, 1, 2, 2], { seed: 9 }), randn([2], { seed: 10 })], pad: 0, stride: 1 }, { type: 'softmaxloss' }] };
    const quiet = { numEpochs: 1, batchSize: 2, log: (): void => {}, plotStatistics: false };
    const { stats } = await cnnTrain(net as never, imdb, getBatch, { ...quiet, train: null, val: null });
    expect(stats.train).toHaveLength(1);
    expect(stats.val).toHaveLength(1);
    await expect(cnnTrain(net as never, imdb, getBatch, { ...quiet, numEpochs: null } as never)).rejects.toThrow('cnnTrain: numEpochs is null');
  });
});

// The practical's entry points check their options as the blocks do: before, a misspelt key or a
// null was the default without a word (numEpochs: null trained 15 epochs).
describe('the practical\'s functions refuse unknown and null options', () => {
  const im = randn([8, 8, 1], { seed: 2 });
  const cases: [string, () => unknown][] = [
    ['runPart1', () => runPart1(im, { sed: 1 } as never)],
    ['trainTinyCNN', () => trainTinyCNN(im, { numIteration: 1 } as never)],
    ['runPart5', () => runPart5({ layers: [] } as never, im, { imagemean: 0 } as never)],
    ['initializeCharacterCNN', () => initializeCharacterCNN({ seeds: 1 } as never)],
  ];
  it.each(cases)('%s: a misspelt option', (who, call) => {
    expect(call).toThrow(new RegExp(`^${who}: unknown option '\\w+'; the options are '`));
  });
  it('null is refused by name, also where the function is async', async () => {
    expect(() => runPart1(im, { seed: null } as never)).toThrow('runPart1: seed is null; leave it out (or pass undefined) for its default');
    expect(() => initializeCharacterCNN({ seed: null } as never)).toThrow('initializeCharacterCNN: seed is null');
    await expect(trainCharacterCNN({} as never, { numEpochs: null } as never)).rejects.toThrow('trainCharacterCNN: numEpochs is null');
  });
});

describe('size options are bounded so no index can wrap in the 32-bit kernels', () => {
  const x = randn([5, 6, 4, 2], { seed: 3 });
  const w = randn([3, 3, 2, 4], { seed: 4 });
  it('values above 2^24 are rejected by name, never wrapped', () => {
    expect(() => nnconv(x, w, null, { pad: [2 ** 32, 0, 0, 0], stride: [2 ** 32, 1] })).toThrow(/nnconv: stride must hold integers >= 1, got .* \(at most 16777216 each\)/);
    expect(() => nnconv(x, w, null, { pad: [2 ** 31, 0, 0, 0] })).toThrow(/nnconv: pad must hold integers >= 0, got \[2147483648, 0, 0, 0\] \(at most 16777216 each\)/);
    expect(() => nnconv(x, null, null, { stride: 2 ** 31 })).toThrow(/stride must hold integers >= 1, got .* \(at most 16777216 each\)/);
    expect(() => nnpool(x, 2 ** 25)).toThrow(/nnpool: pool must hold integers >= 1, got .* \(at most 16777216 each\)/);
  });

  it('an output too large for WebAssembly memory is named with its size before anything is allocated', () => {
    expect(() => nnconv(x, w, null, { pad: 2 ** 24 })).toThrow(/nnconv: y would be 33554435x33554436x4x2 \(.* GiB\), more than WebAssembly memory can hold/);
  });

  it('a negative or fractional buffer size (an overflowed kernel size) is refused, not trapped on', () => {
    expect(() => reserve('nnconv', 10, -1590464888)).toThrow(/nnconv: a buffer size of -1590464888 floats is not a valid size/);
    expect(() => reserve('nnconv', 1.5)).toThrow(/not a valid size/);
  });
});

describe('checkDerivative options', () => {
  it('rejects a bad seed and a non-boolean central', () => {
    const x = randn([3, 3]);
    const f = (t: typeof x) => nnrelu(t);
    expect(() => checkDerivative(f, x, x, x, { seed: 1.5 })).toThrow('checkDerivative: seed must be an integer in 0..4294967295, got 1.5');
    expect(() => checkDerivative(f, x, x, x, { central: 1 as never })).toThrow('checkDerivative: central must be true or false, got 1');
  });
});
