// The shipped bundle (dist/, built by `npm run build`) works in Node and in
// Chromium and computes what the sources compute.
import { describe, expect, it } from 'vitest';
import * as dist from '../dist/index.js';
import * as src from '../src/index.js';

describe('dist/index.js', () => {
  it('exports the API names', () => {
    for (const name of ['init', 'Tensor', 'randn', 'zeros', 'nnrelu']) expect(name in dist).toBe(true);
  });

  it('loads its inlined kernels and agrees with the sources bit for bit', async () => {
    await Promise.all([dist.init(), src.init()]);
    const x = dist.randn([7, 5, 3], { seed: 3 });
    const p = dist.randn([7, 5, 3], { seed: 4 });
    const a = dist.nnrelu(x, p, { leak: 0.2 });
    const b = src.nnrelu(new src.Tensor(x.data, x.shape), new src.Tensor(p.data, p.shape), { leak: 0.2 });
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    // A tensor of one copy of the package is accepted by the other.
    expect(Array.from(src.nnrelu(x).data)).toEqual(Array.from(dist.nnrelu(x).data));
  });
});
