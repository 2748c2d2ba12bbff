// One cold start of the peer in a fresh Node process: import, wasm backend
// (SIMD, one thread) ready, the same small conv read back.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
const t0 = performance.now();
const tf = await import('@tensorflow/tfjs-core');
const { setWasmPaths } = await import('@tensorflow/tfjs-backend-wasm');
const require = createRequire(import.meta.url);
setWasmPaths(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm')) + '/');
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
await tf.setBackend('wasm');
await tf.ready();
const y = tf.conv2d(tf.randomNormal([1, 32, 32, 3]), tf.randomNormal([3, 3, 3, 8]), 1, 'same');
y.dataSync();
console.log(JSON.stringify({ ms: performance.now() - t0 }));
