// The worker pool as a Node program sees it (the built package, dist/): a process with a live
// pool exits on its own when its work is done (the workers are unref'ed), one that calls
// dispose() too, and both printed results that a split conv computed on 2 threads.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function program(end: string): { status: number | null; signal: string | null; out: string; ms: number } {
  const code = `import { init, dispose, nnconv, randn, threadCount } from 'nnblocks';
    await init({ threads: 2 });
    const y = nnconv(randn([100, 120, 3, 1], { seed: 1 }), randn([5, 5, 3, 10], { seed: 2 }), null);
    console.log(threadCount(), y.shape.join('x'));
    ${end}`;
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, signal: r.signal, out: `${r.stdout}${r.stderr}`.trim(), ms: performance.now() - t0 };
}

describe('a Node process with a worker pool', () => {
  it('exits on its own with the pool still running (no dispose)', () => {
    const r = program('');
    expect(r.signal, `killed after ${r.ms.toFixed(0)} ms: the pool kept the event loop alive`).toBeNull();
    expect(r.status, r.out).toBe(0);
    expect(r.out).toBe('2 96x116x10x1');
  });

  it('an init() cancelled by dispose() and never awaited does not end the process as an unhandled rejection', () => {
    const code = `import { init, dispose, threadCount } from 'nnblocks';
      init({ threads: 2 });
      dispose();
      const again = init({ threads: 2 });
      dispose();
      await again.catch((e) => console.log(e.name));
      console.log(threadCount());`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, encoding: 'utf8', timeout: 30_000 });
    expect(r.signal).toBeNull();
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    expect(r.stdout.trim()).toBe('AbortError\n1');
  });

  it('a later init() that asks for another pool size is an Error until dispose(); the same size shares the load', () => {
    const code = `import { init, dispose, threadCount } from 'nnblocks';
      const first = init({ threads: 2 });
      console.log(init() === first, init({ threads: 2 }) === first);
      await init({ threads: 1 }).catch((e) => console.log(e.message));
      await first;
      await init({ threads: 1 }).catch((e) => console.log(e.message));
      dispose();
      await init({ threads: 1 });
      console.log(threadCount());`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, encoding: 'utf8', timeout: 30_000 });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    const refused = 'init: the kernels are already loaded (or loading) on 2 threads; init({ threads: 1 }) asks for 1. ' +
      'Call dispose() first to load them again with other options';
    expect(r.stdout.trim().split('\n')).toEqual(['true true', refused, refused, '1']);
  });

  it('exits after dispose(), with threadCount() back to 1', () => {
    const r = program('dispose(); console.log(threadCount());');
    expect(r.signal).toBeNull();
    expect(r.status, r.out).toBe(0);
    expect(r.out).toBe('2 96x116x10x1\n1');
  });
});
