import { init } from '../src/index.js';
import { kernels, reserve } from '../src/wasm.js';
await init();
const k = kernels();
const n = 380 * 508 * 10;
const [px, py, pp] = reserve('probe', n, n, n);
new Float32Array(k.memory.buffer, px, n).forEach((_, i, a) => { a[i] = Math.sin(i) * 3; });
const fs: [string, () => void][] = [['sigmoid fwd', () => k.sigmoid_forward(px, py, n)], ['sigmoid bwd', () => k.sigmoid_backward(px, pp, py, n)],
  ['softmax 1000x64', () => k.softmax_forward(px, py, 1, 1000, 64)], ['softmax 32x32x21', () => k.softmax_forward(px, py, 1024, 21, 1)],
  ['softmax bwd 1000x64', () => k.softmax_backward(px, pp, py, 1, 1000, 64)], ['softmax bwd 32x32x21', () => k.softmax_backward(px, pp, py, 1024, 21, 1)]];
const t: number[][] = fs.map(() => []);
for (let r = 0; r < 30; r++) fs.forEach(([, f], i) => { const reps = i < 2 ? 1 : 50; const t0 = performance.now(); for (let q = 0; q < reps; q++) f(); t[i].push((performance.now() - t0) / reps); });
fs.forEach(([name], i) => { const s = t[i].slice(5).sort((a, b) => a - b); console.log(name, 'min', s[0].toFixed(4), 'med', s[12].toFixed(4)); });
