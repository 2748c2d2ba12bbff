// The practical as a function (what the browser demo calls), on a small
// image so it runs quickly in Node and Chromium.
import { beforeAll, describe, expect, it } from 'vitest';
import { init, practical, derLine, randn, Tensor, PRACTICAL_THRESHOLD } from '../src/index.js';

beforeAll(() => init());

describe('practical()', () => {
  it('runs part 2 on any RGB image and passes its checks', () => {
    const x = randn([40, 50, 3], { seed: 9 });
    const lines: string[] = [];
    const r = practical(new Tensor(x.data.map((v) => 0.5 + 0.2 * v), x.shape), (l) => lines.push(l));
    expect(r.size.dzdy).toEqual([36, 46, 10]);
    expect(r.size.dzdx).toEqual([40, 50, 3]);
    expect(r.size.x3).toEqual([27, 37, 10]);
    expect(r.checks.map((c) => c.name)).toEqual([
      'conv, derivative w.r.t. x', 'conv, derivative w.r.t. w', 'conv + pool(10), derivative w.r.t. w1']);
    for (const c of r.checks) expect(c.error).toBeLessThan(PRACTICAL_THRESHOLD);
    expect(r.ok).toBe(true);
    expect(lines).toContain('size(dzdy) = 36 46 10');
  });

  it('formats the der line as the MATLAB fprintf does', () => {
    expect(derLine({ empirical: -16473.8725574, computed: -16490.3786771, error: 0.001001 }))
      .toBe('der: empirical: -16473.872557, computed: -16490.378677, error: 0.10 %');
  });
});
