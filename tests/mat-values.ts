// The values the writeMat tests write: plain JavaScript values with what
// readMat must return for each, every MatValue form, and a simplenn-shaped net.
// Shared by tests/mat.test.ts (round trips) and tests/mat.node.test.ts (scipy reads them).
import type { MatValue } from '../src/index.js';
import { rng } from './mat-helpers.js';

export function writeCases(): { cases: [string, unknown, MatValue][]; forms: MatValue[]; net: Record<string, unknown> } {
  const r = rng(7);
  const f32 = (n: number) => Float32Array.from({ length: n }, () => r() * 2 - 1);
  const cases: [string, unknown, MatValue][] = [
    ['number', 2.5, { class: 'double', dims: [1, 1], data: Float64Array.of(2.5) }],
    ['number[]', [1, NaN, -Infinity], { class: 'double', dims: [1, 3], data: Float64Array.of(1, NaN, -Infinity) }],
    ['[]', [], { class: 'double', dims: [0, 0], data: new Float64Array(0) }],
    ['boolean', true, { class: 'logical', dims: [1, 1], data: Uint8Array.of(1) }],
    ['boolean[]', [false, true], { class: 'logical', dims: [1, 2], data: Uint8Array.of(0, 1) }],
    ['bigint', -(2n ** 63n), { class: 'int64', dims: [1, 1], data: BigInt64Array.of(-(2n ** 63n)) }],
    ['Float32Array', Float32Array.of(1, 2), { class: 'single', dims: [1, 2], data: Float32Array.of(1, 2) }],
    ['Uint8Array', Uint8Array.of(9), { class: 'uint8', dims: [1, 1], data: Uint8Array.of(9) }],
    ['string', 'conv1', 'conv1'],
    ['unicode string', 'Größe 😀', 'Größe 😀'],
    ['empty string', '', ''],
    ['string[]', ['ab', 'cd', 'ef'], ['ab', 'cd', 'ef']],
    ['mixed array', [1, 'a', [2, 3]], { class: 'cell', dims: [1, 3], data: [
      { class: 'double', dims: [1, 1], data: Float64Array.of(1) }, 'a', { class: 'double', dims: [1, 2], data: Float64Array.of(2, 3) }] }],
    ['plain object', { b: 1, a: 'x', z: {} }, { b: { class: 'double', dims: [1, 1], data: Float64Array.of(1) }, a: 'x', z: {} }],
  ];
  const forms: MatValue[] = [
    ...(['double', 'single', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32'] as const).map((c) => {
      const ctor = { double: Float64Array, single: Float32Array, int8: Int8Array, uint8: Uint8Array, int16: Int16Array,
        uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array }[c];
      return { class: c, dims: [2, 3, 2], data: ctor.from({ length: 12 }, (_, i) => i * 3 - 5 + (c === 'double' || c === 'single' ? 0.5 : 0)).map((v) => (c.startsWith('u') ? Math.abs(v) : v)) } as MatValue;
    }),
    { class: 'int64', dims: [1, 2], data: BigInt64Array.of(-(2n ** 63n), 2n ** 63n - 1n) },
    { class: 'uint64', dims: [2, 1], data: BigUint64Array.of(0n, 2n ** 64n - 1n) },
    { class: 'single', dims: [3, 3, 1, 4], data: f32(36) },
    { class: 'single', dims: [0, 4], data: new Float32Array(0) },
    { class: 'double', dims: [1, 2], data: Float64Array.of(1, 2), imag: Float64Array.of(-3, 0.5) },
    { class: 'single', dims: [1, 1], data: Float32Array.of(1), imag: Float32Array.of(2) },
    { class: 'int16', dims: [1, 2], data: Int16Array.of(1, 2), imag: Int16Array.of(3, 4) },
    { class: 'logical', dims: [2, 2], data: Uint8Array.of(1, 0, 0, 1) },
    { class: 'char', dims: [2, 1, 2], data: Uint16Array.of(0x61, 0x62, 0x63, 0x3b1) },
    { class: 'struct', dims: [2, 2], fields: ['name', 'w'], data: [0, 1, 2, 3].map((i) => ({ name: `l${i}`, w: { class: 'single', dims: [1, i], data: f32(i) } as MatValue })) },
    { class: 'struct', dims: [0, 0], fields: ['a', 'b'], data: [] },
    { class: 'struct', dims: [1, 3], fields: [], data: [{}, {}, {}] },
    { class: 'object', classname: 'inline', dims: [1, 1], fields: ['expr'], data: [{ expr: 'x' }] },
    { class: 'cell', dims: [2, 1], data: [{ class: 'cell', dims: [0, 0], data: [] }, { class: 'cell', dims: [1, 1], data: ['deep'] }] },
    { class: 'sparse', dims: [3, 2], logical: false, ir: Int32Array.of(0, 2, 1), jc: Int32Array.of(0, 2, 3), data: Float64Array.of(1.5, -2, 3) },
    { class: 'sparse', dims: [2, 2], logical: false, ir: Int32Array.of(1), jc: Int32Array.of(0, 0, 1), data: Float64Array.of(1), imag: Float64Array.of(-1) },
    { class: 'sparse', dims: [2, 3], logical: true, ir: Int32Array.of(0, 1), jc: Int32Array.of(0, 1, 1, 2), data: Uint8Array.of(1, 1) },
    { class: 'sparse', dims: [4, 4], logical: false, ir: new Int32Array(0), jc: new Int32Array(5), data: new Float64Array(0) },
  ];
  const net = {
    layers: { class: 'cell', dims: [1, 2], data: [
      { type: 'conv', name: 'conv1', weights: { class: 'cell', dims: [1, 2], data: [{ class: 'single', dims: [5, 5, 1, 20], data: f32(500) }, { class: 'single', dims: [1, 20], data: f32(20) }] }, stride: [1, 1], pad: [0, 0, 0, 0] },
      { type: 'relu', name: 'relu1', leak: 0 },
    ] },
    meta: { classes: { name: { class: 'cell', dims: [1, 2], data: ['cat', 'dog'] } }, normalization: { averageImage: { class: 'single', dims: [1, 1, 3], data: Float32Array.of(122, 116, 104) } } },
  };
  return { cases, forms, net };
}
