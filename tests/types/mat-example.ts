// Type-checked by `npm run build` (tsc -p tests/types), never run: readMat's
// values and writeMat's inputs as a user writes them under `strict`.
import { readMat, writeMat, type MatArray, type MatCell, type MatStruct, type MatValue } from '../../src/index.js';

export async function matExample(): Promise<number> {
  const vars: Record<string, MatValue> = await readMat('net.mat');
  const layers = vars.layers as MatCell;
  const conv = layers.data[0] as MatStruct;
  const w = (conv.weights as MatCell).data[0] as MatArray<'single'>;
  const f: Float32Array = w.data;
  const dims: number[] = w.dims;
  const bytes: Uint8Array = writeMat({
    layers, meta: { lr: 0.01, classes: { class: 'cell', dims: [1, 2], data: ['cat', 'dog'] }, size: [224, 224, 3] },
    w: Float32Array.of(1), col: { class: 'double', dims: [3, 1], data: new Float64Array(3) }, ok: true, n: 5n,
  }, { compress: true });
  return f.length + dims.length + bytes.length;
}
