// Runs before every test file (vitest.config.ts setupFiles): NNBLOCKS_THREADS=n makes
// init() without a thread count start n threads (1: threads off), so the whole suite runs
// both ways. Unset, init() uses its own default (the machine's cores where threads work).
import { inject } from 'vitest';
import { setDefaultThreads } from '../src/threads.js';

const t = inject('threads');
if (t !== '') {
  const n = Number(t);
  if (!Number.isInteger(n) || n < 1) throw new Error(`NNBLOCKS_THREADS must be a whole number >= 1, got "${t}"`);
  setDefaultThreads(n);
}
