// simplenn's WebAssembly memory with conserveMemory: buffers that nothing reads again and that res
// does not keep share two regions. Its own file, so the module's memory starts small here.
import { beforeAll, expect, it } from 'vitest';
import { init, simplenn, simplennTidy, randn } from '../src/index.js';
import { memoryBytes } from '../src/wasm.js';
import { expectExact } from './helpers.js';

beforeAll(() => init());

const L = 10;
const N = 1 << 20;
const A = 4 * N; // bytes per activation
const MiB = 2 ** 20;

it('a forward pass with conserveMemory holds two activations and the output, not all of them', () => {
  const net = simplennTidy({ layers: Array.from({ length: L }, () => ({ type: 'relu', leak: 0.5 })) });
  const x = randn([N, 1], { seed: 1 });
  const before = memoryBytes();
  const res = simplenn(net, x, null, null, { conserveMemory: true });
  const grown = memoryBytes() - before;
  expect(grown).toBeLessThan(3 * A + MiB);
  const want = x.data.map((v) => (v > 0 ? v : v * 0.5 ** L));
  expectExact(res[L].x!.data, want, 'output');
  // Backward: every x is read again; dzdx of the input is kept, the others share two regions.
  const dzdy = randn([N, 1], { seed: 2 });
  const b = simplenn(net, x, dzdy, null, { conserveMemory: true });
  expect(memoryBytes() - before).toBeLessThan((L + 1 + 1 + 2) * A + MiB);
  expectExact(b[0].dzdx!.data, dzdy.data.map((v, i) => (x.data[i] > 0 ? v : v * 0.5 ** L)), 'dzdx');
  // Without conserveMemory every buffer is its own.
  simplenn(net, x, dzdy);
  expect(memoryBytes() - before).toBeGreaterThanOrEqual((2 * (L + 1) - 1) * A);
});
