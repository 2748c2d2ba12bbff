import { describe, expect, it } from 'vitest';
import { randn } from '../src/index.js';

// Runs first in its own file (vitest isolates files), so the shared stream is fresh here.
describe('randn continues its stream across calls', () => {
  it('the shared stream is seed 0, and a call of odd length hands the pair\'s second value to the next call', () => {
    const parts = [randn([3]), randn([1]), randn([5]), randn([2, 2])].flatMap((t) => Array.from(t.data));
    expect(parts).toEqual(Array.from(randn([13], { seed: 0 }).data));
  });

  it('a seeded call of odd length is the prefix of the next even length', () => {
    for (const n of [1, 7, 101]) {
      expect(Array.from(randn([n], { seed: 9 }).data)).toEqual(Array.from(randn([n + 1], { seed: 9 }).data.subarray(0, n)));
    }
  });
});
