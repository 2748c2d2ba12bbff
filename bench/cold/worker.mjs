// One cold start in a fresh workerd isolate: the first request times init()
// and one small conv (the module import itself happens before any request).
import { init, nnconv, randn } from 'nnblocks';

export default {
  async fetch() {
    const t0 = performance.now();
    await init();
    nnconv(randn([32, 32, 3], { seed: 1 }), randn([3, 3, 3, 8], { seed: 2 }), null, { pad: 1 });
    // workerd's clock advances only across I/O; Date.now() after a subrequest-free
    // compute is coarse too, so report both and let the host time the round trip.
    return Response.json({ ms: performance.now() - t0 });
  },
};
