import { beforeAll, describe, expect, it } from 'vitest';
import { init, simplennDisplay, simplennTidy, type DisplayOptions, type SimpleNN } from '../src/index.js';
import { describe as describeNet } from '../src/net/display.js';
import { fmtD, fmtF0, fmtG } from '../src/net/format.js';
import spec from './fixtures/display/nets.json';
import { buildNet, characterCNN } from './nets.js';

beforeAll(() => init());

// What MatConvNet's own vl_simplenn_display prints for each case of nets.json (Octave 7 running
// beta25's code: tools/display-fixtures.m).
const fixtures = import.meta.glob('./fixtures/display/*.txt', { query: '?raw', import: 'default', eager: true }) as
  Record<string, string>;

type Case = { name: string; net: string; tidy: boolean; opts: DisplayOptions };
const nets = spec.nets as unknown as Record<string, Record<string, unknown>>;

function netOf(c: Case): SimpleNN {
  const net = buildNet(nets[c.net]);
  return c.tidy ? simplennTidy(net) : net;
}

// NETWORKS.md §2.2's worked example, as derived there by reading the code: the character CNN inside
// cnn_train (batch size 100, no meta.inputSize).
const WORKED_EXAMPLE = `     layer|      0|      1|      2|      3|      4|      5|      6|      7|      8|
      type|  input|   conv|  mpool|   conv|  mpool|   conv|   relu|   conv|softmxl|
      name|    n/a| layer1| layer2| layer3| layer4| layer5| layer6| layer7| layer8|
----------|-------|-------|-------|-------|-------|-------|-------|-------|-------|
   support|    n/a|      5|      2|      5|      2|      4|      1|      2|      1|
  filt dim|    n/a|      1|    n/a|     20|    n/a|     50|    n/a|    500|    n/a|
filt dilat|    n/a|      1|    n/a|      1|    n/a|      1|    n/a|      1|    n/a|
 num filts|    n/a|     20|    n/a|     50|    n/a|    500|    n/a|     26|    n/a|
    stride|    n/a|      1|      2|      1|      2|      1|      1|      1|      1|
       pad|    n/a|      0|      0|      0|      0|      0|      0|      0|      0|
----------|-------|-------|-------|-------|-------|-------|-------|-------|-------|
   rf size|    n/a|      5|      6|     14|     16|     28|     28|     32|     32|
 rf offset|    n/a|      3|    3.5|    7.5|    8.5|   14.5|   14.5|   16.5|   16.5|
 rf stride|    n/a|      1|      2|      2|      4|      4|      4|      4|      4|
----------|-------|-------|-------|-------|-------|-------|-------|-------|-------|
 data size|NaNxNaN|NaNxNaN|NaNxNaN|NaNxNaN|NaNxNaN|NaNxNaN|NaNxNaN|NaNxNaN|NaNxNaN|
data depth|    NaN|     20|     20|     50|     50|    500|    500|     26|      1|
  data num|    100|    100|    100|    100|    100|    100|    100|    100|      1|
----------|-------|-------|-------|-------|-------|-------|-------|-------|-------|
  data mem|    NaN|    NaN|    NaN|    NaN|    NaN|    NaN|    NaN|    NaN|    NaN|
 param mem|    n/a|    2KB|     0B|   98KB|     0B|    2MB|     0B|  203KB|     0B|

parameter memory|2MB (4.8e+05 parameters)|
     data memory|NaN (for batch size 100)|

`;

