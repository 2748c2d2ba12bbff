// One cold start in a fresh Node process: import, init(), one small conv.
const t0 = performance.now();
const { init, nnconv, randn } = await import('nnblocks');
await init();
const y = nnconv(randn([32, 32, 3], { seed: 1 }), randn([3, 3, 3, 8], { seed: 2 }), null, { pad: 1 });
if (y.size().join('x') !== '32x32x8') throw new Error('wrong size');
console.log(JSON.stringify({ ms: performance.now() - t0 }));
