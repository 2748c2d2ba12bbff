// Type-checked by `npm run build` (tsc -p tests/types), never run: API.md's
// example and the README's must compile under `strict` as a user writes them,
// without non-null assertions.
import { init, Tensor, randn, zeros, nnconv, nnpool, nnrelu, imread, im2single, checkDerivative } from '../../src/index.js';

export async function apiExample(): Promise<number[][]> {
  await init();
  const x = im2single(await imread('peppers.png'));
  const w = randn([5, 5, 3, 10], { seed: 1 });
  const y = nnconv(x, w, null);
  const dzdy = randn(y.size());
  const { dzdx, dzdw, dzdb } = nnconv(x, w, null, dzdy);
  const x3 = nnpool(y, 10);
  const dzdx2 = nnpool(y, 10, randn(x3.size()));
  const r = nnrelu(x);  const dr = nnrelu(x, randn(x.size()));
  const none: null = dzdb;
  const check = checkDerivative((t) => nnconv(t, w, null), x, dzdy, dzdx);
  const b = zeros([10]);
  const all = nnconv(x, w, b, dzdy, { pad: 0 });
  const some = nnconv(x, w, b, dzdy, { der: { x: false } });
  const t: Tensor | null = some.dzdx;
  void none; void check; void t;
  return [dzdx.size(), dzdw.size(), dzdx2.size(), r.size(), dr.size(), all.dzdb.size()];
}