describe('simplennDisplay', () => {
  it("prints the character CNN's table of NETWORKS.md §2.2", () => {
    const net = simplennTidy(characterCNN());
    expect(simplennDisplay(net, { batchSize: 100 })).toBe(WORKED_EXAMPLE);
    expect(fixtures['./fixtures/display/charcnn-ascii.txt']).toBe(WORKED_EXAMPLE);
  });

  for (const c of spec.cases as Case[]) {
    it(`prints what vl_simplenn_display prints: ${c.name}`, () => {
      const want = fixtures[`./fixtures/display/${c.name}.txt`];
      expect(want, 'fixture').toBeTypeOf('string');
      expect(simplennDisplay(netOf(c), c.opts)).toBe(want);
    });
  }

  it('takes a 4-element imageSize as the batch size, and batchSize over it', () => {
    const net = netOf({ name: '', net: 'vgg', tidy: true, opts: {} });
    const info = describeNet(net);
    expect(info.dataSize[0]).toEqual([224, 224, 3, 10]);
    expect(info.dataSize.map((d) => d.join('x'))).toEqual(['224x224x3x10', '224x224x64x10', '224x224x64x10',
      '112x112x64x10', '112x112x128x10', '112x112x128x10', '56x56x128x10', '7x7x128x10', '1x1x256x10',
      '1x1x256x10', '1x1x256x10', '1x1x1000x10', '1x1x1000x10']);
    expect(simplennDisplay(net)).toContain('(for batch size 10)');
    expect(simplennDisplay(net, { batchSize: 3 })).toContain('(for batch size 3)');
    expect(describeNet(net, { inputSize: [32, 32] }).dataSize[0]).toEqual([32, 32, NaN, 1]);
  });

  it('shows a legacy net (filters, biases) as its tidied form', () => {
    const legacy = buildNet(nets.legacy);
    const before = JSON.stringify(Object.keys(legacy.layers[0]));
    const text = simplennDisplay(legacy, { inputSize: [32, 32, 1, 4] });
    expect(text).toBe(simplennDisplay(simplennTidy(legacy), { inputSize: [32, 32, 1, 4] }));
    expect(text).toContain(' num filts|  n/a|    8|  n/a|   4|');
    expect(JSON.stringify(Object.keys(legacy.layers[0]))).toBe(before);
  });

  it('splits wide nets into tables of maxNumColumns layer columns, each with the labels', () => {
    const net = netOf({ name: '', net: 'vgg', tidy: true, opts: {} });
    const text = simplennDisplay(net, { maxNumColumns: 5 });
    const tables = text.split('\n\n').filter((t) => t.length > 0);
    expect(tables.length).toBe(4); // 13 columns in chunks of 5, then the summary
    expect(tables[0].split('\n')[0]).toMatch(/^ {5}layer\| +0\| +1\| +2\| +3\| +4\|$/);
    expect(tables[2].split('\n')[0]).toMatch(/^ {5}layer\| +10\| +11\| +12\|$/);
  });

  it('rejects bad options and malformed layers, naming them', () => {
    const net = simplennTidy(characterCNN());
    expect(() => simplennDisplay(net, { format: 'html' as 'csv' })).toThrow("simplennDisplay: format must be 'ascii', 'latex' or 'csv', got 'html'");
    expect(() => simplennDisplay(net, { maxNumColumns: 0 })).toThrow('maxNumColumns must be an integer >= 1, got 0');
    expect(() => simplennDisplay(net, { batch: 1 } as DisplayOptions)).toThrow("simplennDisplay: unknown option 'batch'");
    const bad = { layers: [{ ...net.layers[0], pad: [1, 2] }] };
    expect(() => simplennDisplay(bad)).toThrow("simplennDisplay: layer 0 ('layer1'): pad must have 1 or 4 elements, got [1, 2]");
    expect(() => simplennDisplay(net, { inputSize: [1, 2, 3, 4, 5] })).toThrow('inputSize must have at most 4 elements');
    for (const inputSize of [[32, 32, 1.5, 1], [32, -1], [Infinity, 32, 1, 1], [32, 32, 1, 0]]) {
      expect(() => simplennDisplay(net, { inputSize })).toThrow(/^simplennDisplay: inputSize must be integers >= 1 \(or NaN for unknown\)/);
    }
    expect(simplennDisplay(net, { inputSize: [32, 32, NaN, 1] })).toContain('NaN');
    for (const batchSize of [NaN, 0, 2.5, '4' as unknown as number]) {
      expect(() => simplennDisplay(net, { batchSize })).toThrow(/^simplennDisplay: batchSize must be an integer >= 1, got /);
      expect(() => describeNet(net, { batchSize })).toThrow(/^simplennDisplay: batchSize must be an integer >= 1, got /);
    }
  });
});

describe("MATLAB's sprintf conversions", () => {
  it('%.4g and %.2g round ties to even and print C exponents', () => {
    expect(fmtG(12345, 4)).toBe('1.234e+04');
    expect(fmtG(12355, 4)).toBe('1.236e+04');
    expect(fmtG(12349, 4)).toBe('1.235e+04');
    expect(fmtG(125, 2)).toBe('1.2e+02');
    expect(fmtG(135, 2)).toBe('1.4e+02');
    expect(fmtG(478096, 2)).toBe('4.8e+05');
    expect(fmtG(9995, 3)).toBe('1e+04');
    expect(fmtG(0.5, 4)).toBe('0.5');
    expect(fmtG(-4.5, 4)).toBe('-4.5');
    expect(fmtG(1234, 4)).toBe('1234');
    expect(fmtG(0.0001234, 4)).toBe('0.0001234');
    expect(fmtG(0.00001234, 4)).toBe('1.234e-05');
    expect(fmtG(1e100, 4)).toBe('1e+100');
    expect(fmtG(NaN, 4)).toBe('NaN');
    expect(fmtG(-Infinity, 4)).toBe('-Inf');
  });
  it('%.0f rounds ties to even; %d prints integers in full and anything else as %e', () => {
    expect(['0.5', '1.5', '2.5', '3.5', '2.4', '2.6'].map((s) => fmtF0(Number(s)))).toEqual(['0', '2', '2', '4', '2', '3']);
    expect(fmtD(100)).toBe('100');
    expect(fmtD(1e21)).toBe('1000000000000000000000');
    expect(fmtD(2.5)).toBe('2.500000e+00');
    expect(fmtD(NaN)).toBe('NaN');
  });
});
